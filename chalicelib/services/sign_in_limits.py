"""The console's sign-in limits (domain/sign_in_limits.py), counted on the store: an attempt is counted before the
user pool is asked and given back when the pool accepts it, so a burst of attempts cannot pass the limit.

A lockout is audited under the user name's subject (``staff-security#<user key>``: no name, no password, no code);
nothing here is logged.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..domain import retention
from ..domain import sign_in_limits as sl
from ..domain.limits import Counter
from ..domain.records import AuditEntry
from ..domain.staff_sessions import SignInRefused
from .deps import Deps
from .ports import ConditionFailed


class SignInLocked(SignInRefused):
    """Signing in is locked for this user name until ``until`` (epoch seconds); the same for an unknown name."""

    def __init__(self, until: int) -> None:
        super().__init__("locked")
        self.until = until


@dataclass(frozen=True)
class Attempt:
    user_key: str
    counter: Counter  # the failure counted in advance


def _now(deps: Deps) -> int:
    return int(deps.clock().timestamp())


def _counts(deps: Deps, key: str, now: int) -> tuple[int, int]:
    current, previous = sl.failure_keys(key, now)
    return deps.store.idempotency.counted(current), deps.store.idempotency.counted(previous)


def _commit(deps: Deps, *counters: Counter) -> bool:
    uow = deps.store.unit_of_work()
    for counter in counters:
        uow.count_within(counter)
    try:
        uow.commit()
    except ConditionFailed:
        return False
    return True


def _locked(deps: Deps, key: str, now: int) -> SignInLocked:
    current, previous = _counts(deps, key, now)
    found = sl.lock(now, current, previous)
    return SignInLocked(found.until if found else (now // sl.PERIOD_SECONDS + 1) * sl.PERIOD_SECONDS)


def reserve(deps: Deps, username: str) -> Attempt:
    """Count a failure before trying (``SignInLocked`` when the user name may try no more now)."""
    key, now = sl.user_key(username), _now(deps)
    previous = deps.store.idempotency.counted(sl.failure_keys(key, now)[1])
    counter = sl.failure_counter(key, now, previous)
    if counter.limit <= 0 or not _commit(deps, counter):
        raise _locked(deps, key, now)
    return Attempt(key, counter)


def accepted(deps: Deps, attempt: Attempt) -> None:
    """The pool took the password or the code (or did not answer): the failure counted in advance is given back."""
    uow = deps.store.unit_of_work()
    uow.count_back(attempt.counter)
    try:
        uow.commit()
    except ConditionFailed:
        pass  # already at 0 (the period's counter was cleared): nothing to give back


def refused(deps: Deps, attempt: Attempt, scope: str) -> None:
    """The pool refused the password or the code: the failure stays counted. When it is the one that locks the user
    name, the lockout is audited and ``SignInLocked`` raised (this answer already says so)."""
    now = _now(deps)
    current, previous = _counts(deps, attempt.user_key, now)
    found = sl.lock(now, current, previous)
    if found is None:
        return
    uow = deps.store.unit_of_work()
    uow.append_audit(AuditEntry(subject=sl.AUDIT_SUBJECT + attempt.user_key, seq=int(deps.clock().timestamp() * 1000),
                                at=deps.now(), kind="sign_in_locked", actor_id="console", actor_role="system",
                                details={"failures": current + previous, "last": scope, "until": found.until},
                                expires_at=retention.expires_at("staff_security", deps.now())))
    try:
        uow.commit()
    except ConditionFailed:
        pass  # another request recorded this lockout in the same millisecond
    raise SignInLocked(found.until)


def take_code_try(deps: Deps, challenge_key: str, challenge_ends: int) -> bool:
    """One more code within this sign-in; False when it has had its ``MAX_CODE_TRIES``."""
    return _commit(deps, sl.code_tries(challenge_key, challenge_ends))


def code_tries_left(deps: Deps, challenge_key: str, challenge_ends: int) -> bool:
    counter = sl.code_tries(challenge_key, challenge_ends)
    return deps.store.idempotency.counted(counter.key) < counter.limit


def take_code(deps: Deps, username: str, code: str) -> bool:
    """Take this code for this user for its window and the two after; False when it was already taken (a replay)."""
    return _commit(deps, *sl.code_uses(deps.settings.token_secret, sl.user_key(username), code, _now(deps)))
