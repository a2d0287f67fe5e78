"""Bad input found by probing: each gets a clear 4xx problem (in the request's language) and writes nothing.

Every JSON body goes through one reader (chalicelib/api/http.py), so each case is checked on
every route that reads one: the applicant's, the public ones and a coordinator's.
"""
from __future__ import annotations

import json

import pytest

from .conftest import JSON, application, bearer, family_readiness, post_json, staff_call, submit

DEEP = "[" * 30000 + "]" * 30000  # within the 64 KiB limit; json.loads overflows Python's stack
SURROGATE = '{"email": "a\\ud800@example.ca"}'  # valid JSON, not valid Unicode


def _problem(r, status: int, code: str) -> dict:
    assert r.status_code == status, r.body
    assert r.headers["Content-Type"] == "application/problem+json"
    body = json.loads(r.body)
    assert body["status"] == status and body["code"] == code
    return body


def _routes(client, tokens) -> list[tuple[str, str, dict[str, str]]]:
    """(method, path, headers) of a route of each kind that reads a JSON body."""
    created = submit(client)
    own = bearer(created["access_token"])
    app_id = created["application_id"]
    return [
        ("post", "/applications", {}),
        ("post", "/access-links", {}),
        ("put", f"/applications/{app_id}/family-readiness", own),
        ("post", f"/applications/{app_id}/withdrawal", own),
        ("post", f"/admin/applications/{app_id}/moves", {"Authorization": f"Bearer {tokens['irss']}"}),
    ]


@pytest.mark.parametrize("raw, detail_fr", [(DEEP, "imbriqué"), (SURROGATE, "demi-code")])
def test_undecodable_bodies_are_refused_with_400_everywhere(client, tokens, raw, detail_fr):
    from chalicelib.adapters.models import ApplicationModel

    # Given one route of each kind, and the files before the request
    routes = _routes(client, tokens)
    before = sorted(a.application_id for a in ApplicationModel.scan())
    for method, path, headers in routes:
        # When the body is deeply nested, or holds a lone surrogate escape
        r = getattr(client.http, method)(path, headers={**JSON, **headers, "Accept-Language": "fr"}, body=raw)
        # Then the answer is a 400 problem in French, never a 500
        body = _problem(r, 400, "malformed-request")
        assert detail_fr in body["detail"], (path, body)
    # ...and nothing was written (the withdrawal and the move did not happen)
    assert sorted(a.application_id for a in ApplicationModel.scan()) == before
    assert {a.stage for a in ApplicationModel.scan()} == {"submitted"}


def test_surrogate_in_a_form_field_is_refused_not_stored(client):
    doc = application()
    doc["given_name"] = "\ud800x"  # json.dumps writes it as the escape \ud800
    r = post_json(client, "/applications", doc)
    _problem(r, 400, "malformed-request")


def test_paired_surrogates_are_ordinary_text(client):
    # An emoji written as an escaped UTF-16 pair is valid Unicode and is kept as written.
    r = client.http.post("/applications", headers=JSON,
                         body=json.dumps(application()).replace('"Hélène"', '"Hélène \\ud83d\\ude00"'))
    assert r.status_code == 201, r.body
    assert json.loads(r.body)["stage"] == "submitted"


def test_availability_at_the_end_of_the_calendar_is_unknown_not_a_crash(client):
    # Given an availability date whose deployment would end after year 9999
    created = submit(client, available_from="9999-06-01")
    # Then the file is created and the First Aid finding says it cannot tell
    findings = {f["criterion"]: f["result"] for f in created["eligibility"]}
    assert findings["first_aid_cpr"] == "unknown"
    assert findings["operational_service"] == "met"


def test_years_written_as_a_decimal_count_as_years(client):
    # JSON Schema's "integer" admits 12.0; the pre-screen must read it as 12, not as "not given".
    r = client.http.post("/applications", headers=JSON,
                         body=json.dumps(application()).replace('"years_operational_service": 12', '"years_operational_service": 12.0'))
    assert r.status_code == 201, r.body
    finding = next(f for f in json.loads(r.body)["eligibility"] if f["criterion"] == "operational_service")
    assert finding["result"] == "met" and finding["reason_en"].startswith("12 years")


@pytest.mark.parametrize("lang, word", [("en", "body"), ("fr", "corps")])
def test_transport_errors_on_every_body_route_in_both_languages(client, tokens, lang, word):
    """400 malformed JSON, 415 wrong content type, 413 oversized body: on every route that reads a body."""
    for method, path, headers in _routes(client, tokens):
        call = getattr(client.http, method)
        h = {**headers, "Accept-Language": lang}
        assert word in _problem(call(path, headers={**JSON, **h}, body="{oops"), 400, "malformed-request")["detail"].lower()
        _problem(call(path, headers={**h, "Content-Type": "text/plain"}, body="{}"), 415, "unsupported-media-type")
        r = call(path, headers={**JSON, **h}, body=json.dumps({"x": "a" * 70000}))
        assert word in _problem(r, 413, "payload-too-large")["detail"].lower()
        assert r.headers["Content-Language"] == lang


def test_a_reversed_date_range_is_a_400_not_a_query(client, tokens):
    # Real DynamoDB refuses BETWEEN with a lower bound above the upper one (moto does not): refuse it first.
    for path in ("/admin/applications", "/admin/reports/applications.csv"):
        r = staff_call(client, "get", f"{path}?from=2026-05-01&to=2026-01-01", tokens["irss"])
        body = _problem(r, 400, "invalid-query")
        assert [e["pointer"] for e in body["errors"]] == ["/from"]
    same_day = staff_call(client, "get", "/admin/applications?from=2026-05-01&to=2026-05-01", tokens["irss"])
    assert same_day.status_code == 200, same_day.body


def test_family_readiness_keeps_working_after_refusals(client):
    # The refusals above leave the file usable: a valid form still saves.
    created = submit(client)
    r = client.http.put(f"/applications/{created['application_id']}/family-readiness",
                        headers={**JSON, **bearer(created["access_token"])}, body=json.dumps(family_readiness()))
    assert r.status_code == 200, r.body


def test_health_staff_cannot_slip_medical_detail_into_an_outcome(client, tokens):
    # Only fit / unfit / needs_consultation is ever stored: any other field is refused, not dropped.
    from chalicelib.adapters.models import ApplicationModel

    app_id = submit(client)["application_id"]
    ApplicationModel(app_id).update(actions=[ApplicationModel.stage.set("medical")])
    r = staff_call(client, "put", f"/admin/applications/{app_id}/medical-outcome", tokens["health"],
                   {"outcome": "unfit", "diagnosis": "détail médical"}, **{"Accept-Language": "fr"})
    body = _problem(r, 422, "validation-failed")
    assert [(e["pointer"], e["code"]) for e in body["errors"]] == [("/diagnosis", "unknown-field")]
    assert "n'est pas un champ" in body["errors"][0]["message"]
    assert ApplicationModel.get(app_id).medical_outcome is None
    r = staff_call(client, "post", f"/admin/applications/{app_id}/module-results", tokens["irss"],
                   {"module": "un-online-modules", "score": 90, "comment": "x"})
    assert [e["pointer"] for e in _problem(r, 422, "validation-failed")["errors"]] == ["/comment"]
