"""The DynamoDB storage adapter: the Protocols of services/ports.py on PynamoDB.

Each request path is a GetItem, a Query on an index, or one TransactWriteItems;
no request path scans a table. docs/data-model.md lists the access patterns.
PynamoDB models never leave this module: rows become domain records here.
"""
from __future__ import annotations

import json
import logging
import random
import time
from dataclasses import asdict, replace
from functools import lru_cache
from typing import Any, Iterable, Mapping

from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, PynamoDBException, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from ..config import Settings
from ..domain.bulletins import Bulletin, UnreadableBulletin
from ..domain.deployments import Deployment
from ..domain.documents import Document
from ..domain.limits import Counter
from ..domain.listing import Filters
from ..domain.workflow import load_workflow
from ..domain.missions import Cap, Mission, UnreadableMission
from ..domain import reintegration, search
from ..domain.reintegration import GuideTask
from ..domain.drafts import Draft, is_draft_id
from ..domain.staff_sessions import USER_SESSIONS, StaffSession
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
from ..services.ports import ConditionFailed, CountKey, Position
from .models import (
    ApplicationModel,
    AuditModel,
    BulletinModel,
    CapModel,
    CountModel,
    DeploymentModel,
    FamilyReadinessModel,
    IdempotencyModel,
    LimitModel,
    MarkModel,
    MissionModel,
    OutboxModel,
    SessionModel,
    UserSessionsModel,
    DraftModel,
    SuppressionModel,
    TaskModel,
)

log = logging.getLogger(__name__)

CONDITION_FAILED = "ConditionalCheckFailed"
# A transaction cancelled only because another one held an item (DynamoDB under contention) is tried
# again inside the request, at most this many times in all, after a jittered pause (0-20 ms, 0-40 ms).
TRANSACTION_CONFLICT = "TransactionConflict"
COMMIT_ATTEMPTS = 3
CONFLICT_PAUSE = 0.01
MAX_KEY_BYTES = 2048  # DynamoDB's limit for a partition key
# Mission fields an earlier version stored and the schema no longer has: dropped on read.
RETIRED_MISSION_FIELDS = ("currently_deployed",)
TOKEN_HASH_RETRIES = 5


def condition_failed(exc: PynamoDBException) -> bool:
    """Whether a single-item write was refused by its condition (by DynamoDB's error code)."""
    return exc.cause_response_code == CONDITION_FAILED + "Exception"


# --- rows <-> records --------------------------------------------------------

def _mission_document(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in RETIRED_MISSION_FIELDS}


def mission_from_row(m: MissionModel) -> Mission:
    data = _mission_document(dict(m.data))
    data.update(mission_id=m.sk, cap_id=m.cap_id, accepting_applications=m.accepting_applications)
    return Mission.from_dict(data)


def mission_row(mission: Mission, version: int, now: str) -> MissionModel:
    data = {k: v for k, v in mission.as_dict().items() if k not in ("mission_id", "cap_id", "accepting_applications")}
    return MissionModel("mission", mission.mission_id, data=data, cap_id=mission.cap_id,
                        accepting_applications=mission.accepting_applications, version=version, updated_at=now)


def cap_from_row(c: CapModel) -> Cap:
    return Cap(cap_id=c.sk, authorized=None if c.authorized is None else int(c.authorized),
               deployed=int(c.deployed or 0), name=dict(c.data.get("name") or {}), note=dict(c.data.get("note") or {}),
               version=int(c.version or 1))


def cap_row(cap: Cap, now: str) -> CapModel:
    return CapModel("cap", cap.cap_id, authorized=cap.authorized, deployed=cap.deployed,
                    data={"name": dict(cap.name), "note": dict(cap.note)}, version=cap.version, updated_at=now)


def roster_pk(cap_id: str) -> str:
    return f"roster#{cap_id}"


def deployment_from_row(r: DeploymentModel) -> Deployment:
    return Deployment(deployment_id=r.sk, cap_id=r.cap_id, mission_id=r.mission_id, application_id=r.application_id,
                      started_on=r.started_on, planned_end=r.planned_end, ended_on=r.ended_on,
                      end_reason=r.end_reason, version=int(r.version or 1), updated_at=r.updated_at,
                      police_service=r.police_service)


def deployment_row(d: Deployment) -> DeploymentModel:
    return DeploymentModel(roster_pk(d.cap_id), d.deployment_id, cap_id=d.cap_id, mission_id=d.mission_id,
                           application_id=d.application_id, started_on=d.started_on, planned_end=d.planned_end,
                           ended_on=d.ended_on, end_reason=d.end_reason, version=d.version, updated_at=d.updated_at,
                           police_service=d.police_service)


def _snapshot(data: dict[str, Any]) -> Mission:
    known = set(Mission.__dataclass_fields__)
    return Mission.from_dict({k: v for k, v in data.items() if k in known})


def file_from_row(a: ApplicationModel) -> ApplicationFile:
    return ApplicationFile(
        # A stage an earlier workflow named reads as its new name (workflow.json renamed_stages).
        application_id=a.application_id, version=int(a.version),
        stage=load_workflow().current_stage(a.stage, str(a.mission.get("kind", "operation"))), mission_id=a.mission_id,
        cap_id=a.cap_id, police_service=a.police_service, track=a.track, language=a.language, email=a.email,
        email_key=a.email_key, submitted_at=a.submitted_at, updated_at=a.updated_at, mission=_snapshot(dict(a.mission)),
        form=dict(a.form), findings=tuple(a.findings or ()), eligibility_flag=a.eligibility_flag,
        token_hashes=tuple(str(h) for h in a.token_hashes or ()),
        family_readiness_on_file=bool(a.family_readiness_on_file), medical_outcome=a.medical_outcome,
        modules={k: int(v) for k, v in (a.modules or {}).items()}, bulletin_id=a.bulletin_id,
        forms_returned=tuple(str(k) for k in a.forms_returned or ()), stage_entered_at=a.stage_entered_at,
        returned_on=a.returned_on, follow_up_done_at=a.follow_up_done_at, completed_at=a.completed_at,
        email_problem=dict(a.email_problem) if a.email_problem else None,
        pending_email=dict(a.pending_email) if a.pending_email else None, stage_reason=a.stage_reason,
        from_stage=a.from_stage, documents=tuple(Document.from_dict(d) for d in a.documents or ()),
        legal_hold=dict(a.legal_hold) if a.legal_hold else None, disposing_at=a.disposing_at)


