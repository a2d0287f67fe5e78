"""The roster: deployments as records, who is next in line, and the seat-available notices.

A cap's deployed figure moves only with its roster (ports.UnitOfWork.start_deployment
and end_deployment, one transaction each); ``drift_report`` shows any cap whose figure
and active entries disagree anyway (rows from before the roster, a hand edit).

Roster changes through the admin API are IRSS's and administrators' (app.py's role
rule), each audited (subject ``deployment#<id>``) with a coded reason and a note:
- add an existing deployment (no file in peaceops): it takes a seat like a deployment;
- correct an active entry's mission, start or planned end; an extension of a file's
  planned end tells the officer;
- end an anonymous entry with one of the end reasons (a file's deployment ends by the
  file's move to ``returned``, so the file and its entry never disagree).

Nothing here moves a file: when a seat frees, IRSS and the coordinator of the candidate
at the front of the line are told, and the program decides.
"""
from __future__ import annotations

import hashlib
import uuid
from dataclasses import replace
from datetime import date, timedelta
from typing import Any, Mapping

from ..domain import bodies, deployments, listing
from ..domain.deployments import Deployment
from ..domain.emails import reference
from ..domain.errors import Conflict, FieldError, NotFound, StaleState, ValidationFailed
from ..domain.missions import Cap, contact_for, police_services, program_contact
from ..domain.records import ApplicationFile, AuditEntry, OutboxMessage
from ..domain.workflow import Actor, explain_seat_refusal, load_workflow
from . import notifications
from .deps import Deps
from .ports import ConditionFailed, UnitOfWork

SEAT_NOTICE = "seat_available"
STATUSES = ("active", "ended", "all")


def _cap(deps: Deps, cap_id: str) -> Cap:
    cap = deps.store.catalogue.cap(cap_id)
    if cap is None:
        raise NotFound("No such cap.", "Plafond introuvable.")
    return cap


def _entry(deps: Deps, cap_id: str, deployment_id: str) -> Deployment:
    entry = deps.store.catalogue.deployment(cap_id, deployment_id)
    if entry is None:
        raise NotFound("No such roster entry.", "Entrée introuvable dans la liste.")
    return entry


def audit_entry(actor: Actor, entry: Deployment, now: str, change: str, reason_code: str | None,
                note: str | None, before: Deployment | None = None) -> AuditEntry:
    """The audit row of a roster change; ``seq`` is the entry's version after it."""
    details: dict[str, Any] = {"change": change, "cap_id": entry.cap_id, "entry": entry.as_dict()}
    if before is not None:
        details["before"] = before.as_dict()
    return AuditEntry(f"deployment#{entry.deployment_id}", entry.version, at=now, kind="roster_change",
                      actor_id=actor.actor_id, actor_role=actor.role, reason_code=reason_code, note=note,
                      details=details)


# --- who is next --------------------------------------------------------------

def ready_candidates(deps: Deps, cap_id: str) -> list[ApplicationFile]:
    """The cap's files selected by IRSS and not yet deployed, in line: the stage reached (the roster's
    ``ready_stages``, the latest first), then the day they reached it, oldest first."""
    wf = load_workflow()
    path = wf.pathways[wf.kinds["operation"]]
    out: list[tuple[int, str, str, ApplicationFile]] = []
    for rank, stage in enumerate(wf.roster.ready_stages):
        for stored in (stage, *path.old_names(stage)):
            out += [(rank, f.in_stage_since, f.application_id, f) for f in deps.store.files.at_stage(stored, cap_id)]
    return [f for *_, f in sorted(out, key=lambda t: t[:3])]


def _candidate_view(f: ApplicationFile, place: int, seats_left: int) -> dict[str, Any]:
    return {"application_id": f.application_id, "reference": reference(f.application_id), "stage": f.stage,
            "in_stage_since": f.in_stage_since, "mission_id": f.mission_id, "police_service": f.police_service,
            "name": f.full_name, "place_in_line": place, "waiting": place > seats_left}


