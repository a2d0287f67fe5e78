"""Calls for applications (issue 11): public list, administrators' changes, and the deadline,
crossed with an injected clock."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from .conftest import application, post_json, staff_call, submit

CALL = {
    "bulletin_id": "iraq-2099", "mission_id": "iraq-mlt", "positions": 3,
    "opens_at": "2099-03-01T09:00:00-05:00", "closes_at": "2099-03-31T23:59:00-04:00",
    "title": {"en": "Iraq: advisers", "fr": "Iraq\u00a0: conseillers"},
    "description": {"en": "Three advisers.", "fr": "Trois conseillers."},
    "contact": {"name": {"en": "IRSS", "fr": "RPSI"}, "email": "peacekeeping@rcmp-grc.gc.ca"},
    "criteria": {"min_rank": "sergeant", "civilian_analysts": False},
}


def _open_calls(client):
    return json.loads(client.http.get("/bulletins").body)["bulletins"]


def _at(monkeypatch, instant: datetime) -> None:
    from chalicelib.api.wiring import deps

    monkeypatch.setattr(deps(), "clock", lambda: instant)


def test_every_mission_taking_applications_starts_with_one_open_call(client):
    calls = _open_calls(client)
    missions = json.loads(client.http.get("/missions").body)["missions"]
    taking = {m["mission_id"] for m in missions if m["taking_applications"]}
    assert taking and {c["mission_id"] for c in calls} == taking
    assert all(c["status"] == "open" and c["deadline"]["fr"].endswith("(heure d'Ottawa)") for c in calls)
    haiti = next(m for m in missions if m["mission_id"] == "haiti-minustah")
    assert haiti["open_bulletin"]["bulletin_id"] == next(c["bulletin_id"] for c in calls if c["mission_id"] == "haiti-minustah")


def test_an_application_after_the_deadline_is_refused_naming_it(client, monkeypatch):
    call = next(c for c in _open_calls(client) if c["mission_id"] == "haiti-minustah")
    closes = datetime.fromisoformat(call["closes_at"])
    # One second before the deadline: accepted, and the file keeps its call
    _at(monkeypatch, closes - timedelta(seconds=1))
    created = submit(client)
    from chalicelib.adapters.models import ApplicationModel

    assert ApplicationModel.get(created["application_id"]).bulletin_id == call["bulletin_id"]
    # At the deadline: refused, in both languages, naming the deadline; nothing written
    _at(monkeypatch, closes)
    before = ApplicationModel.count()
    for lang, words in (("en", "closed on"), ("fr", "a pris fin le")):
        r = post_json(client, "/applications", application(), **{"Accept-Language": lang})
        assert r.status_code == 422, r.body
        err = json.loads(r.body)["errors"][0]
        assert (err["pointer"], err["code"]) == ("/missions/0", "deadline-passed")
        assert words in err["message"] and call["deadline"][lang].split(" (")[0] in err["message"]
    r = post_json(client, "/applications", application(bulletin_id=call["bulletin_id"]))
    assert json.loads(r.body)["errors"][0]["pointer"] == "/bulletin_id"
    assert ApplicationModel.count() == before


def test_every_choice_needs_an_open_call(client, tokens):
    # Given a second choice whose only call is closed (administrators switched it off: no call was seeded)
    closed = next(m["mission_id"] for m in json.loads(client.http.get("/missions").body)["missions"]
                  if not m["taking_applications"])
    r = post_json(client, "/applications", application(missions=["haiti-minustah", closed]))
    assert r.status_code == 422
    assert [e["pointer"] for e in json.loads(r.body)["errors"]] == ["/missions/1"]


def test_a_named_call_must_be_the_first_choices(client):
    other = next(c for c in _open_calls(client) if c["mission_id"] != "haiti-minustah")
    r = post_json(client, "/applications", application(bulletin_id=other["bulletin_id"]))
    assert r.status_code == 422 and json.loads(r.body)["errors"][0]["code"] == "unknown-bulletin"


def test_civilian_analysts_only_answer_calls_that_accept_them(client):
    r = post_json(client, "/applications", application(track="civilian_analyst", police_service=None))
    assert r.status_code == 422
    assert json.loads(r.body)["errors"][0]["code"] == "analysts-not-accepted"


def test_administrators_open_change_and_audit_a_call(client, tokens, monkeypatch):
    r = staff_call(client, "post", "/admin/bulletins", tokens["admin"], CALL)
    assert r.status_code == 201, r.body
    assert json.loads(r.body)["status"] == "scheduled"
    # A second call for the same opportunity during that time is refused
    overlapping = {**CALL, "bulletin_id": "iraq-2099-b", "opens_at": "2099-03-15T09:00:00-04:00"}
    r = staff_call(client, "post", "/admin/bulletins", tokens["admin"], overlapping)
    assert r.status_code == 409 and json.loads(r.body)["overlaps"] == "iraq-2099"
    # A call closing before it opens, or for no opportunity, is a 422 with its pointer
    r = staff_call(client, "post", "/admin/bulletins", tokens["admin"], {**CALL, "bulletin_id": "x-1", "closes_at": "2099-02-01T00:00:00Z"})
    assert r.status_code == 422 and json.loads(r.body)["errors"][0]["pointer"] == "/closes_at"
    r = staff_call(client, "post", "/admin/bulletins", tokens["admin"], {**CALL, "bulletin_id": "x-2", "mission_id": "nowhere"})
    assert r.status_code == 422 and json.loads(r.body)["errors"][0]["pointer"] == "/mission_id"
    # Changing it: versioned, and the opportunity is fixed
    r = staff_call(client, "patch", "/admin/bulletins/iraq-2099", tokens["admin"], {"positions": 4, "version": 1})
    assert r.status_code == 200 and json.loads(r.body)["positions"] == 4
    r = staff_call(client, "patch", "/admin/bulletins/iraq-2099", tokens["admin"], {"positions": 5, "version": 1})
    assert r.status_code == 409
    r = staff_call(client, "patch", "/admin/bulletins/iraq-2099", tokens["admin"], {"mission_id": "haiti-minustah"})
    assert r.status_code == 422
    from chalicelib.adapters.models import AuditModel

    assert [a.details["change"] for a in AuditModel.query("bulletin#iraq-2099")] == ["created", "updated:positions"]
    # Once its time comes it is open, and public
    _at(monkeypatch, datetime(2099, 3, 10, tzinfo=timezone.utc))
    assert "iraq-2099" in {c["bulletin_id"] for c in _open_calls(client)}
    assert json.loads(client.http.get("/bulletins/iraq-2099").body)["status"] == "open"
    assert client.http.get("/bulletins/none").status_code == 404


def test_the_web_lists_open_calls_with_their_deadlines(client):
    call = next(c for c in _open_calls(client) if c["mission_id"] == "haiti-minustah")
    for lang in ("en", "fr"):
        page = client.http.get(f"/{lang}/missions").body.decode()
        assert call["title"][lang].replace("'", "&#39;") in page and call["deadline"][lang].replace("'", "&#39;") in page
        apply = client.http.get(f"/{lang}/apply").body.decode()  # the calls to answer, each with its deadline
        assert call["title"][lang].replace("'", "&#39;") in apply and call["deadline"][lang].replace("'", "&#39;") in apply
        assert f'href="/{lang}/calls/{call["bulletin_id"]}"' in apply


def test_irss_sends_a_file_on_to_the_next_choice_keeping_its_history(client, tokens):
    from .conftest import move, sent_messages

    created = submit(client, missions=["haiti-minustah", "iraq-mlt"])
    app_id = created["application_id"]
    assert move(client, tokens["coordinator.spvm"], app_id, "service_review", "submitted").status_code == 200
    # A stale or a coordinator's redirect is refused
    path = f"/admin/applications/{app_id}/redirect"
    assert staff_call(client, "post", path, tokens["irss"], {"expected_stage": "submitted"}).status_code == 409
    assert staff_call(client, "post", path, tokens["coordinator.spvm"], {"expected_stage": "service_review"}).status_code == 403
    # When IRSS sends it on
    r = staff_call(client, "post", path, tokens["irss"], {"expected_stage": "service_review", "note": "No seat in Haiti"})
    assert r.status_code == 200, r.body
    body = json.loads(r.body)
    iraq_call = next(c["bulletin_id"] for c in _open_calls(client) if c["mission_id"] == "iraq-mlt")
    assert (body["mission_id"], body["stage"], body["bulletin_id"], body["previous_mission_id"]) == (
        "iraq-mlt", "irss_review", iraq_call, "haiti-minustah")
    # Then the file is Iraq's, with its whole history, and the applicant is told in their language
    view = json.loads(staff_call(client, "get", f"/admin/applications/{app_id}", tokens["irss"]).body)
    assert view["mission_id"] == "iraq-mlt" and view["application_form"]["missions"] == ["haiti-minustah", "iraq-mlt"]
    assert [a["kind"] for a in view["audit"]] == ["submitted", "stage_change", "redirected"]
    assert view["audit"][-1]["details"] == {"from_mission": "haiti-minustah", "to_mission": "iraq-mlt", "bulletin_id": iraq_call}
    mail = sent_messages()[-1]
    assert mail.destinations["ToAddresses"] == [created_email(created)] and "Iraq" in mail.body
    status = json.loads(client.http.get(f"/applications/{app_id}", headers={"Authorization": f"Bearer {created['access_token']}"}).body)
    assert status["mission"]["mission_id"] == "iraq-mlt"
    # And there is no third choice to send it to
    r = staff_call(client, "post", path, tokens["irss"], {"expected_stage": "irss_review"})
    assert r.status_code == 409 and json.loads(r.body)["guard"] == "next_choice"


def created_email(created):
    from chalicelib.adapters.models import ApplicationModel

    return ApplicationModel.get(created["application_id"]).email
