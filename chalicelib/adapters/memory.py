"""The storage Protocols (services/ports.py) in memory: the service unit tests run on it.

It keeps the same conditions as the DynamoDB adapter (a file changes only at the
version and stage read; a seat is taken only below the authorized figure; audit,
outbox and idempotency rows are written once) and commits a unit of work whole or
not at all. tests/integration prove the DynamoDB adapter behaves the same way.
"""
from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any, Callable, Iterable, Mapping

from ..domain.bulletins import Bulletin
from ..domain.deployments import Deployment
from ..domain.feedback import RANK
from ..domain.limits import Counter
from ..domain.listing import Filters
from ..domain.missions import Cap, Mission
from ..domain.reintegration import GuideTask
from ..domain.drafts import Draft
from ..domain.staff_sessions import StaffSession
from ..domain.audit_list import listing_key
from ..domain.records import (
    ApplicationFile,
    AuditEntry,
    FamilyReadiness,
    FileRow,
    FileUpdate,
    IdempotencyRecord,
    OutboxMessage,
    StoredBulletin,
    Suppression,
)
from ..domain import search
from ..services.ports import ConditionFailed, CountKey, Position


class MemoryState:
    def __init__(self) -> None:
        self.missions: dict[str, tuple[Mission, int]] = {}
        self.caps: dict[str, Cap] = {}
        self.bulletins: dict[str, StoredBulletin] = {}
        self.files: dict[str, ApplicationFile] = {}
        self.family: dict[str, FamilyReadiness] = {}
        self.audit: dict[tuple[str, int], AuditEntry] = {}
        self.outbox: dict[str, OutboxMessage] = {}
        self.idempotency: dict[str, IdempotencyRecord] = {}
        self.roster: dict[tuple[str, str], Deployment] = {}  # (cap_id, deployment_id)
        self.limits: dict[str, int] = {}  # a limit's counter (domain/limits.py)
        self.tasks: dict[str, GuideTask] = {}
        self.counts: dict[CountKey, int] = {}  # the pipeline's counters
        self.counts_built = False
        # The name index (by_name): application_id -> (partition, folded family name); a file stored before the
        # index has no entry until the upgrade writes it (tests take entries out to stand for such files).
        self.names: dict[str, tuple[str, str]] = {}
        self.names_built = False
        self.suppression: dict[str, Suppression] = {}
        self.drafts: dict[str, Draft] = {}


Check = Callable[[MemoryState], bool]
Apply = Callable[[MemoryState], None]


