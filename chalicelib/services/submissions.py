"""Submit an application: validate, pre-screen, write whole, confirm by email."""
from __future__ import annotations

import json
from dataclasses import asdict
from datetime import timedelta
from typing import Any

from ..adapters.models import ApplicationModel, AuditModel, IdempotencyModel
from ..adapters.repository import ConditionFailed, NewFile
from ..domain import eligibility, forms, links, tokens
from ..domain.emails import reference
from ..domain.errors import Conflict, FieldError, IdempotencyMismatch, MalformedRequest, ValidationFailed
from ..domain.i18n import pick
from ..domain.missions import Mission
from ..domain.workflow import load_workflow
from . import notifications
from .deps import Deps

IDEMPOTENCY_TTL = timedelta(hours=24)
MAX_KEY_LENGTH = 255


def _canonical(document: Any) -> str:
    return json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _check_missions(document: dict[str, Any], missions: dict[str, Mission]) -> list[FieldError]:
    errors = []
    for i, mid in enumerate(document["missions"]):
        m = missions.get(mid)
        if m is None:
            errors.append(forms.message("unknown-mission", "application", "missions", pointer=f"/missions/{i}", value=mid))
        elif not m.accepting_applications:
            errors.append(forms.message("mission-closed", "application", "missions", pointer=f"/missions/{i}", value=mid))
    return errors


def _response(app_id: str, token: str, base: str, lang: str, findings: list[dict[str, Any]], stage: str) -> dict[str, Any]:
    return {
        "application_id": app_id,
        "reference": reference(app_id),
        "stage": stage,
        "access_token": token,
        "status_url": links.status_url(base, lang, app_id),
        "eligibility": findings,
    }


def _idempotency_scope(key: str) -> str:
    return tokens.request_hash(("submit\x1f" + key).encode("utf-8"))


def _replay(deps: Deps, record: IdempotencyModel, key: str, req_hash: str) -> tuple[int, dict[str, Any]]:
    if record.request_hash != req_hash:
        raise IdempotencyMismatch("This Idempotency-Key was used with a different request body.",
                                  "Cette clé d'idempotence a été utilisée avec un autre corps de requête.")
    body = dict(record.response)
    body["access_token"] = tokens.derived_token(deps.settings.token_secret, "submit", key, req_hash, body["application_id"])
    return int(record.status_code), body


def submit(deps: Deps, document: Any, idempotency_key: str | None) -> tuple[int, dict[str, Any]]:
    """Returns (status, body). Same key and body: same answer, no second record or email."""
    req_hash = tokens.request_hash(_canonical(document).encode("utf-8"))
    scope = None
    if idempotency_key is not None:
        if not (0 < len(idempotency_key) <= MAX_KEY_LENGTH) or not idempotency_key.isprintable():
            raise MalformedRequest("Idempotency-Key must be 1 to 255 printable characters.",
                                   "Idempotency-Key doit compter de 1 à 255 caractères imprimables.")
        scope = _idempotency_scope(idempotency_key)
        existing = deps.repo.idempotency(scope)
        if existing is not None:
            return _replay(deps, existing, idempotency_key, req_hash)

    forms.require_valid("application", document)
    missions = deps.repo.mission_models(document["missions"])
    mission_errors = _check_missions(document, missions)
    if mission_errors:
        raise ValidationFailed(mission_errors)

    applied = [missions[mid] for mid in document["missions"]]
    primary = applied[0]
    findings = [f.as_dict() for f in eligibility.evaluate(document, applied)]
    app_id = tokens.new_application_id()
    token = (tokens.derived_token(deps.settings.token_secret, "submit", idempotency_key, req_hash, app_id)
             if idempotency_key is not None else tokens.new_token())
    now_dt = deps.clock()
    now = deps.now()
    lang = document["preferred_language"]
    stage = load_workflow().initial
    app = ApplicationModel(
        app_id, version=1, stage=stage, mission_id=primary.mission_id, cap_id=primary.cap_id,
        police_service=document.get("police_service"), track=document["track"], language=lang,
        email=document["email"], email_key=tokens.email_key(document["email"]), submitted_at=now, updated_at=now,
        mission=asdict(primary), form=document, findings=findings,
        eligibility_flag=eligibility.summary_flag(eligibility.evaluate(document, [primary]), primary.mission_id),
        token_hashes=[tokens.token_hash(token)], family_readiness_on_file=False, modules={},
    )
    audit = AuditModel(f"application#{app_id}", 1, at=now, kind="submitted", actor_id="applicant",
                       actor_role="applicant", to_stage=stage)
    outbox = notifications.outbox_rows(
        deps, application_id=app_id, version=1, stage=stage, template=stage, language=lang,
        to_address=document["email"], mission=primary, police_service=document.get("police_service"),
        notify_coordinator=load_workflow().notifies_coordinator(stage))
    body = _response(app_id, token, deps.settings.base_url, lang, findings, stage)
    record = None
    if scope is not None:
        stored = {k: v for k, v in body.items() if k != "access_token"}
        record = IdempotencyModel(scope, request_hash=req_hash, status_code=201, response=stored,
                                  expires_at=int((now_dt + IDEMPOTENCY_TTL).timestamp()))
    try:
        deps.repo.create_file(NewFile(app, audit, outbox, record))
    except ConditionFailed as exc:
        # A concurrent retry with the same key won the race: answer as it did.
        if scope is not None and "idempotency" in exc.failed:
            winner = deps.repo.idempotency(scope)
            if winner is not None:
                return _replay(deps, winner, idempotency_key or "", req_hash)
        raise Conflict("The application could not be recorded; try again.",
                       "La demande n'a pas pu être enregistrée; réessayez.") from exc
    notifications.send_now(deps, outbox, token, pick(primary.name, lang))
    return 201, body
