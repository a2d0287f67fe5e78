"""The application as a task list in Chromium (issue 15), at 1280 and 375 px, in English and in French.

A police officer and a civilian analyst each start from a call, answer the first page (errors first), save,
open the link it emailed ("check your email": only that link opens the draft), switch language midway, stop,
resume in another browser by the same link, check their answers, fix one, send, press Back and send again
(still one file, one email), then upload a certificate from the file's page and see it accepted once the
malware scan has tagged it. Every page state is screenshotted
(artifacts/screenshots/) and checked with axe (zero violations); nothing is wider than a phone's screen.
"""
from __future__ import annotations

import re
import subprocess
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect

from ..local_service import LocalService, local_env
from .checks import ROOT, fill, look

PHONE: ViewportSize = {"width": 375, "height": 812}
WIDE: ViewportSize = {"width": 1280, "height": 900}


def _day(days: int) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


PEOPLE = {
    "officer": {"given_name": "Jordan", "family_name": "Smith-Leblanc", "phone": "613-555-0199",
                "track": "police_officer", "police_service": "ops", "rank": "sergeant",
                "years_operational_service": "12", "english_proficiency": "advanced", "french_proficiency": "advanced",
                "leadership_experience": "formal", "leadership_details": "Patrol supervisor.",
                "computer_literacy": "basic_office", "four_by_four_experience": "true", "highest_education": "college",
                "previous_mission_experience": "false", "first_aid_cpr_expiry": _day(800),
                "firearms_expiry": _day(5), "baton_expiry": _day(800), "oc_spray_expiry": _day(800),
                "available_from": _day(60), "privacy_consent": True, "mission": "haiti-minustah"},
    "civilian": {"given_name": "Zoé", "family_name": "Roy", "track": "civilian_analyst",
                 "english_proficiency": "advanced", "french_proficiency": "intermediate",
                 "leadership_experience": "informal", "computer_literacy": "advanced",
                 "four_by_four_experience": "false", "highest_education": "master",
                 "previous_mission_experience": "false", "first_aid_cpr_expiry": _day(5),
                 "available_from": _day(90), "privacy_consent": True, "mission": "west-bank-proteus"},
}
# Each person once per width, starting in one language and switching to the other midway: both people are
# seen in both languages at both widths.
JOURNEYS = [("officer", "en", WIDE), ("officer", "fr", PHONE), ("civilian", "fr", WIDE), ("civilian", "en", PHONE)]

PAGE_FIELDS = {
    "about-you": ("given_name", "family_name", "email", "phone", "preferred_language", "track"),
    "service": ("police_service", "rank", "years_operational_service"),
    "languages": ("english_proficiency", "french_proficiency"),
    "experience": ("leadership_experience", "leadership_details", "computer_literacy", "four_by_four_experience",
                   "highest_education", "previous_mission_experience"),
    "qualifications": ("first_aid_cpr_expiry", "firearms_expiry", "baton_expiry", "oc_spray_expiry"),
    "missions": ("available_from",),
    "consent": ("privacy_consent",),
}
WORDS = {
    "en": {"error": "Error: ", "already": "You have already sent this application", "flags": "What the selection",
           "check_email": "Check your email"},
    "fr": {"error": "Erreur\u00a0: ", "already": "Vous avez déjà envoyé cette demande", "flags": "Ce que l'équipe",
           "check_email": "Vérifiez vos courriels"},
}


def _answers(person: dict[str, Any], page_id: str, email: str, lang: str) -> dict[str, Any]:
    values = {**person, "email": email, "preferred_language": lang}
    return {k: values[k] for k in PAGE_FIELDS[page_id] if k in values}


@pytest.fixture
def errors() -> Iterator[list[str]]:
    seen: list[str] = []
    yield seen
    assert seen == []


def _context(browser: Browser, viewport: ViewportSize, errors: list[str]) -> BrowserContext:
    ctx = browser.new_context(viewport=viewport, is_mobile=viewport is PHONE, has_touch=viewport is PHONE)
    ctx.set_default_timeout(15_000)
    ctx.on("page", lambda p: p.on("console", lambda m: errors.append(f"{p.url}: {m.text}")
                                  if m.type == "error" and not m.text.startswith("Failed to load resource") else None))
    return ctx


