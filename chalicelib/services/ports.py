"""The storage boundary: what the services may ask of storage, one small Protocol per aggregate.

Services take a ``Storage`` (through ``Deps``) and see only these methods and the
domain records of chalicelib/domain/records.py. Two implementations:
``adapters.dynamo.DynamoStorage`` (PynamoDB on DynamoDB; moto in the integration
tests) and ``adapters.memory.MemoryStorage`` (dicts; the service unit tests).

Reads go through the per-aggregate stores. Every write that must happen whole goes
through a ``UnitOfWork``: the service records its intents, then ``commit()`` writes
them in one transaction (one TransactWriteItems on DynamoDB), or none of them. A
refused condition raises ``ConditionFailed`` naming the items that failed
("file", "cap", "deployment", "mission", "idempotency", "audit", "outbox",
"family_readiness", "bulletin", "task", "draft").
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping, Protocol

from ..domain.bulletins import Bulletin
from ..domain.deployments import Deployment
from ..domain.drafts import Draft
from ..domain.limits import Counter
from ..domain.listing import Filters
from ..domain.missions import Cap, Mission
from ..domain.reintegration import GuideTask
from ..domain.staff_accounts import StaffAccount
from ..domain.staff_sessions import AuthStep, StaffSession
from ..domain.records import (
    ApplicationFile,
    AuditEntry,
    FamilyReadiness,
    FileRow,
    FileUpdate,
    IdempotencyRecord,
    OutboxMessage,
    Suppression,
    StoredBulletin,
)

Position = dict[str, Any]  # where a list page ended; opaque to services (cursors encrypt it)
# A pipeline counter's key: (mission_id, stage, police_service); the stage as it was written (a renamed stage's
# old name reads through the workflow's renamed_stages, like a file's).
CountKey = tuple[str, str, str | None]


class ConditionFailed(Exception):
    """A unit of work was refused; ``failed`` names the items whose condition failed."""

    def __init__(self, failed: set[str]) -> None:
        super().__init__(", ".join(sorted(failed)) or "transaction cancelled")
        self.failed = failed


class CatalogueStore(Protocol):
    def missions(self) -> list[Mission]:
        """Every readable mission; an unreadable row is skipped with a logged warning."""

    def mission(self, mission_id: str) -> Mission | None:
        """One mission; ``UnreadableMission`` if its row does not fit the schema."""

    def mission_version(self, mission_id: str) -> tuple[Mission, int] | None:
        """A mission and its row version (for optimistic locking), read consistently."""

    def missions_by_id(self, mission_ids: Iterable[str]) -> dict[str, Mission]:
        """The readable missions among these ids."""

    def caps(self) -> dict[str, Cap]:
        ...

    def cap(self, cap_id: str) -> Cap | None:
        ...

    def seed(self, missions: Iterable[Mission], now: str) -> None:
        """Write the missions that are missing; never overwrite a live row (caps are added by a unit of work,
        with their roster)."""

    def roster(self, cap_id: str) -> list[Deployment]:
        """Every roster entry of a cap, active and ended, read consistently."""

    def deployment(self, cap_id: str, deployment_id: str) -> Deployment | None:
        ...

    def bulletins(self) -> list[StoredBulletin]:
        """Every readable call, open or not (an unreadable row is skipped and logged)."""

    def bulletin(self, bulletin_id: str) -> StoredBulletin | None:
        ...

    def file_counts(self, mission_id: str, service: str | None) -> dict[str, int]:
        """The mission's files per stage (of one police service, or all), from its counters: one Query whatever
        the number of files; a stage's key is the name it was counted under."""

    def file_counts_built(self) -> bool:
        """Whether the counters were built (a store written before them has files and no counters)."""

    def replace_file_counts(self, counts: Mapping[CountKey, int], now: str) -> None:
        """Set every counter to these figures (any other to 0) and mark them built: the one-off rebuild."""


