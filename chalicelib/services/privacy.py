"""Everything held about an applicant, in one package: what their own download holds, and what IRSS produce for a
formal Privacy Act request. One composition (``package``) for both, through the visibility rules of
domain/access.py:

* the applicant's copy (``audience`` = the applicant): their answers, their family-readiness form, the stages of
  their file as their status page tells them (and the reasons they gave themselves), the emails sent to them
  (subject, date, status), their documents (names, kinds, dates, the malware scan's word), and the days program
  staff consulted the file (never who, nor what). No staff note, no coded reason of a staff move, no medical
  detail their status page does not show.
* the formal package (``audience`` = IRSS, who read everything of a file): the same, and the whole audit trail
  (staff notes included), every email of the file, the medical outcome and modules, and the full read log (who,
  when, what, from where). Producing it is itself a read of the file, recorded first (services/reads.py).

Storage read: the file, its family-readiness form, its audit trail, its outbox rows (and, formally, its cap's
notices it caused), its roster entries (and their trails), its guide tasks, its read log (one GetItem or Query
each) and each document's tags.
"""
from __future__ import annotations

from dataclasses import asdict
from typing import Any

from ..domain import access, documents as document_rules
from ..domain import emails as email_rules
from ..domain.emails import reference
from ..domain.i18n import LANGUAGES, pick
from ..domain.reads import PRIVACY_PACKAGE, Origin
from ..domain.records import ApplicationFile, AuditEntry, OutboxMessage
from ..domain.workflow import Actor, load_workflow
from . import applicant, reads, workflow
from . import documents as document_service
from .deps import Deps

APPLICANT_COPY = "applicant_copy"
FORMAL_REQUEST = "privacy_act_request"


def _subject(row: OutboxMessage) -> dict[str, str]:
    """The email's subject in each language, as sent (a template that no longer renders: its subject as written)."""
    out = {}
    for lang in LANGUAGES:
        try:
            out[lang] = email_rules.render(row.template, lang, row.params)[0]
        except Exception:  # noqa: BLE001 - a template changed since: its subject as written, never a failed package
            known = email_rules.templates().get(row.template)
            out[lang] = pick(known["subject"], lang) if known else row.template
    return out


def _email(row: OutboxMessage, formal: bool) -> dict[str, Any]:
    shown: dict[str, Any] = {"message_id": row.message_id, "template": row.template, "subject": _subject(row),
                             "language": row.language, "status": row.status, "created_at": row.created_at,
                             "sent_at": row.sent_at, "delivery_status": row.delivery_status,
                             "delivery_at": row.delivery_at}
    if formal:
        shown.update(recipient=row.recipient, to_address=row.to_address if row.recipient == "applicant" else None,
                     attempts=row.attempts, last_error=row.last_error)
    return shown


def _documents(deps: Deps, file: ApplicationFile) -> list[dict[str, Any]]:
    rows = []
    for doc in sorted(file.documents, key=lambda d: d.uploaded_at):
        tag = document_service.scan_tag(deps, doc) if deps.objects is not None else None
        kind = document_rules.kinds().get(doc.kind)
        rows.append({"document_id": doc.document_id, "kind": doc.kind, "label": dict(kind.label) if kind else None,
                     "content_type": doc.content_type, "size": doc.size, "uploaded_at": doc.uploaded_at,
                     "scan_status": tag, "state": document_rules.applicant_state(tag)})
    return rows


def _history_for_applicant(deps: Deps, file: ApplicationFile, trail: list[AuditEntry]) -> list[dict[str, Any]]:
    """The timeline their status page shows; a reason or note only on a move they made themselves."""
    own = {r.at: r for r in trail if r.actor_role == access.APPLICANT and r.kind == "stage_change"}
    out = []
    for entry in applicant.timeline(deps, file, trail):
        mine = own.get(entry["at"])
        out.append({**entry, "reason_code": mine.reason_code if mine else None, "note": mine.note if mine else None})
    return out


def _family_readiness(deps: Deps, file: ApplicationFile) -> dict[str, Any]:
    fr = deps.store.files.family_readiness(file.application_id) if file.family_readiness_on_file else None
    return {"on_file": fr is not None, "form": dict(fr.form) if fr else None,
            "submitted_at": fr.submitted_at if fr else None, "updated_at": fr.updated_at if fr else None}


