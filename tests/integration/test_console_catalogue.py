"""Missions and seats, the dashboard's cap cards and the audit view, through the console's pages on moto.

Given / When / Then: an administrator changes a figure (refused below the active roster, with the reason), closes
and reopens a mission, edits its description in French, and each reaches the public JSON and pages at once; the
public JSON and pages never carry a cap's internal note, which the console shows to staff; IRSS reads, never
writes; the audit lists those changes across subjects, searches them and exports them (and records that it was
read); a medical closing reads, field by field, as a selection closing in an administrator's audit list.
"""
from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

import pytest

from tests.typography import SHOWN_TIME

from .conftest import staff_call
from .test_console_pages import EN, FR, post
from .test_console_sign_in import _check_codes, first_sign_in  # noqa: F401 - the fixture, reused
from .test_medical_inference import close, to_medical
from .test_medical_inference import text as words

SEATS = f"{EN}/missions-and-seats"


def text(r: Any) -> str:
    """What a person reads on the page (no tags)."""
    return words(r.body.decode())


def public_missions(client: Any) -> dict[str, Any]:
    r = client.http.get("/missions")
    assert r.status_code == 200
    return {m["mission_id"]: m for m in json.loads(r.body)["missions"]}


def test_a_figure_below_the_roster_is_refused_with_why_and_a_new_one_reaches_the_public_at_once(
        client: Any, signed: Any) -> None:
    admin = signed("admin")
    # Given the caps page: Ukraine's 20 deployed, its internal note shown to staff
    page = text(admin.get(SEATS))
    assert "Ukraine" in page and "Internal note (staff only):" in page and "split between both missions" in page
    # When the administrator sets Ukraine's figure to 19
    version = re.search(r'cap-ukraine.*?name="version" value="(\d+)"', admin.get(SEATS).body.decode(), re.S).group(1)
    r = post(admin, SEATS, f"{SEATS}/caps/ukraine/authorized", [("authorized", "19"), ("version", version)])
    # Then it is refused, saying why, next to the field, and nothing changed
    assert r.status_code == 409
    assert "Ukraine (both operations) has 20 officers deployed: the figure cannot be below 20 until deployments end." in text(r)
    assert 'id="authorized-ukraine-error"' in r.body.decode() and 'aria-invalid="true"' in r.body.decode()
    assert public_missions(client)["ukraine-euam"]["cap"]["authorized"] == 20
    # And in French too
    r = post(admin, f"{FR}/missions-and-seats", f"{FR}/missions-and-seats/caps/ukraine/authorized",
             [("authorized", "abc"), ("version", version)])
    assert r.status_code == 422 and "Indiquez le nombre autorisé en nombre entier." in text(r)
    # When Haiti's is set to 95 at the version read
    body = admin.get(SEATS).body.decode()
    haiti = re.search(r'cap-haiti.*?name="version" value="(\d+)"', body, re.S).group(1)
    r = post(admin, SEATS, f"{SEATS}/caps/haiti/authorized", [("authorized", "95"), ("version", haiti)])
    assert r.status_code == 303 and "done=authorized" in r.headers["Location"]
    # Then GET /missions and the public page show it at once; a stale form is refused, never applied
    assert public_missions(client)["haiti-minustah"]["cap"]["authorized"] == 95
    assert "95" in text(client.http.get("/en/missions/haiti-minustah"))
    r = post(admin, SEATS, f"{SEATS}/caps/haiti/authorized", [("authorized", "96"), ("version", haiti)])
    assert r.status_code == 409 and public_missions(client)["haiti-minustah"]["cap"]["authorized"] == 95


def test_the_public_json_and_pages_carry_no_internal_note_which_staff_read_in_the_console(
        client: Any, signed: Any) -> None:
    notes = [c["note"]["en"] for c in json.load(open("chalicelib/data/missions.json", encoding="utf-8"))["caps"]]
    listed = client.http.get("/missions").body.decode()
    one = client.http.get("/missions/ukraine-euam").body.decode()
    assert all('"note"' not in body for body in (listed, one))
    for path in ("/en/missions", "/en/missions/ukraine-euam", "/en/missions/drc-monusco"):
        page = text(client.http.get(path))
        assert not [n for n in notes if n in page], path
    irss = text(signed("irss").get(SEATS))
    assert "An administrator must set one before anyone can be deployed." in irss  # the DRC cap's internal note