def file_row(f: ApplicationFile) -> ApplicationModel:
    return ApplicationModel(
        f.application_id, version=f.version, stage=f.stage, mission_id=f.mission_id, cap_id=f.cap_id,
        police_service=f.police_service, track=f.track, language=f.language, email=f.email, email_key=f.email_key,
        submitted_at=f.submitted_at, updated_at=f.updated_at, mission=f.mission.as_dict(), form=dict(f.form),
        findings=[dict(x) for x in f.findings], eligibility_flag=f.eligibility_flag, token_hashes=list(f.token_hashes),
        family_readiness_on_file=f.family_readiness_on_file, medical_outcome=f.medical_outcome,
        modules=dict(f.modules), bulletin_id=f.bulletin_id, forms_returned=list(f.forms_returned),
        stage_entered_at=f.stage_entered_at, returned_on=f.returned_on, follow_up_done_at=f.follow_up_done_at,
        completed_at=f.completed_at, email_problem=dict(f.email_problem) if f.email_problem else None,
        pending_email=dict(f.pending_email) if f.pending_email else None,
        given_name=f.given_name, family_name=f.family_name, mission_kind=f.mission_kind, stage_reason=f.stage_reason,
        from_stage=f.from_stage, documents=[d.as_dict() for d in f.documents],
        legal_hold=dict(f.legal_hold) if f.legal_hold else None, disposing_at=f.disposing_at)


def file_row_of_item(a: ApplicationModel) -> FileRow:
    """A list row, from an index that projects only ``models.ROW_ATTRIBUTES`` (a file stored before the row's own
    copies of the names and the mission's kind: none until the seed's upgrade writes them)."""
    kind = a.mission_kind or "operation"
    return FileRow(
        application_id=a.application_id, version=int(a.version), stage=load_workflow().current_stage(a.stage, kind),
        mission_id=a.mission_id, mission_kind=kind, cap_id=a.cap_id, police_service=a.police_service, track=a.track,
        language=a.language, eligibility_flag=a.eligibility_flag,
        family_readiness_on_file=bool(a.family_readiness_on_file), submitted_at=a.submitted_at,
        updated_at=a.updated_at, given_name=a.given_name, family_name=a.family_name,
        email_problem=dict(a.email_problem) if a.email_problem else None, stage_reason=a.stage_reason,
        from_stage=a.from_stage)


def named(row: ApplicationModel, f: ApplicationFile) -> ApplicationModel:
    """The row with its name-index keys (domain/search.name_index; none: the file stays out of by_name)."""
    row.name_initial, row.name_key = search.name_index(f.form) or (None, None)
    return row


NAME_INDEX_BUILT = ("upgrade", "name_index")
NO_SERVICE = "-"
COUNTS_BUILT = ("count", "built")


def count_pk(mission_id: str) -> str:
    return f"count#{mission_id}"


def count_row(key: CountKey) -> CountModel:
    mission_id, stage, service = key
    return CountModel(count_pk(mission_id), f"{stage}#{service or NO_SERVICE}")


def count_actions(key: CountKey, by: int, now: str) -> list[Any]:
    C, (_, stage, service) = CountModel, key
    actions = [C.n.add(by), C.stage.set(stage), C.updated_at.set(now)]
    return actions + ([C.police_service.set(service)] if service else [])


def task_from_row(r: TaskModel) -> GuideTask:
    return GuideTask(task_id=r.sk, application_id=r.application_id, guide=r.guide, language=r.language, name=r.name,
                     email=r.email, opened_at=r.opened_at, status=r.status, sent_at=r.sent_at, sent_by=r.sent_by,
                     version=int(r.version or 1))


def task_row(t: GuideTask) -> TaskModel:
    return TaskModel("task", t.task_id, application_id=t.application_id, guide=t.guide, language=t.language,
                     name=t.name, email=t.email, opened_at=t.opened_at, status=t.status, sent_at=t.sent_at,
                     sent_by=t.sent_by, version=t.version)


def bulletin_from_row(b: BulletinModel) -> StoredBulletin:
    return StoredBulletin(_parsed_bulletin(json.dumps(b.data, sort_keys=True)), int(b.version), int(b.places_taken or 0))


@lru_cache(maxsize=256)
def _parsed_bulletin(document: str) -> Bulletin:
    """A stored call, checked against its schema once per content per process (every submission reads every call:
    checking each on every read cost about 1 ms a call). Keyed by the content itself, so a changed call is parsed
    afresh; an unreadable one raises each time (nothing cached)."""
    return Bulletin.from_dict(json.loads(document))


def audit_from_row(r: AuditModel) -> AuditEntry:
    return AuditEntry(subject=r.subject, seq=int(r.seq), at=r.at, kind=r.kind, actor_id=r.actor_id,
                      actor_role=r.actor_role, from_stage=r.from_stage, to_stage=r.to_stage, reason_code=r.reason_code,
                      note=r.note, initiated_by=r.initiated_by, details=r.details,
                      expires_at=None if r.expires_at is None else int(r.expires_at))


def audit_row(e: AuditEntry) -> AuditModel:
    month, listed = listing_key(e.at, e.subject, e.seq)  # the by_month index's keys, on every write
    return AuditModel(e.subject, e.seq, at=e.at, kind=e.kind, actor_id=e.actor_id, actor_role=e.actor_role,
                      from_stage=e.from_stage, to_stage=e.to_stage, reason_code=e.reason_code, note=e.note,
                      initiated_by=e.initiated_by, details=None if e.details is None else dict(e.details),
                      expires_at=e.expires_at, month=month, listed=listed)


def outbox_from_row(r: OutboxModel) -> OutboxMessage:
    return OutboxMessage(message_id=r.message_id, application_id=r.application_id, template=r.template,
                         recipient=r.recipient, to_address=r.to_address, language=r.language,
                         params=dict(r.params or {}), created_at=r.created_at, status=r.status,
                         attempts=int(r.attempts or 0), due_at=r.due_at, sent_at=r.sent_at,
                         ses_message_id=r.ses_message_id, last_error=r.last_error, requeued_at=r.requeued_at,
                         delivery_status=r.delivery_status, delivery_at=r.delivery_at,
                         delivery_detail=r.delivery_detail)


