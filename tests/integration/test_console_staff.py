"""Staff accounts through the console and the admin API, on moto's Cognito for real (AdminCreateUser, groups,
AdminDisableUser, AdminUserGlobalSignOut...).

Given the signed-in administrator, when they invite a coordinator for SPVM, then the person signs in at the console
with the temporary password of the email they got (in French), sets a password and TOTP, and sees SPVM's files
only; a role change ends their session at once; a disable ends it and refuses their sign-in; each change is
emailed and audited; an administrator cannot disable themselves; an address that has an account is refused.
"""
from __future__ import annotations

import html
import re
from typing import Any

import pytest

from devtools.cognito_setup import fresh_totp_code

from .conftest import staff_call, submit
from .test_console_sign_in import first_sign_in, page_token
from .web_client import WebClient, hidden

EN, FR = "/console/en", "/console/fr"
NEW = "nouvelle.coord@spvm.example.ca"
NEW_PASSWORD = "Une-Phrase-De-Passe-2026!"


@pytest.fixture(autouse=True)
def _check_codes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP", "true")  # moto checks TOTP codes only then


@pytest.fixture
def admin(client: Any) -> WebClient:
    browser = WebClient(client)
    first_sign_in(browser, "admin")
    return browser


def invite(admin: WebClient, email: str = NEW, role: str = "service_coordinator", service: str = "spvm",
           lang: str = "fr") -> Any:
    token = page_token(admin, f"{EN}/staff/invite")
    return admin.post(f"{EN}/staff/invite", [("name", "Nadia Roy"), ("email", email), ("role", role),
                                              ("police_service", service), ("language", lang),
                                              ("csrf_token", token)], csrf=False)


def act(admin: WebClient, action: str, username: str, *pairs: tuple[str, str]) -> Any:
    token = page_token(admin, f"{EN}/staff/account?username={username}")
    return admin.post(f"{EN}/staff/account/{action}", [("username", username), *pairs, ("csrf_token", token)],
                      csrf=False)


def mail_to(outbox: Any, address: str) -> list[Any]:
    return [m for m in outbox() if m.destinations["ToAddresses"] == [address]]


def text_of(mail: Any) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "\n", mail.body))


def temporary_password(mail: Any) -> str:
    match = re.search(r"Mot de passe temporaire\u00a0: (\S+)", text_of(mail))
    assert match, mail.body
    return match.group(1)


def first_sign_in_with(client: Any, username: str, password: str) -> WebClient:
    """The invited person: the temporary password, a new one, then TOTP from the secret shown."""
    browser = WebClient(client)
    r = browser.post(f"{FR}/sign-in", [("username", username), ("password", password)])
    assert r.status_code == 303 and r.headers["Location"].endswith("/sign-in/new-password"), r.body
    r = browser.post(f"{FR}/sign-in/new-password", [("password", NEW_PASSWORD)])
    assert r.status_code == 303 and r.headers["Location"].endswith("/sign-in/set-up-mfa"), r.body
    page = browser.get(r.headers["Location"]).body.decode()
    secret = re.search(r'id="totp-secret"><code>([^<]+)</code>', page).group(1).replace(" ", "")
    r = browser.post(f"{FR}/sign-in/set-up-mfa", [("code", fresh_totp_code(secret, user=username))])
    assert r.status_code == 303 and r.headers["Location"].endswith("/queue"), r.body
    return browser


def test_an_invited_coordinator_signs_in_with_the_emailed_password_and_sees_their_service_only(
        client: Any, admin: WebClient, outbox: Any) -> None:
    from chalicelib.adapters.models import OutboxModel

    spvm = submit(client, email="spvm.file@example.ca")["application_id"]
    opp = submit(client, email="opp.file@example.ca", police_service="opp")["application_id"]
    # When the administrator invites a coordinator for SPVM, in French
    r = invite(admin)
    assert r.status_code == 303 and "done=invited" in r.headers["Location"], r.body
    page = admin.follow(r).body.decode()
    assert "The invitation was sent." in page and "Nadia Roy" in page and "Invited, not signed in yet" in page
    # Then the list shows the account with its role and service
    listing = admin.get(f"{EN}/staff?role=service_coordinator").body.decode()
    assert NEW in listing and "Service de police de la Ville de Montréal" in listing
    assert "irss@peaceops.example.ca" not in listing  # filtered by role
    # And the person got a French email with their user name and temporary password; the row keeps it no more
    [mail] = mail_to(outbox, NEW)
    assert "Nom d'utilisateur\u00a0: " + NEW in text_of(mail) and "/console/fr/sign-in" in text_of(mail)
    password = temporary_password(mail)
    rows = [r for r in OutboxModel.scan() if r.template == "staff_account_invited"]
    assert rows and all("sealed_password" not in (r.params.get("extra") or {}) for r in rows)
    assert all(password not in str(r.params) for r in rows)
    # When they sign in with it, choose a password and set TOTP up, then they see SPVM's files and not OPP's
    person = first_sign_in_with(client, NEW, password)
    files = person.get(f"{FR}/files").body.decode()
    assert spvm in files and opp not in files
    # And the staff pages are not theirs
    assert person.get(f"{FR}/staff").status_code == 403
    # When the administrator makes them IRSS, then their next console request is signed out
    r = act(admin, "role", NEW, ("role", "irss"), ("police_service", ""))
    assert r.status_code == 303 and "done=role" in r.headers["Location"], r.body
    r = person.get(f"{FR}/queue")
    assert r.status_code == 303 and "/sign-in" in r.headers["Location"]
    assert any("rôle" in m.subject for m in mail_to(outbox, NEW))
    # And the account's trail names each change and who made it, never the password
    trail = admin.get(f"{EN}/staff/account?username={NEW}").body.decode()
    assert "Invited" in trail and "Role changed" in trail and password not in trail


