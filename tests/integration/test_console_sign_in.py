"""The console's sign-in against moto's Cognito (USER_PASSWORD_AUTH, TOTP), through the real routes.

Given the demo staff (permanent passwords, TOTP not set up: moto hands tokens out with no MFA step, so the
console itself holds them back until TOTP is set up), when a coordinator signs in, sets TOTP up, signs
out and signs in again with a code, then each step answers as the README says; the session's cookie holds
an opaque id only, its record holds no token in clear, and a signed-out or idle session is gone.
"""
from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from devtools.cognito_setup import PASSWORD, fresh_totp_code, totp_code

from .web_client import WebClient, hidden, set_cookies

EN = "/console/en"


@pytest.fixture(autouse=True)
def _check_codes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP", "true")  # moto checks TOTP codes only then


@pytest.fixture
def browser(client: Any) -> WebClient:
    return WebClient(client)


def sign_in(browser: WebClient, user: str, password: str = PASSWORD, lang: str = "en") -> Any:
    return browser.post(f"/console/{lang}/sign-in", [("username", user), ("password", password)])


def first_sign_in(browser: WebClient, user: str, lang: str = "en") -> Any:
    """Password, then TOTP set-up with the code an authenticator computes from the secret shown."""
    r = sign_in(browser, user, lang=lang)
    assert r.status_code == 303 and r.headers["Location"].endswith("/sign-in/set-up-mfa"), r.body
    page = browser.get(r.headers["Location"]).body.decode()
    secret = re.search(r'id="totp-secret"><code>([^<]+)</code>', page).group(1).replace(" ", "")
    r = browser.post(f"/console/{lang}/sign-in/set-up-mfa", [("code", fresh_totp_code(secret, user=user))])
    assert r.status_code == 303 and r.headers["Location"].endswith("/queue"), r.body
    return r


def session_cookie(browser: WebClient) -> str:
    return browser.jar[("/", "__Host-po_console")]


def page_token(browser: WebClient, url: str) -> str:
    return hidden(browser.get(url).body.decode(), "csrf_token")


def test_a_first_sign_in_sets_totp_up_and_opens_the_queue(browser: WebClient) -> None:
    # Given the SPVM coordinator, never signed in
    # When they sign in with their password
    r = sign_in(browser, "coordinator.spvm")
    # Then they are asked to set TOTP up, with the secret as text and an otpauth URI (no QR service)
    assert r.status_code == 303
    cookie = next(c for c in set_cookies(r) if c.startswith("__Host-po_console="))
    assert all(part in cookie for part in ("HttpOnly", "Secure", "SameSite=Strict", "Path=/"))
    page = browser.get(f"{EN}/sign-in/set-up-mfa").body.decode()
    assert "otpauth://totp/peaceops%3Acoordinator.spvm?secret=" in page
    from chalicelib.web.security import CONTENT_SECURITY_POLICY

    assert browser.get(f"{EN}/sign-in/set-up-mfa").headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    # When they enter a wrong code, then they stay on the set-up page with the reason
    r = browser.post(f"{EN}/sign-in/set-up-mfa", [("code", "000000" if totp_code() != "000000" else "111111")])
    assert r.status_code == 422 and "That code is not right" in r.body.decode()
    # When they enter the app's code, then they are signed in under a new session id
    before = session_cookie(browser)
    first_sign_in_finish = browser.post(f"{EN}/sign-in/set-up-mfa", [("code", fresh_totp_code())])
    assert first_sign_in_finish.headers["Location"] == f"{EN}/queue"
    assert session_cookie(browser) != before
    queue = browser.get(f"{EN}/queue")
    assert queue.status_code == 200 and "Signed in as service coordinator." in queue.body.decode()


def test_the_session_record_holds_no_token_in_clear(browser: WebClient, tokens: dict[str, str]) -> None:
    from chalicelib.adapters.models import SessionModel
    from chalicelib.domain.staff_sessions import key_of

    first_sign_in(browser, "irss")
    sid = session_cookie(browser)
    row = SessionModel.get(key_of(sid))
    stored = str(row.data)
    assert sid not in row.key and sid not in stored  # the id is hashed
    assert "eyJ" not in stored and PASSWORD not in stored  # no JWT, no password
    assert row.data["claims"]["cognito:groups"] == ["irss"] and row.data["state"] == "active"
    assert row.expires_at == row.data["last_seen_at"] + 30 * 60


def test_a_second_sign_in_asks_for_a_code(browser: WebClient, client: Any) -> None:
    # Given health staff who set TOTP up and signed out
    first_sign_in(browser, "health")
    r = browser.post(f"{EN}/sign-out", [("csrf_token", page_token(browser, f"{EN}/queue"))], csrf=False)
    assert r.headers["Location"] == f"{EN}/signed-out"
    # When they sign in again in French, then the console asks for their code, and a good one signs them in
    again = WebClient(client)
    r = sign_in(again, "health", lang="fr")
    assert r.headers["Location"] == "/console/fr/sign-in/code"
    r = again.post("/console/fr/sign-in/code", [("code", fresh_totp_code(user="health"))])  # never the set-up's
    assert r.headers["Location"] == "/console/fr/queue"
    assert "Connecté en tant que Services de santé internationaux." in again.get("/console/fr/queue").body.decode()


