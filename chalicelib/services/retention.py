"""The retention and disposition job (app.py's ``apply_retention``, ``scripts/local.py retain``) and its preview.

The rules are domain/retention.py's, the periods chalicelib/data/retention.json's. ``as_of`` is the day the run
stands on (the clock's Ottawa day unless given), so a test or an operator can run it for any day.

Finding what is due never scans a table: per closing stage, one Query on the stage index (``by_stage``: the stage,
then the submission date) for the files submitted early enough to be due (a file closes after it is submitted, so
one submitted later than ``as_of`` minus the rule's years cannot be due), then each file's close date decides. No
sparse index is written at close: by_stage already holds every closed file, with its whole item (ALL projection).

Disposing of one file, in an order a crash can resume:

1. a mark on the file (``disposing_at``, a version change, conditional on the version read, so a hold placed
   meanwhile wins and the file is skipped; from then on a hold is refused while the disposal runs);
2. its documents, every version and delete marker under ``documents/<application id>/``;
3. its emails (the outbox's ``by_application`` index; and the seat notices its changes caused, kept under its cap
   with ids that name it), its guide tasks, its family-readiness form, its audit trail (staff notes included), and
   its ended roster entry with that entry's trail (the entry's id names the file; the cap's count is its active
   entries, so it does not change);
4. last, in one transaction: the file itself (conditional on the marked version; its list, search and email index
   entries go with it, and its access-token hashes are on it), one fewer on its pipeline counter, and the
   disposition record (domain/retention.disposition_details, under ``disposed#<application id>`` in the audit
   table, written once).

Each step deletes what is there and ignores what is not: a run that stops anywhere leaves the file (marked) in
place, and the next run, finding it due again, finishes it. Once step 4 has happened the file is no longer found,
so re-running the same day disposes of nothing twice. Drafts, idempotency records, limit counters and staff
sessions expire by DynamoDB's time to live (their rules' ``disposal`` is ``ttl``), long before any file is due.
"""
from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from ..domain import documents, retention
from ..domain.emails import reference
from ..domain.errors import FieldError, InvalidQuery
from ..domain.records import ApplicationFile, AuditEntry, FileUpdate
from ..domain.retention import Closing, Due
from . import guide_requests
from .deps import Deps
from .ports import ConditionFailed

log = logging.getLogger(__name__)

# The audit subjects of a file's records besides its trail: the staff read log (issue 21's "who read what") is to
# be added here by its key, so it is disposed of with its file (its rule "reads" follows the file).
EXTRA_SUBJECTS: tuple[str, ...] = ("reads#{application_id}",)  # the read log (domain/reads.py)


def closing_of(file: ApplicationFile) -> Closing:
    return Closing(application_id=file.application_id, stage=file.stage, submitted_at=file.submitted_at,
                   in_stage_since=file.in_stage_since, completed_at=file.completed_at,
                   held=file.legal_hold is not None)


def parse_as_of(value: str | None, deps: Deps) -> date:
    """``YYYY-MM-DD`` (or the program's today when absent); 400 with the parameter's pointer otherwise."""
    if value is None or value == "":
        return deps.today()
    try:
        return date.fromisoformat(value) if len(value) == 10 else _bad_as_of()
    except ValueError:
        return _bad_as_of()


def _bad_as_of() -> date:
    raise InvalidQuery([FieldError("/as_of", "format", "as_of: write the day as YYYY-MM-DD.",
                                   "as_of\u00a0: écrivez le jour au format AAAA-MM-JJ.")])


def _candidates(deps: Deps, as_of: date) -> list[tuple[ApplicationFile, Due]]:
    """Every closed file whose period has passed by ``as_of``, held or not: one Query per closing stage."""
    sched = retention.schedule()
    found: list[tuple[ApplicationFile, Due]] = []
    for rule in sched.files:
        # A day's margin: the index holds UTC instants, the rule counts Ottawa days (the due date decides below).
        until_day = (retention.submitted_by(as_of, rule) + timedelta(days=1)).isoformat() + "T23:59:59.999999Z"
        for stage in rule.stages:
            for file in deps.store.disposal.closed_files(stage, until_day):
                due = retention.due_of(closing_of(file), sched)
                if due is not None and as_of >= due.due_on:
                    found.append((file, due))
    return sorted(found, key=lambda pair: (pair[1].due_on, pair[0].application_id))


def preview(deps: Deps, as_of_value: str | None) -> dict[str, Any]:
    """What a run on ``as_of`` would dispose of, per rule, and the held files it would keep; writes nothing."""
    as_of = parse_as_of(as_of_value, deps)
    rules: dict[str, dict[str, Any]] = {r.rule: {"rule": r.rule, "years": r.years, "label": dict(r.label),
                                                 "count": 0, "references": []}
                                        for r in retention.schedule().files}
    held = []
    for file, due in _candidates(deps, as_of):
        if due.held:
            hold = file.legal_hold or {}
            held.append({"reference": reference(file.application_id), "application_id": file.application_id,
                         "rule": due.rule, "closed_on": due.closed_on.isoformat(), "due_on": due.due_on.isoformat(),
                         "held_since": hold.get("placed_at")})
            continue
        rules[due.rule]["count"] += 1
        rules[due.rule]["references"].append(reference(file.application_id))
    return {"as_of": as_of.isoformat(), "due": sum(r["count"] for r in rules.values()),
            "rules": list(rules.values()), "held": held}


