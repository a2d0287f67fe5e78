"""The console's own sign-in limits on MemoryStorage with a fake user pool that, like moto, never locks anyone out:
wrong passwords and codes per user name, codes per challenge, a TOTP code once per window; and the ends of every
session of a user (sign out everywhere, an administrator's cut-off)."""
from __future__ import annotations

from typing import Any

import pytest

from chalicelib.domain import sign_in_limits as sl
from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.staff_sessions import AuthStep, SignInRefused, Tokens
from chalicelib.domain.workflow import Actor
from chalicelib.services import staff_sign_in as signin

from .fakes import FixedClock, make_deps

PASSWORD = "Right-Passw0rd!!"


class Pool:
    """A pool with TOTP set up for everyone: the right password gives the code challenge, the right code the tokens.
    It accepts the right answer whatever came before (no lockout), and the same code as often as it is sent."""

    def __init__(self, clock: FixedClock) -> None:
        self.clock = clock
        self.asked: list[str] = []
        self.signed_out: list[str] = []

    def code(self) -> str:
        return f"{int(self.clock().timestamp()) // 30 % 1_000_000:06d}"

    def start(self, username: str, password: str) -> AuthStep:
        self.asked.append("password")
        if password != PASSWORD:
            raise SignInRefused("credentials")
        return AuthStep(challenge="SOFTWARE_TOKEN_MFA", session="s1")

    def answer_totp(self, username: str, session: str, code: str) -> AuthStep:
        self.asked.append("code")
        if code != self.code():
            raise SignInRefused("code")
        return AuthStep(tokens=Tokens(f"id:{username}", f"access:{username}", f"refresh:{username}"))

    def refresh(self, refresh_token: str) -> AuthStep:
        return AuthStep(tokens=Tokens("id", "access:" + refresh_token.split(":", 1)[1], None))

    def sign_out(self, access_token: str) -> None:
        self.signed_out.append(access_token)


def verify_for(clock: FixedClock) -> Any:
    def verify(id_token: str) -> dict[str, Any]:
        user = id_token.split(":", 1)[1] if ":" in id_token else "irss"
        return {"sub": f"sub-{user}", "cognito:username": user, "cognito:groups": ["irss"],
                "exp": int(clock().timestamp()) + 900}
    return verify


@pytest.fixture
def world() -> tuple[Any, Pool, FixedClock]:
    clock = FixedClock()
    return make_deps(clock=clock), Pool(clock), clock


def sign_in(deps: Any, pool: Pool, clock: FixedClock, user: str = "irss", password: str = PASSWORD,
            code: str | None = None) -> signin.Outcome:
    verify = verify_for(clock)
    o = signin.sign_in(deps, pool, verify, user, password)
    return signin.answer_code(deps, pool, verify, o.session_id, o.session, code or pool.code())


def lockouts(deps: Any, user: str) -> list[Any]:
    return deps.store.audit.trail(sl.AUDIT_SUBJECT + sl.user_key(user))


def test_25_wrong_passwords_then_the_right_one_is_refused_while_locked(world: Any) -> None:
    deps, pool, clock = world
    verify = verify_for(clock)
    # Given 25 wrong passwords for IRSS's user name, in any case
    answers = []
    for n in range(25):
        with pytest.raises(SignInRefused) as refused:
            signin.sign_in(deps, pool, verify, "IRSS" if n % 2 else "irss", f"wrong-{n}")
        answers.append(refused.value.reason)
    # Then the fifth locks the name, and the pool is not asked again while it is locked
    assert answers == ["credentials"] * 4 + ["locked"] * 21
    assert pool.asked == ["password"] * 5
    # When the right password comes, then it is refused too, with the time to try again (15 to 30 minutes on)
    with pytest.raises(signin.SignInLocked) as locked:
        signin.sign_in(deps, pool, verify, "irss", PASSWORD)
    now = int(clock().timestamp())
    assert 15 * 60 <= locked.value.until - now <= 30 * 60 and pool.asked == ["password"] * 5
    # And the lockout is audited once, under the name's hash: no name, no password
    (entry,) = lockouts(deps, "irss")
    assert entry.kind == "sign_in_locked" and entry.details == {"failures": 5, "last": "password",
                                                                "until": locked.value.until}
    assert "irss" not in entry.subject and "wrong" not in str(entry)
    # When the lock has passed, then the right password and code sign in
    clock.advance(seconds=locked.value.until - now)
    assert sign_in(deps, pool, clock).step == "signed_in"


def test_an_unknown_user_name_gets_the_same_answers(world: Any) -> None:
    deps, pool, clock = world
    verify = verify_for(clock)
    for user in ("irss", "nobody.here"):
        reasons = []
        for n in range(6):
            try:
                signin.sign_in(deps, pool, verify, user, f"wrong-{n}")
            except SignInRefused as err:
                reasons.append(err.reason)
        assert reasons == ["credentials"] * 4 + ["locked"] * 2, user


def test_a_right_password_gives_its_count_back(world: Any) -> None:
    deps, pool, clock = world
    # Given a user who signs in four times within a few minutes, with a wrong password before each
    for _ in range(4):
        with pytest.raises(SignInRefused, match="credentials"):
            signin.sign_in(deps, pool, verify_for(clock), "health", "typo")
        clock.advance(seconds=31)
        assert sign_in(deps, pool, clock, user="health").step == "signed_in"
    # Then only the wrong ones counted (4, not 8): not locked
    current, previous = (deps.store.idempotency.counted(k) for k in sl.failure_keys(sl.user_key("health"),
                                                                                      int(clock().timestamp())))
    assert current + previous == 4 and lockouts(deps, "health") == []


