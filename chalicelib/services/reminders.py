"""The daily reminders job (app.py's ``send_reminders``): write each reminder due today once, then try it.

The rules are domain/reminders.py's, their thresholds data/workflow.json's ``reminders``. The job reads
through the storage Protocols only, with no table scan: the caps, then each cap's roster and its files at
the deployed and ready stages (the stage index), then the files at each stage a coordinator moves.

Every reminder's outbox row has a deterministic id (domain/reminders.message_id) and is written with
``outbox.add_once``: a second run the same day, or Lambda's retry of a failed run, writes nothing new.
The rows written are then claimed and tried once (notifications.deliver_written); what SES refuses, or
what the run leaves for want of time, stays pending and ``retry_emails`` sends it: nothing lost, nothing
doubled.
"""
from __future__ import annotations

import logging
from datetime import date
from typing import Any

from ..domain import deployments, reminders
from ..domain.bulletins import PROGRAM_TIME
from ..domain.deployments import Deployment
from ..domain.emails import reference
from ..domain.missions import contact_for, program_contact
from ..domain.records import ApplicationFile, OutboxMessage
from ..domain.reminders import PLANNED_END, QUALIFICATION, WAITING, QualificationFlag
from ..domain.workflow import load_workflow
from . import notifications
from .deps import Deps, parse_iso
from .roster import ready_candidates

log = logging.getLogger(__name__)


def run(deps: Deps) -> dict[str, int]:
    """Write today's reminders (each once, ever) and try the new ones. Returns counts."""
    today = deps.today()
    rows: list[OutboxMessage] = []
    for cap_id in sorted(deps.store.catalogue.caps()):
        active = [e for e in deps.store.catalogue.roster(cap_id) if e.active]
        rows += [r for e in active for r in _planned_end_rows(deps, e, today)]
        for file, planned_end in _selected(deps, cap_id, active, today):
            rows += _qualification_rows(deps, file, planned_end, today)
    rows += _waiting_rows(deps, today)
    written = [r for r in rows if deps.store.outbox.add_once(r)]
    counts = {"reminders_due": len(rows), "written": len(written), **notifications.deliver_written(deps, written)}
    log.info("reminders run", extra=counts)
    return counts


def _common(file: ApplicationFile) -> dict[str, Any]:
    return {"mission_id": file.mission_id, "stage": file.stage, "pathway": load_workflow().pathway_of(file.mission).name,
            "police_service": file.police_service}


# --- 1. planned ends, to IRSS ----------------------------------------------------------

def _planned_end_rows(deps: Deps, entry: Deployment, today: date) -> list[OutboxMessage]:
    if entry.planned_end is None:
        return []
    threshold = reminders.nearest_due(deployments.days_until(entry.planned_end, today),
                                      reminders.rules().planned_end_days)
    if threshold is None:
        return []
    irss = program_contact()
    subject = entry.application_id or f"deployment#{entry.deployment_id}"
    shown = reference(entry.application_id) if entry.application_id else entry.deployment_id
    return [notifications.staff_message(
        deps, reminders.message_id(entry.deployment_id, PLANNED_END, threshold, entry.planned_end, "irss"), subject,
        "staff_planned_end_reminder", "irss", irss.email, irss.language or "en",
        {"mission_id": entry.mission_id, "cap_id": entry.cap_id, "deployment": shown,
         "planned_end": entry.planned_end, "days": threshold})]


# --- 2. qualifications, to the applicant and their coordinator ----------------------------

def _selected(deps: Deps, cap_id: str, active: list[Deployment], today: date) -> list[tuple[ApplicationFile, date]]:
    """The cap's files selected for a deployment, with its planned end: a deployed file its roster entry's,
    a file ready to deploy today plus its mission's length."""
    wf = load_workflow()
    path = wf.pathways[wf.kinds["operation"]]
    ends = {e.application_id: e.planned_end for e in active if e.application_id and e.planned_end}
    out: list[tuple[ApplicationFile, date]] = []
    for stage in (s for s in path.stages.values() if s.occupies_seat):
        for stored in (stage.name, *path.old_names(stage.name)):
            out += [(f, date.fromisoformat(ends[f.application_id])) for f in deps.store.files.at_stage(stored, cap_id)
                    if f.application_id in ends]
    out += [(f, deployments.planned_end(today, f.mission.deployment_months)) for f in ready_candidates(deps, cap_id)]
    return out


