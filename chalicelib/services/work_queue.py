"""A role's work queue: the files waiting on a move this role can make, oldest in their stage first.

The stages come from the workflow table (domain/queue.py); each is read through the stage index (at_stage),
never a scan; a service coordinator's rows are their own service's files only. Each row says how many days
the file has been at its stage (Ottawa's days), what still blocks its next move (the guards' own checks) and
its flags: the pre-screen not met or unknown, an address another file also uses, an email that failed or
bounced (or an address SES said does not work).
"""
from __future__ import annotations

from typing import Any

from ..domain import access
from ..domain import queue as rules
from ..domain.bulletins import PROGRAM_TIME
from ..domain.missions import contact_for
from ..domain.records import ApplicationFile
from ..domain.workflow import Actor, load_workflow
from .deps import Deps, parse_iso
from .files import summary

QUEUE_MAX = 50  # rows shown; the total says how many wait


def _stored_stages(role: str) -> set[str]:
    wf = load_workflow()
    return {name for p in wf.pathways.values() for s in rules.queue_stages(p, role) for name in (s, *p.old_names(s))}


def _waiting(deps: Deps, actor: Actor) -> list[ApplicationFile]:
    wf = load_workflow()
    seen: dict[str, ApplicationFile] = {}
    for stored in sorted(_stored_stages(actor.role)):
        for f in deps.store.files.at_stage(stored):
            path = wf.pathway_of(f.mission)
            if access.can_see_file(actor, f.police_service) and path.current(f.stage) in rules.queue_stages(
                    path, actor.role):
                seen[f.application_id] = f
    return sorted(seen.values(), key=lambda f: (f.in_stage_since, f.application_id))


def _needs(f: ApplicationFile, actor: Actor) -> list[dict[str, Any]]:
    wf = load_workflow()
    path = wf.pathway_of(f.mission)
    found = [{"guard": b.guard, "done": b.done, "total": b.total, "detail": b.detail}
             for b in rules.blockers(path, f.state(), f.mission, actor.role, wf)]
    if path.current(f.stage) == wf.medical_stage and f.medical_outcome is None and not found:
        found.append({"guard": "medical_outcome_missing", "done": 0, "total": 0, "detail": None})
    if not access.can_read_medical(actor):
        for b in found:
            b["detail"] = None if b["guard"] == "medically_fit" else b["detail"]
    return found


def _flags(deps: Deps, f: ApplicationFile) -> list[str]:
    flags = []
    if f.eligibility_flag in ("not_met", "unknown"):
        flags.append(f"prescreen_{f.eligibility_flag}")
    if len(set(deps.store.files.ids_for_email(f.email_key))) > 1:
        flags.append("same_address")
    undelivered = f.email_problem is not None or any(
        m.status in ("failed", "suppressed") or m.delivery_status in ("bounced", "complained", "rejected")
        for m in deps.store.outbox.for_application(f.application_id))
    if undelivered:  # failed to send, or SES's word that it bounced (services/feedback.py)
        flags.append("email_failed")
    return flags


def _reviewed_by(f: ApplicationFile) -> dict[str, Any]:
    """Who makes the file's initial selection; ``routed`` when a route of its service sends it to another office
    than the service's usual contact (the RCMP's senior-course candidates: its Executive/Officer Development and
    Resourcing office), so the queue shows whose file it is."""
    contact = contact_for(f.police_service, f.mission_id)
    return {"contact": contact.key, "title": dict(contact.title), "routed": contact.routed}


def work_queue(deps: Deps, actor: Actor) -> dict[str, Any]:
    files = _waiting(deps, actor)
    today = deps.today()
    rows = []
    for f in files[:QUEUE_MAX]:
        entered = parse_iso(f.in_stage_since).astimezone(PROGRAM_TIME).date()
        rows.append({**summary(f, actor), "in_stage_since": f.in_stage_since, "days_in_stage": (today - entered).days,
                     "needs": _needs(f, actor), "flags": _flags(deps, f),
                     "next_stages": rules.forward_moves(load_workflow().pathway_of(f.mission), f.stage, actor.role),
                     "reviewed_by": _reviewed_by(f)})
    return {"items": rows, "total": len(files), "shown": len(rows)}
