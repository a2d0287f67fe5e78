"""Stage moves, on the file's own pathway, and the facts that guards read (Preliminary Instructions forms,
medical outcome, UN modules)."""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any, Mapping

from ..domain import access, bodies, deployments
from ..domain import reintegration as guides
from ..domain.deployments import Deployment
from ..domain.errors import Conflict, GuardRefused, NotFound, StaleState
from ..domain.records import ApplicationFile, AuditEntry, FileUpdate
from ..domain.workflow import (
    Actor,
    MovePlan,
    MoveRequest,
    explain_no_positions, explain_place_refusal,
    explain_seat_refusal,
    load_workflow,
    plan_move,
)
from . import counts, notifications, reintegration, roster
from .deps import Deps
from .ports import ConditionFailed, UnitOfWork


def load_file(deps: Deps, application_id: str, actor: Actor) -> ApplicationFile:
    """The file, or 404 when it does not exist or lies outside the actor's scope."""
    file = deps.store.files.get(application_id)
    if file is None or not access.can_see_file(actor, file.police_service):
        raise NotFound("No such file.", "Dossier introuvable.")
    return file


def stale(file: ApplicationFile | None, actor: Actor | None = None) -> StaleState:
    """The 409 of a file that changed; its stage as ``actor`` reads it (a medical end: not selected, to most)."""
    stage = None if file is None else file.stage if actor is None else access.stage_seen_by(actor, file.stage)
    return StaleState("The file changed while you were working; reload it.",
                      "Le dossier a changé pendant votre travail; rechargez-le.",
                      current_stage=stage, current_version=file.version if file else None)


def write_with_audit(deps: Deps, actor: Actor, update: FileUpdate, kind: str, note: str, at: str) -> None:
    """A change of the file that is not a move (its version + 1: a note, a legal hold) and its audit row, in one
    unit of work; 409 (``stale``) when the file changed since it was read."""
    uow = deps.store.unit_of_work()
    uow.update_file(update)
    uow.append_audit(AuditEntry(f"application#{update.application_id}", update.version, at=at, kind=kind,
                                actor_id=actor.actor_id, actor_role=actor.role, note=note))
    try:
        uow.commit()
    except ConditionFailed as exc:
        raise stale(deps.store.files.get(update.application_id), actor) from exc


def move_request(body: Any) -> MoveRequest:
    """A move as the API takes it (the MoveRequest component of openapi.json)."""
    doc = bodies.require_valid("MoveRequest", body)
    return MoveRequest(to_stage=doc["to_stage"], expected_stage=doc["expected_stage"],
                       reason_code=doc.get("reason_code"), note=doc.get("note"))


def _deployment(deps: Deps, file: ApplicationFile, plan: MovePlan, now: str,
                starts: date | None = None) -> tuple[Deployment, Deployment | None]:
    """The roster entry a move into or out of a seat starts or ends: (the entry as written, as it was read).
    A deployment starts today, or on a rotation's handover day (``starts``)."""
    if plan.seat == "take":
        return deployments.for_file(file.application_id, file.cap_id, file.mission_id,
                                    file.mission.deployment_months, starts or deps.today(), now), None
    current = deps.store.catalogue.deployment(file.cap_id, deployments.deployment_id_for(file.application_id))
    if current is None or not current.active:
        raise Conflict("This file holds a seat with no active roster entry; an administrator must reconcile the "
                       "roster first (GET /admin/roster/drift).",
                       "Ce dossier occupe une place sans entrée active dans la liste; un administrateur doit d'abord "
                       "rapprocher la liste (GET /admin/roster/drift).")
    return current.ended(deps.today().isoformat(), plan.reason_code or "rotation_completed", now), current


def _effects(uow: UnitOfWork, plan: MovePlan, now: str, entry: tuple[Deployment, Deployment | None] | None,
             hand_over: tuple[Deployment, Deployment] | None = None) -> None:
    """The roster entry (and so the cap's seat) the move starts or ends, and the place of the call's session
    it takes or frees. A rotation (``hand_over``: the outgoing entry as read and as ended) passes the outgoing
    entry's seat to the file's new entry in the same write."""
    if entry is not None:
        written, read = entry
        if hand_over is not None and read is None:
            outgoing, ended = hand_over
            uow.hand_over_deployment(ended, outgoing.version, written, now)
            uow.append_audit(roster.audit_entry(plan.actor, ended, now, "rotated_out", ended.end_reason, plan.note,
                                                before=outgoing))
        elif read is None:
            uow.start_deployment(written, now)
        else:
            uow.end_deployment(written, read.version, now)
        uow.append_audit(roster.audit_entry(plan.actor, written, now, "started" if read is None else "ended",
                                            plan.reason_code, plan.note, before=read))
    if plan.bulletin_id is not None and plan.place == "take":
        uow.take_place(plan.bulletin_id, now)
    elif plan.bulletin_id is not None and plan.place == "release":
        uow.release_place(plan.bulletin_id, now)


