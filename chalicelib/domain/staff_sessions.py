"""The staff console's sessions: how long one lives and what its record holds.

A session is a server-side record keyed by the SHA-256 of an opaque random id; the
browser's cookie holds the id and nothing else. The record holds only what the
console needs: who is signed in (the ID token's subject, groups and police service,
from which the Actor is derived on every request exactly as the API does), the
refresh token (encrypted with a key derived from the server secret), a random CSRF
value the forms' tokens are bound to, and when it was created and last used.

A sign-in in progress (a Cognito challenge: a new password, setting up or answering
TOTP) is a record of its own, in state "challenge", that lives no longer than
Cognito's own challenge session (3 minutes, the app client's AuthSessionValidity)
plus the time to read a setup page.
"""
from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass, field, replace
from typing import Any, Mapping

from cryptography.fernet import InvalidToken

from . import signing

IDLE_SECONDS = 30 * 60  # ends after 30 minutes without a request
ABSOLUTE_SECONDS = 12 * 3600  # and at 12 hours, whatever happens (the refresh token's own validity)
CHALLENGE_SECONDS = 10 * 60  # a sign-in in progress (Cognito's own challenge session lasts 3 minutes)
TOUCH_EVERY_SECONDS = 60  # last-seen is written at most once a minute (one write per page would do, at a cost)
REFRESH_BEFORE_SECONDS = 60  # the ID token is renewed a minute before it expires
SEAL_PURPOSE = "console-session"

ACTIVE, CHALLENGE = "active", "challenge"
# The record listing one user's sessions (+ domain/sign_in_limits.user_key), so "sign out everywhere" and an
# administrator's cut-off end them all; under "session#" as the sessions are (the same delete permission).
USER_SESSIONS = "session#user#"
# The claims kept from a verified ID token: what auth.actor_from_claims reads, nothing else.
KEPT_CLAIMS = ("sub", "cognito:groups", "custom:police_service", "cognito:username")  # the username: the read log


def new_id() -> str:
    """The cookie's value: 256 random bits, URL-safe."""
    return signing.b64(secrets.token_bytes(32))


def key_of(session_id: str) -> str:
    """The record's key: a hash of the id, so a read of the table gives no usable cookie."""
    return "session#" + hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def kept_claims(claims: Mapping[str, Any]) -> dict[str, Any]:
    return {k: claims[k] for k in KEPT_CLAIMS if k in claims}


def seal(secret: str, value: Mapping[str, Any]) -> str:
    """Encrypt what must not be readable at rest (a refresh token, a Cognito challenge session)."""
    return signing.fernet(secret, SEAL_PURPOSE).encrypt(json.dumps(dict(value)).encode("utf-8")).decode("ascii")


def unseal(secret: str, sealed: str | None) -> dict[str, Any]:
    if not sealed:
        return {}
    try:
        value = json.loads(signing.fernet(secret, SEAL_PURPOSE).decrypt(sealed.encode("ascii")))
    except (InvalidToken, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class StaffSession:
    key: str
    state: str  # ACTIVE or CHALLENGE
    created_at: int  # epoch seconds
    last_seen_at: int
    csrf: str  # the value this session's forms' CSRF tokens are bound to
    claims: Mapping[str, Any] = field(default_factory=dict)  # KEPT_CLAIMS of the last verified ID token
    id_expires_at: int = 0  # when that ID token expires: then the refresh token renews it
    sealed: str | None = None  # encrypted: {"refresh_token"} (active) or the challenge's state
    challenge: str | None = None  # NEW_PASSWORD_REQUIRED | MFA_SETUP | SOFTWARE_TOKEN_MFA | TOTP_SETUP
    username: str | None = None  # while signing in only (Cognito's challenge answers name the user)
    user_key: str | None = None  # signed in: the SHA-256 of the canonical user name (its sessions are listed by it)

    @property
    def expires_at(self) -> int:
        """When the record ends (DynamoDB's TTL attribute, and the check on every read)."""
        if self.state == CHALLENGE:
            return self.created_at + CHALLENGE_SECONDS
        return min(self.last_seen_at + IDLE_SECONDS, self.created_at + ABSOLUTE_SECONDS)

    def live(self, now: int) -> bool:
        return now < self.expires_at

    def needs_touch(self, now: int) -> bool:
        return now - self.last_seen_at >= TOUCH_EVERY_SECONDS

    def touched(self, now: int) -> "StaffSession":
        return replace(self, last_seen_at=now)

    def needs_refresh(self, now: int) -> bool:
        return now >= self.id_expires_at - REFRESH_BEFORE_SECONDS


def started_challenge(now: int, challenge: str, username: str, sealed: str) -> tuple[str, StaffSession]:
    sid = new_id()
    return sid, StaffSession(key=key_of(sid), state=CHALLENGE, created_at=now, last_seen_at=now, csrf=new_id(),
                             challenge=challenge, username=username, sealed=sealed)


def started_session(now: int, claims: Mapping[str, Any], sealed: str) -> tuple[str, StaffSession]:
    """A new id for the signed-in session (never the challenge's: an id known before sign-in is never promoted)."""
    sid = new_id()
    exp = int(claims.get("exp", now))
    return sid, StaffSession(key=key_of(sid), state=ACTIVE, created_at=now, last_seen_at=now, csrf=new_id(),
                             claims=kept_claims(claims), id_expires_at=exp, sealed=sealed)


@dataclass(frozen=True)
class Tokens:
    id_token: str
    access_token: str
    refresh_token: str | None  # None on a refresh (Cognito keeps the one it was given)


@dataclass(frozen=True)
class AuthStep:
    """What the user pool answered: a challenge to answer next (with its session), or the tokens."""

    challenge: str | None = None
    session: str | None = None
    tokens: Tokens | None = None


class SignInRefused(Exception):
    """The user pool refused a step. ``reason``: "credentials" (wrong name or password: never says which),
    "code" (a wrong or used TOTP code), "password" (a new password the policy refuses), "expired" (the
    challenge's 3 minutes passed), "unavailable" (the pool did not answer)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
