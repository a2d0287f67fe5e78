"""Issue 10's findings on stored data, medical information and link expiry, each through the real
routes on moto. Every test here fails on the code before the storage boundary (commit 9891e6e)."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest

from .conftest import bearer, move, open_call, staff_call, submit

MINIMAL_MISSION = {  # only what schemas/mission.json requires: no participation_since, no civilian_analysts
    "mission_id": "mali-minusma", "cap_id": "mali", "kind": "operation",
    "name": {"en": "Mali: MINUSMA", "fr": "Mali : MINUSMA"},
    "organization": {"en": "UN mission", "fr": "Mission de l'ONU"},
    "country": {"en": "Mali", "fr": "Mali"},
    "description": {"en": "Example.", "fr": "Exemple."},
    "language_of_operation": "fr", "armed": False, "body": "un", "interview_required": True,
    "deployment_months": 12, "requires_4x4": False, "accepting_applications": True,
}


def _pages_answer_200(client, tokens, mission_id, app_id, token):
    for path in ("/missions", f"/missions/{mission_id}", "/en/missions", "/fr/missions", f"/en/missions/{mission_id}",
                 "/en/apply", f"/fr/apply?mission={mission_id}"):
        r = client.http.get(path)
        if r.status_code == 303:  # a mission with an open call: on to the call's start page
            r = client.http.get(r.headers["Location"])
        assert r.status_code == 200, path
    assert client.http.get(f"/applications/{app_id}", headers=bearer(token)).status_code == 200
    for path in ("/admin/reports/pipeline", "/admin/applications", f"/admin/applications/{app_id}",
                 "/admin/reports/applications.csv"):
        assert staff_call(client, "get", path, tokens["irss"]).status_code == 200, path


def test_a_mission_with_only_the_required_fields_keeps_every_page_up(client, tokens):
    """Finding 1: such a mission was stored, answered 500, and then took every catalogue read down."""
    # Given a new cap and a mission with only the required fields
    r = staff_call(client, "post", "/admin/caps", tokens["admin"], {"cap_id": "mali", "authorized": 3,
                                                                   "name": {"en": "Mali", "fr": "Mali"}})
    assert r.status_code == 201, r.body
    r = staff_call(client, "post", "/admin/missions", tokens["admin"], MINIMAL_MISSION)
    # Then it is created, with the schema's defaults
    assert r.status_code == 201, r.body
    assert json.loads(r.body)["civilian_analysts"] is False
    # And, once a call is open, an application to it, and every public, applicant and admin page, answer 200
    open_call(client, tokens["admin"], "mali-minusma")
    created = submit(client, missions=["mali-minusma"])
    _pages_answer_200(client, tokens, "mali-minusma", created["application_id"], created["access_token"])
    # And the mission can still be changed
    r = staff_call(client, "patch", "/admin/missions/mali-minusma", tokens["admin"], {"deployment_months": 6})
    assert r.status_code == 200 and json.loads(r.body)["deployment_months"] == 6


def test_a_stored_mission_that_does_not_fit_is_left_out_and_answers_alone(client, tokens, caplog):
    """A row written by an older version, or by hand: that one mission answers a clear problem."""
    from chalicelib.adapters.models import MissionModel

    created = submit(client)
    # Given one stored mission whose kind no longer exists
    row = MissionModel.get("mission", "iraq-mlt")
    MissionModel("mission", "iraq-mlt").update(actions=[MissionModel.data.set({**row.data, "kind": "operatoin"})])
    # Then the list leaves it out (and logs which one), and the others still list
    r = client.http.get("/missions")
    assert r.status_code == 200
    ids = [m["mission_id"] for m in json.loads(r.body)["missions"]]
    assert "iraq-mlt" not in ids and "haiti-minustah" in ids and len(ids) == 15
    assert any(getattr(rec, "mission_id", None) == "iraq-mlt" for rec in caplog.records)
    # And that mission answers a problem of its own, never a 500
    r = client.http.get("/missions/iraq-mlt")
    assert r.status_code == 503 and json.loads(r.body)["code"] == "mission-unavailable"
    assert client.http.get("/en/missions/iraq-mlt").status_code == 503
    r = staff_call(client, "patch", "/admin/missions/iraq-mlt", tokens["admin"], {"deployment_months": 6})
    assert r.status_code == 503
    # And everything else stays up
    _pages_answer_200(client, tokens, "haiti-minustah", created["application_id"], created["access_token"])


def _closed_on_medical_grounds(client, tokens):
    from chalicelib.adapters.models import ApplicationModel

    app_id = submit(client, police_service="spvm")["application_id"]
    ApplicationModel(app_id).update(actions=[ApplicationModel.stage.set("medical")])
    r = staff_call(client, "put", f"/admin/applications/{app_id}/medical-outcome", tokens["health"], {"outcome": "unfit"})
    assert r.status_code == 200, r.body
    r = move(client, tokens["health"], app_id, "medically_unfit", "medical", "medical_requirements_not_met")
    assert r.status_code == 200, r.body
    return app_id


@pytest.mark.parametrize("who", ["coordinator.spvm", "admin"])
def test_a_medical_end_reads_as_not_selected_without_a_reason_to_other_roles(client, tokens, who):
    """Finding 3: the medical end and its reason were visible to coordinators and administrators."""
    app_id = _closed_on_medical_grounds(client, tokens)
    token = tokens[who]
    # The file
    view = json.loads(staff_call(client, "get", f"/admin/applications/{app_id}", token).body)
    assert view["stage"] == "not_selected"
    assert "medically_unfit" not in json.dumps(view) and "medical_requirements_not_met" not in json.dumps(view)
    assert "medical_outcome" not in view
    last = view["audit"][-1]
    # (issue 21: with the selection team's neutral reason every closing at the health assessment reads with)
    assert (last["to_stage"], last["actor_role"], last["actor_id"], last["reason_code"], last["note"]) == (
        "not_selected", "selection_team", None, "selection_decision", None)
    # The list, and its filter
    items = json.loads(staff_call(client, "get", "/admin/applications", token).body)["items"]
    assert [i["stage"] for i in items if i["application_id"] == app_id] == ["not_selected"]
    r = staff_call(client, "get", "/admin/applications?stage=medically_unfit", token)
    assert r.status_code == 400 and json.loads(r.body)["errors"][0]["pointer"] == "/stage"
    # The export
    csv_body = staff_call(client, "get", "/admin/reports/applications.csv", token).body.decode()
    assert "medically_unfit" not in csv_body and app_id in csv_body
    # The pipeline report
    report = json.loads(staff_call(client, "get", "/admin/reports/pipeline", token).body)
    assert "medically_unfit" not in report["stages"] and "medically_unfit" not in json.dumps(report)
    haiti = next(m for m in report["missions"] if m["mission_id"] == "haiti-minustah")
    assert haiti["counts"]["not_selected"] == 1


def test_medical_staff_still_see_the_medical_end(client, tokens):
    app_id = _closed_on_medical_grounds(client, tokens)
    for who in ("irss", "health"):
        view = json.loads(staff_call(client, "get", f"/admin/applications/{app_id}", tokens[who]).body)
        assert view["stage"] == "medically_unfit" and view["audit"][-1]["reason_code"] == "medical_requirements_not_met"
    r = staff_call(client, "get", "/admin/applications?stage=medically_unfit", tokens["irss"])
    assert [i["application_id"] for i in json.loads(r.body)["items"]] == [app_id]


def test_a_link_stops_working_90_days_after_it_was_issued(client, monkeypatch):
    """Finding 5: file tokens never expired."""
    from chalicelib.api.wiring import deps

    created = submit(client)
    url = f"/applications/{created['application_id']}"
    assert client.http.get(url, headers=bearer(created["access_token"])).status_code == 200
    real_clock = deps().clock
    monkeypatch.setattr(deps(), "clock", lambda: real_clock() + timedelta(days=89))
    assert client.http.get(url, headers=bearer(created["access_token"])).status_code == 200
    monkeypatch.setattr(deps(), "clock", lambda: real_clock() + timedelta(days=91))
    r = client.http.get(url, headers=bearer(created["access_token"]))
    assert r.status_code == 401 and json.loads(r.body)["code"] == "link-expired"
    # The emailed link's page says so and offers a new link
    page = client.http.get(f"/en/status/{created['application_id']}?token={created['access_token']}")
    assert page.status_code == 401 and b"This link has expired" in page.body and b'href="/en/access"' in page.body
    page = client.http.get(f"/fr/status/{created['application_id']}?token={created['access_token']}")
    assert page.status_code == 401 and "Ce lien est expiré".encode() in page.body and b'href="/fr/access"' in page.body
    # A wrong token still answers as if there were no such file
    assert client.http.get(url, headers=bearer("x" * 54)).status_code == 404


def test_two_links_added_at_once_both_stay(client, monkeypatch):
    """add_token_hash was a read then an unconditional write: a link added meanwhile was lost."""
    from chalicelib.adapters.models import ApplicationModel
    from chalicelib.api.wiring import deps

    app_id = submit(client)["application_id"]
    files = deps().store.files
    real_get = ApplicationModel.get
    raced = []

    def get_then_race(*args, **kwargs):
        row = real_get(*args, **kwargs)
        if not raced:  # another request adds its link between this read and this write
            raced.append(True)
            files.add_token_hash(app_id, "b" * 64, 20)
        return row

    monkeypatch.setattr(ApplicationModel, "get", get_then_race)
    files.add_token_hash(app_id, "a" * 64, 20)
    monkeypatch.setattr(ApplicationModel, "get", real_get)
    hashes = list(ApplicationModel.get(app_id).token_hashes)
    assert "a" * 64 in hashes and "b" * 64 in hashes
