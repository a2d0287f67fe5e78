"""The CSV export opens right in Excel (services/files.export_csv, domain/csvexport.py) on MemoryStorage: a byte-order
mark, headers and values in the person's language (labels from the workflow, the catalogue and the application
form, never codes), times in America/Toronto to the minute with the zone named, every cell quoted, formula starts
neutralized, a medical end hidden as everywhere. Given / When / Then."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timezone

import pytest

from chalicelib.domain import csvexport
from chalicelib.domain.errors import InvalidQuery
from chalicelib.domain.localtime import table_time
from chalicelib.domain.records import FileUpdate
from chalicelib.domain.workflow import Actor
from chalicelib.services import files, submissions

from .fakes import FixedClock, application, make_deps

IRSS, ADMIN = Actor("irss", "irss-1"), Actor("admin", "admin-1")
SPVM = Actor("service_coordinator", "coord-spvm", "spvm")
WINTER = datetime(2026, 1, 15, 19, 5, 42, 123456, tzinfo=timezone.utc)  # 14:05 EST in Ottawa


@pytest.fixture(scope="module")
def world():
    # Given, on a January evening (UTC), an SPVM officer's file with a family-readiness form, and an OPP civilian's
    deps = make_deps(clock=FixedClock(WINTER))
    spvm = submissions.submit(deps, application(email="csv-a@example.ca", family_name="=Côté"), None)[1]
    opp = submissions.submit(deps, application(email="csv-b@example.ca", police_service="opp",
                                               preferred_language="en"), None)[1]
    f = deps.store.files.get(spvm["application_id"])
    uow = deps.store.unit_of_work()
    uow.update_file(FileUpdate(f.application_id, f.version, f.updated_at, family_readiness_on_file=True))
    uow.commit()
    return deps, spvm["application_id"], opp["application_id"]


def _row(cells: list[str]) -> dict[str, str]:
    return dict(zip(csvexport.COLUMNS, cells, strict=True))


def _read(body: str) -> list[list[str]]:
    assert body.startswith(csvexport.BOM), "Excel needs the byte-order mark to read UTF-8"
    return list(csv.reader(io.StringIO(body[1:], newline="")))


def test_the_french_export_has_french_headers_and_labels_and_local_times(world):
    deps, spvm, _ = world
    # When IRSS exports in French
    body, truncated = files.export_csv(deps, IRSS, {"lang": "fr"})
    header, *rows = _read(body)
    # Then the headers are French, the application form's labels where it has them
    assert header == ["Référence", "Identifiant du dossier", "Soumise le", "Étape", "Motif", "Mission",
                      "Service de police",
                      "Candidature à titre de", "Présélection", "Langue officielle de préférence",
                      "Formulaire de préparation familiale au dossier", "Prénom", "Nom de famille",
                      "Dernière modification"]
    row = _row(next(r for r in rows if r[1] == spvm))
    # And the values are labels: the workflow's stage, the catalogue's mission, the form's choices, oui/non
    assert row["stage"] == "Demande reçue" and row["mission"].startswith("Haïti")
    assert row["police_service"] == "Service de police de la Ville de Montréal"
    assert (row["track"], row["language"], row["family_readiness_on_file"]) == ("Policier ou policière", "Français",
                                                                                 "Oui")
    assert row["eligibility_flag"] in {"Tous les critères satisfaits", "Certains critères à évaluer",
                                       "Critères non satisfaits"}
    # And the times are Ottawa's, to the minute, the zone named in French; a formula start is neutralized
    assert row["submitted_at"] == row["updated_at"] == "2026-01-15 14:05 HNE"
    assert row["family_name"] == "'=Côté" and not truncated


def test_the_english_export_is_the_default_and_every_cell_is_quoted(world):
    deps, _, opp = world
    body, _ = files.export_csv(deps, IRSS, {})
    header, *rows = _read(body)
    assert header[:4] == ["Reference", "File identifier", "Submitted", "Stage"]
    row = _row(next(r for r in rows if r[1] == opp))
    assert (row["stage"], row["police_service"], row["language"], row["family_readiness_on_file"]) == (
        "Application received", "Ontario Provincial Police", "English", "No")
    assert row["submitted_at"] == "2026-01-15 14:05 EST"
    # Every line's cells are quoted: each line starts and ends with a quote and splits on "," only between quotes
    for line in body[1:].split("\r\n")[:-1]:
        assert line.startswith('"') and line.endswith('"')


def test_a_coordinator_exports_only_their_service_and_a_medical_end_reads_as_not_selected(world):
    deps, spvm, opp = world
    # Given the SPVM file closed on medical grounds
    f = deps.store.files.get(spvm)
    uow = deps.store.unit_of_work()
    uow.update_file(FileUpdate(f.application_id, f.version, f.updated_at, stage="medically_unfit"))
    uow.commit()
    # When SPVM's coordinator exports, then only their file, "Not selected"; an administrator reads the same
    for actor in (SPVM, ADMIN):
        _, *rows = _read(files.export_csv(deps, actor, {"lang": "en"})[0])
        ids = [r[1] for r in rows]
        assert spvm in ids and (opp not in ids) == (actor is SPVM)
        assert _row(rows[ids.index(spvm)])["stage"] == "Not selected"
    # And IRSS, who may read medical information, sees the stage's own label
    _, *rows = _read(files.export_csv(deps, IRSS, {"lang": "en"})[0])
    assert _row(next(r for r in rows if r[1] == spvm))["stage"] == "Medical requirements not met"


@pytest.mark.parametrize("lang", ["de", "FR", ""])
def test_another_language_is_refused(world, lang):
    deps, _, _ = world
    with pytest.raises(InvalidQuery):
        files.export_csv(deps, IRSS, {"lang": lang})


def test_table_time_is_ottawas_with_the_zone_named_in_each_language():
    assert table_time("2026-07-01T16:00:00.000000Z", "en") == "2026-07-01 12:00 EDT"
    assert table_time("2026-07-01T16:00:00.000000Z", "fr") == "2026-07-01 12:00 HAE"
    assert table_time(WINTER, "en") == "2026-01-15 14:05 EST"
    assert table_time(None, "en") == "" and table_time("not a time", "en") == "not a time"


def test_an_end_reads_with_its_reason_in_the_language_and_a_medical_end_hides_it():
    from chalicelib.domain.workflow import MoveRequest
    from chalicelib.services import workflow

    # Given a withdrawn file (its reason given) and a medically unfit one
    deps = make_deps(clock=FixedClock(WINTER))
    gone = submissions.submit(deps, application(email="csv-w@example.ca"), None)[1]["application_id"]
    unfit = submissions.submit(deps, application(email="csv-m@example.ca"), None)[1]["application_id"]
    workflow.move(deps, gone, SPVM, MoveRequest("withdrawn", "submitted", "family_reasons", None))
    f = deps.store.files.get(unfit)
    uow = deps.store.unit_of_work()
    uow.update_file(FileUpdate(f.application_id, f.version, f.updated_at, stage="medically_unfit",
                               stage_reason="medical_requirements_not_met"))
    uow.commit()
    # When IRSS (who may read medical outcomes) and an administrator (who may not) export, in French and English
    fr = {r[1]: _row(r) for r in _read(files.export_csv(deps, IRSS, {"lang": "fr"})[0])[1:]}
    admin_en = {r[1]: _row(r) for r in _read(files.export_csv(deps, ADMIN, {"lang": "en"})[0])[1:]}
    # Then the withdrawal's reason is its workflow label in the language, never the code
    assert fr[gone]["reason"] and fr[gone]["reason"] != "family_reasons"
    assert csvexport.reason_label("withdrawn", "family_reasons", "fr") == fr[gone]["reason"]
    # and the medical end reads as not selected, for the selection team's neutral reason (the one every closing at
    # the health assessment reads with: domain/medical_view.py), to a role that may not read medical outcomes
    assert (admin_en[unfit]["reason"], admin_en[unfit]["stage"]) == ("Decision of the selection team", "Not selected")
    # while IRSS, who may read medical outcomes, sees the medical end's reason
    assert fr[unfit]["reason"] == csvexport.reason_label("medically_unfit", "medical_requirements_not_met", "fr") != ""
