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

Limits (domain/sign_in_limits.py, services/sign_in_limits.py), whatever the pool does: wrong passwords and codes
per user name (then a lock, audited), codes per challenge (then the challenge ends), and a code already taken by
the user in its window (a replay) is refused before the pool sees it.

Each signed-in session is listed under its user (``user_key``), so that "sign out everywhere" and an
administrator's cut-off (``end_user_sessions``) end every one of them at once.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable, Mapping
from urllib.parse import quote

from ..domain import retention
from ..domain import sign_in_limits as sl
from ..domain import staff_sessions as ss
from ..domain.access import STAFF_ROLES
from ..domain.errors import FieldError, ValidationFailed
from ..domain.records import AuditEntry
from ..domain.staff_sessions import AuthStep, SignInRefused, StaffSession
from ..domain.workflow import Actor
from . import sign_in_limits as limits
from .deps import Deps
from .ports import IdentityProvider

Verify = Callable[[str], Mapping[str, Any]]
"""An ID token's verified claims (adapters/cognito.py CognitoVerifier.verify); raises on a bad token."""

SignInLocked = limits.SignInLocked  # a SignInRefused ("locked") with ``until``: what the console's page says

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


def _activate(deps: Deps, verify: Verify, tokens: ss.Tokens, challenge_key: str | None, username: str) -> Outcome:
    claims = _verified(verify, tokens.id_token)
    sid, session = ss.started_session(_now(deps), claims, ss.seal(_secret(deps), {"refresh": tokens.refresh_token}))
    session = replace(session, user_key=sl.user_key(str(claims.get("cognito:username") or username)))
    deps.store.sessions.put(session)
    deps.store.sessions.index_for_user(str(session.user_key), session.key, session.created_at + ss.ABSOLUTE_SECONDS)
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
            return _activate(deps, verify, answer.tokens, prior[1].key if prior else None, username)
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
    """The password step. ``SignInLocked`` (a SignInRefused) when the user name has had its wrong attempts: before
    the pool is asked, and with the wrong password that reaches the limit. An unknown name is counted alike."""
    username = username.strip()
    if not username or not password:
        raise SignInRefused("credentials")
    attempt = limits.reserve(deps, username)
    try:
        step = idp.start(username, password)
    except SignInRefused as err:
        if err.reason != "credentials":
            limits.accepted(deps, attempt)  # the pool did not answer: not a wrong password
            raise
        limits.refused(deps, attempt, "password")
        raise
    limits.accepted(deps, attempt)
    return _next(deps, idp, verify, step, username, None, mfa_done=False)


def _code_step(deps: Deps, session: StaffSession, code: str, ask: Callable[[], Outcome]) -> Outcome:
    """A TOTP code tried within a sign-in, under the limits: the user name's (a wrong code counts as a wrong
    password does), the challenge's (``MAX_CODE_TRIES``: the last wrong one ends it, "too_many_codes") and the
    code's own (one use per user in its window, else "code", as a wrong one)."""
    username = str(session.username)
    try:
        attempt = limits.reserve(deps, username)
    except limits.SignInLocked:
        forget(deps, session)
        raise
    if not limits.take_code_try(deps, session.key, session.expires_at):
        limits.accepted(deps, attempt)  # not tried
        forget(deps, session)
        raise SignInRefused("too_many_codes")
    try:
        if not limits.take_code(deps, username, code):
            raise SignInRefused("code")  # a replay: counted as a wrong code
        outcome = ask()
    except SignInRefused as err:
        if err.reason != "code":
            limits.accepted(deps, attempt)
            raise
        try:
            limits.refused(deps, attempt, "code")
        except limits.SignInLocked:
            forget(deps, session)
            raise
        if not limits.code_tries_left(deps, session.key, session.expires_at):
            forget(deps, session)
            raise SignInRefused("too_many_codes") from None
        raise
    limits.accepted(deps, attempt)
    return outcome


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
        def ask() -> Outcome:
            next_session = idp.verify_totp(code, session=str(sealed.get("session")))
            answer = idp.finish_setup(str(session.username), str(next_session or sealed.get("session")))
            return _next(deps, idp, verify, answer, str(session.username), (session_id, session), mfa_done=True)
        return _code_step(deps, session, code, ask)
    if session.challenge == TOTP_SETUP:
        def ask_with_token() -> Outcome:
            idp.verify_totp(code, access_token=str(sealed.get("access")))
            idp.prefer_totp(str(sealed.get("access")))
            tokens = ss.Tokens(str(sealed.get("id")), str(sealed.get("access")), sealed.get("refresh"))
            return _activate(deps, verify, tokens, session.key, str(session.username))
        return _code_step(deps, session, code, ask_with_token)
    raise SignInRefused("expired")


