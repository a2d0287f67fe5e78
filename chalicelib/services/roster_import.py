"""Import the roster a program already keeps, as CSV: every row checked first, then all written in one
transaction, or nothing.

One documented header set (``COLUMNS``, the roster's own identifiers, the same in English and French pages):
``cap_id`` (data/missions.json's caps), ``mission_id`` (optional: a mission of that cap), ``police_service``
(data/police_services.json's codes), ``started_on`` and ``planned_end`` (YYYY-MM-DD). No names: the roster
records a deployment (where, which service, when), never who the officer is.

A row stands for one deployment in place. It is already on the roster when an active entry of the cap has the same
mission, service, start and planned end (so importing the same file twice writes nothing the second time); else
it is recorded on the cap's next seeded placeholder entry, or, when none is left, takes a free seat. A row that
would go past the cap's authorized figure is refused, with its row. Each entry written is audited.
"""
from __future__ import annotations

import csv
import hashlib
import io
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from ..domain import deployments
from ..domain.deployments import Deployment
from ..domain.errors import DomainError
from ..domain.missions import police_services
from ..domain.workflow import Actor
from . import roster
from .deps import Deps
from .ports import ConditionFailed, UnitOfWork

COLUMNS = ("cap_id", "mission_id", "police_service", "started_on", "planned_end")
EXAMPLE = ("ukraine", "", "rcmp", "2026-04-01", "2027-04-01")
TRANSACTION_LIMIT = 100  # DynamoDB's items per transaction: each row writes its entry and its audit row
MAX_ROWS = 49  # one cap's rows and the cap's own count in one transaction: 2 x 49 + 1 <= 100
MAX_CHARS = 200_000
Key = tuple[str, str | None, str, str, str]  # cap, mission, service, start, planned end


@dataclass(frozen=True)
class RowError:
    row: int  # the line of the file (the header is line 1)
    column: str
    message_en: str
    message_fr: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message_en": self.message_en, "message_fr": self.message_fr}


class ImportRefused(DomainError):
    status = 422
    code = "import-refused"
    title_en = "Roster import refused"
    title_fr = "Importation de la liste refusée"

    def __init__(self, detail_en: str, detail_fr: str, rows: list[RowError] | None = None) -> None:
        super().__init__(detail_en, detail_fr)
        self.message_en, self.message_fr = detail_en, detail_fr
        self.rows = [r.as_dict() for r in rows or []]


