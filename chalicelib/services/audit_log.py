"""The audit view: every staff action, across subjects, newest first, searchable and exportable (IRSS, admins).

Reads the audit table's ``by_month`` index (one Query per month looked at, newest first; domain/audit_list.py has
the keys and what a row shows to whom). A page is up to ``PAGE`` rows that pass the filters; its cursor is the
month and listing key it stopped at, encrypted and bound to the filters (domain/cursors.py).

Reading the audit is itself recorded: each search (a page of the list) and each export writes one row under the
subject ``audit-reads`` (kind ``audit_read``: who, when, the filters as given, the rows shown, the channel),
before the answer is given, as services/reads.py records the reads of a file: refused (503) when it cannot be
recorded. Those rows are in the list too. Retention: kept with the audit (chalicelib/data/retention.json
``audit_reads``); they hold no personal data beyond the staff member's identifier and the filters typed.
"""
from __future__ import annotations

import secrets
from typing import Any, Iterator, Mapping

from ..domain import audit_list, csvexport, cursors, reads
from ..domain import documents as document_rules
from ..domain import retention
from ..domain.audit_list import Search
from ..domain.errors import FieldError, Forbidden, ValidationFailed
from ..domain.i18n import pick
from ..domain.localtime import table_time
from ..domain.reads import Origin, ReadNotRecorded
from ..domain.records import AuditEntry
from ..domain.workflow import Actor
from .deps import Deps
from .holds import HOLD_KINDS
from .ports import ConditionFailed

PAGE = 50
EXPORT_MAX = 5000  # rows in one export (the CSV says when it stopped: the last row's time is the next "to")
READ_BATCH = 200  # rows asked of the index at a time while filtering
# The most rows one page (or one export) looks at: a search matching little answers after this many with a cursor
# that goes on from there, so no request reads the whole table (a page may then hold fewer than PAGE rows).
EXAMINE_MAX = 1000
EXPORT_EXAMINE_MAX = 20000


def _check(actor: Actor) -> None:
    if actor.role not in audit_list.ROLES:
        raise Forbidden("Your role does not give access to the audit.", "Votre rôle ne donne pas accès à l'audit.")


def parse(params: Mapping[str, str]) -> Search:
    try:
        return Search.parse(params)
    except ValueError as exc:
        raise ValidationFailed([FieldError("/from" if _bad_day(params.get("from")) else "/to", "format",
                                           "Give the day as YYYY-MM-DD, from the year 2000.",
                                           "Indiquez le jour au format AAAA-MM-JJ, à partir de l'an 2000.")]
                               ) from exc


def _bad_day(value: str | None) -> bool:
    try:
        if value and value.strip():
            audit_list.search_day(value.strip()[:200])
        return False
    except ValueError:
        return True


def _medical_kinds() -> list[str]:
    return [code for code, kind in document_rules.kinds().items() if kind.medical]


def _rows(deps: Deps, actor: Actor, search: Search, start: tuple[str, str] | None,
          examine: int) -> Iterator[tuple[dict[str, Any] | None, tuple[str, str]]]:
    """Every row looked at, newest first, with its position (month, listing key): as ``actor`` reads it when it is
    one they see that passes ``search``, else None; at most ``examine`` rows (a search's cost is bounded: one that
    matches little stops there, and its cursor goes on from that row)."""
    for n, (row, key) in enumerate(_matching(deps, actor, search, start)):
        if n == examine:
            return
        yield row, key


def _matching(deps: Deps, actor: Actor, search: Search,
              start: tuple[str, str] | None) -> Iterator[tuple[dict[str, Any] | None, tuple[str, str]]]:
    medical = _medical_kinds()
    months = search.months(deps.now())
    if start is not None:
        months = [m for m in months if m <= start[0]]
    for month in months:
        before = start[1] if start is not None and start[0] == month else None
        if search.until and search.until[:7] == month:
            before = min(before or "\uffff", search.until)
        while True:
            batch = deps.store.audit.month(month, before, READ_BATCH)
            for row in batch:
                key = audit_list.listing_key(row.at, row.subject, row.seq)
                if not audit_list.visible(actor, row, medical, HOLD_KINDS, retention.HOLD_ROLES):
                    yield None, key
                    continue
                shown = audit_list.shown(actor, row)
                yield (shown if search.matches(shown) else None), key
            if len(batch) < READ_BATCH:
                break
            last = batch[-1]
            before = audit_list.listing_key(last.at, last.subject, last.seq)[1]
        if search.since and month <= search.since[:7]:
            return


