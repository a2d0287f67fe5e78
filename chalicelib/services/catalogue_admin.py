"""Administrators' changes to missions and caps; each is audited atomically."""
from __future__ import annotations

import re
from dataclasses import asdict
from typing import Any

from ..adapters.models import AuditModel, CapModel, MissionModel
from ..adapters.repository import ConditionFailed, mission_from_model
from ..domain import forms
from ..domain.errors import Conflict, FieldError, NotFound, StaleState, ValidationFailed
from ..domain.workflow import Actor
from .catalogue import get_mission
from .deps import Deps

FIXED = ("mission_id", "cap_id", "accepting_applications")
_ID = re.compile(r"^[a-z0-9-]{2,64}$")


def _audit(subject: str, seq: int, actor: Actor, now: str, details: dict[str, Any]) -> AuditModel:
    return AuditModel(subject, seq, at=now, kind="catalogue_change", actor_id=actor.actor_id,
                      actor_role=actor.role, details=details)


def _row(doc: dict[str, Any], version: int, now: str) -> MissionModel:
    data = {k: v for k, v in doc.items() if k not in FIXED}
    return MissionModel("mission", doc["mission_id"], data=data, cap_id=doc["cap_id"],
                        accepting_applications=doc["accepting_applications"], version=version, updated_at=now)


def _save(deps: Deps, doc: dict[str, Any], version: int, expected: int | None, actor: Actor, change: str) -> dict[str, Any]:
    now = deps.now()
    try:
        deps.repo.save_mission(_row(doc, version, now), expected,
                               _audit(f"mission#{doc['mission_id']}", version, actor, now, {"change": change, "mission": doc}))
    except ConditionFailed as exc:
        if "cap" in exc.failed:
            raise ValidationFailed([FieldError("/cap_id", "unknown-cap", "No such cap; create it first.",
                                               "Plafond inexistant; créez-le d'abord.")]) from exc
        if expected is None:
            raise Conflict("A mission with this identifier exists.", "Une mission porte déjà cet identifiant.") from exc
        raise StaleState("The mission changed meanwhile; reload it.", "La mission a changé entre-temps; rechargez-la.") from exc
    return get_mission(deps, doc["mission_id"])


def create_mission(deps: Deps, actor: Actor, doc: Any) -> dict[str, Any]:
    forms.require_valid("mission", doc)
    return _save(deps, doc, 1, None, actor, "created")


def update_mission(deps: Deps, actor: Actor, mission_id: str, patch: Any) -> dict[str, Any]:
    """Merge ``patch`` into the mission (identifier fixed) and validate the whole."""
    row = deps.repo.mission_row(mission_id)
    if row is None:
        raise NotFound("No such mission.", "Mission introuvable.")
    if not isinstance(patch, dict):
        raise ValidationFailed([FieldError("", "not-an-object", "Send a JSON object.", "Envoyez un objet JSON.")])
    expected = patch.pop("version", None)
    _check_fixed(patch, row, expected)
    if expected is not None and expected != int(row.version):
        raise StaleState("The mission changed meanwhile; reload it.", "La mission a changé entre-temps; rechargez-la.",
                         current_version=int(row.version))
    current = asdict(mission_from_model(row))
    current.update(patch)
    forms.require_valid("mission", current)
    return _save(deps, current, int(row.version) + 1, int(row.version), actor, "updated:" + ",".join(sorted(patch)))


def _check_fixed(patch: dict[str, Any], row: MissionModel, expected: Any) -> None:
    """What an update may not change. The cap is fixed: files already filed under it keep counting
    there, so moving a mission to another cap would split its seats and escape its authorized figure."""
    errors = []
    if expected is not None and (not isinstance(expected, int) or isinstance(expected, bool)):
        errors.append(FieldError("/version", "type", "version: the whole number you read.", "version : le nombre entier lu."))
    for field, current in (("mission_id", row.sk), ("cap_id", row.cap_id)):
        if field in patch and patch[field] != current:
            errors.append(FieldError(f"/{field}", "immutable", f"{field} cannot change; create a new mission instead.",
                                     f"{field} ne peut pas changer; créez plutôt une nouvelle mission."))
    if errors:
        raise ValidationFailed(errors)


