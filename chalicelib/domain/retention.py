"""The retention and disposition schedule's rules, in plain Python (no AWS).

chalicelib/data/retention.json says how long each kind of record is kept. A closed file (its stage is one of a
file rule's ``stages``) is due for disposition once the rule's years have passed since it closed: the day it
entered its closing stage or, for a returned officer, the later of that and the post-mission follow-up. A file on
legal hold is never due. What is left of a disposed file is its disposition record: the reference, the day it was
submitted, closed and disposed of, and the rule applied; nothing personal (no name, address, mission, police
service or stage: a medical end is disposed of under the not-selected rule, so the record says nothing about health).

>>> from datetime import date
>>> add_years(date(2024, 2, 29), 2)
datetime.date(2026, 2, 28)
>>> rule = schedule().rule_for("medically_unfit")
>>> rule.rule, rule.years
('not_selected', 2)
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

from .bulletins import PROGRAM_TIME

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "retention.json"
# The kinds of record the code keeps besides the files (datafiles.py checks retention.json names exactly these).
RECORD_KINDS = ("drafts", "family_readiness", "documents", "audit", "emails", "guide_tasks", "guide_requests", "reads",
                "staff_sessions", "limit_counters", "idempotency", "staff_security", "staff_notices", "suppressions",
                "staff_accounts", "audit_reads", "dispositions")
DISPOSITION_KIND = "disposed"
DISPOSITION_ACTOR = "retention-job"
SYSTEM_ROLE = "system"
HOLD_KIND, HOLD_LIFTED_KIND = "legal_hold", "legal_hold_lifted"
HOLD_ROLES = ("irss", "admin")


def disposition_subject(application_id: str) -> str:
    """Where a disposed file's record is kept: its own subject in the audit table (the file's own trail is gone)."""
    return f"disposed#{application_id}"


@dataclass(frozen=True)
class FileRule:
    rule: str
    stages: tuple[str, ...]
    years: int
    label: Mapping[str, str]


@dataclass(frozen=True)
class RecordRule:
    record: str
    disposal: str  # with_file | ttl | job | kept
    label: Mapping[str, str]
    keep: Mapping[str, int] | None = None  # {"years"|"days"|"hours": n}
    start: str | None = None  # the event the period runs from

    @property
    def period(self) -> timedelta | None:
        """The period as a duration (years as 365 days: only files keep years, and they use ``add_years``)."""
        if not self.keep:
            return None
        unit, n = next(iter(self.keep.items()))
        return {"years": timedelta(days=365 * n), "days": timedelta(days=n), "hours": timedelta(hours=n)}[unit]


@dataclass(frozen=True)
class Schedule:
    files: tuple[FileRule, ...]
    records: tuple[RecordRule, ...]

    def rule_for(self, stage: str) -> FileRule | None:
        """The rule of a closing stage (None: the file is not closed)."""
        return next((r for r in self.files if stage in r.stages), None)

    def record(self, kind: str) -> RecordRule:
        return next(r for r in self.records if r.record == kind)

    def closing_stages(self) -> tuple[str, ...]:
        return tuple(s for r in self.files for s in r.stages)

    def figures(self) -> dict[str, int]:
        """The periods the texts state ({retention_<rule>_years}, {retention_draft_days},
        {retention_guide_request_days})."""
        out = {f"retention_{r.rule}_years": r.years for r in self.files}
        for name, record in (("retention_draft_days", "drafts"), ("retention_guide_request_days", "guide_requests")):
            out[name] = int((self.record(record).keep or {}).get("days", 0))
        return out


def parse(raw: Mapping[str, Any]) -> Schedule:
    files = tuple(FileRule(str(f["rule"]), tuple(f["stages"]), int(f["keep"]["years"]), dict(f["label"]))
                  for f in raw["files"])
    records = tuple(RecordRule(str(r["record"]), str(r["disposal"]), dict(r["label"]),
                               dict(r["keep"]) if "keep" in r else None, r.get("from")) for r in raw["records"])
    return Schedule(files, records)


@lru_cache(maxsize=1)
def schedule() -> Schedule:
    """The schedule on disk, read once per process."""
    return parse(json.loads(DATA_FILE.read_text(encoding="utf-8")))


# --- dates ----------------------------------------------------------------------------------------------------

def add_years(day: date, years: int) -> date:
    """The same day ``years`` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def program_day(instant: str) -> date:
    """The calendar day in Ottawa of a stored timestamp (``2026-11-23T01:45:00.000000Z`` is 22 November)."""
    at = datetime.fromisoformat(instant.replace("Z", "+00:00"))
    return (at if at.tzinfo else at.replace(tzinfo=timezone.utc)).astimezone(PROGRAM_TIME).date()


