"""CSV a spreadsheet opens as text: every cell quoted, every formula start neutralized.

Quoting alone is not enough: French Canadian Excel splits on ``;``, and a reader
that splits on another separator than the writer's (``;``, tab, a line break)
ignores the quotes around a cell and starts a new cell inside it. So a formula
start is neutralized (prefixed with ``'``, OWASP's advice) at the start of the
cell *and* at the start of every part that follows one of those separators:
``Tremblay;=1+1`` is written ``"Tremblay;'=1+1"``, which opens as text whichever
separator the spreadsheet picks.

The export of the coordinators' list (``COLUMNS``, ``headers``, ``cells``) opens right in Excel in English or
French: UTF-8 with a byte-order mark (Excel reads a file without one in the system's code page: "HÃ©lÃ¨ne"),
headers in the person's language, and values as labels, never codes: a stage by its workflow label, a mission by
its catalogue name, a police service, track and language by the application form's labels, times in
America/Toronto to the minute with the zone named (domain/localtime.py).
"""
from __future__ import annotations

import csv
import io
from typing import Any, Iterable, Mapping, Sequence

from . import access, medical_view
from .emails import reference
from .forms import field_label, load_schema
from .i18n import pick
from .localtime import table_time
from .records import ApplicationFile, FileRow
from .workflow import Actor, load_workflow

# What a spreadsheet reads as the start of a formula (tab and CR too: some strip them first).
FORMULA_START = frozenset("=+-@\t\r")
# Where a spreadsheet may start a new cell, whatever our own separator is.
SEPARATORS = frozenset(",;\t\r\n")


def neutralize(value: Any) -> str:
    """The cell's text with a ``'`` before each formula start of the cell or of any part of it.

    Spaces after a separator are skipped over (some readers trim them), not counted as text.

    >>> neutralize("Tremblay;=1+1")
    "Tremblay;'=1+1"
    >>> neutralize("x\\n@SUM(A1)")
    "x\\n'@SUM(A1)"
    >>> neutralize(-2), neutralize(None), neutralize("L'Écuyer"), neutralize("613-555-0199")
    ("'-2", '', "L'Écuyer", '613-555-0199')
    """
    text = "" if value is None else str(value)
    out: list[str] = []
    at_start = True  # at the start of the cell, or of a part after a separator
    for char in text:
        if at_start and char in FORMULA_START:
            out.append("'")
        out.append(char)
        if char in SEPARATORS:
            at_start = True
        elif char != " ":
            at_start = False
    return "".join(out)


BOM = "\ufeff"  # UTF-8's byte-order mark: how Excel knows the file is UTF-8


def write_csv(columns: Sequence[str], rows: Iterable[Sequence[Any]], bom: bool = False) -> str:
    """A whole CSV document: the header, then one line per row; every cell quoted and neutralized.

    ``rows`` may be a generator (a paged query): it is read once, in order. ``bom``: start with the byte-order mark.

    >>> write_csv(["name"], [["Tremblay;=1+1"]])
    '"name"\\r\\n"Tremblay;\\'=1+1"\\r\\n'
    """
    buffer = io.StringIO()
    if bom:
        buffer.write(BOM)
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow([neutralize(c) for c in columns])
    for row in rows:
        writer.writerow([neutralize(v) for v in row])
    return buffer.getvalue()


# The export's columns, and the headers the application form does not already label.
COLUMNS = ("reference", "application_id", "submitted_at", "stage", "reason", "mission", "police_service", "track",
           "eligibility_flag", "language", "family_readiness_on_file", "given_name", "family_name", "updated_at")
FORM_FIELDS = {"police_service": "police_service", "language": "preferred_language", "given_name": "given_name",
               "family_name": "family_name"}  # column -> the application form's field whose label it takes
