"""Missions catalogue: public views with seats left computed from the caps."""
from __future__ import annotations

from typing import Any

from ..domain import deployments
from ..domain.errors import MissionUnavailable, NotFound
from ..domain.missions import Cap, Mission, UnreadableMission, kinds, seed_catalogue
from . import bulletins, counts, search
from .deps import Deps
from .ports import ConditionFailed


def cap_view(cap: Cap | None, shared_with: list[str]) -> dict[str, Any] | None:
    if cap is None:
        return None
    return {
        "cap_id": cap.cap_id, "name": dict(cap.name),  # never the cap's note: it is staff-only
        "authorized": cap.authorized, "deployed": cap.deployed, "seats_left": cap.seats_left,
        "shared_with": shared_with,
    }


def mission_view(m: Mission, cap: Cap | None, shared_with: list[str]) -> dict[str, Any]:
    view = m.as_dict()
    view["cap"] = cap_view(cap, shared_with)
    view["seats_left"] = cap.seats_left if cap else None
    return view


def _views(missions: list[Mission], caps: dict[str, Cap], calls: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    by_cap: dict[str, list[str]] = {}
    for m in missions:
        by_cap.setdefault(m.cap_id, []).append(m.mission_id)
    order = {kind: i for i, kind in enumerate(kinds())}
    missions = sorted(missions, key=lambda m: (order.get(m.kind, len(order)), m.mission_id))
    views = []
    for m in missions:
        view = mission_view(m, caps.get(m.cap_id), by_cap.get(m.cap_id, []))
        view.update(calls.get(m.mission_id) or {"open_bulletin": None, "last_closed_at": None})
        # Taking applications: the administrators' switch is on and a call is open now.
        view["taking_applications"] = m.accepting_applications and view["open_bulletin"] is not None
        # Civilian analysts may apply when the open call takes them: the call decides, never the mission's row.
        view["civilian_analysts"] = bool((view["open_bulletin"] or {}).get("civilian_analysts"))
        views.append(view)
    return views


def list_missions(deps: Deps) -> list[dict[str, Any]]:
    """Three queries: every mission, every cap, every call. An unreadable mission row is left out (and logged)."""
    calls = bulletins.calls_by_mission(deps.store.catalogue.bulletins(), deps.clock())
    return _views(deps.store.catalogue.missions(), deps.store.catalogue.caps(), calls)


def stored_mission(deps: Deps, mission_id: str) -> tuple[Mission, int]:
    """A mission and its row version: 404 when there is none, 503 when its row cannot be read (never a 500)."""
    try:
        found = deps.store.catalogue.mission_version(mission_id)
    except UnreadableMission as exc:
        raise MissionUnavailable("This mission's record cannot be read; an administrator must correct it.",
                                 "La fiche de cette mission est illisible; un administrateur doit la corriger.") from exc
    if found is None:
        raise NotFound("No such mission.", "Mission introuvable.")
    return found


def get_mission(deps: Deps, mission_id: str) -> dict[str, Any]:
    stored_mission(deps, mission_id)
    for view in list_missions(deps):
        if view["mission_id"] == mission_id:
            return view
    raise NotFound("No such mission.", "Mission introuvable.")


def _seed_caps(deps: Deps, caps: tuple[Cap, ...]) -> None:
    """Each missing cap with its roster: one anonymous existing deployment per published deployed figure, in the
    cap's own transaction (so its count and its active entries agree from the start). A cap already stored is
    left as it is: a restart writes nothing."""
    stored = deps.store.catalogue.caps()
    for cap in caps:
        if cap.cap_id in stored:
            continue
        uow = deps.store.unit_of_work()
        uow.add_cap(cap, deps.now(), deployments.existing_entries(cap.cap_id, cap.deployed, deps.now()))
        try:
            uow.commit()
        except ConditionFailed:  # another start wrote it first
            pass


def seed(deps: Deps) -> int:
    """Write the seeded catalogue where it is missing, and an open call for each mission that takes
    applications and has none (so a newcomer can apply at once); returns items considered."""
    caps, missions = seed_catalogue()
    _seed_caps(deps, caps)
    deps.store.catalogue.seed(missions, deps.now())
    with_calls = {s.bulletin.mission_id for s in deps.store.catalogue.bulletins()}
    by_cap = {c.cap_id: c for c in caps}
    calls = 0
    for m in missions:
        if not m.accepting_applications or m.mission_id in with_calls:
            continue
        seats = by_cap[m.cap_id].seats_left if m.cap_id in by_cap else None
        uow = deps.store.unit_of_work()
        # The seats left as the call's positions; none (no figure, or every seat taken): no number, "see the call"
        uow.put_bulletin(bulletins.seed_bulletin(m, deps.clock(), seats or None), 1, None, deps.now())
        try:
            uow.commit()
            calls += 1
        except ConditionFailed:  # another seeding run wrote it first
            pass
    counts.rebuild_if_absent(deps)  # a store written before the pipeline's counters is counted once
    search.index_names_if_absent(deps)  # and its files given their name-index keys, once
    deps.store.audit.index_unlisted()  # audit rows from before the audit view's index get its keys
    return len(caps) + len(missions) + calls
