"""The roster's console pages through the real routes on moto (issue 22): the program's roster, Ukraine's cap,
recording officers on two seeded placeholders, ending one (its seat frees), deploying a ready candidate into the
freed seat, an extension, a rotation, a stale form, and the CSV import (errors listed, nothing written; then
a good import, and the same file again writes nothing)."""
from __future__ import annotations

import re
from typing import Any

from chalicelib.adapters.models import ApplicationModel, AuditModel, CapModel, DeploymentModel

import pytest

from .conftest import submit
from .test_console_pages import EN, FR, post, text
from .test_console_sign_in import _check_codes, first_sign_in  # noqa: F401 - the fixture, reused
from .web_client import WebClient

UKR = f"{EN}/roster/ukraine"


@pytest.fixture
def signed(client: Any) -> Any:
    def as_(user: str, lang: str = "en") -> WebClient:
        browser = WebClient(client)
        first_sign_in(browser, user, lang=lang)
        return browser
    return as_


def entry(n: int) -> str:
    return f"existing-ukraine-{n:03d}"


def entry_row(deployment_id: str) -> Any:
    return DeploymentModel.get("roster#ukraine", deployment_id)


def ready(client: Any, email: str) -> str:
    app_id = submit(client, email=email, missions=["ukraine-patrol-police"])["application_id"]
    ApplicationModel(app_id).update(actions=[ApplicationModel.stage.set("training")])
    return app_id


def record(irss: Any, n: int, version: str = "1", lang: str = EN) -> Any:
    page = f"{lang}/roster/ukraine/entries/{entry(n)}"
    return post(irss, page, f"{page}/record", [
        ("expected_version", version), ("police_service", "spvm"), ("started_on", "2025-06-01"),
        ("planned_end", "2026-06-01"), ("mission_id", ""), ("note", "From the program's list")])


def test_irss_names_two_placeholders_ends_one_and_deploys_a_ready_candidate_into_the_freed_seat(
        client: Any, signed: Any) -> None:
    candidate = ready(client, "ready@example.ca")
    irss = signed("irss")
    # The program's roster: Ukraine 20 authorized, 20 active, none left, 20 not yet recorded, 1 ready
    overview = text(irss.get(f"{EN}/roster"))
    assert re.search(r"Ukraine \(both operations\)</a></th> <td>20</td><td>20</td><td>0</td><td>0</td> <td>20</td><td>1</td>", overview)
    cap = text(irss.get(UKR))
    assert cap.count("Placeholder: not yet recorded") == 20 and candidate in cap and "Waiting for a seat" in cap
    # Two placeholders named
    for n in (1, 2):
        r = record(irss, n)
        assert r.status_code == 303 and r.headers["Location"].endswith("?done=recorded"), text(r)
    row = entry_row(entry(1))
    assert (row.police_service, row.started_on, row.planned_end, row.version) == ("spvm", "2025-06-01", "2026-06-01", 2)
    cap = text(irss.get(UKR))
    assert cap.count("Placeholder: not yet recorded") == 18 and "June 1, 2026" in cap
    # A stale form (version 1 again) answers 409 with a page
    assert record(irss, 1).status_code == 409
    # End one: the first post is the confirmation step, nothing written yet
    page = f"{UKR}/entries/{entry(1)}"
    fields = [("expected_version", "2"), ("reason_code", "ended_early"), ("ended_on", ""), ("end_note", "Came home")]
    r = post(irss, page, f"{page}/end", fields)
    assert r.status_code == 200 and "Confirm the end of this deployment" in text(r)
    assert entry_row(entry(1)).ended_on is None and CapModel.get("cap", "ukraine").deployed == 20
    r = post(irss, page, f"{page}/end", [*fields, ("confirmed", "yes")])
    assert r.status_code == 303 and r.headers["Location"].endswith("?done=ended")
    assert entry_row(entry(1)).end_reason == "ended_early" and CapModel.get("cap", "ukraine").deployed == 19
    assert "The deployment ended; its seat is free." in text(irss.get(r.headers["Location"]))
    # Deploy the ready candidate into the freed seat
    r = post(irss, UKR, f"{UKR}/deploy", [("application_id", candidate), ("expected_stage", "training")])
    assert r.status_code == 303 and r.headers["Location"].endswith("?done=deployed"), text(r)
    assert ApplicationModel.get(candidate).stage == "deployed" and CapModel.get("cap", "ukraine").deployed == 20
    # Ended entries on request
    assert "Ended " in text(irss.get(f"{UKR}?status=all")) and "Ended " not in text(irss.get(UKR))
    audited = {a.subject for a in AuditModel.scan()}
    assert {f"deployment#{entry(1)}", f"deployment#{entry(2)}", f"deployment#file-{candidate}"} <= audited


def test_no_free_seat_refuses_a_deploy_clearly_and_an_admin_sees_no_deploy_button(client: Any, signed: Any) -> None:
    candidate = ready(client, "full@example.ca")
    irss = signed("irss", "fr")
    r = post(irss, f"{FR}/roster/ukraine", f"{FR}/roster/ukraine/deploy",
             [("application_id", candidate), ("expected_stage", "training")])
    assert r.status_code == 409 and ApplicationModel.get(candidate).stage == "training"
    assert "place" in text(r).lower()
    admin = signed("admin")
    page = text(admin.get(UKR))
    assert candidate in page and "/deploy" not in page


