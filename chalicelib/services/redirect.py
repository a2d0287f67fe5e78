"""IRSS sends a file on to the applicant's next choice instead of closing it (issue 11).

The file keeps its history, its forms and its pre-screen; it takes the next choice's open
call, and its stage on that opportunity's pathway: IRSS's review when the pathway has one
(IRSS redirected it, IRSS looks at it again), else the pathway's first stage. Only an open
file that holds no seat or place moves on; the applicant is told by email.
"""
from __future__ import annotations

from typing import Any

from ..domain import bodies
from ..domain.errors import Conflict, GuardRefused
from ..domain.missions import Mission
from ..domain.records import ApplicationFile, AuditEntry, FileUpdate, Redirect
from ..domain.workflow import Actor, load_workflow
from . import bulletins, counts, notifications, workflow
from .deps import Deps
from .ports import ConditionFailed

REVIEW_STAGE = "irss_review"


def next_choice(deps: Deps, file: ApplicationFile) -> Mission:
    """The applicant's choice after the file's current one, or a 409 saying there is none."""
    choices = list(file.form.get("missions", []))
    later = choices[choices.index(file.mission_id) + 1:] if file.mission_id in choices else []
    found = deps.store.catalogue.missions_by_id(later)
    for mission_id in later:
        if mission_id in found:
            return found[mission_id]
    raise GuardRefused("The applicant named no further choice to send this file to.",
                       "Le candidat n'a indiqué aucun autre choix auquel envoyer ce dossier.", guard="next_choice")


def _target_stage(mission: Mission) -> str:
    pathway = load_workflow().pathway_of(mission)
    return REVIEW_STAGE if REVIEW_STAGE in pathway.stages else pathway.initial


def _check_movable(file: ApplicationFile, expected_stage: str) -> None:
    wf = load_workflow()
    if expected_stage != file.stage:
        raise workflow.stale(file)
    if wf.is_terminal(file.stage):
        raise Conflict("This file is closed.", "Ce dossier est fermé.")
    if wf.occupies_seat(file.stage) or wf.stage(file.stage).occupies_place:
        raise GuardRefused("A file that holds a seat or a place cannot be sent on; end that first.",
                           "Un dossier qui occupe une place ne peut pas être réacheminé; libérez-la d'abord.",
                           guard="redirect_from_open_stage")


def redirect(deps: Deps, actor: Actor, application_id: str, body: Any) -> dict[str, Any]:
    file = workflow.load_file(deps, application_id, actor)
    doc = bodies.require_valid("RedirectRequest", body)
    _check_movable(file, doc["expected_stage"])
    target = next_choice(deps, file)
    call, errors = bulletins.open_call(deps, target, str(file.form.get("track", "")))
    if call is None:
        raise GuardRefused(errors[0].message_en, errors[0].message_fr, guard="next_choice_open_call")
    # The pre-screen already covered every choice: the next one's findings give the file's flag.
    results = {f.get("result") for f in file.findings if f.get("mission_id") == target.mission_id}
    flag = next((r for r in ("not_met", "unknown") if r in results), "all_met")
    stage, now = _target_stage(target), deps.now()
    update = FileUpdate(file.application_id, file.version, now, expected_stage=file.stage, stage=stage,
                        redirect=Redirect(target, call.bulletin_id, flag))
    outbox = [notifications.new_message(deps, notifications.message_id(file.application_id, update.version, "applicant"),
                                        file.application_id, "redirected", "applicant", file.email, file.language,
                                        {"mission_id": target.mission_id, "stage": stage,
                                         "police_service": file.police_service})]
    uow = deps.store.unit_of_work()
    uow.update_file(update)
    counts.moved(uow, file, stage, now, to_mission=target.mission_id)
    uow.append_audit(AuditEntry(f"application#{file.application_id}", update.version, at=now, kind="redirected",
                                actor_id=actor.actor_id, actor_role=actor.role, from_stage=file.stage, to_stage=stage,
                                note=doc.get("note"),
                                details={"from_mission": file.mission_id, "to_mission": target.mission_id,
                                         "bulletin_id": call.bulletin_id}))
    for row in outbox:
        uow.add_outbox(row)
    try:
        uow.commit()
    except ConditionFailed as exc:
        raise workflow.stale(deps.store.files.get(application_id)) from exc
    return {"application_id": file.application_id, "mission_id": target.mission_id, "bulletin_id": call.bulletin_id,
            "stage": stage, "version": update.version, "previous_mission_id": file.mission_id}
