"""The console's own sign-in limits and the ends of every session of a user, against moto's Cognito (which, unlike
AWS's, never locks anyone out and takes a TOTP code as often as it is sent), through the real routes.

Given the demo staff, when an attacker tries passwords and codes as fast as the console answers, then the console
itself locks the user name (the same page for an unknown name), ends a challenge after its codes, and refuses a
code already used in its window; when a user signs out everywhere, or an administrator ends a user's sessions
after disabling them or changing their group, then every browser of theirs is signed out at once.
"""
from __future__ import annotations

import json
import re
from datetime import timedelta
from html import unescape
from typing import Any

import pytest

from devtools.cognito_setup import fresh_totp_code, totp_code

from .conftest import staff_call
from .test_console_sign_in import first_sign_in, page_token, session_cookie, sign_in
from .web_client import WebClient, set_cookies

EN = "/console/en"


@pytest.fixture(autouse=True)
def _check_codes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP", "true")  # moto checks TOTP codes only then


def wrong_code() -> str:
    return "000000" if totp_code() != "000000" else "111111"


def audit_of(user: str) -> list[Any]:
    from chalicelib.api.wiring import deps
    from chalicelib.domain import sign_in_limits as sl

    return deps().store.audit.trail(sl.AUDIT_SUBJECT + sl.user_key(user))


def test_25_wrong_passwords_then_the_right_one_is_refused_while_locked(client: Any) -> None:
    from chalicelib.api.wiring import deps

    browser = WebClient(client)
    # Given 25 wrong passwords for the admin's user name
    statuses = [sign_in(browser, "admin", password=f"Wrong-Password-{n}!").status_code for n in range(25)]
    # Then the fifth locks it: a 429 page saying so and when to try again
    assert statuses == [401] * 4 + [429] * 21
    # When the right password follows, then it is refused as well, with no session
    r = sign_in(browser, "admin")
    page = unescape(r.body.decode())
    assert r.status_code == 429 and "signing in with this user name is locked for now. Try again after" in page
    assert not any(c.startswith("__Host-po_console=") for c in set_cookies(r))
    # And the French page says the same
    r = sign_in(browser, "admin", lang="fr")
    assert r.status_code == 429 and "la connexion avec ce nom d'utilisateur est bloquée" in unescape(r.body.decode())
    # And the lockout is audited once, with no name, password or code
    (entry,) = audit_of("admin")
    assert entry.kind == "sign_in_locked" and "Wrong-Password" not in str(entry) and "admin" not in entry.subject
    # When the lock has passed (the page names the time), then the right password goes on to TOTP set-up
    original, start = deps().clock, deps().clock()
    try:
        deps().clock = lambda: start + timedelta(minutes=31)
        r = sign_in(browser, "admin")
        assert r.status_code == 303 and r.headers["Location"].endswith("/sign-in/set-up-mfa")
    finally:
        deps().clock = original


def main_of(page: str) -> str:
    """The page's main part, without what differs per browser or minute (its CSRF token, the time to retry)."""
    main = page.split("<main", 1)[1]
    return re.sub(r"\d{1,2}\s?[:h]\s?\d\d", "<time>", re.sub(r'name="csrf_token" value="[^"]*"', "", main))


def test_an_unknown_user_name_is_answered_as_a_known_one(client: Any) -> None:
    answers = {}
    for user in ("irss", "no.such.user"):
        browser = WebClient(client)
        answers[user] = [(r.status_code, main_of(r.body.decode()))
                         for r in (sign_in(browser, user, password="Wrong-Password-1!") for _ in range(6))]
    assert answers["irss"] == answers["no.such.user"]
    assert [status for status, _ in answers["irss"]] == [401] * 4 + [429] * 2


def test_30_wrong_totp_codes_end_the_challenge(client: Any) -> None:
    # Given health staff with TOTP set up, signed out; an attacker who has the password starts a sign-in
    first_sign_in(WebClient(client), "health")
    attacker = WebClient(client)
    assert sign_in(attacker, "health").headers["Location"] == f"{EN}/sign-in/code"
    # When 30 wrong codes are posted on that sign-in
    token = page_token(attacker, f"{EN}/sign-in")  # the sign-in's own CSRF token (once the challenge has ended too)
    answers = [attacker.post(f"{EN}/sign-in/code", [("code", wrong_code()), ("csrf_token", token)], csrf=False)
               for _ in range(30)]
    # Then the third ends it ("start again"), and the rest are sent back to the sign-in page
    assert [r.status_code for r in answers[:3]] == [422, 422, 403]
    assert "Too many codes were tried for this sign-in. Start again." in answers[2].body.decode()
    assert all(r.status_code == 303 and "/sign-in" in r.headers["Location"] for r in answers[3:])
    # And the right code on it opens nothing
    r = attacker.post(f"{EN}/sign-in/code", [("code", fresh_totp_code(user="health")), ("csrf_token", token)],
                      csrf=False)
    assert r.status_code == 303 and not r.headers["Location"].endswith("/queue")


