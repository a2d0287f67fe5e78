"""The roster in Chromium, as IRSS, on the local service: the program's roster, Ukraine's cap (20 of 20, every
entry a seeded placeholder), two placeholders named with their service and dates, one ended (a coded reason and
its confirmation step: the seat frees), a ready candidate deployed into the freed seat; in French, the cap's page
and an entry's page with its errors next to the fields. axe on each new page state (zero violations), no console
error (the CSP holds); screenshots in artifacts/console-roster-*.png.

Set-up outside the steps: the ready candidate is a Ukraine file submitted through the API and put at ``training``
straight in the emulated table (the stages before it are other pages' walks, tested there); every step after
it is the console's own.
"""
from __future__ import annotations

from typing import Any

import boto3
import pytest

from ..local_service import LocalService
from ..unit.fakes import application
from .test_console_pages import press, seen, sign_in, staff  # noqa: F401 - the fixture, reused


@pytest.fixture(scope="module")
def candidate(service: LocalService) -> str:
    table = boto3.resource("dynamodb", region_name="ca-central-1", endpoint_url=service.moto,
                           aws_access_key_id="local", aws_secret_access_key="local").Table(
                               "peaceops-local-applications")
    status, body = service.call("POST", "/applications", application(email="roster-ready@example.ca",
                                                                     missions=["ukraine-patrol-police"]))
    assert status == 201, body
    table.update_item(Key={"application_id": body["application_id"]}, UpdateExpression="SET stage = :s",
                      ExpressionAttributeValues={":s": "training"})
    return str(body["application_id"])


def name_placeholder(page: Any, base: str, n: int) -> None:
    page.goto(f"{base}/console/en/roster/ukraine/entries/existing-ukraine-{n:03d}")
    page.select_option("#police_service", "spvm")
    page.fill("#started_on", "2025-11-01")
    page.fill("#planned_end", "2026-11-01")
    page.fill("#note", "From the program's deployment list")
    press(page, "section[aria-labelledby=record-heading] button[type=submit]")
    assert "?done=recorded" in page.url, page.url


def test_irss_keeps_the_roster_from_the_console(service: LocalService, candidate: str,
                                                staff: Any) -> None:  # noqa: F811 - the fixture
    _, page, _ = staff
    base = service.base
    sign_in(page, base, "irss", "en", look=False)
    # The program's roster, from the navigation
    press(page, page.locator(".console-nav a", has_text="Roster"))
    assert page.url.endswith("/console/en/roster")
    seen(page, "roster", "en")
    press(page, page.locator("main a", has_text="Ukraine"))
    assert page.url.endswith("/console/en/roster/ukraine")
    assert page.locator("#roster-entries tbody tr", has_text="Placeholder").count() == 20
    assert page.locator("#ready-line", has_text="Waiting for a seat").count() == 1  # full: the candidate waits
    seen(page, "roster-cap", "en")
    # An entry's page in French: an error next to its field, in French
    page.goto(f"{base}/console/fr/roster/ukraine/entries/existing-ukraine-001")
    seen(page, "roster-entry", "fr")
    page.select_option("#police_service", "spvm")
    page.fill("#started_on", "2026-05-01")
    page.fill("#planned_end", "2026-01-01")
    page.fill("#note", "x")
    press(page, "section[aria-labelledby=record-heading] button[type=submit]")
    assert page.locator("#planned_end-error").inner_text().endswith("La fin prévue doit suivre le début.")
    seen(page, "roster-entry-errors", "fr")
    # Two placeholders named
    name_placeholder(page, base, 1)
    assert "The officer's deployment was recorded on the entry." in page.locator("[role=status]").inner_text()
    seen(page, "roster-recorded", "en")
    name_placeholder(page, base, 2)
    assert page.locator("#roster-entries tbody tr", has_text="Placeholder").count() == 18
    # End one: reason, note, the confirmation step, then the seat frees
    press(page, page.locator("#roster-entries a", has_text="existing-ukraine-001"))
    page.select_option("#reason_code", "ended_early")
    page.fill("#end_note", "Came home early")
    press(page, "section[aria-labelledby=end-heading] button[type=submit]")
    assert page.locator("#confirm-heading").is_visible()
    seen(page, "roster-end-confirm", "en")
    press(page, "section[aria-labelledby=confirm-heading] button[type=submit]")
    assert "The deployment ended; its seat is free." in page.locator("[role=status]").inner_text()
    assert "19 active, 1 left" in page.locator("main").inner_text()
    # Deploy the ready candidate into the freed seat
    row = page.locator("#ready-line tbody tr", has=page.locator(f"a[href$='{candidate}']"))
    press(page, row.locator("button", has_text="Deploy into a free seat"))
    assert "The candidate was deployed into a free seat." in page.locator("[role=status]").inner_text()
    assert "20 active, 0 left" in page.locator("main").inner_text()
    assert page.locator("#roster-entries a", has_text=f"file-{candidate}").count() == 1
    seen(page, "roster-deployed", "en")
    # The same cap in French, ended entries shown on request
    page.goto(f"{base}/console/fr/roster/ukraine?status=all")
    assert page.locator("#roster-entries tbody tr", has_text="Terminé le").count() == 1
    seen(page, "roster-cap-all", "fr")
    # The import page, with the template link
    page.goto(f"{base}/console/en/roster-import")
    assert page.locator("a[href$='/roster-import/template.csv']").count() == 1
    seen(page, "roster-import", "en")
