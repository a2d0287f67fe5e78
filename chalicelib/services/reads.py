"""Who read what: recording each staff read of a file, and reading the log back (domain/reads.py).

Recording is one write per read (a unit of work of one row, or of two when the file's view shows its
family-readiness form too), made before the answer is given: an access a federal audit requires to be logged is
refused when it cannot be logged (503 ``read-not-recorded``, try again), never answered unrecorded. An export
records a row per file it holds, in units of work of at most 100 rows (DynamoDB's transaction limit), once the CSV
is built and before it is given.

Storage: the audit table (``AuditStore``, ``UnitOfWork.append_audit``) under the subject ``reads#<application id>``
with a time-ordered ``seq``. Disposing of a file's reads is one Query on that subject (every page), then a
DeleteItem per (subject, seq) row.
"""
from __future__ import annotations

import logging
import secrets
from typing import Any, Iterable, Mapping

from ..domain import documents as document_rules
from ..domain import reads
from ..domain.access import can_read_read_log
from ..domain.reads import Origin, ReadNotRecorded
from ..domain.records import AuditEntry
from ..domain.workflow import Actor
from .deps import Deps
from .ports import ConditionFailed

log = logging.getLogger(__name__)

ATTEMPTS = 2  # a second try only for a sequence number taken meanwhile (one chance in a million per microsecond)
ROWS_PER_WRITE = 100  # DynamoDB's TransactWriteItems takes at most 100 items


def _refused() -> ReadNotRecorded:
    return ReadNotRecorded("This read could not be recorded, so it was not answered; try again in a moment.",
                           "Cette consultation n'a pas pu être consignée; elle n'a donc pas reçu de réponse. "
                           "Réessayez dans un moment.")


def _write(deps: Deps, rows: list[tuple[str, str, Mapping[str, Any] | None]], actor: Actor, origin: Origin) -> None:
    """One unit of work of these reads ((application id, kind, details) each), at one time; refused: 503."""
    now = deps.clock()
    at = deps.now()
    for _ in range(ATTEMPTS):
        uow = deps.store.unit_of_work()
        base = secrets.randbelow(reads.SEQ_SPREAD - len(rows))  # the rows of one write keep their order
        for i, (application_id, kind, details) in enumerate(rows):
            uow.append_audit(reads.entry(application_id, kind, actor, origin, at, reads.seq_for(now, base + i),
                                         details))
        try:
            uow.commit()
            return
        except ConditionFailed:
            continue
        except Exception:  # noqa: BLE001 - storage down or throttled: the read is refused, never answered unrecorded
            log.warning("read not recorded", extra={"kinds": sorted({kind for _, kind, _ in rows})})
            raise _refused() from None
    log.warning("read not recorded", extra={"kinds": sorted({kind for _, kind, _ in rows})})
    raise _refused()


def record(deps: Deps, actor: Actor, application_id: str, kind: str, origin: Origin | None,
           details: Mapping[str, Any] | None = None, also: Iterable[str] = ()) -> None:
    """Record that ``actor`` read ``kind`` of the file (and, in the same write, the kinds in ``also``)."""
    where = origin or reads.UNKNOWN_ORIGIN
    _write(deps, [(application_id, kind, details), *((application_id, k, None) for k in also)], actor, where)


def record_export(deps: Deps, actor: Actor, application_ids: list[str], origin: Origin | None,
                  details: Mapping[str, Any]) -> None:
    """Record that each of these files was in an export ``actor`` made (its filters and row count in ``details``)."""
    where = origin or reads.UNKNOWN_ORIGIN
    for start in range(0, len(application_ids), ROWS_PER_WRITE):
        chunk = application_ids[start:start + ROWS_PER_WRITE]
        _write(deps, [(app_id, reads.EXPORT_READ, details) for app_id in chunk], actor, where)


def trail(deps: Deps, application_id: str) -> list[AuditEntry]:
    """Every read of the file, oldest first (one Query)."""
    return deps.store.audit.trail(reads.subject(application_id))


def _medical_kinds() -> list[str]:
    return [code for code, kind in document_rules.kinds().items() if kind.medical]


def log_for(deps: Deps, actor: Actor, application_id: str,
            rows: list[AuditEntry] | None = None) -> list[dict[str, Any]] | None:
    """The read log as this viewer may see it (domain/reads.shown_to), newest first; None for a role that sees none."""
    if not can_read_read_log(actor):
        return None
    medical = _medical_kinds()
    found = rows if rows is not None else trail(deps, application_id)
    return [reads.view(r, actor) for r in reversed(found) if reads.shown_to(actor, r, medical)]


def consulted_on(deps: Deps, application_id: str, rows: list[AuditEntry] | None = None) -> list[str]:
    """The days program staff consulted the file (what its applicant is told: never who, nor what)."""
    return reads.consulted_on(rows if rows is not None else trail(deps, application_id))
