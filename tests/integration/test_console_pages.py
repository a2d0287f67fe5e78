"""The console's work pages through the real routes on moto: the queue, a file, a note, a move, a guard's
refusal explained, a closing move's confirmation, the medical outcome, a bulk move with a result per file;
a role refused a page it may not use, and a coordinator's file outside their service not found."""
from __future__ import annotations

import re
from html import unescape
from typing import Any


from chalicelib.adapters.models import ApplicationModel

from .conftest import submit
from .test_console_sign_in import _check_codes, first_sign_in, page_token  # noqa: F401 - the fixture, reused
from .web_client import WebClient

EN, FR = "/console/en", "/console/fr"


def post(browser: WebClient, page: str, url: str, fields: list[tuple[str, str]]) -> Any:
    return browser.post(url, [*fields, ("csrf_token", page_token(browser, page))], csrf=False)


def text(r: Any) -> str:
    return re.sub(r"\s+", " ", unescape(r.body.decode()))


def test_a_coordinator_works_the_queue_opens_a_file_adds_a_note_and_moves_it(client: Any, signed: Any) -> None:
    mine = submit(client, email="a@example.ca")["application_id"]
    theirs = submit(client, email="b@example.ca", police_service="opp")["application_id"]
    spvm = signed("coordinator.spvm")
    # The queue: their own service's submitted file, what it needs, its days
    q = text(spvm.get(f"{EN}/queue"))
    assert "Côté-Tremblay" in q and mine in q and theirs not in q and "Nothing: ready to move on" in q
    # The file, with its moves as buttons and the note form
    page = f"{EN}/files/{mine}"
    f = text(spvm.get(page))
    assert "Move to Initial selection by your police service" in f and "Family readiness" in f and "History" in f
    r = post(spvm, page, f"{page}/notes", [("note", "Called the applicant.")])
    assert r.status_code == 303 and r.headers["Location"].endswith("?done=note")
    assert "Called the applicant." in text(spvm.get(page)) and "Your note was added." in text(spvm.get(r.headers["Location"]))
    r = post(spvm, page, f"{page}/moves", [("to_stage", "service_review"), ("expected_stage", "submitted")])
    assert r.status_code == 303, text(r)
    assert ApplicationModel.get(mine).stage == "service_review"
    # Another service's file is not found
    assert spvm.get(f"{EN}/files/{theirs}").status_code == 404
    r = post(spvm, page, f"{EN}/files/{theirs}/notes", [("note", "x")])
    assert r.status_code == 404


def test_a_guard_refusal_is_explained_and_a_closing_move_is_confirmed(client: Any, signed: Any) -> None:
    app_id = submit(client, email="c@example.ca")["application_id"]
    ApplicationModel(app_id).update(actions=[ApplicationModel.stage.set("preliminary_instructions")])
    irss = signed("irss", "fr")
    page = f"{FR}/files/{app_id}"
    r = post(irss, page, f"{page}/moves", [("to_stage", "medical"), ("expected_stage", "preliminary_instructions")])
    assert r.status_code == 409 and "instructions préliminaires doit d'abord être inscrit comme retourné" in text(r)
    # A closing move goes through its confirmation page (the reasons IRSS may give), then closes
    r = post(irss, page, f"{page}/moves", [("to_stage", "not_selected"), ("expected_stage", "preliminary_instructions")])
    assert r.status_code == 303 and "/confirm?to=not_selected" in r.headers["Location"]
    confirm = irss.get(r.headers["Location"])
    assert confirm.status_code == 200 and 'name="reason_code"' in confirm.body.decode()
    code = re.search(r'name="reason_code" value="([a-z_]+)"', confirm.body.decode()).group(1)
    r = post(irss, r.headers["Location"], f"{page}/moves", [("to_stage", "not_selected"), ("confirmed", "yes"),
             ("expected_stage", "preliminary_instructions"), ("reason_code", code)])
    assert r.status_code == 303 and ApplicationModel.get(app_id).stage == "not_selected"


