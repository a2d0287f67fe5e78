"""Issue 10, findings 2, 9 and 11: what a JSON body or a form may carry, on every route that reads one.

Each case is a clear 4xx problem in the request's language (or the form page again, for the web),
never a 500, and nothing is written.
"""
from __future__ import annotations

import json

import pytest

from .conftest import JSON, application, bearer, family_readiness, post_json, submit
from .test_bad_input import _problem, _routes
from .web_client import WebClient, apply, first_page_url, form_fields, hidden, page_fields, start_draft

HUGE = "1" + "0" * 5000  # past Python's 4,300-digit limit for int(str)


def _files() -> list[tuple[str, str]]:
    from chalicelib.adapters.models import ApplicationModel

    return sorted((a.application_id, a.stage) for a in ApplicationModel.scan())


# --- finding 2: an integer of more than 4,300 digits -------------------------------

@pytest.mark.parametrize("lang, word", [("en", "number"), ("fr", "nombre")])
def test_an_integer_of_5000_digits_is_a_400_on_every_body_route(client, tokens, lang, word):
    # Given one route of each kind that reads a JSON body, and the files before
    routes = _routes(client, tokens)
    before = _files()
    for method, path, headers in routes:
        # When the body holds a 5,001-digit integer
        r = getattr(client.http, method)(path, headers={**JSON, **headers, "Accept-Language": lang},
                                         body='{"years_operational_service": %s}' % HUGE)
        # Then it is a 400 problem in the request's language, not a 500
        assert word in _problem(r, 400, "malformed-request")["detail"], path
    assert _files() == before


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_numbers_that_are_not_json_numbers_are_a_400(client, literal):
    body = json.dumps(application()).replace('"years_operational_service": 12', f'"years_operational_service": {literal}')
    _problem(client.http.post("/applications", headers=JSON, body=body), 400, "malformed-request")


def test_a_5000_digit_number_in_a_web_form_is_the_form_again_not_a_500(client):
    web = WebClient(client)
    draft_id = start_draft(web, application())
    pairs = [(n, HUGE if n == "years_operational_service" else v) for n, v in page_fields("service", application())]
    r = web.post(f"/en/drafts/{draft_id}/pages/service", pairs)
    assert r.status_code == 422, r.status_code
    assert 'href="#years_operational_service"' in r.body.decode()


# --- finding 9: NUL and bidirectional controls -------------------------------------

FORBIDDEN = ["\u0000", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]


@pytest.mark.parametrize("char", FORBIDDEN)
def test_each_forbidden_character_is_a_422_naming_its_field(client, char):
    # Given an application whose family name hides a control character (and a nested mission id one)
    doc = application(family_name=f"Tremblay{char}gnp", missions=["haiti-minustah", f"x{char}"])
    # When it is posted, in French
    r = post_json(client, "/applications", doc, **{"Accept-Language": "fr"})
    # Then 422 lists one JSON Pointer per offending field, with a French message
    body = _problem(r, 422, "validation-failed")
    forbidden = [e for e in body["errors"] if e["code"] == "forbidden-character"]
    assert [e["pointer"] for e in forbidden] == ["/family_name", "/missions/1"]
    assert "caractère interdit" in forbidden[0]["message"] and f"U+{ord(char):04X}" in forbidden[0]["message"]
    assert _files() == []


def test_forbidden_characters_are_refused_on_every_body_route_and_in_keys(client, tokens):
    routes = _routes(client, tokens)
    before = _files()
    for method, path, headers in routes:
        r = getattr(client.http, method)(path, headers={**JSON, **headers},
                                         body=json.dumps({"note": "fin\u202eelbissop", "a/b\u0000": 1}))
        body = _problem(r, 422, "validation-failed")
        assert [e["pointer"] for e in body["errors"]] == ["/a~1b\u0000", "/note"], path
        assert all(e["code"] == "forbidden-character" for e in body["errors"])
        assert "not allowed" in body["errors"][0]["message"]
    assert _files() == before


def test_ordinary_right_to_left_text_and_marks_are_kept(client):
    # Arabic or Hebrew letters, and the implicit marks U+200E/U+200F, are text, not controls.
    created = submit(client, given_name="\u0645\u0631\u064a\u0645 \u200f")
    assert created["stage"] == "submitted"


def test_web_forms_show_the_forbidden_character_beside_its_field(client):
    web = WebClient(client)
    first = first_page_url(web, "haiti-minustah", "fr")
    pairs = [(n, "Côté\u202egnp" if n == "family_name" else v) for n, v in page_fields("about-you", application())]
    r = web.post(first, pairs + [("draft_key", hidden(web.get(first).body.decode(), "draft_key"))])
    assert r.status_code == 422
    page = r.body.decode()
    assert 'href="#family_name"' in page and "caractère interdit" in page
    assert _files() == []


def test_family_readiness_and_withdrawal_note_refuse_them_on_the_web(client):
    web = WebClient(client)
    base = apply(web, application()).headers["Location"].rsplit("/", 1)[0]
    bad = dict(family_readiness(), support_details="ok\u2066hidden\u2069")
    r = web.post(f"{base}/family-readiness", form_fields(bad))
    assert r.status_code == 422 and 'href="#support_details"' in r.body.decode()
    r = web.post(f"{base}/withdraw", [("reason_code", "family_reasons"), ("note", "a\u0000b"),
                                      ("expected_stage", "submitted"), ("confirm", "yes")])
    assert r.status_code == 422 and 'href="#note"' in r.body.decode() and "not allowed" in r.body.decode()
    assert {stage for _, stage in _files()} == {"submitted"}


# --- finding 11: a JSON body must say it is JSON -----------------------------------

@pytest.mark.parametrize("content_type", [None, "", "text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x", "application/vnd.api+json",
                                          "application/json; charset=latin-1", "text/plain, application/json"])
def test_a_body_that_does_not_say_application_json_is_a_415_everywhere(client, tokens, content_type):
    # Given one route of each kind, and a body that is valid JSON for it
    routes = _routes(client, tokens)
    before = _files()
    for method, path, headers in routes:
        h = {**headers, "Accept-Language": "fr"}
        if content_type is not None:
            h["Content-Type"] = content_type
        # When it is sent as a cross-site form post would send it (no type, text/plain, a form type)
        r = getattr(client.http, method)(path, headers=h, body=json.dumps(application()))
        # Then the answer is 415 in French and nothing happened
        _problem(r, 415, "unsupported-media-type")
        assert r.headers["Content-Language"] == "fr"
    assert _files() == before


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", "Application/JSON; Charset=\"UTF-8\""])
def test_application_json_with_utf8_charset_is_accepted(client, content_type):
    r = client.http.post("/applications", headers={"Content-Type": content_type}, body=json.dumps(application()))
    assert r.status_code == 201, r.body


def test_the_applicant_api_needs_the_type_as_well(client):
    created = submit(client)
    r = client.http.put(f"/applications/{created['application_id']}/family-readiness",
                        headers=bearer(created["access_token"]), body=json.dumps(family_readiness()))
    _problem(r, 415, "unsupported-media-type")
