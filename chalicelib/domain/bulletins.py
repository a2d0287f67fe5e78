"""Calls for applications (bulletins): the opening of one opportunity, with its own criteria and deadline.

A bulletin is built only from a document its schema (schemas/bulletin.json) accepts, like a
mission. A mission has many bulletins over time and at most one open at once; an application
is made to an open bulletin. A bulletin not ``published`` is a draft an administrator is still writing: never
public, never open (domain/call_rules.py says what publishing asks); one stored before drafts existed reads as
published. Times are stored as ISO 8601 with their offset and compared as
instants; they are shown in Ottawa's time (America/Toronto), where the program runs.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Iterable, Mapping
from zoneinfo import ZoneInfo

from . import forms

PROGRAM_TIME = ZoneInfo("America/Toronto")
# The RCMP's ladder, lowest first: a bulletin's minimum rank names one of these (other services'
# ranks are compared through their RCMP equivalent).
RCMP_RANKS = ("constable", "corporal", "sergeant", "staff_sergeant", "staff_sergeant_major", "inspector",
              "superintendent", "chief_superintendent", "assistant_commissioner")
DEGREES = ("bachelor", "master", "doctorate")


class UnreadableBulletin(ValueError):
    def __init__(self, bulletin_id: str, problems: list[str]) -> None:
        super().__init__(f"bulletin {bulletin_id!r}: " + "; ".join(problems))
        self.bulletin_id = bulletin_id
        self.problems = problems


def moment(value: str) -> datetime:
    """An ISO 8601 date-time with its offset as an aware instant (a bare one is read as Ottawa time)."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=PROGRAM_TIME)


@dataclass(frozen=True)
class Criteria:
    min_rank: str | None = None
    degree: str | None = None
    language: Mapping[str, str] | None = None  # {"code": "fr", "level": "advanced"}
    previous_mission_experience: bool = False
    civilian_analysts: bool = False
    required_documents: tuple[str, ...] = ()
    four_by_four: bool | None = None  # the call's own 4x4 requirement; None: the mission's (or not known)
    fitness_test: str | None = None  # "pare" (the Physical Abilities Requirement Evaluation) or "own_test"

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> "Criteria":
        return cls(min_rank=raw.get("min_rank"), degree=raw.get("degree"),
                   language=dict(raw["language"]) if raw.get("language") else None,
                   previous_mission_experience=bool(raw.get("previous_mission_experience", False)),
                   civilian_analysts=bool(raw.get("civilian_analysts", False)),
                   required_documents=tuple(raw.get("required_documents") or ()),
                   four_by_four=None if raw.get("four_by_four") is None else bool(raw["four_by_four"]),
                   fitness_test=raw.get("fitness_test"))

    def as_dict(self) -> dict[str, Any]:
        return {"min_rank": self.min_rank, "degree": self.degree,
                "language": dict(self.language) if self.language else None,
                "previous_mission_experience": self.previous_mission_experience,
                "civilian_analysts": self.civilian_analysts, "required_documents": list(self.required_documents),
                "four_by_four": self.four_by_four, "fitness_test": self.fitness_test}


@dataclass(frozen=True)
class Bulletin:
    bulletin_id: str
    mission_id: str
    positions: int | None  # None: no number given (the pages give none); no place of a session until one is set
    opens_at: str
    closes_at: str
    title: Mapping[str, str]
    description: Mapping[str, str]
    contact: Mapping[str, Any]
    criteria: Criteria = field(default_factory=Criteria)
    expected_start: str | None = None
    published: bool = True

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Bulletin":
        """A bulletin from a document its schema accepts, closing after it opens; ``UnreadableBulletin`` otherwise."""
        errors = forms.problems("bulletin", dict(data))
        if not errors and moment(data["closes_at"]) <= moment(data["opens_at"]):
            errors.append("/closes_at: closes-before-it-opens")
        if errors:
            raise UnreadableBulletin(str(data.get("bulletin_id", "?")), errors)
        return cls(bulletin_id=data["bulletin_id"], mission_id=data["mission_id"], positions=None if data["positions"] is None else int(data["positions"]),
                   opens_at=data["opens_at"], closes_at=data["closes_at"], title=dict(data["title"]),
                   description=dict(data["description"]), contact=dict(data["contact"]),
                   criteria=Criteria.from_dict(data.get("criteria") or {}), expected_start=data.get("expected_start"),
                   published=bool(data.get("published", True)))

    def as_dict(self) -> dict[str, Any]:
        return {"bulletin_id": self.bulletin_id, "mission_id": self.mission_id, "positions": self.positions,
                "opens_at": self.opens_at, "closes_at": self.closes_at, "expected_start": self.expected_start,
                "title": dict(self.title), "description": dict(self.description), "contact": dict(self.contact),
                "criteria": self.criteria.as_dict(), "published": self.published}

    @property
    def opens(self) -> datetime:
        return moment(self.opens_at)

    @property
    def closes(self) -> datetime:
        return moment(self.closes_at)

    def is_open(self, now: datetime) -> bool:
        """Published, and from its opening instant until (not including) its closing instant."""
        return self.published and self.opens <= now < self.closes

    def status(self, now: datetime) -> str:
        """draft (not published), scheduled (published, not open yet), open or closed."""
        if not self.published:
            return "draft"
        return "open" if self.is_open(now) else "scheduled" if now < self.opens else "closed"

    def overlaps(self, other: "Bulletin") -> bool:
        """Both published for the same mission with windows that meet (a draft overlaps nothing until published)."""
        return self.published and other.published and self.mission_id == other.mission_id and self.opens < other.closes and other.opens < self.closes

    def start_date(self) -> date | None:
        return date.fromisoformat(self.expected_start) if self.expected_start else None


def open_now(bulletins: Iterable[Bulletin], now: datetime) -> list[Bulletin]:
    """The bulletins open at ``now``, soonest deadline first."""
    return sorted((b for b in bulletins if b.is_open(now)), key=lambda b: (b.closes, b.bulletin_id))


def in_program_time(instant: datetime) -> datetime:
    return instant.astimezone(PROGRAM_TIME)