def outbox_row(m: OutboxMessage) -> OutboxModel:
    pending = m.status == "pending"
    return OutboxModel(m.message_id, application_id=m.application_id, template=m.template, recipient=m.recipient,
                       to_address=m.to_address, language=m.language, params=dict(m.params), status=m.status,
                       attempts=m.attempts, queue="pending" if pending else None, due_at=m.due_at if pending else None,
                       created_at=m.created_at, sent_at=m.sent_at, ses_message_id=m.ses_message_id,
                       last_error=m.last_error, requeued_at=m.requeued_at)


# --- the unit of work ----------------------------------------------------------

class DynamoUnitOfWork:
    """Collects a service's intents, then writes them in one TransactWriteItems.

    PynamoDB sends condition checks, then deletes, puts and updates, whatever order
    they were added in; cancellation reasons come back in that order, so the labels
    are kept per kind and joined the same way.
    """

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._ops: list[tuple[str, str, Any]] = []  # (kind, label, thunk(tw))

    def _add(self, kind: str, label: str, op: Any) -> None:
        self._ops.append((kind, label, op))

    def _put(self, label: str, model: Any, condition: Any) -> None:
        self._add("put", label, lambda tw: tw.save(model, condition=condition))

    def _update(self, label: str, model: Any, actions: list[Any], condition: Any) -> None:
        self._add("update", label, lambda tw: tw.update(model, actions=actions, condition=condition))

    def add_file(self, file: ApplicationFile) -> None:
        self._put("file", named(file_row(file), file), ApplicationModel.application_id.does_not_exist())

    def update_file(self, update: FileUpdate) -> None:
        A = ApplicationModel
        actions = [A.version.set(update.version), A.updated_at.set(update.updated_at)]
        if update.stage is not None:
            actions += [A.stage.set(update.stage), A.stage_entered_at.set(update.updated_at),
                        A.stage_reason.set(update.stage_reason) if update.stage_reason else A.stage_reason.remove(),
                        A.from_stage.set(update.from_stage) if update.from_stage else A.from_stage.remove()]
        optional: tuple[tuple[Any, Any], ...] = (
            (A.family_readiness_on_file, update.family_readiness_on_file),
            (A.medical_outcome, update.medical_outcome),
            (A.modules, None if update.modules is None else dict(update.modules)),
            (A.forms_returned, None if update.forms_returned is None else list(update.forms_returned)),
            (A.returned_on, update.returned_on), (A.follow_up_done_at, update.follow_up_done_at),
            (A.completed_at, update.completed_at),
            (A.pending_email, None if update.pending_email is None else dict(update.pending_email)),
            (A.documents, None if update.documents is None else [d.as_dict() for d in update.documents]),
            (A.legal_hold, None if update.legal_hold is None else dict(update.legal_hold)),
            (A.disposing_at, update.disposing_at))
        for attr, value in optional:
            if value is not None:
                actions.append(attr.set(value))
        if update.redirect is not None:
            r = update.redirect
            actions += [A.mission_id.set(r.mission.mission_id), A.cap_id.set(r.mission.cap_id),
                        A.mission.set(r.mission.as_dict()), A.bulletin_id.set(r.bulletin_id),
                        A.eligibility_flag.set(r.eligibility_flag)]
        if update.lift_hold:
            actions.append(A.legal_hold.remove())
        if update.new_email is not None:
            actions += [A.email.set(update.new_email[0]), A.email_key.set(update.new_email[1]),
                        A.pending_email.remove(), A.email_problem.remove()]
        condition = A.version == update.expected_version
        if update.expected_stage is not None:
            condition = condition & (A.stage == update.expected_stage)
        self._update("file", A(update.application_id), actions, condition)

    def put_family_readiness(self, form: FamilyReadiness) -> None:
        row = FamilyReadinessModel(form.application_id, form=dict(form.form), submitted_at=form.submitted_at,
                                   updated_at=form.updated_at)
        self._put("family_readiness", row, None)

    def append_audit(self, entry: AuditEntry) -> None:
        self._put("audit", audit_row(entry), AuditModel.subject.does_not_exist())

    def add_outbox(self, message: OutboxMessage) -> None:
        self._put("outbox", outbox_row(message), OutboxModel.message_id.does_not_exist())

    def remember(self, record: IdempotencyRecord, now: int) -> None:
        row = IdempotencyModel(record.key, request_hash=record.request_hash, status_code=record.status_code,
                               response=dict(record.response), expires_at=record.expires_at, issued_at=record.issued_at)
        self._put("idempotency", row, IdempotencyModel.key.does_not_exist() | (IdempotencyModel.expires_at <= now))

    def put_draft(self, draft: Draft, expected_version: int | None) -> None:
        data = {k: v for k, v in asdict(draft).items() if k not in ("draft_id", "version", "expires_at")}
        row = DraftModel(f"draft#{draft.draft_id}", data=data, version=draft.version, expires_at=draft.expires_at,
                         call=draft.bulletin_id or None)
        condition = (DraftModel.key.does_not_exist() if expected_version is None
                     else DraftModel.version == expected_version)
        self._put("draft", row, condition)

    def start_deployment(self, deployment: Deployment, now: str) -> None:
        self._update("cap", CapModel("cap", deployment.cap_id), [CapModel.deployed.add(1), CapModel.updated_at.set(now)],
                     CapModel.authorized.exists() & (CapModel.deployed < CapModel.authorized))
        self._put("deployment", deployment_row(deployment), DeploymentModel.sk.does_not_exist())

    def end_deployment(self, ended: Deployment, expected_version: int, now: str) -> None:
        D = DeploymentModel
        self._update("cap", CapModel("cap", ended.cap_id), [CapModel.deployed.add(-1), CapModel.updated_at.set(now)],
                     CapModel.deployed > 0)
        self._update("deployment", D(roster_pk(ended.cap_id), ended.deployment_id), [
            D.ended_on.set(str(ended.ended_on)), D.end_reason.set(str(ended.end_reason)), D.version.set(ended.version),
            D.updated_at.set(now)], (D.version == expected_version) & D.ended_on.does_not_exist())

    def import_deployments(self, cap_id: str, added: list[Deployment], expected_deployed: int, cap_version: int,
                           now: str) -> None:
        self._update("cap", CapModel("cap", cap_id), [CapModel.deployed.add(len(added)), CapModel.updated_at.set(now)],
                     (CapModel.deployed == expected_deployed) & (CapModel.version == cap_version))
        for entry in added:
            self._put("deployment", deployment_row(entry), DeploymentModel.sk.does_not_exist())

    def hand_over_deployment(self, ended: Deployment, expected_version: int, incoming: Deployment, now: str) -> None:
        D = DeploymentModel
        self._update("deployment", D(roster_pk(ended.cap_id), ended.deployment_id), [
            D.ended_on.set(str(ended.ended_on)), D.end_reason.set(str(ended.end_reason)), D.version.set(ended.version),
            D.updated_at.set(now)], (D.version == expected_version) & D.ended_on.does_not_exist())
        self._put("deployment", deployment_row(incoming), D.sk.does_not_exist())

    def correct_deployment(self, corrected: Deployment, expected_version: int, now: str) -> None:
        D = DeploymentModel
        fields = ((D.mission_id, corrected.mission_id), (D.started_on, corrected.started_on),
                  (D.planned_end, corrected.planned_end), (D.police_service, corrected.police_service))
        actions = [attr.set(value) if value is not None else attr.remove() for attr, value in fields]
        self._update("deployment", D(roster_pk(corrected.cap_id), corrected.deployment_id),
                     [*actions, D.version.set(corrected.version), D.updated_at.set(now)],
                     (D.version == expected_version) & D.ended_on.does_not_exist())

    def put_mission(self, mission: Mission, version: int, expected_version: int | None, now: str) -> None:
        cond = (MissionModel.sk.does_not_exist() if expected_version is None
                else MissionModel.version == expected_version)
        self._put("mission", mission_row(mission, version, now), cond)
        self._add("check", "cap", lambda tw: tw.condition_check(CapModel, "cap", mission.cap_id,
                                                                condition=CapModel.sk.exists()))

    def add_cap(self, cap: Cap, now: str, roster: Iterable[Deployment] = ()) -> None:
        entries = list(roster)
        if sum(1 for e in entries if e.active) != cap.deployed:
            raise ValueError(f"cap {cap.cap_id}: {cap.deployed} deployed but {len(entries)} roster entries")
        self._put("cap", cap_row(cap, now), CapModel.sk.does_not_exist())
        for entry in entries:
            self._put("deployment", deployment_row(entry), DeploymentModel.sk.does_not_exist())

    def set_authorized(self, cap_id: str, authorized: int, expected_version: int, now: str) -> None:
        self._update("cap", CapModel("cap", cap_id), [
            CapModel.authorized.set(authorized), CapModel.version.set(expected_version + 1),
            CapModel.updated_at.set(now)], (CapModel.version == expected_version) & (CapModel.deployed <= authorized))

    def put_bulletin(self, bulletin: Bulletin, version: int, expected_version: int | None, now: str) -> None:
        cond = (BulletinModel.sk.does_not_exist() if expected_version is None
                else BulletinModel.version == expected_version)
        row = BulletinModel("bulletin", bulletin.bulletin_id, mission_id=bulletin.mission_id, data=bulletin.as_dict(),
                            positions=bulletin.positions, version=version, updated_at=now)
        if expected_version is None:
            self._put("bulletin", row, cond)
        else:  # keep the places already given
            # No number (null): the positions attribute goes, and only while no place is given.
            positions, room = ((BulletinModel.positions.remove(), BulletinModel.places_taken == 0)
                               if bulletin.positions is None else
                               (BulletinModel.positions.set(bulletin.positions),
                                BulletinModel.places_taken <= bulletin.positions))
            self._update("bulletin", BulletinModel("bulletin", bulletin.bulletin_id), [
                BulletinModel.mission_id.set(bulletin.mission_id), BulletinModel.data.set(bulletin.as_dict()),
                positions, BulletinModel.version.set(version),
                BulletinModel.updated_at.set(now)], cond & room)
        self._add("check", "mission", lambda tw: tw.condition_check(MissionModel, "mission", bulletin.mission_id,
                                                                    condition=MissionModel.sk.exists()))

    def count_within(self, counter: Counter) -> None:
        L = LimitModel
        self._update(counter.label, L(counter.key), [L.used.add(1), L.expires_at.set(counter.expires_at)],
                     L.key.does_not_exist() | (L.used < counter.limit))

    def count_back(self, counter: Counter) -> None:
        L = LimitModel
        self._update("limit", L(counter.key), [L.used.add(-1)], L.used > 0)

    def take_place(self, bulletin_id: str, now: str) -> None:
        B = BulletinModel
        self._update("bulletin", B("bulletin", bulletin_id), [B.places_taken.add(1), B.updated_at.set(now)],
                     B.sk.exists() & (B.places_taken < B.positions))

    def release_place(self, bulletin_id: str, now: str) -> None:
        B = BulletinModel
        self._update("bulletin", B("bulletin", bulletin_id), [B.places_taken.add(-1), B.updated_at.set(now)],
                     B.places_taken > 0)

    def open_task(self, task: GuideTask) -> None:
        self._put("task", task_row(task), TaskModel.sk.does_not_exist())

    def mark_task_sent(self, task: GuideTask, expected_version: int) -> None:
        T = TaskModel
        self._update("task", T("task", task.task_id), [
            T.status.set(task.status), T.sent_at.set(str(task.sent_at)), T.sent_by.set(str(task.sent_by)),
            T.version.set(task.version)], (T.version == expected_version) & (T.status == "open"))

    def delete_file(self, application_id: str, expected_version: int) -> None:
        A = ApplicationModel
        self._add("delete", "file", lambda tw: tw.delete(A(application_id), condition=A.version == expected_version))

    def count_file(self, key: CountKey, by: int, now: str) -> None:
        self._update("count", count_row(key), count_actions(key, by, now), None)

    def commit(self) -> None:
        order = {"check": 0, "delete": 1, "put": 2, "update": 3}
        ops = sorted(self._ops, key=lambda op: order[op[0]])  # stable: PynamoDB's own order
        try:
            for attempt in range(1, COMMIT_ATTEMPTS + 1):
                try:
                    with TransactWrite(connection=self._connection) as tw:
                        for _, _, op in ops:
                            op(tw)
                    return
                except TransactWriteError as err:
                    codes = [r.code if r is not None else None for r in (err.cancellation_reasons or [])]
                    # Another transaction on one of these items at the same moment, and no condition failed:
                    # nothing was written, so the same writes are tried again, a few times, after a short pause.
                    if attempt < COMMIT_ATTEMPTS and TRANSACTION_CONFLICT in codes and CONDITION_FAILED not in codes:
                        log.info("transaction conflict, retrying", extra={"attempt": attempt})
                        time.sleep(random.uniform(0, CONFLICT_PAUSE * 2 ** attempt))
                        continue
                    # A cancellation with no failed condition (conflicts past the retries) names nothing:
                    # the service answers "try again", as for a stale read.
                    failed = {label for (_, label, _), code in zip(ops, codes, strict=False) if code == CONDITION_FAILED}
                    raise ConditionFailed(failed) from err
        finally:
            self._ops = []


