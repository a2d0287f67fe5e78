"""The staff console in Chromium, on the local service (moto's Cognito checking TOTP codes): each role signs
in with its password and sets TOTP up (the key read off the page, the code computed as an authenticator
app does), works its queue, opens a file, adds a note, makes a move, is refused one, bulk-moves three files
(a closing one with its reason and confirmation for health; administrators make no moves), signs out and finds the session gone. Two roles work in English and two in
French, so every page state is seen in both languages; each is screenshotted (artifacts/console-*.png) and
checked with axe (WCAG 2.1 AA and best practices, zero violations), with no console error (the CSP holds).
"""
from __future__ import annotations

from typing import Any, Iterator

import boto3
import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from devtools.cognito_setup import PASSWORD, fresh_totp_code

from ..local_service import LocalService
from ..unit.fakes import application
from .checks import AXE_OPTIONS, ROOT, _axe, french_spacing
from .conftest import DESKTOP

ARTIFACTS = ROOT / "artifacts"
# The same rules (WCAG 2.1 A and AA, best practices); only violations are detailed (axe's resultTypes), which
# makes each run faster without changing what fails it.
FAST_AXE = {**AXE_OPTIONS, "resultTypes": ["violations"]}
SEEN: set[str] = set()


def seen(page: Page, name: str, lang: str, status: int | None = None) -> None:
    """One page state: the right language, one h1, French spacing, a screenshot, zero axe violations."""
    assert page.locator("html").get_attribute("lang") == lang, page.url
    assert page.locator("h1").count() == 1, page.url
    french_spacing(page, f"console-{name}", lang)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"console-{name}-{lang}.png"), full_page=True)
    results = _axe.run(page, options=FAST_AXE)
    assert results.violations_count == 0, f"{name}-{lang}: {results.generate_report()}"
    SEEN.add(f"{name}-{lang}")


@pytest.fixture(scope="module")
def files(service: LocalService) -> dict[str, Any]:
    """The files each role works on, put at their stages straight in the emulated table."""
    table = boto3.resource("dynamodb", region_name="ca-central-1", endpoint_url=service.moto,
                           aws_access_key_id="local", aws_secret_access_key="local").Table(
                               "peaceops-local-applications")

    def file(key: str, stage: str = "submitted", **overrides: Any) -> str:
        status, body = service.call("POST", "/applications", application(email=f"console-{key}@example.ca",
                                                                         **overrides))
        assert status == 201, body
        if stage != "submitted":
            table.update_item(Key={"application_id": body["application_id"]}, UpdateExpression="SET stage = :s",
                              ExpressionAttributeValues={":s": stage})
        return str(body["application_id"])

    return {
        "spvm": file("spvm"), "spvm_bulk": [file(f"spvm-bulk-{i}") for i in range(3)],
        "opp": file("opp", police_service="opp"),
        "irss_blocked": file("irss-p", "preliminary_instructions"), "irss": file("irss-r", "service_review"),
        "irss_bulk": [file(f"irss-bulk-{i}", "service_review") for i in range(3)],
        "health": file("health", "medical"), "health_bulk": [file(f"health-bulk-{i}", "medical") for i in range(3)],
        "admin": file("admin"),
    }


@pytest.fixture
def staff(browser: Browser) -> Iterator[tuple[BrowserContext, Page, list[str]]]:
    ctx = browser.new_context(viewport=DESKTOP)
    ctx.set_default_timeout(15_000)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" and "Failed to load resource" not in
            m.text else None)
    yield ctx, page, errors
    ctx.close()
    assert errors == []


def sign_in(page: Page, base: str, user: str, lang: str, look: bool, again: bool = False) -> None:
    """Password, then (first time) TOTP set-up from the key on the page, or (later) a code."""
    page.goto(f"{base}/console/{lang}/sign-in")
    if look and not again:
        seen(page, "sign-in", lang)
    page.fill("#username", user)
    page.fill("#password", PASSWORD)
    press(page, "button[type=submit] >> nth=-1")
    if "/set-up-mfa" in page.url:
        key = page.locator("#totp-secret code").inner_text().replace(" ", "")
        assert "otpauth://totp/peaceops%3A" in page.content()
        if look:
            seen(page, "set-up-mfa", lang)
        page.fill("#code", fresh_totp_code(key, user=user))
    else:
        assert "/sign-in/code" in page.url
        if look:
            seen(page, "code", lang)
        page.fill("#code", fresh_totp_code(user=user))
    press(page, page.locator("main button[type=submit]"))
    assert page.url.endswith(f"/console/{lang}/queue"), page.url


