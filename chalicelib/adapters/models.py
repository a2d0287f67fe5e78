"""PynamoDB models: one class per table, access patterns in docs/data-model.md.

Table names and the endpoint come from config at import time (PynamoDB reads
``Meta`` then), so tests set the environment before importing this module.
"""
from __future__ import annotations

from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, IncludeProjection, KeysOnlyProjection
from pynamodb.models import Model

from ..config import get_settings

_S = get_settings()


def _meta(logical: str) -> Any:
    attrs: dict[str, Any] = {"table_name": _S.table(logical), "region": _S.region, "billing_mode": "PAY_PER_REQUEST"}
    if _S.dynamodb_endpoint:
        attrs["host"] = _S.dynamodb_endpoint
    return type("Meta", (), attrs)


def _index_meta(name: str, projection: Any) -> Any:
    return type("Meta", (), {"index_name": name, "projection": projection})


# --- catalogue: missions and caps share one table (pk = "mission" | "cap") ---

class MissionModel(Model):
    Meta = _meta("catalogue")
    pk = UnicodeAttribute(hash_key=True, default="mission")
    sk = UnicodeAttribute(range_key=True)  # mission_id
    data = JSONAttribute()  # the mission's facts, names and descriptions (en/fr)
    cap_id = UnicodeAttribute()
    accepting_applications = BooleanAttribute(default=True)
    version = NumberAttribute(default=1)
    updated_at = UnicodeAttribute()


class CapModel(Model):
    Meta = _meta("catalogue")
    pk = UnicodeAttribute(hash_key=True, default="cap")
    sk = UnicodeAttribute(range_key=True)  # cap_id
    authorized = NumberAttribute(null=True)
    deployed = NumberAttribute(default=0)
    data = JSONAttribute()  # names and note (en/fr)
    version = NumberAttribute(default=1)
    updated_at = UnicodeAttribute()


class BulletinModel(Model):
    """A call for applications (pk = "bulletin"); ``places_taken`` counts a nomination session's places."""

    Meta = _meta("catalogue")
    pk = UnicodeAttribute(hash_key=True, default="bulletin")
    sk = UnicodeAttribute(range_key=True)  # bulletin_id
    mission_id = UnicodeAttribute()
    data = JSONAttribute()  # the call as its schema describes it
    positions = NumberAttribute(null=True)  # absent: the call gives no number yet (no place can be taken)
    places_taken = NumberAttribute(default=0)
    version = NumberAttribute(default=1)
    updated_at = UnicodeAttribute()


class DeploymentModel(Model):
    """A roster entry (pk = "roster#<cap_id>"): a deployment, a file's or one in place before peaceops.

    The cap's ``deployed`` counter moves only in the transaction that starts or ends an entry."""

    Meta = _meta("catalogue")
    pk = UnicodeAttribute(hash_key=True)  # "roster#<cap_id>"
    sk = UnicodeAttribute(range_key=True)  # deployment_id
    cap_id = UnicodeAttribute()
    mission_id = UnicodeAttribute(null=True)
    application_id = UnicodeAttribute(null=True)
    started_on = UnicodeAttribute(null=True)
    planned_end = UnicodeAttribute(null=True)
    ended_on = UnicodeAttribute(null=True)
    end_reason = UnicodeAttribute(null=True)
    police_service = UnicodeAttribute(null=True)
    version = NumberAttribute(default=1)
    updated_at = UnicodeAttribute(null=True)


class TaskModel(Model):
    """A guide task of the readiness staff (pk = "task"): one Query lists them, never a scan."""

    Meta = _meta("catalogue")
    pk = UnicodeAttribute(hash_key=True, default="task")
    sk = UnicodeAttribute(range_key=True)  # task_id: "<application_id>.<guide>"
    application_id = UnicodeAttribute()
    guide = UnicodeAttribute()
    language = UnicodeAttribute()
    name = UnicodeAttribute()
    email = UnicodeAttribute()
    opened_at = UnicodeAttribute()
    status = UnicodeAttribute()  # open | done
    sent_at = UnicodeAttribute(null=True)
    sent_by = UnicodeAttribute(null=True)
    version = NumberAttribute(default=1)


class SuppressionModel(Model):
    """An address that gets no more email (a permanent bounce or a complaint), by its hash: one GetItem before each
    send. In the catalogue table, pk "suppressed"."""

    Meta = _meta("catalogue")
    pk = UnicodeAttribute(hash_key=True, default="suppressed")
    sk = UnicodeAttribute(range_key=True)  # tokens.email_key(address)
    status = UnicodeAttribute()  # bounced | complained
    at = UnicodeAttribute()
    message_id = UnicodeAttribute(null=True)


