"""The public pages tell only facts the seeds or the call give (issue 23), through the real routes on moto.

Given / When / Then: a call's start page lists what the call asks (domain/requirements.py, the one rule) and the
documents to send: no UN online module certificates on an EU or bilateral call, no interview nor UN modules on the
senior courses' and SAAT's pages.
"""
from __future__ import annotations

import json
import re
from html import unescape
from typing import Any


def text(r: Any) -> str:
    body = r.body.decode()
    main = body[body.index("<main"):body.index("</main>")]
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", main)))


def open_calls(client: Any) -> dict[str, str]:
    r = client.http.get("/bulletins")
    assert r.status_code == 200
    return {b["mission_id"]: b["bulletin_id"] for b in json.loads(r.body)["bulletins"]}


def test_a_calls_start_page_lists_what_its_pathway_and_call_ask_and_nothing_else(client: Any) -> None:
    calls = open_calls(client)
    # Given the EU, bilateral and national calls' start pages
    for mission_id in ("ukraine-euam", "ukraine-patrol-police", "iraq-mlt", "west-bank-eupol-copps", "philippines",
                       "un-new-york-senior-police-advisor"):
        page = text(client.http.get(f"/en/calls/{calls[mission_id]}"))
        # Then they list what the call asks and the documents to send, never the UN modules
        assert "What this call asks for" in page and "Documents to send once you have applied" in page, mission_id
        assert "UN online module certificates" not in page and "United Nations online training" not in page, mission_id
        assert "Firearms qualification" in page, mission_id
    assert "An interview" in text(client.http.get(f"/en/calls/{calls['ukraine-euam']}"))
    assert "An interview" not in text(client.http.get(f"/en/calls/{calls['iraq-mlt']}"))
    # While a UN deployment's call asks for them, in French too
    haiti = text(client.http.get(f"/en/calls/{calls['haiti-minustah']}"))
    assert "UN online module certificates" in haiti and "United Nations online training modules" in haiti
    assert "Certificats des modules en ligne de l'ONU" in text(client.http.get(f"/fr/calls/{calls['haiti-minustah']}"))


def test_the_senior_courses_and_saat_pages_advertise_no_un_modules_nor_interview(client: Any) -> None:
    calls = open_calls(client)
    for mission_id in ("un-senior-mission-leaders-course", "un-saat-instructors"):
        for path in (f"/en/missions/{mission_id}", f"/en/calls/{calls[mission_id]}"):
            page = text(client.http.get(path))
            assert "United Nations online training" not in page and "An interview" not in page, path
            assert "firearms, baton and pepper spray" not in page, path
        fr = text(client.http.get(f"/fr/missions/{mission_id}"))
        assert "modules de formation en ligne" not in fr and "Une entrevue" not in fr


def test_haiti_and_the_drc_say_see_the_call_for_4x4_and_a_console_call_sets_its_own(client: Any, signed: Any) -> None:
    from .test_console_calls import EN, FORM, post

    # Given Haiti's and the DRC's pages: the seeds name no mission for 4x4 driving
    for mission_id in ("haiti-minustah", "drc-monusco"):
        assert "asked for some missions: see the call" in text(client.http.get(f"/en/missions/{mission_id}"))
        assert "voir l'appel de candidatures" in text(client.http.get(f"/fr/missions/{mission_id}"))
    # When an administrator writes a call for Haiti that requires it, in the console
    admin = signed("admin")
    fields = [(k, v) for k, v in FORM if k not in ("mission_id", "contact_email", "title_fr")]
    r = post(admin, f"{EN}/new-call", f"{EN}/calls", [*fields, ("mission_id", "haiti-minustah"),
                                                      ("contact_email", "peacekeeping@rcmp-grc.gc.ca"),
                                                      ("title_fr", "Haïti"), ("criteria_four_by_four", "yes"),
                                                      ("criteria_fitness_test", "pare")])
    assert r.status_code == 303, text(r)
    # Then the call keeps it, and its form shows it chosen
    page = admin.get(f"{EN}/calls/drc-2099").body.decode()
    assert re.search(r'<option value="yes" selected>Required by this call</option>', page)
    assert '<option value="">As the mission says' in page
    assert re.search(r'<option value="pare" selected>Physical Abilities Requirement Evaluation \(PARE\)</option>', page)
    # And its preview, the applicant's page, says what it asks: the 4x4 driving and the PARE
    preview = text(admin.get(f"{EN}/calls/drc-2099/preview"))
    assert "Experience driving standard-shift 4x4 vehicles" in preview and "see the call" not in preview
    assert "The Physical Abilities Requirement Evaluation (PARE)" in preview


def test_a_call_with_no_number_says_not_stated_and_its_number_can_be_set_and_cleared_on_dynamodb(
        client: Any, tokens: Any) -> None:
    from .conftest import staff_call

    calls = open_calls(client)
    # Given Ukraine's seeded call (all 20 seats taken): no invented number
    call = json.loads(client.http.get(f"/bulletins/{calls['ukraine-euam']}").body)
    assert call["positions"] is None and call["places_left"] is None
    assert "Positions Not stated yet" in text(client.http.get(f"/en/calls/{calls['ukraine-euam']}"))
    assert "Pas encore indiqué" in text(client.http.get(f"/fr/calls/{calls['ukraine-euam']}"))
    # When an administrator sets a number, then clears it again (no place given)
    url = f"/admin/bulletins/{calls['ukraine-euam']}"
    r = staff_call(client, "patch", url, tokens["admin"], {"positions": 3, "version": call["version"]})
    assert r.status_code == 200 and json.loads(r.body)["positions"] == 3, r.body
    r = staff_call(client, "patch", url, tokens["admin"], {"positions": None, "version": call["version"] + 1})
    # Then the stored call reads as it was written
    assert r.status_code == 200 and json.loads(r.body)["positions"] is None, r.body
    listed = json.loads(client.http.get("/missions/ukraine-euam").body)["open_bulletin"]
    assert listed["positions"] is None
