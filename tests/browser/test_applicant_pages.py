"""The applicant's pages in Chromium, in English and in French: every page
state is screenshotted and checked with axe (WCAG 2.1 AA, zero violations).

Journey per language: missions -> mission -> its call -> the task list (errors, then corrected; check your
answers)
-> confirmation -> the private link from the sent email, in a fresh browser
(the page it lands on, then status) -> family readiness (errors, then saved)
-> withdraw (errors, then done; the closed file's forms answer 409) -> ask for
a new link -> open it. Error pages (404, 403 no access, 403 refused form) are
checked with the public pages.
"""
from __future__ import annotations

import json
import re
from datetime import date, timedelta
from typing import Any, Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Route, expect

from .checks import ROOT, fill, look, look_at
from .conftest import DESKTOP
from ..local_service import LocalService
from .mail import private_link

LANGS = ["en", "fr"]
SCRIPT = "<script>alert('x')</script>"


def _day(days: int) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


APPLICANT = {
    "en": {"given_name": "Jordan", "family_name": "Smith-Leblanc", "email": "jordan.smith@example.ca",
           "police_service": "ops", "rank": "sergeant"},
    "fr": {"given_name": "Hélène", "family_name": "Côté-Tremblay", "email": "helene.cote@example.ca",
           "police_service": "spvm", "rank": "sergeant"},
}

TEXT = {  # what each language's pages say at the checkpoints
    "en": {"error": "Error: ", "received": "Application received", "withdrawn": "Withdrawn",
           "saved": "Your family-readiness form is saved.", "done_withdrawn": "Your application is withdrawn.",
           "subject_received": "Application received", "subject_link": "Your peace operations file link",
           "whole_number": "Enter a whole number", "family_link": "Fill in the family-readiness form",
           "withdraw_link": "Withdraw my application", "sure": "Are you sure you want to withdraw your application?",
           "go_back": "No, go back to my file"},
    "fr": {"error": "Erreur\u00a0: ", "received": "Demande reçue", "withdrawn": "Demande retirée",
           "saved": "Votre formulaire de préparation de la famille est enregistré.",
           "done_withdrawn": "Votre demande est retirée.", "subject_received": "Demande reçue",
           "subject_link": "Votre lien vers votre dossier", "whole_number": "Entrez un nombre entier",
           "family_link": "Remplir le formulaire de préparation de la famille",
           "withdraw_link": "Retirer ma demande", "sure": "Voulez-vous vraiment retirer votre demande?",
           "go_back": "Non, retourner à mon dossier"},
}


def _application(lang: str) -> dict[str, Any]:
    person = APPLICANT[lang]
    return {
        "given_name": person["given_name"], "family_name": person["family_name"], "email": person["email"],
        "phone": "613-555-0199", "preferred_language": lang, "track": "police_officer",
        "police_service": person["police_service"], "rank": person["rank"], "years_operational_service": "12",
        "english_proficiency": "advanced", "french_proficiency": "advanced", "leadership_experience": "formal",
        "leadership_details": SCRIPT, "computer_literacy": "basic_office", "four_by_four_experience": "true",
        "first_aid_cpr_expiry": _day(800), "firearms_expiry": _day(400), "baton_expiry": _day(400),
        "oc_spray_expiry": _day(400), "missions": ["haiti-minustah", "iraq-mlt"], "available_from": _day(60),
        "privacy_consent": True,
    }


FAMILY = {
    "joint_decision": "yes", "support_structure": "strong", "support_details": "My sister lives next door.",
    "dependants": "7, 11", "recent_disruptions": "false", "health_considerations": "false", "career_timing": "yes",
    "emergency_contact_name": "Sam Smith", "emergency_contact_relationship": "Spouse",
    "emergency_contact_phone": "613-555-0123", "wants_before_the_mission": "true",
    "wants_reintegration_guide": "false",
}


def _recorder(page: Page, errors: list[str]) -> None:
    """Record console errors (a CSP refusal or a missing asset would show here).

    An error page's own status (404, 403) is reported too: that one is expected.
    """
    def on_console(m: ConsoleMessage) -> None:
        own_status = m.text.startswith("Failed to load resource") and m.location.get("url") == page.url
        if m.type == "error" and not own_status:
            errors.append(f"{page.url}: {m.text}")

    page.on("console", on_console)


@pytest.fixture
def console_errors(context: BrowserContext) -> Iterator[list[str]]:
    errors: list[str] = []
    for existing in context.pages:
        _recorder(existing, errors)
    context.on("page", lambda p: _recorder(p, errors))
    yield errors
    assert errors == []