class MemoryUnitOfWork:
    def __init__(self, state: MemoryState) -> None:
        self._state = state
        self._ops: list[tuple[str, Check, Apply]] = []
        self._counted: list[CountKey] = []

    def _add(self, label: str, check: Check, apply: Apply) -> None:
        self._ops.append((label, check, apply))

    def add_file(self, file: ApplicationFile) -> None:
        def apply(s: MemoryState) -> None:
            s.files[file.application_id] = file
            _index_name(s, file)

        self._add("file", lambda s: file.application_id not in s.files, apply)

    def update_file(self, update: FileUpdate) -> None:
        def check(s: MemoryState) -> bool:
            f = s.files.get(update.application_id)
            return f is not None and f.version == update.expected_version and (
                update.expected_stage is None or f.stage == update.expected_stage)

        def apply(s: MemoryState) -> None:
            f = s.files[update.application_id]
            changes: dict[str, Any] = {"version": update.version, "updated_at": update.updated_at}
            if update.stage is not None:
                changes["stage_entered_at"], changes["stage_reason"] = update.updated_at, update.stage_reason
                changes["from_stage"] = update.from_stage
            for name in ("stage", "family_readiness_on_file", "medical_outcome", "modules", "forms_returned",
                         "returned_on", "follow_up_done_at", "completed_at", "documents", "legal_hold",
                         "disposing_at"):
                value = getattr(update, name)
                if value is not None:
                    changes[name] = value
            if update.redirect is not None:
                r = update.redirect
                changes.update(mission_id=r.mission.mission_id, cap_id=r.mission.cap_id, mission=r.mission,
                               bulletin_id=r.bulletin_id, eligibility_flag=r.eligibility_flag)
            if update.lift_hold:
                changes["legal_hold"] = None
            if update.pending_email is not None:
                changes["pending_email"] = dict(update.pending_email)
            if update.new_email is not None:
                changes.update(email=update.new_email[0], email_key=update.new_email[1], pending_email=None,
                               email_problem=None)
            s.files[update.application_id] = replace(f, **changes)

        self._add("file", check, apply)

    def put_family_readiness(self, form: FamilyReadiness) -> None:
        self._add("family_readiness", lambda s: True, lambda s: s.family.__setitem__(form.application_id, form))

    def append_audit(self, entry: AuditEntry) -> None:
        key = (entry.subject, entry.seq)
        self._add("audit", lambda s: key not in s.audit, lambda s: s.audit.__setitem__(key, entry))

    def add_outbox(self, message: OutboxMessage) -> None:
        self._add("outbox", lambda s: message.message_id not in s.outbox,
                  lambda s: s.outbox.__setitem__(message.message_id, message))

    def remember(self, record: IdempotencyRecord, now: int) -> None:
        self._add("idempotency", lambda s: record.key not in s.idempotency or s.idempotency[record.key].expires_at <= now,
                  lambda s: s.idempotency.__setitem__(record.key, record))

    def put_draft(self, draft: Draft, expected_version: int | None) -> None:
        def check(s: MemoryState) -> bool:
            stored = s.drafts.get(draft.draft_id)
            return stored is None if expected_version is None else (
                stored is not None and stored.version == expected_version)

        self._add("draft", check, lambda s: s.drafts.__setitem__(draft.draft_id, draft))

    def _count(self, cap_id: str, by: int) -> None:
        def check(s: MemoryState) -> bool:
            cap = s.caps.get(cap_id)
            if by > 0:
                return cap is not None and cap.authorized is not None and cap.deployed < cap.authorized
            return cap is not None and cap.deployed > 0

        self._add("cap", check, lambda s: s.caps.__setitem__(cap_id, replace(s.caps[cap_id], deployed=s.caps[cap_id].deployed + by)))

    def _entry(self, d: Deployment, expected_version: int | None) -> None:
        key = (d.cap_id, d.deployment_id)

        def check(s: MemoryState) -> bool:
            current = s.roster.get(key)
            if expected_version is None:
                return current is None
            return current is not None and current.version == expected_version and current.active

        self._add("deployment", check, lambda s: s.roster.__setitem__(key, d))

    def start_deployment(self, deployment: Deployment, now: str) -> None:
        self._count(deployment.cap_id, 1)
        self._entry(deployment, None)

    def end_deployment(self, ended: Deployment, expected_version: int, now: str) -> None:
        self._count(ended.cap_id, -1)
        self._entry(replace(ended, updated_at=now), expected_version)

    def correct_deployment(self, corrected: Deployment, expected_version: int, now: str) -> None:
        self._entry(replace(corrected, updated_at=now), expected_version)

    def import_deployments(self, cap_id: str, added: list[Deployment], expected_deployed: int, cap_version: int,
                           now: str) -> None:
        def check(s: MemoryState) -> bool:
            cap = s.caps.get(cap_id)
            return cap is not None and cap.deployed == expected_deployed and cap.version == cap_version

        self._add("cap", check, lambda s: s.caps.__setitem__(cap_id, replace(
            s.caps[cap_id], deployed=s.caps[cap_id].deployed + len(added))))
        for entry in added:
            self._entry(entry, None)

    def hand_over_deployment(self, ended: Deployment, expected_version: int, incoming: Deployment, now: str) -> None:
        self._entry(replace(ended, updated_at=now), expected_version)
        self._entry(incoming, None)

    def put_mission(self, mission: Mission, version: int, expected_version: int | None, now: str) -> None:
        def check(s: MemoryState) -> bool:
            current = s.missions.get(mission.mission_id)
            return current is None if expected_version is None else current is not None and current[1] == expected_version

        self._add("mission", check, lambda s: s.missions.__setitem__(mission.mission_id, (mission, version)))
        self._add("cap", lambda s: mission.cap_id in s.caps, lambda s: None)

    def add_cap(self, cap: Cap, now: str, roster: Iterable[Deployment] = ()) -> None:
        entries = list(roster)
        if sum(1 for e in entries if e.active) != cap.deployed:
            raise ValueError(f"cap {cap.cap_id}: {cap.deployed} deployed but {len(entries)} roster entries")
        self._add("cap", lambda s: cap.cap_id not in s.caps, lambda s: s.caps.__setitem__(cap.cap_id, cap))
        for entry in entries:
            self._entry(entry, None)

    def set_authorized(self, cap_id: str, authorized: int, expected_version: int, now: str) -> None:
        def check(s: MemoryState) -> bool:
            cap = s.caps.get(cap_id)
            return cap is not None and cap.version == expected_version and cap.deployed <= authorized

        self._add("cap", check, lambda s: s.caps.__setitem__(
            cap_id, replace(s.caps[cap_id], authorized=authorized, version=expected_version + 1)))

    def put_bulletin(self, bulletin: Bulletin, version: int, expected_version: int | None, now: str) -> None:
        def check(s: MemoryState) -> bool:
            current = s.bulletins.get(bulletin.bulletin_id)
            if expected_version is None:
                return current is None
            room = current is not None and (current.places_taken == 0 if bulletin.positions is None
                                            else current.places_taken <= bulletin.positions)
            return current is not None and current.version == expected_version and room

        def apply(s: MemoryState) -> None:
            current = s.bulletins.get(bulletin.bulletin_id)
            s.bulletins[bulletin.bulletin_id] = StoredBulletin(bulletin, version, current.places_taken if current else 0)

        self._add("bulletin", check, apply)
        self._add("mission", lambda s: bulletin.mission_id in s.missions, lambda s: None)

    def count_within(self, counter: Counter) -> None:
        self._add(counter.label, lambda s: s.limits.get(counter.key, 0) < counter.limit,
                  lambda s: s.limits.__setitem__(counter.key, s.limits.get(counter.key, 0) + 1))

    def count_back(self, counter: Counter) -> None:
        self._add("limit", lambda s: s.limits.get(counter.key, 0) > 0,
                  lambda s: s.limits.__setitem__(counter.key, s.limits[counter.key] - 1))

    def take_place(self, bulletin_id: str, now: str) -> None:
        def check(s: MemoryState) -> bool:
            b = s.bulletins.get(bulletin_id)
            return b is not None and b.bulletin.positions is not None and b.places_taken < b.bulletin.positions

        self._add("bulletin", check, lambda s: s.bulletins.__setitem__(
            bulletin_id, replace(s.bulletins[bulletin_id], places_taken=s.bulletins[bulletin_id].places_taken + 1)))

    def release_place(self, bulletin_id: str, now: str) -> None:
        self._add("bulletin", lambda s: bulletin_id in s.bulletins and s.bulletins[bulletin_id].places_taken > 0,
                  lambda s: s.bulletins.__setitem__(
                      bulletin_id, replace(s.bulletins[bulletin_id], places_taken=s.bulletins[bulletin_id].places_taken - 1)))

    def open_task(self, task: GuideTask) -> None:
        self._add("task", lambda s: task.task_id not in s.tasks, lambda s: s.tasks.__setitem__(task.task_id, task))

    def mark_task_sent(self, task: GuideTask, expected_version: int) -> None:
        def check(s: MemoryState) -> bool:
            current = s.tasks.get(task.task_id)
            return current is not None and current.version == expected_version and not current.done

        self._add("task", check, lambda s: s.tasks.__setitem__(task.task_id, task))

    def delete_file(self, application_id: str, expected_version: int) -> None:
        def check(s: MemoryState) -> bool:
            f = s.files.get(application_id)
            return f is not None and f.version == expected_version

        def apply(s: MemoryState) -> None:
            s.files.pop(application_id, None)
            s.names.pop(application_id, None)

        self._add("file", check, apply)

    def count_file(self, key: CountKey, by: int, now: str) -> None:
        if any(k == key for k in self._counted):  # DynamoDB refuses two operations on one item
            raise ValueError(f"counter {key} twice in one unit of work")
        self._counted.append(key)
        self._add("count", lambda s: True, lambda s: s.counts.__setitem__(key, s.counts.get(key, 0) + by))

    def commit(self) -> None:
        """Every condition is checked against the state before any change: all or nothing."""
        ops, self._ops, self._counted = self._ops, [], []
        failed = {label for label, check, _ in ops if not check(self._state)}
        if failed:
            raise ConditionFailed(failed)
        for _, _, apply in ops:
            apply(self._state)


