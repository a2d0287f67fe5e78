"""Administrators' changes to missions and caps; each is audited atomically.

Request bodies are checked by their OpenAPI components (domain/bodies.py) and a
mission by its schema (schemas/mission.json), the same schema a stored mission
is read with, so a change that passes can always be shown.
"""
from __future__ import annotations

from typing import Any

from ..domain import bodies, forms
from ..domain.errors import Conflict, FieldError, NotFound, StaleState, ValidationFailed
from ..domain.missions import Cap, Mission
from ..domain.records import AuditEntry
from ..domain.workflow import Actor
from .catalogue import get_mission, stored_mission
from .deps import Deps
from .ports import ConditionFailed, UnitOfWork


def _audit(uow: UnitOfWork, subject: str, seq: int, actor: Actor, now: str, details: dict[str, Any]) -> None:
    uow.append_audit(AuditEntry(subject, seq, at=now, kind="catalogue_change", actor_id=actor.actor_id,
                                actor_role=actor.role, details=details))


def _save(deps: Deps, doc: dict[str, Any], version: int, expected: int | None, actor: Actor, change: str) -> dict[str, Any]:
    mission = Mission.from_dict(doc)  # the document passed the schema: it builds
    now = deps.now()
    uow = deps.store.unit_of_work()
    uow.put_mission(mission, version, expected, now)
    _audit(uow, f"mission#{mission.mission_id}", version, actor, now, {"change": change, "mission": mission.as_dict()})
    try:
        uow.commit()
    except ConditionFailed as exc:
        if "cap" in exc.failed:
            raise ValidationFailed([FieldError("/cap_id", "unknown-cap", "No such cap; create it first.",
                                               "Plafond inexistant; créez-le d'abord.")]) from exc
        if expected is None:
            raise Conflict("A mission with this identifier exists.", "Une mission porte déjà cet identifiant.") from exc
        raise StaleState("The mission changed meanwhile; reload it.", "La mission a changé entre-temps; rechargez-la.") from exc
    return get_mission(deps, mission.mission_id)


def create_mission(deps: Deps, actor: Actor, doc: Any) -> dict[str, Any]:
    forms.require_valid("mission", doc)
    return _save(deps, doc, 1, None, actor, "created")


def _current(deps: Deps, mission_id: str) -> tuple[dict[str, Any], int]:
    """The stored mission as a document, and its version (catalogue.stored_mission's 404 and 503)."""
    mission, version = stored_mission(deps, mission_id)
    return mission.as_dict(), version


def update_mission(deps: Deps, actor: Actor, mission_id: str, patch: Any) -> dict[str, Any]:
    """Merge ``patch`` into the mission (identifier and cap fixed) and validate the whole."""
    current, version = _current(deps, mission_id)
    doc = bodies.require_valid("MissionPatch", patch)
    expected = doc.pop("version", None)
    _check_fixed(doc, current)
    if expected is not None and expected != version:
        raise StaleState("The mission changed meanwhile; reload it.", "La mission a changé entre-temps; rechargez-la.",
                         current_version=version)
    current.update(doc)
    forms.require_valid("mission", current)
    return _save(deps, current, version + 1, version, actor, "updated:" + ",".join(sorted(doc)))


def _check_fixed(patch: dict[str, Any], current: dict[str, Any]) -> None:
    """What an update may not change. The cap is fixed: files already filed under it keep counting
    there, so moving a mission to another cap would split its seats and escape its authorized figure."""
    errors = [FieldError(f"/{field}", "immutable", f"{field} cannot change; create a new mission instead.",
                         f"{field} ne peut pas changer; créez plutôt une nouvelle mission.")
              for field in ("mission_id", "cap_id") if field in patch and patch[field] != current[field]]
    if errors:
        raise ValidationFailed(errors)


def set_open(deps: Deps, actor: Actor, mission_id: str, body: Any) -> dict[str, Any]:
    doc = bodies.require_valid("MissionOpenRequest", body)
    return update_mission(deps, actor, mission_id, {"accepting_applications": doc["accepting_applications"]})


def create_cap(deps: Deps, actor: Actor, body: Any) -> dict[str, Any]:
    doc = bodies.require_valid("CapCreate", body)
    cap = Cap(cap_id=doc["cap_id"], authorized=doc.get("authorized"), deployed=0, name=doc["name"],
              note=doc.get("note") or {"en": "", "fr": ""}, version=1)
    now = deps.now()
    uow = deps.store.unit_of_work()
    uow.add_cap(cap, now)
    _audit(uow, f"cap#{cap.cap_id}", 1, actor, now, {"change": "created", "authorized": cap.authorized})
    try:
        uow.commit()
    except ConditionFailed as exc:
        raise Conflict("A cap with this identifier exists.", "Un plafond porte déjà cet identifiant.") from exc
    return cap_view(deps, cap.cap_id)


def _cap(deps: Deps, cap_id: str) -> Cap:
    cap = deps.store.catalogue.cap(cap_id)
    if cap is None:
        raise NotFound("No such cap.", "Plafond introuvable.")
    return cap


def cap_view(deps: Deps, cap_id: str) -> dict[str, Any]:
    cap = _cap(deps, cap_id)
    return {"cap_id": cap.cap_id, "authorized": cap.authorized, "deployed": cap.deployed, "version": cap.version,
            "seats_left": cap.seats_left, "name": dict(cap.name), "note": dict(cap.note)}


def set_authorized(deps: Deps, actor: Actor, cap_id: str, body: Any) -> dict[str, Any]:
    """Change the authorized figure; never below the number deployed (checked atomically)."""
    doc = bodies.require_valid("AuthorizedRequest", body)
    value = int(doc["authorized"])
    cap, now = _cap(deps, cap_id), deps.now()
    uow = deps.store.unit_of_work()
    uow.set_authorized(cap_id, value, cap.version, now)
    _audit(uow, f"cap#{cap_id}", cap.version + 1, actor, now,
           {"change": "authorized", "from": cap.authorized, "to": value, "note": doc.get("note")})
    try:
        uow.commit()
    except ConditionFailed as exc:
        fresh = deps.store.catalogue.cap(cap_id)
        deployed = fresh.deployed if fresh else 0
        if value < deployed:
            raise Conflict(f"{deployed} are deployed: the authorized figure cannot go below that.",
                           f"{deployed} membres sont déployés\u00a0: le nombre autorisé ne peut pas être inférieur à {deployed}.",
                           deployed=deployed) from exc
        raise StaleState("The cap changed meanwhile; try again.", "Le plafond a changé entre-temps; réessayez.") from exc
    return cap_view(deps, cap_id)


def audit_of(deps: Deps, subject: str) -> list[dict[str, Any]]:
    return [{"seq": r.seq, "at": r.at, "actor_id": r.actor_id, "actor_role": r.actor_role,
             "details": None if r.details is None else dict(r.details)}
            for r in deps.store.audit.trail(subject)]
