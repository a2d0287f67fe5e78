"""GET /missions and /missions/{id}: the seeded catalogue with its caps."""
import json


def _missions(client):
    r = client.http.get("/missions")
    assert r.status_code == 200
    return {m["mission_id"]: m for m in json.loads(r.body)["missions"]}


def test_every_seeded_mission_is_listed_with_both_languages(client):
    missions = _missions(client)
    expected = {
        "haiti-minustah", "ukraine-patrol-police", "ukraine-euam", "iraq-mlt", "west-bank-eupol-copps",
        "west-bank-proteus", "cambodia-eccc", "philippines", "drc-monusco", "italy-spc-brindisi",
        "un-new-york-senior-police-advisor", "un-new-york-toc-advisor", "justice-rapid-response",
        "un-saat-instructors", "senior-strategic-advisors-master-class", "un-senior-mission-leaders-course",
    }
    assert set(missions) == expected
    for m in missions.values():
        assert m["name"]["en"] and m["name"]["fr"]
        assert m["description"]["en"] and m["description"]["fr"]


def test_shared_caps_are_one_cap(client):
    missions = _missions(client)
    ua, euam = missions["ukraine-patrol-police"], missions["ukraine-euam"]
    assert ua["cap"]["cap_id"] == euam["cap"]["cap_id"] == "ukraine"
    assert ua["cap"]["authorized"] == 20 and ua["cap"]["deployed"] == 20 and ua["seats_left"] == 0
    assert sorted(ua["cap"]["shared_with"]) == ["ukraine-euam", "ukraine-patrol-police"]
    wb = missions["west-bank-proteus"]["cap"]
    # The newest page raised the Ministerial Authorization from 7 to 12; 1 + 3 deployed.
    assert wb == missions["west-bank-eupol-copps"]["cap"]
    assert (wb["authorized"], wb["deployed"], wb["seats_left"]) == (12, 4, 8)


def test_newer_figures_win(client):
    missions = _missions(client)
    haiti = missions["haiti-minustah"]
    assert (haiti["cap"]["authorized"], haiti["cap"]["deployed"], haiti["seats_left"]) == (90, 40, 50)
    assert haiti["language_of_operation"] == "fr" and haiti["armed"] is True and haiti["interview_required"]
    assert missions["cambodia-eccc"]["cap"]["authorized"] == 2  # older page said 3
    assert missions["iraq-mlt"]["armed"] is True and missions["iraq-mlt"]["seats_left"] == 17
    assert missions["italy-spc-brindisi"]["accepting_applications"] is False
    assert missions["drc-monusco"]["seats_left"] is None
    assert missions["un-new-york-senior-police-advisor"]["deployment_months"] == 36


def test_one_mission(client):
    r = client.http.get("/missions/west-bank-proteus")
    assert r.status_code == 200
    body = json.loads(r.body)
    assert body["civilian_analysts"] is True and body["cap"]["seats_left"] == 8


def test_unknown_mission_is_a_problem_404(client):
    r = client.http.get("/missions/atlantis", headers={"Accept-Language": "fr-CA,fr;q=0.9"})
    assert r.status_code == 404
    assert r.headers["Content-Type"] == "application/problem+json"
    body = json.loads(r.body)
    assert body["status"] == 404 and body["title"] == "Introuvable" and body["instance"] == "/missions/atlantis"


def test_form_schemas_are_served(client):
    for name in ("application", "family-readiness"):
        r = client.http.get(f"/forms/{name}/schema")
        assert r.status_code == 200
        schema = json.loads(r.body)
        assert schema["$schema"].endswith("2020-12/schema")
        for prop in schema["properties"].values():
            assert prop["x-label"]["en"] and prop["x-label"]["fr"]
            assert prop["x-help"]["en"] and prop["x-help"]["fr"]
    assert client.http.get("/forms/passport/schema").status_code == 404


def test_seed_is_idempotent_and_keeps_live_figures(client):
    from chalicelib.adapters.models import CapModel
    from chalicelib.api.wiring import deps
    from chalicelib.services import catalogue

    cap = CapModel.get("cap", "haiti")
    cap.update(actions=[CapModel.deployed.set(41)])
    catalogue.seed(deps())
    assert CapModel.get("cap", "haiti").deployed == 41
