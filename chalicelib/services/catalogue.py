"""Missions catalogue: public views with seats left computed from the caps."""
from __future__ import annotations

from dataclasses import asdict
from typing import Any

from ..adapters.models import CapModel, MissionModel
from ..domain.errors import NotFound
from ..domain.missions import Cap, Mission, seed_catalogue
from .deps import Deps


KIND_ORDER = ("operation", "specialized_posting", "other_opportunity")


def cap_view(cap: Cap | None, shared_with: list[str]) -> dict[str, Any] | None:
    if cap is None:
        return None
    return {
        "cap_id": cap.cap_id, "name": cap.name, "note": cap.note,
        "authorized": cap.authorized, "deployed": cap.deployed, "seats_left": cap.seats_left,
        "shared_with": shared_with,
    }


def mission_view(m: Mission, cap: Cap | None, shared_with: list[str]) -> dict[str, Any]:
    view = asdict(m)
    view["cap"] = cap_view(cap, shared_with)
    view["seats_left"] = cap.seats_left if cap else None
    return view


def list_missions(deps: Deps) -> list[dict[str, Any]]:
    """Two queries: every mission, every cap."""
    missions, caps = deps.repo.missions(), deps.repo.caps()
    by_cap: dict[str, list[str]] = {}
    for m in missions:
        by_cap.setdefault(m.cap_id, []).append(m.mission_id)
    order = {kind: i for i, kind in enumerate(KIND_ORDER)}
    missions.sort(key=lambda m: (order.get(m.kind, len(order)), m.mission_id))
    return [mission_view(m, caps.get(m.cap_id), by_cap.get(m.cap_id, [])) for m in missions]


def get_mission(deps: Deps, mission_id: str) -> dict[str, Any]:
    for view in list_missions(deps):
        if view["mission_id"] == mission_id:
            return view
    raise NotFound("No such mission.", "Mission introuvable.")


def seed(deps: Deps) -> int:
    """Write the seeded catalogue where it is missing; returns items considered."""
    caps, missions = seed_catalogue()
    now = deps.now()
    cap_rows = [CapModel("cap", c.cap_id, authorized=c.authorized, deployed=c.deployed or 0,
                         data={"name": c.name, "note": c.note}, updated_at=now) for c in caps]
    mission_rows = []
    for m in missions:
        data = asdict(m)
        for k in ("mission_id", "cap_id", "accepting_applications"):
            data.pop(k)
        mission_rows.append(MissionModel("mission", m.mission_id, data=data, cap_id=m.cap_id,
                                         accepting_applications=m.accepting_applications, updated_at=now))
    deps.repo.put_catalogue(cap_rows, mission_rows)
    return len(cap_rows) + len(mission_rows)
