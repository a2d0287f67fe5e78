"""Issue 10, finding 8: the CSRF pair is bound to the file (or the public pages) it protects; cookies
over https carry the __Host- prefix and each scheme reads only its own names; "sign out on this device"."""
from __future__ import annotations

import re
from typing import Any

import pytest

from .conftest import application, family_readiness
from .web_client import FORM, WebClient, apply, first_page_url, form_fields, set_cookies


def _text(r: Any) -> str:
    return r.body.decode("utf-8")


def _submit(web: WebClient, email: str = "helene.cote@example.ca", lang: str = "en") -> str:
    """A file submitted from this browser; its status page's path."""
    r = apply(web, application(email=email), lang)
    assert r.status_code == 303, r.status_code
    return r.headers["Location"].rsplit("/", 1)[0]


def _stage(status_path: str) -> str:
    from chalicelib.adapters.models import ApplicationModel

    return ApplicationModel.get(status_path.split("/")[3]).stage


# --- binding -----------------------------------------------------------------------

def test_a_token_from_one_files_page_is_refused_on_another_files_form(client):
    # Given one browser that opens two files (a shared computer), with both cookies
    web = WebClient(client)
    first, second = _submit(web, "a@example.ca"), _submit(web, "b@example.ca")
    # When a form of the second file carries the token read from the first file's page
    token = web.csrf_token(first)
    r = web.post(f"{second}/withdraw", [("reason_code", "other"), ("expected_stage", "submitted"), ("confirm", "yes"),
                                        ("csrf_token", token)], csrf=False)
    # Then it is refused as an expired form, and the second file is untouched
    assert r.status_code == 403 and "This form has expired" in _text(r)
    assert _stage(second) == "submitted"
    # ...while the same token works on its own file
    r = web.post(f"{first}/withdraw", [("reason_code", "other"), ("expected_stage", "submitted"), ("confirm", "yes"),
                                       ("csrf_token", token)], csrf=False)
    assert r.status_code == 303 and _stage(first) == "withdrawn"


def test_a_token_from_the_public_pages_is_refused_on_a_files_form_and_back(client):
    web = WebClient(client)
    status = _submit(web)
    public = web.csrf_token("/en/access")
    r = web.post(f"{status}/family-readiness", form_fields(family_readiness()) + [("csrf_token", public)], csrf=False)
    assert r.status_code == 403
    r = web.post("/en/access", [("email", "a@example.ca"), ("csrf_token", web.csrf_token(status))], csrf=False)
    assert r.status_code == 403
    # Each page's own token is accepted.
    assert web.post(f"{status}/family-readiness", form_fields(family_readiness())).status_code == 303


# --- __Host- cookies over https -----------------------------------------------------

def test_over_https_the_cookies_are_host_prefixed_at_the_root(client):
    web = WebClient(client)
    r = web.get(first_page_url(web, "haiti-minustah", "fr"))
    csrf = [c for c in set_cookies(r) if "po_csrf" in c]
    assert len(csrf) == 1 and csrf[0].startswith("__Host-po_csrf=")
    assert "Path=/;" in csrf[0] + ";" and "Secure" in csrf[0] and "Domain" not in csrf[0]
    status = _submit(web)
    app_id = status.split("/")[3]
    assert (("/", f"__Host-po_file_{app_id}") in web.jar) and not [n for _, n in web.jar if n in ("po_file", "po_csrf")]
    assert not [n for _, n in web.jar if n == "po_draft"] and any(n.startswith("__Host-po_draft_") for _, n in web.jar)


def test_over_https_the_bare_names_are_not_read(client):
    from chalicelib.config import get_settings
    from chalicelib.web import security

    # Given a browser holding a file's token and a valid CSRF pair, but under the http names
    web = WebClient(client)
    status = _submit(web)
    app_id = status.split("/")[3]
    token = web.jar[("/", f"__Host-po_file_{app_id}")]
    value = security.new_csrf_value()
    planted = {"Cookie": f"po_file={token}; po_csrf={value}"}
    # When it asks for the file, or posts a form, over https
    assert client.http.get(status, headers=planted).status_code == 403
    body = f"email=a%40example.ca&csrf_token={security.csrf_token(get_settings().token_secret, value, 'public')}"
    r = client.http.post("/en/access", headers={**FORM, **planted}, body=body)
    # Then neither is read: no access, and the form has expired
    assert r.status_code == 403