class MemoryCatalogue:
    def __init__(self, state: MemoryState) -> None:
        self._s = state

    def missions(self) -> list[Mission]:
        return [m for m, _ in self._s.missions.values()]

    def mission(self, mission_id: str) -> Mission | None:
        found = self._s.missions.get(mission_id)
        return found[0] if found else None

    def mission_version(self, mission_id: str) -> tuple[Mission, int] | None:
        return self._s.missions.get(mission_id)

    def missions_by_id(self, mission_ids: Iterable[str]) -> dict[str, Mission]:
        return {mid: self._s.missions[mid][0] for mid in mission_ids if mid in self._s.missions}

    def caps(self) -> dict[str, Cap]:
        return dict(self._s.caps)

    def bulletins(self) -> list[StoredBulletin]:
        return list(self._s.bulletins.values())

    def bulletin(self, bulletin_id: str) -> StoredBulletin | None:
        return self._s.bulletins.get(bulletin_id)

    def cap(self, cap_id: str) -> Cap | None:
        return self._s.caps.get(cap_id)

    def roster(self, cap_id: str) -> list[Deployment]:
        return [d for (c, _), d in sorted(self._s.roster.items()) if c == cap_id]

    def deployment(self, cap_id: str, deployment_id: str) -> Deployment | None:
        return self._s.roster.get((cap_id, deployment_id))

    def seed(self, missions: Iterable[Mission], now: str) -> None:
        for m in missions:
            self._s.missions.setdefault(m.mission_id, (m, 1))

    def file_counts(self, mission_id: str, service: str | None) -> dict[str, int]:
        out: dict[str, int] = {}
        for (mid, stage, svc), n in self._s.counts.items():
            if mid == mission_id and service in (None, svc):
                out[stage] = out.get(stage, 0) + n
        return out

    def file_counts_built(self) -> bool:
        return self._s.counts_built

    def replace_file_counts(self, counts: Mapping[CountKey, int], now: str) -> None:
        self._s.counts = {k: int(counts.get(k, 0)) for k in (*self._s.counts, *counts)}
        self._s.counts_built = True