@dataclass(frozen=True)
class Closing:
    """What the schedule needs of a file (records.ApplicationFile gives it: ``closing_of``)."""

    application_id: str
    stage: str
    submitted_at: str
    in_stage_since: str  # when it entered its stage
    completed_at: str | None = None  # a returned officer's follow-up done
    held: bool = False


@dataclass(frozen=True)
class Due:
    """A closed file's place in the schedule: its rule, the day it closed and the day it is due."""

    application_id: str
    rule: str
    closed_on: date
    due_on: date
    held: bool

    def due(self, as_of: date) -> bool:
        """Disposed of on ``as_of``: its time has come and no hold keeps it."""
        return not self.held and as_of >= self.due_on


def closed_at(c: Closing) -> str:
    """When the file closed: the day it entered its closing stage, or its follow-up done if that came later."""
    return max(c.in_stage_since, c.completed_at or "")


def due_of(c: Closing, sched: Schedule | None = None) -> Due | None:
    """The file's rule and dates (None: not at a closing stage, so never due)."""
    rule = (sched or schedule()).rule_for(c.stage)
    if rule is None:
        return None
    closed_on = program_day(closed_at(c))
    return Due(c.application_id, rule.rule, closed_on, add_years(closed_on, rule.years), c.held)


def submitted_by(as_of: date, rule: FileRule) -> date:
    """The latest submission day a file of this rule due on ``as_of`` can have: it closed after it was submitted,
    so a file submitted later cannot be due yet (the job reads only files submitted by then)."""
    return add_years(as_of, -rule.years)


def disposition_details(c: Closing, due: Due, reference: str, disposed_on: date) -> dict[str, str]:
    """The disposition record: the reference, the dates and the rule applied; nothing personal."""
    return {"reference": reference, "submitted_on": program_day(c.submitted_at).isoformat(),
            "closed_on": due.closed_on.isoformat(), "disposed_on": disposed_on.isoformat(), "rule": due.rule}


def period_end(kind: str, start: str, sched: Schedule | None = None) -> datetime:
    """When a record of ``kind`` kept for its rule's period from ``start`` (a stored timestamp) is past its time.

    >>> period_end("staff_security", "2026-03-01T12:00:00Z").isoformat()
    '2028-03-01T12:00:00+00:00'
    """
    rule = (sched or schedule()).record(kind)
    at = datetime.fromisoformat(start.replace("Z", "+00:00"))
    at = at if at.tzinfo else at.replace(tzinfo=timezone.utc)
    years = (rule.keep or {}).get("years")
    if years:
        try:
            return at.replace(year=at.year + years)
        except ValueError:  # 29 February
            return at.replace(year=at.year + years, day=28)
    period = rule.period
    if period is None:
        raise ValueError(f"record {kind!r} has no period")
    return at + period


def expires_at(kind: str, start: str) -> int:
    """The epoch second DynamoDB's time to live removes a ``ttl`` record of ``kind`` made at ``start``."""
    return int(period_end(kind, start).timestamp())


def past_period(kind: str, start: str, as_of: date) -> bool:
    """A ``job`` record of ``kind`` made at ``start`` is disposed of on ``as_of`` (its period ends on or before that
    Ottawa day)."""
    return period_end(kind, start).astimezone(PROGRAM_TIME).date() <= as_of


# --- legal hold -------------------------------------------------------------------------------------------------

def hold_record(reason: str, placed_at: str, actor_id: str, role: str) -> dict[str, str]:
    """What a file carries while it is held (the reason is also in its audit trail)."""
    return {"reason": reason, "placed_at": placed_at, "placed_by": actor_id, "role": role}