def _state(page: Page, name: str, lang: str, tag: str) -> None:
    look(page, f"40-{tag}-{name}", lang)
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"], name


def _save(page: Page) -> None:
    page.click("main button[type=submit]")


def _other(lang: str) -> str:
    return "fr" if lang == "en" else "en"


@pytest.mark.parametrize("who,lang,viewport", JOURNEYS, ids=[f"{w}-{lg}-{v['width']}" for w, lg, v in JOURNEYS])
def test_a_task_list_journey(browser: Browser, service: LocalService, who: str, lang: str, viewport: ViewportSize,
                             errors: list[str], tmp_path: Path) -> None:
    person = PEOPLE[who]
    email = f"{who}.{lang}.{viewport['width']}@example.ca"
    tag = f"{who}-{viewport['width']}"
    ctx = _context(browser, viewport, errors)
    try:
        page = ctx.new_page()
        # From the mission to its call's start page, then the first page.
        page.goto(f"{service.base}/{lang}/missions/{person['mission']}")
        page.click('main a.gc-button[href*="/calls/"]')
        expect(page).to_have_url(re.compile(rf"/{lang}/calls/[a-z0-9-]+$"))
        _state(page, "start", lang, tag)
        page.click("a.gc-button-start")
        expect(page.locator('input[name="preferred_language"]:checked')).to_have_count(0)  # nothing pre-selected
        _state(page, "about-you", lang, tag)
        _save(page)  # nothing answered: the error summary, focused
        assert page.title().startswith(WORDS[lang]["error"])
        expect(page.locator(".gc-error-summary")).to_be_focused()
        _state(page, "about-you-errors", lang, tag)
        fill(page, _answers(person, "about-you", email, lang))
        _save(page)
        # "Check your email": the draft opens only from the link sent to the address, in this browser too.
        expect(page.locator("h1")).to_have_text(WORDS[lang]["check_email"])
        expect(page.locator("main")).to_contain_text(email)  # where the link went, with "Wrong address?"
        _state(page, "check-email", lang, tag)
        [mail] = service.mail_to(email)
        link = re.search(r'href="([^"]+/drafts/[^"]+\?token=[^"]+)"', mail["body"]).group(1).replace("&amp;", "&")
        page.goto(link)  # through the opening page, to the first unfinished page
        expect(page).to_have_url(re.compile(rf"/{lang}/drafts/dr-[a-z2-7]+/pages/[a-z-]+$"))
        draft_url = page.url.rsplit("/pages/", 1)[0]
        page.goto(draft_url)
        expect(page.locator("main")).to_contain_text(email)  # the task list: where the link went
        _state(page, "task-list", lang, tag)
        if who == "civilian":
            expect(page.locator("#task-service")).to_have_count(0)  # never asked the police questions

        # The next page, then the language switch midway: the answers stay.
        page.click(".gc-task-not_started a")
        first_task = page.url
        _state(page, "page-2", lang, tag)
        page.click(f".gc-lang a[lang={_other(lang)}]")
        lang = _other(lang)
        expect(page).to_have_url(first_task.replace(f"/{_other(lang)}/", f"/{lang}/"))
        page.goto(draft_url.replace(f"/{_other(lang)}/", f"/{lang}/") + "/pages/about-you")
        expect(page.locator("#given_name")).to_have_value(person["given_name"])
        page.go_back()

        # Answer pages until half the route is done, then stop: another browser resumes by the emailed link.
        done = 1
        while done < 3:
            page_id = page.url.rsplit("/", 1)[1].split("?")[0]
            fill(page, _answers(person, page_id, email, lang))
            _save(page)
            done += 1
            page.click(".gc-task-not_started a")
    finally:
        ctx.close()

    ctx = _context(browser, viewport, errors)
    try:
        page = ctx.new_page()
        page.goto(link)  # lands, through the opening page, on the first unfinished page
        expect(page).to_have_url(re.compile(r"/drafts/dr-[a-z2-7]+/pages/[a-z-]+$"))
        assert "token" not in page.url
        link_lang = "en" if "/en/" in link else "fr"
        if link_lang != lang:  # the link is in the language of the first page; back to the one chosen since
            page.click(f".gc-lang a[lang={lang}]")
        _state(page, "resumed", lang, tag)
        while "/check" not in page.url:
            page_id = page.url.rsplit("/", 1)[1].split("?")[0]
            fill(page, _answers(person, page_id, email, lang))
            _save(page)  # on to the task list, or to check your answers after the last page
            if "/check" not in page.url:
                page.click("a#task-check" if page.locator("a#task-check").count() else ".gc-task-not_started a")
        expect(page).to_have_url(re.compile(r"/drafts/dr-[a-z2-7]+/check$"))
        # The pre-screen's flag: a qualification that expires in five days, fixed from its change link.
        expect(page.locator("#flags-title")).to_contain_text(WORDS[lang]["flags"])
        _state(page, "check", lang, tag)
        page.click('a[href$="/pages/qualifications?from=check"]')
        fixed = {k: _day(800) for k in ("first_aid_cpr_expiry", "firearms_expiry") if k in PAGE_FIELDS["qualifications"]}
        fill(page, {k: v for k, v in fixed.items() if page.locator(f'[name^="{k}"]').count()})
        _save(page)
        expect(page).to_have_url(re.compile(r"/check$"))

        # A second tab holds the page as drawn before sending (what Back shows), then both send.
        stale = ctx.new_page()
        stale.goto(page.url)
        page.click("main form button[type=submit]")
        expect(page).to_have_url(re.compile(rf"/{lang}/status/po-[a-z0-9]+/confirmation$"))
        expect(page.locator("main")).to_contain_text(email)
        _state(page, "confirmation", lang, tag)
        stale.click("main form button[type=submit]")
        expect(stale).to_have_url(re.compile(r"/confirmation\?already=yes$"))
        expect(stale.locator("h1")).to_have_text(WORDS[lang]["already"])
        _state(stale, "already-sent", lang, tag)
        page.go_back()  # Back from the confirmation: the check page is not drawn again, the file is shown
        expect(page).to_have_url(re.compile(r"/confirmation\?already=yes$"))
        # One file, one confirmation email (and the draft's one link).
        mails = service.mail_to(email, count=3, timeout=3)
        assert len(mails) == 2, [m["subject"] for m in mails]
        page.click('a[href$="/answers"]')
        expect(page.locator("main")).to_contain_text(person["family_name"])
        _state(page, "answers", lang, tag)
        _upload_a_certificate(page, service, lang, tag, tmp_path)
    finally:
        ctx.close()


def _upload_a_certificate(page: Page, service: LocalService, lang: str, tag: str, tmp_path: Path) -> None:
    """From the file's status page: the First Aid certificate, a real PDF posted to moto's S3 by the page's own
    form (a presigned POST, no script); "being checked" until the malware scan tags it, then "accepted"."""
    page.goto(page.url.split("/answers")[0])
    page.click("#documents-link")
    _state(page, "documents", lang, tag)
    pdf = tmp_path / "first-aid.pdf"
    pdf.write_bytes(b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n")
    page.set_input_files("#file-first_aid_cpr", str(pdf))
    page.click("#upload-first_aid_cpr")
    expect(page.locator('#state-first_aid_cpr[data-state="checking"]')).to_be_visible()
    _state(page, "document-checking", lang, tag)
    # GuardDuty's part, which moto does not play: scripts/local.py tags the object as the scan does.
    subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "scripts/local.py", "scan"], cwd=ROOT, check=True,
                   env=local_env(service.moto_port, service.app_port), capture_output=True, timeout=60)
    page.reload()
    expect(page.locator('#state-first_aid_cpr[data-state="accepted"]')).to_be_visible()
    _state(page, "document-accepted", lang, tag)
