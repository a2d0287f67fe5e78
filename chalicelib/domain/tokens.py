"""Applicant access tokens: shown once, stored only as a SHA-256 hash, valid 90 days.

A token carries its issue time (8 bytes, seconds since the epoch) before 32 bytes
of randomness, so a plain hash is enough (no slow KDF) and the hash covers the
time: changing it makes a token that opens nothing. A token stops working
``TOKEN_LIFETIME`` after it was issued; every email to the applicant brings a fresh
one, so a file followed by email stays open, and the expired-link page offers a
new link. With an Idempotency-Key, the token is derived (HMAC) from the server
secret, the key, the request and the issue time, so a retried submission gets the
same answer without the token ever being stored.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from datetime import datetime, timedelta, timezone

from . import signing

# Every email to the applicant brings a fresh link; the newest this many stay valid (each for
# TOKEN_LIFETIME), enough for a whole selection path and a few requested links.
MAX_ACTIVE_TOKENS = 20
TOKEN_LIFETIME = timedelta(days=90)
_CLOCK_SKEW = timedelta(minutes=5)
_TIME_BYTES = 8
_TOKEN_BYTES = _TIME_BYTES + 32


def _issued_prefix(issued: datetime) -> bytes:
    return int(issued.timestamp()).to_bytes(_TIME_BYTES, "big")


def new_token(issued: datetime) -> str:
    return signing.b64(_issued_prefix(issued) + secrets.token_bytes(32))


def derived_token(secret: str, issued: datetime, *parts: str) -> str:
    """A token derived (domain/signing.py, purpose "file-token") from ``parts`` and its issue time."""
    prefix = _issued_prefix(issued)
    return signing.b64(prefix + signing.mac(secret, "file-token", prefix.hex(), *parts))


def issued_at(token: str) -> datetime | None:
    """When the token was issued, or None when it carries no time (a malformed or pre-expiry token)."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        return None
    if len(raw) != _TOKEN_BYTES:
        return None
    try:
        return datetime.fromtimestamp(int.from_bytes(raw[:_TIME_BYTES], "big"), tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None


def is_current(token: str, now: datetime) -> bool:
    """Issued no more than TOKEN_LIFETIME ago (and not in the future beyond clock skew)."""
    issued = issued_at(token)
    return issued is not None and issued - _CLOCK_SKEW <= now <= issued + TOKEN_LIFETIME


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def matches(token: str | None, hashes: list[str] | tuple[str, ...] | None) -> bool:
    if not token or not hashes:
        return False
    candidate = token_hash(token)
    ok = False
    for h in hashes:  # compare against all, in constant time each
        ok |= hmac.compare_digest(candidate, h)
    return ok


def new_application_id() -> str:
    return "po-" + base64.b32encode(secrets.token_bytes(10)).decode("ascii").lower()


def email_key(email: str) -> str:
    """Index key for an address: its hash, so the index holds no address."""
    return hashlib.sha256(email.strip().lower().encode("utf-8")).hexdigest()


def request_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()