def _explain(deps: Deps, plan: MovePlan, failed: set[str]) -> None:
    """A refused write whose file condition held: say which seat or place was missing (raises), else return."""
    if "file" in failed:
        return
    if "cap" in failed and plan.seat == "take":
        explain_seat_refusal(deps.store.catalogue.cap(plan.cap_id))
    if "bulletin" in failed and plan.place == "take" and plan.bulletin_id is not None:
        call = deps.store.catalogue.bulletin(plan.bulletin_id)
        if call is not None and call.bulletin.positions is None:
            explain_no_positions()
        explain_place_refusal(call.bulletin.positions if call else None, call.places_taken if call else 0)


def move(deps: Deps, application_id: str, actor: Actor, req: MoveRequest,
         file: ApplicationFile | None = None, hand_over: tuple[Deployment, Deployment] | None = None) -> dict[str, Any]:
    """One read, one transaction, then the emails. Returns the new state. ``hand_over`` (services/roster.rotate):
    a move into a seat takes the seat an outgoing entry frees, (that entry as read, as ended), starting on its end
    day, in the same transaction."""
    file = file or load_file(deps, application_id, actor)
    # The cap and the call are not read to decide: the transaction's conditions are the seat and place checks,
    # and only a refused transaction reads them to explain itself. A move that frees a seat reads the file's
    # roster entry (its version is the entry's lock) and the cap (the seat-available notice says what is left).
    # A file reads at the stage the actor sees (a medical end is "not selected" to a role without medical access):
    # a move tried on it is refused as on any file there, never with its real stage's name.
    state = file.state()
    plan = plan_move(replace(state, stage=access.stage_seen_by(actor, state.stage)), file.mission, None, actor, req)
    path = load_workflow().pathways[plan.pathway]
    now = deps.now()
    outbox = notifications.outbox_rows(
        deps, application_id=file.application_id, version=plan.to_version, stage=plan.to_stage,
        language=file.language, to_address=file.email, mission=file.mission, police_service=file.police_service,
        reason_code=plan.reason_code, by_role=actor.role)
    if hand_over is not None and plan.seat != "take":
        raise GuardRefused("A rotation brings in a file that takes a seat.",
                           "Une rotation fait entrer un dossier qui prend une place.", guard="rotation")
    starts = date.fromisoformat(str(hand_over[1].ended_on)) if hand_over is not None else None
    entry = _deployment(deps, file, plan, now, starts) if plan.seat else None
    if entry is not None and entry[1] is not None:  # a seat frees: who is next is told
        cap = deps.store.catalogue.cap(file.cap_id)
        if cap is not None:
            outbox += roster.seat_notices(deps, cap, f"{file.application_id}:{plan.to_version}",
                                          (cap.seats_left or 0) + 1)
    uow = deps.store.unit_of_work()
    # The version is the lock; a file read at a renamed stage may still be stored under its old name.
    expected_stage = None if path.old_names(plan.from_stage) else plan.from_stage
    # A return records its day (the roster entry's end) and opens the reintegration guide's task if it was asked for.
    returned_on = None
    if plan.to_stage == guides.RETURNED:
        returned_on = entry[0].ended_on if entry is not None else deps.today().isoformat()
        form = deps.store.files.family_readiness(file.application_id)
        reintegration.open_tasks(deps, uow, file, form.form if form else None, (guides.REINTEGRATION_GUIDE,), now)
    uow.update_file(FileUpdate(file.application_id, expected_version=plan.from_version, expected_stage=expected_stage,
                               updated_at=now, stage=plan.to_stage, returned_on=returned_on,
                               stage_reason=plan.reason_code, from_stage=plan.from_stage))
    counts.moved(uow, file, plan.to_stage, now)
    uow.append_audit(AuditEntry(f"application#{file.application_id}", plan.to_version, at=now, kind="stage_change",
                                actor_id=actor.actor_id, actor_role=actor.role, from_stage=plan.from_stage,
                                to_stage=plan.to_stage, reason_code=plan.reason_code, note=plan.note,
                                initiated_by=plan.initiated_by))
    for row in outbox:
        uow.add_outbox(row)
    _effects(uow, plan, now, entry, hand_over)
    try:
        uow.commit()
    except ConditionFailed as exc:
        _explain(deps, plan, exc.failed)
        raise stale(deps.store.files.get(application_id), actor) from exc
    return {"application_id": file.application_id, "stage": plan.to_stage, "version": plan.to_version,
            "previous_stage": plan.from_stage, "next_stages": path.next_stages(plan.to_stage)}


