"""Submit an application: validate, pre-screen, write whole, confirm by email."""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, TypeGuard

from ..domain import eligibility, forms, limits, links, tokens
from ..domain.emails import reference
from ..domain.errors import (Conflict, FieldError, IdempotencyMismatch, MalformedRequest, TooManyRequests,
                             ValidationFailed)
from ..domain.drafts import Draft
from ..domain.missions import Mission
from ..domain.records import ApplicationFile, AuditEntry, IdempotencyRecord
from ..domain.workflow import load_workflow
from . import bulletins, counts, notifications
from .deps import Deps, iso, parse_iso
from .ports import ConditionFailed

IDEMPOTENCY_TTL = timedelta(hours=24)


class AlreadySubmitted(Exception):
    """The draft became a file already (``application_id``; "" when another request is making it now)."""

    def __init__(self, application_id: str) -> None:
        super().__init__(application_id)
        self.application_id = application_id
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


def _idempotency_scope(key: str, kind: str = "submit") -> str:
    """The record's key: a caller's Idempotency-Key ("submit") and a web draft's id ("draft") never share one."""
    return tokens.request_hash((kind + "\x1f" + key).encode("utf-8"))


def _token(deps: Deps, issued: datetime, key: str | None, req_hash: str, app_id: str) -> str:
    """The answer's token: derived from the key and the request (so a replay gets it again), else random."""
    if key is None:
        return tokens.new_token(issued)
    return tokens.derived_token(deps.settings.token_secret, issued, "submit", key, req_hash, app_id)


def _replay(deps: Deps, record: IdempotencyRecord, key: str, req_hash: str) -> tuple[int, dict[str, Any]]:
    if record.request_hash != req_hash:
        raise IdempotencyMismatch("This Idempotency-Key was used with a different request body.",
                                  "Cette clé d'idempotence a été utilisée avec un autre corps de requête.")
    body = dict(record.response)
    issued = parse_iso(record.issued_at) if record.issued_at else deps.clock()
    body["access_token"] = _token(deps, issued, key, req_hash, body["application_id"])
    return record.status_code, body


def _live(record: IdempotencyRecord | None, deps: Deps) -> TypeGuard[IdempotencyRecord]:
    return record is not None and record.expires_at > int(deps.clock().timestamp())


def _check_key(idempotency_key: str) -> None:
    if not (0 < len(idempotency_key) <= MAX_KEY_LENGTH) or not idempotency_key.isprintable():
        raise MalformedRequest("Idempotency-Key must be 1 to 255 printable characters.",
                               "Idempotency-Key doit compter de 1 à 255 caractères imprimables.")


def _new_file(deps: Deps, document: dict[str, Any], applied: list[Mission], app_id: str, token: str,
              findings: list[dict[str, Any]], flag: str) -> ApplicationFile:
    primary, now = applied[0], deps.now()
    return ApplicationFile(
        application_id=app_id, version=1, stage=load_workflow().initial, mission_id=primary.mission_id,
        cap_id=primary.cap_id, police_service=document.get("police_service"), track=document["track"],
        language=document["preferred_language"], email=document["email"], email_key=tokens.email_key(document["email"]),
        submitted_at=now, updated_at=now, mission=primary, form=document, findings=tuple(findings),
        eligibility_flag=flag,
        token_hashes=(tokens.token_hash(token),))


def _refused(deps: Deps, exc: ConditionFailed, scope: str | None, idempotency_key: str | None,
             req_hash: str) -> tuple[int, dict[str, Any]]:
    """A submission's write was refused: a concurrent retry with the same key won the race (answer as it
    did), the address reached its files for the day (429), or something else changed (409)."""
    if scope is not None and "idempotency" in exc.failed:
        winner = deps.store.idempotency.get(scope)
        if _live(winner, deps):
            return _replay(deps, winner, idempotency_key or "", req_hash)
    if "limit" in exc.failed:
        n = deps.settings.max_files_per_day
        raise TooManyRequests(
            f"This address has sent {n} applications today, the most in a day; try again tomorrow, or write to "
            "the contact named in the call for applications.",
            f"Cette adresse a envoyé {n} demandes aujourd'hui, le maximum en une journée; réessayez demain, ou "
            "écrivez à la personne-ressource nommée dans l'appel de candidatures.") from exc
    if "draft" in exc.failed:
        raise AlreadySubmitted("") from exc
    raise Conflict("The application could not be recorded; try again.",
                   "La demande n'a pas pu être enregistrée; réessayez.") from exc