def _fresh_page(browser: Browser) -> tuple[BrowserContext, Page, list[str]]:
    """A browser with no cookies, as when the person clicks the link in their mail app."""
    ctx = browser.new_context(viewport=DESKTOP)
    ctx.set_default_timeout(15_000)
    errors: list[str] = []
    page = ctx.new_page()
    _recorder(page, errors)
    return ctx, page, errors


def _open_private_link(browser: Browser, link: str, lang: str,
                       name: str | None = None) -> tuple[BrowserContext, Page, list[str]]:
    """Open the emailed link; with ``name``, look at the page it lands on first."""
    ctx, page, errors = _fresh_page(browser)
    # The link's page stores the token in a cookie and moves on (meta refresh, 0 s) to the address
    # without it.
    file_url = re.compile(rf"/{lang}/status/po-[a-z0-9]+$")
    if name is None:
        page.goto(link)
    else:
        # To look at that page before it moves on, the refresh's request is stopped in the browser
        # (aborted, as when a person presses Stop: the page stays, with no error page), then the
        # page's own "continue" link is followed. The page itself is the real one: loaded from the
        # service at its own address, with its headers (CSP), stylesheet and cookies, so axe and the
        # screenshot see what a person sees. (Fetching the HTML for set_content() would fire the
        # refresh too, and on about:blank, without the stylesheet or the CSP; holding the request
        # instead leaves a navigation pending, which every locator waits for.) The refresh itself
        # is still followed when the new link is opened, at the end of the journey.
        stopped: list[str] = []

        def stop(route: Route) -> None:
            stopped.append(route.request.url)
            route.abort("aborted")

        page.route(file_url, stop)
        page.goto(link)
        for _ in range(200):  # the refresh comes after the load event (goto waited for it); 10 s at most
            if stopped:
                break
            page.wait_for_timeout(50)
        page.unroute(file_url)
        assert len(stopped) == 1 and "?token=" in page.url, "the link's page did not stay to be looked at"
        look(page, name, lang)
        page.click(f'main a.gc-button[href="{urlsplit(stopped[0]).path}"]')
    page.wait_for_url(file_url)
    assert "token" not in page.url
    return ctx, page, errors


# --- public pages -------------------------------------------------------------------

def test_splash_page_offers_both_languages(page: Page, service: LocalService, console_errors: list[str]) -> None:
    page.goto(service.base + "/")
    look(page, "00-splash", "en")
    page.click("a[lang=fr]")
    expect(page).to_have_url(service.base + "/fr/missions")


