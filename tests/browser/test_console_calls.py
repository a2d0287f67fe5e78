"""Calls for applications in Chromium through the console alone (no API call in the steps): an administrator
writes a draft call in English and French, is refused an example contact with the reason next to the field,
fixes it, previews the public page, publishes, sees the call on the public page, and extends it from the French page. Each
console page state is screenshotted (artifacts/console-calls-*.png) and passes axe with zero violations."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import Browser

from chalicelib.domain.bulletins import PROGRAM_TIME
from chalicelib.domain.localtime import local_time

from ..local_service import LocalService
from .conftest import DESKTOP
from .test_console_pages import press, seen, sign_in

OTTAWA = ZoneInfo("America/Toronto")


def test_an_administrator_writes_previews_publishes_and_extends_a_call(service: LocalService, browser: Browser) -> None:
    ctx = browser.new_context(viewport=DESKTOP)
    ctx.set_default_timeout(20_000)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" and "Failed to load resource" not in
            m.text else None)
    base = service.base
    now = datetime.now(OTTAWA)
    opens, closes = (now - timedelta(days=1)).strftime("%Y-%m-%dT09:00"), (now + timedelta(days=30)).strftime("%Y-%m-%dT23:59")
    later = (now + timedelta(days=45)).strftime("%Y-%m-%dT23:59")
    try:
        sign_in(page, base, "admin", "en", look=False)
        press(page, "nav.console-nav a[href$='/calls']")
        seen(page, "calls-list", "en")
        press(page, "main a[href$='/new-call']")
        seen(page, "calls-new", "en")
        page.fill("#bulletin_id", "italy-brindisi-browser")
        page.select_option("#mission_id", "italy-spc-brindisi")
        page.fill("#title_en", "Brindisi: UN police trainers")
        page.fill("#title_fr", "Brindisi\u00a0: formateurs de la police des Nations Unies")  # as French is written
        page.fill("#description_en", "Two trainers at the UN Service Centre.")
        page.fill("#description_fr", "Deux formateurs au Centre de services des Nations Unies.")
        page.fill("#contact_name_en", "IRSS")
        page.fill("#contact_name_fr", "RPSI")
        page.fill("#contact_email", "irss@example.ca")
        page.fill("#positions", "2")
        page.fill("#opens_at", opens)
        page.fill("#closes_at", closes)
        page.check("#doc-un_modules")
        press(page, "main form[action$='/calls'] button[type=submit]")
        # Refused at once: the example address, said next to its field (draft or not)
        assert page.locator("#contact_email-error").is_visible()
        seen(page, "calls-refused", "en")
        page.fill("#contact_email", "peacekeeping@rcmp-grc.gc.ca")
        press(page, "main form[action$='/calls'] button[type=submit]")
        assert page.url.endswith("/console/en/calls/italy-brindisi-browser?done=created"), page.url
        seen(page, "calls-draft", "en")
        # The preview: the applicant side's own page, drawn with the draft
        press(page, "main a[href='/console/en/calls/italy-brindisi-browser/preview']")
        assert page.locator("h1").inner_text() == "Brindisi: UN police trainers"
        seen(page, "calls-preview", "en")
        page.go_back()
        press(page, "#publish-heading ~ form button")
        assert "done=published" in page.url
        seen(page, "calls-published", "en")
        # The public page of the call, as applicants see it
        page.goto(f"{base}/en/calls/italy-brindisi-browser")
        assert page.locator("h1").inner_text() == "Brindisi: UN police trainers"
        # Extend from the French page
        page.goto(f"{base}/console/fr/calls/italy-brindisi-browser")
        seen(page, "calls-open", "fr")
        page.fill("#new_closes_at", later)
        press(page, "#extend-heading ~ form button")
        assert "done=extended" in page.url
        seen(page, "calls-extended", "fr")
        # the new closing time as the Translation Bureau writes it (domain/localtime.py)
        shown = local_time(datetime.fromisoformat(later).replace(tzinfo=PROGRAM_TIME), "fr").replace("\u00a0", " ")
        assert shown in page.locator("main").inner_text().replace("\u00a0", " ")
    finally:
        ctx.close()
    assert errors == []
