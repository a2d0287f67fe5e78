"""The applicant web pages through Chalice's test client and moto: security
headers, CSRF, escaping, the error pattern, the token link and cookies."""
from __future__ import annotations

import json
import re
from html import unescape
from typing import Any

import pytest

from .conftest import VALID_FAMILY_READINESS, application, sent_messages
from .web_client import (FORM, WebClient, apply, first_page_url, form_fields, hidden, hidden_fields, page_fields,
                         set_cookies, start_draft)

PAGES = ["/missions", "/missions/haiti-minustah", "/apply", "/access"]


@pytest.fixture
def web(client: Any) -> WebClient:
    return WebClient(client)


def _text(r: Any) -> str:
    return r.body.decode("utf-8")


def _submit(web: WebClient, lang: str = "en", **overrides: Any) -> Any:
    """A valid application sent through the task list (tests/integration/web_client.apply): 303 to its file."""
    return apply(web, application(**overrides), lang)


def _page_post(web: WebClient, lang: str, page_id: str, pairs: list[tuple[str, str]]) -> Any:
    """A draft answered up to ``page_id`` (valid answers), then that page posted with ``pairs``."""
    from chalicelib.domain import drafts

    doc = application()
    draft_id = start_draft(web, doc, lang)
    for p in drafts.route(doc)[1:]:
        if p.id == page_id:
            break
        web.post(f"/{lang}/drafts/{draft_id}/pages/{p.id}", page_fields(p.id, doc))
    return web.post(f"/{lang}/drafts/{draft_id}/pages/{page_id}", pairs)


def _link_from_last_mail(address: str) -> str:
    mail = [m for m in sent_messages() if m.destinations["ToAddresses"] == [address]][-1]
    match = re.search(r'href="https://peaceops\.test([^"]+\?token=[^"]+)"', mail.body)
    assert match, mail.body
    return unescape(match.group(1))


# --- headers and languages ----------------------------------------------------------

@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("path", PAGES)
def test_pages_answer_in_their_language_with_security_headers(web: WebClient, lang: str, path: str) -> None:
    r = web.get(f"/{lang}{path}")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    assert f'<html lang="{lang}">' in _text(r)
    csp = r.headers["Content-Security-Policy"]
    for directive in ("default-src 'self'", "script-src 'none'", "style-src 'self'", "frame-ancestors 'none'",
                      "form-action 'self'", "base-uri 'none'"):
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Strict-Transport-Security"].startswith("max-age=")
    assert r.headers["Referrer-Policy"] == "no-referrer"
    assert r.headers["Cache-Control"] == "no-store"
    assert "<script" not in _text(r)  # no script at all, inline or not


def test_language_toggle_points_to_the_same_page_in_the_other_language(web: WebClient) -> None:
    first = first_page_url(web, "iraq-mlt", "en")
    page = _text(web.get(first))
    assert f'<a href="{first.replace("/en/", "/fr/")}" lang="fr" hreflang="fr">Français</a>' in page
    page = _text(web.get("/en/missions?kind=operation"))
    assert '<a href="/fr/missions?kind=operation" lang="fr" hreflang="fr">Français</a>' in page
    page = _text(web.get("/fr/missions/iraq-mlt"))
    assert '<a href="/en/missions/iraq-mlt" lang="en" hreflang="en">English</a>' in page


def test_stylesheet_is_served_with_nosniff(web: WebClient) -> None:
    r = web.get("/static/site.css")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/css")
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert b".gc-error-summary" in r.body


def test_unknown_mission_is_an_html_404_in_french(web: WebClient) -> None:
    r = web.get("/fr/missions/nulle-part")
    assert r.status_code == 404
    assert r.headers["Content-Type"].startswith("text/html")
    assert "Mission introuvable." in _text(r)