def test_an_administrator_closes_reopens_and_rewrites_a_mission_and_irss_only_reads(client: Any,
                                                                                      signed: Any) -> None:
    admin = signed("admin")
    page = f"{SEATS}/missions/haiti-minustah"

    def version() -> str:
        return re.search(r'name="version" value="(\d+)"', admin.get(page).body.decode()).group(1)

    # When the administrator closes Haiti's mission to applications
    r = post(admin, page, f"{page}/status", [("accepting", "no"), ("version", version())])
    assert r.status_code == 303 and r.headers["Location"].endswith("?done=closed")
    # Then GET /missions says so at once, and the page offers to reopen it
    assert public_missions(client)["haiti-minustah"]["accepting_applications"] is False
    assert "The mission is closed to applications." in text(admin.get(r.headers["Location"]))
    r = post(admin, page, f"{page}/status", [("accepting", "yes"), ("version", version())])
    assert r.status_code == 303 and public_missions(client)["haiti-minustah"]["accepting_applications"] is True
    # When the French description is emptied: refused next to the field, in French, nothing written
    before = public_missions(client)["haiti-minustah"]["description"]
    fr_page = f"{FR}/missions-and-seats/missions/haiti-minustah"
    r = post(admin, fr_page, f"{fr_page}/description",
             [("description_en", before["en"]), ("description_fr", "  "), ("version", version())])
    assert r.status_code == 422 and 'id="description-fr-error"' in r.body.decode()
    assert "Rédigez la description en français." in text(r)
    assert public_missions(client)["haiti-minustah"]["description"] == before
    # When it is rewritten in French
    r = post(admin, fr_page, f"{fr_page}/description",
             [("description_en", before["en"]), ("description_fr", "Nouvelle description publique."),
              ("version", version())])
    assert r.status_code == 303
    # Then the public JSON and the French public page carry it
    assert public_missions(client)["haiti-minustah"]["description"]["fr"] == "Nouvelle description publique."
    assert "Nouvelle description publique." in text(client.http.get("/fr/missions/haiti-minustah"))
    # IRSS reads the pages, without a form, and is refused every change
    irss = signed("irss")
    assert 'name="authorized"' not in irss.get(SEATS).body.decode()
    assert 'name="description_fr"' not in irss.get(page).body.decode()
    r = post(irss, SEATS, f"{SEATS}/caps/haiti/authorized", [("authorized", "99"), ("version", "1")])
    assert r.status_code == 403


def test_the_audit_lists_searches_and_exports_staff_actions_across_subjects_and_records_its_reads(
        client: Any, signed: Any, tokens: Any) -> None:
    admin = signed("admin")
    # Given a figure change and a mission closed, by the administrator
    haiti = re.search(r'cap-haiti.*?name="version" value="(\d+)"', admin.get(SEATS).body.decode(), re.S).group(1)
    assert post(admin, SEATS, f"{SEATS}/caps/haiti/authorized",
                [("authorized", "91"), ("version", haiti)]).status_code == 303
    r = staff_call(client, "put", "/admin/missions/iraq-mlt/status", tokens["admin"], {"accepting_applications": False})
    assert r.status_code == 200
    # When IRSS searches the audit for the Haiti cap
    irss = signed("irss")
    page = irss.get(f"{EN}/audit?subject=cap%23haiti")
    assert page.status_code == 200
    rows = re.findall(r"<tr>\s*<td>(.*?)</tr>", page.body.decode(), re.S)
    # Then exactly the figure change is listed: who, what, which subject
    assert len(rows) == 1 and "cap#haiti" in rows[0] and "Catalogue changed (authorized figure)" in rows[0]
    assert "program administrator" in rows[0]
    # And in French the change reads in French words, never its code
    french = irss.get(f"{FR}/audit?subject=cap%23haiti").body.decode()
    assert "Catalogue modifié (effectif autorisé)" in french and "(authorized" not in french
    # Newest first across subjects, without a filter
    every = text(irss.get(f"{EN}/audit?kind=catalogue_change"))
    assert every.index("mission#iraq-mlt") < every.rindex("cap#haiti")  # the hint names cap#haiti first
    # A bad day is a clear 422 on the page
    assert irss.get(f"{EN}/audit?from=2026-13-01").status_code == 422
    # When the administrator exports it in French
    r = admin.get(f"{FR}/audit.csv?subject=cap%23haiti")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(r.body.decode("utf-8-sig"))))
    assert table[0][:4] == ["Quand", "Rôle", "Membre du personnel", "Action"]
    assert len(table) == 2 and table[1][3] == "catalogue_change" and table[1][5] == "cap#haiti"
    # And each search and the export were recorded, by whom, with their filters
    api = json.loads(staff_call(client, "get", "/admin/audit?kind=audit_read", tokens["admin"]).body)
    reads = [(r["actor_role"], r["change"]) for r in api["items"]]
    assert ("irss", "search") in reads and ("admin", "export") in reads


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_medical_closing_reads_as_a_selection_closing_in_an_administrators_audit_view(
        client: Any, signed: Any, tokens: Any, lang: str) -> None:
    from chalicelib.api.wiring import deps
    from chalicelib.domain.workflow import Actor
    from chalicelib.services import audit_log

    # Given two files at the health assessment: health closes one as unfit, IRSS the other as not selected
    unfit = to_medical(client, tokens, "a.cote@example.ca")
    by_irss = to_medical(client, tokens, "b.cote@example.ca")
    assert staff_call(client, "put", f"/admin/applications/{unfit.app_id}/medical-outcome", tokens["health"],
                      {"outcome": "unfit"}).status_code == 200
    assert staff_call(client, "put", f"/admin/applications/{by_irss.app_id}/medical-outcome", tokens["health"],
                      {"outcome": "fit"}).status_code == 200
    close(client, tokens["health"], unfit, "medically_unfit", "medical_requirements_not_met", "Cardiac results")
    close(client, tokens["irss"], by_irss, "not_selected", "criteria_not_met", "Board decided")
    # When an administrator lists each file's audit (the service, then the console's page)
    admin = Actor("admin", "admin-1")

    def rows(f: Any) -> list[dict[str, Any]]:
        found = audit_log.listing(deps(), admin, {"subject": f.app_id})["items"]
        return [{k: v for k, v in r.items() if k not in ("at", "subject", "seq")} for r in found]

    a, b = rows(unfit), rows(by_irss)
    # Then the two read the same, field by field: the selection team, not selected, the neutral reason
    assert a == b
    closing = a[0]
    assert (closing["actor_role"], closing["actor_id"], closing["to_stage"], closing["reason_code"]) == (
        "selection_team", None, "not_selected", "selection_decision")
    pages = []
    browser = signed("admin", lang)
    for f in (unfit, by_irss):
        body = text(browser.get(f"/console/{lang}/audit?subject={f.app_id}"))
        body = body.replace(f.app_id, "<id>")
        pages.append(re.sub(SHOWN_TIME.pattern + r"|\d{4}-\d{2}-\d{2}[^<]*?(HNE|HAE|EST|EDT)|\b\d{1,2} ?[:h] ?\d{2}\b", "<time>",
                             body))
    page_rows = [re.findall(r"(?:application|reads)#<id>", p) for p in pages]
    assert page_rows[0] == page_rows[1] and page_rows[0]
    assert "medically" not in pages[0].lower() and "Cardiac" not in pages[0] and "unfit" not in pages[0]
    # The outcome's row is there as a kind, never its outcome; and IRSS (a medical reader) reads the truth
    assert any(r["kind"] == "medical_outcome" for r in a)
    truth = audit_log.listing(deps(), Actor("irss", "i-1"), {"subject": unfit.app_id, "kind": "stage_change"})
    assert truth["items"][0]["to_stage"] == "medically_unfit" and truth["items"][0]["actor_role"] == "health"