class FileStore(Protocol):
    def get(self, application_id: str) -> ApplicationFile | None:
        ...

    def ids_for_email(self, email_key: str) -> list[str]:
        ...

    def add_token_hash(self, application_id: str, token_hash: str, keep: int,
                       known: tuple[str, ...] | None = None) -> None:
        """Add a link's hash and keep the newest ``keep``; safe against another link added meanwhile.

        ``known``: the hashes as the caller read them (saves a read; a stale one only costs a retry)."""

    def family_readiness(self, application_id: str) -> FamilyReadiness | None:
        ...

    def page(self, filters: Filters, limit: int, start: Position | None) -> tuple[list[FileRow], Position | None]:
        """One page of the filtered list, newest first, and where it ended (None: the last page): rows, as the list
        indexes project them (records.FileRow), never whole files."""

    def at_stage(self, stage: str, cap_id: str | None = None) -> list[ApplicationFile]:
        """The files stored at ``stage`` (of one cap), through the stage index, oldest submission first."""

    def by_name(self, prefix: str, service: str | None, limit: int,
                start: Position | None) -> tuple[list[FileRow], Position | None]:
        """One page of the files whose folded family name (domain/search.py) starts with ``prefix``, in name order,
        and where it ended: one Query on the name index (one police service's files through a filter)."""

    def name_index_built(self) -> bool:
        """Whether every file stored before the name index was indexed (``index_names`` then the mark)."""

    def index_names(self, rows: Iterable[FileRow]) -> int:
        """Write these files' name-index keys (from their family name) and their list row's own copies of the names
        and the mission's kind (the upgrade of files stored before them); returns how many files were written."""

    def mark_name_index_built(self, now: str) -> None:
        ...

    def flag_email_problem(self, application_id: str, email_key: str, problem: Mapping[str, str]) -> bool:
        """Record that the file's address does not work, only while the file still has that address
        (``email_key``); no version change (it is SES's word, not a change of the file). False otherwise."""


class OutboxStore(Protocol):
    def for_application(self, application_id: str) -> list[OutboxMessage]:
        ...

    def due(self, now: str, limit: int) -> list[OutboxMessage]:
        ...

    def get(self, message_id: str) -> OutboxMessage | None:
        ...

    def claim(self, message: OutboxMessage, lease_until: str) -> OutboxMessage | None:
        """Take a pending row for one attempt (attempts + 1); None if another worker holds it."""

    def mark_sent(self, message_id: str, ses_message_id: str, now: str, attempts: int) -> None:
        ...

    def mark_attempt_failed(self, message_id: str, error: str, due_at: str | None, attempts: int) -> None:
        """Back to the queue at ``due_at``, or failed for good when it is None."""

    def add_once(self, message: OutboxMessage) -> bool:
        """Write a message unless one with its id exists (a retried request)."""

    def requeue(self, message_id: str, now: str) -> bool:
        """A failed email goes back to the queue; False unless it was failed."""

    def mark_suppressed(self, message_id: str, now: str, attempts: int) -> None:
        """A claimed row is not sent (its address is suppressed): done for good, status "suppressed"."""

    def forget_param(self, message_id: str, name: str) -> None:
        """Drop one value of a row's ``extra`` params (a staff invitation's sealed temporary password, once sent)."""

    def record_feedback(self, message_id: str, status: str, rank: int, at: str, detail: str) -> bool:
        """SES's word on a sent email, only over a lower-ranked one (domain/feedback.py RANK): a duplicate or an
        out-of-order event changes nothing. False when nothing changed (or no such row)."""


class SuppressionStore(Protocol):
    """Addresses that get no more email, by their hash."""

    def get(self, email_key: str) -> Suppression | None:
        ...

    def add(self, suppression: Suppression) -> bool:
        """Put on the list unless already there (the first event's reason stays); False if it was."""

    def remove(self, email_key: str) -> None:
        """Off the list (an applicant confirmed the address again, through a link sent to it)."""


class AuditStore(Protocol):
    def month(self, month: str, before: str | None, limit: int) -> list[AuditEntry]:
        """Up to ``limit`` rows of a month (``YYYY-MM``, UTC), newest first, whose listing key is below ``before``
        (domain/audit_list.listing_key): the audit view's index."""
        ...

    def index_unlisted(self) -> int:
        """Give rows written before the listing index their keys; returns how many (idempotent)."""
        ...

    def trail(self, subject: str) -> list[AuditEntry]:
        ...


