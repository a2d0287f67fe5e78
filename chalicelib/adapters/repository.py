"""DynamoDB repository: every read and write the services make, in one place.

Each request path is a GetItem, a Query on an index, or one TransactWriteItems;
no request path scans a table. docs/data-model.md lists the access patterns.
"""
from __future__ import annotations

from dataclasses import dataclass
from contextlib import contextmanager
from typing import Any, Iterator

from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from ..config import Settings
from ..domain.missions import Cap, Mission
from ..domain.workflow import FileState, MovePlan
from .models import (
    ApplicationModel,
    AuditModel,
    CapModel,
    FamilyReadinessModel,
    IdempotencyModel,
    MissionModel,
    OutboxModel,
)


CONDITION_FAILED = "ConditionalCheckFailed"
MAX_KEY_BYTES = 2048  # DynamoDB's limit for a partition key


class ConditionFailed(Exception):
    """A transaction was cancelled. ``failed`` names the items whose condition failed."""

    def __init__(self, failed: set[str], reasons: list[str | None]) -> None:
        super().__init__(", ".join(sorted(failed)) or ", ".join(str(r) for r in reasons))
        self.failed = failed
        self.reasons = reasons


class _Tx:
    """Names each item of a TransactWriteItems call.

    PynamoDB sends condition checks, then deletes, puts and updates, whatever
    order they were added in; cancellation reasons come back in that order,
    so the labels are kept per kind and joined the same way.
    """

    def __init__(self, tw: TransactWrite) -> None:
        self.tw = tw
        self.checks: list[str] = []
        self.puts: list[str] = []
        self.updates: list[str] = []

    def put(self, label: str, model: Any, condition: Any = None) -> None:
        self.tw.save(model, condition=condition)
        self.puts.append(label)

    def update(self, label: str, model: Any, actions: list[Any], condition: Any = None) -> None:
        self.tw.update(model, actions=actions, condition=condition)
        self.updates.append(label)

    def check(self, label: str, model_cls: Any, hash_key: str, range_key: str | None, condition: Any) -> None:
        self.tw.condition_check(model_cls, hash_key, range_key, condition=condition)
        self.checks.append(label)

    def order(self) -> list[str]:
        return self.checks + self.puts + self.updates


@dataclass(frozen=True)
class NewFile:
    """Everything one submission writes, in one transaction."""

    application: ApplicationModel
    audit: AuditModel
    outbox: list[OutboxModel]
    idempotency: IdempotencyModel | None


def mission_from_model(m: MissionModel) -> Mission:
    data = dict(m.data)
    data.update(mission_id=m.sk, cap_id=m.cap_id, accepting_applications=m.accepting_applications)
    return Mission.from_dict(data)


def cap_from_model(c: CapModel) -> Cap:
    return Cap(cap_id=c.sk, authorized=None if c.authorized is None else int(c.authorized),
               deployed=int(c.deployed or 0), name=c.data.get("name", {}), note=c.data.get("note", {}))


def file_mission(a: ApplicationModel) -> Mission:
    return Mission.from_dict(a.mission)


def file_state(a: ApplicationModel) -> FileState:
    return FileState(
        application_id=a.application_id, stage=a.stage, version=int(a.version), mission_id=a.mission_id,
        cap_id=a.cap_id, police_service=a.police_service, language=a.language,
        family_readiness_on_file=bool(a.family_readiness_on_file), medical_outcome=a.medical_outcome,
        modules={k: int(v) for k, v in (a.modules or {}).items()},
    )


def _index_for(filters: Any) -> tuple[str, str]:
    """The most selective index for the filters, and its hash key."""
    if filters.stage:
        return "by_stage", filters.stage
    if filters.mission:
        return "by_mission", filters.mission
    if filters.service:
        return "by_service", filters.service
    return "by_submitted", "file"


def _date_range(filters: Any) -> Any:
    A = ApplicationModel
    if filters.range_from and filters.range_to:
        return A.submitted_at.between(filters.range_from, filters.range_to)
    if filters.range_from:
        return A.submitted_at >= filters.range_from
    if filters.range_to:
        return A.submitted_at <= filters.range_to
    return None