def test_mission_page_lists_what_it_asks_for(web: WebClient) -> None:
    page = _text(web.get("/fr/missions/haiti-minustah"))
    assert "Français avancé" in page and "Armée" in page and "Déploiements autorisés\u00a0: 90; en cours\u00a0: 40" in page
    assert "4x4" in page and "entrevue" in page and "12 mois" in page
    assert re.search(r'href="/fr/calls/[a-z0-9-]+"', page)  # the open call's start page


def test_apply_form_is_drawn_from_the_schema(web: WebClient) -> None:
    page = _text(web.get(first_page_url(web, "haiti-minustah", "fr")))
    # Labels and help from the schema, in French.
    assert '<label class="gc-label" for="given_name">Prénom</label>' in page
    assert 'id="given_name-help">Tel qu&#39;il figure sur votre passeport.' in page
    assert 'aria-describedby="given_name-help"' in page and 'autocomplete="given-name"' in page
    # No answer is chosen for them (issue 15): reading in French is not a preferred language.
    assert " checked" not in page and " selected" not in page
    # The missions page: the call's mission chosen (the call's, not an answer), only missions taking applications.
    draft_id = start_draft(web, application(), "fr")
    for p in ("service", "languages", "experience", "qualifications"):
        web.post(f"/fr/drafts/{draft_id}/pages/{p}", page_fields(p, application()))
    missions = _text(web.get(f"/fr/drafts/{draft_id}/pages/missions"))
    assert re.search(r'<option value="haiti-minustah" selected>', missions)
    assert 'value="italy-spc-brindisi"' not in missions
    assert '<legend class="gc-label">Missions pour lesquelles vous postulez</legend>' in missions


# --- CSRF -------------------------------------------------------------------------------

def test_post_without_csrf_token_is_refused_in_the_page_language(web: WebClient) -> None:
    first = first_page_url(web, "haiti-minustah", "fr")
    web.get(first)  # has the cookie, but the post carries no token
    r = web.post(first, page_fields("about-you", application()), csrf=False)
    assert r.status_code == 403
    assert "Ce formulaire a expiré" in _text(r) and '<html lang="fr">' in _text(r)
    assert r.headers["Content-Security-Policy"]
    assert sent_messages() == []


def test_post_with_a_token_for_another_cookie_is_refused(client: Any) -> None:
    alice, mallory = WebClient(client), WebClient(client)
    first = first_page_url(alice, "haiti-minustah", "en")
    stolen = alice.csrf_token(first)
    mallory.get(first)
    r = mallory.post(first, page_fields("about-you", application()) + [("csrf_token", stolen)], csrf=False)
    assert r.status_code == 403


@pytest.mark.parametrize("token", ["é", "\u00ff" * 43, "a\u2028b", ""])
def test_a_token_that_is_not_ascii_is_refused_not_a_crash(web: WebClient, token: str) -> None:
    # Given a visitor with a valid CSRF cookie, when the form carries a token that is not ASCII (or is empty),
    web.get("/en/access")
    r = web.post("/en/access", [("email", "a@example.ca"), ("csrf_token", token)], csrf=False)
    # then it is the same 403 page as any wrong token, never a 500.
    assert r.status_code == 403, r.status_code
    assert "This form has expired" in _text(r)
    assert sent_messages() == []


def test_post_without_the_cookie_is_refused(client: Any) -> None:
    token = WebClient(client).csrf_token("/en/access")
    r = client.http.post("/en/access", headers=FORM, body=f"email=a%40example.ca&csrf_token={token}")
    assert r.status_code == 403


def test_csrf_cookie_is_httponly_and_strict(web: WebClient) -> None:
    cookie = next(c for c in set_cookies(web.get(first_page_url(web, "haiti-minustah", "en")))
                  if c.startswith("__Host-po_csrf="))
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    assert "Secure" in cookie  # the test stage's base URL is https


def test_forms_reject_other_content_types(web: WebClient) -> None:
    r = web.client.http.post(first_page_url(web, "haiti-minustah", "en"), headers={"Content-Type": "application/json"},
                             body="{}")
    assert r.status_code == 415


# --- the error pattern -----------------------------------------------------------------