# --- the stores ----------------------------------------------------------------

class DynamoCatalogue:
    def missions(self) -> list[Mission]:
        return _readable(MissionModel.query("mission"))

    def mission(self, mission_id: str) -> Mission | None:
        found = self.mission_version(mission_id, consistent=False)
        return found[0] if found else None

    def mission_version(self, mission_id: str, consistent: bool = True) -> tuple[Mission, int] | None:
        if not _valid_key(mission_id):
            return None
        try:
            row = MissionModel.get("mission", mission_id, consistent_read=consistent)
        except DoesNotExist:
            return None
        return mission_from_row(row), int(row.version)

    def missions_by_id(self, mission_ids: Iterable[str]) -> dict[str, Mission]:
        keys = [("mission", mid) for mid in dict.fromkeys(mission_ids) if _valid_key(mid)]
        return {m.mission_id: m for m in _readable(MissionModel.batch_get(keys))}

    def caps(self) -> dict[str, Cap]:
        return {c.sk: cap_from_row(c) for c in CapModel.query("cap")}

    def bulletins(self) -> list[StoredBulletin]:
        out = []
        for row in BulletinModel.query("bulletin"):
            try:
                out.append(bulletin_from_row(row))
            except UnreadableBulletin as exc:
                log.warning("unreadable bulletin skipped", extra={"bulletin_id": exc.bulletin_id, "problems": exc.problems})
        return out

    def bulletin(self, bulletin_id: str) -> StoredBulletin | None:
        if not _valid_key(bulletin_id):
            return None
        try:
            return bulletin_from_row(BulletinModel.get("bulletin", bulletin_id, consistent_read=True))
        except DoesNotExist:
            return None

    def cap(self, cap_id: str) -> Cap | None:
        if not _valid_key(cap_id):
            return None
        try:
            return cap_from_row(CapModel.get("cap", cap_id, consistent_read=True))
        except DoesNotExist:
            return None

    def roster(self, cap_id: str) -> list[Deployment]:
        if not _valid_key(cap_id):
            return []
        return [deployment_from_row(r) for r in DeploymentModel.query(roster_pk(cap_id), consistent_read=True)]

    def deployment(self, cap_id: str, deployment_id: str) -> Deployment | None:
        if not (_valid_key(cap_id) and _valid_key(deployment_id)):
            return None
        try:
            return deployment_from_row(DeploymentModel.get(roster_pk(cap_id), deployment_id, consistent_read=True))
        except DoesNotExist:
            return None

    def file_counts(self, mission_id: str, service: str | None) -> dict[str, int]:
        """One Query on the mission's counter partition (its service's, through a filter)."""
        if not _valid_key(count_pk(mission_id)):
            return {}
        cond = CountModel.police_service == service if service else None
        out: dict[str, int] = {}
        for row in CountModel.query(count_pk(mission_id), filter_condition=cond, consistent_read=True):
            out[str(row.stage)] = out.get(str(row.stage), 0) + int(row.n or 0)
        return out

    def file_counts_built(self) -> bool:
        try:
            CountModel.get(*COUNTS_BUILT, consistent_read=True)
            return True
        except DoesNotExist:
            return False

    def replace_file_counts(self, counts: Mapping[CountKey, int], now: str) -> None:
        """Every counter written absolute (PutItem, in batches); one no longer counted reads 0."""
        rows = {(r.pk, r.sk): r for m in {k[0] for k in counts} | {m.sk for m in MissionModel.query("mission")}
                for r in CountModel.query(count_pk(m), consistent_read=True)}
        with CountModel.batch_write() as batch:
            for key, n in counts.items():
                row = count_row(key)
                row.stage, row.police_service, row.n, row.updated_at = key[1], key[2], int(n), now
                rows.pop((row.pk, row.sk), None)
                batch.save(row)
            for row in rows.values():
                row.n, row.updated_at = 0, now
                batch.save(row)
        CountModel(*COUNTS_BUILT, updated_at=now).save()

    def seed(self, missions: Iterable[Mission], now: str) -> None:
        for row in [mission_row(m, 1, now) for m in missions]:
            try:
                row.save(condition=type(row).sk.does_not_exist())
            except PynamoDBException as exc:
                if not condition_failed(exc):
                    raise