def answer_code(deps: Deps, idp: IdentityProvider, verify: Verify, session_id: str, session: StaffSession,
                code: str) -> Outcome:
    code = code.strip().replace(" ", "")
    if session.challenge != "SOFTWARE_TOKEN_MFA":
        raise SignInRefused("expired")
    if not code.isdigit() or len(code) != 6:
        raise SignInRefused("code")
    def ask() -> Outcome:
        answer = idp.answer_totp(str(session.username), str(_sealed(deps, session).get("session")), code)
        return _next(deps, idp, verify, answer, str(session.username), (session_id, session), mfa_done=True)
    return _code_step(deps, session, code, ask)


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
        if session.user_key:
            deps.store.sessions.unindex_for_user(session.user_key, [session.key])


def _end_all(deps: Deps, user_key: str) -> int:
    """Delete every console session listed under a user; how many there were still (live or not)."""
    keys = deps.store.sessions.keys_for_user(user_key)
    for key in keys:
        deps.store.sessions.delete(key)
    deps.store.sessions.unindex_for_user(user_key, keys)
    return len(keys)


def end_sessions_of(deps: Deps, username: str) -> int:
    """Every console session of a user ends now (an administrator changed their role or disabled them:
    services/staff_accounts.py audits it with the change); how many were listed."""
    return _end_all(deps, sl.user_key(username))


def _audit_ended(deps: Deps, user_key: str, kind: str, actor_id: str, actor_role: str, ended: int) -> None:
    uow = deps.store.unit_of_work()
    uow.append_audit(AuditEntry(subject=sl.AUDIT_SUBJECT + user_key, seq=int(deps.clock().timestamp() * 1000),
                                at=deps.now(), kind=kind, actor_id=actor_id, actor_role=actor_role,
                                details={"sessions_ended": ended},
                                expires_at=retention.expires_at("staff_security", deps.now())))
    uow.commit()


def sign_out_everywhere(deps: Deps, idp: IdentityProvider, session: StaffSession) -> int:
    """"Sign out everywhere": the user's refresh tokens revoked (GlobalSignOut) and every console session of theirs
    ended now (this one too), not when each one's ID token next needs renewing; audited. How many were ended."""
    sign_out(deps, idp, session)
    if not session.user_key:  # a session made before sessions were listed by user: this one only
        return 1
    ended = 1 + _end_all(deps, session.user_key)
    _audit_ended(deps, session.user_key, "signed_out_everywhere", str(session.claims.get("sub", "")),
                 _role(session), ended)
    return ended


def _role(session: StaffSession) -> str:
    groups = session.claims.get("cognito:groups") or []
    return next((r for r in STAFF_ROLES if r in groups), "")


USERNAME_MAX = 128  # Cognito's own limit on a user name


def end_user_sessions(deps: Deps, actor: Actor, username: str) -> dict[str, Any]:
    """An administrator ends every console session of a user (after disabling them or changing their groups in
    the pool: README "Cutting a coordinator off"); audited under the user name's subject, with who did it.
    A name with no session answers the same (0 ended): the answer says nothing of whether the user exists."""
    if not username.strip() or len(username) > USERNAME_MAX or any(ord(c) < 32 for c in username):
        raise ValidationFailed([FieldError("/username", "invalid-username", "Give the user name of a staff account.",
                                           "Donnez le nom d'utilisateur d'un compte du personnel.")])
    key = sl.user_key(username)
    ended = _end_all(deps, key)
    _audit_ended(deps, key, "sessions_ended", actor.actor_id, actor.role, ended)
    return {"sessions_ended": ended}


def forget(deps: Deps, session: StaffSession) -> None:
    """A sign-in in progress abandoned (or refused for good)."""
    deps.store.sessions.delete(session.key)