def test_invalid_application_comes_back_with_summary_messages_and_values_in_french(web: WebClient) -> None:
    first = first_page_url(web, "haiti-minustah", "fr")
    pairs = [(n, v) for n, v in page_fields("about-you", application(email="pas-une-adresse", given_name="Hélène",
                                                                     family_name=None))]
    r = web.post(first, pairs + [("draft_key", hidden(_text(web.get(first)), "draft_key"))])
    assert r.status_code == 422
    page = _text(r)
    assert re.search(r"<title>Erreur\u00a0: ", page)
    assert 'role="alert"' in page and 'tabindex="-1" autofocus' in page
    summary = page[page.index("gc-error-summary"):page.index("</ul>", page.index("gc-error-summary"))]
    for anchor in ("#family_name", "#email"):
        assert f'href="{anchor}"' in summary
    # Summary order follows the page.
    assert summary.index("#family_name") < summary.index("#email")
    assert "Entrez votre nom de famille" in page and "ce champ est obligatoire" not in page
    assert 'id="email-error"' in page and 'aria-describedby="email-error email-help"' in page
    # What the person typed is kept.
    assert 'value="Hélène"' in page and 'value="pas-une-adresse"' in page
    # The other pages check their own: a number, a date, the consent.
    r = _page_post(WebClient(web.client), "fr", "service", page_fields("service", application(
        years_operational_service="douze")))
    assert r.status_code == 422 and "Entrez un nombre entier, comme 12" in _text(r) and 'value="douze"' in _text(r)
    r = _page_post(WebClient(web.client), "fr", "qualifications", page_fields("qualifications", application(
        first_aid_cpr_expiry="2026-02-30")))
    assert r.status_code == 422 and "La date d&#39;expiration doit être une date réelle" in _text(r)
    assert 'href="#first_aid_cpr_expiry-day"' in _text(r)
    assert sent_messages() == [] or all("/drafts/" in m.body for m in sent_messages())  # only the drafts' links


def test_police_officer_conditional_fields_point_to_their_fields(web: WebClient) -> None:
    page = _text(_page_post(web, "en", "service", page_fields("service", application(police_service=None, rank=None))))
    assert 'href="#police_service"' in page and 'href="#rank"' in page
    assert page.count("Select your police service") == 2 and page.count("Select your rank") == 2
    assert "this field is required" not in page


def test_typed_markup_is_escaped_everywhere(web: WebClient) -> None:
    evil = '<script>alert("x")</script>'
    first = first_page_url(web, "haiti-minustah", "en")
    page = _text(web.post(first, page_fields("about-you", application(given_name=evil, email="bad"))))  # an error
    assert evil not in page and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page

    r = _submit(web, "en", given_name=evil, leadership_details=evil, preferred_language="en")
    assert r.status_code == 303
    application_id = r.headers["Location"].split("/")[3]
    answers = _text(web.get(f"/en/status/{application_id}/answers"))
    assert evil not in answers and "&lt;script&gt;" in answers
    fr_doc = dict(VALID_FAMILY_READINESS, support_details=evil, emergency_contact_name=evil)
    assert web.post(f"/en/status/{application_id}/family-readiness", form_fields(fr_doc)).status_code == 303
    page = _text(web.get(f"/en/status/{application_id}/family-readiness"))  # the form comes back filled
    assert evil not in page and "&lt;script&gt;" in page
    for m in sent_messages():
        assert "<script" not in m.body and "<script" not in m.subject


# --- submission, token link, the file's pages -----------------------------------------