def template() -> str:
    """The file to fill in: the header row and one example row."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(COLUMNS)
    w.writerow(EXAMPLE)
    return out.getvalue()


def _date(value: str) -> str | None:
    try:
        return date.fromisoformat(value).isoformat() if len(value) == 10 else None
    except ValueError:
        return None


def parse(deps: Deps, text: str) -> tuple[list[tuple[int, Key]], list[RowError]]:
    """Each data row as (line, key), and every problem found (all rows are checked, none written)."""
    if len(text) > MAX_CHARS:
        raise ImportRefused(f"The file may hold at most {MAX_CHARS} characters.",
                            f"Le fichier peut compter au plus {MAX_CHARS} caractères.")
    lines = [row for row in csv.reader(io.StringIO(text.strip().lstrip("\ufeff")))]
    if not lines or tuple(c.strip() for c in lines[0]) != COLUMNS:
        raise ImportRefused("The first line must be the template's header: " + ",".join(COLUMNS) + ".",
                            "La première ligne doit être l'en-tête du modèle\u00a0: " + ",".join(COLUMNS) + ".",
                            [RowError(1, "", "Not the template's header.", "Ce n'est pas l'en-tête du modèle.")])
    catalogue, services = deps.store.catalogue, police_services()
    rows: list[tuple[int, Key]] = []
    errors: list[RowError] = []
    for line, raw in enumerate(lines[1:], start=2):
        if not any(c.strip() for c in raw):
            continue
        if len(raw) != len(COLUMNS):
            errors.append(RowError(line, "", f"{len(raw)} columns; the template has {len(COLUMNS)}.",
                                   f"{len(raw)} colonnes; le modèle en a {len(COLUMNS)}."))
            continue
        key, found = _check_row(catalogue, set(services), line, [c.strip() for c in raw])
        errors += found
        if key is not None:
            rows.append((line, key))
    if not rows and not errors:
        errors.append(RowError(2, "", "The file has no data row.", "Le fichier ne contient aucune ligne de données."))
    return rows, errors


def _check_row(catalogue: Any, services: set[str], line: int, cells: list[str]) -> tuple[Key | None, list[RowError]]:
    cap_id, mission_id, service, started, planned = cells
    found: list[RowError] = []
    cap = catalogue.cap(cap_id) if cap_id else None
    if cap is None or cap.authorized is None:
        found.append(RowError(line, "cap_id", "No cap with an authorized figure has this identifier.",
                              "Aucun plafond avec un effectif autorisé ne porte cet identifiant."))
    mission = catalogue.mission(mission_id) if mission_id else None
    if mission_id and (mission is None or mission.cap_id != cap_id):
        found.append(RowError(line, "mission_id", "No mission with this identifier draws on this cap.",
                              "Aucune mission de ce plafond ne porte cet identifiant."))
    if service not in services:
        found.append(RowError(line, "police_service", "No police service has this code.",
                              "Aucun service de police ne porte ce code."))
    start, end = _date(started), _date(planned)
    found += [RowError(line, column, "Not a date as YYYY-MM-DD.", "Ce n'est pas une date au format AAAA-MM-JJ.")
              for column, value in (("started_on", start), ("planned_end", end)) if value is None]
    if start and end and end <= start:
        found.append(RowError(line, "planned_end", "The planned end must come after the start.",
                              "La fin prévue doit suivre le début."))
    return (None if found else (cap_id, mission_id or None, service, str(start), str(end))), found


def _key(e: Deployment) -> Key:
    return (e.cap_id, e.mission_id, e.police_service or "", e.started_on or "", e.planned_end or "")


def import_csv(deps: Deps, actor: Actor, text: str, note: str) -> int:
    """Check every row, then write all the new entries in one transaction; returns how many were written
    (0 for a file already imported). ImportRefused lists the rows and columns at fault; nothing is written."""
    rows, errors = parse(deps, text)
    if errors:
        raise ImportRefused(f"{len(errors)} problem(s) in the file; nothing was imported.",
                            f"{len(errors)} problème(s) dans le fichier; rien n'a été importé.", errors)
    now = deps.now()
    uow = deps.store.unit_of_work()
    items, written = 0, 0
    for cap_id in sorted({key[0] for _, key in rows}):
        cap_items, cap_written = _import_cap(deps, uow, actor, cap_id, [r for r in rows if r[1][0] == cap_id], note, now)
        items, written = items + cap_items, written + cap_written
    if items > TRANSACTION_LIMIT:
        raise ImportRefused(f"The file would write {items} items, more than one transaction holds "
                            f"({TRANSACTION_LIMIT}); split it (at most {MAX_ROWS} new rows per file).",
                            f"Le fichier écrirait {items} éléments, plus qu'une transaction n'en contient "
                            f"({TRANSACTION_LIMIT}); divisez-le (au plus {MAX_ROWS} nouvelles lignes par fichier).")
    if written:
        try:
            uow.commit()
        except ConditionFailed as exc:
            raise ImportRefused("The roster changed meanwhile; nothing was imported. Import the file again.",
                                "La liste a changé entre-temps; rien n'a été importé. Importez le fichier de "
                                "nouveau.") from exc
    return written


def _import_cap(deps: Deps, uow: UnitOfWork, actor: Actor, cap_id: str, rows: list[tuple[int, Key]], note: str,
                now: str) -> tuple[int, int]:
    """One cap's rows into the unit of work: (transaction items, entries written). A row already on the roster is
    skipped; a new one names the next placeholder, else takes a free seat, else the import is refused."""
    cap = deps.store.catalogue.cap(cap_id)
    assert cap is not None and cap.authorized is not None  # parse checked
    active = [e for e in deps.store.catalogue.roster(cap_id) if e.active]
    present_ = Counter(_key(e) for e in active)
    placeholders = sorted((e for e in active if e.placeholder), key=lambda e: e.deployment_id)
    seats, items, written = cap.seats_left or 0, 0, 0
    added: list[Deployment] = []
    seen: Counter[Key] = Counter()
    for line, key in rows:
        seen[key] += 1
        if seen[key] <= present_[key]:
            continue  # already on the roster (the same file imported before)
        _, mission_id, service, start, end = key
        if placeholders:
            entry = placeholders.pop(0)
            named = replace(entry, mission_id=mission_id, police_service=service, started_on=start,
                            planned_end=end, version=entry.version + 1, updated_at=now)
            uow.correct_deployment(named, entry.version, now)
            uow.append_audit(roster.audit_entry(actor, named, now, "imported", "existing_deployment", note,
                                                before=entry))
        elif len(added) < seats:
            digest = hashlib.sha256("\x1f".join((*[k or "" for k in key], str(seen[key]))).encode()).hexdigest()
            new = Deployment(deployment_id=deployments.ENTRY_PREFIX + "import-" + digest[:16], cap_id=cap_id,
                             mission_id=mission_id, police_service=service, started_on=start, planned_end=end,
                             updated_at=now)
            added.append(new)
            uow.append_audit(roster.audit_entry(actor, new, now, "imported", "existing_deployment", note))
        else:
            raise ImportRefused(
                f"Line {line}: the cap {cap_id} has {cap.authorized} seats authorized and none left; nothing was "
                "imported.", f"Ligne {line}\u00a0: le plafond {cap_id} compte {cap.authorized} places autorisées et "
                "aucune n'est libre; rien n'a été importé.",
                [RowError(line, "cap_id", "Past the cap's authorized figure.",
                          "Au-delà de l'effectif autorisé du plafond.")])
        items, written = items + 2, written + 1
    if added:
        uow.import_deployments(cap_id, added, cap.deployed, cap.version, now)
        items += 1
    return items, written