class MarkModel(Model):
    """An upgrade done once (pk = "upgrade", sk = its name), e.g. "name_index": files stored before the name index
    were indexed."""

    Meta = _meta("catalogue")
    pk = UnicodeAttribute(hash_key=True, default="upgrade")
    sk = UnicodeAttribute(range_key=True)
    updated_at = UnicodeAttribute(null=True)


class CountModel(Model):
    """A pipeline counter (pk = "count#<mission_id>", sk = "<stage>#<police_service or ->"): the files at that
    stage, moved only in the transaction of the change that moves a file (services/counts.py). The item
    pk = "count", sk = "built" says they were built."""

    Meta = _meta("catalogue")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    stage = UnicodeAttribute(null=True)
    police_service = UnicodeAttribute(null=True)
    n = NumberAttribute(default=0)
    updated_at = UnicodeAttribute(null=True)


# --- applications ---

# What a list row shows (records.FileRow): the list and search indexes project these and their keys, never the
# form, so a list page reads a few hundred bytes a file, not the whole file (infra/template.yaml mirrors them).
ROW_ATTRIBUTES = ("version", "stage", "mission_id", "mission_kind", "cap_id", "police_service", "track", "language",
                  "eligibility_flag", "family_readiness_on_file", "submitted_at", "updated_at", "given_name",
                  "family_name", "email_problem", "stage_reason", "from_stage")


def _rows(*keys: str) -> IncludeProjection:
    """The row's attributes that are not this index's keys (DynamoDB projects its keys and the table's anyway)."""
    return IncludeProjection([a for a in ROW_ATTRIBUTES if a not in keys])


class ByStage(GlobalSecondaryIndex["ApplicationModel"]):
    Meta = _index_meta("by_stage", AllProjection())
    stage = UnicodeAttribute(hash_key=True)
    submitted_at = UnicodeAttribute(range_key=True)


class ByMission(GlobalSecondaryIndex["ApplicationModel"]):
    Meta = _index_meta("by_mission", _rows("mission_id", "submitted_at"))
    mission_id = UnicodeAttribute(hash_key=True)
    submitted_at = UnicodeAttribute(range_key=True)


class ByService(GlobalSecondaryIndex["ApplicationModel"]):
    Meta = _index_meta("by_service", _rows("police_service", "submitted_at"))
    police_service = UnicodeAttribute(hash_key=True)
    submitted_at = UnicodeAttribute(range_key=True)


class BySubmitted(GlobalSecondaryIndex["ApplicationModel"]):
    Meta = _index_meta("by_submitted", _rows("list_pk", "submitted_at"))
    list_pk = UnicodeAttribute(hash_key=True)
    submitted_at = UnicodeAttribute(range_key=True)


class ByFlag(GlobalSecondaryIndex["ApplicationModel"]):
    """The pre-screen's flag: a list filtered on it alone reads only its files, not every file to keep a few."""

    Meta = _index_meta("by_flag", _rows("eligibility_flag", "submitted_at"))
    eligibility_flag = UnicodeAttribute(hash_key=True)
    submitted_at = UnicodeAttribute(range_key=True)


class ByName(GlobalSecondaryIndex["ApplicationModel"]):
    """Search by family name (sparse: only files with a name to fold carry the keys; domain/search.py): the
    folded name's first character, and the folded name, which a prefix search reads with begins_with."""

    Meta = _index_meta("by_name", _rows("name_initial", "name_key"))
    name_initial = UnicodeAttribute(hash_key=True)
    name_key = UnicodeAttribute(range_key=True)


class ByEmail(GlobalSecondaryIndex["ApplicationModel"]):
    Meta = _index_meta("by_email", KeysOnlyProjection())
    email_key = UnicodeAttribute(hash_key=True)
    submitted_at = UnicodeAttribute(range_key=True)