def test_submission_redirects_to_confirmation_with_the_file_cookie(web: WebClient) -> None:
    r = _submit(web, "en")
    assert r.status_code == 303
    location = r.headers["Location"]
    assert re.fullmatch(r"/en/status/po-[a-z0-9]+/confirmation", location)
    application_id = location.split("/")[3]
    # Over https: one __Host- cookie per file, at Path=/ (the prefix requires it), named for the file.
    cookies = [c for c in set_cookies(r) if c.startswith("__Host-po_file_")]
    assert [c.split("=", 1)[0] for c in cookies] == [f"__Host-po_file_{application_id}"]
    assert [re.search(r"Path=([^;]+)", c).group(1) for c in cookies] == ["/"]
    assert all("Secure" in c and "Domain" not in c for c in cookies)
    assert all("HttpOnly" in c and "SameSite=Strict" in c for c in cookies)
    page = _text(web.follow(r))
    assert "Application submitted" in page and '<span class="gc-reference-group">PO</span>' in page
    assert "We sent an email in French to helene.cote@example.ca" in page  # French for letters, and where


def test_double_post_of_the_first_page_makes_one_draft(web: WebClient) -> None:
    first = first_page_url(web, "haiti-minustah", "en")
    pairs = page_fields("about-you", application()) + [("draft_key", hidden(_text(web.get(first)), "draft_key"))]
    one, two = web.post(first, pairs), web.post(first, pairs)
    assert one.status_code == two.status_code == 200  # "check your email": the draft opens from its link only
    assert len([m for m in sent_messages() if m.destinations["ToAddresses"] == ["helene.cote@example.ca"]]) == 1
    from chalicelib.adapters.models import DraftModel

    assert len([d for d in DraftModel.scan() if d.key.startswith("draft#")]) == 1


def test_emailed_link_moves_the_token_into_a_cookie_and_off_the_address(client: Any) -> None:
    _submit(WebClient(client), "en")  # preferred_language fr: the email links to /fr/
    link = _link_from_last_mail("helene.cote@example.ca")
    assert link.startswith("/fr/status/po-")
    browser = WebClient(client)
    r = browser.get(link)
    assert r.status_code == 200
    page = _text(r)
    status_path = link.split("?")[0]
    assert f'<meta http-equiv="refresh" content="0; url={status_path}">' in page
    assert "token=" not in page.replace(link.split("?")[1], "")  # never echoed back
    assert any(c.startswith(f"__Host-po_file_{status_path.split('/')[3]}=") for c in set_cookies(r))
    status = browser.get(status_path)
    assert status.status_code == 200
    text = _text(status)
    assert "Demande reçue" in text and "Prochaines étapes" in text
    assert "Courriels que nous vous avons envoyés" in text and "Envoyé" in text
    assert status.headers["Cache-Control"] == "no-store"


def test_status_without_a_valid_token_asks_for_a_new_link(client: Any) -> None:
    web = WebClient(client)
    location = _submit(web, "en").headers["Location"]
    status_path = location.rsplit("/", 1)[0]
    stranger = WebClient(client)
    r = stranger.get(status_path)
    assert r.status_code == 403 and 'href="/en/access"' in _text(r)
    r = stranger.get(status_path + "?token=" + "A" * 43)
    assert r.status_code == 403 and not [c for c in set_cookies(r) if "po_file" in c]
    # Another file's token does not open this one.
    other = WebClient(client)
    other_location = _submit(other, "en", email="autre@example.ca").headers["Location"]
    other.jar = {(p, n.replace(other_location.split("/")[3], status_path.split("/")[3])): v
                 for (p, n), v in other.jar.items()}
    assert other.get(status_path).status_code == 403


def test_family_readiness_errors_then_saved(web: WebClient) -> None:
    base = _submit(web, "fr").headers["Location"].rsplit("/", 1)[0]
    bad = dict(VALID_FAMILY_READINESS, dependants="7, onze", emergency_contact_phone="abc")
    r = web.post(f"{base}/family-readiness".replace("/en/", "/fr/"), form_fields(bad))
    assert r.status_code == 422
    page = _text(r)
    assert "Entrez des nombres entiers séparés par des virgules, comme 7, 11" in page
    assert 'href="#dependants"' in page and 'href="#emergency_contact_phone"' in page
    assert page.count("Entrez un numéro de téléphone, comme 613-555-0199") == 2  # the summary and the field
    assert "Personne à joindre\u00a0: téléphone\u00a0: entrez" not in page  # the label is not repeated
    assert 'value="7, onze"' in page
    r = web.post(f"{base}/family-readiness".replace("/en/", "/fr/"), form_fields(VALID_FAMILY_READINESS))
    assert r.status_code == 303 and r.headers["Location"].endswith("?done=family-readiness")
    page = _text(web.follow(r))
    assert "Votre formulaire de préparation de la famille est enregistré." in page
    assert "Préparation de la famille – au dossier" in page