HEADERS = {
    "reference": {"en": "Reference", "fr": "Référence"},
    "application_id": {"en": "File identifier", "fr": "Identifiant du dossier"},
    "submitted_at": {"en": "Submitted", "fr": "Soumise le"},
    "stage": {"en": "Stage", "fr": "Étape"},
    "reason": {"en": "Reason", "fr": "Motif"},
    "mission": {"en": "Mission", "fr": "Mission"},
    "track": {"en": "Applying as", "fr": "Candidature à titre de"},
    "eligibility_flag": {"en": "Pre-screen", "fr": "Présélection"},
    "family_readiness_on_file": {"en": "Family-readiness form on file", "fr": "Formulaire de préparation familiale au dossier"},
    "updated_at": {"en": "Last change", "fr": "Dernière modification"},
}
# The pre-screen's summary of a file (eligibility_flag) and a yes/no cell: the export's own words.
FLAGS = {"all_met": {"en": "All criteria met", "fr": "Tous les critères satisfaits"},
         "unknown": {"en": "Some criteria to be assessed", "fr": "Certains critères à évaluer"},
         "not_met": {"en": "Criteria not met", "fr": "Critères non satisfaits"}}
YES_NO = {True: {"en": "Yes", "fr": "Oui"}, False: {"en": "No", "fr": "Non"}}
LANGS = ("en", "fr")


def headers(lang: str) -> list[str]:
    """The header row in ``lang``.

    >>> headers("fr")[:4], headers("en")[-3:]
    (['Référence', 'Identifiant du dossier', 'Soumise le', 'Étape'], ['Given name', 'Family name', 'Last change'])
    """
    return [field_label("application", FORM_FIELDS[c], lang) if c in FORM_FIELDS else pick(HEADERS[c], lang)
            for c in COLUMNS]


def form_choice(field: str, value: Any, lang: str) -> str:
    """A coded answer of the application form by its label there ("" for none, the code if it has no label).

    >>> form_choice("track", "civilian_analyst", "fr"), form_choice("preferred_language", "fr", "en")
    ('Analyste civil', 'French')
    """
    if value is None:
        return ""
    labels = load_schema("application").get("properties", {}).get(field, {}).get("x-enum-labels", {})
    return pick(labels.get(value), lang) or str(value)


def stage_label(f: ApplicationFile | FileRow, stage: str, lang: str) -> str:
    """The stage's label on the file's pathway (a stage it does not name: the shared dictionary's)."""
    wf = load_workflow()
    path = wf.pathway_for(f.mission_kind)
    return pick((path.stage(stage) if path.current(stage) in path.stages else wf.stage(stage)).label, lang)


def reason_label(stage: str, code: str | None, lang: str) -> str:
    """The move's coded reason by its workflow label ("" for none; a code the workflow no longer has: the code).

    >>> reason_label("withdrawn", "family_reasons", "fr") != "family_reasons", reason_label("deployed", None, "en")
    (True, '')
    """
    return medical_view.reason_label(stage, code, lang)


def cells(f: ApplicationFile | FileRow, actor: Actor, lang: str,
          mission_names: Mapping[str, Mapping[str, str]]) -> list[str]:
    """A file's row, as ``actor`` may see it (a closing at the health assessment reads as the selection team's,
    with its one neutral reason: domain/medical_view.py), in ``lang``.

    ``mission_names``: the catalogue's names by mission id (a mission no longer there: its id).
    """
    values = {
        "reference": reference(f.application_id), "application_id": f.application_id,
        "submitted_at": table_time(f.submitted_at, lang), "updated_at": table_time(f.updated_at, lang),
        "stage": stage_label(f, access.stage_seen_by(actor, f.stage), lang),
        "reason": medical_view.reason_label(f.stage, medical_view.shown_reason(actor, f.stage, f.from_stage,
                                                                               f.stage_reason), lang),
        "mission": pick(mission_names.get(f.mission_id), lang) or f.mission_id,
        "police_service": form_choice("police_service", f.police_service, lang),
        "track": form_choice("track", f.track, lang), "language": form_choice("preferred_language", f.language, lang),
        "eligibility_flag": pick(FLAGS.get(f.eligibility_flag), lang) or str(f.eligibility_flag or ""),
        "family_readiness_on_file": pick(YES_NO[bool(f.family_readiness_on_file)], lang),
        "given_name": f.given_name or "", "family_name": f.family_name or "",
    }
    return [values[c] for c in COLUMNS]