def seat_notices(deps: Deps, cap: Cap, event: str, seats_left: int) -> list[OutboxMessage]:
    """IRSS and the coordinator of the candidate at the front of the line are told a seat is available on
    ``cap`` (``event`` names what freed it: the message ids derive from it, so a retried change sends once)."""
    line = ready_candidates(deps, cap.cap_id)
    first = line[0] if line else None
    irss = program_contact()
    extra = {"cap_id": cap.cap_id, "seats_left": seats_left,
             "candidate": f"{first.full_name} ({reference(first.application_id)})" if first else None}
    subject = first.application_id if first else f"cap#{cap.cap_id}"
    rows = [notifications.staff_message(deps, f"{event}:{SEAT_NOTICE}:irss", subject, f"staff_{SEAT_NOTICE}", "irss",
                                        irss.email, irss.language or "en", extra)]
    if first is not None:
        contact = contact_for(first.police_service, first.mission_id)
        if contact.email != irss.email:
            rows.append(notifications.staff_message(
                deps, f"{event}:{SEAT_NOTICE}:coordinator", first.application_id, f"coordinator_{SEAT_NOTICE}",
                "coordinator", contact.email, contact.language or first.language,
                {**extra, "mission_id": first.mission_id, "police_service": first.police_service}))
    return rows


# --- reports ------------------------------------------------------------------

def status_filter(params: Mapping[str, str]) -> str:
    """``?status=active|ended|all`` (active when absent)."""
    return listing.status_param(params, STATUSES, "active")


def roster_view(deps: Deps, cap_id: str, status: str = "active") -> dict[str, Any]:
    cap = _cap(deps, cap_id)
    entries = deps.store.catalogue.roster(cap_id)
    shown = [e for e in entries if status == "all" or (e.active if status == "active" else not e.active)]
    active = sum(1 for e in entries if e.active)
    return {"cap_id": cap_id, "name": dict(cap.name), "authorized": cap.authorized, "deployed": cap.deployed,
            "seats_left": cap.seats_left, "active_entries": active, "drift": deployments.drift(cap.deployed, entries),
            "status": status, "entries": [e.as_dict() for e in shown]}


def drift_report(deps: Deps) -> dict[str, Any]:
    """Every cap: its deployed figure against its active roster entries (0 drift when they agree)."""
    caps = []
    for cap_id, cap in sorted(deps.store.catalogue.caps().items()):
        entries = deps.store.catalogue.roster(cap_id)
        caps.append({"cap_id": cap_id, "deployed": cap.deployed, "active_entries": sum(1 for e in entries if e.active),
                     "drift": deployments.drift(cap.deployed, entries)})
    return {"caps": caps, "in_agreement": all(c["drift"] == 0 for c in caps)}


def rotation(deps: Deps, cap_id: str) -> dict[str, Any]:
    """Seats freeing against candidates ready: the cap's active deployments, the planned ends within each
    horizon, and the line of ready candidates with their place (waiting when no seat is free for them)."""
    cap, today = _cap(deps, cap_id), deps.today()
    entries = [e for e in deps.store.catalogue.roster(cap_id) if e.active]
    seats_left = cap.seats_left or 0
    line = ready_candidates(deps, cap_id)
    horizons = []
    for days in load_workflow().roster.horizons_days:
        ending = deployments.ending_within(entries, today, days)
        horizons.append({"days": days, "until": (today + timedelta(days=days)).isoformat(), "ending": len(ending),
                         "entries": [e.as_dict() for e in ending]})
    return {"cap_id": cap_id, "name": dict(cap.name), "today": today.isoformat(), "authorized": cap.authorized,
            "deployed": cap.deployed, "seats_left": cap.seats_left, "active": len(entries),
            "without_planned_end": sum(1 for e in entries if e.planned_end is None),
            "horizons": horizons, "ready": len(line),
            "candidates": [_candidate_view(f, i, seats_left) for i, f in enumerate(line, start=1)]}


def rotation_all(deps: Deps) -> dict[str, Any]:
    return {"caps": [rotation(deps, cap_id) for cap_id in sorted(deps.store.catalogue.caps())]}


# --- changes --------------------------------------------------------------------

def _day(doc: Mapping[str, Any], name: str) -> str | None:
    value = doc.get(name)
    return None if value is None else date.fromisoformat(str(value)).isoformat()