WITHDRAWAL_WORDS = {
    "en": {"reason": "Family reasons", "sure": "Are you sure you want to withdraw your application?",
           "undone": "This cannot be undone", "yes": "Yes, withdraw my application", "no": "No, go back to my file",
           "done": "Your application is withdrawn.", "closed": "This file is closed"},
    "fr": {"reason": "Raisons familiales", "sure": "Voulez-vous vraiment retirer votre demande?",
           "undone": "Cette action est irréversible", "yes": "Oui, retirer ma demande",
           "no": "Non, retourner à mon dossier", "done": "Votre demande est retirée.", "closed": "dossier est fermé"},
}


def _mail_to(address: str) -> list[Any]:
    """The file's emails to the address (not the draft's link, sent before the file existed)."""
    return [m for m in sent_messages() if m.destinations["ToAddresses"] == [address] and "/drafts/" not in m.body]


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_withdrawal_needs_a_reason_then_a_confirmation_of_its_own_then_closes_the_file(web: WebClient,
                                                                                        lang: str) -> None:
    words = WITHDRAWAL_WORDS[lang]
    base = _submit(web, lang).headers["Location"].rsplit("/", 1)[0]
    page = _text(web.get(f"{base}/withdraw"))
    assert 'name="expected_stage" value="submitted"' in page and words["reason"] in page
    assert 'value="ended_mission_early"' not in page  # only a deployed member ends a mission early
    assert "gc-button-danger" not in page  # this page's button only moves on to the question
    from chalicelib.web.form_pages import NOTE_MAX  # the API's note length (one value, openapi.json)

    r = web.post(f"{base}/withdraw", [("note", "x" * (NOTE_MAX + 1)), ("expected_stage", "submitted")])
    assert r.status_code == 422
    assert 'href="#reason_code-1"' in _text(r) and 'href="#note"' in _text(r)

    # Given the form's answers, when they are posted, then a page of its own asks first and nothing changes
    r = web.post(f"{base}/withdraw", [("reason_code", "family_reasons"), ("note", "Mon fils <b>naît</b>\r\nen mai."),
                                      ("expected_stage", "submitted")])
    assert r.status_code == 200
    page = _text(r)
    assert f"<h1>{words['sure']}</h1>" in page and words["undone"] in page and words["reason"] in page
    assert "Mon fils &lt;b&gt;naît&lt;/b&gt;" in page and "<b>" not in page
    assert f'<button type="submit" class="gc-button gc-button-danger">{words["yes"]}</button>' in page
    assert f'href="{base}">{words["no"]}</a>' in page
    assert 'name="csrf_token"' in page
    carried = hidden_fields(page)
    assert ("confirm", "yes") in carried and ("reason_code", "family_reasons") in carried
    assert ("note", "Mon fils <b>naît</b>\nen mai.") in carried and ("expected_stage", "submitted") in carried
    status = _text(web.get(base))
    assert words["done"] not in status and 'class="gc-button gc-button-danger"' in status  # still open
    assert len(_mail_to("helene.cote@example.ca")) == 1  # the receipt only

    # When the confirmation page's button is pressed, then the file is withdrawn, once
    r = web.post(f"{base}/withdraw", carried)
    assert r.status_code == 303 and r.headers["Location"].endswith("?done=withdrawn")
    page = _text(web.follow(r))
    assert words["done"] in page
    assert words["yes"] not in page and 'class="gc-button gc-button-danger"' not in page
    mail = _mail_to("helene.cote@example.ca")
    assert len(mail) == 2 and "<b>" not in mail[-1].body
    again = web.post(f"{base}/withdraw", carried, csrf=False)  # the same page posted twice (Back, resend)
    assert again.status_code in (403, 409) and len(_mail_to("helene.cote@example.ca")) == 2
    # A closed file's forms say so plainly.
    closed = web.get(f"{base}/withdraw")
    assert closed.status_code == 409 and words["closed"] in _text(closed)
    token = web.csrf_token(base)  # the closed form's page has none: the status page's sign-out form, same file
    assert web.post(f"{base}/withdraw", carried + [("csrf_token", token)], csrf=False).status_code == 409
    assert len(_mail_to("helene.cote@example.ca")) == 2
    closed = web.post(f"{base}/family-readiness", form_fields(VALID_FAMILY_READINESS) + [("csrf_token", token)],
                      csrf=False)
    assert closed.status_code == 409 and words["closed"] in _text(closed)


