"""Missions and seats, the dashboard's cap card and the audit in Chromium, on the local service, through the
console alone: an administrator changes Haiti's authorized figure and sees it on the public page, is refused a
figure below Ukraine's roster (and told why), closes and reopens a mission, edits its description in French and
sees it on the French public page, sees the dashboard's card for Haiti, searches the audit for the figure's change
and exports it. Every new page state passes axe (WCAG 2.1 AA and best practices) with no console error; each is
screenshotted (artifacts/console-*.png)."""
from __future__ import annotations

import re
import time
from typing import Any, Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from ..local_service import LocalService
from .conftest import DESKTOP
from .test_console_pages import press, seen, sign_in

HAITI = "haiti-minustah"


@pytest.fixture
def staff(browser: Browser) -> Iterator[tuple[BrowserContext, Page, list[str]]]:
    """A fresh browser context, generous timeouts, and the page's console errors (none allowed: the CSP holds)."""
    ctx = browser.new_context(viewport=DESKTOP)
    ctx.set_default_timeout(30_000)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" and "Failed to load resource" not in
            m.text else None)
    yield ctx, page, errors
    ctx.close()
    assert errors == []


def test_an_administrator_runs_missions_and_seats_and_reads_the_audit(service: LocalService, staff: Any) -> None:
    _, page, _ = staff
    base = service.base
    sign_in(page, base, "admin", "en", look=False, again=True)
    # Missions and seats, from the console's navigation
    press(page, "nav.console-nav a[href$='/missions-and-seats']")
    seen(page, "caps", "en")
    figure = page.locator("#authorized-haiti")
    new = int(figure.input_value() or "90") + 1
    figure.fill(str(new))
    press(page, page.locator("#cap-haiti form button[type=submit]"))
    assert "The authorized figure was changed." in page.locator("main [role=status]").inner_text()
    seen(page, "caps-changed", "en")
    # Below Ukraine's roster: refused, with why, next to the field
    page.locator("#authorized-ukraine").fill("19")
    press(page, page.locator("#cap-ukraine form button[type=submit]"))
    assert "has 20 officers deployed: the figure cannot be below 20" in page.locator(
        "#authorized-ukraine-error").inner_text()
    seen(page, "caps-refused", "en")
    # The public page shows the new figure at once
    page.goto(f"{base}/en/missions/{HAITI}")
    assert f"Authorized deployments: {new};" in page.locator("main").inner_text()
    # Close the mission to applications, then reopen it
    page.goto(f"{base}/console/en/missions-and-seats")
    press(page, page.locator(f"main a[href$='/missions-and-seats/missions/{HAITI}']"))
    seen(page, "mission-admin", "en")
    start = page.locator("#mission-status").inner_text()
    press(page, page.locator("main form[action$='/status'] button"))
    assert page.locator("#mission-status").inner_text() != start
    seen(page, "mission-admin-toggled", "en")
    press(page, page.locator("main form[action$='/status'] button"))
    assert page.locator("#mission-status").inner_text() == start
    # Its description, in French: an empty one is refused next to the field, a new one reaches the public page
    page.goto(f"{base}/console/fr/missions-and-seats/missions/{HAITI}")
    seen(page, "mission-admin", "fr")
    kept = page.locator("#description-fr").input_value()
    page.locator("#description-fr").fill("")
    press(page, page.locator("main form[action$='/description'] button"))
    assert "Rédigez la description en français." in page.locator("#description-fr-error").inner_text()
    seen(page, "mission-admin-refused", "fr")
    text = f"{kept.split(' Mise à jour')[0]} Mise à jour {int(time.time())}."
    page.locator("#description-fr").fill(text)
    press(page, page.locator("main form[action$='/description'] button"))
    assert "La description a été enregistrée." in page.locator("main [role=status]").inner_text()
    page.goto(f"{base}/fr/missions/{HAITI}")
    assert text in page.locator("main").inner_text()
    # The dashboard's card for Haiti, linking to its roster
    page.goto(f"{base}/console/en/dashboard")
    card = page.locator("#card-haiti")
    assert re.search(rf"Authorized\s+{new}\b", card.inner_text())
    assert card.locator("a").get_attribute("href") == "/console/en/roster/haiti"
    seen(page, "dashboard-cards", "en")
    # The audit: search the figure's change, then export it
    press(page, "nav.console-nav a[href$='/audit']")
    page.fill("#subject", "cap#haiti")
    page.select_option("#kind", "catalogue_change")
    press(page, page.locator("main form[role=search] button"))
    first = page.locator("main table tbody tr").first
    assert "cap#haiti" in first.inner_text() and "Catalogue changed (authorized figure)" in first.inner_text()
    seen(page, "audit", "en")
    with page.expect_download() as download:
        page.locator("main a[href*='/audit.csv']").click()
    exported = open(download.value.path(), encoding="utf-8-sig").read()
    assert exported.startswith('"When","Role"') and "cap#haiti" in exported
    page.goto(f"{base}/console/fr/audit?kind=audit_read")
    assert "Journal consulté ou exporté (exportation)" in page.locator("main table").inner_text()
    seen(page, "audit", "fr")
