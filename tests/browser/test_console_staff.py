"""Staff accounts in Chromium, on the local service (moto's Cognito checking TOTP codes): the administrator
invites a coordinator for SPVM; in a fresh browser the coordinator signs in with the temporary password of the
email they got, chooses a password, sets TOTP up and sees SPVM's files only; the administrator disables them and
their session ends. Each new page state is checked with axe (WCAG 2.1 AA, zero violations) and screenshotted
(artifacts/console-staff-*.png); the invitation form is also seen in French.
"""
from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from playwright.sync_api import Browser

from devtools.cognito_setup import fresh_totp_code

from ..local_service import LocalService
from ..unit.fakes import application
from .conftest import DESKTOP
from .test_console_pages import press, seen, sign_in

NEW = "browser.coord@spvm.example.ca"
NEW_PASSWORD = "Browser-Pass-Phrase-2026!"


@pytest.fixture(scope="module")
def two_files(service: LocalService) -> dict[str, str]:
    """An SPVM file and an OPP one (set-up, not a step of the test)."""
    out = {}
    for service_code in ("spvm", "opp"):
        status, body = service.call("POST", "/applications", application(
            email=f"staff-browser-{service_code}@example.ca", police_service=service_code))
        assert status == 201, body
        out[service_code] = str(body["application_id"])
    return out


def temporary_password(mail: dict[str, Any]) -> str:
    text = unescape(re.sub(r"<[^>]+>", "\n", mail.get("body") or ""))
    match = re.search(r"Temporary password: (\S+)", text)
    assert match, "no temporary password in the invitation"
    return match.group(1)


def test_an_administrator_invites_a_coordinator_who_signs_in_then_disables_them(
        service: LocalService, browser: Browser, two_files: dict[str, str]) -> None:
    base = service.base
    admin_ctx = browser.new_context(viewport=DESKTOP)
    admin_ctx.set_default_timeout(20_000)
    admin = admin_ctx.new_page()
    sign_in(admin, base, "admin", "en", look=False)
    # The staff accounts page, from the navigation
    press(admin, "nav.console-nav a[href$='/staff']")
    assert admin.locator("main table tbody tr").count() >= 5
    seen(admin, "staff-list", "en")
    # The invitation form, in French once
    admin.goto(f"{base}/console/fr/staff/invite")
    seen(admin, "staff-invite", "fr")
    admin.goto(f"{base}/console/en/staff/invite")
    seen(admin, "staff-invite", "en")
    # A coordinator with no service: the error next to the field
    admin.fill("#name", "Browser Coordinator")
    admin.fill("#email", NEW)
    admin.select_option("#role", "service_coordinator")
    admin.check("#language-en")
    press(admin, "main form button[type=submit]")
    assert admin.locator("#police_service-error").is_visible()
    seen(admin, "staff-invite-errors", "en")
    admin.select_option("#police_service", "spvm")
    press(admin, "main form button[type=submit]")
    assert "The invitation was sent." in admin.content()
    seen(admin, "staff-account-invited", "en")

    # The coordinator, in a browser of their own, with the emailed temporary password
    [mail] = service.mail_to(NEW)
    person_ctx = browser.new_context(viewport=DESKTOP)
    person_ctx.set_default_timeout(20_000)
    person = person_ctx.new_page()
    person.goto(f"{base}/console/en/sign-in")
    person.fill("#username", NEW)
    person.fill("#password", temporary_password(mail))
    press(person, "main button[type=submit]")
    assert "/sign-in/new-password" in person.url, person.url
    person.fill("#password", NEW_PASSWORD)
    press(person, "main button[type=submit]")
    assert "/sign-in/set-up-mfa" in person.url, person.url
    key = person.locator("#totp-secret code").inner_text().replace(" ", "")
    person.fill("#code", fresh_totp_code(key, user=NEW))
    press(person, "main button[type=submit]")
    assert person.url.endswith("/console/en/queue"), person.url
    person.goto(f"{base}/console/en/files")
    assert two_files["spvm"] in person.content() and two_files["opp"] not in person.content()
    assert person.locator("nav.console-nav a[href$='/staff']").count() == 0  # not an administrator's

    # The administrator disables the account: the coordinator's session ends at once
    admin.goto(f"{base}/console/en/staff/account?username={NEW}")
    press(admin, "main form[action$='/staff/account/disable'] button")
    assert "The account was disabled and its sessions ended." in admin.content()
    seen(admin, "staff-account-disabled", "en")
    person.goto(f"{base}/console/en/queue")
    assert "/sign-in" in person.url
    person_ctx.close()
    admin_ctx.close()
