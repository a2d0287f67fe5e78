"""Missions catalogue: public views with seats left computed from the caps."""
from __future__ import annotations

from typing import Any

from ..domain.errors import MissionUnavailable, NotFound
from ..domain.missions import Cap, Mission, UnreadableMission, kinds, seed_catalogue
from .deps import Deps


def cap_view(cap: Cap | None, shared_with: list[str]) -> dict[str, Any] | None:
    if cap is None:
        return None
    return {
        "cap_id": cap.cap_id, "name": dict(cap.name), "note": dict(cap.note),
        "authorized": cap.authorized, "deployed": cap.deployed, "seats_left": cap.seats_left,
        "shared_with": shared_with,
    }


def mission_view(m: Mission, cap: Cap | None, shared_with: list[str]) -> dict[str, Any]:
    view = m.as_dict()
    view["cap"] = cap_view(cap, shared_with)
    view["seats_left"] = cap.seats_left if cap else None
    return view


def _views(missions: list[Mission], caps: dict[str, Cap]) -> list[dict[str, Any]]:
    by_cap: dict[str, list[str]] = {}
    for m in missions:
        by_cap.setdefault(m.cap_id, []).append(m.mission_id)
    order = {kind: i for i, kind in enumerate(kinds())}
    missions = sorted(missions, key=lambda m: (order.get(m.kind, len(order)), m.mission_id))
    return [mission_view(m, caps.get(m.cap_id), by_cap.get(m.cap_id, [])) for m in missions]


def list_missions(deps: Deps) -> list[dict[str, Any]]:
    """Two queries: every mission, every cap. An unreadable mission row is left out (and logged)."""
    return _views(deps.store.catalogue.missions(), deps.store.catalogue.caps())


def get_mission(deps: Deps, mission_id: str) -> dict[str, Any]:
    try:
        found = deps.store.catalogue.mission(mission_id)
    except UnreadableMission as exc:
        raise MissionUnavailable("This mission's record cannot be read; an administrator must correct it.",
                                 "La fiche de cette mission est illisible; un administrateur doit la corriger.") from exc
    if found is None:
        raise NotFound("No such mission.", "Mission introuvable.")
    for view in list_missions(deps):
        if view["mission_id"] == mission_id:
            return view
    raise NotFound("No such mission.", "Mission introuvable.")


def seed(deps: Deps) -> int:
    """Write the seeded catalogue where it is missing; returns items considered."""
    caps, missions = seed_catalogue()
    deps.store.catalogue.seed(caps, missions, deps.now())
    return len(caps) + len(missions)