def _matches(f: ApplicationFile, filters: Filters) -> bool:
    wanted = {"mission_id": filters.mission, "police_service": filters.service, "eligibility_flag": filters.flag}
    if filters.stage_set and f.stage not in filters.stage_set:
        return False
    if any(v is not None and getattr(f, k) != v for k, v in wanted.items()):
        return False
    if filters.range_from and f.submitted_at < filters.range_from:
        return False
    return not (filters.range_to and f.submitted_at > filters.range_to)


def _index_name(s: MemoryState, file: ApplicationFile) -> bool:
    keys = search.name_index(file.form)
    if keys:
        s.names[file.application_id] = keys
    return keys is not None


class MemoryFiles:
    def __init__(self, state: MemoryState) -> None:
        self._s = state

    def get(self, application_id: str) -> ApplicationFile | None:
        return self._s.files.get(application_id)

    def ids_for_email(self, email_key: str) -> list[str]:
        return [f.application_id for f in self._s.files.values() if f.email_key == email_key]

    def add_token_hash(self, application_id: str, token_hash: str, keep: int,
                       known: tuple[str, ...] | None = None) -> None:
        f = self._s.files[application_id]
        self._s.files[application_id] = replace(f, token_hashes=(*f.token_hashes, token_hash)[-keep:])

    def family_readiness(self, application_id: str) -> FamilyReadiness | None:
        return self._s.family.get(application_id)

    def page(self, filters: Filters, limit: int, start: Position | None) -> tuple[list[FileRow], Position | None]:
        rows = sorted((f for f in self._s.files.values() if _matches(f, filters)),
                      key=lambda f: (f.submitted_at, f.application_id), reverse=True)
        offset = int((start or {}).get("offset", 0))
        page = [f.row() for f in rows[offset:offset + limit]]  # a row, as the list indexes project it
        more = offset + limit < len(rows)
        return page, {"offset": offset + limit} if more else None

    def at_stage(self, stage: str, cap_id: str | None = None) -> list[ApplicationFile]:
        return sorted((f for f in self._s.files.values() if f.stage == stage and cap_id in (None, f.cap_id)),
                      key=lambda f: (f.submitted_at, f.application_id))

    def by_name(self, prefix: str, service: str | None, limit: int,
                start: Position | None) -> tuple[list[FileRow], Position | None]:
        found = sorted((key, app_id) for app_id, (part, key) in self._s.names.items()
                       if part == prefix[:1] and key.startswith(prefix))
        rows = [self._s.files[app_id] for _, app_id in found]
        rows = [f for f in rows if service is None or f.police_service == service]
        offset = int((start or {}).get("offset", 0))
        more = offset + limit < len(rows)
        return [f.row() for f in rows[offset:offset + limit]], {"offset": offset + limit} if more else None

    def name_index_built(self) -> bool:
        return self._s.names_built

    def index_names(self, rows: Iterable[FileRow]) -> int:
        return sum(_index_name(self._s, self._s.files[r.application_id]) for r in rows
                   if r.application_id in self._s.files)

    def mark_name_index_built(self, now: str) -> None:
        self._s.names_built = True

    def flag_email_problem(self, application_id: str, email_key: str, problem: Mapping[str, str]) -> bool:
        f = self._s.files.get(application_id)
        if f is None or f.email_key != email_key:
            return False
        self._s.files[application_id] = replace(f, email_problem=dict(problem))
        return True