class IdempotencyStore(Protocol):
    def get(self, key: str) -> IdempotencyRecord | None:
        ...

    def counted(self, key: str) -> int:
        """A limit's counter (domain/limits.py) as stored; 0 when there is none."""


class DraftStore(Protocol):
    """Applications in progress (domain/drafts.py), by their id."""

    def get(self, draft_id: str) -> Draft | None:
        """The draft, read consistently; None when there is none. One past its ``expires_at`` may still be here
        (DynamoDB's TTL deletes lazily): the service checks ``live(now)``."""

    def for_bulletin(self, bulletin_id: str) -> list[Draft]:
        """Every stored draft for this call (sent or not, expired ones too until the TTL clears them)."""


class SessionStore(Protocol):
    """The staff console's sessions (domain/staff_sessions.py), by the hash of their cookie's id."""

    def get(self, key: str) -> "StaffSession | None":
        """The record, read consistently; None when there is none. One past its ``expires_at`` may still be here
        (DynamoDB's TTL deletes lazily, up to days later): the service checks ``live(now)``."""

    def put(self, session: "StaffSession") -> None:
        ...

    def delete(self, key: str) -> None:
        ...

    def index_for_user(self, user_key: str, session_key: str, until: int) -> None:
        """List a signed-in session under its user (one record per user; its TTL ``until`` outlives the session)."""

    def keys_for_user(self, user_key: str) -> list[str]:
        """The keys of the sessions listed under a user (some may have ended meanwhile)."""

    def unindex_for_user(self, user_key: str, session_keys: Iterable[str]) -> None:
        ...


class IdentityProvider(Protocol):
    """The staff user pool's sign-in (adapters/cognito_auth.py; a fake in the unit tests). Every answer is an
    ``AuthStep``: a challenge to answer next, or the tokens. A refused step raises ``SignInRefused``."""

    def start(self, username: str, password: str) -> "AuthStep":
        ...

    def new_password(self, username: str, session: str, password: str) -> "AuthStep":
        ...

    def answer_totp(self, username: str, session: str, code: str) -> "AuthStep":
        ...

    def associate_totp(self, session: str | None = None, access_token: str | None = None) -> tuple[str, str | None]:
        """A new TOTP secret for the user (and the challenge's next session, when set up within one)."""

    def verify_totp(self, code: str, session: str | None = None, access_token: str | None = None) -> str | None:
        """The first code from the authenticator; the next session when within a challenge."""

    def finish_setup(self, username: str, session: str) -> "AuthStep":
        ...

    def prefer_totp(self, access_token: str) -> None:
        """TOTP is this user's MFA from now on (a pool where MFA is optional asks for it next time)."""

    def refresh(self, refresh_token: str) -> "AuthStep":
        ...

    def sign_out(self, access_token: str) -> None:
        """Revoke every refresh token of the user (GlobalSignOut)."""


class StaffDirectory(Protocol):
    """The staff user pool as an administrator manages it (adapters/cognito_admin.py on Cognito's admin API; a
    fake in the unit tests). A user name the pool does not have raises ``NotFound``; an invitation to a user name
    it has, ``AccountExists``."""

    def invite(self, username: str, name: str, email: str, role: str, police_service: str | None, language: str,
               temporary_password: str) -> StaffAccount:
        """A new account (AdminCreateUser, Cognito's own message suppressed) in ``role``'s group, its password
        temporary: the first sign-in asks for a new one, then TOTP."""

    def get(self, username: str) -> StaffAccount | None:
        ...

    def find_by_email(self, email: str) -> StaffAccount | None:
        """Any account with this email address, whatever its user name."""

    def list_accounts(self) -> list[StaffAccount]:
        """Every account, with its role (the console group it is in) and service."""

    def set_role(self, username: str, role: str, police_service: str | None) -> None:
        """Into ``role``'s group only (out of every other console group), with that service or none."""

    def set_enabled(self, username: str, enabled: bool) -> None:
        ...

    def reset_temporary_password(self, username: str, temporary_password: str) -> None:
        """A new temporary password for an account still invited (a lost invitation)."""

    def sign_out_everywhere(self, username: str) -> None:
        """Revoke every refresh token of the user (AdminUserGlobalSignOut)."""