class ApplicationModel(Model):
    Meta = _meta("applications")
    application_id = UnicodeAttribute(hash_key=True)
    version = NumberAttribute()
    stage = UnicodeAttribute()
    mission_id = UnicodeAttribute()
    cap_id = UnicodeAttribute()
    police_service = UnicodeAttribute(null=True)
    track = UnicodeAttribute()
    language = UnicodeAttribute()
    email = UnicodeAttribute()
    email_key = UnicodeAttribute()
    list_pk = UnicodeAttribute(default="file")
    submitted_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    mission = JSONAttribute()  # the mission's facts as at submission (guards and emails read these)
    form = JSONAttribute()
    findings = JSONAttribute()
    eligibility_flag = UnicodeAttribute()
    token_hashes = ListAttribute(of=UnicodeAttribute, default=list)
    family_readiness_on_file = BooleanAttribute(default=False)
    medical_outcome = UnicodeAttribute(null=True)
    modules = JSONAttribute(default=dict)
    bulletin_id = UnicodeAttribute(null=True)
    forms_returned = JSONAttribute(default=list)  # the Preliminary Instructions forms recorded as returned
    documents = JSONAttribute(default=list)  # the documents uploaded (domain/documents.Document.as_dict each)
    stage_entered_at = UnicodeAttribute(null=True)  # when the file entered its stage (None: before this was kept)
    returned_on = UnicodeAttribute(null=True)  # the day the officer returned (their roster entry's ended_on)
    follow_up_done_at = UnicodeAttribute(null=True)  # International Health Services' post-mission follow-up
    completed_at = UnicodeAttribute(null=True)  # the follow-up is done
    name_initial = UnicodeAttribute(null=True)  # by_name's keys (domain/search.name_index), written with the file
    name_key = UnicodeAttribute(null=True)
    email_problem = JSONAttribute(null=True)  # SES said the address does not work (domain/feedback.py)
    # The list row's own copies (ROW_ATTRIBUTES), written with the file: the names as the form gives them, and the
    # mission's kind (its pathway names the stage). Files stored before: the seed's upgrade writes them.
    given_name = UnicodeAttribute(null=True)
    family_name = UnicodeAttribute(null=True)
    mission_kind = UnicodeAttribute(null=True)
    stage_reason = UnicodeAttribute(null=True)  # the coded reason of the move into its stage (an end's)
    from_stage = UnicodeAttribute(null=True)  # the stage it left for its own (domain/medical_view.py reads it)
    pending_email = JSONAttribute(null=True)  # a change of address waiting for its confirmation
    legal_hold = JSONAttribute(null=True)  # domain/retention.hold_record: never disposed of while set
    disposing_at = UnicodeAttribute(null=True)  # the retention job's mark (services/retention.py)

    by_stage = ByStage()
    by_mission = ByMission()
    by_service = ByService()
    by_submitted = BySubmitted()
    by_flag = ByFlag()
    by_name = ByName()
    by_email = ByEmail()


class FamilyReadinessModel(Model):
    """Confidential: read only by the applicant and readiness staff."""

    Meta = _meta("family-readiness")
    application_id = UnicodeAttribute(hash_key=True)
    form = JSONAttribute()
    submitted_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()


class AuditByMonth(GlobalSecondaryIndex["AuditModel"]):
    """Every staff action of a month, newest first (the audit view: domain/audit_list.py); sparse: a row from
    before the index has no ``month`` until the seed step's backfill gives it one."""

    Meta = _index_meta("by_month", AllProjection())
    month = UnicodeAttribute(hash_key=True)
    listed = UnicodeAttribute(range_key=True)


class AuditModel(Model):
    """Append-only: every put is conditional on the row not existing."""

    Meta = _meta("audit")
    subject = UnicodeAttribute(hash_key=True)  # "application#<id>" or "cap#<id>" / "mission#<id>"
    seq = NumberAttribute(range_key=True)  # the subject's version after the change
    at = UnicodeAttribute()
    kind = UnicodeAttribute()  # stage_change | medical_outcome | module_result | catalogue_change | submitted
    actor_id = UnicodeAttribute()
    actor_role = UnicodeAttribute()
    from_stage = UnicodeAttribute(null=True)
    to_stage = UnicodeAttribute(null=True)
    reason_code = UnicodeAttribute(null=True)
    note = UnicodeAttribute(null=True)
    initiated_by = UnicodeAttribute(null=True)
    details = JSONAttribute(null=True)
    expires_at = NumberAttribute(null=True)  # epoch seconds, the table's TTL attribute (rows kept apart from a file)
    month = UnicodeAttribute(null=True)  # the by_month index's keys (domain/audit_list.listing_key)
    listed = UnicodeAttribute(null=True)
    by_month = AuditByMonth()


class PendingOutbox(GlobalSecondaryIndex["OutboxModel"]):
    """Sparse: only pending messages carry ``queue`` and ``due_at``."""

    Meta = _index_meta("pending", AllProjection())
    queue = UnicodeAttribute(hash_key=True)
    due_at = UnicodeAttribute(range_key=True)


