"""The daily reminders' rules: who is reminded of what, and when (plain Python, no AWS).

The thresholds are data (``reminders`` in data/workflow.json, checked by domain/datafiles.py);
services/reminders.py reads storage, asks these functions, and writes the outbox rows.

- **Planned end** (to IRSS): ``planned_end_days`` before an active roster entry's planned end.
- **Qualification** (to the applicant and their coordinator): a qualification of the application
  form (eligibility.QUALIFICATIONS; a civilian analyst has no police ones, a missing date is no
  reminder) that expires before the planned end of the deployment the file is selected for,
  ``qualification_days`` before it expires.
- **Waiting** (to the coordinator): a file more than ``waiting.days`` at a stage that
  ``waiting.role`` moves on the file's pathway (a move from '*', the withdrawal, does not count).

Each reminder is sent once: its message id names the subject, the kind, the threshold and the date
it is measured from (``message_id``), so a second run, or a retried one, writes nothing new; a new
date (an extended planned end) is a new reminder. When several thresholds have passed at one run
only the nearest is sent (``nearest_due``), never two at once.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any, Mapping

from .eligibility import CIVILIAN, QUALIFICATIONS
from .workflow import ANY, Pathway, Text, workflow_json

PLANNED_END, QUALIFICATION, WAITING = "planned_end", "qualification", "waiting"


@dataclass(frozen=True)
class ReminderRules:
    planned_end_days: tuple[int, ...]  # the furthest first
    qualification_days: tuple[int, ...]
    waiting_days: int
    waiting_role: str
    qualification_labels: Mapping[str, Text]  # by eligibility criterion: first_aid_cpr, firearms ...


def parse_rules(raw: Mapping[str, Any]) -> ReminderRules:
    return ReminderRules(planned_end_days=tuple(sorted(raw["planned_end_days"], reverse=True)),
                         qualification_days=tuple(sorted(raw["qualification_days"], reverse=True)),
                         waiting_days=int(raw["waiting"]["days"]), waiting_role=str(raw["waiting"]["role"]),
                         qualification_labels={k: dict(v) for k, v in raw["qualifications"].items()})


@lru_cache(maxsize=1)
def rules() -> ReminderRules:
    """The ``reminders`` section of data/workflow.json, read once per process."""
    return parse_rules(workflow_json()["reminders"])


def nearest_due(days_left: int, thresholds: tuple[int, ...]) -> int | None:
    """The nearest threshold already reached while the date is still ahead (None: none, or the date has passed).

    >>> nearest_due(61, (60, 30)), nearest_due(45, (60, 30)), nearest_due(20, (60, 30)), nearest_due(-1, (60, 30))
    (None, 60, 30, None)
    """
    reached = [t for t in thresholds if 0 <= days_left <= t]
    return min(reached) if reached else None


def message_id(subject: str, kind: str, threshold: int, measured_from: str, recipient: str) -> str:
    """``<subject>:reminder:<kind>:<threshold>:<date measured from>:<recipient>``: one row per reminder, ever.

    >>> message_id("file-po-1", "planned_end", 30, "2027-03-01", "irss")
    'file-po-1:reminder:planned_end:30:2027-03-01:irss'
    """
    return f"{subject}:reminder:{kind}:{threshold}:{measured_from}:{recipient}"


# --- qualifications ---------------------------------------------------------------------------

@dataclass(frozen=True)
class QualificationFlag:
    """A qualification that expires before the planned end of the deployment the file is selected for."""

    qualification: str  # an eligibility criterion: first_aid_cpr, firearms, baton, oc_spray
    expiry: str
    planned_end: str

    def as_dict(self) -> dict[str, str]:
        return {"qualification": self.qualification, "expiry": self.expiry, "planned_end": self.planned_end}


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def qualification_flags(form: Mapping[str, Any], track: str, planned_end: date) -> list[QualificationFlag]:
    """The form's qualifications expiring before ``planned_end``, in the form's order (a missing date: none).

    >>> [f.qualification for f in qualification_flags({"first_aid_cpr_expiry": "2027-01-01",
    ...     "firearms_expiry": "2028-01-01"}, "police_officer", date(2027, 6, 1))]
    ['first_aid_cpr']
    """
    out = []
    for q in QUALIFICATIONS:
        if q.police and track == CIVILIAN:
            continue
        expiry = _day(form.get(q.field))
        if expiry is not None and expiry < planned_end:
            out.append(QualificationFlag(q.criterion, expiry.isoformat(), planned_end.isoformat()))
    return out


def qualification_due(flag: QualificationFlag, today: date, thresholds: tuple[int, ...]) -> int | None:
    """The threshold of ``flag``'s reminder due today, measured from its expiry."""
    return nearest_due((date.fromisoformat(flag.expiry) - today).days, thresholds)


# --- waiting files -----------------------------------------------------------------------------

def waited_stages(path: Pathway, role: str) -> frozenset[str]:
    """The stages ``role`` moves files on from on this pathway (not its moves from '*')."""
    return frozenset(t.from_stage for t in path.transitions if role in t.roles and t.from_stage != ANY)


def waiting_too_long(entered: date, today: date, days: int) -> bool:
    """More than ``days`` days at the stage.

    >>> waiting_too_long(date(2026, 1, 1), date(2026, 1, 31), 30), waiting_too_long(date(2026, 1, 1), date(2026, 2, 1), 30)
    (False, True)
    """
    return (today - entered).days > days