def test_30_wrong_codes_end_the_challenge_and_lock_the_name(world: Any) -> None:
    deps, pool, clock = world
    verify = verify_for(clock)
    # Given a sign-in with the right password (the attacker has it), when 30 wrong codes are tried on it
    o = signin.sign_in(deps, pool, verify, "admin", PASSWORD)
    reasons = []
    for n in range(30):
        try:
            signin.answer_code(deps, pool, verify, o.session_id, o.session, f"{(int(pool.code()) + 1 + n) % 10**6:06d}")
        except SignInRefused as err:
            reasons.append(err.reason)
    # Then the third wrong code ends the challenge: the record is gone, and the right code on it opens nothing
    assert reasons[:3] == ["code", "code", "too_many_codes"] and pool.asked.count("code") == 3
    assert signin.pending(deps, o.session_id) is None
    with pytest.raises(SignInRefused):
        signin.answer_code(deps, pool, verify, o.session_id, o.session, pool.code())
    # When they start again, then two more wrong codes lock the name (wrong codes count as wrong passwords do)
    o = signin.sign_in(deps, pool, verify, "admin", PASSWORD)
    with pytest.raises(SignInRefused, match="code"):
        signin.answer_code(deps, pool, verify, o.session_id, o.session, "000000" if pool.code() != "000000" else "1" * 6)
    with pytest.raises(signin.SignInLocked):
        signin.answer_code(deps, pool, verify, o.session_id, o.session, "999999" if pool.code() != "999999" else "2" * 6)
    assert signin.pending(deps, o.session_id) is None
    assert [e.details["last"] for e in lockouts(deps, "admin")] == ["code"]
    with pytest.raises(signin.SignInLocked):
        signin.sign_in(deps, pool, verify, "admin", PASSWORD)


def test_a_code_already_used_in_its_window_is_refused(world: Any) -> None:
    deps, pool, clock = world
    verify = verify_for(clock)
    # Given IRSS signed in with the code of this window
    code = pool.code()
    assert sign_in(deps, pool, clock, code=code).step == "signed_in"
    # When the same code is sent again for IRSS 20 s later (the pool would take it), then it is refused as used
    clock.advance(seconds=20)
    o = signin.sign_in(deps, pool, verify, "irss", PASSWORD)
    asked = len(pool.asked)
    with pytest.raises(SignInRefused, match="code"):
        signin.answer_code(deps, pool, verify, o.session_id, o.session, code)
    assert len(pool.asked) == asked  # refused before the pool saw it
    # And another user may use the same digits (their own authenticator), and IRSS the next window's code
    assert sign_in(deps, pool, clock, user="health", code=code).step == "signed_in"
    clock.advance(seconds=30)
    assert sign_in(deps, pool, clock).step == "signed_in"


def test_sign_out_everywhere_ends_every_session_of_the_user(world: Any) -> None:
    deps, pool, clock = world
    verify = verify_for(clock)
    # Given IRSS signed in in two browsers, and health in one
    first = sign_in(deps, pool, clock)
    clock.advance(seconds=31)
    second = sign_in(deps, pool, clock)
    clock.advance(seconds=31)
    other = sign_in(deps, pool, clock, user="health")
    # When IRSS signs out everywhere from the first
    ended = signin.sign_out_everywhere(deps, pool, signin.current(deps, pool, verify, first.session_id))
    # Then both of IRSS's sessions are gone at once (not when their ID tokens expire), health's stays
    assert ended == 2 and pool.signed_out == ["access:irss"]
    assert signin.current(deps, pool, verify, first.session_id) is None
    assert signin.current(deps, pool, verify, second.session_id) is None
    assert signin.current(deps, pool, verify, other.session_id) is not None
    (entry,) = deps.store.audit.trail(sl.AUDIT_SUBJECT + sl.user_key("irss"))
    assert entry.kind == "signed_out_everywhere" and entry.actor_id == "sub-irss" and entry.details == {
        "sessions_ended": 2}


def test_an_administrator_ends_a_user_s_sessions(world: Any) -> None:
    deps, pool, clock = world
    verify = verify_for(clock)
    # Given a coordinator signed in twice
    sessions = []
    for _ in range(2):
        sessions.append(sign_in(deps, pool, clock, user="coordinator.spvm"))
        clock.advance(seconds=31)
    admin = Actor(role="admin", actor_id="sub-admin")
    # When an administrator ends their sessions (the name in any case), then every one is gone, and audited
    assert signin.end_user_sessions(deps, admin, "Coordinator.SPVM") == {"sessions_ended": 2}
    assert all(signin.current(deps, pool, verify, s.session_id) is None for s in sessions)
    (entry,) = deps.store.audit.trail(sl.AUDIT_SUBJECT + sl.user_key("coordinator.spvm"))
    assert (entry.kind, entry.actor_id, entry.actor_role) == ("sessions_ended", "sub-admin", "admin")
    # And a name with no session answers the same way; a name that cannot be one is a 422 on /username
    assert signin.end_user_sessions(deps, admin, "nobody.here") == {"sessions_ended": 0}
    for bad in ("", "   ", "a\r\nb", "x" * 129):
        with pytest.raises(ValidationFailed) as refused:
            signin.end_user_sessions(deps, admin, bad)
        assert [e.pointer for e in refused.value.errors] == ["/username"]
