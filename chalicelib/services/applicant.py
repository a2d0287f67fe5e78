"""What an applicant does with their file after submitting: look, add the
family-readiness form, withdraw, ask for fresh links."""
from __future__ import annotations

import uuid
from typing import Any

from ..domain import bodies, deployments, email_change, forms, limits, reintegration, tokens
from ..domain.access import APPLICANT as APPLICANT_ROLE
from ..domain.emails import reference
from ..domain.errors import Conflict, LinkExpired, NotFound
from ..domain.missions import contact_for
from ..domain.records import ApplicationFile, AuditEntry, FamilyReadiness, FileUpdate
from ..domain.workflow import Actor, MoveRequest, load_workflow
from . import notifications, workflow
from . import reintegration as guide_tasks
from .deps import Deps, parse_iso
from .ports import ConditionFailed

APPLICANT = Actor(role=APPLICANT_ROLE, actor_id="applicant")
DEPLOYED = "deployed"


def authorize(deps: Deps, application_id: str, token: str) -> ApplicationFile:
    """The file this token opens. Wrong token and no such file answer alike (404); a real but
    expired link answers 401 link-expired (a new one is a request away)."""
    file = deps.store.files.get(application_id)
    if file is None or not tokens.matches(token, file.token_hashes):
        raise NotFound("No such file, or this link does not open it.",
                       "Dossier introuvable, ou ce lien ne l'ouvre pas.")
    if not tokens.is_current(token, deps.clock()):
        raise LinkExpired("This link has expired (links work for 90 days); ask for a new one at /en/access.",
                          "Ce lien est expiré (les liens fonctionnent 90 jours); demandez-en un nouveau à /fr/access.")
    return file


_SUMMARY = {
    "submitted": ("Application received.", "Demande reçue."),
    "family_readiness": ("Family-readiness form received.", "Formulaire de préparation de la famille reçu."),
    "medical_outcome": ("International Health Services recorded their assessment.",
                        "Les Services de santé internationaux ont inscrit leur évaluation."),
    "module_result": ("An online training module result was recorded.", "Un résultat de module de formation en ligne a été inscrit."),
    "redirected": ("Your file went on to your next choice.", "Votre dossier est passé à votre choix suivant."),
    "guide_sent": ("A guide you asked for was sent.", "Un guide que vous avez demandé a été envoyé."),
    "post_mission_follow_up": ("Your post-mission follow-up was recorded.", "Votre suivi après la mission a été inscrit."),
}


def timeline(deps: Deps, file: ApplicationFile, trail: list[AuditEntry] | None = None) -> list[dict[str, Any]]:
    """The applicant's plain-language timeline (no coordinator notes or codes); ``trail``: the file's audit trail
    when the caller has read it already."""
    wf = load_workflow()
    out: list[dict[str, Any]] = []
    for row in trail if trail is not None else deps.store.audit.trail(f"application#{file.application_id}"):
        if row.kind in ("submitted", "stage_change") and row.to_stage:
            label = dict(wf.stage(row.to_stage).label)
            out.append({"at": row.at, "stage": row.to_stage, "label": label,
                        "summary": {"en": f"{label['en']}.", "fr": f"{label['fr']}."}})
        elif row.kind in _SUMMARY:
            en, fr = _SUMMARY[row.kind]
            out.append({"at": row.at, "stage": None, "label": None, "summary": {"en": en, "fr": fr}})
    return out


def pathway_progress(deps: Deps, file: ApplicationFile, trail: list[AuditEntry] | None = None) -> dict[str, Any]:
    """Where the file is on its own pathway: its main stages, each done, current or to come."""
    wf = load_workflow()
    path = wf.pathway_of(file.mission)
    rows = trail if trail is not None else deps.store.audit.trail(f"application#{file.application_id}")
    visited = [r.to_stage for r in rows if r.to_stage]
    return {"name": path.name, "label": dict(path.label),
            "stages": path.progress(file.state(), file.mission, wf, visited)}


def status(deps: Deps, file: ApplicationFile) -> dict[str, Any]:
    stage = load_workflow().pathway_of(file.mission).stage(file.stage)
    trail = deps.store.audit.trail(f"application#{file.application_id}")  # read once: the timeline and the path
    emails_sent = [{"template": r.template, "status": r.status, "created_at": r.created_at, "sent_at": r.sent_at,
                    "delivery_status": r.delivery_status}
                   for r in deps.store.outbox.for_application(file.application_id) if r.recipient == "applicant"]
    return {
        "application_id": file.application_id,
        "reference": reference(file.application_id),
        "stage": file.stage,
        "stage_label": dict(stage.label),
        "next_step": dict(contact_for(file.police_service, file.mission_id).next_step(stage.name, stage.next_step)),
        "closed": stage.terminal,
        "language": file.language,
        "mission": {"mission_id": file.mission.mission_id, "name": dict(file.mission.name)},
        "missions_applied": list(file.form.get("missions", [])),
        "submitted_at": file.submitted_at,
        "updated_at": file.updated_at,
        "forms_on_file": {"application": True, "family_readiness": file.family_readiness_on_file},
        "eligibility": [dict(f) for f in file.findings],
        "history": timeline(deps, file, trail),
        "emails": emails_sent,
        "can_withdraw": not stage.terminal and not ends_mission_early(file),
        "can_end_mission_early": ends_mission_early(file),
        "pathway": pathway_progress(deps, file, trail),
        **reintegration_status(deps, file),
        "email": file.email,
        "email_problem": dict(file.email_problem) if file.email_problem else None,
        "pending_email": _pending_email(deps, file),
    }


