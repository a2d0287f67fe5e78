"""The records the services keep: plain frozen dataclasses that cross the storage boundary.

Storage adapters (DynamoDB through PynamoDB, or in memory for unit tests) take and
return these; no ORM model or update expression ever reaches a service.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from .bulletins import Bulletin
from .documents import Document
from .missions import Mission
from .workflow import FileState


@dataclass(frozen=True)
class ApplicationFile:
    """An application and everything the workflow records on it."""

    application_id: str
    version: int
    stage: str
    mission_id: str
    cap_id: str
    police_service: str | None
    track: str
    language: str
    email: str
    email_key: str
    submitted_at: str
    updated_at: str
    mission: Mission  # the mission as at submission (guards and emails read it)
    form: Mapping[str, Any]
    findings: tuple[Mapping[str, Any], ...]
    eligibility_flag: str
    token_hashes: tuple[str, ...] = ()
    family_readiness_on_file: bool = False
    medical_outcome: str | None = None
    modules: Mapping[str, int] = field(default_factory=dict)
    bulletin_id: str | None = None  # the call the file answered (None: filed before calls existed)
    forms_returned: tuple[str, ...] = ()  # the Preliminary Instructions forms recorded as returned
    stage_entered_at: str | None = None  # None: a file stored before this was kept
    returned_on: str | None = None  # the day the officer returned (their roster entry's ended_on)
    follow_up_done_at: str | None = None  # International Health Services recorded the post-mission follow-up
    completed_at: str | None = None  # the follow-up is done: the file is complete (domain/reintegration.py)
    # SES said the address does not work (a permanent bounce or a complaint: domain/feedback.py problem_for);
    # cleared when the applicant confirms another address.
    email_problem: Mapping[str, str] | None = None
    # A change of address asked for and not yet confirmed: {"address", "requested_at"} (services/email_change.py).
    pending_email: Mapping[str, str] | None = None
    stage_reason: str | None = None  # the coded reason of the move into the file's stage (an end's), if it had one
    # The stage the file left for its own, with that move (None: never moved, or stored before this was kept): it
    # tells a closing at the health assessment, which reads neutrally to roles without medical access.
    from_stage: str | None = None
    # The documents uploaded (domain/documents.py), oldest first; their type checked by their first bytes.
    documents: tuple["Document", ...] = ()
    # A legal hold (domain/retention.hold_record): while set, the file is never disposed of.
    legal_hold: Mapping[str, str] | None = None
    disposing_at: str | None = None  # the retention job began disposing of it (a hold is then refused)

    @property
    def given_name(self) -> str | None:
        value = self.form.get("given_name")
        return str(value) if value is not None else None

    @property
    def family_name(self) -> str | None:
        value = self.form.get("family_name")
        return str(value) if value is not None else None

    @property
    def mission_kind(self) -> str:
        return self.mission.kind

    def row(self) -> "FileRow":
        """What a list row shows of this file (the list indexes project no more)."""
        return FileRow(application_id=self.application_id, version=self.version, stage=self.stage,
                       mission_id=self.mission_id, mission_kind=self.mission_kind, cap_id=self.cap_id,
                       police_service=self.police_service, track=self.track, language=self.language,
                       eligibility_flag=self.eligibility_flag, family_readiness_on_file=self.family_readiness_on_file,
                       submitted_at=self.submitted_at, updated_at=self.updated_at, given_name=self.given_name,
                       family_name=self.family_name, email_problem=self.email_problem, stage_reason=self.stage_reason,
                       from_stage=self.from_stage)

    @property
    def full_name(self) -> str:
        """The applicant's given and family names, as they wrote them."""
        return " ".join(str(self.form.get(k, "")).strip() for k in ("given_name", "family_name")).strip()

    @property
    def in_stage_since(self) -> str:
        """When the file entered its stage (a file stored before that was kept: its last change)."""
        return self.stage_entered_at or self.updated_at

    def state(self) -> FileState:
        return FileState(
            application_id=self.application_id, stage=self.stage, version=self.version, mission_id=self.mission_id,
            cap_id=self.cap_id, police_service=self.police_service, language=self.language, bulletin_id=self.bulletin_id,
            family_readiness_on_file=self.family_readiness_on_file, medical_outcome=self.medical_outcome,
            modules=dict(self.modules), forms_returned=tuple(self.forms_returned))


@dataclass(frozen=True)
class FileRow:
    """A file as a list shows it: read from an index that projects only these attributes (issue 13: a list page
    reads what its rows show, never the form). ``ApplicationFile.row()`` makes one from a whole file."""

    application_id: str
    version: int
    stage: str
    mission_id: str
    mission_kind: str
    cap_id: str
    police_service: str | None
    track: str
    language: str
    eligibility_flag: str
    family_readiness_on_file: bool
    submitted_at: str
    updated_at: str
    given_name: str | None
    family_name: str | None
    email_problem: Mapping[str, str] | None = None
    stage_reason: str | None = None
    from_stage: str | None = None