class MemoryOutbox:
    def __init__(self, state: MemoryState) -> None:
        self._s = state

    def for_application(self, application_id: str) -> list[OutboxMessage]:
        return sorted((m for m in self._s.outbox.values() if m.application_id == application_id),
                      key=lambda m: m.created_at)

    def due(self, now: str, limit: int) -> list[OutboxMessage]:
        rows = sorted((m for m in self._s.outbox.values() if m.status == "pending" and (m.due_at or "") <= now),
                      key=lambda m: m.due_at or "")
        return rows[:limit]

    def get(self, message_id: str) -> OutboxMessage | None:
        return self._s.outbox.get(message_id)

    def claim(self, message: OutboxMessage, lease_until: str) -> OutboxMessage | None:
        current = self._s.outbox.get(message.message_id)
        if current is None or current.status != "pending" or current.attempts != message.attempts:
            return None
        claimed = replace(current, attempts=current.attempts + 1, due_at=lease_until)
        self._s.outbox[message.message_id] = claimed
        return claimed

    def mark_sent(self, message_id: str, ses_message_id: str, now: str, attempts: int) -> None:
        m = self._s.outbox[message_id]
        if m.status == "pending":
            self._s.outbox[message_id] = replace(m, status="sent", ses_message_id=ses_message_id, sent_at=now,
                                                 attempts=attempts, due_at=None, last_error=None)

    def forget_param(self, message_id: str, name: str) -> None:
        m = self._s.outbox[message_id]
        extra = {k: v for k, v in dict(m.params.get("extra") or {}).items() if k != name}
        self._s.outbox[message_id] = replace(m, params={**m.params, "extra": extra})

    def mark_attempt_failed(self, message_id: str, error: str, due_at: str | None, attempts: int) -> None:
        m = self._s.outbox[message_id]
        status = "failed" if due_at is None else m.status
        self._s.outbox[message_id] = replace(m, status=status, due_at=due_at, last_error=error[:500], attempts=attempts)

    def add_once(self, message: OutboxMessage) -> bool:
        if message.message_id in self._s.outbox:
            return False
        self._s.outbox[message.message_id] = message
        return True

    def requeue(self, message_id: str, now: str) -> bool:
        m = self._s.outbox.get(message_id)
        if m is None or m.status != "failed":
            return False
        self._s.outbox[message_id] = replace(m, status="pending", due_at=now, attempts=0, requeued_at=now)
        return True

    def mark_suppressed(self, message_id: str, now: str, attempts: int) -> None:
        m = self._s.outbox[message_id]
        if m.status == "pending":
            self._s.outbox[message_id] = replace(m, status="suppressed", attempts=attempts, due_at=None,
                                                 last_error="suppressed")

    def record_feedback(self, message_id: str, status: str, rank: int, at: str, detail: str) -> bool:
        m = self._s.outbox.get(message_id)
        if m is None or (m.delivery_status is not None and RANK[m.delivery_status] >= rank):
            return False
        self._s.outbox[message_id] = replace(m, delivery_status=status, delivery_at=at, delivery_detail=detail)
        return True


