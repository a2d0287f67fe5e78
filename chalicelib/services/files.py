"""Coordinators' view of files: lists, the full file, bulk moves, CSV export.

What each role may see is domain/access.py's: the family-readiness form's content,
the medical outcome, the modules, and a file closed on medical grounds (which reads
as "not selected", with no reason, to every role without medical access, in every
view, list, count and export here).
"""
from __future__ import annotations

from typing import Any, Iterator, Mapping

from ..domain import access, bodies, csvexport, cursors, listing, medical_view
from ..domain.emails import reference
from ..domain.retention import HOLD_ROLES
from ..domain.errors import Conflict, DomainError, FieldError, InvalidQuery, NotFound, ValidationFailed
from ..domain.reads import FAMILY_READINESS_READ, FILE_READ, Origin
from ..domain.missions import contact_for
from ..domain.records import ApplicationFile, AuditEntry, FileRow, OutboxMessage
from ..domain.workflow import Actor, load_workflow
from . import counts as file_counts
from . import holds, reads, reminders, workflow
from .deps import Deps

BULK_CONFIRM_ABOVE = 25
EXPORT_MAX_ROWS = 10_000


def summary(f: ApplicationFile | FileRow, actor: Actor) -> dict[str, Any]:
    """A list row: what a whole file or an index's row (records.FileRow) both hold."""
    return {
        "application_id": f.application_id, "reference": reference(f.application_id),
        "stage": access.stage_seen_by(actor, f.stage),
        "version": f.version, "mission_id": f.mission_id, "police_service": f.police_service,
        "track": f.track, "language": f.language, "eligibility_flag": f.eligibility_flag,
        "family_readiness_on_file": f.family_readiness_on_file,
        "submitted_at": f.submitted_at, "updated_at": f.updated_at,
        "given_name": f.given_name, "family_name": f.family_name,
        "email_problem": dict(f.email_problem) if f.email_problem else None,
    }


def list_files(deps: Deps, actor: Actor, params: Mapping[str, str] | None) -> dict[str, Any]:
    """One page, newest first: one index query. ``next_cursor`` is encrypted and bound to the filters."""
    filters, limit, cursor = listing.parse(params, actor, deps.settings.page_size)
    secret, scope = deps.settings.token_secret, filters.scope()
    start = cursors.decode(secret, cursor, scope) if cursor else None
    items, last = deps.store.files.page(filters, limit, start)
    return {"items": [summary(f, actor) for f in items],
            "next_cursor": cursors.encode(secret, last, scope) if last else None,
            "filters": {k: v for k, v in vars(filters).items() if v is not None and k != "stages"}}


def _audit_view(r: AuditEntry, actor: Actor) -> dict[str, Any]:
    """The row as ``actor`` reads it: a closing at the health assessment in domain/medical_view.py's one neutral
    presentation, a medical outcome without the outcome, to a role without medical access."""
    medical_detail = r.kind == "medical_outcome" and not access.can_read_medical(actor)
    return medical_view.audit_row(actor, {
        "seq": r.seq, "at": r.at, "kind": r.kind, "actor_id": r.actor_id, "actor_role": r.actor_role,
        "from_stage": r.from_stage, "to_stage": r.to_stage, "reason_code": r.reason_code, "note": r.note,
        "initiated_by": r.initiated_by, "details": None if medical_detail or r.details is None else dict(r.details)})


def _email_view(r: OutboxMessage, actor: Actor) -> dict[str, Any]:
    wf = load_workflow()
    template = r.template
    if template == wf.stage(access.MEDICAL_END).email_template and not access.can_read_medical(actor):
        template = wf.stage(access.MEDICAL_END_SHOWN_AS).email_template
    return {"message_id": r.message_id, "template": template, "recipient": r.recipient, "language": r.language,
            "status": r.status, "attempts": r.attempts, "last_error": r.last_error,
            "ses_message_id": r.ses_message_id, "created_at": r.created_at, "sent_at": r.sent_at,
            "delivery_status": r.delivery_status, "delivery_at": r.delivery_at, "delivery_detail": r.delivery_detail}