def test_the_confirmation_refuses_a_reason_it_did_not_offer(web: WebClient) -> None:
    base = _submit(web, "en").headers["Location"].rsplit("/", 1)[0]
    r = web.post(f"{base}/withdraw", [("reason_code", "made_up"), ("expected_stage", "submitted"), ("confirm", "yes")])
    assert r.status_code == 422 and 'href="#reason_code-1"' in _text(r)
    status = _text(web.get(base))
    assert "Your application is withdrawn." not in status and 'class="gc-button gc-button-danger"' in status


def test_withdrawal_of_a_file_that_moved_meanwhile_is_refused(web: WebClient) -> None:
    base = _submit(web, "en").headers["Location"].rsplit("/", 1)[0]
    r = web.post(f"{base}/withdraw", [("reason_code", "other"), ("expected_stage", "irss_review"), ("confirm", "yes")])
    assert r.status_code == 409 and "reload" in _text(r)


def test_access_form_validates_then_always_gives_the_same_answer(web: WebClient) -> None:
    r = web.post("/fr/access", [("email", "pas une adresse")])
    assert r.status_code == 422 and "Erreur\u00a0: " in _text(r) and 'href="#email"' in _text(r)
    unknown = web.post("/fr/access", [("email", "personne@example.ca")])
    _submit(web, "en")
    known = web.post("/fr/access", [("email", "helene.cote@example.ca")])
    assert unknown.status_code == known.status_code == 200
    # The same page but for the address typed (it names the address asked for, never whether it has files)
    assert _text(unknown).replace("personne@example.ca", "@") == _text(known).replace("helene.cote@example.ca", "@")
    subjects = [m.subject for m in sent_messages() if m.destinations["ToAddresses"] == ["helene.cote@example.ca"]]
    assert any(s.startswith("Votre lien vers votre dossier") for s in subjects)


def test_api_answers_are_untouched_by_the_web_headers(client: Any) -> None:
    r = client.http.get("/missions")
    assert r.status_code == 200 and "Content-Security-Policy" not in r.headers
    assert json.loads(r.body)["missions"]


def test_the_status_page_shows_the_files_own_path(web: WebClient) -> None:
    """Issue 11: where the file is in its own pathway, in the page's language."""
    base = _submit(web, "en").headers["Location"].rsplit("/", 1)[0]
    page = _text(web.get(base))
    assert "Your path" in page and 'aria-current="step"' in page
    assert page.index("Application received") < page.index("RCMP screening") < page.index("Health assessment")
    fr = _text(web.get(base.replace("/en/", "/fr/")))
    assert "Votre parcours" in fr and "à venir" in fr


# --- issue 15: dates as three boxes -------------------------------------------------------------------

@pytest.mark.parametrize("lang, labels, example", [("en", ("Day", "Month", "Year"), "For example, 27 3 2027."),
                                                   ("fr", ("Jour", "Mois", "Année"), "Par exemple, 27 3 2027.")])
