"""Limits on abuse, per address: how many new files a day, how many new-link requests an hour.

A limit is a counter item per address and period (the idempotency table, whose TTL clears
it a day after its period ends), incremented in the same transaction as the change it
limits, with the condition that it is still under the limit: so a burst cannot pass it,
and a refused change counts nothing. The address is never stored: the key derives from
its ``email_key`` (a SHA-256 of the normalized address, domain/tokens.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from .bulletins import PROGRAM_TIME

KEEP_AFTER = timedelta(days=1)  # the counter outlives its period by this much, then DynamoDB's TTL removes it


@dataclass(frozen=True)
class Counter:
    key: str
    limit: int
    expires_at: int  # epoch seconds


def files_today(email_key: str, today: date, limit: int) -> Counter:
    """New files from one address on one calendar day (Ottawa's)."""
    end = datetime.combine(today + timedelta(days=1), time(), PROGRAM_TIME)
    return Counter(f"limit#files#{email_key}#{today.isoformat()}", limit, int((end + KEEP_AFTER).timestamp()))


def link_requests_this_hour(email_key: str, now: datetime, limit: int) -> Counter:
    """New-link requests for one address in one clock hour (UTC)."""
    hour = now.replace(minute=0, second=0, microsecond=0)
    end = hour + timedelta(hours=1)
    return Counter(f"limit#links#{email_key}#{hour.strftime('%Y-%m-%dT%H')}", limit,
                   int((end + KEEP_AFTER).timestamp()))


def email_changes_today(application_id: str, today: date, limit: int) -> Counter:
    """Changes of address asked for on one file on one calendar day (Ottawa's): each emails an address typed in."""
    end = datetime.combine(today + timedelta(days=1), time(), PROGRAM_TIME)
    return Counter(f"limit#email-change#{application_id}#{today.isoformat()}", limit,
                   int((end + KEEP_AFTER).timestamp()))


def drafts_today(email_key: str, today: date, limit: int) -> Counter:
    """Applications started (drafts) from one address on one calendar day (Ottawa's): each emails it a link."""
    end = datetime.combine(today + timedelta(days=1), time(), PROGRAM_TIME)
    return Counter(f"limit#drafts#{email_key}#{today.isoformat()}", limit, int((end + KEEP_AFTER).timestamp()))