def test_health_records_the_outcome_and_irss_may_not(client: Any, signed: Any) -> None:
    app_id = submit(client, email="d@example.ca")["application_id"]
    ApplicationModel(app_id).update(actions=[ApplicationModel.stage.set("medical")])
    health = signed("health")
    assert app_id in text(health.get(f"{EN}/queue")) and "Medical outcome to record" in text(health.get(f"{EN}/queue"))
    page = f"{EN}/files/{app_id}"
    r = post(health, page, f"{page}/medical-outcome", [("outcome", "fit")])
    assert r.status_code == 303 and ApplicationModel.get(app_id).medical_outcome == "fit"
    irss = signed("irss")
    r = post(irss, page, f"{page}/medical-outcome", [("outcome", "unfit")])
    assert r.status_code == 403 and ApplicationModel.get(app_id).medical_outcome == "fit"
    admin = signed("admin")
    r = post(admin, page, f"{page}/moves", [("to_stage", "un_modules"), ("expected_stage", "medical")])
    assert r.status_code == 403  # administrators make no moves (the API's rule)
    assert "Administrators make no moves" in text(admin.get(f"{EN}/queue"))


def test_a_bulk_move_answers_for_each_file(client: Any, signed: Any) -> None:
    ids = [submit(client, email=f"bulk{i}@example.ca")["application_id"] for i in range(3)]
    ApplicationModel(ids[2]).update(actions=[ApplicationModel.stage.set("service_review")])  # moved meanwhile
    spvm = signed("coordinator.spvm")
    listing = text(spvm.get(f"{EN}/files?stage=submitted"))
    assert all(i in listing for i in ids[:2]) and ids[2] not in listing
    picks = [("pick", f"{i}|submitted") for i in ids]  # the third as the list showed it before it moved
    r = post(spvm, f"{EN}/files", f"{EN}/bulk-moves", [*picks, ("to_stage", "service_review")])
    body = text(r)
    assert r.status_code == 200 and "2 moved to Initial selection by your police service, 1 not moved." in body
    assert body.count("Moved to Initial selection by your police service.") == 2 and "Not moved:" in body
    assert [ApplicationModel.get(i).stage for i in ids] == ["service_review"] * 3


def test_search_dashboard_and_export_by_the_api_s_rules(client: Any, signed: Any) -> None:
    from chalicelib.domain.emails import reference

    mine = submit(client, email="s@example.ca")["application_id"]
    theirs = submit(client, email="t@example.ca", police_service="opp")["application_id"]
    spvm = signed("coordinator.spvm")
    # A reference as printed finds the file; the other service's reference finds nothing
    r = spvm.get(f"{EN}/search?q={reference(mine)}")
    assert r.status_code == 200 and f"/files/{mine}" in text(r) and "Files found: 1" in text(r)
    assert "Files found: 0" in text(spvm.get(f"{EN}/search?q={reference(theirs)}"))
    assert f"/files/{mine}" in text(spvm.get(f"{EN}/search?q=cote"))  # a family name's start, without accents
    # The dashboard: charts drawn on the server with their tables, the coordinator's service only
    d = text(signed("irss").get(f"{FR}/dashboard"))
    assert "<svg" in d and "<script" not in d and "Les chiffres sous forme de tableau" in d
    assert "votre service de police (spvm)" in text(spvm.get(f"{FR}/dashboard"))
    assert signed("health").get(f"{EN}/dashboard").status_code == 403  # not the pipeline report's roles
    # The export, in the page's language, opens in Excel (a byte-order mark), the service's files only
    r = spvm.get(f"{FR}/export.csv")
    body = r.body.decode("utf-8")
    assert r.status_code == 200 and body.startswith("\ufeff") and 'filename="peaceops-dossiers.csv"' in \
        r.headers["Content-Disposition"]
    assert reference(mine) in body and reference(theirs) not in body
    assert signed("health").get(f"{EN}/export.csv").status_code == 403


