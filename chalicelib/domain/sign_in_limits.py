"""The console's own limits on signing in, whatever the user pool does (moto has no lockout; Cognito's own is
not ours to set or to read).

- **Per user**: at most ``MAX_FAILURES`` wrong passwords or codes within the current and the previous
  ``PERIOD_SECONDS`` (15-minute periods of the clock); then sign-in is locked for that user name until the
  failures of the two periods fall under the limit again (15 to 30 minutes after the last one counted).
  The user name is canonicalised (Unicode NFKC, trimmed, case-folded: the pool's user names are not
  case-sensitive) and only its SHA-256 is stored, so ``IRSS``, `` irss `` and ``ｉｒｓｓ`` share one count, and
  an unknown name is counted and locked like a real one (the answer never says which it is).
- **Per challenge**: at most ``MAX_CODE_TRIES`` codes within one sign-in (the MFA challenge); the last wrong one
  ends it (the next sign-in asks for the password again, and its failures still count for the user name).
- **Replay**: a TOTP code accepted or tried for a user is refused again for that user in its 30-second window and
  the two after (Cognito accepts a code one window either side of its own), keyed by an HMAC of the code.

Each count is a limit's counter (domain/limits.py: the idempotency table, cleared by its TTL), counted in a
transaction with the condition that it is still under its limit, so a burst cannot pass it: an attempt is
counted *before* the pool is asked, and given back when the pool accepts it.
"""
from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass

from . import signing
from .limits import KEEP_AFTER, Counter

PERIOD_SECONDS = 15 * 60
MAX_FAILURES = 5
MAX_CODE_TRIES = 3  # a person who mistypes starts again (the password too); an attacker's guesses are few
TOTP_STEP_SECONDS = 30
TOTP_WINDOWS = 3  # the code's window and the two after it
REPLAY_PURPOSE = "console-totp-used"
AUDIT_SUBJECT = "staff-security#"  # + the user key: the lockouts of one user name


def canonical_username(username: str) -> str:
    """The user name as the pool matches it (not case-sensitive), and as the limits count it."""
    return unicodedata.normalize("NFKC", username).strip().casefold()


def user_key(username: str) -> str:
    """The stored stand-in for a user name: its canonical form's SHA-256 (the name itself is never stored)."""
    return hashlib.sha256(canonical_username(username).encode("utf-8")).hexdigest()


def _period(now: int) -> int:
    return now // PERIOD_SECONDS


def _failure_key(key: str, period: int) -> str:
    return f"limit#sign-in#{key}#{period}"


def failure_keys(key: str, now: int) -> tuple[str, str]:
    """The counters of the current and the previous period."""
    period = _period(now)
    return _failure_key(key, period), _failure_key(key, period - 1)


def failure_counter(key: str, now: int, previous: int) -> Counter:
    """One more failure in the current period, only while this one and the previous one hold fewer than the limit
    (``previous``: the previous period's count, which no longer grows)."""
    period = _period(now)
    ends = (period + 2) * PERIOD_SECONDS  # it is still read as "the previous period" for one more period
    return Counter(_failure_key(key, period), MAX_FAILURES - previous, ends + int(KEEP_AFTER.total_seconds()))


@dataclass(frozen=True)
class Lock:
    until: int  # epoch seconds: when signing in is possible again


def lock(now: int, current: int, previous: int) -> Lock | None:
    """Whether the user name is locked, and until when: the two periods' failures reach the limit; the previous
    period's drop out at the end of this one, this one's at the end of the next."""
    if current + previous < MAX_FAILURES:
        return None
    period = _period(now)
    return Lock((period + (2 if current >= MAX_FAILURES else 1)) * PERIOD_SECONDS)


def code_tries(challenge_key: str, challenge_ends: int) -> Counter:
    """One more code tried within one sign-in (the challenge record's key, itself a hash of its cookie's id)."""
    return Counter(f"limit#sign-in-codes#{challenge_key}", MAX_CODE_TRIES,
                   challenge_ends + int(KEEP_AFTER.total_seconds()))


def code_uses(secret: str, key: str, code: str, now: int) -> list[Counter]:
    """A code taken by a user, for its window and the two after: a second use within them finds one taken."""
    window = now // TOTP_STEP_SECONDS
    used = signing.b64(signing.mac(secret, REPLAY_PURPOSE, key, code))
    return [Counter(f"limit#totp#{key}#{used}#{w}", 1,
                    (w + 1) * TOTP_STEP_SECONDS + int(KEEP_AFTER.total_seconds()))
            for w in range(window, window + TOTP_WINDOWS)]