def _checked(deps: Deps, document: Any) -> tuple[list[Mission], dict[str, Any], list[eligibility.Finding]]:
    """The document's missions and calls once it is valid, and its pre-screen; ValidationFailed otherwise."""
    forms.require_valid("application", document)
    missions = deps.store.catalogue.missions_by_id(document["missions"])
    mission_errors = _check_missions(document, missions)
    if mission_errors:
        raise ValidationFailed(mission_errors)
    # Every choice answers an open call; after its deadline the application is refused, naming it.
    calls, call_errors = bulletins.calls_for(deps, document)
    if call_errors:
        raise ValidationFailed(call_errors)
    applied = [missions[mid] for mid in document["missions"]]
    # The pre-screen: the general criteria and each call's own, for every choice.
    return applied, calls, eligibility.evaluate(document, applied, calls)


def preview(deps: Deps, document: Any) -> tuple[list[FieldError], list[dict[str, Any]]]:
    """What submitting would find, writing nothing: the errors that would refuse it, or the pre-screen's
    findings (flags for IRSS, never a refusal) when there are none."""
    try:
        _, _, found = _checked(deps, document)
    except ValidationFailed as err:
        return list(err.errors), []
    return [], [f.as_dict() for f in found]


def submit(deps: Deps, document: Any, idempotency_key: str | None,
           draft: Draft | None = None) -> tuple[int, dict[str, Any]]:
    """Returns (status, body). Same key and body: same answer, no second record or email.

    From a ``draft`` (the web's task list), the draft is marked with its file in the same write, over the
    version read: however often it is sent (Back, reload, a double click), it makes one file."""
    req_hash = tokens.request_hash(_canonical(document).encode("utf-8"))
    scope = None
    if idempotency_key is not None:
        _check_key(idempotency_key)
        scope = _idempotency_scope(idempotency_key, "draft" if draft is not None else "submit")
        existing = deps.store.idempotency.get(scope)
        if _live(existing, deps):  # a record past its 24 hours is gone, even before DynamoDB's TTL deletes it
            return _replay(deps, existing, idempotency_key, req_hash)

    if draft is not None and draft.submitted:  # sent before, and its answer's record is gone (24 hours)
        raise AlreadySubmitted(str(draft.application_id))
    applied, calls, found = _checked(deps, document)
    findings = [f.as_dict() for f in found]
    app_id = tokens.new_application_id()
    issued = deps.clock()
    token = _token(deps, issued, idempotency_key, req_hash, app_id)
    flag = eligibility.summary_flag(found, applied[0].mission_id)
    file = replace(_new_file(deps, document, applied, app_id, token, findings, flag),
                   bulletin_id=calls[applied[0].mission_id].bulletin_id)
    outbox = notifications.outbox_rows(deps, application_id=app_id, version=1, stage=file.stage,
                                       language=file.language, to_address=file.email, mission=file.mission,
                                       police_service=file.police_service)
    body = _response(app_id, token, deps.settings.base_url, file.language, findings, file.stage)
    uow = deps.store.unit_of_work()
    uow.add_file(file)
    counts.submitted(uow, file, file.submitted_at)
    uow.count_within(limits.files_today(file.email, deps.today(), deps.settings.max_files_per_day))
    uow.append_audit(AuditEntry(f"application#{app_id}", 1, at=file.submitted_at, kind="submitted",
                                actor_id="applicant", actor_role="applicant", to_stage=file.stage))
    for row in outbox:
        uow.add_outbox(row)
    if draft is not None:  # marked with its file; its answers go (the file holds them, under its own rules)
        uow.put_draft(replace(draft, application_id=app_id, answers={}, email="", version=draft.version + 1),
                      draft.version)
    if scope is not None:
        stored = {k: v for k, v in body.items() if k != "access_token"}
        uow.remember(IdempotencyRecord(scope, req_hash, 201, stored, int((issued + IDEMPOTENCY_TTL).timestamp()),
                                       issued_at=iso(issued)), int(issued.timestamp()))
    try:
        uow.commit()
    except ConditionFailed as exc:
        return _refused(deps, exc, scope, idempotency_key, req_hash)
    return 201, body