@dataclass(frozen=True)
class FileUpdate:
    """A change to a file, made only if it is still at ``expected_version`` (and ``expected_stage``)."""

    application_id: str
    expected_version: int
    updated_at: str
    expected_stage: str | None = None
    stage: str | None = None
    family_readiness_on_file: bool | None = None
    medical_outcome: str | None = None
    modules: Mapping[str, int] | None = None
    forms_returned: tuple[str, ...] | None = None
    redirect: "Redirect | None" = None
    returned_on: str | None = None
    follow_up_done_at: str | None = None
    completed_at: str | None = None
    pending_email: Mapping[str, str] | None = None  # a change of address asked for (replaces any earlier one)
    new_email: "tuple[str, str] | None" = None  # (address, email_key) confirmed: pending and problem cleared
    stage_reason: str | None = None  # with ``stage``: the move's coded reason (none: the file's is removed)
    from_stage: str | None = None  # with ``stage``: the stage the file leaves (none: the file's is removed)
    documents: "tuple[Document, ...] | None" = None  # the file's documents, whole (one upload added or replaced)
    legal_hold: Mapping[str, str] | None = None  # a hold placed (domain/retention.hold_record)
    lift_hold: bool = False  # the file's hold lifted
    disposing_at: str | None = None  # the retention job's mark before it disposes of the file

    @property
    def version(self) -> int:
        return self.expected_version + 1


@dataclass(frozen=True)
class Redirect:
    """A file sent on to the applicant's next choice: its new opportunity, call and pre-screen summary."""

    mission: Mission
    bulletin_id: str
    eligibility_flag: str


@dataclass(frozen=True)
class FamilyReadiness:
    """Confidential: read only by the applicant and readiness staff (domain/access.py)."""

    application_id: str
    form: Mapping[str, Any]
    submitted_at: str
    updated_at: str


@dataclass(frozen=True)
class AuditEntry:
    """One append-only row: ``seq`` is the subject's version after the change."""

    subject: str  # "application#<id>", "mission#<id>" or "cap#<id>"
    seq: int
    at: str
    kind: str  # submitted | stage_change | family_readiness | medical_outcome | module_result | catalogue_change
    actor_id: str
    actor_role: str
    from_stage: str | None = None
    to_stage: str | None = None
    reason_code: str | None = None
    note: str | None = None
    initiated_by: str | None = None
    details: Mapping[str, Any] | None = None
    # Epoch seconds DynamoDB's time to live removes the row (a row that does not go with a file, such as a staff
    # lockout: domain/retention.expires_at); None for the rows disposed of with their file.
    expires_at: int | None = None


@dataclass(frozen=True)
class OutboxMessage:
    """One email to send; its id is derived from the event that caused it."""

    message_id: str
    application_id: str
    template: str
    recipient: str  # applicant | coordinator
    to_address: str
    language: str
    params: Mapping[str, Any]
    created_at: str
    status: str = "pending"  # pending | sent | failed | suppressed (the address is on the suppression list)
    attempts: int = 0
    due_at: str | None = None
    sent_at: str | None = None
    ses_message_id: str | None = None
    last_error: str | None = None
    requeued_at: str | None = None  # a coordinator queued it again: its retry window starts afresh here
    # What SES said after accepting it (domain/feedback.py): delivered | bounced | complained | rejected.
    delivery_status: str | None = None
    delivery_at: str | None = None
    delivery_detail: str | None = None  # SES's diagnostic (an SMTP answer, a bounce or complaint type)


@dataclass(frozen=True)
class Suppression:
    """An address that must get no more email: keyed by its hash (tokens.email_key), never the address."""

    email_key: str
    status: str  # bounced | complained
    at: str
    message_id: str | None  # the email whose event put it here


@dataclass(frozen=True)
class IdempotencyRecord:
    key: str  # sha256(scope, Idempotency-Key)
    request_hash: str
    status_code: int
    response: Mapping[str, Any]  # never holds a token (tokens are re-derived)
    expires_at: int  # epoch seconds
    issued_at: str | None = None  # when the answer's token was issued (it is derived again on replay)


@dataclass(frozen=True)
class StoredBulletin:
    """A call as stored: its row version (optimistic locking) and the places its session has given."""

    bulletin: Bulletin
    version: int
    places_taken: int = 0

    @property
    def places_left(self) -> int | None:
        """None while the call gives no number of positions."""
        if self.bulletin.positions is None:
            return None
        return max(self.bulletin.positions - self.places_taken, 0)