class MemorySuppression:
    def __init__(self, state: MemoryState) -> None:
        self._s = state

    def get(self, email_key: str) -> Suppression | None:
        return self._s.suppression.get(email_key)

    def add(self, suppression: Suppression) -> bool:
        if suppression.email_key in self._s.suppression:
            return False
        self._s.suppression[suppression.email_key] = suppression
        return True

    def remove(self, email_key: str) -> None:
        self._s.suppression.pop(email_key, None)


class MemoryAudit:
    def __init__(self, state: MemoryState) -> None:
        self._s = state

    def trail(self, subject: str) -> list[AuditEntry]:
        return [e for (subj, _), e in sorted(self._s.audit.items()) if subj == subject]

    def month(self, month: str, before: str | None, limit: int) -> list[AuditEntry]:
        keyed = sorted(((listing_key(e.at, e.subject, e.seq), e) for e in self._s.audit.values()),
                       key=lambda t: t[0][1], reverse=True)
        return [e for (m, key), e in keyed if m == month and (before is None or key < before)][:limit]

    def index_unlisted(self) -> int:
        return 0  # the fake lists every row by its time already


class MemoryIdempotency:
    def __init__(self, state: MemoryState) -> None:
        self._s = state

    def get(self, key: str) -> IdempotencyRecord | None:
        return self._s.idempotency.get(key)

    def counted(self, key: str) -> int:
        return self._s.limits.get(key, 0)


class MemoryTasks:
    def __init__(self, state: MemoryState) -> None:
        self._s = state

    def get(self, task_id: str) -> GuideTask | None:
        return self._s.tasks.get(task_id)

    def for_application(self, application_id: str) -> list[GuideTask]:
        return sorted((t for t in self._s.tasks.values() if t.application_id == application_id),
                      key=lambda t: t.task_id)

    def listed(self, status: str) -> list[GuideTask]:
        return sorted((t for t in self._s.tasks.values() if status == "all" or t.status == status),
                      key=lambda t: (t.opened_at, t.task_id))


class MemoryDrafts:
    def __init__(self, state: MemoryState) -> None:
        self._s = state

    def get(self, draft_id: str) -> Draft | None:
        return self._s.drafts.get(draft_id)

    def for_bulletin(self, bulletin_id: str) -> list[Draft]:
        return sorted((d for d in self._s.drafts.values() if d.bulletin_id == bulletin_id), key=lambda d: d.draft_id)


class MemorySessions:
    """The console's sessions (no unit of work: one record, written alone)."""

    def __init__(self) -> None:
        self.rows: dict[str, StaffSession] = {}
        self.by_user: dict[str, set[str]] = {}

    def get(self, key: str) -> StaffSession | None:
        return self.rows.get(key)

    def put(self, session: StaffSession) -> None:
        self.rows[session.key] = session

    def delete(self, key: str) -> None:
        self.rows.pop(key, None)

    def index_for_user(self, user_key: str, session_key: str, until: int) -> None:
        self.by_user.setdefault(user_key, set()).add(session_key)

    def keys_for_user(self, user_key: str) -> list[str]:
        return sorted(self.by_user.get(user_key, ()))

    def unindex_for_user(self, user_key: str, session_keys: Iterable[str]) -> None:
        self.by_user.get(user_key, set()).difference_update(session_keys)


