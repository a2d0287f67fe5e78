"""A change of the applicant's email address, confirmed by a link sent to the new address (issue 13).

The confirmation code is derived (HMAC, domain/signing.py, purpose "email-change") from the file, the
new address and when the change was asked for, so nothing secret is stored: not on the file, not in
the outbox. A code is good for ``CONFIRM_HOURS`` and only for the change the file still waits on (a
second request replaces the first, whose code then no longer matches). Plain Python, no AWS.
"""
from __future__ import annotations

import hmac
from datetime import datetime, timedelta
from typing import Mapping

from . import signing
from .errors import FieldError

PURPOSE = "email-change"
CONFIRM_HOURS = 24
# At most this many changes asked for per file per day (each sends an email to an address the
# applicant typed): domain/limits.py counts them.
MAX_REQUESTS_PER_DAY = 5
# At most this many confirmations to one mailbox per day, whatever the file asking (domain/limits.py): a real
# change needs one, a lost or expired email a second or third; more is someone else's file bombing the address.
MAX_CONFIRMATIONS_PER_ADDRESS_PER_DAY = 3
UNAVAILABLE = "address-unavailable"

OK, NONE_PENDING, EXPIRED, WRONG_CODE = "ok", "none_pending", "expired", "wrong_code"


def pending(address: str, requested_at: str) -> dict[str, str]:
    """What the file records while it waits for the confirmation."""
    return {"address": address.strip(), "requested_at": requested_at}


def code(secret: str, application_id: str, address: str, requested_at: str) -> str:
    return signing.b64(signing.mac(secret, PURPOSE, application_id, address.strip().lower(), requested_at))[:32]


def expires_at(requested_at: datetime) -> datetime:
    return requested_at + timedelta(hours=CONFIRM_HOURS)


def check(secret: str, application_id: str, waiting: Mapping[str, str] | None, given: str, now: datetime) -> str:
    """OK, or why the code does not confirm the change the file waits on."""
    if not waiting or not waiting.get("address") or not waiting.get("requested_at"):
        return NONE_PENDING
    expected = code(secret, application_id, waiting["address"], waiting["requested_at"])
    if not hmac.compare_digest(expected.encode("ascii"), (given or "").encode("ascii", "replace")):
        return WRONG_CODE
    asked = datetime.fromisoformat(waiting["requested_at"].replace("Z", "+00:00"))
    if now >= expires_at(asked):
        return EXPIRED
    return OK


def masked(address: str) -> str:
    """An address as the old one is told of it: enough to recognise, not to harvest (``j***@example.ca``)."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def unavailable() -> FieldError:
    """The answer when the new address is on the suppression list or has had its confirmations for the day: one
    answer for both, so the applicant learns that it cannot be used now, not whether someone complained."""
    return FieldError("/email", UNAVAILABLE,
                      "We cannot send email to this address at the moment. Enter another address, or try again "
                      "tomorrow.",
                      "Nous ne pouvons pas envoyer de courriel à cette adresse pour le moment. Entrez une autre "
                      "adresse ou réessayez demain.")