def test_the_dashboard_shows_a_card_per_cap_linking_to_its_roster(client: Any, signed: Any, tokens: Any) -> None:
    page = signed("irss").get(f"{EN}/dashboard").body.decode()
    card = re.search(r'id="card-ukraine">(.*?)</li>', page, re.S)
    assert card, "no Ukraine card"
    figures = re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", card.group(1))
    assert figures == [("Authorized", "20"), ("Deployed (active roster)", "20"), ("Freeing within 90 days", "0"),
                       ("Candidates ready", "0")]
    assert 'href="/console/en/roster/ukraine"' in card.group(1)
    assert 'id="card-' not in signed("coordinator.spvm").get(f"{EN}/dashboard").body.decode()


def test_rows_from_before_the_index_are_given_its_keys_by_the_seed_step_once(client: Any) -> None:
    from chalicelib.adapters.models import AuditModel
    from chalicelib.api.wiring import deps
    from chalicelib.domain.workflow import Actor
    from chalicelib.services import audit_log, catalogue

    # Given a row written before the by_month index (no month, no listed)
    AuditModel("cap#iraq", 99, at="2026-11-15T12:00:00.000000Z", kind="catalogue_change", actor_id="admin-0",
               actor_role="admin", details={"change": "authorized"}).save()
    irss = Actor("irss", "irss-1")
    assert audit_log.listing(deps(), irss, {"subject": "cap#iraq"})["items"] == []
    # When the seed step runs (scripts/local.py and each deploy's seeding), twice
    catalogue.seed(deps())
    catalogue.seed(deps())
    # Then the row is listed, once, with the keys every new row gets on write
    found = audit_log.listing(deps(), irss, {"subject": "cap#iraq"})["items"]
    assert [(r["subject"], r["seq"], r["change"]) for r in found] == [("cap#iraq", 99, "authorized")]
    row = AuditModel.get("cap#iraq", 99)
    assert (row.month, row.listed) == ("2026-11", "2026-11-15T12:00:00.000000Z#cap#iraq#00000000000000000099")
    assert deps().store.audit.index_unlisted() == 0