def set_open(deps: Deps, actor: Actor, mission_id: str, is_open: Any) -> dict[str, Any]:
    if not isinstance(is_open, bool):
        raise ValidationFailed([FieldError("/accepting_applications", "type", "true or false.", "true ou false.")])
    return update_mission(deps, actor, mission_id, {"accepting_applications": is_open})


def create_cap(deps: Deps, actor: Actor, body: dict[str, Any]) -> dict[str, Any]:
    errors = []
    cap_id, authorized = body.get("cap_id"), body.get("authorized")
    if not isinstance(cap_id, str) or not _ID.match(cap_id):
        errors.append(FieldError("/cap_id", "pattern", "cap_id: lower-case letters, digits and hyphens.",
                                 "cap_id : lettres minuscules, chiffres et traits d'union."))
    if authorized is not None and (not isinstance(authorized, int) or isinstance(authorized, bool) or authorized < 0):
        errors.append(FieldError("/authorized", "type", "authorized: a whole number of 0 or more, or null.",
                                 "authorized : un nombre entier de 0 ou plus, ou null."))
    name = body.get("name")
    if not (isinstance(name, dict) and isinstance(name.get("en"), str) and isinstance(name.get("fr"), str)):
        errors.append(FieldError("/name", "required", "name: {\"en\": ..., \"fr\": ...}.", "name : {\"en\": ..., \"fr\": ...}."))
    if errors:
        raise ValidationFailed(errors)
    now = deps.now()
    row = CapModel("cap", cap_id, authorized=authorized, deployed=0,
                   data={"name": name, "note": body.get("note") or {"en": "", "fr": ""}}, version=1, updated_at=now)
    try:
        deps.repo.create_cap(row, _audit(f"cap#{cap_id}", 1, actor, now, {"change": "created", "authorized": authorized}))
    except ConditionFailed as exc:
        raise Conflict("A cap with this identifier exists.", "Un plafond porte déjà cet identifiant.") from exc
    return cap_view(deps, str(cap_id))


def cap_view(deps: Deps, cap_id: str) -> dict[str, Any]:
    row = deps.repo.cap_row(cap_id)
    if row is None:
        raise NotFound("No such cap.", "Plafond introuvable.")
    authorized = None if row.authorized is None else int(row.authorized)
    return {"cap_id": cap_id, "authorized": authorized, "deployed": int(row.deployed or 0), "version": int(row.version),
            "seats_left": None if authorized is None else max(authorized - int(row.deployed or 0), 0),
            "name": row.data.get("name"), "note": row.data.get("note")}


def set_authorized(deps: Deps, actor: Actor, cap_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """Change the authorized figure; never below the number deployed (checked atomically)."""
    value = body.get("authorized")
    if not isinstance(value, int) or isinstance(value, bool) or value < 0 or value > 10_000:
        raise ValidationFailed([FieldError("/authorized", "type", "authorized: a whole number from 0 to 10000.",
                                           "authorized : un nombre entier de 0 à 10000.")])
    row = deps.repo.cap_row(cap_id)
    if row is None:
        raise NotFound("No such cap.", "Plafond introuvable.")
    version, now = int(row.version), deps.now()
    audit = _audit(f"cap#{cap_id}", version + 1, actor, now,
                   {"change": "authorized", "from": None if row.authorized is None else int(row.authorized), "to": value,
                    "note": body.get("note")})
    try:
        deps.repo.set_cap_authorized(cap_id, value, version, now, audit)
    except ConditionFailed as exc:
        fresh = deps.repo.cap_row(cap_id)
        deployed = int(fresh.deployed or 0) if fresh else 0
        if value < deployed:
            raise Conflict(f"{deployed} are deployed: the authorized figure cannot go below that.",
                           f"{deployed} sont déployés : le nombre autorisé ne peut pas être inférieur.",
                           deployed=deployed) from exc
        raise StaleState("The cap changed meanwhile; try again.", "Le plafond a changé entre-temps; réessayez.") from exc
    return cap_view(deps, cap_id)


def audit_of(deps: Deps, subject: str) -> list[dict[str, Any]]:
    return [{"seq": int(r.seq), "at": r.at, "actor_id": r.actor_id, "actor_role": r.actor_role, "details": r.details}
            for r in deps.repo.audit_trail(subject)]