class MemoryDisposal:
    """The retention job's reads and deletes (services/ports.DisposalStore)."""

    def __init__(self, state: MemoryState) -> None:
        self._s = state

    def suppressions_before(self, at: str) -> list[Suppression]:
        return sorted((s for s in self._s.suppression.values() if s.at < at), key=lambda s: s.email_key)

    def closed_files(self, stage: str, submitted_until: str) -> list[ApplicationFile]:
        return sorted((f for f in self._s.files.values() if f.stage == stage and f.submitted_at <= submitted_until),
                      key=lambda f: (f.submitted_at, f.application_id))

    def delete_outbox(self, message_ids: Iterable[str]) -> int:
        return sum(self._s.outbox.pop(m, None) is not None for m in list(message_ids))

    def delete_trail(self, subject: str) -> int:
        keys = [k for k in self._s.audit if k[0] == subject]
        for k in keys:
            del self._s.audit[k]
        return len(keys)

    def delete_tasks(self, task_ids: Iterable[str]) -> int:
        return sum(self._s.tasks.pop(t, None) is not None for t in list(task_ids))

    def delete_family_readiness(self, application_id: str) -> None:
        self._s.family.pop(application_id, None)

    def delete_deployment(self, cap_id: str, deployment_id: str) -> None:
        entry = self._s.roster.get((cap_id, deployment_id))
        if entry is not None and not entry.active:
            del self._s.roster[(cap_id, deployment_id)]


class MemoryStorage:
    def __init__(self) -> None:
        self.state = MemoryState()
        self.sessions = MemorySessions()
        self.catalogue = MemoryCatalogue(self.state)
        self.files = MemoryFiles(self.state)
        self.outbox = MemoryOutbox(self.state)
        self.audit = MemoryAudit(self.state)
        self.idempotency = MemoryIdempotency(self.state)
        self.tasks = MemoryTasks(self.state)
        self.suppression = MemorySuppression(self.state)
        self.drafts = MemoryDrafts(self.state)
        self.disposal = MemoryDisposal(self.state)

    def unit_of_work(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self.state)

    def snapshot(self) -> MemoryState:
        """A deep copy of everything stored (tests compare before and after a refused write)."""
        return copy.deepcopy(self.state)


class MemoryObjects:
    """The documents' bucket in a dict (services/ports.ObjectStore) for the service unit tests, versioned like the
    real one: each ``put`` of a key is a new version, and the tags belong to a version.

    ``put`` stands for the browser's post; ``tag`` for the malware scan's verdict. A presigned form or link is a
    made-up URL that names the key and version (nothing can fetch it)."""

    def __init__(self, bucket: str = "memory-documents") -> None:
        self.bucket = bucket
        self.stored: dict[str, list[tuple[str, bytes]]] = {}  # key -> its versions (id, bytes), oldest first
        self.version_tags: dict[tuple[str, str], dict[str, str]] = {}  # (key, version id) -> tags
        self.posts: list[dict[str, Any]] = []  # every form presigned: key, conditions, fields, expires_in
        self.links: list[tuple[str, int, str | None]] = []  # every link presigned: key, expires_in, version id
        self._made = 0

    @property
    def objects(self) -> dict[str, bytes]:
        """Each key's current bytes."""
        return {key: versions[-1][1] for key, versions in self.stored.items() if versions}

    def put(self, key: str, data: bytes) -> str:
        """A new version of ``key`` (as a second post of the same form makes); its id."""
        self._made += 1
        version_id = f"v{self._made:04d}"
        self.stored.setdefault(key, []).append((version_id, data))
        return version_id

    def tag(self, key: str, value: str, version_id: str | None = None) -> None:
        """The scan's verdict on the current version, or on the one named."""
        found = self._version(key, version_id)
        assert found is not None, f"no such object: {key} {version_id}"
        self.version_tags.setdefault((key, found[0]), {})["GuardDutyMalwareScanStatus"] = value

    def _version(self, key: str, version_id: str | None) -> tuple[str, bytes] | None:
        versions = self.stored.get(key) or []
        if version_id is None:
            return versions[-1] if versions else None
        return next((v for v in versions if v[0] == version_id), None)

    def presign_post(self, key: str, conditions: list[Any], fields: Mapping[str, str],
                     expires_in: int) -> tuple[str, dict[str, str]]:
        self.posts.append({"key": key, "conditions": list(conditions), "fields": dict(fields),
                           "expires_in": expires_in})
        return f"https://{self.bucket}.s3.example/", {"key": key, **fields, "policy": "memory"}

    def head(self, key: str, version_id: str | None = None) -> tuple[int, str | None] | None:
        found = self._version(key, version_id)
        return None if found is None else (len(found[1]), found[0])

    def first_bytes(self, key: str, count: int, version_id: str | None = None) -> bytes:
        found = self._version(key, version_id)
        if found is None:
            raise KeyError(key)
        return found[1][:count]

    def tags(self, key: str, version_id: str | None = None) -> tuple[str | None, dict[str, str]]:
        found = self._version(key, version_id)
        if found is None:
            return None, {}
        return found[0], dict(self.version_tags.get((key, found[0]), {}))

    def versions(self, key: str) -> list[str]:
        return [v for v, _ in reversed(self.stored.get(key) or [])]

    def delete(self, key: str, version_id: str | None = None) -> None:
        if version_id is None:
            for v, _ in self.stored.pop(key, []):
                self.version_tags.pop((key, v), None)
            return
        kept = [v for v in self.stored.get(key, []) if v[0] != version_id]
        self.version_tags.pop((key, version_id), None)
        if kept:
            self.stored[key] = kept
        else:
            self.stored.pop(key, None)

    def presign_get(self, key: str, expires_in: int, filename: str, content_type: str,
                    version_id: str | None = None) -> str:
        self.links.append((key, expires_in, version_id))
        return f"https://{self.bucket}.s3.example/{key}?versionId={version_id}&expires={expires_in}"

    def delete_every_version(self, prefix: str) -> int:
        keys = [k for k in self.stored if k.startswith(prefix)]
        deleted = sum(len(self.stored.get(k) or []) for k in keys)
        for k in keys:
            self.delete(k)
        return deleted