def _pending_email(deps: Deps, file: ApplicationFile) -> dict[str, str] | None:
    """The change of address the file waits on, while its link still works."""
    waiting = file.pending_email
    if not waiting or not waiting.get("requested_at"):
        return None
    ends = email_change.expires_at(parse_iso(str(waiting["requested_at"])))
    if deps.clock() >= ends:
        return None
    return {"address": str(waiting.get("address", "")), "expires_at": ends.isoformat()}


def reintegration_status(deps: Deps, file: ApplicationFile) -> dict[str, Any]:
    """The deployment's dates (once deployed), the guides asked for (on their way or sent) and, after the return,
    where the follow-up stands."""
    entry = None
    if file.stage in (DEPLOYED, reintegration.RETURNED):
        entry = deps.store.catalogue.deployment(file.cap_id, deployments.deployment_id_for(file.application_id))
    tasks = deps.store.tasks.for_application(file.application_id)
    return {
        "deployment": None if entry is None else {"started_on": entry.started_on, "planned_end": entry.planned_end,
                                                  "ended_on": entry.ended_on},
        "guides": reintegration.guides_state(tasks),
        "follow_up": reintegration.follow_up_state(file.stage, file.returned_on, file.follow_up_done_at,
                                                   file.completed_at, tasks),
    }


def save_family_readiness(deps: Deps, file: ApplicationFile, document: Any) -> dict[str, Any]:
    forms.require_valid("family-readiness", document)
    if load_workflow().is_terminal(file.stage):
        raise Conflict("This file is closed; the form can no longer change.",
                       "Ce dossier est fermé; le formulaire ne peut plus être modifié.")
    now = deps.now()
    existing = deps.store.files.family_readiness(file.application_id)
    uow = deps.store.unit_of_work()
    uow.put_family_readiness(FamilyReadiness(file.application_id, document,
                                             existing.submitted_at if existing else now, now))
    # "Before the Mission", asked for on the form, becomes a task for the readiness staff in the same write.
    guide_tasks.open_tasks(deps, uow, file, document, (reintegration.BEFORE_THE_MISSION,), now)
    update = FileUpdate(file.application_id, file.version, now, family_readiness_on_file=True)
    uow.update_file(update)
    uow.append_audit(AuditEntry(f"application#{file.application_id}", update.version, at=now, kind="family_readiness",
                                actor_id="applicant", actor_role=APPLICANT_ROLE))
    try:
        uow.commit()
    except ConditionFailed as exc:
        raise Conflict("The file changed while you were saving; try again.",
                       "Le dossier a changé pendant l'enregistrement; réessayez.") from exc
    return {"application_id": file.application_id, "on_file": True, "updated_at": now}


def family_readiness(deps: Deps, application_id: str) -> dict[str, Any]:
    row = deps.store.files.family_readiness(application_id)
    if row is None:
        raise NotFound("No family-readiness form on file.", "Aucun formulaire de préparation de la famille au dossier.")
    return {"application_id": application_id, "form": dict(row.form), "submitted_at": row.submitted_at,
            "updated_at": row.updated_at}


EARLY_END = ("returned", "ended_early")


def ends_mission_early(file: ApplicationFile) -> bool:
    """Whether the applicant's "stop" ends a mission early (a deployed officer returns, voluntarily, as the
    seeds insist) instead of withdrawing the file: the workflow table allows no withdrawal from their stage
    and allows the applicant the early return."""
    path = load_workflow().pathway_of(file.mission)
    here = path.current(file.stage)
    early = path.transition(here, EARLY_END[0])
    return (path.transition(here, "withdrawn") is None and early is not None and APPLICANT_ROLE in early.roles)


def withdraw(deps: Deps, file: ApplicationFile, body: Any) -> dict[str, Any]:
    """The applicant ends their file at any open stage, and a deployed officer their mission: a return,
    ended early at their request (the reason they picked, if any, is a withdrawal's and is not kept; their
    note is).

    Which reasons they may give, and from which stage, is the workflow table's (domain/workflow.py
    checks it): the web page offers the same list.
    """
    doc = bodies.require_valid("WithdrawalRequest", body)
    expected = doc.get("expected_stage") or file.stage
    if ends_mission_early(file):
        req = MoveRequest(to_stage=EARLY_END[0], expected_stage=expected, reason_code=EARLY_END[1], note=doc.get("note"))
    else:
        req = MoveRequest(to_stage="withdrawn", expected_stage=expected,
                          reason_code=doc.get("reason_code") or "applicant_request", note=doc.get("note"))
    return workflow.move(deps, file.application_id, APPLICANT, req, file=file)


def request_links(deps: Deps, email: str) -> int:
    """Record a new-link request: its delivery emails a fresh link for each file of the address, at most one
    per file per window (notifications.expand_access_request). Returns 1, or 0 past the address's hourly limit.

    The request does the same work whatever the address: one transactional write (the hour's counter and the
    request's outbox row), no lookup; so neither its answer nor its time tells whether the address has files.
    Past the limit the write is refused and nothing is sent; the answer is the same.
    """
    key = tokens.email_key(email)
    row = notifications.new_message(deps, f"{notifications.ACCESS_REQUEST}:{uuid.uuid4().hex}", f"access#{key}",
                                    notifications.ACCESS_REQUEST, "applicant", email.strip(), "en", {})
    counter = limits.link_requests_this_hour(email, deps.clock(), deps.settings.max_link_requests_per_hour)
    return 1 if notifications.send_counted(deps, counter, row) else 0


def request_links_for(deps: Deps, body: Any) -> int:
    """Validate the address (422 if it is not one), then send links if it has files."""
    doc = bodies.require_valid("AccessLinksRequest", body)
    return request_links(deps, str(doc["email"]))