@pytest.fixture
def over_http(monkeypatch: pytest.MonkeyPatch) -> Any:
    from chalicelib.config import get_settings

    monkeypatch.setenv("PEACEOPS_BASE_URL", "http://127.0.0.1:8000")
    get_settings.cache_clear()
    # Read now: inside a request, Chalice's test client sets the environment of .chalice/config.json's stage.
    assert get_settings().base_url.startswith("http://")
    yield
    get_settings.cache_clear()


def test_over_http_the_names_have_no_prefix_and_the_prefixed_ones_are_not_read(client, over_http):
    web = WebClient(client)
    sent = set_cookies(web.get(first_page_url(web, "haiti-minustah", "en")))
    assert [c for c in sent if c.startswith("po_csrf=") and "Secure" not in c], sent
    status = _submit(web)
    app_id = status.split("/")[3]
    assert {n for _, n in web.jar} == {"po_csrf", "po_file", "po_draft"}
    assert sorted(p for p, n in web.jar if n == "po_file") == [f"/en/status/{app_id}", f"/fr/status/{app_id}"]
    assert web.get(status).status_code == 200
    token = next(v for (p, n), v in web.jar.items() if n == "po_file")
    r = client.http.get(status, headers={"Cookie": f"__Host-po_file_{app_id}={token}"})
    assert r.status_code == 403


# --- sign out on this device ---------------------------------------------------------

@pytest.mark.parametrize("lang, words", [("en", "You are signed out on this device"),
                                         ("fr", "Déconnexion effectuée sur cet appareil")])
def test_sign_out_forgets_this_file_only(client, lang, words):
    # Given a browser with two files open
    web = WebClient(client)
    mine, other = _submit(web, "a@example.ca", lang), _submit(web, "b@example.ca", lang)
    page = _text(web.get(mine))
    assert re.search(rf'<form method="post" action="{re.escape(mine)}/sign-out">', page)
    # When it signs out on the first file's status page
    r = web.post(f"{mine}/sign-out", [("csrf_token", web.csrf_token(mine))], csrf=False)  # the status page's form
    # Then a confirmation in the page's language, and that file's cookie cleared (Max-Age=0)
    assert r.status_code == 200 and words in _text(r) and f'<html lang="{lang}">' in _text(r)
    cleared = [c for c in set_cookies(r) if c.startswith(f"__Host-po_file_{mine.split('/')[3]}=")]
    assert len(cleared) == 1 and "Max-Age=0" in cleared[0] and "Path=/" in cleared[0]
    assert web.get(mine).status_code == 403  # the file no longer opens here...
    assert web.get(other).status_code == 200  # ...the other one still does


def test_sign_out_needs_this_files_csrf_token(client):
    web = WebClient(client)
    mine = _submit(web)
    r = web.post(f"{mine}/sign-out", [], csrf=False)
    assert r.status_code == 403 and not [c for c in set_cookies(r) if "po_file" in c]
    r = web.post(f"{mine}/sign-out", [("csrf_token", web.csrf_token("/en/access"))], csrf=False)
    assert r.status_code == 403
    assert web.get(mine).status_code == 200


def test_sign_out_over_http_clears_both_language_paths(client, over_http):
    web = WebClient(client)
    mine = _submit(web)
    r = web.post(f"{mine}/sign-out", [("csrf_token", web.csrf_token(mine))], csrf=False)  # the status page's form
    cleared = [c for c in set_cookies(r) if c.startswith("po_file=")]
    assert sorted(re.search(r"Path=([^;]+)", c).group(1) for c in cleared) == [
        mine, mine.replace("/en/", "/fr/")]
    assert all("Max-Age=0" in c for c in cleared)
    assert web.get(mine).status_code == 403
