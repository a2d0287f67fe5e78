"""Who read what: the record of each staff read of a file, kept apart from the file's own history.

Every staff read of a file (its page or API view, its family-readiness form, its documents' list, one document, a
CSV export it was in, the Privacy Act package) leaves one row in the audit table under the subject
``reads#<application id>``, never under the file's ``application#<id>``: a read changes no version of the file and is
no part of its selection history. All of a file's reads are one Query on that subject (the disposal of a file
deletes them with it: services/reads.py says how).

A row is an ``AuditEntry``: ``kind`` says what was read (KINDS), ``actor_id`` and ``actor_role`` who, ``at`` when,
and ``details`` the rest: the staff member's username, from where (the channel, the source IP address and the user
agent, as the request gave them) and what else the kind needs (a document's id and kind, an export's filters).
This is a record kept for the program's audit, never logged.

>>> from datetime import datetime, timezone
>>> seq_for(datetime(2026, 11, 23, 14, 5, tzinfo=timezone.utc), 42)
1795442700000000000042
>>> Origin.of("api", "203.0.113.9", "curl/8.5\\r\\nX: y").user_agent
'curl/8.5  X: y'
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Iterable, Mapping

from . import access
from .bulletins import PROGRAM_TIME
from .errors import DomainError
from .records import AuditEntry
from .workflow import Actor

SUBJECT_PREFIX = "reads#"
FILE_READ = "file_read"
FAMILY_READINESS_READ = "family_readiness_read"
DOCUMENTS_LISTED = "documents_listed"
DOCUMENT_READ = "document_read"
EXPORT_READ = "export_read"
PRIVACY_PACKAGE = "privacy_package"
KINDS = (FILE_READ, FAMILY_READINESS_READ, DOCUMENTS_LISTED, DOCUMENT_READ, EXPORT_READ, PRIVACY_PACKAGE)
CHANNELS = ("api", "console")
HEALTH = "health"  # International Health Services: every read of theirs is part of the medical assessment
MAX_USER_AGENT = 256
MAX_SOURCE_IP = 64
# A row's sequence: microseconds since the epoch, then a random number below this (two reads of one file in the same
# microsecond still get two rows; the write is conditional, and a collision is tried again with another number).
SEQ_SPREAD = 1_000_000


class ReadNotRecorded(DomainError):
    """The read could not be recorded: it is refused (the access must be logged), the caller may try again."""

    status = 503
    code = "read-not-recorded"
    title_en = "This read could not be recorded"
    title_fr = "Cette consultation n'a pas pu être consignée"


def subject(application_id: str) -> str:
    return f"{SUBJECT_PREFIX}{application_id}"


def seq_for(at: datetime, rand: int) -> int:
    """The row's sort key: its time (so a Query reads the reads in order) and ``rand`` (0 to SEQ_SPREAD - 1)."""
    micros = int(at.timestamp()) * 1_000_000 + at.microsecond
    return micros * SEQ_SPREAD + rand % SEQ_SPREAD


def _clean(value: str | None, limit: int) -> str | None:
    """A header's value as a record keeps it: control characters made spaces, at most ``limit`` characters."""
    if not value:
        return None
    text = "".join(c if c.isprintable() else " " for c in str(value))
    return text[:limit] or None


@dataclass(frozen=True)
class Origin:
    """From where a read came: the channel (the JSON API or the console's pages) and what the request said of its
    sender (API Gateway's source IP, the User-Agent header)."""

    channel: str
    source_ip: str | None = None
    user_agent: str | None = None

    @classmethod
    def of(cls, channel: str, source_ip: str | None, user_agent: str | None) -> "Origin":
        return cls(channel if channel in CHANNELS else "api", _clean(source_ip, MAX_SOURCE_IP),
                   _clean(user_agent, MAX_USER_AGENT))


UNKNOWN_ORIGIN = Origin("api")


def entry(application_id: str, kind: str, actor: Actor, origin: Origin, at: str, seq: int,
          details: Mapping[str, Any] | None = None) -> AuditEntry:
    """The row of one read."""
    if kind not in KINDS:
        raise ValueError(f"unknown read kind {kind!r}")
    return AuditEntry(subject(application_id), seq, at=at, kind=kind, actor_id=actor.actor_id,
                      actor_role=actor.role,
                      details={"username": actor.username or actor.actor_id, "channel": origin.channel,
                               "source_ip": origin.source_ip, "user_agent": origin.user_agent, **(details or {})})


def _medical_document(row: AuditEntry, medical_kinds: Iterable[str]) -> bool:
    return bool(row.details) and (row.details or {}).get("document_kind") in set(medical_kinds)


def shown_to(actor: Actor, row: AuditEntry, medical_kinds: Iterable[str]) -> bool:
    """Whether this read is in the log this viewer sees: every read for a medical reader; else none by health staff
    and none of a medical document (either would say what a medical end hides)."""
    if not access.can_read_read_log(actor):
        return False
    if access.can_read_medical(actor):
        return True
    return row.actor_role != HEALTH and not _medical_document(row, medical_kinds)


def view(row: AuditEntry, viewer: Actor) -> dict[str, Any]:
    """A read as the API shows it to the read log's readers (an export's stage filter as the viewer may see it)."""
    d = dict(row.details or {})
    filters = dict(d["filters"]) if isinstance(d.get("filters"), Mapping) else None
    if filters and filters.get("stage"):
        filters["stage"] = access.stage_seen_by(viewer, str(filters["stage"]))
    return {"at": row.at, "kind": row.kind, "actor_id": row.actor_id, "actor_role": row.actor_role,
            "username": d.get("username"), "channel": d.get("channel"), "source_ip": d.get("source_ip"),
            "user_agent": d.get("user_agent"), "document_id": d.get("document_id"),
            "document_kind": d.get("document_kind"), "filters": filters}


def consulted_on(rows: Iterable[AuditEntry]) -> list[str]:
    """The days (in Ottawa) program staff consulted the file, oldest first, each once: what the applicant is told.
    Never who, nor what they read, nor how often: a health staff member's read looks like anyone's."""
    days: set[date] = set()
    for row in rows:
        at = datetime.fromisoformat(row.at.replace("Z", "+00:00"))
        days.add(at.astimezone(PROGRAM_TIME).date())
    return [d.isoformat() for d in sorted(days)]