class TaskStore(Protocol):
    """The readiness staff's guide tasks, under one key (never a scan)."""

    def get(self, task_id: str) -> GuideTask | None:
        ...

    def for_application(self, application_id: str) -> list[GuideTask]:
        """The file's tasks, read consistently."""

    def listed(self, status: str) -> list[GuideTask]:
        """Every task with this status ("open", "done" or "all"), oldest first."""


class ObjectStore(Protocol):
    """The documents' bucket (adapters/objects.py on S3; adapters/memory.MemoryObjects in the unit tests). Keys are
    domain/documents.py's; the store never sees a name the applicant typed.

    The bucket is versioned, and an upload form stays valid for minutes: the same form can post again to the same
    key, making a new version. So a recorded document names the version that was checked (``version_id``), and
    every read of it names that version; ``version_id=None`` means the key's current version."""

    def presign_post(self, key: str, conditions: list[Any], fields: Mapping[str, str],
                     expires_in: int) -> tuple[str, dict[str, str]]:
        """The form a browser posts a file with, straight to the store: its action URL and hidden fields (the key,
        the signed policy holding ``conditions`` and ``fields``)."""

    def head(self, key: str, version_id: str | None = None) -> tuple[int, str | None] | None:
        """(length in bytes, version id) of the object's current version, or of the version named (HeadObject);
        None when there is no such object or version. The version id is None only in a bucket never versioned."""

    def first_bytes(self, key: str, count: int, version_id: str | None = None) -> bytes:
        """The first ``count`` bytes of the current version, or of the one named (a ranged GET)."""

    def tags(self, key: str, version_id: str | None = None) -> tuple[str | None, dict[str, str]]:
        """(the version whose tags these are, its tags) (GetObjectTagging): the malware scan writes its verdict
        there, on the version it scanned. Without ``version_id``, the current version's; (None, {}) when there is
        no such object or version."""

    def versions(self, key: str) -> list[str]:
        """Every version id of exactly this key, delete markers included, newest first (ListObjectVersions)."""

    def delete(self, key: str, version_id: str | None = None) -> None:
        """Delete the object (in a versioned bucket, a delete marker over its versions), or for good the version
        named."""

    def presign_get(self, key: str, expires_in: int, filename: str, content_type: str,
                    version_id: str | None = None) -> str:
        """A URL that opens the object (the version named, when one is) for ``expires_in`` seconds, saved as
        ``filename``."""

    def delete_every_version(self, prefix: str) -> int:
        """Every version and delete marker of every object under ``prefix`` deleted for good (the bucket is
        versioned: a plain delete would only hide them); returns how many were deleted (0 when none is left)."""


class DisposalStore(Protocol):
    """What the retention job (services/retention.py) reads and deletes; each delete is idempotent (a re-run after a
    crash deletes what is left). The file itself goes last, through a unit of work (``delete_file``)."""

    def closed_files(self, stage: str, submitted_until: str) -> list[ApplicationFile]:
        """The files at ``stage`` submitted at or before ``submitted_until``: one Query on the stage index (its
        submission date the range key), never a scan."""

    def delete_outbox(self, message_ids: Iterable[str]) -> int:
        ...

    def delete_trail(self, subject: str) -> int:
        """Every audit row of ``subject``."""

    def delete_tasks(self, task_ids: Iterable[str]) -> int:
        ...

    def delete_family_readiness(self, application_id: str) -> None:
        ...

    def delete_deployment(self, cap_id: str, deployment_id: str) -> None:
        """An ended roster entry of a disposed file (its id names the file); an active one is never deleted (the
        cap's count is its active entries)."""

    def suppressions_before(self, at: str) -> list[Suppression]:
        """The suppressed addresses (hashes) put on the list before ``at``: one Query on the list's partition."""