def test_a_replayed_totp_code_is_refused(client: Any) -> None:
    # Given IRSS setting TOTP up with the code their app shows (at least 20 s of its window left)
    first = WebClient(client)
    assert sign_in(first, "irss").headers["Location"].endswith("/sign-in/set-up-mfa")
    page = first.get(f"{EN}/sign-in/set-up-mfa").body.decode()
    secret = re.search(r'id="totp-secret"><code>([^<]+)</code>', page).group(1).replace(" ", "")
    code = fresh_totp_code(secret, margin=20)
    assert first.post(f"{EN}/sign-in/set-up-mfa", [("code", code)]).headers["Location"] == f"{EN}/queue"
    # When someone who saw that code signs in with the password and sends it again within its window
    other = WebClient(client)
    assert sign_in(other, "irss").headers["Location"] == f"{EN}/sign-in/code"
    r = other.post(f"{EN}/sign-in/code", [("code", code)])
    # Then it is refused (moto would take it), and no session is made
    assert r.status_code == 422 and "or it was already used" in r.body.decode()
    assert other.get(f"{EN}/queue").status_code == 303


def test_sign_out_everywhere_ends_a_second_browser_s_session(client: Any, pool: Any) -> None:
    from chalicelib.api.wiring import deps
    from chalicelib.domain import staff_sessions as ss

    # Given IRSS signed in at the office and on a laptop
    office, laptop = WebClient(client), WebClient(client)
    first_sign_in(office, "irss")
    assert sign_in(laptop, "irss").headers["Location"] == f"{EN}/sign-in/code"
    r = laptop.post(f"{EN}/sign-in/code", [("code", fresh_totp_code(user="irss"))])
    assert r.headers["Location"] == f"{EN}/queue"
    laptop_refresh = ss.unseal(deps().settings.token_secret,
                               deps().store.sessions.get(ss.key_of(session_cookie(laptop))).sealed)["refresh"]
    # When they choose "Sign out everywhere" at the office
    queue = office.get(f"{EN}/queue").body.decode()
    assert "Sign out everywhere" in queue
    r = office.post(f"{EN}/sign-out-everywhere", [("csrf_token", page_token(office, f"{EN}/queue"))], csrf=False)
    assert r.status_code == 303 and r.headers["Location"] == f"{EN}/signed-out?everywhere=1"
    assert "in every browser" in office.get(r.headers["Location"]).body.decode()
    # Then the laptop's session ended at once (not when its ID token next needs renewing), and its refresh token
    # was revoked
    r = laptop.get(f"{EN}/queue")
    assert r.status_code == 303 and r.headers["Location"].startswith(f"{EN}/sign-in")
    with pytest.raises(Exception, match="revoked|NotAuthorized"):
        pool.client().initiate_auth(ClientId=pool.client_id, AuthFlow="REFRESH_TOKEN_AUTH",
                                    AuthParameters={"REFRESH_TOKEN": laptop_refresh})
    assert [e.kind for e in audit_of("irss")] == ["signed_out_everywhere"]


def test_sign_out_everywhere_needs_the_session_s_csrf_token(client: Any) -> None:
    browser = WebClient(client)
    first_sign_in(browser, "irss")
    r = browser.post(f"{EN}/sign-out-everywhere", [("csrf_token", "")], csrf=False)
    assert r.status_code == 403 and browser.get(f"{EN}/queue").status_code == 200


def test_disabling_a_user_or_changing_their_group_then_ending_their_sessions(client: Any, pool: Any,
                                                                            tokens: dict[str, str]) -> None:
    # Given the SPVM coordinator and health staff signed in to the console
    spvm, health = WebClient(client), WebClient(client)
    first_sign_in(spvm, "coordinator.spvm")
    first_sign_in(health, "health")
    # When an administrator disables the coordinator's account and takes health's group away in the pool...
    idp = pool.client()
    idp.admin_disable_user(UserPoolId=pool.user_pool_id, Username="coordinator.spvm")
    idp.admin_remove_user_from_group(UserPoolId=pool.user_pool_id, Username="health", GroupName="health")
    assert spvm.get(f"{EN}/queue").status_code == 200  # the console alone would keep them until the ID token expires
    # ...then ends each one's console sessions (the name in any case)
    for user in ("Coordinator.SPVM", "health"):
        r = staff_call(client, "post", f"/admin/staff/{user}/sessions/end", tokens["admin"])
        assert r.status_code == 200 and json.loads(r.body) == {"sessions_ended": 1}, r.body
    # Then both are signed out at once, and each end is audited with who did it
    for browser in (spvm, health):
        r = browser.get(f"{EN}/queue")
        assert r.status_code == 303 and r.headers["Location"].startswith(f"{EN}/sign-in"), r.status_code
    assert [(e.kind, e.actor_role) for e in audit_of("coordinator.spvm")] == [("sessions_ended", "admin")]
    # And only an administrator may do it; a name with no session answers the same as one with none left
    r = staff_call(client, "post", "/admin/staff/health/sessions/end", tokens["irss"])
    assert r.status_code == 403
    r = staff_call(client, "post", "/admin/staff/no.such.user/sessions/end", tokens["admin"])
    assert json.loads(r.body) == {"sessions_ended": 0}


def test_a_bad_user_name_is_a_422_in_both_languages(client: Any, tokens: dict[str, str]) -> None:
    for lang, words in (("en", "Give the user name"), ("fr", "Donnez le nom d'utilisateur")):
        r = staff_call(client, "post", "/admin/staff/" + "x" * 129 + "/sessions/end", tokens["admin"],
                       **{"Accept-Language": lang})
        body = json.loads(r.body)
        assert r.status_code == 422 and r.headers["Content-Type"] == "application/problem+json"
        assert body["errors"][0]["pointer"] == "/username" and words in body["errors"][0]["message"], body
