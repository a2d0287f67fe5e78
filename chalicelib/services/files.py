"""Coordinators' view of files: lists, the full file, bulk moves, CSV export."""
from __future__ import annotations

import csv
import io
from typing import Any, Mapping

from ..adapters.models import ApplicationModel
from ..domain import cursors
from ..domain import access, listing
from ..domain.emails import reference
from ..domain.errors import DomainError, FieldError, NotFound, ValidationFailed, unknown_fields
from ..domain.workflow import Actor, MoveRequest, load_workflow
from . import workflow
from .deps import Deps

BULK_CONFIRM_ABOVE = 25
BULK_MAX = 200
EXPORT_MAX_ROWS = 10_000


def summary(a: ApplicationModel) -> dict[str, Any]:
    return {
        "application_id": a.application_id, "reference": reference(a.application_id), "stage": a.stage,
        "version": int(a.version), "mission_id": a.mission_id, "police_service": a.police_service,
        "track": a.track, "language": a.language, "eligibility_flag": a.eligibility_flag,
        "family_readiness_on_file": bool(a.family_readiness_on_file),
        "submitted_at": a.submitted_at, "updated_at": a.updated_at,
        "given_name": a.form.get("given_name"), "family_name": a.form.get("family_name"),
    }


def list_files(deps: Deps, actor: Actor, params: Mapping[str, str] | None) -> dict[str, Any]:
    """One page, newest first: one index query. ``next_cursor`` is signed."""
    filters, limit, cursor = listing.parse(params, actor, deps.settings.page_size)
    secret, scope = deps.settings.token_secret, filters.scope()
    start = cursors.decode(secret, cursor, scope) if cursor else None
    items, last = deps.repo.list_page(filters, limit, start)
    return {"items": [summary(a) for a in items], "next_cursor": cursors.encode(secret, last, scope) if last else None,
            "filters": {k: v for k, v in vars(filters).items() if v is not None}}


def file_view(deps: Deps, actor: Actor, application_id: str) -> dict[str, Any]:
    """Everything about a file, within the role's rights."""
    app = workflow.load_file(deps, application_id, actor)
    view = summary(app)
    view["mission"] = app.mission
    view["application_form"] = app.form
    view["eligibility"] = app.findings
    view["next_stages"] = load_workflow().next_stages(app.stage, actor.role)
    if actor.role in ("irss", "health"):
        view["medical_outcome"] = app.medical_outcome
    if actor.role in ("irss", "health", "admin"):
        view["modules"] = app.modules
    if access.can_read_family_readiness(actor) and app.family_readiness_on_file:
        fr = deps.repo.family_readiness(app.application_id)
        view["family_readiness"] = {"on_file": True, "form": fr.form if fr else None,
                                    "updated_at": fr.updated_at if fr else None}
    else:
        view["family_readiness"] = {"on_file": bool(app.family_readiness_on_file)}
    view["audit"] = [
        {"seq": int(r.seq), "at": r.at, "kind": r.kind, "actor_id": r.actor_id, "actor_role": r.actor_role,
         "from_stage": r.from_stage, "to_stage": r.to_stage, "reason_code": r.reason_code, "note": r.note,
         "initiated_by": r.initiated_by, "details": _safe_details(r.kind, r.details, actor)}
        for r in deps.repo.audit_trail(f"application#{app.application_id}")
    ]
    view["emails"] = [
        {"message_id": r.message_id, "template": r.template, "recipient": r.recipient, "language": r.language,
         "status": r.status, "attempts": int(r.attempts or 0), "last_error": r.last_error,
         "ses_message_id": r.ses_message_id, "created_at": r.created_at, "sent_at": r.sent_at}
        for r in deps.repo.outbox_for(app.application_id)
    ]
    return view


def _safe_details(kind: str, details: Any, actor: Actor) -> Any:
    if kind == "medical_outcome" and actor.role not in ("irss", "health"):
        return None
    return details


