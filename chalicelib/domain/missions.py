"""Missions and the capacity caps they draw seats from.

A cap is first-class: several missions may share one (the two Ukraine
operations share 20; every West Bank operation shares the Ministerial
Authorization of 12). Seats left are always computed from the cap.

The mission's JSON Schema (schemas/mission.json) and the ``Mission`` dataclass
are one source: a mission is only ever built from a document the schema
accepts (``Mission.from_dict``), and a unit test keeps the dataclass's fields
equal to the schema's properties, required ones without a default. So the admin
API, which validates against the same schema, can never store a row the site
cannot read.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

from . import forms

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


class UnreadableMission(ValueError):
    """A mission document the schema refuses (a row written by an older version, a hand edit)."""

    def __init__(self, mission_id: str, problems: list[str]) -> None:
        super().__init__(f"mission {mission_id!r}: " + "; ".join(problems))
        self.mission_id = mission_id
        self.problems = problems


@dataclass(frozen=True)
class Cap:
    cap_id: str
    authorized: int | None
    deployed: int
    name: Mapping[str, str] = field(default_factory=dict)
    note: Mapping[str, str] = field(default_factory=dict)
    version: int = 1

    @property
    def seats_left(self) -> int | None:
        """The one rule for seats left: authorized minus deployed, never below 0; None with no figure."""
        if self.authorized is None:
            return None
        return max(self.authorized - self.deployed, 0)


@dataclass(frozen=True)
class Mission:
    # Required by schemas/mission.json (no default here).
    mission_id: str
    cap_id: str
    kind: str
    name: Mapping[str, str]
    organization: Mapping[str, str]
    country: Mapping[str, str]
    description: Mapping[str, str]
    language_of_operation: str | None
    armed: bool | None
    body: str
    interview_required: bool
    deployment_months: int | None
    requires_4x4: bool | None  # None: the pages do not say (seed 003: "for some missions"); a call may set it
    accepting_applications: bool
    # Optional in the schema (a default here).
    participation_since: str | None = None
    civilian_analysts: bool = False  # read by nothing: a call says whether it takes analysts (kept for stored rows)

    @property
    def is_un(self) -> bool:
        return self.body == "un"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Mission":
        """A mission from a document the schema accepts; ``UnreadableMission`` otherwise."""
        errors = forms.problems("mission", dict(data))
        if errors:
            raise UnreadableMission(str(data.get("mission_id", "?")), errors)
        return cls(**dict(data))

    def as_dict(self) -> dict[str, Any]:
        """The mission as its schema describes it (what the admin API and the catalogue store)."""
        return {name: (dict(v) if isinstance(v, Mapping) else v) for name, v in vars(self).items()}


def kinds() -> tuple[str, ...]:
    """Mission kinds in display order: the schema's enum is the one list."""
    return tuple(forms.load_schema("mission")["properties"]["kind"]["enum"])


def cap_from_dict(raw: Mapping[str, Any]) -> Cap:
    return Cap(cap_id=str(raw["cap_id"]), authorized=None if raw.get("authorized") is None else int(raw["authorized"]),
               deployed=int(raw.get("deployed") or 0), name=dict(raw.get("name") or {}),
               note=dict(raw.get("note") or {}), version=int(raw.get("version") or 1))


@lru_cache(maxsize=1)
def seed_catalogue() -> tuple[tuple[Cap, ...], tuple[Mission, ...]]:
    """The catalogue as derived from the public pages (data/missions.json)."""
    raw = json.loads((DATA_DIR / "missions.json").read_text(encoding="utf-8"))
    caps = tuple(cap_from_dict(c) for c in raw["caps"])
    missions = tuple(Mission.from_dict(m) for m in raw["missions"])
    return caps, missions


@dataclass(frozen=True)
class PoliceService:
    code: str
    name: Mapping[str, str]
    coordinator_email: str
    language: str | None = None  # None: write in the applicant's language (the bilingual RCMP)
    contact_title: Mapping[str, str] | None = None  # the RCMP: its career development and resourcing advisor
    next_steps: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    routes: tuple["Route", ...] = ()  # the missions whose candidates go to another office of the service


@dataclass(frozen=True)
class Route:
    """A service's candidates for these missions go to another of its offices (the RCMP's senior leaders' courses:
    its Executive/Officer Development and Resourcing office, seed 000)."""

    key: str
    missions: frozenset[str]
    email: str
    title: Mapping[str, str]
    next_steps: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


COORDINATOR_TITLE = {"en": "Peace operations coordinator", "fr": "Coordination des opérations de paix"}


@dataclass(frozen=True)
class Contact:
    """Who is told of a file and makes its initial selection: the service's coordinator, the RCMP's
    International Policing Career Development and Resourcing Advisor, or IRSS."""

    key: str  # coordinator | career_advisor | irss | a route's key (executive_development)
    email: str
    language: str | None
    next_steps: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    title: Mapping[str, str] = field(default_factory=lambda: dict(COORDINATOR_TITLE))  # who the mailbox is
    routed: bool = False  # a route of the service sent the file to this office (not its usual contact)

    def next_step(self, stage: str, default: Mapping[str, str]) -> Mapping[str, str]:
        """A stage's next step as this contact's applicants read it."""
        return self.next_steps.get(stage, default)


def _next_steps(raw: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    return {k: dict(v) for k, v in (raw.get("next_steps") or {}).items()}


def _service(s: Mapping[str, Any]) -> PoliceService:
    routes = tuple(Route(key=r["key"], missions=frozenset(r["missions"]), email=r["email"],
                         title=dict(r["contact_title"]), next_steps=_next_steps(r)) for r in s.get("routes") or ())
    return PoliceService(code=s["code"], name=dict(s["name"]), coordinator_email=s["coordinator_email"],
                         language=s.get("language"), contact_title=s.get("contact_title"),
                         next_steps=_next_steps(s), routes=routes)


@lru_cache(maxsize=1)
def _police_data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA_DIR / "police_services.json").read_text(encoding="utf-8"))
    return data


@lru_cache(maxsize=1)
def police_services() -> dict[str, PoliceService]:
    return {s["code"]: _service(s) for s in _police_data()["services"]}


def contact_for(police_service: str | None, mission_id: str | None = None) -> Contact:
    """The one routing rule: a partner service's coordinator; for the RCMP its advisor, or for its candidates to
    the senior leaders' courses its Executive/Officer Development and Resourcing office (a route of the service:
    told of the file, makes the initial selection, named in the next steps); for a file with no partner service
    (a civilian analyst, an officer of a service not listed: "other"), IRSS."""
    service = police_services().get(police_service or "")
    if service is None:
        return program_contact()
    for route in service.routes:
        if mission_id in route.missions:
            # A stage the route does not word reads as the service's own next step.
            return Contact(route.key, route.email, service.language, {**service.next_steps, **route.next_steps},
                           dict(route.title), routed=True)
    return Contact("career_advisor" if service.contact_title else "coordinator", service.coordinator_email,
                   service.language, service.next_steps, dict(service.contact_title or COORDINATOR_TITLE))


def program_contact() -> Contact:
    """IRSS, the RCMP's International Recruitment, Screening and Selection team: told of the roster's events."""
    irss = _police_data()["program_contacts"]["irss"]
    return Contact("irss", irss["email"], irss.get("language"), _next_steps(irss), dict(irss["name"]))