def test_a_date_is_three_labelled_numeric_boxes_in_a_group(web: WebClient, lang: str, labels: tuple[str, ...],
                                                           example: str) -> None:
    draft_id = start_draft(web, application(), lang)
    for p in ("service", "languages", "experience"):
        web.post(f"/{lang}/drafts/{draft_id}/pages/{p}", page_fields(p, application()))
    page = _text(web.get(f"/{lang}/drafts/{draft_id}/pages/qualifications"))
    web.post(f"/{lang}/drafts/{draft_id}/pages/qualifications", page_fields("qualifications", application()))
    page += _text(web.get(f"/{lang}/drafts/{draft_id}/pages/missions"))
    for name in ("first_aid_cpr_expiry", "firearms_expiry", "baton_expiry", "oc_spray_expiry", "available_from"):
        assert f'name="{name}"' not in page  # no more one YYYY-MM-DD box
        group = page[page.index(f'id="{name}-help"') - 300:page.index(f'id="{name}-year"') + 200]
        assert '<fieldset role="group" aria-describedby="' + name + '-help">' in group
        assert example in group and "AAAA" not in group and "YYYY" not in group
        for part, label in zip(("day", "month", "year"), labels, strict=True):
            assert f'<label class="gc-label-small" for="{name}-{part}">{label}</label>' in group
            assert re.search(rf'<input class="gc-date-input-{part}" type="text" inputmode="numeric" '
                             rf'id="{name}-{part}" name="{name}-{part}" value=""', group)


def test_a_wrong_date_names_its_box_keeps_what_was_typed_and_a_right_one_is_stored(web: WebClient) -> None:
    # Given the boxes of a date typed as people write it, one of them wrong
    pairs = [(n, v) for n, v in page_fields("qualifications", application()) if not n.startswith("first_aid_cpr_expiry-")]
    pairs += [("first_aid_cpr_expiry-day", "31"), ("first_aid_cpr_expiry-month", "2"), ("first_aid_cpr_expiry-year", "2030")]
    r = _page_post(web, "en", "qualifications", pairs)
    # Then the summary and the field say so in the field's own words, linking to the day
    assert r.status_code == 422
    page = _text(r)
    assert '<a href="#first_aid_cpr_expiry-day">The expiry date must be a real date</a>' in page
    assert page.count("The expiry date must be a real date") == 2
    assert re.search(r'id="first_aid_cpr_expiry-day" name="first_aid_cpr_expiry-day" value="31"[^>]*aria-invalid="true"', page)
    assert re.search(r'id="first_aid_cpr_expiry-month" name="first_aid_cpr_expiry-month" value="2" spellcheck="false" '
                     r'aria-required="true">', page)  # the month is not the one in error
    assert 'aria-describedby="first_aid_cpr_expiry-error first_aid_cpr_expiry-help"' in page
    # When it is corrected (27 3 2030), then the draft, and the file sent from it, hold the schema's YYYY-MM-DD
    draft_id = re.search(r'action="/en/drafts/([a-z0-9-]+)/pages/qualifications"', page).group(1)
    pairs = [(n, "27" if n == "first_aid_cpr_expiry-day" else "3" if n == "first_aid_cpr_expiry-month" else v)
             for n, v in pairs]
    r = web.post(f"/en/drafts/{draft_id}/pages/qualifications", pairs)
    assert r.status_code == 303, _text(r)
    for p in ("missions", "consent"):
        web.post(f"/en/drafts/{draft_id}/pages/{p}", page_fields(p, application()))
    sent = web.post(f"/en/drafts/{draft_id}/check", [])
    from chalicelib.adapters.models import ApplicationModel

    stored = ApplicationModel.get(sent.headers["Location"].split("/")[3])
    assert stored.form["first_aid_cpr_expiry"] == "2030-03-27"  # type: ignore[index]


def test_a_missing_year_is_named_in_french(web: WebClient) -> None:
    pairs = [(n, "" if n == "available_from-year" else v) for n, v in page_fields("missions", application())]
    r = _page_post(web, "fr", "missions", pairs)
    page = _text(r)
    assert r.status_code == 422
    assert '<a href="#available_from-year">La date de disponibilité doit comprendre l&#39;année</a>' in page
