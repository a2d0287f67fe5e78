"""Missions and the capacity caps they draw seats from.

A cap is first-class: several missions may share one (the two Ukraine
operations share 20; every West Bank operation shares the Ministerial
Authorization of 12). Seats left are always computed from the cap.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent.parent / "data"

UN_EU_BODIES = ("un", "eu")


@dataclass(frozen=True)
class Cap:
    cap_id: str
    authorized: int | None
    deployed: int | None
    name: dict[str, str] = field(default_factory=dict)
    note: dict[str, str] = field(default_factory=dict)

    @property
    def seats_left(self) -> int | None:
        if self.authorized is None:
            return None
        return max(self.authorized - (self.deployed or 0), 0)


@dataclass(frozen=True)
class Mission:
    mission_id: str
    cap_id: str
    kind: str
    name: dict[str, str]
    organization: dict[str, str]
    country: dict[str, str]
    description: dict[str, str]
    language_of_operation: str | None
    armed: bool | None
    body: str
    interview_required: bool
    participation_since: str | None
    deployment_months: int | None
    currently_deployed: int | None
    requires_4x4: bool
    accepting_applications: bool
    civilian_analysts: bool = False

    @property
    def is_un(self) -> bool:
        return self.body == "un"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Mission":
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})


@lru_cache(maxsize=1)
def seed_catalogue() -> tuple[tuple[Cap, ...], tuple[Mission, ...]]:
    """The catalogue as derived from the public pages (data/missions.json)."""
    raw = json.loads((DATA_DIR / "missions.json").read_text(encoding="utf-8"))
    caps = tuple(Cap(**c) for c in raw["caps"])
    missions = tuple(Mission.from_dict(m) for m in raw["missions"])
    return caps, missions


@lru_cache(maxsize=1)
def police_services() -> dict[str, dict[str, Any]]:
    raw = json.loads((DATA_DIR / "police_services.json").read_text(encoding="utf-8"))
    return {s["code"]: s for s in raw["services"]}
