"""Issue 21, finding 7 (part): answers that were 500s, and the transport headers every answer carries.

Given a signed-in staff member, when the console's "stay signed in" form names a ``next`` with CR/LF in it, then the
answer is a safe redirect to the console's queue with no header made of the injected text; when a bulk move names a
stage the workflow does not have, then it is a 422 problem+json pointing at that ``to_stage``. And every answer of
the API (JSON, problem+json, Chalice's own refusals), like every page, says ``X-Content-Type-Options: nosniff`` and
``Strict-Transport-Security``.
"""
from __future__ import annotations

import json
from html import unescape
from typing import Any

import pytest

from chalicelib.api.wiring import deps

from .conftest import JSON, staff_call, submit
from .test_console_sign_in import first_sign_in
from .web_client import WebClient

EN = "/console/en"
NOSNIFF = ("X-Content-Type-Options", "nosniff")
HSTS = ("Strict-Transport-Security", "max-age=63072000; includeSubDomains")


def _transport(response: Any) -> None:
    headers = {k.lower(): v for k, v in response.headers.items()}
    assert headers.get(NOSNIFF[0].lower()) == NOSNIFF[1], response.headers
    assert headers.get(HSTS[0].lower()) == HSTS[1], response.headers


# --- POST /console/{lang}/stay with CR/LF in next ------------------------------------------------------------------

@pytest.mark.parametrize("target", [
    f"{EN}/queue\r\nSet-Cookie: planted=1",
    f"{EN}/files\nLocation: https://evil.example/",
    f"{EN}/queue\rX-Injected: 1",
    f"{EN}/files/%0d%0aX-Injected:%201",
    f"{EN}/queue\x00",
    f"{EN}/queue\t",
])
def test_a_next_with_control_characters_is_a_redirect_to_the_queue_not_a_500(client: Any, target: str) -> None:
    # Given a coordinator signed in to the console
    browser = WebClient(client)
    first_sign_in(browser, "coordinator.spvm")
    # When the "stay signed in" form comes back with CR/LF (or another control character) in its next
    r = browser.post(f"{EN}/stay", [("next", target), ("csrf_token", browser.csrf_token(f"{EN}/queue"))],
                     csrf=False)
    # Then the answer is the redirect to the console's queue, and no header carries the injected text
    assert r.status_code == 303, r.body
    if "%0d%0a" in target:
        # Percent-encoded, it is text of a path, not a line break: a console address like any other
        assert r.headers["Location"] == target
    else:
        assert r.headers["Location"] == f"{EN}/queue"
    assert not any(k.lower() in ("x-injected", "location ") for k in r.headers)
    assert all("planted" not in c for c in (r.headers.get("Set-Cookie") or []))
    assert all("\r" not in str(v) and "\n" not in str(v) for v in r.headers.values())


def test_a_plain_console_next_is_still_followed(client: Any) -> None:
    browser = WebClient(client)
    first_sign_in(browser, "irss")
    r = browser.post(f"{EN}/stay", [("next", f"{EN}/files?stage=medical"),
                                    ("csrf_token", browser.csrf_token(f"{EN}/queue"))], csrf=False)
    assert r.status_code == 303 and r.headers["Location"] == f"{EN}/files?stage=medical"


# --- bulk moves naming a stage the workflow does not have ----------------------------------------------------------

@pytest.mark.parametrize("to_stage", ["no_such_stage", "MEDICAL", "__proto__", "medical\n"])
@pytest.mark.parametrize("lang, words", [("en", "There is no such stage"), ("fr", "Cette étape n'existe pas\u00a0:")])
def test_the_console_s_bulk_move_to_an_unknown_stage_is_a_422_page_not_a_500(client: Any, to_stage: str, lang: str,
                                                                            words: str) -> None:
    # Given two files in the workflow and IRSS signed in to the console
    ids = [submit(client, email=f"stage{i}@example.ca")["application_id"] for i in range(2)]
    browser = WebClient(client)
    first_sign_in(browser, "irss", lang=lang)
    root = f"/console/{lang}"
    # When the list's bulk-move form comes back naming a stage the workflow does not have
    picks = [("pick", f"{i}|submitted") for i in ids]
    r = browser.post(f"{root}/bulk-moves", [*picks, ("to_stage", to_stage),
                                            ("csrf_token", browser.csrf_token(f"{root}/files"))], csrf=False)
    # Then a 422 page says so in the page's language, with the way back to the list; nothing moved
    assert r.status_code == 422, r.body
    page = unescape(r.body.decode())
    assert words in page and f'href="{root}/files"' in page
    assert [deps().store.files.get(i).stage for i in ids] == ["submitted", "submitted"]  # type: ignore[union-attr]


@pytest.mark.parametrize("to_stage", ["no_such_stage", "MEDICAL", "medical\n"])
def test_the_api_s_bulk_move_to_an_unknown_stage_is_that_file_s_422_pointing_at_to_stage(
        client: Any, tokens: dict[str, str], to_stage: str) -> None:
    # Given a file; when IRSS's bulk move names a stage the workflow does not have for it
    app_id = submit(client)["application_id"]
    r = staff_call(client, "post", "/admin/moves", tokens["irss"],
                   {"moves": [{"application_id": app_id, "to_stage": to_stage, "expected_stage": "submitted"}]})
    # Then that file's result is a 422 naming /moves/0/to_stage (each file moves or not on its own), never a 500
    assert r.status_code == 200, r.body
    (result,) = json.loads(r.body)["results"]
    assert result["status"] == 422 and result["code"] == "validation-failed"
    assert [e["pointer"] for e in result["errors"]] == ["/moves/0/to_stage"]
    assert {"en", "fr"} <= set(result["errors"][0]["message"])
    # And a single move gets the 422 problem itself, pointing at /to_stage
    r = staff_call(client, "post", f"/admin/applications/{app_id}/moves", tokens["irss"],
                   {"to_stage": to_stage, "expected_stage": "submitted"})
    assert r.status_code == 422 and r.headers["Content-Type"] == "application/problem+json"
    assert [e["pointer"] for e in json.loads(r.body)["errors"]] == ["/to_stage"]
    _transport(r)


# --- the transport headers on every answer ---------------------------------------------------------------------

def test_a_json_answer_says_nosniff_and_hsts(client: Any, tokens: dict[str, str]) -> None:
    _transport(client.http.get("/missions"))
    _transport(client.http.get("/openapi.json"))
    _transport(staff_call(client, "get", "/admin/applications", tokens["irss"]))


def test_an_error_answer_says_nosniff_and_hsts(client: Any, tokens: dict[str, str]) -> None:
    # A problem raised by a service (404), a validation problem (422), a role refused (403), and Chalice's own
    # refusals (wrong method, wrong media type) rewritten as problems. (The authorizer's 401 and an unknown route are
    # API Gateway's own answers: their headers are the template's, tests/infra/test_transport_headers.py.)
    r = client.http.get("/missions/no-such-mission")
    assert r.status_code == 404 and r.headers["Content-Type"] == "application/problem+json"
    _transport(r)
    r = client.http.post("/applications", headers=JSON, body=json.dumps({"nothing": True}))
    assert r.status_code == 422
    _transport(r)
    r = staff_call(client, "get", "/admin/reports/pipeline", tokens["health"])
    assert r.status_code == 403
    _transport(r)
    r = client.http.delete("/missions")
    assert r.status_code == 405
    _transport(r)
    r = client.http.post("/applications", headers={"Content-Type": "text/plain"}, body="x")
    assert r.status_code == 415
    _transport(r)


def test_a_page_says_them_too(client: Any) -> None:
    _transport(client.http.get("/"))
