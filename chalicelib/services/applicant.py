"""What an applicant does with their file after submitting: look, add the
family-readiness form, withdraw, ask for fresh links."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from ..adapters.models import ApplicationModel, AuditModel, OutboxModel
from ..adapters.repository import ConditionFailed, file_mission, file_state
from ..domain import forms, tokens
from ..domain.emails import reference
from ..domain.errors import Conflict, FieldError, NotFound, ValidationFailed, unknown_fields
from ..domain.i18n import pick
from ..domain.workflow import Actor, MoveRequest, load_workflow
from . import notifications, workflow
from .deps import Deps, iso

APPLICANT = Actor(role="applicant", actor_id="applicant")
LINK_WINDOW_MINUTES = 10


def authorize(deps: Deps, application_id: str, token: str) -> ApplicationModel:
    """The file this token opens. Wrong token and no such file answer alike (404)."""
    app = deps.repo.application(application_id)
    if app is None or not tokens.matches(token, [str(h) for h in app.token_hashes or []]):
        raise NotFound("No such file, or this link does not open it.",
                       "Dossier introuvable, ou ce lien ne l'ouvre pas.")
    return app


_SUMMARY = {
    "submitted": ("Application received.", "Demande reçue."),
    "family_readiness": ("Family-readiness form received.", "Formulaire de préparation de la famille reçu."),
    "medical_outcome": ("International Health Services recorded their assessment.",
                        "Les Services de santé internationaux ont inscrit leur évaluation."),
    "module_result": ("An online training module result was recorded.", "Un résultat de module de formation en ligne a été inscrit."),
}


def timeline(deps: Deps, app: ApplicationModel) -> list[dict[str, Any]]:
    """The applicant's plain-language timeline (no coordinator notes or codes)."""
    wf = load_workflow()
    out = []
    for row in deps.repo.audit_trail(f"application#{app.application_id}"):
        if row.kind in ("submitted", "stage_change") and row.to_stage:
            label = wf.stage(row.to_stage)["label"]
            out.append({"at": row.at, "stage": row.to_stage, "label": label,
                        "summary": {"en": f"{label['en']}.", "fr": f"{label['fr']}."}})
        elif row.kind in _SUMMARY:
            en, fr = _SUMMARY[row.kind]
            out.append({"at": row.at, "stage": None, "label": None, "summary": {"en": en, "fr": fr}})
    return out


def status(deps: Deps, app: ApplicationModel) -> dict[str, Any]:
    wf = load_workflow()
    stage = wf.stage(app.stage)
    mission = file_mission(app)
    emails_sent = [{"template": r.template, "status": r.status, "created_at": r.created_at, "sent_at": r.sent_at}
                   for r in deps.repo.outbox_for(app.application_id) if r.recipient == "applicant"]
    return {
        "application_id": app.application_id,
        "reference": reference(app.application_id),
        "stage": app.stage,
        "stage_label": stage["label"],
        "next_step": stage["next_step"],
        "closed": bool(stage.get("terminal")),
        "language": app.language,
        "mission": {"mission_id": mission.mission_id, "name": mission.name},
        "missions_applied": list(app.form.get("missions", [])),
        "submitted_at": app.submitted_at,
        "updated_at": app.updated_at,
        "forms_on_file": {"application": True, "family_readiness": bool(app.family_readiness_on_file)},
        "eligibility": app.findings,
        "history": timeline(deps, app),
        "emails": emails_sent,
        "can_withdraw": not stage.get("terminal"),
    }


def save_family_readiness(deps: Deps, app: ApplicationModel, document: Any) -> dict[str, Any]:
    forms.require_valid("family-readiness", document)
    if load_workflow().is_terminal(app.stage):
        raise Conflict("This file is closed; the form can no longer change.",
                       "Ce dossier est fermé; le formulaire ne peut plus être modifié.")
    state, now = file_state(app), deps.now()
    audit = AuditModel(f"application#{app.application_id}", state.version + 1, at=now, kind="family_readiness",
                       actor_id="applicant", actor_role="applicant")
    try:
        deps.repo.save_family_readiness(state, document, now, audit)
    except ConditionFailed as exc:
        raise Conflict("The file changed while you were saving; try again.",
                       "Le dossier a changé pendant l'enregistrement; réessayez.") from exc
    return {"application_id": app.application_id, "on_file": True, "updated_at": now}


def family_readiness(deps: Deps, application_id: str) -> dict[str, Any]:
    row = deps.repo.family_readiness(application_id)
    if row is None:
        raise NotFound("No family-readiness form on file.", "Aucun formulaire de préparation de la famille au dossier.")
    return {"application_id": application_id, "form": row.form, "submitted_at": row.submitted_at,
            "updated_at": row.updated_at}


WITHDRAWAL_FIELDS = {"reason_code", "note", "expected_stage"}


def withdraw(deps: Deps, app: ApplicationModel, body: dict[str, Any]) -> dict[str, Any]:
    """The applicant ends their file (and a deployed officer their mission) at any open stage."""
    errors = unknown_fields(body, WITHDRAWAL_FIELDS)
    errors += [FieldError(f"/{k}", "type", f"{k}: text of at most 2000 characters.", f"{k} : texte d'au plus 2000 caractères.")
               for k in sorted(WITHDRAWAL_FIELDS & set(body))
               if body[k] is not None and (not isinstance(body[k], str) or len(body[k]) > 2000)]
    if errors:
        raise ValidationFailed(errors)
    req = MoveRequest(to_stage="withdrawn", expected_stage=body.get("expected_stage") or app.stage,
                      reason_code=body.get("reason_code") or "applicant_request", note=body.get("note"))
    return workflow.move(deps, app.application_id, APPLICANT, req, app=app)


def request_links(deps: Deps, email: str) -> int:
    """Email a fresh link for each file of this address. At most one per file per window."""
    now_dt = deps.clock()
    window = now_dt.replace(second=0, microsecond=0)
    window -= timedelta(minutes=window.minute % LINK_WINDOW_MINUTES)
    rows = []
    for app_id in deps.repo.application_ids_for_email(tokens.email_key(email)):
        app = deps.repo.application(app_id)
        if app is None:
            continue
        row = OutboxModel(f"{app_id}:link:{iso(window)}", application_id=app_id, template="access_link",
                          recipient="applicant", to_address=app.email, language=app.language,
                          params={"mission_id": app.mission_id, "stage": app.stage}, status="pending",
                          attempts=0, queue="pending", due_at=iso(now_dt + notifications.IMMEDIATE_GRACE),
                          created_at=iso(now_dt))
        if deps.repo.put_outbox_once(row):
            rows.append((row, pick(file_mission(app).name, app.language)))
    for row, name in rows:
        notifications.send_now(deps, [row], mission_name=name)
    return len(rows)


def request_links_for(deps: Deps, body: dict[str, Any]) -> int:
    """Validate the address (422 if it is not one), then send links if it has files."""
    email = body.get("email")
    errors = unknown_fields(body, ("email",))
    if not isinstance(email, str) or not forms._EMAIL.match(email):
        errors.append(FieldError("/email", "format-email", "Enter an email address like name@example.ca.",
                                 "Entrez une adresse courriel comme nom@exemple.ca."))
    if errors:
        raise ValidationFailed(errors)
    return request_links(deps, str(email))