def sign_out_and_check(page: Page, base: str, lang: str, look: bool) -> None:
    press(page, page.locator(".console-session-actions form").nth(1).locator("button"))
    assert page.url.endswith(f"/console/{lang}/signed-out")
    if look:
        seen(page, "signed-out", lang)
    page.goto(f"{base}/console/{lang}/queue")  # the old cookie opens nothing: the record is gone
    assert "/sign-in" in page.url
    if look:
        seen(page, "session-ended", lang)


def search_dashboard_export(page: Page, base: str, lang: str, mine: str, theirs: str | None) -> None:
    """Search by the reference as printed; the dashboard's charts; the CSV download in the page's language."""
    from chalicelib.domain.emails import reference

    page.goto(f"{base}/console/{lang}/search")
    page.fill("#q", reference(mine).lower())
    press(page, page.locator("main form[role=search] button"))
    assert page.locator(f"main a[href$='/files/{mine}']").count() == 1
    seen(page, "search", lang)
    if theirs:  # another service's file: not found by its reference either
        page.goto(f"{base}/console/{lang}/search?q={reference(theirs)}")
        assert page.locator(f"main a[href$='/files/{theirs}']").count() == 0
    press(page, "nav.console-nav a[href$='/dashboard']")
    assert page.locator("main svg[role=img]").count() >= 2
    seen(page, "dashboard", lang)
    page.goto(f"{base}/console/{lang}/files")
    with page.expect_download() as download:
        page.click("a[href*='/export.csv']")
    path = download.value.path()
    assert path is not None and open(path, "rb").read().startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM
    assert download.value.suggested_filename == ("peaceops-dossiers.csv" if lang == "fr" else
                                                 "peaceops-applications.csv")


def press(page: Page, target: Any) -> None:
    """Click what submits a form or follows a link, and wait for the page it leads to (content() while a
    navigation is under way reads an empty document)."""
    with page.expect_navigation(wait_until="load"):
        (page.locator(target) if isinstance(target, str) else target).click()


def move_button(page: Page, to_stage: str) -> Any:
    return page.locator(f".console-moves form:has(input[name=to_stage][value={to_stage}]) button")


def test_a_service_coordinator_in_english(service: LocalService, files: dict[str, Any], staff: Any) -> None:
    _, page, _ = staff
    base, lang = service.base, "en"
    sign_in(page, base, "coordinator.spvm", lang, look=True)
    assert files["spvm"] in page.content() and files["opp"] not in page.content()
    seen(page, "queue", lang)
    press(page, f"a[href$='/files/{files['spvm']}']")
    seen(page, "file", lang)
    page.fill("#new-note", "Called the applicant: references on their way.")
    press(page, "text=Add the note")
    assert "Your note was added." in page.content() and "references on their way" in page.content()
    press(page, move_button(page, "service_review"))
    assert "The file was moved." in page.content()
    seen(page, "file-moved", lang)
    # Refused: another service's file is not found
    response = page.goto(f"{base}/console/{lang}/files/{files['opp']}")
    assert response is not None and response.status == 404
    seen(page, "not-found", lang)
    # Bulk: three submitted files at once, a result each
    page.goto(f"{base}/console/{lang}/files?stage=submitted")
    seen(page, "files", lang)
    for app_id in files["spvm_bulk"]:
        page.check(f"input[name=pick][value^='{app_id}|']")
    press(page, "text=Move the files chosen")
    assert "3 moved to" in page.content() and page.content().count("Moved to") == 3
    seen(page, "bulk-result", lang)
    search_dashboard_export(page, base, lang, files["spvm"], files["opp"])
    sign_out_and_check(page, base, lang, look=True)
    sign_in(page, base, "coordinator.spvm", lang, look=True, again=True)  # the second time: a code