def _family_readiness_view(deps: Deps, f: ApplicationFile, actor: Actor) -> dict[str, Any]:
    if access.can_read_family_readiness(actor) and f.family_readiness_on_file:
        fr = deps.store.files.family_readiness(f.application_id)
        return {"on_file": True, "form": dict(fr.form) if fr else None, "updated_at": fr.updated_at if fr else None}
    return {"on_file": f.family_readiness_on_file}


def file_view(deps: Deps, actor: Actor, application_id: str, origin: Origin | None = None) -> dict[str, Any]:
    """Everything about a file, within the role's rights. The read is recorded first (services/reads.py: refused
    when it cannot be); IRSS and administrators get the file's read log (``reads``)."""
    f = workflow.load_file(deps, application_id, actor)
    shows_family_readiness = access.can_read_family_readiness(actor) and f.family_readiness_on_file
    reads.record(deps, actor, f.application_id, FILE_READ, origin,
                 also=(FAMILY_READINESS_READ,) if shows_family_readiness else ())
    view = summary(f, actor)
    view["mission"] = f.mission.as_dict()
    view["application_form"] = dict(f.form)
    view["eligibility"] = [dict(x) for x in f.findings]
    view["next_stages"] = load_workflow().pathway_of(f.mission).next_stages(f.stage, actor.role)
    contact = contact_for(f.police_service, f.mission_id)
    view["reviewed_by"] = {"contact": contact.key, "title": dict(contact.title)}
    if access.can_read_medical(actor):
        view["medical_outcome"] = f.medical_outcome
    if access.can_read_modules(actor):
        view["modules"] = dict(f.modules)
    view["family_readiness"] = _family_readiness_view(deps, f, actor)
    view["qualification_flags"] = reminders.qualification_flags(deps, f)
    view["audit"] = [_audit_view(r, actor) for r in deps.store.audit.trail(f"application#{f.application_id}")
                     if holds.visible(r, actor)]  # a legal hold's rows: its roles only
    if actor.role in HOLD_ROLES:
        view["legal_hold"] = holds.view(f.legal_hold)
    view["emails"] = [_email_view(r, actor) for r in deps.store.outbox.for_application(f.application_id)]
    read_log = reads.log_for(deps, actor, f.application_id)
    if read_log is not None:
        view["reads"] = read_log
    return view


def move_one(deps: Deps, actor: Actor, application_id: str, body: Any) -> dict[str, Any]:
    return workflow.move(deps, application_id, actor, workflow.move_request(body))


def bulk_move(deps: Deps, actor: Actor, body: Any) -> dict[str, Any]:
    """Each file moves or not on its own; the answer lists each outcome."""
    doc = bodies.require_valid("BulkMoveRequest", body)
    moves = doc["moves"]
    if len(moves) > BULK_CONFIRM_ABOVE and doc.get("confirm") is not True:
        raise ValidationFailed([FieldError("/confirm", "confirmation-required",
                                           f"Moving more than {BULK_CONFIRM_ABOVE} files needs \"confirm\": true.",
                                           f"Changer plus de {BULK_CONFIRM_ABOVE} dossiers exige \"confirm\": true.")])
    results = []
    for i, move in enumerate(moves):
        app_id = move.get("application_id") if isinstance(move, dict) else None
        try:
            item = bodies.require_valid("BulkMoveItem", move, at=f"/moves/{i}")
            request = {k: v for k, v in item.items() if k != "application_id"}
            outcome = workflow.move(deps, item["application_id"], actor, workflow.move_request(request))
            results.append({"application_id": app_id, "status": 200, "stage": outcome["stage"]})
        except DomainError as err:
            result = {"application_id": app_id, "status": err.status, "code": err.code,
                      "detail": {"en": err.detail_en, "fr": err.detail_fr}}
            if isinstance(err, ValidationFailed):  # which fields: a JSON Pointer each, under /moves/<i>
                result["errors"] = [{"pointer": e.pointer, "code": e.code,
                                     "message": {"en": e.message_en, "fr": e.message_fr}} for e in err.errors]
            results.append(result)
    moved = sum(1 for r in results if r["status"] == 200)
    return {"moved": moved, "refused": len(results) - moved, "results": results}


def _export_lang(query: dict[str, str]) -> str:
    lang = query.pop("lang", "en")
    if lang not in csvexport.LANGS:
        raise InvalidQuery([FieldError("/lang", "invalid-parameter", "lang: en or fr.", "lang\u00a0: en ou fr.")])
    return lang


