"""The console's sign-in service on MemoryStorage with a fake user pool: the paths AWS takes that moto's
USER_PASSWORD_AUTH does not (a temporary password, then MFA_SETUP within the challenge), and the session's
clocks (30 minutes idle, 12 hours at most)."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from chalicelib.domain import staff_sessions as ss
from chalicelib.domain.staff_sessions import AuthStep, SignInRefused, Tokens
from chalicelib.services import staff_sign_in as signin

from .fakes import FixedClock, make_deps

GOOD = "123456"


class FakePool:
    """A pool with MFA required, one user with a temporary password: Cognito's answers, in order."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.revoked = False

    def start(self, username: str, password: str) -> AuthStep:
        self.calls.append("start")
        if password != "temporary":
            raise SignInRefused("credentials")
        return AuthStep(challenge="NEW_PASSWORD_REQUIRED", session="s1")

    def new_password(self, username: str, session: str, password: str) -> AuthStep:
        self.calls.append(f"new_password:{session}")
        if len(password) < 14:
            raise SignInRefused("password")
        return AuthStep(challenge="MFA_SETUP", session="s2")

    def associate_totp(self, session: str | None = None, access_token: str | None = None) -> tuple[str, str | None]:
        self.calls.append(f"associate:{session}")
        return "JBSWY3DPEHPK3PXP", "s3"

    def verify_totp(self, code: str, session: str | None = None, access_token: str | None = None) -> str | None:
        self.calls.append(f"verify:{session}")
        if code != GOOD:
            raise SignInRefused("code")
        return "s4"

    def finish_setup(self, username: str, session: str) -> AuthStep:
        self.calls.append(f"finish:{session}")
        return AuthStep(tokens=Tokens("id-1", "access-1", "refresh-1"))

    def answer_totp(self, username: str, session: str, code: str) -> AuthStep:
        raise AssertionError("not on this path")

    def prefer_totp(self, access_token: str) -> None:
        raise AssertionError("not on this path")

    def refresh(self, refresh_token: str) -> AuthStep:
        self.calls.append("refresh")
        if self.revoked:
            raise SignInRefused("credentials")
        return AuthStep(tokens=Tokens("id-2", "access-2", None))

    def sign_out(self, access_token: str) -> None:
        self.calls.append(f"sign_out:{access_token}")
        self.revoked = True


def claims_for(clock: FixedClock, groups: list[str]) -> Any:
    def verify(id_token: str) -> dict[str, Any]:
        return {"sub": "user-1", "cognito:groups": groups, "exp": int(clock().timestamp()) + 900, "email": "x@y"}
    return verify


@pytest.fixture
def world() -> tuple[Any, FakePool, FixedClock]:
    clock = FixedClock()
    return make_deps(clock=clock), FakePool(), clock


def signed_in(deps: Any, pool: FakePool, clock: FixedClock, groups: list[str] | None = None) -> signin.Outcome:
    verify = claims_for(clock, groups or ["irss"])
    o = signin.sign_in(deps, pool, verify, " irss ", "temporary")
    o = signin.set_new_password(deps, pool, verify, o.session_id, o.session, "a-new-Passw0rd!!")
    return signin.confirm_totp(deps, pool, verify, o.session_id, o.session, GOOD)


def test_a_temporary_password_then_mfa_setup_within_the_challenge_signs_in(world: Any) -> None:
    deps, pool, clock = world
    verify = claims_for(clock, ["irss"])
    # Given a first sign-in with a temporary password, when the user picks a new one
    o = signin.sign_in(deps, pool, verify, "irss", "temporary")
    assert o.step == "new_password" and o.session.username == "irss"
    o = signin.set_new_password(deps, pool, verify, o.session_id, o.session, "a-new-Passw0rd!!")
    # Then TOTP is set up within Cognito's challenge (its session, never an access token)
    assert o.step == "set_up_totp" and o.session.challenge == "MFA_SETUP"
    secret, uri = signin.totp_secret(deps, o.session)
    assert secret == "JBSWY3DPEHPK3PXP" and uri == f"otpauth://totp/peaceops%3Airss?secret={secret}&issuer=peaceops"
    challenge_id = o.session_id
    # When the first code checks out, then the challenge is finished and a new session id is issued
    done = signin.confirm_totp(deps, pool, verify, o.session_id, o.session, GOOD)
    assert done.step == "signed_in" and done.session_id != challenge_id
    assert pool.calls == ["start", "new_password:s1", "associate:s2", "verify:s3", "finish:s4"]
    assert signin.pending(deps, challenge_id) is None  # the challenge record is gone
    assert dict(done.session.claims) == {"sub": "user-1", "cognito:groups": ["irss"]}  # only what the Actor needs
    assert "refresh-1" not in str(done.session) and ss.unseal(deps.settings.token_secret,
                                                              done.session.sealed) == {"refresh": "refresh-1"}