def test_field_errors_come_back_next_to_their_fields_in_the_pages_language(client: Any, signed: Any) -> None:
    irss = signed("irss", "fr")
    page = f"{FR}/roster/ukraine/entries/{entry(3)}"
    r = post(irss, page, f"{page}/record", [("expected_version", "1"), ("police_service", "spvm"),
                                            ("started_on", "2026-06-01"), ("planned_end", "2026-01-01"),
                                            ("note", "x")])
    assert r.status_code == 422 and "La fin prévue doit suivre le début." in text(r)
    assert 'id="planned_end-error"' in r.body.decode()
    r = post(irss, page, f"{page}/record", [("expected_version", "1"), ("note", "x")])
    assert r.status_code == 422 and "Remplissez ce champ." in text(r)
    assert entry_row(entry(3)).version == 1


def test_extend_and_rotate(client: Any, signed: Any) -> None:
    irss = signed("irss")
    assert record(irss, 4).status_code == 303
    page = f"{UKR}/entries/{entry(4)}"
    r = post(irss, page, f"{page}/extend", [("expected_version", "2"), ("new_planned_end", "2026-01-01"),
                                            ("extend_note", "n")])
    assert r.status_code == 422 and "must come after the current one" in text(r)
    r = post(irss, page, f"{page}/extend", [("expected_version", "2"), ("new_planned_end", "2026-12-01"),
                                            ("extend_note", "Approved by the mission")])
    assert r.status_code == 303 and entry_row(entry(4)).planned_end == "2026-12-01"
    candidate = ready(client, "incoming@example.ca")
    assert candidate in text(irss.get(page))  # offered as the incoming officer
    today = re.search(r'name="handover_on" value="([0-9-]+)"', irss.get(page).body.decode()).group(1)
    r = post(irss, page, f"{page}/rotation", [("expected_version", "3"), ("application_id", candidate),
                                              ("handover_on", today), ("rotation_note", "Rotation of the spring")])
    assert r.status_code == 303 and r.headers["Location"].endswith("?done=rotated"), text(r)
    out = entry_row(entry(4))
    assert (out.ended_on, out.end_reason) == (today, "rotation_completed")
    incoming = entry_row(f"file-{candidate}")
    assert incoming.started_on == today and ApplicationModel.get(candidate).stage == "deployed"
    assert CapModel.get("cap", "ukraine").deployed == 20


def test_the_import_lists_every_error_writes_nothing_then_imports_and_a_second_time_adds_nothing(
        client: Any, signed: Any) -> None:
    admin = signed("admin")
    template = admin.get(f"{EN}/roster-import/template.csv")
    assert template.status_code == 200 and template.body.decode().startswith("cap_id,mission_id,police_service")
    bad = "cap_id,mission_id,police_service,started_on,planned_end\nukraine,,spvm,2026-01-05,2027-01-05\n" \
          "ukraine,,nope,2026-01-05,2027-01-05\ncambodia,,opp,2026-02-31,2027-01-01\n"
    r = post(admin, f"{EN}/roster-import", f"{EN}/roster-import", [("csv", bad)])
    body = text(r)
    assert r.status_code == 422 and "<td>3</td><td>police_service</td>" in body and "<td>4</td><td>started_on</td>" in body
    assert entry_row(entry(1)).police_service is None  # line 2 was good, and still nothing was written
    good = "cap_id,mission_id,police_service,started_on,planned_end\nukraine,,spvm,2026-01-05,2027-01-05\n" \
           "cambodia,,opp,2026-02-01,2027-02-01\n"
    r = post(admin, f"{EN}/roster-import", f"{EN}/roster-import", [("csv", good)])
    assert r.status_code == 303 and "n=2" in r.headers["Location"]
    assert entry_row(entry(1)).police_service == "spvm" and CapModel.get("cap", "cambodia").deployed == 1
    r = post(admin, f"{EN}/roster-import", f"{EN}/roster-import", [("csv", good)])
    assert r.status_code == 303 and "n=0" in r.headers["Location"]
    assert CapModel.get("cap", "cambodia").deployed == 1
    assert "The roster was imported: 0 entries written." in text(admin.get(r.headers["Location"]))


def test_malformed_forms_get_a_4xx_page_never_a_500(client: Any, signed: Any) -> None:
    irss = signed("irss")
    junk = [("expected_version", "²"), ("police_service", "\u0000"), ("started_on", "2026-02-30"),
            ("planned_end", "tomorrow"), ("new_planned_end", "9999-99-99"), ("reason_code", "zzz"),
            ("ended_on", "2026-02-30"), ("handover_on", "x"), ("application_id", "nope"), ("mission_id", "nope"),
            ("note", "n"), ("extend_note", "n"), ("end_note", "n"), ("rotation_note", "n"), ("confirmed", "yes"),
            ("expected_stage", "nowhere"), ("csv", "\ufeffcap_id,mission_id\n\"unterminated")]
    page = f"{UKR}/entries/{entry(5)}"
    for url in (f"{page}/record", f"{page}/extend", f"{page}/end", f"{page}/rotation", f"{UKR}/deploy",
                f"{EN}/roster/nowhere/entries/nothing/record", f"{EN}/roster/nowhere/deploy", f"{EN}/roster-import"):
        r = post(irss, UKR, url, junk)
        assert 400 <= r.status_code < 500, (url, r.status_code)
    for url in (f"{EN}/roster/nowhere", f"{EN}/roster/ukraine/entries/nothing"):
        assert irss.get(url).status_code == 404
    assert entry_row(entry(5)).version == 1