def export_csv(deps: Deps, actor: Actor, params: Mapping[str, str] | None,
               origin: Origin | None = None) -> tuple[str, bool]:
    """CSV of the filtered list, page by page (one index query each), newest first, in ``?lang=`` (en or fr).

    Returns the body and whether it stopped at EXPORT_MAX_ROWS with more files left. The rows come from a
    generator of pages written straight into the one CSV buffer: a page's files are dropped once written, so
    memory holds one page and the text, never every row twice. The body is returned whole: a Lambda behind API
    Gateway answers in one piece (6 MB at most; 10,000 rows are about 2 MB). It opens in Excel: a byte-order mark,
    headers and values in the language, local times; every cell is quoted and neutralized (domain/csvexport.py).
    The missions' names are one Query, before the pages. Each file in it is recorded as read (services/reads.py,
    a write per 100 files) once the body is built and before it is given: an export that cannot be recorded is
    refused whole.
    """
    query = dict(params or {})
    query.pop("cursor", None)
    lang = _export_lang(query)
    query["limit"] = str(listing.MAX_LIMIT)
    filters, limit, _ = listing.parse(query, actor, deps.settings.page_size)
    names = {m.mission_id: m.name for m in deps.store.catalogue.missions()}
    truncated = [False]
    exported: list[str] = []

    def rows() -> Iterator[list[Any]]:
        written, start = 0, None
        while True:
            items, start = deps.store.files.page(filters, limit, start)
            for f in items:
                if written == EXPORT_MAX_ROWS:
                    truncated[0] = True
                    return
                yield csvexport.cells(f, actor, lang, names)
                exported.append(f.application_id)
                written += 1
            if not start:
                return
            if written == EXPORT_MAX_ROWS:  # a full last page: more only if the next page has any
                truncated[0] = bool(deps.store.files.page(filters, 1, start)[0])
                return

    body = csvexport.write_csv(csvexport.headers(lang), rows(), bom=True)
    # the filters as the caller gave them: never the stages a "not selected" filter reads through (listing.py)
    shown_filters = {k: v for k, v in vars(filters).items() if v is not None and k != "stages"}
    reads.record_export(deps, actor, exported, origin, {"filters": shown_filters, "rows": len(exported),
                                                        "lang": lang, "truncated": truncated[0]})
    return body, truncated[0]


def pipeline(deps: Deps, actor: Actor) -> dict[str, Any]:
    """Counts per mission and stage (the counters: one Query per mission, whatever the number of files), and seats
    used against authorized per cap."""
    service = actor.police_service if actor.role == "service_coordinator" else None
    stages = access.stages_seen_by(actor, list(load_workflow().stages))
    missions = deps.store.catalogue.missions()
    rows = []
    for m in sorted(missions, key=lambda m: m.mission_id):
        counts = dict.fromkeys(stages, 0)
        for stage, n in sorted(file_counts.per_stage(deps, m.mission_id, m.kind, service).items()):
            seen = access.stage_seen_by(actor, stage)
            counts[seen] = counts.get(seen, 0) + n
        rows.append({"mission_id": m.mission_id, "name": dict(m.name), "counts": counts, "total": sum(counts.values())})
    caps = [{"cap_id": c.cap_id, "name": dict(c.name), "authorized": c.authorized, "deployed": c.deployed,
             "seats_left": c.seats_left, "missions": sorted(m.mission_id for m in missions if m.cap_id == c.cap_id)}
            for c in sorted(deps.store.catalogue.caps().values(), key=lambda c: c.cap_id)]
    return {"stages": stages, "missions": rows, "caps": caps, "scope": service or "all"}


def retry_email(deps: Deps, actor: Actor, message_id: str) -> dict[str, Any]:
    row = deps.store.outbox.get(message_id)
    if row is None:
        raise NotFound("No such email.", "Courriel introuvable.")
    workflow.load_file(deps, row.application_id, actor)  # scope check
    if not deps.store.outbox.requeue(message_id, deps.now()):
        raise Conflict("Only a failed email can be queued again.", "Seul un courriel en échec peut être remis en file.")
    return {"message_id": message_id, "status": "pending"}