def test_a_wrong_password_says_so_and_makes_no_session(browser: WebClient) -> None:
    from chalicelib.api.wiring import deps

    r = sign_in(browser, "admin", password="not-the-password")
    assert r.status_code == 401 and "The user name or password is not right." in r.body.decode()
    assert not any(c.startswith("__Host-po_console=") for c in set_cookies(r))
    assert deps().store.sessions.get("session#none") is None


def test_sign_out_revokes_the_refresh_token_and_deletes_the_record(browser: WebClient, pool: Any) -> None:
    from chalicelib.api.wiring import deps
    from chalicelib.domain import staff_sessions as ss

    first_sign_in(browser, "admin")
    sid = session_cookie(browser)
    refresh = ss.unseal(deps().settings.token_secret, deps().store.sessions.get(ss.key_of(sid)).sealed)["refresh"]
    r = browser.post(f"{EN}/sign-out", [("csrf_token", page_token(browser, f"{EN}/queue"))], csrf=False)
    assert r.status_code == 303 and "Max-Age=0" in next(c for c in set_cookies(r) if "po_console=" in c)
    assert deps().store.sessions.get(ss.key_of(sid)) is None
    with pytest.raises(Exception, match="revoked|NotAuthorized"):
        pool.client().initiate_auth(ClientId=pool.client_id, AuthFlow="REFRESH_TOKEN_AUTH",
                                    AuthParameters={"REFRESH_TOKEN": refresh})
    # And the old cookie opens nothing
    browser.jar[("/", "__Host-po_console")] = sid
    r = browser.get(f"{EN}/queue")
    assert r.status_code == 303 and r.headers["Location"].startswith(f"{EN}/sign-in")


def test_a_post_without_the_session_s_csrf_token_is_refused(browser: WebClient) -> None:
    first_sign_in(browser, "irss")
    other = WebClient(browser.client)
    first_sign_in(other, "admin")
    foreign = page_token(other, f"{EN}/queue")  # a real token, of another session
    for token in ("", foreign):
        r = browser.post(f"{EN}/sign-out", [("csrf_token", token)], csrf=False)
        assert r.status_code == 403, token
    assert browser.get(f"{EN}/queue").status_code == 200  # still signed in


def test_an_idle_session_ends_and_an_expired_id_token_is_renewed(browser: WebClient,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.adapters.cognito_auth import CognitoSignIn
    from chalicelib.api.wiring import deps
    from chalicelib.domain import staff_sessions as ss

    refreshed: list[str] = []
    real_refresh = CognitoSignIn.refresh
    monkeypatch.setattr(CognitoSignIn, "refresh", lambda self, token: refreshed.append(token) or real_refresh(self, token))
    first_sign_in(browser, "irss")
    key = ss.key_of(session_cookie(browser))
    original, start = deps().clock, deps().clock()
    expiry = deps().store.sessions.get(key).id_expires_at  # moto's ID tokens live an hour
    try:
        # Given the user works through the hour, a request every 25 minutes
        for minutes in (25, 50):
            deps().clock = lambda m=minutes: start + timedelta(minutes=m)
            assert browser.get(f"{EN}/queue").status_code == 200
        assert refreshed == []  # the ID token still holds
        # When the ID token has expired, then the refresh token renews it (and the new one is verified)
        deps().clock = lambda: start + timedelta(seconds=expiry - start.timestamp() + 5)
        assert browser.get(f"{EN}/queue").status_code == 200
        assert len(refreshed) == 1
        # Then 31 minutes without a request end the session
        deps().clock = lambda: start + timedelta(seconds=expiry - start.timestamp() + 5 + 31 * 60)
        r = browser.get(f"{EN}/queue")
        assert r.status_code == 303 and "ended=1" in r.headers["Location"]
        assert deps().store.sessions.get(key) is None
    finally:
        deps().clock = original


def test_a_session_ends_at_12_hours_however_busy(browser: WebClient) -> None:
    from chalicelib.api.wiring import deps
    from chalicelib.domain import staff_sessions as ss

    first_sign_in(browser, "admin")
    session = deps().store.sessions.get(ss.key_of(session_cookie(browser)))
    # Given a session used a minute ago, 12 hours after it was made
    busy = replace(session, created_at=session.created_at - 12 * 3600, last_seen_at=session.last_seen_at - 60)
    deps().store.sessions.put(busy)
    # Then it has ended
    r = browser.get(f"{EN}/queue")
    assert r.status_code == 303 and "ended=1" in r.headers["Location"]