def test_refusals_keep_the_step_or_end_the_sign_in(world: Any) -> None:
    deps, pool, clock = world
    verify = claims_for(clock, ["irss"])
    with pytest.raises(SignInRefused, match="credentials"):
        signin.sign_in(deps, pool, verify, "irss", "wrong")
    o = signin.sign_in(deps, pool, verify, "irss", "temporary")
    with pytest.raises(SignInRefused, match="password"):
        signin.set_new_password(deps, pool, verify, o.session_id, o.session, "short")
    o = signin.set_new_password(deps, pool, verify, o.session_id, o.session, "a-new-Passw0rd!!")
    for bad in ("12345", "abcdef", "654321"):
        with pytest.raises(SignInRefused, match="code"):
            signin.confirm_totp(deps, pool, verify, o.session_id, o.session, bad)
    # A sign-in left for more than its 10 minutes is gone
    clock.advance(minutes=11)
    assert signin.pending(deps, o.session_id) is None


def test_an_account_with_no_console_role_gets_no_session(world: Any) -> None:
    deps, pool, clock = world
    with pytest.raises(SignInRefused, match="no_role"):
        signed_in(deps, pool, clock, groups=["applicant"])


def test_idle_for_30_minutes_ends_and_use_keeps_it_up_to_12_hours(world: Any) -> None:
    deps, pool, clock = world
    o = signed_in(deps, pool, clock)
    verify = claims_for(clock, ["irss"])
    clock.advance(minutes=29)
    assert signin.current(deps, pool, verify, o.session_id) is not None
    clock.advance(minutes=29)  # 29 minutes since the last request
    assert signin.current(deps, pool, verify, o.session_id) is not None
    clock.advance(minutes=31)
    assert signin.current(deps, pool, verify, o.session_id) is None
    # Given a session used every 29 minutes, when 12 hours have passed since sign-in, then it has ended
    o = signed_in(deps, pool, clock)
    started, used = clock(), 0
    while (session := signin.current(deps, pool, verify, o.session_id)) is not None:
        signin.stay(deps, session)
        used += 1
        clock.advance(minutes=29)
    assert timedelta(hours=12) <= clock() - started < timedelta(hours=12, minutes=29) and used == 25


def test_the_id_token_is_renewed_before_it_expires_and_sign_out_revokes(world: Any) -> None:
    deps, pool, clock = world
    o = signed_in(deps, pool, clock)
    verify = claims_for(clock, ["irss"])
    clock.advance(minutes=14, seconds=30)  # the ID token (15 minutes) expires within the minute
    session = signin.current(deps, pool, verify, o.session_id)
    assert pool.calls[-1] == "refresh" and session is not None
    signin.sign_out(deps, pool, session)
    assert pool.calls[-2:] == ["refresh", "sign_out:access-2"]
    assert signin.current(deps, pool, verify, o.session_id) is None


def test_a_revoked_refresh_token_ends_the_session(world: Any) -> None:
    deps, pool, clock = world
    o = signed_in(deps, pool, clock)
    pool.revoked = True  # signed out everywhere (an administrator's AdminUserGlobalSignOut)
    clock.advance(minutes=15)
    assert signin.current(deps, pool, claims_for(clock, ["irss"]), o.session_id) is None
    assert deps.store.sessions.get(o.session.key) is None