def _readable(rows: Iterable[MissionModel]) -> list[Mission]:
    """Missions from rows, skipping (and logging) any the schema refuses: one bad row never takes the list down."""
    out = []
    for row in rows:
        try:
            out.append(mission_from_row(row))
        except UnreadableMission as exc:
            log.warning("unreadable mission skipped", extra={"mission_id": exc.mission_id, "problems": exc.problems})
    return out


def _valid_key(key: str) -> bool:
    # No item has such a key (DynamoDB would refuse the read: a 500, not a 404).
    return bool(key) and len(key.encode("utf-8")) <= MAX_KEY_BYTES


def _index_for(filters: Filters) -> tuple[str, str]:
    """The most selective index for the filters, and its hash key."""
    if filters.stage and len(filters.stage_set) == 1:
        return "by_stage", filters.stage
    if filters.mission:
        return "by_mission", filters.mission
    if filters.service:
        return "by_service", filters.service
    if filters.flag:  # a flag alone: its index (with a service, the service's partition is the smaller read)
        return "by_flag", filters.flag
    return "by_submitted", "file"


def _date_range(filters: Filters) -> Any:
    A = ApplicationModel
    if filters.range_from and filters.range_to:
        return A.submitted_at.between(filters.range_from, filters.range_to)
    if filters.range_from:
        return A.submitted_at >= filters.range_from
    if filters.range_to:
        return A.submitted_at <= filters.range_to
    return None