@pytest.mark.parametrize("lang", LANGS)
def test_public_pages(page: Page, browser: Browser, service: LocalService, lang: str,
                      console_errors: list[str]) -> None:
    other = "fr" if lang == "en" else "en"
    page.goto(f"{service.base}/{lang}/missions")
    look(page, "01-missions", lang)
    # The toggle leads to the same page in the other language.
    page.click(f".gc-lang a[lang={other}]")
    expect(page).to_have_url(f"{service.base}/{other}/missions")
    page.click(f".gc-lang a[lang={lang}]")

    # The filter is a plain GET form: operations in French, open ones only (Haiti is one).
    page.select_option("#filter-kind", "operation")
    page.select_option("#filter-language", "fr")
    page.check("#filter-open")
    page.click(".gc-filter button[type=submit]")
    expect(page).to_have_url(re.compile(r"/missions\?kind=operation&language=fr&open=yes$"))
    expect(page.locator(".gc-filter-count")).to_be_visible()
    expect(page.locator('.gc-card a[href$="/missions/haiti-minustah"]')).to_be_visible()
    assert page.locator(".gc-card-closed").count() == 0
    look(page, "01-missions-filtered", lang)
    page.goto(f"{service.base}/{lang}/missions")

    page.click('a[href$="/missions/haiti-minustah"]')
    look(page, "02-mission", lang)
    expect(page.locator("main")).to_contain_text("12")
    # The footer's pages: contact, terms and conditions, the privacy notice statement.
    for n, path in ((91, "contact"), (92, "terms"), (93, "privacy")):
        page.click(f'.gc-footer-sub a[href="/{lang}/{path}"]')
        expect(page).to_have_url(f"{service.base}/{lang}/{path}")
        look(page, f"{n}-{path}", lang)
    look_at(page, f"{service.base}/{lang}/missions/does-not-exist", 404, "98-not-found", lang)
    look_at(page, f"{service.base}/{lang}/status/po-aaaaaaaaaaaaaaaa", 403, "97-no-access", lang)
    expect(page.locator(f'main a[href="/{lang}/access"]')).to_be_visible()
    # A form whose CSRF cookie is gone (expired, or posted from elsewhere) is refused, in its language.
    page.goto(f"{service.base}/{lang}/access")
    page.context.clear_cookies()
    fill(page, {"email": "someone@example.ca"})
    with page.expect_response(f"{service.base}/{lang}/access") as answer:
        page.click("button[type=submit]")
    assert answer.value.status == 403
    look(page, "96-form-refused", lang)
    # "Before the Mission" by email, from the missions page: the form, a wrong address, then sent
    page.goto(f"{service.base}/{lang}/missions")
    page.click(f'main a[href="/{lang}/before-the-mission"]')
    look(page, "94-guide", lang)
    fill(page, {"email": "not an address"})
    with page.expect_response(f"{service.base}/{lang}/before-the-mission") as answer:
        page.click("button[type=submit]")
    assert answer.value.status == 422
    look(page, "94-guide-errors", lang)
    fill(page, {"email": f"guide.{lang}@example.ca"})
    with page.expect_response(f"{service.base}/{lang}/before-the-mission") as answer:
        page.click("button[type=submit]")
    assert answer.value.status == 200
    look(page, "95-guide-sent", lang)
    # past the day's limit for that mailbox (another spelling of it), a clear page says so
    answers = []
    for _ in range(2):
        page.goto(f"{service.base}/{lang}/before-the-mission")
        fill(page, {"email": f"Guide.{lang}+again@example.ca"})
        with page.expect_response(f"{service.base}/{lang}/before-the-mission") as answer:
            page.click("button[type=submit]")
        answers.append(answer.value.status)
    assert answers == [200, 429]
    look(page, "95-guide-limit", lang)

    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        small = phone.new_page()
        small.goto(f"{service.base}/{lang}/missions")
        look(small, "01-missions-mobile", lang)
        small.goto(f"{service.base}/{lang}/apply")
        look(small, "03-apply-mobile", lang)
        # Nothing wider than the screen: no sideways scrolling on a phone.
        assert small.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        phone.close()


# --- the journey ---------------------------------------------------------------------

def _on_page(page: Page, values: dict[str, Any]) -> dict[str, Any]:
    """The values whose questions this page asks (a date's three boxes count as its question)."""
    return {k: v for k, v in values.items() if page.locator(f'main [name="{k}"], main [name^="{k}-"]').count()}


def _follow_draft_link(page: Page, service: LocalService, email: str) -> None:
    """"Check your email": the draft opens only from the link sent to the address; open it, then its task list."""
    [mail] = service.mail_to(email)
    link = re.search(r'href="([^"]+/drafts/[^"]+\?token=[^"]+)"', mail["body"]).group(1).replace("&amp;", "&")
    page.goto(link)
    expect(page).to_have_url(re.compile(r"/drafts/dr-[a-z2-7]+/pages/[a-z-]+$"))
    page.goto(page.url.rsplit("/pages/", 1)[0])


def _answer_every_page(page: Page, values: dict[str, Any], service: LocalService) -> None:
    """From a page of the application, answer each one the task list offers, until check your answers."""
    while "/check" not in page.url:
        fill(page, _on_page(page, values))
        page.click("main button[type=submit]")
        if "/check" not in page.url and "/drafts/" not in page.url:
            _follow_draft_link(page, service, str(values["email"]))
        if "/check" not in page.url:
            page.click("a#task-check" if page.locator("a#task-check").count() else ".gc-task-not_started a")