def _record(deps: Deps, actor: Actor, origin: Origin | None, what: str, search: Search, shown: int) -> None:
    """One row saying ``actor`` searched or exported the audit, written before the answer (else 503)."""
    where = origin or reads.UNKNOWN_ORIGIN
    now = deps.clock()
    for _ in range(2):
        uow = deps.store.unit_of_work()
        uow.append_audit(AuditEntry(audit_list.SUBJECT, reads.seq_for(now, secrets.randbelow(reads.SEQ_SPREAD)),
                                    at=deps.now(), kind=audit_list.READS_KIND, actor_id=actor.actor_id,
                                    actor_role=actor.role,
                                    details={"change": what, "filters": search.as_dict(), "rows": shown,
                                             "channel": where.channel}))
        try:
            uow.commit()
            return
        except ConditionFailed:
            continue
        except Exception:  # noqa: BLE001 - storage down: the audit is not shown unrecorded
            break
    raise ReadNotRecorded("This search could not be recorded, so it was not answered; try again in a moment.",
                          "Cette recherche n'a pas pu être consignée; elle n'a donc pas reçu de réponse. "
                          "Réessayez dans un moment.")


def listing(deps: Deps, actor: Actor, params: Mapping[str, str], origin: Origin | None = None) -> dict[str, Any]:
    """One page of the audit as ``actor`` reads it, newest first, and the cursor of the next (recorded first)."""
    _check(actor)
    search = parse(params)
    secret, scope = deps.settings.token_secret, "audit:" + repr(sorted(search.as_dict().items()))
    cursor = str(params.get("cursor") or "")
    start = cursors.decode(secret, cursor, scope) if cursor else None
    position = (str(start["m"]), str(start["k"])) if start else None
    items: list[dict[str, Any]] = []
    last: tuple[str, str] | None = None
    more = False
    examined = 0
    for row, key in _rows(deps, actor, search, position, EXAMINE_MAX + 1):
        examined += 1
        if len(items) == PAGE or examined > EXAMINE_MAX:
            more = True
            break
        if row is not None:
            items.append(row)
        last = key
    _record(deps, actor, origin, "search", search, len(items))
    next_cursor = cursors.encode(secret, {"m": last[0], "k": last[1]}, scope) if more and last else None
    return {"items": items, "next_cursor": next_cursor, "filters": search.as_dict()}


COLUMNS = ("at", "actor_role", "actor_id", "kind", "change", "subject", "from_stage", "to_stage", "reason_code")
HEADERS = {"at": {"en": "When", "fr": "Quand"}, "actor_role": {"en": "Role", "fr": "Rôle"},
           "actor_id": {"en": "Staff member", "fr": "Membre du personnel"}, "kind": {"en": "Action", "fr": "Action"},
           "change": {"en": "Change", "fr": "Modification"}, "subject": {"en": "Subject", "fr": "Objet"},
           "from_stage": {"en": "From stage", "fr": "Étape de départ"},
           "to_stage": {"en": "To stage", "fr": "Étape d'arrivée"}, "reason_code": {"en": "Reason", "fr": "Motif"}}


def export_csv(deps: Deps, actor: Actor, params: Mapping[str, str], origin: Origin | None = None) -> tuple[str, bool]:
    """The audit rows ``actor`` sees that pass the filters, as CSV (every cell neutralized: domain/csvexport.py),
    newest first, at most EXPORT_MAX; (body, truncated). Recorded before it is given."""
    _check(actor)
    search = parse(params)
    lang = "fr" if params.get("lang") == "fr" else "en"
    rows: list[list[Any]] = []
    truncated = False
    examined = 0
    for row, _ in _rows(deps, actor, search, None, EXPORT_EXAMINE_MAX + 1):
        examined += 1
        if len(rows) == EXPORT_MAX or examined > EXPORT_EXAMINE_MAX:
            truncated = True
            break
        if row is None:
            continue
        rows.append([table_time(row["at"], lang) if c == "at" else row[c] or "" for c in COLUMNS])
    _record(deps, actor, origin, "export", search, len(rows))
    return csvexport.write_csv([pick(HEADERS[c], lang) for c in COLUMNS], rows, bom=True), truncated


__all__ = ["listing", "export_csv", "parse", "ReadNotRecorded"]