def _check_dates(started_on: str | None, planned_end: str | None) -> None:
    if started_on and planned_end and planned_end <= started_on:
        raise ValidationFailed([FieldError("/planned_end", "end-before-start",
                                           "The planned end must come after the start.",
                                           "La fin prévue doit suivre le début.")])


def _mission_of_cap(deps: Deps, cap_id: str, mission_id: str | None) -> None:
    if mission_id is None:
        return
    mission = deps.store.catalogue.mission(mission_id)
    if mission is None or mission.cap_id != cap_id:
        raise ValidationFailed([FieldError("/mission_id", "not-on-cap", "No mission with this identifier draws on this cap.",
                                           "Aucune mission de ce plafond ne porte cet identifiant.")])


def _police_service(doc: Mapping[str, Any]) -> str | None:
    """The entry's police service, one of data/police_services.json's codes (None: not given or cleared)."""
    code = doc.get("police_service")
    if code is not None and code not in police_services():
        raise ValidationFailed([FieldError("/police_service", "unknown-service", "No police service has this code.",
                                           "Aucun service de police ne porte ce code.")])
    return None if code is None else str(code)


def _commit(uow: UnitOfWork, deps: Deps, cap_id: str, taking: bool) -> None:
    try:
        uow.commit()
    except ConditionFailed as exc:
        if taking and "cap" in exc.failed and "deployment" not in exc.failed:
            explain_seat_refusal(deps.store.catalogue.cap(cap_id))
        raise StaleState("The roster changed meanwhile; reload it.", "La liste a changé entre-temps; rechargez-la.") from exc


def _new_entry_id(cap_id: str, actor: Actor, idempotency_key: str | None) -> str:
    """A fresh id; with an Idempotency-Key, the same id for the same key from the same person (a retried request
    finds its entry instead of adding a second)."""
    if idempotency_key is None:
        return deployments.ENTRY_PREFIX + uuid.uuid4().hex[:16]
    digest = hashlib.sha256("\x1f".join((cap_id, actor.actor_id, idempotency_key)).encode("utf-8")).hexdigest()
    return deployments.ENTRY_PREFIX + digest[:16]


def add_entry(deps: Deps, actor: Actor, cap_id: str, body: Any,
              idempotency_key: str | None = None) -> tuple[int, dict[str, Any]]:
    """An existing deployment with no file in peaceops: it takes a seat of the cap (409 when none is left).
    Returns (201, entry), or (200, entry) for a retry of the same Idempotency-Key."""
    doc = bodies.require_valid("RosterEntryCreate", body)
    entry_id = _new_entry_id(cap_id, actor, idempotency_key)
    if idempotency_key is not None:
        earlier = deps.store.catalogue.deployment(cap_id, entry_id)
        if earlier is not None:
            return 200, earlier.as_dict()
    _cap(deps, cap_id)
    _mission_of_cap(deps, cap_id, doc.get("mission_id"))
    started_on, planned_end = _day(doc, "started_on"), _day(doc, "planned_end")
    _check_dates(started_on, planned_end)
    now = deps.now()
    entry = Deployment(deployment_id=entry_id, cap_id=cap_id, police_service=_police_service(doc),
                       mission_id=doc.get("mission_id"), started_on=started_on, planned_end=planned_end, updated_at=now)
    uow = deps.store.unit_of_work()
    uow.start_deployment(entry, now)
    uow.append_audit(audit_entry(actor, entry, now, "added", doc["reason_code"], doc["note"]))
    try:
        _commit(uow, deps, cap_id, taking=True)
    except StaleState:
        earlier = deps.store.catalogue.deployment(cap_id, entry_id) if idempotency_key is not None else None
        if earlier is None:
            raise
        return 200, earlier.as_dict()  # the same request, retried while the first was in flight
    return 201, entry.as_dict()