def _other_filters(filters: Filters, index: str) -> Any:
    """What the chosen index does not already select, as one filter expression."""
    A = ApplicationModel
    conds: list[Any] = []
    if filters.mission and index != "by_mission":
        conds.append(A.mission_id == filters.mission)
    if filters.service and index != "by_service":
        conds.append(A.police_service == filters.service)
    if filters.flag and index != "by_flag":
        conds.append(A.eligibility_flag == filters.flag)
    if filters.stage and index != "by_stage":  # stages that read as one (domain/medical_view.py): one Query still
        conds.append(A.stage.is_in(*filters.stage_set))
    combined = None
    for c in conds:
        combined = c if combined is None else combined & c
    return combined


class DynamoFiles:
    def get(self, application_id: str) -> ApplicationFile | None:
        if not _valid_key(application_id):
            return None
        try:
            return file_from_row(ApplicationModel.get(application_id, consistent_read=True))
        except DoesNotExist:
            return None

    def ids_for_email(self, email_key: str) -> list[str]:
        return [a.application_id for a in ApplicationModel.by_email.query(email_key)]

    def add_token_hash(self, application_id: str, token_hash: str, keep: int,
                       known: tuple[str, ...] | None = None) -> None:
        """Conditional on the list as read, retried: two links added at once both stay."""
        A = ApplicationModel
        for _ in range(TOKEN_HASH_RETRIES):
            if known is None:
                known = tuple(str(h) for h in A.get(application_id, consistent_read=True).token_hashes or [])
            current: list[Any] = list(known)
            condition = A.token_hashes == current if current else A.token_hashes.does_not_exist() | (A.token_hashes == [])
            known = None  # a retry reads afresh
            try:
                A(application_id).update(actions=[A.token_hashes.set((current + [token_hash])[-keep:])],
                                         condition=condition & A.application_id.exists())
                return
            except PynamoDBException as exc:
                if not condition_failed(exc):
                    raise
        raise ConditionFailed({"file"})

    def family_readiness(self, application_id: str) -> FamilyReadiness | None:
        if not _valid_key(application_id):
            return None
        try:
            row = FamilyReadinessModel.get(application_id, consistent_read=True)
        except DoesNotExist:
            return None
        return FamilyReadiness(row.application_id, dict(row.form), row.submitted_at, row.updated_at)

    def page(self, filters: Filters, limit: int, start: Position | None) -> tuple[list[FileRow], Position | None]:
        """Exactly one Query on the most selective index, newest first; other filters apply server-side. The
        list indexes project a row's attributes only (by_stage, which also serves whole files, all of them)."""
        index, hash_key = _index_for(filters)
        raw = ApplicationModel._get_connection().query(
            hash_key, range_key_condition=_date_range(filters), filter_condition=_other_filters(filters, index),
            index_name=index, limit=limit, exclusive_start_key=start, scan_index_forward=False)
        items = [file_row_of_item(ApplicationModel.from_raw_data(item)) for item in raw.get("Items", [])]
        return items, raw.get("LastEvaluatedKey")

    def at_stage(self, stage: str, cap_id: str | None = None) -> list[ApplicationFile]:
        cond = ApplicationModel.cap_id == cap_id if cap_id else None
        return [file_from_row(a) for a in ApplicationModel.by_stage.query(stage, filter_condition=cond)]

    def by_name(self, prefix: str, service: str | None, limit: int,
                start: Position | None) -> tuple[list[FileRow], Position | None]:
        """One Query on by_name: the prefix's first character is the partition, begins_with on the folded name."""
        A = ApplicationModel
        if not prefix or not _valid_key(prefix):
            return [], None
        raw = A._get_connection().query(
            prefix[0], range_key_condition=A.name_key.startswith(prefix),
            filter_condition=(A.police_service == service) if service else None,
            index_name="by_name", limit=limit, exclusive_start_key=start, scan_index_forward=True)
        items = [file_row_of_item(A.from_raw_data(item)) for item in raw.get("Items", [])]
        return items, raw.get("LastEvaluatedKey")

    def name_index_built(self) -> bool:
        try:
            MarkModel.get(*NAME_INDEX_BUILT, consistent_read=True)
            return True
        except DoesNotExist:
            return False

    def index_names(self, rows: Iterable[FileRow]) -> int:
        """Per file, its form read (GetItem: a row holds no form) and one UpdateItem: the name index's keys and the
        list row's own copies of the names and the mission's kind, nothing else a concurrent change wrote."""
        A, written = ApplicationModel, 0
        for r in rows:
            f = self.get(r.application_id)
            if f is None:
                continue
            keys = search.name_index(f.form)
            actions: list[Any] = [A.mission_kind.set(f.mission_kind)]
            actions += [attr.set(value) for attr, value in ((A.given_name, f.given_name), (A.family_name, f.family_name))
                        if value is not None]
            if keys is not None:
                actions += [A.name_initial.set(keys[0]), A.name_key.set(keys[1])]
            try:
                A(f.application_id).update(actions=actions, condition=A.application_id.exists())
                written += 1
            except PynamoDBException as exc:
                if not condition_failed(exc):
                    raise
        return written

    def mark_name_index_built(self, now: str) -> None:
        MarkModel(*NAME_INDEX_BUILT, updated_at=now).save()

    def flag_email_problem(self, application_id: str, email_key: str, problem: Mapping[str, str]) -> bool:
        A = ApplicationModel
        try:
            A(application_id).update(actions=[A.email_problem.set(dict(problem))],
                                     condition=A.application_id.exists() & (A.email_key == email_key))
            return True
        except PynamoDBException as exc:
            if condition_failed(exc):
                return False
            raise


