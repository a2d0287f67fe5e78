"""The staff console's sign-in and sessions: Cognito's challenges answered step by step, then a session.

Flow (Cognito ``USER_PASSWORD_AUTH``, no hosted UI; the same under moto and in AWS):
``sign_in`` → (``new_password`` for a temporary password) → ``confirm_totp`` (first sign-in: set up
TOTP, from the secret shown as text and as an otpauth URI) or ``answer_code`` → a session.
The console requires TOTP whatever the pool does: tokens handed out with no MFA step (a pool
where MFA is optional; moto, whose ``USER_PASSWORD_AUTH`` skips MFA_SETUP) are held back until
the user has set TOTP up with their access token.

A challenge in progress is a record of its own (state "challenge"); signing in makes a new
record under a new id (an id known before sign-in is never promoted). Every later request
reads the record (``current``): past its idle or absolute end it is gone; an ID token about to
expire is renewed with the refresh token and verified again, and the Actor is derived from its
claims as the API derives it (api/auth.py actor_from_claims).

No password, code, token or challenge session is logged; the refresh token and the challenge
session are stored sealed (domain/staff_sessions.py).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable, Mapping
from urllib.parse import quote

from ..domain import staff_sessions as ss
from ..domain.access import STAFF_ROLES
from ..domain.staff_sessions import AuthStep, SignInRefused, StaffSession
from .deps import Deps
from .ports import IdentityProvider

Verify = Callable[[str], Mapping[str, Any]]
"""An ID token's verified claims (adapters/cognito.py CognitoVerifier.verify); raises on a bad token."""

ISSUER = "peaceops"  # the authenticator app's label: "peaceops (coordinator.spvm)"
TOTP_SETUP = "TOTP_SETUP"  # ours: tokens in hand, TOTP still to set up with the access token


@dataclass(frozen=True)
class Outcome:
    """Where the sign-in goes next: ``step`` is "new_password", "set_up_totp", "code" or "signed_in"."""

    step: str
    session_id: str
    session: StaffSession


def _now(deps: Deps) -> int:
    return int(deps.clock().timestamp())


def _secret(deps: Deps) -> str:
    return deps.settings.token_secret


def has_staff_role(claims: Mapping[str, Any]) -> bool:
    groups = claims.get("cognito:groups")
    return isinstance(groups, list) and any(g in STAFF_ROLES for g in groups)


def _activate(deps: Deps, verify: Verify, tokens: ss.Tokens, challenge_key: str | None) -> Outcome:
    claims = _verified(verify, tokens.id_token)
    sid, session = ss.started_session(_now(deps), claims, ss.seal(_secret(deps), {"refresh": tokens.refresh_token}))
    deps.store.sessions.put(session)
    if challenge_key:
        deps.store.sessions.delete(challenge_key)
    return Outcome("signed_in", sid, session)


def _verified(verify: Verify, id_token: str) -> Mapping[str, Any]:
    try:
        claims = verify(id_token)
    except Exception as exc:  # noqa: BLE001 - InvalidToken or a key fetch failing: no session either way
        raise SignInRefused("unavailable") from exc
    if not has_staff_role(claims):
        raise SignInRefused("no_role")
    return claims


def _challenge(deps: Deps, name: str, username: str, sealed: Mapping[str, Any],
               prior: tuple[str, StaffSession] | None) -> Outcome:
    box = ss.seal(_secret(deps), sealed)
    if prior is not None:  # the same sign-in, one step further: same id, fresh time
        sid, old = prior
        session = replace(old, challenge=name, sealed=box, created_at=_now(deps), last_seen_at=_now(deps))
    else:
        sid, session = ss.started_challenge(_now(deps), name, username, box)
    deps.store.sessions.put(session)
    step = {"NEW_PASSWORD_REQUIRED": "new_password", "SOFTWARE_TOKEN_MFA": "code"}.get(name, "set_up_totp")
    return Outcome(step, sid, session)


def _next(deps: Deps, idp: IdentityProvider, verify: Verify, answer: AuthStep, username: str,
          prior: tuple[str, StaffSession] | None, mfa_done: bool) -> Outcome:
    if answer.tokens is not None:
        if mfa_done:
            return _activate(deps, verify, answer.tokens, prior[1].key if prior else None)
        _verified(verify, answer.tokens.id_token)  # a user with no console role goes no further
        secret, _ = idp.associate_totp(access_token=answer.tokens.access_token)
        return _challenge(deps, TOTP_SETUP, username, {"secret": secret, "id": answer.tokens.id_token,
                                                        "access": answer.tokens.access_token,
                                                        "refresh": answer.tokens.refresh_token}, prior)
    if answer.challenge in ("NEW_PASSWORD_REQUIRED", "SOFTWARE_TOKEN_MFA"):
        return _challenge(deps, answer.challenge, username, {"session": answer.session}, prior)
    if answer.challenge == "MFA_SETUP":
        secret, session = idp.associate_totp(session=answer.session)
        return _challenge(deps, "MFA_SETUP", username, {"secret": secret, "session": session or answer.session},
                          prior)
    raise SignInRefused("unsupported")


def sign_in(deps: Deps, idp: IdentityProvider, verify: Verify, username: str, password: str) -> Outcome:
    username = username.strip()
    if not username or not password:
        raise SignInRefused("credentials")
    return _next(deps, idp, verify, idp.start(username, password), username, None, mfa_done=False)


