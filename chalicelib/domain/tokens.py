"""Applicant access tokens: shown once, stored only as a SHA-256 hash.

Tokens carry 256 bits of randomness, so a plain hash is enough (no slow KDF).
With an Idempotency-Key, the token is derived (HMAC) from the server secret,
the key and the request, so a retried submission gets the same answer
without the token ever being stored.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

MAX_ACTIVE_TOKENS = 5


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def new_token() -> str:
    return _b64(secrets.token_bytes(32))


def derived_token(secret: str, *parts: str) -> str:
    mac = hmac.new(secret.encode("utf-8"), "\x1f".join(parts).encode("utf-8"), hashlib.sha256)
    return _b64(mac.digest())


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def matches(token: str | None, hashes: list[str] | None) -> bool:
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