def _apply_with_errors_then_correct(page: Page, lang: str, service: LocalService) -> None:
    words = TEXT[lang]
    page.click('main a.gc-button[href*="/calls/"]')  # the mission's open call: its start page
    look(page, "03-call-start", lang)
    page.click("a.gc-button-start")
    look(page, "03-apply", lang)
    expect(page.locator('input[name="preferred_language"]:checked')).to_have_count(0)  # no answer chosen for them

    fill(page, {"given_name": SCRIPT, "email": "jordan@"})
    page.click("button[type=submit]")
    assert page.title().startswith(words["error"])
    summary = page.locator(".gc-error-summary")
    expect(summary).to_be_focused()  # focus moves there with no script (autofocus)
    assert summary.locator("a").count() >= 3
    summary.locator('a[href="#email"]').click()
    expect(page.locator("#email")).to_be_focused()
    expect(page.locator("#email-error")).to_be_visible()
    # What was typed is kept, markup included, as text.
    expect(page.locator("#given_name")).to_have_value(SCRIPT)
    expect(page.locator("#email")).to_have_attribute("aria-invalid", "true")
    look(page, "04-apply-errors", lang)
    fill(page, _on_page(page, _application(lang)))
    page.click("button[type=submit]")
    _follow_draft_link(page, service, str(_application(lang)["email"]))
    # The service page: a number typed in words is refused beside its box.
    page.click(".gc-task-not_started a")
    fill(page, {**_on_page(page, _application(lang)), "years_operational_service": "twelve"})
    page.click("button[type=submit]")
    expect(page.locator("#years_operational_service-error")).to_contain_text(words["whole_number"])
    look(page, "04-apply-service-errors", lang)
    _answer_every_page(page, {**_application(lang), "leadership_details": SCRIPT}, service)
    look(page, "04-check-answers", lang)
    page.click("main form button[type=submit]")
    expect(page).to_have_url(re.compile(rf"/{lang}/status/po-[a-z0-9]+/confirmation$"))
    look(page, "05-confirmation", lang)
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator(".gc-reference")).to_have_text(re.compile(r"^PO-[A-Z0-9-]+$"))


def _family_readiness(page: Page, lang: str) -> None:
    page.click(f"text={TEXT[lang]['family_link']}")
    look(page, "07-family-readiness", lang)
    fill(page, {**FAMILY, "dependants": "7, eleven", "emergency_contact_phone": "call me"})
    page.click("button[type=submit]")
    assert page.title().startswith(TEXT[lang]["error"])
    expect(page.locator(".gc-error-summary a")).to_have_count(2)
    expect(page.locator("#dependants")).to_have_value("7, eleven")
    look(page, "08-family-readiness-errors", lang)
    fill(page, FAMILY)
    page.click("button[type=submit]")
    expect(page.locator(".gc-alert-success")).to_have_text(TEXT[lang]["saved"])
    look(page, "08-status-family-saved", lang)


def _withdraw(page: Page, lang: str) -> None:
    page.click(f"a.gc-button-danger:has-text('{TEXT[lang]['withdraw_link']}')")
    look(page, "09-withdraw", lang)
    page.click("button[type=submit]")
    assert page.title().startswith(TEXT[lang]["error"])
    expect(page.locator(".gc-error-summary")).to_be_focused()
    look(page, "10-withdraw-errors", lang)
    fill(page, {"reason_code": "family_reasons", "note": "Back next year."})
    page.click("button[type=submit]")
    # A page of its own asks first: "no" goes back to the open file, "yes" withdraws.
    expect(page.locator("h1")).to_have_text(TEXT[lang]["sure"])
    expect(page.locator("main")).to_contain_text("Back next year.")
    look(page, "10-withdraw-confirm", lang)
    page.click(f"text={TEXT[lang]['go_back']}")
    expect(page.locator(".gc-stage")).to_have_text(TEXT[lang]["received"])
    page.click(f"a.gc-button-danger:has-text('{TEXT[lang]['withdraw_link']}')")
    fill(page, {"reason_code": "family_reasons", "note": "Back next year."})
    page.click("button[type=submit]")
    page.click("button.gc-button-danger")
    expect(page.locator(".gc-alert-success")).to_contain_text(TEXT[lang]["done_withdrawn"])
    expect(page.locator(".gc-stage")).to_have_text(TEXT[lang]["withdrawn"])
    expect(page.locator("a.gc-button-danger")).to_have_count(0)
    look(page, "11-status-withdrawn", lang)
    # The closed file's forms, reached by their address, answer 409 with a way back to the file.
    file_url = page.url.split("?")[0]
    look_at(page, f"{file_url}/family-readiness", 409, "99-file-closed", lang)
    expect(page.locator(f'main a.gc-button[href="{urlsplit(file_url).path}"]')).to_be_visible()
    withdraw_again = page.goto(f"{file_url}/withdraw")
    assert withdraw_again is not None and withdraw_again.status == 409