def correct_entry(deps: Deps, actor: Actor, cap_id: str, deployment_id: str, body: Any) -> dict[str, Any]:
    """Correct an active entry's mission, start, planned end or police service (recording the officer on a seeded
    placeholder is one); a file's officer is told of a later planned end."""
    doc = bodies.require_valid("RosterEntryCorrection", body)
    entry = _entry(deps, cap_id, deployment_id)
    if not entry.active or entry.version != doc["expected_version"]:
        raise StaleState("The entry changed meanwhile, or has ended; reload it.",
                         "L'entrée a changé entre-temps, ou a pris fin; rechargez-la.", current_version=entry.version)
    changes = {k: (_day(doc, k) if k != "mission_id" else doc[k]) for k in ("mission_id", "started_on", "planned_end")
               if k in doc}
    if "police_service" in doc:
        if entry.application_id is not None:
            raise ValidationFailed([FieldError("/police_service", "fixed", "A file's deployment keeps the file's service.",
                                               "Le déploiement d'un dossier garde le service du dossier.")])
        changes["police_service"] = _police_service(doc)
    if entry.application_id is not None and "mission_id" in changes and changes["mission_id"] != entry.mission_id:
        raise ValidationFailed([FieldError("/mission_id", "fixed", "A file's deployment keeps the file's mission.",
                                           "Le déploiement d'un dossier garde la mission du dossier.")])
    _mission_of_cap(deps, cap_id, changes.get("mission_id"))
    now = deps.now()
    corrected = replace(entry, mission_id=changes.get("mission_id", entry.mission_id),
                        started_on=changes.get("started_on", entry.started_on),
                        planned_end=changes.get("planned_end", entry.planned_end), version=entry.version + 1,
                        police_service=changes.get("police_service", entry.police_service), updated_at=now)
    _check_dates(corrected.started_on, corrected.planned_end)
    uow = deps.store.unit_of_work()
    uow.correct_deployment(corrected, entry.version, now)
    uow.append_audit(audit_entry(actor, corrected, now, "corrected", doc["reason_code"], doc["note"], before=entry))
    extended = bool(entry.planned_end and corrected.planned_end and corrected.planned_end > entry.planned_end)
    rows = _extension_notice(deps, corrected) if extended and entry.application_id else []
    for row in rows:
        uow.add_outbox(row)
    _commit(uow, deps, cap_id, taking=False)
    return corrected.as_dict()


def _extension_notice(deps: Deps, entry: Deployment) -> list[OutboxMessage]:
    file = deps.store.files.get(entry.application_id or "")
    if file is None:
        return []
    return [notifications.new_message(
        deps, f"{entry.deployment_id}:{entry.version}:extended", file.application_id, "deployment_extended",
        "applicant", file.email, file.language,
        {"mission_id": file.mission_id, "stage": file.stage, "pathway": load_workflow().pathway_of(file.mission).name,
         "police_service": file.police_service, "extra": {"planned_end": entry.planned_end}})]


def end_entry(deps: Deps, actor: Actor, cap_id: str, deployment_id: str, body: Any) -> dict[str, Any]:
    """End an existing (anonymous) deployment; its seat frees in the same transaction, and IRSS and the first
    ready candidate's coordinator are told."""
    doc = bodies.require_valid("RosterEntryEnd", body)
    entry = _entry(deps, cap_id, deployment_id)
    if entry.application_id is not None:
        raise Conflict("This deployment is a file's: it ends when the file moves to returned.",
                       "Ce déploiement est celui d'un dossier\u00a0: il prend fin quand le dossier passe à «\u00a0retour\u00a0».",
                       application_id=entry.application_id)
    if not entry.active or entry.version != doc["expected_version"]:
        raise StaleState("The entry changed meanwhile, or has ended; reload it.",
                         "L'entrée a changé entre-temps, ou a pris fin; rechargez-la.", current_version=entry.version)
    now = deps.now()
    ended_on = _day(doc, "ended_on") or deps.today().isoformat()
    if entry.started_on and ended_on < entry.started_on:
        raise ValidationFailed([FieldError("/ended_on", "end-before-start", "A deployment cannot end before it started.",
                                           "Un déploiement ne peut pas finir avant d'avoir commencé.")])
    ended = entry.ended(ended_on, doc["reason_code"], now)
    cap = _cap(deps, cap_id)
    rows = seat_notices(deps, cap, f"{ended.deployment_id}:{ended.version}", (cap.seats_left or 0) + 1)
    uow = deps.store.unit_of_work()
    uow.end_deployment(ended, entry.version, now)
    uow.append_audit(audit_entry(actor, ended, now, "ended", doc["reason_code"], doc["note"], before=entry))
    for row in rows:
        uow.add_outbox(row)
    _commit(uow, deps, cap_id, taking=False)
    return ended.as_dict()