def _other_filters(filters: Any, index: str) -> Any:
    """What the chosen index does not already select, as one filter expression."""
    A = ApplicationModel
    conds = []
    if filters.mission and index != "by_mission":
        conds.append(A.mission_id == filters.mission)
    if filters.service and index != "by_service":
        conds.append(A.police_service == filters.service)
    if filters.flag:
        conds.append(A.eligibility_flag == filters.flag)
    combined = None
    for c in conds:
        combined = c if combined is None else combined & c
    return combined


class Repository:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._connection: Connection | None = None

    def _conn(self) -> Connection:
        if self._connection is None:
            self._connection = Connection(region=self._settings.region, host=self._settings.dynamodb_endpoint)
        return self._connection

    @contextmanager
    def _transaction(self) -> Iterator[_Tx]:
        """One TransactWriteItems; a cancellation becomes ConditionFailed naming the items."""
        tx = _Tx(TransactWrite(connection=self._conn()))
        try:
            with tx.tw:
                yield tx
        except TransactWriteError as err:
            reasons = [r.code if r is not None else None for r in (err.cancellation_reasons or [])]
            failed = {label for label, code in zip(tx.order(), reasons, strict=False) if code == CONDITION_FAILED}
            raise ConditionFailed(failed, reasons) from err

    # --- catalogue ---------------------------------------------------------

    def missions(self) -> list[Mission]:
        return [mission_from_model(m) for m in MissionModel.query("mission")]

    def caps(self) -> dict[str, Cap]:
        return {c.sk: cap_from_model(c) for c in CapModel.query("cap")}

    def mission(self, mission_id: str) -> Mission | None:
        try:
            return mission_from_model(MissionModel.get("mission", mission_id))
        except DoesNotExist:
            return None

    def cap(self, cap_id: str) -> Cap | None:
        try:
            return cap_from_model(CapModel.get("cap", cap_id))
        except DoesNotExist:
            return None

    def mission_models(self, mission_ids: list[str]) -> dict[str, Mission]:
        keys = [("mission", mid) for mid in dict.fromkeys(mission_ids)]
        return {m.sk: mission_from_model(m) for m in MissionModel.batch_get(keys)}

    def put_catalogue(self, caps: list[CapModel], missions: list[MissionModel]) -> None:
        """Seed: write items that do not exist yet; never overwrite live figures."""
        for item in [*caps, *missions]:
            try:
                model_cls: Any = type(item)
                item.save(condition=model_cls.sk.does_not_exist())
            except Exception as exc:  # noqa: BLE001 - PutError wraps the condition failure
                if "ConditionalCheckFailed" not in str(exc):
                    raise

    # --- applications -----------------------------------------------------

    def create_file(self, new: NewFile) -> None:
        """Application, first audit row, outbox rows and idempotency record, all or nothing."""
        with self._transaction() as tx:
            tx.put("file", new.application, ApplicationModel.application_id.does_not_exist())
            tx.put("audit", new.audit, AuditModel.subject.does_not_exist())
            for row in new.outbox:
                tx.put("outbox", row, OutboxModel.message_id.does_not_exist())
            if new.idempotency is not None:
                tx.put("idempotency", new.idempotency, IdempotencyModel.key.does_not_exist())

    def application(self, application_id: str) -> ApplicationModel | None:
        if not application_id or len(application_id.encode("utf-8")) > MAX_KEY_BYTES:
            return None  # no file has such a key (DynamoDB would refuse the read: a 500, not a 404)
        try:
            return ApplicationModel.get(application_id, consistent_read=True)
        except DoesNotExist:
            return None

    def application_ids_for_email(self, email_key: str) -> list[str]:
        return [a.application_id for a in ApplicationModel.by_email.query(email_key)]

    def add_token_hash(self, application_id: str, token_hash: str, keep: int) -> None:
        """Add a fresh link's hash; keep only the newest ``keep`` (a plain update, no version bump)."""
        app = ApplicationModel.get(application_id, consistent_read=True)
        hashes: list[Any] = ([str(h) for h in app.token_hashes or []] + [token_hash])[-keep:]
        app.update(actions=[ApplicationModel.token_hashes.set(hashes)])

    def idempotency(self, key: str) -> IdempotencyModel | None:
        try:
            return IdempotencyModel.get(key, consistent_read=True)
        except DoesNotExist:
            return None

    def family_readiness(self, application_id: str) -> FamilyReadinessModel | None:
        try:
            return FamilyReadinessModel.get(application_id, consistent_read=True)
        except DoesNotExist:
            return None

    def save_family_readiness(self, state: FileState, form: dict[str, Any], now: str, audit: AuditModel) -> None:
        """Form, file flag (version + 1) and audit row in one transaction."""
        existing = self.family_readiness(state.application_id)
        row = FamilyReadinessModel(state.application_id, form=form, updated_at=now,
                                   submitted_at=existing.submitted_at if existing else now)
        with self._transaction() as tx:
            tx.put("family_readiness", row)
            tx.update("file", ApplicationModel(state.application_id), [
                ApplicationModel.family_readiness_on_file.set(True),
                ApplicationModel.version.set(state.version + 1),
                ApplicationModel.updated_at.set(now),
            ], ApplicationModel.version == state.version)
            tx.put("audit", audit, AuditModel.subject.does_not_exist())

    def record_fact(self, state: FileState, actions: list[Any], now: str, audit: AuditModel) -> None:
        """A fact on the file (medical outcome, module result): version + 1 and audit, atomically."""
        with self._transaction() as tx:
            tx.update("file", ApplicationModel(state.application_id), [
                *actions,
                ApplicationModel.version.set(state.version + 1),
                ApplicationModel.updated_at.set(now),
            ], ApplicationModel.version == state.version)
            tx.put("audit", audit, AuditModel.subject.does_not_exist())

    def apply_move(self, plan: MovePlan, now: str, audit: AuditModel, outbox: list[OutboxModel]) -> None:
        """The stage change, its seat, its audit row and its emails: one transaction.

        The first item's condition (stage and version as read) makes a stale or
        repeated move fail; the cap's condition makes over-deployment impossible
        however many moves race. Reasons come back in item order.
        """
        with self._transaction() as tx:
            tx.update("file", ApplicationModel(plan.application_id), [
                ApplicationModel.stage.set(plan.to_stage),
                ApplicationModel.version.set(plan.to_version),
                ApplicationModel.updated_at.set(now),
            ], (ApplicationModel.version == plan.from_version) & (ApplicationModel.stage == plan.from_stage))
            tx.put("audit", audit, AuditModel.subject.does_not_exist())
            for row in outbox:
                tx.put("outbox", row, OutboxModel.message_id.does_not_exist())
            if plan.seat == "take":
                tx.update("cap", CapModel("cap", plan.cap_id), [CapModel.deployed.add(1), CapModel.updated_at.set(now)],
                          CapModel.authorized.exists() & (CapModel.deployed < CapModel.authorized))
            elif plan.seat == "release":
                tx.update("cap", CapModel("cap", plan.cap_id), [CapModel.deployed.add(-1), CapModel.updated_at.set(now)],
                          CapModel.deployed > 0)

    def audit_trail(self, subject: str) -> list[AuditModel]:
        return list(AuditModel.query(subject))

    # --- outbox ------------------------------------------------------------

    def outbox_for(self, application_id: str) -> list[OutboxModel]:
        return list(OutboxModel.by_application.query(application_id))

    def due_messages(self, now: str, limit: int) -> Iterator[OutboxModel]:
        return OutboxModel.pending.query("pending", OutboxModel.due_at <= now, limit=limit)

    def outbox_row(self, message_id: str) -> OutboxModel | None:
        try:
            return OutboxModel.get(message_id, consistent_read=True)
        except DoesNotExist:
            return None

    def claim_message(self, row: OutboxModel, lease_until: str) -> bool:
        """Take the row for one attempt: no two workers send the same attempt."""
        try:
            row.update(actions=[OutboxModel.attempts.add(1), OutboxModel.due_at.set(lease_until)],
                       condition=(OutboxModel.status == "pending") & (OutboxModel.attempts == row.attempts))
            return True
        except Exception as exc:  # noqa: BLE001 - UpdateError wraps the condition failure
            if "ConditionalCheckFailed" in str(exc):
                return False
            raise

    def mark_sent(self, message_id: str, ses_message_id: str, now: str, attempts: int) -> None:
        OutboxModel(message_id).update(actions=[
            OutboxModel.attempts.set(attempts),
            OutboxModel.status.set("sent"), OutboxModel.ses_message_id.set(ses_message_id),
            OutboxModel.sent_at.set(now), OutboxModel.queue.remove(), OutboxModel.due_at.remove(),
            OutboxModel.last_error.remove(),
        ], condition=OutboxModel.status == "pending")

    def mark_attempt_failed(self, message_id: str, error: str, due_at: str | None, attempts: int) -> None:
        """Record a failed attempt: back to the queue at ``due_at``, or failed for good."""
        if due_at is None:
            actions = [OutboxModel.status.set("failed"), OutboxModel.queue.remove(), OutboxModel.due_at.remove()]
        else:
            actions = [OutboxModel.due_at.set(due_at)]
        OutboxModel(message_id).update(actions=[*actions, OutboxModel.last_error.set(error[:500]),
                                                OutboxModel.attempts.set(attempts)])

    def put_outbox_once(self, row: OutboxModel) -> bool:
        """Write a message unless one with its id exists (a retried request)."""
        try:
            row.save(condition=OutboxModel.message_id.does_not_exist())
            return True
        except Exception as exc:  # noqa: BLE001 - PutError wraps the condition failure
            if "ConditionalCheckFailed" in str(exc):
                return False
            raise

    # --- coordinators' lists ------------------------------------------------

    def list_page(self, filters: Any, limit: int, start_key: dict[str, Any] | None) -> tuple[list[ApplicationModel], dict[str, Any] | None]:
        """Exactly one Query on the most selective index, newest first; other filters apply server-side."""
        index, hash_key = _index_for(filters)
        raw = ApplicationModel._get_connection().query(
            hash_key, range_key_condition=_date_range(filters), filter_condition=_other_filters(filters, index),
            index_name=index, limit=limit, exclusive_start_key=start_key, scan_index_forward=False)
        items = [ApplicationModel.from_raw_data(item) for item in raw.get("Items", [])]
        return items, raw.get("LastEvaluatedKey")

    def stages_for_mission(self, mission_id: str, service: str | None) -> list[str]:
        """Stage of every file of a mission (index query, stage attribute only)."""
        cond = ApplicationModel.police_service == service if service else None
        return [a.stage for a in ApplicationModel.by_mission.query(
            mission_id, filter_condition=cond, attributes_to_get=["stage"])]

    # --- catalogue edits ----------------------------------------------------

    def save_mission(self, row: MissionModel, expected_version: int | None, audit: AuditModel) -> None:
        """Create (expected_version None) or replace a mission, with its audit row, atomically."""
        cond = (MissionModel.sk.does_not_exist() if expected_version is None
                else MissionModel.version == expected_version)
        with self._transaction() as tx:
            tx.put("mission", row, cond)
            tx.check("cap", CapModel, "cap", row.cap_id, CapModel.sk.exists())
            tx.put("audit", audit, AuditModel.subject.does_not_exist())

    def mission_row(self, mission_id: str) -> MissionModel | None:
        try:
            return MissionModel.get("mission", mission_id, consistent_read=True)
        except DoesNotExist:
            return None

    def cap_row(self, cap_id: str) -> CapModel | None:
        try:
            return CapModel.get("cap", cap_id, consistent_read=True)
        except DoesNotExist:
            return None

    def create_cap(self, row: CapModel, audit: AuditModel) -> None:
        with self._transaction() as tx:
            tx.put("cap", row, CapModel.sk.does_not_exist())
            tx.put("audit", audit, AuditModel.subject.does_not_exist())

    def set_cap_authorized(self, cap_id: str, authorized: int, version: int, now: str, audit: AuditModel) -> None:
        """Never below the number deployed: the condition is checked atomically."""
        with self._transaction() as tx:
            tx.update("cap", CapModel("cap", cap_id), [
                CapModel.authorized.set(authorized), CapModel.version.set(version + 1), CapModel.updated_at.set(now),
            ], (CapModel.version == version) & (CapModel.deployed <= authorized))
            tx.put("audit", audit, AuditModel.subject.does_not_exist())

    def requeue_message(self, message_id: str, now: str) -> bool:
        """A failed email goes back to the queue (a coordinator's decision)."""
        try:
            OutboxModel(message_id).update(actions=[
                OutboxModel.status.set("pending"), OutboxModel.queue.set("pending"), OutboxModel.due_at.set(now),
                OutboxModel.attempts.set(0),
            ], condition=OutboxModel.status == "failed")
            return True
        except Exception as exc:  # noqa: BLE001 - UpdateError wraps the condition failure
            if "ConditionalCheckFailed" in str(exc):
                return False
            raise