def run(deps: Deps, as_of: date | None = None) -> dict[str, int]:
    """Dispose of every file due on ``as_of`` (the program's today by default). Returns counts, nothing personal."""
    day = as_of or deps.today()
    counts = {"due": 0, "disposed": 0, "held": 0, "changed": 0}
    per_rule: dict[str, int] = {}
    for file, due in _candidates(deps, day):
        if due.held:
            counts["held"] += 1
            continue
        counts["due"] += 1
        if dispose(deps, file, due, day):
            counts["disposed"] += 1
            per_rule[due.rule] = per_rule.get(due.rule, 0) + 1
        else:
            counts["changed"] += 1
    result = {**counts, **{f"disposed_{rule}": n for rule, n in sorted(per_rule.items())}, **sweep(deps, day)}
    log.info("retention run", extra={"as_of": day.isoformat(), **result})
    return result


def _period_start(kind: str, as_of: date) -> str:
    """The latest timestamp a ``job`` record of ``kind`` can carry and be past its time on ``as_of`` (a margin of a
    day for Ottawa's offset; ``retention.past_period`` decides each record)."""
    rule = retention.schedule().record(kind)
    years = int((rule.keep or {}).get("years", 0))
    return (retention.add_years(as_of, -years) + timedelta(days=1)).isoformat() + "T23:59:59.999999Z"


def sweep(deps: Deps, as_of: date) -> dict[str, int]:
    """The records kept apart from any file whose period has passed (retention.json's ``job`` records other than the
    files): staff notices about a seat that name no file (the outbox, under ``cap#<cap>``; never one still to be
    sent), and suppressed addresses (their hashes). Idempotent: a re-run finds nothing left."""
    store = deps.store
    notices = [m.message_id for cap_id in sorted(store.catalogue.caps())
               for m in store.outbox.for_application(f"cap#{cap_id}")
               if m.status != "pending" and retention.past_period("staff_notices", m.created_at, as_of)]
    store.disposal.delete_outbox(notices)
    guides = _guide_requests_past(deps, as_of)
    store.disposal.delete_outbox(guides)
    suppressed = [s.email_key for s in store.disposal.suppressions_before(_period_start("suppressions", as_of))
                  if retention.past_period("suppressions", s.at, as_of)]
    for key in suppressed:
        store.suppression.remove(key)
    return {"staff_notices_disposed": len(notices), "guide_requests_disposed": len(guides),
            "suppressions_disposed": len(suppressed)}


# A missed run is caught up for this many days of "Before the Mission" requests (one outbox partition a day).
GUIDE_CATCH_UP_DAYS = 31


def _guide_requests_past(deps: Deps, as_of: date) -> list[str]:
    """The "Before the Mission" emails (services/guide_requests.py, under ``guide#<day>``) past their period and no
    longer to be sent: the days that can hold one, from the latest back ``GUIDE_CATCH_UP_DAYS``."""
    period = retention.schedule().record("guide_requests").period
    latest = as_of - (period or timedelta()) + timedelta(days=1)
    days = (latest - timedelta(days=n) for n in range(GUIDE_CATCH_UP_DAYS + 1))
    return [m.message_id for day in days for m in deps.store.outbox.for_application(guide_requests.subject_for(day))
            if m.status != "pending" and retention.past_period("guide_requests", m.created_at, as_of)]


def dispose(deps: Deps, file: ApplicationFile, due: Due, as_of: date) -> bool:
    """The file and everything hanging off it, then its disposition record; False when the file changed (a hold
    placed, a move) since it was read, and nothing was deleted."""
    app_id = file.application_id
    if file.disposing_at is None:
        mark = FileUpdate(app_id, file.version, file.updated_at, disposing_at=deps.now())
        uow = deps.store.unit_of_work()
        uow.update_file(mark)
        try:
            uow.commit()
        except ConditionFailed:
            return False
        file = replace(file, version=mark.version, disposing_at=mark.disposing_at)
    if deps.objects is not None:
        deps.objects.delete_every_version(documents.file_prefix(app_id))
    store = deps.store
    # Its emails, and the staff notices its changes caused on its cap's partition (a seat freed: their ids name it).
    cap_notices = [m for m in store.outbox.for_application(f"cap#{file.cap_id}") if m.message_id.startswith(app_id + ":")]
    store.disposal.delete_outbox([m.message_id for m in [*store.outbox.for_application(app_id), *cap_notices]])
    store.disposal.delete_tasks([t.task_id for t in store.tasks.for_application(app_id)])
    store.disposal.delete_family_readiness(app_id)
    subjects = [f"application#{app_id}", *(s.format(application_id=app_id) for s in EXTRA_SUBJECTS)]
    for entry in store.catalogue.roster(file.cap_id):
        if entry.application_id == app_id and not entry.active:
            subjects.append(f"deployment#{entry.deployment_id}")
    for subject in subjects:  # the trails first: an entry's trail is found through the entry
        store.disposal.delete_trail(subject)
    for entry in store.catalogue.roster(file.cap_id):
        if entry.application_id == app_id and not entry.active:
            store.disposal.delete_deployment(entry.cap_id, entry.deployment_id)
    details = retention.disposition_details(closing_of(file), due, reference(app_id), as_of)
    uow = store.unit_of_work()
    uow.delete_file(app_id, file.version)
    uow.count_file((file.mission_id, file.stage, file.police_service), -1, deps.now())
    uow.append_audit(AuditEntry(retention.disposition_subject(app_id), 1, at=deps.now(),
                                kind=retention.DISPOSITION_KIND, actor_id=retention.DISPOSITION_ACTOR,
                                actor_role=retention.SYSTEM_ROLE, details=details))
    try:
        uow.commit()
    except ConditionFailed:
        return False  # changed after the mark (it cannot be: the mark refuses holds); the next run sees it again
    return True


def disposition(deps: Deps, application_id: str) -> dict[str, Any] | None:
    """A disposed file's record (None if it was not disposed of)."""
    rows = deps.store.audit.trail(retention.disposition_subject(application_id))
    return dict(rows[0].details or {}) if rows else None