def rotate(deps: Deps, actor: Actor, cap_id: str, deployment_id: str, body: Any) -> dict[str, Any]:
    """A rotation: a ready candidate's file replaces an existing (anonymous) entry on the handover day. The
    outgoing entry ends that day (``rotation_completed``) and the file moves to ``deployed``, its deployment
    starting that day, on the seat the outgoing frees: one transaction, both audited; the cap's count is unchanged.

    The handover day is today or earlier (a rotation is recorded when it happens; nothing here runs later).
    A file's own deployment ends by its move to ``returned``, so it is not an outgoing entry here."""
    from . import workflow  # workflow imports this module

    doc = bodies.require_valid("RosterRotation", body)
    outgoing = _entry(deps, cap_id, deployment_id)
    if outgoing.application_id is not None:
        raise Conflict("This deployment is a file's: it ends when the file moves to returned.",
                       "Ce déploiement est celui d'un dossier\u00a0: il prend fin quand le dossier passe à «\u00a0retour\u00a0».",
                       application_id=outgoing.application_id)
    if not outgoing.active or outgoing.version != doc["expected_version"]:
        raise StaleState("The entry changed meanwhile, or has ended; reload it.",
                         "L'entrée a changé entre-temps, ou a pris fin; rechargez-la.", current_version=outgoing.version)
    handover = str(_day(doc, "handover_on"))
    problems = check_handover(handover, outgoing, deps.today())
    if problems:
        raise ValidationFailed(problems)
    file = deps.store.files.get(doc["application_id"])
    if file is None or file.cap_id != cap_id or file.application_id not in {
            f.application_id for f in ready_candidates(deps, cap_id)}:
        raise ValidationFailed([FieldError("/application_id", "not-ready",
                                           "This file is not in this cap's line of ready candidates.",
                                           "Ce dossier n'est pas dans la file des candidats prêts de ce plafond.")])
    ended = outgoing.ended(handover, "rotation_completed", deps.now())
    return workflow.move(deps, file.application_id, actor, workflow.move_request(
        {"to_stage": "deployed", "expected_stage": file.stage, "note": doc["note"]}), hand_over=(outgoing, ended))


def check_handover(handover: str, outgoing: Deployment, today: date) -> list[FieldError]:
    """The rotation rule on its day: not before the outgoing started, not in the future."""
    if outgoing.started_on and handover < outgoing.started_on:
        return [FieldError("/handover_on", "end-before-start", "The handover cannot come before the outgoing started.",
                           "La relève ne peut pas précéder le début du déploiement sortant.")]
    if handover > today.isoformat():
        return [FieldError("/handover_on", "in-future", "Record a rotation on its handover day or after.",
                           "Inscrivez une rotation le jour de la relève ou après.")]
    return []


FREEING_DAYS = 90  # the program page's "freeing soon" column (one of workflow.json's roster horizons)


def program_overview(deps: Deps) -> list[dict[str, Any]]:
    """Each cap with an authorized figure: authorized, active entries, seats left, planned ends within 90 days
    and candidates ready (the console's program roster; the dashboard card reads the same figures)."""
    today, out = deps.today(), []
    for cap_id, cap in sorted(deps.store.catalogue.caps().items()):
        if cap.authorized is None:
            continue
        entries = [e for e in deps.store.catalogue.roster(cap_id) if e.active]
        out.append({"cap_id": cap_id, "name": dict(cap.name), "authorized": cap.authorized, "active": len(entries),
                    "seats_left": cap.seats_left or 0,
                    "freeing": len(deployments.ending_within(entries, today, FREEING_DAYS)),
                    "placeholders": sum(1 for e in entries if e.placeholder),
                    "ready": len(ready_candidates(deps, cap_id))})
    return out
