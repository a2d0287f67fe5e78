"""Stage moves and the facts that guards read (medical outcome, UN modules)."""
from __future__ import annotations

from typing import Any, Mapping, cast

from ..adapters.models import ApplicationModel, AuditModel
from ..adapters.repository import ConditionFailed, file_mission, file_state
from ..domain import access
from ..domain.errors import FieldError, NotFound, StaleState, ValidationFailed, unknown_fields
from ..domain.i18n import pick
from ..domain.workflow import Actor, MoveRequest, load_workflow, plan_move, seat_full, _refuse
from . import notifications
from .deps import Deps

def load_file(deps: Deps, application_id: str, actor: Actor) -> ApplicationModel:
    """The file, or 404 when it does not exist or lies outside the actor's scope."""
    app = deps.repo.application(application_id)
    if app is None or (actor.role != "applicant" and not access.can_see_file(actor, app.police_service)):
        raise NotFound("No such file.", "Dossier introuvable.")
    return app


def _stale(app: ApplicationModel | None) -> StaleState:
    return StaleState("The file changed while you were working; reload it.",
                      "Le dossier a changé pendant votre travail; rechargez-le.",
                      current_stage=app.stage if app else None, current_version=int(app.version) if app else None)


def move(deps: Deps, application_id: str, actor: Actor, req: MoveRequest,
         app: ApplicationModel | None = None) -> dict[str, Any]:
    """One read, one transaction, then the emails. Returns the new state."""
    app = app or load_file(deps, application_id, actor)
    state, mission = file_state(app), file_mission(app)
    # The cap is not read: the transaction's condition is the seat check, and
    # only a refused transaction reads the cap to explain itself.
    plan = plan_move(state, mission, None, actor, req)
    wf = load_workflow()
    now = deps.now()
    audit = AuditModel(f"application#{app.application_id}", plan.to_version, at=now, kind="stage_change",
                       actor_id=actor.actor_id, actor_role=actor.role, from_stage=plan.from_stage,
                       to_stage=plan.to_stage, reason_code=plan.reason_code, note=plan.note,
                       initiated_by=plan.initiated_by)
    outbox = notifications.outbox_rows(
        deps, application_id=app.application_id, version=plan.to_version, stage=plan.to_stage,
        template=wf.stage(plan.to_stage)["email_template"], language=app.language, to_address=app.email, mission=mission,
        police_service=app.police_service, notify_coordinator=plan.notify_coordinator)
    try:
        deps.repo.apply_move(plan, now, audit, outbox)
    except ConditionFailed as exc:
        if "file" in exc.failed:
            raise _stale(deps.repo.application(application_id)) from exc
        if "cap" in exc.failed and plan.seat == "take":
            cap = deps.repo.cap(plan.cap_id)
            if cap is None or cap.authorized is None:
                _refuse("This mission has no authorized figure; an administrator must set one before deployment.",
                        "Cette mission n'a pas de nombre autorisé; un administrateur doit en fixer un avant le déploiement.",
                        "seat_available")
            seat_full()
        raise _stale(deps.repo.application(application_id)) from exc
    notifications.send_now(deps, outbox, mission_name=pick(mission.name, app.language))
    return {"application_id": app.application_id, "stage": plan.to_stage, "version": plan.to_version,
            "previous_stage": plan.from_stage, "next_stages": wf.next_stages(plan.to_stage)}


def _record(deps: Deps, app: ApplicationModel, actor: Actor, kind: str, actions: list[Any],
            details: dict[str, Any]) -> int:
    state = file_state(app)
    now = deps.now()
    audit = AuditModel(f"application#{app.application_id}", state.version + 1, at=now, kind=kind,
                       actor_id=actor.actor_id, actor_role=actor.role, details=details)
    try:
        deps.repo.record_fact(state, actions, now, audit)
    except ConditionFailed as exc:
        raise _stale(deps.repo.application(app.application_id)) from exc
    return state.version + 1


def record_medical_outcome(deps: Deps, application_id: str, actor: Actor, body: Mapping[str, Any]) -> dict[str, Any]:
    """Health staff record fit / unfit / needs_consultation, and nothing more (any other field is refused)."""
    app = load_file(deps, application_id, actor)
    wf = load_workflow()
    outcome = body.get("outcome")
    errors = unknown_fields(body, ("outcome",))
    if not isinstance(outcome, str) or outcome not in wf.medical_outcomes:
        errors.append(FieldError("/outcome", "enum", f"outcome must be one of {', '.join(wf.medical_outcomes)}.",
                                 f"outcome doit être l'un de {', '.join(wf.medical_outcomes)}."))
    if errors:
        raise ValidationFailed(errors)
    if not wf.stage(app.stage).get("records_medical_outcome"):
        raise _stale(app)
    version = _record(deps, app, actor, "medical_outcome", [ApplicationModel.medical_outcome.set(cast(str, outcome))],
                      {"outcome": outcome})
    return {"application_id": application_id, "medical_outcome": outcome, "version": version}


def record_module(deps: Deps, application_id: str, actor: Actor, body: Mapping[str, Any]) -> dict[str, Any]:
    """A UN online module's mark (0-100); the best mark counts."""
    app = load_file(deps, application_id, actor)
    wf = load_workflow()
    module, score = body.get("module"), body.get("score")
    errors = unknown_fields(body, ("module", "score"))
    if not isinstance(module, str) or module not in wf.un_modules:  # a list or object is not a key
        errors.append(FieldError("/module", "enum", f"module must be one of {', '.join(wf.un_modules)}.",
                                 f"module doit être l'un de {', '.join(wf.un_modules)}."))
    if not isinstance(score, int) or isinstance(score, bool) or not 0 <= score <= 100:
        errors.append(FieldError("/score", "range", "score must be a whole number from 0 to 100.",
                                 "score doit être un nombre entier de 0 à 100."))
    if errors:
        raise ValidationFailed(errors)
    modules = {k: int(v) for k, v in (app.modules or {}).items()}
    key, mark = cast(str, module), cast(int, score)  # both checked above
    modules[key] = max(mark, modules.get(key, 0))
    version = _record(deps, app, actor, "module_result", [ApplicationModel.modules.set(modules)],
                      {"module": module, "score": score})
    return {"application_id": application_id, "modules": modules, "version": version,
            "pass_mark": wf.pass_mark}