def _record(deps: Deps, file: ApplicationFile, actor: Actor, kind: str, update: FileUpdate,
            details: dict[str, Any]) -> int:
    """A fact on the file (medical outcome, module result): version + 1 and its audit row, atomically."""
    uow = deps.store.unit_of_work()
    uow.update_file(update)
    uow.append_audit(AuditEntry(f"application#{file.application_id}", update.version, at=update.updated_at, kind=kind,
                                actor_id=actor.actor_id, actor_role=actor.role, details=details))
    try:
        uow.commit()
    except ConditionFailed as exc:
        raise stale(deps.store.files.get(file.application_id)) from exc
    return update.version


def record_medical_outcome(deps: Deps, application_id: str, actor: Actor, body: Mapping[str, Any]) -> dict[str, Any]:
    """Health staff record fit / unfit / needs_consultation, and nothing more (any other field is refused)."""
    file = load_file(deps, application_id, actor)
    doc = bodies.require_valid("MedicalOutcomeRequest", body)
    wf = load_workflow()
    if wf.pathway_of(file.mission).current(file.stage) != wf.medical_stage:
        raise stale(file)
    outcome = str(doc["outcome"])
    version = _record(deps, file, actor, "medical_outcome",
                      FileUpdate(file.application_id, file.version, deps.now(), medical_outcome=outcome),
                      {"outcome": outcome})
    return {"application_id": application_id, "medical_outcome": outcome, "version": version}


def record_module(deps: Deps, application_id: str, actor: Actor, body: Mapping[str, Any]) -> dict[str, Any]:
    """A UN online module's mark (0-100); the best mark counts."""
    file = load_file(deps, application_id, actor)
    doc = bodies.require_valid("ModuleResultRequest", body)
    module, score = str(doc["module"]), int(doc["score"])
    modules = dict(file.modules)
    modules[module] = max(score, modules.get(module, 0))
    version = _record(deps, file, actor, "module_result",
                      FileUpdate(file.application_id, file.version, deps.now(), modules=modules),
                      {"module": module, "score": score})
    return {"application_id": application_id, "modules": modules, "version": version,
            "pass_mark": load_workflow().pass_mark}


def record_forms_returned(deps: Deps, application_id: str, actor: Actor, body: Mapping[str, Any]) -> dict[str, Any]:
    """IRSS (the route's role) records Preliminary Instructions forms as returned (``{"forms": [code, ...]}``, codes of the
    workflow's ``preliminary_forms``), at the stage that records them; the guard leaving it reads them."""
    file = load_file(deps, application_id, actor)
    wf = load_workflow()
    forms = tuple(dict.fromkeys(bodies.require_valid("FormsReturnedRequest", body)["forms"]))
    if wf.pathway_of(file.mission).current(file.stage) != wf.forms_stage:
        raise stale(file)
    returned = tuple(dict.fromkeys([*file.forms_returned, *forms]))
    version = _record(deps, file, actor, "forms_returned",
                      FileUpdate(file.application_id, file.version, deps.now(), forms_returned=returned),
                      {"forms": list(forms)})
    missing = [k for k in wf.preliminary_forms if k not in returned]
    return {"application_id": application_id, "forms_returned": list(returned), "missing": missing, "version": version}


def record_post_mission_follow_up(deps: Deps, application_id: str, actor: Actor, body: Any) -> dict[str, Any]:
    """Health staff record International Health Services' post-mission follow-up as done, and nothing more (any
    field but ``done`` is refused): only on a returned file, once. It completes the file when every guide the
    officer asked for is sent (the applicant is emailed)."""
    file = load_file(deps, application_id, actor)
    bodies.require_valid("PostMissionFollowUpRequest", body)
    if file.stage != guides.RETURNED:
        raise Conflict("The post-mission follow-up is recorded once the officer has returned.",
                       "Le suivi après la mission s'inscrit une fois le membre revenu.", current_stage=file.stage)
    if file.follow_up_done_at is not None:
        raise Conflict("The post-mission follow-up is already recorded.", "Le suivi après la mission est déjà inscrit.",
                       follow_up_done_at=file.follow_up_done_at)
    now = deps.now()
    complete = reintegration.completes(file, True, deps.store.tasks.for_application(application_id))
    update = FileUpdate(file.application_id, file.version, now, follow_up_done_at=now,
                        completed_at=now if complete else None)
    rows = [reintegration.completion_message(deps, file, update.version)] if complete else []
    uow = deps.store.unit_of_work()
    uow.update_file(update)
    uow.append_audit(AuditEntry(f"application#{file.application_id}", update.version, at=now,
                                kind="post_mission_follow_up", actor_id=actor.actor_id, actor_role=actor.role,
                                details={"complete": complete}))
    for row in rows:
        uow.add_outbox(row)
    try:
        uow.commit()
    except ConditionFailed as exc:
        raise stale(deps.store.files.get(application_id)) from exc
    return {"application_id": application_id, "post_mission_follow_up": "done", "follow_up_done_at": now,
            "complete": complete, "version": update.version}