def test_irss_in_french(service: LocalService, files: dict[str, Any], staff: Any) -> None:
    _, page, _ = staff
    base, lang = service.base, "fr"
    sign_in(page, base, "irss", lang, look=True)
    assert "0 sur 2 retournés" in page.content()  # the forms the guard counts
    seen(page, "queue", lang)
    page.goto(f"{base}/console/{lang}/files/{files['irss_blocked']}")
    page.fill("#new-note", "Formulaires demandés au membre.")
    press(page, "text=Ajouter la note")
    assert "Votre note a été ajoutée." in page.content()
    press(page, move_button(page, "medical"))  # refused: the forms are not returned
    assert "doit d'abord être inscrit comme retourné" in page.content()
    seen(page, "file-refused", lang)
    page.goto(f"{base}/console/{lang}/files/{files['irss_blocked']}/confirm?to=not_selected")
    seen(page, "confirm", lang)  # a closing move's confirmation, left with Cancel
    press(page, "main a:has-text('Annuler')")
    response = page.goto(f"{base}/console/{lang}/files/po-aaaaaaaaaaaaaaaa")
    assert response is not None and response.status == 404
    seen(page, "not-found", lang)
    page.goto(f"{base}/console/{lang}/files/{files['irss']}")
    seen(page, "file", lang)
    press(page, move_button(page, "irss_review"))
    assert "Le dossier a été changé d'étape." in page.content()
    seen(page, "file-moved", lang)
    page.goto(f"{base}/console/{lang}/files?stage=service_review")
    seen(page, "files", lang)
    for app_id in files["irss_bulk"]:
        page.check(f"input[name=pick][value^='{app_id}|']")
    page.select_option("#to_stage", "irss_review")
    press(page, "text=Changer les dossiers choisis")
    assert "3 passés à l'étape" in page.content()
    seen(page, "bulk-result", lang)
    search_dashboard_export(page, base, lang, files["irss"], None)
    sign_out_and_check(page, base, lang, look=True)
    sign_in(page, base, "irss", lang, look=True, again=True)


def test_health_in_english(service: LocalService, files: dict[str, Any], staff: Any) -> None:
    _, page, _ = staff
    base, lang = service.base, "en"
    sign_in(page, base, "health", lang, look=False)
    assert "Medical outcome to record" in page.content()
    press(page, f"a[href$='/files/{files['health']}']")
    page.fill("#new-note", "Medical file received.")
    press(page, "text=Add the note")
    page.select_option("#outcome", "needs_consultation")
    press(page, page.locator("#medical-heading ~ form button"))
    assert "The medical outcome was recorded." in page.content()
    # Refused: a move health may not make (a withdrawal), asked for by its address
    response = page.goto(f"{base}/console/{lang}/files/{files['health']}/confirm?to=withdrawn")
    assert response is not None and response.status == 409
    seen(page, "file-refused", lang)
    # A closing move: its confirmation page, its reasons, then the file is closed
    page.goto(f"{base}/console/{lang}/files/{files['health']}")
    press(page, "a:has-text('Move to')")
    seen(page, "confirm", lang)
    press(page, page.locator("main form button[type=submit]"))
    assert "The file was moved." in page.content()
    # Bulk: three files closed at once, with a reason and the confirmation a closing move needs
    page.goto(f"{base}/console/{lang}/files?stage=medical")
    for app_id in files["health_bulk"]:
        page.check(f"input[name=pick][value^='{app_id}|']")
    page.select_option("#to_stage", "medically_unfit")
    page.select_option("#reason_code", index=1)
    page.check("#confirm_close")
    seen(page, "files-closing", lang)
    press(page, "text=Move the files chosen")
    assert "3 moved to" in page.content()
    sign_out_and_check(page, base, lang, look=False)


def test_an_administrator_in_french(service: LocalService, files: dict[str, Any], staff: Any) -> None:
    _, page, _ = staff
    base, lang = service.base, "fr"
    sign_in(page, base, "admin", lang, look=False)
    assert "Les administrateurs ne font aucun changement" in page.content()
    seen(page, "queue-no-moves", lang)
    page.goto(f"{base}/console/en/queue")
    seen(page, "queue-no-moves", "en")
    page.goto(f"{base}/console/{lang}/files/{files['admin']}")
    page.fill("#new-note", "Vérifié par l'administration.")
    press(page, "text=Ajouter la note")
    assert "Votre note a été ajoutée." in page.content() and page.locator(".console-moves").count() == 0
    # Refused: the confirmation of a move is for the roles that move files
    response = page.goto(f"{base}/console/{lang}/files/{files['admin']}/confirm?to=withdrawn")
    assert response is not None and response.status == 403
    seen(page, "refused-role", lang)
    page.goto(f"{base}/console/{lang}/files/{files['admin']}/confirm?to=withdrawn".replace("/fr/", "/en/"))
    seen(page, "refused-role", "en")
    page.goto(f"{base}/console/{lang}/queue")
    sign_out_and_check(page, base, lang, look=False)


def test_every_state_was_seen_in_both_languages() -> None:
    """Runs last in this module: each state looked at in English was looked at in French too, or says why."""
    alone = {"file-refused": "health's and IRSS's refusals differ by role, each seen once per language",
             "files-closing": "only health's bulk move closes files (English); the same page as Files otherwise"}
    names = {s.rsplit("-", 1)[0] for s in SEEN}
    for name in names - set(alone):
        assert {f"{name}-en", f"{name}-fr"} <= SEEN, name
    assert len(SEEN) >= 20