def _new_link(page: Page, browser: Browser, service: LocalService, lang: str) -> None:
    email = APPLICANT[lang]["email"]
    page.goto(f"{service.base}/{lang}/access")
    look(page, "12-access", lang)
    fill(page, {"email": "not an address"})
    page.click("button[type=submit]")
    expect(page.locator(".gc-error-summary")).to_be_focused()
    expect(page.locator("#email")).to_have_value("not an address")
    look(page, "13-access-errors", lang)
    fill(page, {"email": email})
    page.click("button[type=submit]")
    look(page, "14-access-sent", lang)

    mails = service.mail_to(email, count=4)  # the draft's link, received, withdrawn, the new link
    assert mails[-1]["subject"].startswith(TEXT[lang]["subject_link"])
    ctx, status, errors = _open_private_link(browser, private_link(mails[-1]), lang)
    try:
        expect(status.locator(".gc-stage")).to_have_text(TEXT[lang]["withdrawn"])
        assert errors == []
    finally:
        ctx.close()


@pytest.mark.parametrize("lang", LANGS)
def test_apply_follow_and_withdraw(page: Page, browser: Browser, service: LocalService, lang: str,
                                  console_errors: list[str]) -> None:
    page.goto(f"{service.base}/{lang}/missions")
    page.click('a[href$="/missions/haiti-minustah"]')
    _apply_with_errors_then_correct(page, lang, service)

    # The confirmation email, in the language chosen in the form, carries the private link (the other email
    # is the draft's link, sent when the first page was saved).
    [mail] = [m for m in service.mail_to(APPLICANT[lang]["email"], count=2) if "/drafts/" not in m["body"]]
    assert mail["subject"].startswith(TEXT[lang]["subject_received"])
    assert SCRIPT not in mail["body"] and "<script" not in mail["body"]
    link = private_link(mail)
    assert link.startswith(f"{service.base}/{lang}/status/po-")

    ctx, status, errors = _open_private_link(browser, link, lang, name="06-opening")
    try:
        expect(status.locator(".gc-stage")).to_have_text(TEXT[lang]["received"])
        expect(status.locator(".gc-timeline li")).to_have_count(1)
        expect(status.locator(".gc-table tbody tr")).to_have_count(1)
        look(status, "06-status", lang)
        # Everything held about the applicant, readable and accessible (services/privacy.py), then back
        held = ctx.new_page()
        held.goto(status.url + "/my-information")
        expect(held.locator("#my-information-json")).to_have_count(1)
        look(held, "06-my-information", lang)
        held.close()
        _family_readiness(status, lang)
        _withdraw(status, lang)
        _new_link(status, browser, service, lang)
        assert errors == []
    finally:
        ctx.close()


def test_forms_work_with_javascript_turned_off(browser: Browser, service: LocalService) -> None:
    ctx = browser.new_context(viewport=DESKTOP, java_script_enabled=False)
    try:
        page = ctx.new_page()
        page.goto(f"{service.base}/fr/apply?mission=ukraine-euam")  # on to its call's start page
        page.click("a.gc-button-start")
        fill(page, {"given_name": "Zoé", "email": "zoe@"})
        page.click("button[type=submit]")
        assert page.title().startswith("Erreur\u00a0: ")
        expect(page.locator(".gc-error-summary")).to_be_focused()
        expect(page.locator("#given_name")).to_have_value("Zoé")
        _answer_every_page(page, {**_application("fr"), "email": "zoe.roy@example.ca", "missions": ["ukraine-euam"]},
                           service)
        page.click("main form button[type=submit]")
        expect(page).to_have_url(re.compile(r"/fr/status/po-[a-z0-9]+/confirmation$"))
        page.click("text=Voir l'état de votre demande")
        expect(page.locator(".gc-stage")).to_have_text("Demande reçue")
    finally:
        ctx.close()


# --- a deployed officer, then the return and its follow-up (issue 12) ------------------

PRELIMINARY_FORMS = list(json.loads((ROOT / "chalicelib" / "data" / "workflow.json").read_text(encoding="utf-8"))[
    "preliminary_forms"])
RETURNING = {"en": "sam.returning@example.ca", "fr": "zoe.retour@example.ca"}
RETURN_TEXT = {
    "en": {"end_early": "End my mission early", "yes": "Yes, end my mission early", "deployment": "Your deployment", "done": "Your mission has ended early",
           "to_come": "To come: International Health Services", "complete": "Your file is complete"},
    "fr": {"end_early": "Mettre fin à ma mission plus tôt", "yes": "Oui, mettre fin à ma mission plus tôt",
           "deployment": "Votre déploiement",
           "done": "Votre mission a pris fin plus tôt", "to_come": "À venir\u00a0: les Services de santé internationaux",
           "complete": "Votre dossier est complet"},
}