def move_one(deps: Deps, actor: Actor, application_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
    return workflow.move(deps, application_id, actor, _move_request(body))


def _move_request(body: Mapping[str, Any]) -> MoveRequest:
    errors = unknown_fields(body, ("to_stage", "expected_stage", "reason_code", "note", "application_id"))
    for name in ("to_stage", "expected_stage"):
        if not isinstance(body.get(name), str):
            errors.append(FieldError(f"/{name}", "required", f"{name} is required.", f"{name} est obligatoire."))
    for name, size in (("reason_code", 64), ("note", 2000)):
        value = body.get(name)
        if value is not None and (not isinstance(value, str) or len(value) > size):
            errors.append(FieldError(f"/{name}", "type", f"{name}: text of at most {size} characters.",
                                     f"{name} : texte d'au plus {size} caractères."))
    if errors:
        raise ValidationFailed(errors)
    return MoveRequest(to_stage=body["to_stage"], expected_stage=body["expected_stage"],
                       reason_code=body.get("reason_code"), note=body.get("note"))


def bulk_move(deps: Deps, actor: Actor, body: Mapping[str, Any]) -> dict[str, Any]:
    """Each file moves or not on its own; the answer lists each outcome."""
    moves = body.get("moves")
    if not isinstance(moves, list) or not moves or len(moves) > BULK_MAX:
        raise ValidationFailed([FieldError("/moves", "size", f"moves: a list of 1 to {BULK_MAX} moves.",
                                           f"moves : une liste de 1 à {BULK_MAX} changements.")])
    if len(moves) > BULK_CONFIRM_ABOVE and body.get("confirm") is not True:
        raise ValidationFailed([FieldError("/confirm", "confirmation-required",
                                           f"Moving more than {BULK_CONFIRM_ABOVE} files needs \"confirm\": true.",
                                           f"Changer plus de {BULK_CONFIRM_ABOVE} dossiers exige \"confirm\": true.")])
    results = []
    for i, move in enumerate(moves):
        app_id = move.get("application_id") if isinstance(move, dict) else None
        try:
            if not isinstance(app_id, str):
                raise ValidationFailed([FieldError(f"/moves/{i}/application_id", "required", "application_id is required.",
                                                   "application_id est obligatoire.")])
            outcome = workflow.move(deps, app_id, actor, _move_request(move))
            results.append({"application_id": app_id, "status": 200, "stage": outcome["stage"]})
        except DomainError as err:
            results.append({"application_id": app_id, "status": err.status, "code": err.code,
                            "detail": {"en": err.detail_en, "fr": err.detail_fr}})
    moved = sum(1 for r in results if r["status"] == 200)
    return {"moved": moved, "refused": len(results) - moved, "results": results}


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_COLUMNS = ("reference", "application_id", "submitted_at", "stage", "mission_id", "police_service", "track",
               "eligibility_flag", "language", "family_readiness_on_file", "given_name", "family_name")


def neutralize(value: Any) -> str:
    """A cell a spreadsheet would run as a formula is prefixed with a quote."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def export_csv(deps: Deps, actor: Actor, params: Mapping[str, str] | None) -> tuple[str, bool]:
    """CSV of the filtered list, page by page (one index query each), newest first.

    Returns the body and whether it stopped at EXPORT_MAX_ROWS with more files left. The body is
    built whole: a Lambda behind API Gateway answers in one piece (6 MB at most; 10,000 rows are
    about 2 MB).
    """
    query = dict(params or {})
    query.pop("cursor", None)
    query["limit"] = str(listing.MAX_LIMIT)
    filters, limit, _ = listing.parse(query, actor, deps.settings.page_size)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    start, rows = None, 0
    while True:
        items, start = deps.repo.list_page(filters, limit, start)
        room = EXPORT_MAX_ROWS - rows
        for a in items[:room]:
            s = summary(a)
            writer.writerow([neutralize(s[c]) for c in CSV_COLUMNS])
        rows += min(len(items), room)
        if len(items) > room or (start and rows >= EXPORT_MAX_ROWS):
            return buffer.getvalue(), True
        if not start:
            return buffer.getvalue(), False


def pipeline(deps: Deps, actor: Actor) -> dict[str, Any]:
    """Counts per mission and stage, and seats used against authorized per cap."""
    service = actor.police_service if actor.role == "service_coordinator" else None
    stages = list(load_workflow().stages)
    missions = deps.repo.missions()
    rows = []
    for m in sorted(missions, key=lambda m: m.mission_id):
        counts = dict.fromkeys(stages, 0)
        for stage in deps.repo.stages_for_mission(m.mission_id, service):
            counts[stage] = counts.get(stage, 0) + 1
        rows.append({"mission_id": m.mission_id, "name": m.name, "counts": counts, "total": sum(counts.values())})
    caps = [{"cap_id": c.cap_id, "name": c.name, "authorized": c.authorized, "deployed": c.deployed,
             "seats_left": c.seats_left, "missions": sorted(m.mission_id for m in missions if m.cap_id == c.cap_id)}
            for c in sorted(deps.repo.caps().values(), key=lambda c: c.cap_id)]
    return {"stages": stages, "missions": rows, "caps": caps, "scope": service or "all"}


def retry_email(deps: Deps, actor: Actor, message_id: str) -> dict[str, Any]:
    row = deps.repo.outbox_row(message_id)
    if row is None:
        raise NotFound("No such email.", "Courriel introuvable.")
    workflow.load_file(deps, row.application_id, actor)  # scope check
    if not deps.repo.requeue_message(message_id, deps.now()):
        from ..domain.errors import Conflict
        raise Conflict("Only a failed email can be queued again.", "Seul un courriel en échec peut être remis en file.")
    return {"message_id": message_id, "status": "pending"}
