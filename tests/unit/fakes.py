"""Test doubles for the service unit tests: a recording mailer and a clock that only moves when told.

Nothing here touches AWS: the services get these through ``Deps`` together with
``adapters.memory.MemoryStorage``.
"""
from __future__ import annotations

import itertools
import re
from collections import deque
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

from chalicelib.adapters.mailer import Email, MailerError

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)

OK, TRANSIENT, PERMANENT, THROTTLED = "ok", "transient", "permanent", "throttled"


class FixedClock:
    """A clock that reads the same instant until ``advance`` moves it."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta | None = None, **units: float) -> datetime:
        self.now += (delta or timedelta()) + timedelta(**units)
        return self.now

    def set(self, when: datetime) -> datetime:
        self.now = when
        return self.now


class FakeMailer:
    """Records every email it is given; each ``send`` succeeds, or fails as it was told.

    ``fail_transiently()`` / ``fail_permanently()`` make every later send fail that way until
    ``recover()``; ``script(...)`` queues the outcomes of the next sends one by one (then the
    current mode applies again).
    """

    def __init__(self) -> None:
        self._attempted: list[Email] = []
        self._sent: list[Email] = []
        self._mode = OK
        self._script: deque[str] = deque()
        # Set by make_deps: the outbox stream's delivery of the rows written since (deliver_new), run before
        # ``sent`` or ``attempted`` is read, as in AWS the stream delivers seconds after the change.
        self.deliver: Callable[[], object] | None = None
        self._delivering = False

    def _flush(self) -> None:
        if self.deliver is not None and not self._delivering:
            self._delivering = True
            try:
                self.deliver()
            finally:
                self._delivering = False

    @property
    def sent(self) -> list[Email]:
        self._flush()
        return self._sent

    @property
    def attempted(self) -> list[Email]:
        self._flush()
        return self._attempted

    def fail_transiently(self) -> None:
        self._mode = TRANSIENT

    def fail_permanently(self) -> None:
        self._mode = PERMANENT

    def throttle(self) -> None:
        """Every later send answered with SES's Throttling (nothing accepted) until ``recover()``."""
        self._mode = THROTTLED

    def recover(self) -> None:
        self._mode = OK

    def script(self, *outcomes: str) -> None:
        self._script.extend(outcomes)

    def send(self, email: Email) -> str:
        self._attempted.append(email)
        outcome = self._script.popleft() if self._script else self._mode
        if outcome == TRANSIENT:
            raise MailerError("ServiceUnavailable", permanent=False)
        if outcome == THROTTLED:
            raise MailerError("Throttling", permanent=False, throttled=True)
        if outcome == PERMANENT:
            raise MailerError("MessageRejected", permanent=True)
        self._sent.append(email)
        return f"ses-{len(self._sent)}"

    def sent_to(self, address: str) -> list[Email]:
        return [e for e in self.sent if e.to == address]


def link_token(email: Email) -> str:
    """The private token in an email's link."""
    match = re.search(r"\?token=([A-Za-z0-9_-]+)", email.text + email.html)
    assert match, "no private link in this email"
    return match.group(1)


def has_link(email: Email) -> bool:
    return "?token=" in email.text or "?token=" in email.html


# --- builders shared by tests/unit/test_services*.py ---------------------------------

def make_deps(clock: FixedClock | None = None, mailer: FakeMailer | None = None):  # -> Deps
    """Deps on MemoryStorage with the seeded catalogue, a FakeMailer and a FixedClock."""
    from dataclasses import replace

    from chalicelib.adapters.memory import MemoryStorage
    from chalicelib.config import get_settings
    from chalicelib.services import catalogue
    from chalicelib.services.deps import Deps

    settings = replace(get_settings(), base_url="https://peaceops.test", token_secret="unit-test-secret-" + "x" * 32)
    deps = Deps(settings=settings, store=MemoryStorage(), mailer=mailer or FakeMailer(), clock=clock or FixedClock())
    catalogue.seed(deps)
    if isinstance(deps.mailer, FakeMailer):
        deps.mailer.deliver = lambda: deliver_new(deps)
    return deps


class FakeTime:
    """Monotonic seconds that pass only when slept (the pacer's and the throttling pauses' clock)."""

    def __init__(self) -> None:
        self.now, self.slept = 0.0, []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


_SEQUENCE = itertools.count(1)


def stream_event(rows: list[Any]) -> dict[str, Any]:
    """Rows as the outbox stream's Lambda event: an INSERT for a new row, a MODIFY for one requeued."""
    from chalicelib.adapters.stream import image_of

    return {"Records": [{"eventName": "MODIFY" if m.requeued_at else "INSERT", "eventSource": "aws:dynamodb",
                         "dynamodb": {"NewImage": image_of(m), "SequenceNumber": str(next(_SEQUENCE)),
                                      "StreamViewType": "NEW_IMAGE"}} for m in rows]}


def deliver_new(deps: Any, time: FakeTime | None = None, rate: float = 0) -> dict[str, Any]:
    """The outbox stream's delivery (notifications.deliver_stream, the deliver_emails function's one call) run
    on the rows written and not yet tried (pending, no attempt: a MemoryStorage has no stream of its own),
    in the order written; the pacer's pauses pass on ``time`` at once."""
    from chalicelib.services import notifications

    rows = [m for m in deps.store.state.outbox.values() if m.status == "pending" and m.attempts == 0]
    time = time or FakeTime()
    pacer = notifications.Pacer(rate, sleep=time.sleep, monotonic=time.monotonic)
    return notifications.deliver_stream(deps, stream_event(rows), pacer=pacer)


def application(**overrides):
    """The valid application of tests/integration/conftest.py (a key set to None is left out)."""
    from datetime import date

    today = date.today()

    def later(days: int) -> str:
        return (today + timedelta(days=days)).isoformat()

    doc = {
        "given_name": "Hélène", "family_name": "Côté-Tremblay", "email": "helene.cote@example.ca",
        "phone": "613-555-0199", "preferred_language": "fr", "track": "police_officer", "police_service": "spvm",
        "rank": "sergeant", "years_operational_service": 12, "english_proficiency": "advanced",
        "french_proficiency": "advanced", "leadership_experience": "formal",
        "leadership_details": "Superviseure d'équipe de patrouille; formatrice sur le terrain.",
        "computer_literacy": "basic_office", "four_by_four_experience": True,
        "first_aid_cpr_expiry": later(800), "firearms_expiry": later(400), "baton_expiry": later(400),
        "oc_spray_expiry": later(400), "missions": ["haiti-minustah"], "available_from": later(60),
        "privacy_consent": True,
    }
    for k, v in overrides.items():
        if v is None:
            doc.pop(k, None)
        else:
            doc[k] = v
    return doc


def family_readiness(**overrides):
    doc = {
        "joint_decision": "yes", "support_structure": "strong",
        "support_details": "Ma sœur et mes parents habitent à côté.", "dependants": [7, 11],
        "recent_disruptions": False, "health_considerations": False, "career_timing": "yes",
        "emergency_contact_name": "François Côté", "emergency_contact_relationship": "Conjoint",
        "emergency_contact_phone": "613-555-0123", "wants_before_the_mission": True,
        "wants_reintegration_guide": True,
    }
    doc.update(overrides)
    return doc


def state_dicts(snapshot) -> dict:
    """A MemoryStorage snapshot as plain dicts (records are frozen dataclasses: == compares content)."""
    return dict(vars(snapshot))