def _qualification_rows(deps: Deps, file: ApplicationFile, planned_end: date, today: date) -> list[OutboxMessage]:
    rows = []
    for flag in reminders.qualification_flags(file.form, file.track, planned_end):
        threshold = reminders.qualification_due(flag, today, reminders.rules().qualification_days)
        if threshold is not None:
            rows += _qualification_messages(deps, file, flag, threshold)
    return rows


def _qualification_messages(deps: Deps, file: ApplicationFile, flag: QualificationFlag,
                            threshold: int) -> list[OutboxMessage]:
    kind = f"{QUALIFICATION}_{flag.qualification}"
    params = {**_common(file), "extra": flag.as_dict()}
    contact = contact_for(file.police_service, file.mission_id)

    def mid(recipient: str) -> str:
        return reminders.message_id(file.application_id, kind, threshold, flag.expiry, recipient)

    # The coordinator's copy goes to IRSS when IRSS is the file's contact: no other copy reaches IRSS.
    return [notifications.new_message(deps, mid("applicant"), file.application_id, "qualification_reminder",
                                      "applicant", file.email, file.language, params),
            notifications.new_message(deps, mid("coordinator"), file.application_id,
                                      "coordinator_qualification_reminder", "coordinator", contact.email,
                                      contact.language or file.language, params)]


def qualification_flags(deps: Deps, file: ApplicationFile) -> list[dict[str, str]]:
    """The file view's flags: the qualifications expiring before the planned end of the deployment the file is
    selected for (deployed: its roster entry's; ready to deploy: today plus the mission's length; else none)."""
    wf = load_workflow()
    path = wf.pathway_of(file.mission)
    stage = path.current(file.stage)
    if path.stage(stage).occupies_seat:
        entry = deps.store.catalogue.deployment(file.cap_id, deployments.deployment_id_for(file.application_id))
        if entry is None or not entry.active or entry.planned_end is None:
            return []
        end = date.fromisoformat(entry.planned_end)
    elif path.deploys and stage in wf.roster.ready_stages:
        end = deployments.planned_end(deps.today(), file.mission.deployment_months)
    else:
        return []
    return [f.as_dict() for f in reminders.qualification_flags(file.form, file.track, end)]


# --- 3. files waiting, to the coordinator ---------------------------------------------------

def _waiting_rows(deps: Deps, today: date) -> list[OutboxMessage]:
    wf, rules = load_workflow(), reminders.rules()
    watched = {p.name: reminders.waited_stages(p, rules.waiting_role) for p in wf.pathways.values()}
    stored_names = {n for p in wf.pathways.values() for s in watched[p.name] for n in (s, *p.old_names(s))}
    rows = []
    for stored in sorted(stored_names):
        for f in deps.store.files.at_stage(stored):
            path = wf.pathway_of(f.mission)
            entered = parse_iso(f.in_stage_since).astimezone(PROGRAM_TIME).date()
            if path.current(f.stage) in watched[path.name] and reminders.waiting_too_long(entered, today,
                                                                                        rules.waiting_days):
                rows.append(_waiting_message(deps, f, entered, rules.waiting_days))
    return rows


def _waiting_message(deps: Deps, file: ApplicationFile, entered: date, days: int) -> OutboxMessage:
    contact = contact_for(file.police_service, file.mission_id)
    return notifications.new_message(
        deps, reminders.message_id(file.application_id, WAITING, days, file.in_stage_since, "coordinator"),
        file.application_id, "coordinator_waiting_reminder", "coordinator", contact.email,
        contact.language or file.language, {**_common(file), "extra": {"since": entered.isoformat(), "days": days}})
