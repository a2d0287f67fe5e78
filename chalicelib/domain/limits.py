"""Limits on abuse, per address: how many new files a day, how many new-link requests an hour.

A limit is a counter item per address and period (the idempotency table, whose TTL clears
it a day after its period ends), incremented in the same transaction as the change it
limits, with the condition that it is still under the limit: so a burst cannot pass it,
and a refused change counts nothing. A limit counts the mailbox, not the string: every
key derives from ``addresses.key`` (a SHA-256 of the canonical address: lower case, no
plus-tag, domain/addresses.py), so ``X+1@`` and ``x@`` share one counter. The address is
never stored.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from . import addresses
from .bulletins import PROGRAM_TIME

KEEP_AFTER = timedelta(days=1)  # the counter outlives its period by this much, then DynamoDB's TTL removes it


@dataclass(frozen=True)
class Counter:
    key: str
    limit: int
    expires_at: int  # epoch seconds
    label: str = "limit"  # how a refused unit of work names it (ConditionFailed.failed)


def _mailbox(address: str) -> str:
    """The key of the mailbox ``address`` reaches; a hash given here instead of an address is a bug, said loudly."""
    if "@" not in address:
        raise ValueError("a limit counts an address (domain/addresses.py), not a key")
    return addresses.key(address)


def _daily(kind: str, subject: str, today: date, limit: int, label: str = "limit") -> Counter:
    """The counter of ``kind`` for ``subject`` on one calendar day (Ottawa's), kept until a day after it ends."""
    end = datetime.combine(today + timedelta(days=1), time(), PROGRAM_TIME)
    return Counter(f"limit#{kind}#{subject}#{today.isoformat()}", limit, int((end + KEEP_AFTER).timestamp()), label)


def files_today(address: str, today: date, limit: int) -> Counter:
    """New files from one address on one calendar day (Ottawa's)."""
    return _daily("files", _mailbox(address), today, limit)


def link_requests_this_hour(address: str, now: datetime, limit: int) -> Counter:
    """New-link requests for one address in one clock hour (UTC)."""
    hour = now.replace(minute=0, second=0, microsecond=0)
    end = hour + timedelta(hours=1)
    return Counter(f"limit#links#{_mailbox(address)}#{hour.strftime('%Y-%m-%dT%H')}", limit,
                   int((end + KEEP_AFTER).timestamp()))


def email_changes_today(application_id: str, today: date, limit: int) -> Counter:
    """Changes of address asked for on one file on one calendar day (Ottawa's): each emails an address typed in."""
    return _daily("email-change", application_id, today, limit)


def drafts_today(address: str, today: date, limit: int) -> Counter:
    """Applications started (drafts) from one address on one calendar day (Ottawa's): each emails it a link."""
    return _daily("drafts", _mailbox(address), today, limit)


def guide_requests_today(address: str, today: date, limit: int) -> Counter:
    """"Before the Mission" asked for one mailbox on one calendar day (Ottawa's): each emails an address typed in
    by anyone, so the mailbox is counted, whoever asks."""
    return _daily("guide-to", _mailbox(address), today, limit, "limit:recipient")


def confirmations_to_today(address: str, today: date, limit: int) -> Counter:
    """Confirmations of a change of address sent to one mailbox on one calendar day (Ottawa's), whatever the
    file asking: the per-file limit alone let four files send twenty to one victim."""
    return _daily("email-change-to", _mailbox(address), today, limit, "limit:recipient")