def test_a_bulk_closing_move_takes_a_reason_and_a_confirmation(client: Any, signed: Any) -> None:
    ids = [submit(client, email=f"close{i}@example.ca")["application_id"] for i in range(3)]
    for app_id in ids:
        ApplicationModel(app_id).update(actions=[ApplicationModel.stage.set("medical")])
    health = signed("health")
    listing = text(health.get(f"{EN}/files?stage=medical"))
    assert 'name="reason_code"' in listing and 'name="confirm_close"' in listing
    picks = [("pick", f"{i}|medical") for i in ids]
    move = [("to_stage", "medically_unfit"), ("reason_code", "medical_requirements_not_met")]
    r = post(health, f"{EN}/files", f"{EN}/bulk-moves", [*picks, *move])
    assert r.status_code == 422 and "tick the confirmation first" in text(r)
    assert {ApplicationModel.get(i).stage for i in ids} == {"medical"}
    r = post(health, f"{EN}/files", f"{EN}/bulk-moves", [*picks, *move, ("confirm_close", "yes")])
    assert r.status_code == 200 and "3 moved to" in text(r)
    assert {ApplicationModel.get(i).stage for i in ids} == {"medically_unfit"}


def test_irss_places_and_lifts_a_legal_hold_from_the_file_page_with_a_reason_each_time(client: Any, signed: Any) -> None:
    app_id = submit(client, email="held@example.ca")["application_id"]
    irss = signed("irss", "fr")
    page = f"{FR}/files/{app_id}"
    f = text(irss.get(page))
    assert "Suspension pour raisons juridiques" in f and "ne fait pas l'objet d'une suspension" in f
    # No reason: the file page again, saying so, and nothing held
    r = post(irss, page, f"{page}/hold", [("reason", "  ")])
    assert r.status_code == 422 and "Indiquez le motif de la suspension." in text(r)
    assert ApplicationModel.get(app_id).legal_hold is None
    # Placed with a reason: held, the reason shown, audited
    r = post(irss, page, f"{page}/hold", [("reason", "Demande P-2026-0042.")])
    assert r.status_code == 303 and r.headers["Location"].endswith("?done=hold")
    f = text(irss.get(r.headers["Location"]))
    assert "La suspension pour raisons juridiques a été placée." in f and "Demande P-2026-0042." in f
    assert ApplicationModel.get(app_id).legal_hold["reason"] == "Demande P-2026-0042."
    # Placing it again is refused (409), lifting it needs its own reason
    assert post(irss, page, f"{page}/hold", [("reason", "Encore.")]).status_code == 409
    r = post(irss, page, f"{page}/hold/lift", [("reason", "Demande traitée.")])
    assert r.status_code == 303 and ApplicationModel.get(app_id).legal_hold is None
    # A coordinator sees no hold section and may not place one; the applicant's status page says nothing of it
    spvm = signed("coordinator.spvm")
    assert "Legal hold" not in text(spvm.get(f"{EN}/files/{app_id}"))
    assert post(spvm, f"{EN}/files/{app_id}", f"{EN}/files/{app_id}/hold", [("reason", "x")]).status_code == 403


def test_the_queue_and_the_file_say_when_the_rcmps_executive_officer_development_office_selects(
        client: Any, signed: Any) -> None:
    # Given an RCMP chief superintendent's SML file and an RCMP member's JRR file, waiting on their initial selection
    sml = submit(client, email="sml@example.ca", police_service="rcmp", rank="chief_superintendent",
                 missions=["un-senior-mission-leaders-course"])["application_id"]
    jrr = submit(client, email="jrr@example.ca", police_service="rcmp",
                 missions=["justice-rapid-response"])["application_id"]
    irss = signed("irss", "fr")
    # Then the queue names the office on the SML file only, and the file page says who makes the selection
    q = irss.get(f"{FR}/queue").body.decode()
    row = {app_id: next(tr for tr in q.split("<tr>") if app_id in tr) for app_id in (sml, jrr)}
    office = "Bureau du perfectionnement et du ressourcement des cadres et des officiers"
    assert office in text(irss.get(f"{FR}/files/{sml}")) and "Sélection initiale par" in text(irss.get(f"{FR}/files/{sml}"))
    assert office in row[sml] and office not in row[jrr]
    assert "Conseiller en perfectionnement professionnel" in text(irss.get(f"{FR}/files/{jrr}"))