def test_disabling_ends_the_session_refuses_sign_in_and_enabling_lets_them_back(
        client: Any, admin: WebClient, outbox: Any) -> None:
    invite(admin, email="a.disabled@spvm.example.ca")
    password = temporary_password(mail_to(outbox, "a.disabled@spvm.example.ca")[0])
    person = first_sign_in_with(client, "a.disabled@spvm.example.ca", password)
    # When the administrator disables the account
    r = act(admin, "disable", "a.disabled@spvm.example.ca")
    assert r.status_code == 303 and "done=disabled" in r.headers["Location"], r.body
    # Then their session has ended and their password no longer signs them in
    r = person.get(f"{FR}/queue")
    assert r.status_code == 303 and "/sign-in" in r.headers["Location"]
    again = WebClient(client).post(f"{FR}/sign-in", [("username", "a.disabled@spvm.example.ca"),
                                                     ("password", NEW_PASSWORD)])
    assert again.status_code == 401
    assert any("désactivé" in m.subject for m in mail_to(outbox, "a.disabled@spvm.example.ca"))
    # When it is enabled again, then they sign in with their password and a code
    assert act(admin, "enable", "a.disabled@spvm.example.ca").status_code == 303
    r = WebClient(client).post(f"{FR}/sign-in", [("username", "a.disabled@spvm.example.ca"),
                                                 ("password", NEW_PASSWORD)])
    assert r.status_code == 303 and r.headers["Location"].endswith("/sign-in/code"), r.body


def test_the_refusals_are_clear_and_change_nothing(client: Any, admin: WebClient, tokens: dict[str, str]) -> None:
    # An address that has an account (the SPVM demo coordinator's), whatever its case: refused next to the field
    r = invite(admin, email="Coordinator.SPVM@peaceops.example.ca", role="admin", service="")
    assert r.status_code == 409 and 'id="email-error"' in r.body.decode()
    # A coordinator with no service; a service for a health account: each error next to its field, in French
    token = page_token(admin, f"{FR}/staff/invite")
    r = admin.post(f"{FR}/staff/invite", [("name", "X"), ("email", "x@example.ca"), ("role", "service_coordinator"),
                                          ("police_service", ""), ("language", "fr"), ("csrf_token", token)],
                   csrf=False)
    assert r.status_code == 422 and "doit avoir son service de police" in r.body.decode()
    # The administrator's own account: no forms, and a forged disable is refused
    own = admin.get(f"{EN}/staff/account?username=admin").body.decode()
    assert "This is your own account" in own and "/staff/account/disable" not in own
    token = hidden(admin.get(f"{EN}/staff").body.decode(), "csrf_token")
    r = admin.post(f"{EN}/staff/account/disable", [("username", "admin"), ("csrf_token", token)], csrf=False)
    assert r.status_code == 409 and "cannot disable your own account" in r.body.decode()
    # The API says the same, as problems
    r = staff_call(client, "post", "/admin/staff", tokens["admin"],
                   {"name": "X", "email": "x@example.ca", "role": "service_coordinator", "language": "en"})
    assert r.status_code == 422 and '"/police_service"' in r.body.decode()
    r = staff_call(client, "post", "/admin/staff/admin/disable", tokens["admin"])
    assert r.status_code == 409
    listed = staff_call(client, "get", "/admin/staff?role=admin", tokens["admin"])
    assert listed.status_code == 200 and [a["username"] for a in listed.json_body["accounts"]] == ["admin"]