def _deployments(deps: Deps, file: ApplicationFile, formal: bool) -> list[dict[str, Any]]:
    """The file's places on the roster (the formal package: with each entry's own trail)."""
    rows = []
    for entry in deps.store.catalogue.roster(file.cap_id):
        if entry.application_id != file.application_id:
            continue
        row = {k: v for k, v in entry.as_dict().items() if k not in ("application_id", "version", "updated_at")}
        if formal:
            row["history"] = [dict(asdict(r), details=dict(r.details) if r.details else None)
                              for r in deps.store.audit.trail(f"deployment#{entry.deployment_id}")]
        rows.append(row)
    return rows


def _guide_tasks(deps: Deps, file: ApplicationFile, formal: bool) -> list[dict[str, Any]]:
    """The readiness guides the family-readiness form asked for, and whether each was sent."""
    return [{"guide": t.guide, "language": t.language, "opened_at": t.opened_at, "status": t.status,
             "sent_at": t.sent_at, **({"task_id": t.task_id, "name": t.name, "email": t.email,
                                       "sent_by": t.sent_by} if formal else {})}
            for t in deps.store.tasks.for_application(file.application_id)]


def _outbox(deps: Deps, file: ApplicationFile, formal: bool) -> list[OutboxMessage]:
    """The file's emails; for the formal package also the staff notices its changes caused on its cap (a seat freed:
    their ids name the file, and they are disposed of with it)."""
    rows = deps.store.outbox.for_application(file.application_id)
    if not formal:
        return [r for r in rows if r.recipient == "applicant"]
    caused = [m for m in deps.store.outbox.for_application(f"cap#{file.cap_id}")
              if m.message_id.startswith(file.application_id + ":")]
    return [*rows, *caused]


def package(deps: Deps, file: ApplicationFile, audience: Actor) -> dict[str, Any]:
    """Everything about the file ``audience`` may have: the applicant's copy, or (IRSS) the formal package."""
    formal = audience.role in access.PRIVACY_PACKAGE_ROLES
    if not formal and audience.role != access.APPLICANT:
        raise ValueError(f"no privacy package for the role {audience.role!r}")
    wf = load_workflow()
    trail = deps.store.audit.trail(f"application#{file.application_id}")
    read_rows = reads.trail(deps, file.application_id)
    outbox = _outbox(deps, file, formal)
    stage = wf.pathway_of(file.mission).stage(file.stage)
    out: dict[str, Any] = {
        "package": {"kind": FORMAL_REQUEST if formal else APPLICANT_COPY, "generated_at": deps.now(),
                    "application_id": file.application_id, "reference": reference(file.application_id)},
        "file": {"stage": file.stage, "stage_label": dict(stage.label), "closed": stage.terminal,
                 "mission": {"mission_id": file.mission.mission_id, "name": dict(file.mission.name)},
                 "missions_applied": list(file.form.get("missions", [])), "language": file.language,
                 "email": file.email, "submitted_at": file.submitted_at, "updated_at": file.updated_at,
                 "eligibility": [dict(f) for f in file.findings]},
        "answers": dict(file.form),
        "family_readiness": _family_readiness(deps, file),
        "emails": [_email(r, formal) for r in outbox],
        "documents": _documents(deps, file),
        "deployments": _deployments(deps, file, formal),
        "guide_tasks": _guide_tasks(deps, file, formal),
        "consulted_on": reads.consulted_on(deps, file.application_id, read_rows),
    }
    if formal:
        out["history"] = [dict(asdict(r), details=dict(r.details) if r.details else None) for r in trail]
        out["notes"] = [{"at": r.at, "actor_id": r.actor_id, "actor_role": r.actor_role, "note": r.note}
                        for r in trail if r.kind == "note"]
        out["file"].update(medical_outcome=file.medical_outcome, modules=dict(file.modules),
                           forms_returned=list(file.forms_returned), stage_reason=file.stage_reason,
                           bulletin_id=file.bulletin_id, returned_on=file.returned_on,
                           email_problem=dict(file.email_problem) if file.email_problem else None)
        out["reads"] = reads.log_for(deps, audience, file.application_id, read_rows)
    else:
        out["history"] = _history_for_applicant(deps, file, trail)
    return out


def formal_package(deps: Deps, actor: Actor, application_id: str, origin: Origin | None = None) -> dict[str, Any]:
    """IRSS: the complete package for a formal Privacy Act request; its production is recorded first (it is in the
    package's own read log)."""
    file = workflow.load_file(deps, application_id, actor)
    reads.record(deps, actor, file.application_id, PRIVACY_PACKAGE, origin)
    return package(deps, file, actor)


def applicant_copy(deps: Deps, file: ApplicationFile) -> dict[str, Any]:
    """The applicant's own download (the file their token opened)."""
    return package(deps, file, applicant.APPLICANT)