class OutboxByApplication(GlobalSecondaryIndex["OutboxModel"]):
    Meta = _index_meta("by_application", AllProjection())
    application_id = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class OutboxModel(Model):
    """One email to send; its id is derived from the event that caused it."""

    Meta = _meta("outbox")
    message_id = UnicodeAttribute(hash_key=True)
    application_id = UnicodeAttribute()
    template = UnicodeAttribute()
    recipient = UnicodeAttribute()  # applicant | coordinator
    to_address = UnicodeAttribute()
    language = UnicodeAttribute()
    params = JSONAttribute(default=dict)
    status = UnicodeAttribute()  # pending | sent | failed
    attempts = NumberAttribute(default=0)
    queue = UnicodeAttribute(null=True)
    due_at = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    sent_at = UnicodeAttribute(null=True)
    ses_message_id = UnicodeAttribute(null=True)
    last_error = UnicodeAttribute(null=True)
    requeued_at = UnicodeAttribute(null=True)
    delivery_status = UnicodeAttribute(null=True)  # SES's events: delivered | bounced | complained | rejected
    delivery_rank = NumberAttribute(null=True)  # domain/feedback.py RANK: a lower-ranked event never overwrites
    delivery_at = UnicodeAttribute(null=True)
    delivery_detail = UnicodeAttribute(null=True)

    pending = PendingOutbox()
    by_application = OutboxByApplication()


class DraftsByCall(GlobalSecondaryIndex[Any]):
    """The drafts answering one call (an extended deadline tells their applicants): sparse, only draft rows have
    ``call``; keys only, each draft is then read with a consistent GetItem."""

    Meta = _index_meta("by_call", KeysOnlyProjection())
    call = UnicodeAttribute(hash_key=True)


class IdempotencyModel(Model):
    """The table's creator: it declares the drafts' index (DraftModel reads it) and the attribute it keys on."""

    Meta = _meta("idempotency")
    key = UnicodeAttribute(hash_key=True)  # sha256(scope, Idempotency-Key)
    request_hash = UnicodeAttribute()
    status_code = NumberAttribute()
    response = JSONAttribute()  # never holds a token (tokens are re-derived)
    expires_at = NumberAttribute()  # epoch seconds, the table's TTL attribute
    issued_at = UnicodeAttribute(null=True)  # when the answer's (derived) token was issued
    call = UnicodeAttribute(null=True)  # a draft row's call (DraftModel)
    drafts_by_call = DraftsByCall()


class LimitModel(Model):
    """A limit's counter (domain/limits.py), in the idempotency table: its TTL attribute clears it."""

    Meta = _meta("idempotency")
    key = UnicodeAttribute(hash_key=True)  # "limit#<what>#<email_key>#<period>"
    used = NumberAttribute(default=0)
    expires_at = NumberAttribute()


class SessionModel(Model):
    """A staff console session (domain/staff_sessions.py), in the idempotency table: its TTL attribute clears it.
    The key is a hash of the cookie's id; the refresh token and a challenge's Cognito session are sealed."""

    Meta = _meta("idempotency")
    key = UnicodeAttribute(hash_key=True)  # "session#<sha256 of the cookie's id>"
    data = JSONAttribute()  # the record's fields (staff_sessions.StaffSession), sealed values encrypted
    expires_at = NumberAttribute()  # epoch seconds: 30 minutes idle, 12 hours at most


class UserSessionsModel(Model):
    """The console sessions of one user (so that all of them can be ended at once), in the idempotency table: the
    session records' keys, added and removed atomically (a string set); its TTL outlives the newest session."""

    Meta = _meta("idempotency")
    key = UnicodeAttribute(hash_key=True)  # "session#user#<sha256 of the canonical user name>"
    session_keys = UnicodeSetAttribute(null=True)  # "session#<sha256 of a cookie's id>", each
    expires_at = NumberAttribute()


class DraftModel(Model):
    """An application in progress (domain/drafts.py), in the idempotency table: its TTL attribute clears it 30
    days after the last save. It holds the answers as typed and the hash of its newest link, never a token."""

    Meta = _meta("idempotency")
    key = UnicodeAttribute(hash_key=True)  # "draft#<draft id>"
    data = JSONAttribute()  # the record's other fields (drafts.Draft)
    version = NumberAttribute()
    expires_at = NumberAttribute()  # epoch seconds
    call = UnicodeAttribute(null=True)  # the draft's call (bulletin_id), the by_call index's key
    by_call = DraftsByCall()


ALL_MODELS: tuple[type[Model], ...] = (
    MissionModel, ApplicationModel, FamilyReadinessModel, AuditModel, OutboxModel, IdempotencyModel,
)