class UnitOfWork(Protocol):
    """Intents recorded by a service, written whole by ``commit()``."""

    def add_file(self, file: ApplicationFile) -> None:
        ...

    def update_file(self, update: FileUpdate) -> None:
        ...

    def put_family_readiness(self, form: FamilyReadiness) -> None:
        ...

    def append_audit(self, entry: AuditEntry) -> None:
        ...

    def add_outbox(self, message: OutboxMessage) -> None:
        ...

    def remember(self, record: IdempotencyRecord, now: int) -> None:
        """Written unless a live record has its key (one past its ``expires_at``, epoch seconds, counts as gone:
        DynamoDB's TTL deletes expired rows lazily, up to days later)."""

    def start_deployment(self, deployment: Deployment, now: str) -> None:
        """A new roster entry and one more deployed on its cap, only while the cap has an authorized figure above
        its deployed count ("cap") and no entry has this id ("deployment")."""

    def end_deployment(self, ended: Deployment, expected_version: int, now: str) -> None:
        """An active entry ends (its end date and reason; version + 1) and its cap counts one fewer."""

    def correct_deployment(self, corrected: Deployment, expected_version: int, now: str) -> None:
        """An active entry's mission, start, planned end or police service corrected (version + 1); the count is
        unchanged."""

    def import_deployments(self, cap_id: str, added: list[Deployment], expected_deployed: int, cap_version: int,
                           now: str) -> None:
        """New entries on one cap and its count raised by as many in one write, only while the cap is as read
        (its count and version: the caller checked the authorized figure)."""

    def hand_over_deployment(self, ended: Deployment, expected_version: int, incoming: Deployment, now: str) -> None:
        """A rotation: an active entry ends and a new one takes its seat in the same write; the cap's count is
        unchanged (one item per DynamoDB transaction: the cap is not written twice)."""

    def put_mission(self, mission: Mission, version: int, expected_version: int | None, now: str) -> None:
        """Create (expected_version None) or replace a mission; its cap must exist."""

    def add_cap(self, cap: Cap, now: str, roster: Iterable[Deployment] = ()) -> None:
        """A new cap with the roster entries that stand for its deployed figure (as many active as it counts)."""

    def set_authorized(self, cap_id: str, authorized: int, expected_version: int, now: str) -> None:
        """Never below the cap's deployed count (checked in the same write)."""

    def put_bulletin(self, bulletin: Bulletin, version: int, expected_version: int | None, now: str) -> None:
        """Create (expected_version None) or replace a call; its mission must exist."""

    def put_draft(self, draft: Draft, expected_version: int | None) -> None:
        """Write a draft: a new one (``expected_version`` None) unless one has its id, else only over the version
        read ("draft" when refused: another save, or the submission, came first)."""

    def count_within(self, counter: "Counter") -> None:
        """One more on a limit's counter, only while it is under its limit ("limit" when refused)."""

    def count_back(self, counter: "Counter") -> None:
        """One fewer on a limit's counter (an attempt counted before it was tried, then accepted); never below 0."""

    def take_place(self, bulletin_id: str, now: str) -> None:
        """One more place of the call's session, only while fewer than its positions are taken."""

    def release_place(self, bulletin_id: str, now: str) -> None:
        ...

    def open_task(self, task: GuideTask) -> None:
        """A new guide task, unless one has its id ("task")."""

    def mark_task_sent(self, task: GuideTask, expected_version: int) -> None:
        """An open task at ``expected_version`` is done ("task")."""

    def delete_file(self, application_id: str, expected_version: int) -> None:
        """The file itself, only at ``expected_version`` ("file"); its index entries go with it."""

    def count_file(self, key: CountKey, by: int, now: str) -> None:
        """One more (``by`` = 1) or one fewer (-1) file on a pipeline counter, in the change that moves it; never a
        condition (a counter never refuses a change). One call per counter per unit of work (DynamoDB allows one
        operation per item per transaction)."""

    def commit(self) -> None:
        ...


class Storage(Protocol):
    @property
    def catalogue(self) -> CatalogueStore: ...

    @property
    def sessions(self) -> SessionStore: ...

    @property
    def files(self) -> FileStore: ...

    @property
    def outbox(self) -> OutboxStore: ...

    @property
    def audit(self) -> AuditStore: ...

    @property
    def idempotency(self) -> IdempotencyStore: ...

    @property
    def tasks(self) -> TaskStore: ...

    @property
    def drafts(self) -> DraftStore: ...

    @property
    def suppression(self) -> SuppressionStore: ...

    @property
    def disposal(self) -> DisposalStore: ...

    def unit_of_work(self) -> UnitOfWork: ...