class DynamoOutbox:
    def for_application(self, application_id: str) -> list[OutboxMessage]:
        return [outbox_from_row(r) for r in OutboxModel.by_application.query(application_id)]

    def due(self, now: str, limit: int) -> list[OutboxMessage]:
        return [outbox_from_row(r) for r in OutboxModel.pending.query("pending", OutboxModel.due_at <= now, limit=limit)]

    def get(self, message_id: str) -> OutboxMessage | None:
        if not _valid_key(message_id):
            return None
        try:
            return outbox_from_row(OutboxModel.get(message_id, consistent_read=True))
        except DoesNotExist:
            return None

    def claim(self, message: OutboxMessage, lease_until: str) -> OutboxMessage | None:
        """No two workers send the same attempt: conditional on status and the attempts as read."""
        try:
            OutboxModel(message.message_id).update(
                actions=[OutboxModel.attempts.add(1), OutboxModel.due_at.set(lease_until)],
                condition=(OutboxModel.status == "pending") & (OutboxModel.attempts == message.attempts))
        except PynamoDBException as exc:
            if condition_failed(exc):
                return None
            raise
        return replace(message, attempts=message.attempts + 1, due_at=lease_until)

    def mark_sent(self, message_id: str, ses_message_id: str, now: str, attempts: int) -> None:
        OutboxModel(message_id).update(actions=[
            OutboxModel.attempts.set(attempts),
            OutboxModel.status.set("sent"), OutboxModel.ses_message_id.set(ses_message_id),
            OutboxModel.sent_at.set(now), OutboxModel.queue.remove(), OutboxModel.due_at.remove(),
            OutboxModel.last_error.remove(),
        ], condition=OutboxModel.status == "pending")

    def forget_param(self, message_id: str, name: str) -> None:
        row = OutboxModel.get(message_id, consistent_read=True)
        params = dict(row.params or {})
        extra = dict(params.get("extra") or {})
        if name in extra:
            extra.pop(name)
            OutboxModel(message_id).update(actions=[OutboxModel.params.set({**params, "extra": extra})])

    def mark_attempt_failed(self, message_id: str, error: str, due_at: str | None, attempts: int) -> None:
        if due_at is None:
            actions = [OutboxModel.status.set("failed"), OutboxModel.queue.remove(), OutboxModel.due_at.remove()]
        else:
            actions = [OutboxModel.due_at.set(due_at)]
        OutboxModel(message_id).update(actions=[*actions, OutboxModel.last_error.set(error[:500]),
                                                OutboxModel.attempts.set(attempts)])

    def add_once(self, message: OutboxMessage) -> bool:
        try:
            outbox_row(message).save(condition=OutboxModel.message_id.does_not_exist())
            return True
        except PynamoDBException as exc:
            if condition_failed(exc):
                return False
            raise

    def requeue(self, message_id: str, now: str) -> bool:
        try:
            OutboxModel(message_id).update(actions=[
                OutboxModel.status.set("pending"), OutboxModel.queue.set("pending"), OutboxModel.due_at.set(now),
                OutboxModel.attempts.set(0), OutboxModel.requeued_at.set(now),
            ], condition=OutboxModel.status == "failed")
            return True
        except PynamoDBException as exc:
            if condition_failed(exc):
                return False
            raise


    def mark_suppressed(self, message_id: str, now: str, attempts: int) -> None:
        OutboxModel(message_id).update(actions=[
            OutboxModel.attempts.set(attempts), OutboxModel.status.set("suppressed"),
            OutboxModel.last_error.set("suppressed"), OutboxModel.queue.remove(), OutboxModel.due_at.remove(),
        ], condition=OutboxModel.status == "pending")

    def record_feedback(self, message_id: str, status: str, rank: int, at: str, detail: str) -> bool:
        """One conditional update: written only over no status or a lower-ranked one, so duplicates and
        late arrivals are no-ops whatever order SNS delivers them in."""
        if not _valid_key(message_id):
            return False
        O = OutboxModel
        try:
            O(message_id).update(
                actions=[O.delivery_status.set(status), O.delivery_rank.set(rank), O.delivery_at.set(at),
                         O.delivery_detail.set(detail)],
                condition=O.message_id.exists() & (O.delivery_rank.does_not_exist() | (O.delivery_rank < rank)))
            return True
        except PynamoDBException as exc:
            if condition_failed(exc):
                return False
            raise


class DynamoSuppression:
    def get(self, email_key: str) -> Suppression | None:
        if not _valid_key(email_key):
            return None
        try:
            r = SuppressionModel.get("suppressed", email_key, consistent_read=True)
        except DoesNotExist:
            return None
        return Suppression(r.sk, r.status, r.at, r.message_id)

    def add(self, suppression: Suppression) -> bool:
        row = SuppressionModel("suppressed", suppression.email_key, status=suppression.status, at=suppression.at,
                               message_id=suppression.message_id)
        try:
            row.save(condition=SuppressionModel.sk.does_not_exist())
            return True
        except PynamoDBException as exc:
            if condition_failed(exc):
                return False
            raise

    def remove(self, email_key: str) -> None:
        SuppressionModel("suppressed", email_key).delete()


class DynamoAudit:
    def trail(self, subject: str) -> list[AuditEntry]:
        return [audit_from_row(r) for r in AuditModel.query(subject)]

    def month(self, month: str, before: str | None, limit: int) -> list[AuditEntry]:
        """One Query of the by_month index, newest first, below ``before`` (a sort key) when given."""
        condition = AuditModel.listed < before if before else None
        rows = AuditModel.by_month.query(month, condition, scan_index_forward=False, limit=limit)
        return [audit_from_row(r) for r in rows]

    def index_unlisted(self) -> int:
        """Give every row from before the by_month index its keys (a Scan for rows without ``month``, then one
        conditional update each: a row written meanwhile already has them). Idempotent; the seed step runs it."""
        done = 0
        for r in AuditModel.scan(AuditModel.month.does_not_exist()):
            month, listed = listing_key(r.at, r.subject, int(r.seq))
            try:
                r.update(actions=[AuditModel.month.set(month), AuditModel.listed.set(listed)],
                         condition=AuditModel.month.does_not_exist())
                done += 1
            except UpdateError:
                continue
        return done


class DynamoIdempotency:
    def get(self, key: str) -> IdempotencyRecord | None:
        try:
            row = IdempotencyModel.get(key, consistent_read=True)
        except DoesNotExist:
            return None
        return IdempotencyRecord(row.key, row.request_hash, int(row.status_code), dict(row.response),
                                 int(row.expires_at), row.issued_at)

    def counted(self, key: str) -> int:
        try:
            return int(LimitModel.get(key, consistent_read=True).used)
        except DoesNotExist:
            return 0