class MemoryStaffDirectory:
    """The staff user pool in memory (services/ports.StaffDirectory), for the service unit tests. ``passwords``
    holds each account's temporary password, as the pool would; ``signed_out`` who was signed out everywhere."""

    def __init__(self, now: str = "2026-12-01T00:00:00.000000Z") -> None:
        from ..domain.staff_accounts import StaffAccount

        self._account = StaffAccount
        self.accounts: dict[str, Any] = {}
        self.passwords: dict[str, str] = {}
        self.signed_out: list[str] = []
        self.now = now

    def _found(self, username: str) -> Any:
        from ..domain.errors import NotFound

        account = self.accounts.get(username.lower())
        if account is None:
            raise NotFound("No such staff account.", "Compte du personnel introuvable.")
        return account

    def invite(self, username: str, name: str, email: str, role: str, police_service: str | None, language: str,
               temporary_password: str) -> Any:
        from ..domain.staff_accounts import AccountExists

        if username.lower() in self.accounts:
            raise AccountExists("An account already has this address.", "Un compte a déjà cette adresse.")
        account = self._account(username=username.lower(), name=name, email=email, role=role,
                                police_service=police_service, enabled=True, status="FORCE_CHANGE_PASSWORD",
                                created_at=self.now, language=language, sub=f"sub-{len(self.accounts) + 1}")
        self.accounts[account.username] = account
        self.passwords[account.username] = temporary_password
        return account

    def get(self, username: str) -> Any:
        return self.accounts.get(username.lower())

    def find_by_email(self, email: str) -> Any:
        return next((a for a in self.accounts.values() if a.email.lower() == email.lower()), None)

    def list_accounts(self) -> list[Any]:
        return sorted(self.accounts.values(), key=lambda a: a.username)

    def set_role(self, username: str, role: str, police_service: str | None) -> None:
        account = self._found(username)
        self.accounts[account.username] = replace(account, role=role, police_service=police_service)

    def set_enabled(self, username: str, enabled: bool) -> None:
        account = self._found(username)
        self.accounts[account.username] = replace(account, enabled=enabled)

    def reset_temporary_password(self, username: str, temporary_password: str) -> None:
        self.passwords[self._found(username).username] = temporary_password

    def sign_out_everywhere(self, username: str) -> None:
        self.signed_out.append(self._found(username).username)
