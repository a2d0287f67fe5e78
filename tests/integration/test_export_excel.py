"""GET /admin/reports/applications.csv?lang= on moto: the bytes start with UTF-8's byte-order mark (Excel then reads
"Hélène", not "HÃ©lÃ¨ne"), headers and values are in the asked language, times are Ottawa's with the zone named,
a coordinator exports only their service's files, and another language is a 400. Given / When / Then."""
from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

from .conftest import staff_call, submit


def _rows(r: Any) -> list[list[str]]:
    assert r.status_code == 200, r.body
    assert r.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert r.body[:3] == b"\xef\xbb\xbf", "UTF-8 with a byte-order mark"
    return list(csv.reader(io.StringIO(r.body[3:].decode("utf-8"), newline="")))


def test_the_export_opens_in_excel_in_french_and_in_english(client: Any, tokens: Any) -> None:
    # Given SPVM's Hélène Côté-Tremblay and an OPP file
    spvm = submit(client)["application_id"]
    opp = submit(client, email="opp-csv@example.ca", police_service="opp")["application_id"]
    # When IRSS exports in French
    header, *rows = _rows(staff_call(client, "get", "/admin/reports/applications.csv?lang=fr", tokens["irss"]))
    # Then the headers, the stage, the mission and the service are French labels, the names as written
    assert header[:6] == ["Référence", "Identifiant du dossier", "Soumise le", "Étape", "Motif", "Mission"]
    row = next(r for r in rows if r[1] == spvm)
    assert row[3] == "Demande reçue" and row[4] == "" and row[5].startswith("Haïti")  # no end: no reason
    assert row[6] == "Service de police de la Ville de Montréal" and row[11:13] == ["Hélène", "Côté-Tremblay"]
    # And the submission time is Ottawa's, to the minute, with the zone named (no UTC, no microseconds)
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} (HNE|HAE)", row[2]), row[2]
    # When the export is asked in English, or without a language: English
    for path in ("/admin/reports/applications.csv?lang=en", "/admin/reports/applications.csv"):
        header, *rows = _rows(staff_call(client, "get", path, tokens["admin"]))
        assert header[3] == "Stage" and next(r for r in rows if r[1] == opp)[3] == "Application received"
    # And SPVM's coordinator exports only SPVM's file, in French
    _, *rows = _rows(staff_call(client, "get", "/admin/reports/applications.csv?lang=fr",
                                tokens["coordinator.spvm"]))
    assert [r[1] for r in rows] == [spvm]


def test_another_language_is_a_bilingual_400(client: Any, tokens: Any) -> None:
    r = staff_call(client, "get", "/admin/reports/applications.csv?lang=de", tokens["irss"],
                   **{"Accept-Language": "fr"})
    assert r.status_code == 400 and r.headers["Content-Type"] == "application/problem+json"
    body = json.loads(r.body)
    assert body["code"] == "invalid-query" and [e["pointer"] for e in body["errors"]] == ["/lang"]
    assert "en ou fr" in body["errors"][0]["message"]