class DynamoTasks:
    def get(self, task_id: str) -> GuideTask | None:
        if not _valid_key(task_id):
            return None
        try:
            return task_from_row(TaskModel.get("task", task_id, consistent_read=True))
        except DoesNotExist:
            return None

    def for_application(self, application_id: str) -> list[GuideTask]:
        if not _valid_key(application_id):
            return []
        prefix = reintegration.task_id_for(application_id, "")  # a file's tasks: its id, then the guide
        return [task_from_row(r) for r in TaskModel.query("task", TaskModel.sk.startswith(prefix),
                                                          consistent_read=True)]

    def listed(self, status: str) -> list[GuideTask]:
        condition = None if status == "all" else TaskModel.status == status
        rows = [task_from_row(r) for r in TaskModel.query("task", filter_condition=condition, consistent_read=True)]
        return sorted(rows, key=lambda t: (t.opened_at, t.task_id))


class DynamoDrafts:
    """Applications in progress: one item each (GetItem here; written by a unit of work)."""

    def get(self, draft_id: str) -> Draft | None:
        if not is_draft_id(draft_id):
            return None
        try:
            row = DraftModel.get(f"draft#{draft_id}", consistent_read=True)
        except DoesNotExist:
            return None
        data = dict(row.data)
        data["answers"] = dict(data.get("answers") or {})
        data["done"] = tuple(data.get("done") or ())
        return Draft(draft_id=draft_id, version=int(row.version), expires_at=int(row.expires_at), **data)

    def for_bulletin(self, bulletin_id: str) -> list[Draft]:
        """One Query of the sparse by_call index (keys only), then each draft read consistently: read only when
        an administrator extends a deadline."""
        if not _valid_key(bulletin_id):
            return []
        out = []
        for key in DraftModel.by_call.query(bulletin_id):
            draft = self.get(key.key.removeprefix("draft#"))
            if draft is not None and draft.bulletin_id == bulletin_id:
                out.append(draft)
        return sorted(out, key=lambda d: d.draft_id)


class DynamoSessions:
    """The console's sessions: one item each, written alone (GetItem, PutItem, DeleteItem)."""

    def get(self, key: str) -> StaffSession | None:
        try:
            row = SessionModel.get(key, consistent_read=True)
        except DoesNotExist:
            return None
        data = dict(row.data)
        data["claims"] = dict(data.get("claims") or {})
        return StaffSession(key=row.key, **data)

    def put(self, session: StaffSession) -> None:
        data = {k: v for k, v in asdict(session).items() if k != "key"}
        SessionModel(session.key, data=data, expires_at=session.expires_at).save()

    def delete(self, key: str) -> None:
        SessionModel(key).delete()

    def index_for_user(self, user_key: str, session_key: str, until: int) -> None:
        U = UserSessionsModel
        U(USER_SESSIONS + user_key).update(actions=[U.session_keys.add({session_key}), U.expires_at.set(until)])

    def keys_for_user(self, user_key: str) -> list[str]:
        try:
            row = UserSessionsModel.get(USER_SESSIONS + user_key, consistent_read=True)
        except DoesNotExist:
            return []
        return sorted(row.session_keys or ())

    def unindex_for_user(self, user_key: str, session_keys: Iterable[str]) -> None:
        keys = set(session_keys)
        if not keys:
            return
        U = UserSessionsModel
        try:  # only on a listed user (an update would make a row with no TTL); an emptied set goes with DynamoDB
            U(USER_SESSIONS + user_key).update(actions=[U.session_keys.delete(keys)], condition=U.key.exists())
        except PynamoDBException as exc:
            if not condition_failed(exc):
                raise


class DynamoDisposal:
    """The retention job's reads (a Query on by_stage) and deletes (DeleteItem, BatchWriteItem): each idempotent, so
    a re-run after a crash finishes the file."""

    def suppressions_before(self, at: str) -> list[Suppression]:
        S = SuppressionModel
        return [Suppression(r.sk, r.status, r.at, r.message_id)
                for r in S.query("suppressed", filter_condition=S.at < at, consistent_read=True)]

    def closed_files(self, stage: str, submitted_until: str) -> list[ApplicationFile]:
        A = ApplicationModel
        return [file_from_row(a) for a in A.by_stage.query(stage, A.submitted_at <= submitted_until)]

    def delete_outbox(self, message_ids: Iterable[str]) -> int:
        ids = [m for m in message_ids if _valid_key(m)]
        with OutboxModel.batch_write() as batch:
            for m in ids:
                batch.delete(OutboxModel(m))
        return len(ids)

    def delete_trail(self, subject: str) -> int:
        if not _valid_key(subject):
            return 0
        rows = list(AuditModel.query(subject, consistent_read=True))
        with AuditModel.batch_write() as batch:
            for r in rows:
                batch.delete(r)
        return len(rows)

    def delete_tasks(self, task_ids: Iterable[str]) -> int:
        ids = [t for t in task_ids if _valid_key(t)]
        with TaskModel.batch_write() as batch:
            for t in ids:
                batch.delete(TaskModel("task", t))
        return len(ids)

    def delete_family_readiness(self, application_id: str) -> None:
        if _valid_key(application_id):
            FamilyReadinessModel(application_id).delete()

    def delete_deployment(self, cap_id: str, deployment_id: str) -> None:
        D = DeploymentModel
        try:
            D(roster_pk(cap_id), deployment_id).delete(condition=D.ended_on.exists())
        except PynamoDBException as exc:
            if not condition_failed(exc):
                raise


class DynamoStorage:
    """Every store on DynamoDB; one connection for the transactions, made on first use."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._connection: Connection | None = None
        self.sessions = DynamoSessions()
        self.drafts = DynamoDrafts()
        self.catalogue = DynamoCatalogue()
        self.files = DynamoFiles()
        self.outbox = DynamoOutbox()
        self.audit = DynamoAudit()
        self.idempotency = DynamoIdempotency()
        self.tasks = DynamoTasks()
        self.suppression = DynamoSuppression()
        self.disposal = DynamoDisposal()

    def unit_of_work(self) -> DynamoUnitOfWork:
        if self._connection is None:
            self._connection = Connection(region=self._settings.region, host=self._settings.dynamodb_endpoint)
        return DynamoUnitOfWork(self._connection)
