"""Administrators' changes to missions and caps; each is audited atomically.

Request bodies are checked by their OpenAPI components (domain/bodies.py) and a
mission by its schema (schemas/mission.json), the same schema a stored mission
is read with, so a change that passes can always be shown.
"""
from __future__ import annotations

from typing import Any

from ..domain import bodies, forms, typography
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
    # The document passed the schema: it builds; its French texts get the Bureau's spacing (domain/typography.py)
    mission = Mission.from_dict(typography.french_sides(doc))
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
    return _cap_dict(_cap(deps, cap_id))


def _cap_dict(cap: Cap) -> dict[str, Any]:
    return {"cap_id": cap.cap_id, "authorized": cap.authorized, "deployed": cap.deployed, "version": cap.version,
            "seats_left": cap.seats_left, "name": dict(cap.name), "note": dict(cap.note)}


def below_roster(cap: Cap, value: int) -> Conflict:
    """The refusal of a figure below the active roster, naming the cap and what would allow it."""
    en, fr = cap.name.get("en") or cap.cap_id, cap.name.get("fr") or cap.cap_id
    n = cap.deployed
    return Conflict(f"{en} has {n} officers deployed: the figure cannot be below {n} until deployments end.",
                    f"{fr}\u00a0: {n} membres sont déployés; tant que des déploiements ne prennent pas fin, le "
                    f"nombre autorisé ne peut pas être inférieur à {n}.", deployed=n, authorized=value)


def set_authorized(deps: Deps, actor: Actor, cap_id: str, body: Any,
                   expected_version: int | None = None) -> dict[str, Any]:
    """Change the authorized figure; never below the number deployed (checked atomically). ``expected_version``:
    the version the console's form was read at (a cap changed meanwhile is refused, never overwritten)."""
    doc = bodies.require_valid("AuthorizedRequest", body)
    value = int(doc["authorized"])
    cap, now = _cap(deps, cap_id), deps.now()
    if expected_version is not None and expected_version != cap.version:
        raise StaleState("The cap changed meanwhile; reload it.", "Le plafond a changé entre-temps; rechargez-le.",
                         current_version=cap.version)
    if value < cap.deployed:
        raise below_roster(cap, value)
    uow = deps.store.unit_of_work()
    uow.set_authorized(cap_id, value, cap.version, now)
    _audit(uow, f"cap#{cap_id}", cap.version + 1, actor, now,
           {"change": "authorized", "from": cap.authorized, "to": value, "note": doc.get("note")})
    try:
        uow.commit()
    except ConditionFailed as exc:
        fresh = deps.store.catalogue.cap(cap_id)
        deployed = fresh.deployed if fresh else 0
        if value < deployed and fresh is not None:
            raise below_roster(fresh, value) from exc
        raise StaleState("The cap changed meanwhile; try again.", "Le plafond a changé entre-temps; réessayez.") from exc
    return cap_view(deps, cap_id)


def audit_of(deps: Deps, subject: str) -> list[dict[str, Any]]:
    return [{"seq": r.seq, "at": r.at, "actor_id": r.actor_id, "actor_role": r.actor_role,
             "details": None if r.details is None else dict(r.details)}
            for r in deps.store.audit.trail(subject)]


# --- the console's pages (chalicelib/console/catalogue.py) -------------------------------------------------

def overview(deps: Deps) -> list[dict[str, Any]]:
    """Every cap (its figure, deployed, active entries, seats left, its internal note) with its missions (open or
    closed to applications), for staff. One read of the caps, one of the missions, one Query per cap's roster."""
    missions = deps.store.catalogue.missions()
    out = []
    for cap_id, cap in sorted(deps.store.catalogue.caps().items()):
        active = sum(1 for e in deps.store.catalogue.roster(cap_id) if e.active)
        out.append({**_cap_dict(cap), "active_entries": active,
                    "missions": [{"mission_id": m.mission_id, "name": dict(m.name),
                                  "accepting_applications": m.accepting_applications}
                                 for m in sorted(missions, key=lambda m: m.mission_id) if m.cap_id == cap_id]})
    return out


def mission_admin_view(deps: Deps, mission_id: str) -> dict[str, Any]:
    """A mission as staff edit it: the document, its row version, its cap's name."""
    mission, version = stored_mission(deps, mission_id)
    cap = deps.store.catalogue.cap(mission.cap_id)
    return {"mission": mission.as_dict(), "version": version, "cap_name": dict(cap.name) if cap else {}}


def set_description(deps: Deps, actor: Actor, mission_id: str, en: str, fr: str, version: int) -> dict[str, Any]:
    """The public description in both languages, at the version read (each required: the public page shows it)."""
    errors = [FieldError(f"/description/{lang}", "required", "Write the description in English." if lang == "en"
                         else "Write the description in French.", "Rédigez la description en anglais."
                         if lang == "en" else "Rédigez la description en français.")
              for lang, text in (("en", en), ("fr", fr)) if not text.strip()]
    if errors:
        raise ValidationFailed(errors)
    return update_mission(deps, actor, mission_id, {"description": {"en": en.strip(), "fr": fr.strip()},
                                                    "version": version})


def set_open_at(deps: Deps, actor: Actor, mission_id: str, accepting: bool, version: int) -> dict[str, Any]:
    """Open or close the mission to applications, at the version read."""
    return update_mission(deps, actor, mission_id, {"accepting_applications": accepting, "version": version})