def pending(deps: Deps, session_id: str | None) -> StaffSession | None:
    """The sign-in in progress this cookie names, while it lasts."""
    if not session_id:
        return None
    session = deps.store.sessions.get(ss.key_of(session_id))
    if session is None or session.state != ss.CHALLENGE or not session.live(_now(deps)):
        return None
    return session


def _sealed(deps: Deps, session: StaffSession) -> dict[str, Any]:
    return ss.unseal(_secret(deps), session.sealed)


def set_new_password(deps: Deps, idp: IdentityProvider, verify: Verify, session_id: str, session: StaffSession,
                     password: str) -> Outcome:
    if session.challenge != "NEW_PASSWORD_REQUIRED" or not password:
        raise SignInRefused("password")
    answer = idp.new_password(str(session.username), str(_sealed(deps, session).get("session")), password)
    return _next(deps, idp, verify, answer, str(session.username), (session_id, session), mfa_done=False)


def totp_secret(deps: Deps, session: StaffSession) -> tuple[str, str]:
    """The TOTP secret to set up (as text) and its otpauth URI (for an app that reads one)."""
    secret = str(_sealed(deps, session).get("secret") or "")
    label = quote(f"{ISSUER}:{session.username}")
    return secret, f"otpauth://totp/{label}?secret={secret}&issuer={ISSUER}"


def confirm_totp(deps: Deps, idp: IdentityProvider, verify: Verify, session_id: str, session: StaffSession,
                 code: str) -> Outcome:
    code = code.strip().replace(" ", "")
    if not code.isdigit() or len(code) != 6:
        raise SignInRefused("code")
    sealed = _sealed(deps, session)
    if session.challenge == "MFA_SETUP":
        next_session = idp.verify_totp(code, session=str(sealed.get("session")))
        answer = idp.finish_setup(str(session.username), str(next_session or sealed.get("session")))
        return _next(deps, idp, verify, answer, str(session.username), (session_id, session), mfa_done=True)
    if session.challenge == TOTP_SETUP:
        idp.verify_totp(code, access_token=str(sealed.get("access")))
        idp.prefer_totp(str(sealed.get("access")))
        tokens = ss.Tokens(str(sealed.get("id")), str(sealed.get("access")), sealed.get("refresh"))
        return _activate(deps, verify, tokens, session.key)
    raise SignInRefused("expired")


def answer_code(deps: Deps, idp: IdentityProvider, verify: Verify, session_id: str, session: StaffSession,
                code: str) -> Outcome:
    code = code.strip().replace(" ", "")
    if session.challenge != "SOFTWARE_TOKEN_MFA":
        raise SignInRefused("expired")
    if not code.isdigit() or len(code) != 6:
        raise SignInRefused("code")
    answer = idp.answer_totp(str(session.username), str(_sealed(deps, session).get("session")), code)
    return _next(deps, idp, verify, answer, str(session.username), (session_id, session), mfa_done=True)


def current(deps: Deps, idp: IdentityProvider, verify: Verify, session_id: str | None) -> StaffSession | None:
    """The signed-in session this cookie names, renewed and touched; None when there is none or it ended."""
    if not session_id:
        return None
    key = ss.key_of(session_id)
    session = deps.store.sessions.get(key)
    now = _now(deps)
    if session is None or session.state != ss.ACTIVE:
        return None
    if not session.live(now):
        deps.store.sessions.delete(key)
        return None
    changed = False
    if session.needs_refresh(now):
        renewed = _renew(deps, idp, verify, session)
        if renewed is None:
            deps.store.sessions.delete(key)
            return None
        session, changed = renewed, True
    if changed or session.needs_touch(now):
        session = session.touched(now)
        deps.store.sessions.put(session)
    return session


def _renew(deps: Deps, idp: IdentityProvider, verify: Verify, session: StaffSession) -> StaffSession | None:
    refresh = _sealed(deps, session).get("refresh")
    if not refresh:
        return None
    try:
        answer = idp.refresh(str(refresh))
        if answer.tokens is None:
            return None
        claims = _verified(verify, answer.tokens.id_token)
    except SignInRefused:  # revoked (signed out elsewhere), disabled, or no console role any more
        return None
    return replace(session, claims=ss.kept_claims(claims), id_expires_at=int(claims.get("exp", 0)))


def stay(deps: Deps, session: StaffSession) -> StaffSession:
    """"Stay signed in": the idle clock starts again now (never past the 12 hours)."""
    session = session.touched(_now(deps))
    deps.store.sessions.put(session)
    return session


def sign_out(deps: Deps, idp: IdentityProvider, session: StaffSession) -> None:
    """Revoke the user's refresh tokens (GlobalSignOut, with an access token the refresh token gives) and
    delete the record. The record goes even when Cognito does not answer: this browser is signed out."""
    refresh = _sealed(deps, session).get("refresh")
    try:
        if refresh:
            answer = idp.refresh(str(refresh))
            if answer.tokens is not None:
                idp.sign_out(answer.tokens.access_token)
    except SignInRefused:
        pass  # already revoked: nothing left to revoke
    finally:
        deps.store.sessions.delete(session.key)


def forget(deps: Deps, session: StaffSession) -> None:
    """A sign-in in progress abandoned (or refused for good)."""
    deps.store.sessions.delete(session.key)