def _deployed_through_the_api(service: LocalService, lang: str) -> tuple[str, str]:
    """An SPVM officer's Iraq file walked to deployed by each role through the API; (file id, access token)."""
    doc = {**_application(lang), "email": RETURNING[lang], "police_service": "spvm", "missions": ["iraq-mlt"],
           "years_operational_service": 12, "four_by_four_experience": True, "leadership_details": "Team lead."}
    status, created = service.call("POST", "/applications", doc)
    assert status == 201, created
    app_id, token = created["application_id"], created["access_token"]

    def staff(who: str, method: str, path: str, body: Any) -> None:
        code, answer = service.call(method, f"/admin/applications/{app_id}{path}", body,
                                    {"Authorization": f"Bearer {service.tokens[who]}"})
        assert code == 200, answer

    def move(who: str, frm: str, to: str) -> None:
        staff(who, "POST", "/moves", {"to_stage": to, "expected_stage": frm})

    move("coordinator.spvm", "submitted", "service_review")
    move("coordinator.spvm", "service_review", "irss_review")
    move("irss", "irss_review", "preliminary_instructions")
    staff("irss", "POST", "/forms-returned", {"forms": PRELIMINARY_FORMS})
    family = {**FAMILY, "dependants": [7, 11], "recent_disruptions": False, "health_considerations": False,
              "wants_before_the_mission": False, "wants_reintegration_guide": True}
    code, answer = service.call("PUT", f"/applications/{app_id}/family-readiness", family,
                                {"Authorization": f"Bearer {token}"})
    assert code == 200, answer
    move("irss", "preliminary_instructions", "medical")
    staff("health", "PUT", "/medical-outcome", {"outcome": "fit"})
    for frm, to in (("medical", "final_recommendation"), ("final_recommendation", "joining_instructions"),
                    ("joining_instructions", "training"), ("training", "deployed")):
        move("irss", frm, to)
    return app_id, token


@pytest.mark.parametrize("lang", LANGS)
def test_a_deployed_officer_ends_the_mission_early_then_the_follow_up_completes(
        browser: Browser, service: LocalService, lang: str) -> None:
    app_id, token = _deployed_through_the_api(service, lang)
    words = RETURN_TEXT[lang]
    ctx, page, errors = _open_private_link(browser, f"{service.base}/{lang}/status/{app_id}?token={token}", lang)
    try:
        # The deployed officer's page: the deployment's dates, "end my mission early", never "withdraw"
        expect(page.locator("#deployment-heading")).to_have_text(words["deployment"])
        expect(page.locator("a.gc-button-danger")).to_have_text(words["end_early"])
        look(page, "20-status-deployed", lang)
        page.click("a.gc-button-danger")
        expect(page.locator('input[name="reason_code"]')).to_have_count(0)
        look(page, "21-end-mission-early", lang)
        fill(page, {"note": "Family reasons."})
        page.click("button[type=submit]")
        expect(page.locator("button.gc-button-danger")).to_have_text(words["yes"])  # asked on a page of its own
        look(page, "21-end-mission-early-confirm", lang)
        page.click("button.gc-button-danger")
        # After the return: thanked, the follow-up to come, the guide on its way
        expect(page.locator(".gc-alert-success")).to_contain_text(words["done"])
        expect(page.locator("#follow-up-heading")).to_be_visible()
        expect(page.locator("main")).to_contain_text(words["to_come"])
        expect(page.locator("a.gc-button-danger")).to_have_count(0)
        look(page, "22-status-returned", lang)
        # Health record the follow-up and IRSS send the guide: the file is complete
        code, answer = service.call("POST", f"/admin/applications/{app_id}/post-mission-follow-up", {"done": True},
                                    {"Authorization": f"Bearer {service.tokens['health']}"})
        assert code == 200, answer
        irss = {"Authorization": f"Bearer {service.tokens['irss']}"}
        code, listed = service.call("GET", "/admin/guide-tasks", None, irss)
        [task] = [t for t in listed["tasks"] if t["application_id"] == app_id]
        code, answer = service.call("POST", f"/admin/guide-tasks/{task['task_id']}/sent", {}, irss)
        assert code == 200, answer
        page.reload()
        expect(page.locator("#follow-up-heading ~ .gc-alert-success")).to_contain_text(words["complete"])
        look(page, "23-status-complete", lang)
        assert errors == []
    finally:
        ctx.close()
