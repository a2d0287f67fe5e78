"""Deployments as records: the roster of each cap, and the rules that read it.

A cap's deployed figure is the number of its active roster entries. Every write
that changes one changes the other in the same unit of work (services/ports.py:
``start_deployment`` and ``end_deployment``), so they cannot drift; ``drift``
reports it anyway, for rows written before the roster existed or by hand.

An entry is either a file's deployment (``application_id`` set; it starts when
the file enters ``deployed`` and ends when it leaves) or an existing deployment
loaded when peaceops was installed (no file: one anonymous entry per published
deployed figure; IRSS and administrators correct and end them through the admin
API). The end reasons are the coded reasons of the move to ``returned``
(data/workflow.json), one list for files and roster entries alike.

Dates here are calendar dates (``YYYY-MM-DD``); a deployment is 12 months unless
its mission says otherwise (seeds 000 and 003).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Mapping

from dateutil.relativedelta import relativedelta

DEFAULT_MONTHS = 12
FILE_PREFIX = "file-"
EXISTING_PREFIX = "existing-"
ENTRY_PREFIX = "entry-"


@dataclass(frozen=True)
class Deployment:
    deployment_id: str
    cap_id: str
    started_on: str | None  # None: an existing deployment whose start the pages do not give
    planned_end: str | None
    mission_id: str | None = None
    application_id: str | None = None  # None: an existing deployment, with no file in peaceops
    ended_on: str | None = None
    end_reason: str | None = None
    version: int = 1
    updated_at: str | None = None
    police_service: str | None = None  # the officer's police service, once IRSS records it on an existing entry

    @property
    def placeholder(self) -> bool:
        """A seeded entry that stands for a published figure: no file, no start, no service recorded yet."""
        return self.application_id is None and self.started_on is None and self.police_service is None

    @property
    def active(self) -> bool:
        return self.ended_on is None

    @property
    def anonymous(self) -> bool:
        return self.application_id is None

    def ended(self, on: str, reason: str, now: str) -> "Deployment":
        return replace(self, ended_on=on, end_reason=reason, version=self.version + 1, updated_at=now)

    def as_dict(self) -> dict[str, Any]:
        return {"deployment_id": self.deployment_id, "cap_id": self.cap_id, "mission_id": self.mission_id,
                "application_id": self.application_id, "started_on": self.started_on,
                "planned_end": self.planned_end, "ended_on": self.ended_on, "end_reason": self.end_reason,
                "active": self.active, "version": self.version, "updated_at": self.updated_at,
                "police_service": self.police_service}


def deployment_id_for(application_id: str) -> str:
    """A file's deployment id: a file deploys at most once (``returned`` is terminal)."""
    return FILE_PREFIX + application_id


def months_for(deployment_months: int | None) -> int:
    return deployment_months or DEFAULT_MONTHS


def planned_end(start: date, deployment_months: int | None) -> date:
    """Start plus the mission's length (12 months when it says none), by the calendar: 31 Jan + 1 month is 28/29 Feb."""
    end: date = start + relativedelta(months=months_for(deployment_months))
    return end


def for_file(application_id: str, cap_id: str, mission_id: str, deployment_months: int | None, today: date,
             now: str) -> Deployment:
    """The deployment a file's move into ``deployed`` creates: it starts today."""
    return Deployment(deployment_id=deployment_id_for(application_id), cap_id=cap_id, mission_id=mission_id,
                      application_id=application_id, started_on=today.isoformat(),
                      planned_end=planned_end(today, deployment_months).isoformat(), updated_at=now)


def existing_entries(cap_id: str, deployed: int, now: str) -> list[Deployment]:
    """The anonymous entries that stand for a cap's published deployed figure, numbered from 1 (ids are stable,
    so seeding again on a restart writes nothing new)."""
    return [Deployment(deployment_id=f"{EXISTING_PREFIX}{cap_id}-{n:03d}", cap_id=cap_id, started_on=None,
                       planned_end=None, updated_at=now) for n in range(1, deployed + 1)]


def drift(deployed: int, entries: list[Deployment]) -> int:
    """The cap's deployed figure minus its active entries (0 when they agree)."""
    return deployed - sum(1 for e in entries if e.active)


def days_until(day: str, today: date) -> int:
    return (date.fromisoformat(day) - today).days


def ending_within(entries: list[Deployment], today: date, days: int) -> list[Deployment]:
    """Active entries whose planned end falls within ``days`` from today (an overdue end counts), soonest first."""
    due = [e for e in entries if e.active and e.planned_end and days_until(e.planned_end, today) <= days]
    return sorted(due, key=lambda e: (e.planned_end or "", e.deployment_id))


def from_dict(raw: Mapping[str, Any]) -> Deployment:
    return Deployment(deployment_id=str(raw["deployment_id"]), cap_id=str(raw["cap_id"]),
                      mission_id=raw.get("mission_id"), application_id=raw.get("application_id"),
                      started_on=raw.get("started_on"), planned_end=raw.get("planned_end"),
                      ended_on=raw.get("ended_on"), end_reason=raw.get("end_reason"),
                      version=int(raw.get("version") or 1), updated_at=raw.get("updated_at"),
                      police_service=raw.get("police_service"))
