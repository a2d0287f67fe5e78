"""The application as a task list (issue 15), through Chalice's test client on moto: the start page of a call,
short pages saved as a draft, resume by the emailed link, branching, check your answers, sent once."""
from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape
from typing import Any

import pytest

from chalicelib.adapters.models import ApplicationModel, DraftModel

from .conftest import application, sent_messages
from .web_client import (WebClient, apply, fill_draft, first_page_url, hidden, page_fields, send_draft, set_cookies,
                         start_draft)


@pytest.fixture
def web(client: Any) -> WebClient:
    return WebClient(client)


def _text(r: Any) -> str:
    return r.body.decode("utf-8")


def _files() -> list[Any]:
    return list(ApplicationModel.scan())


def _mails_to(address: str) -> list[Any]:
    return [m for m in sent_messages() if m.destinations["ToAddresses"] == [address]]


def _draft_link(address: str) -> str:
    mail = [m for m in _mails_to(address) if "/drafts/" in m.body][-1]
    found = re.search(r'https://peaceops\.test(/(?:en|fr)/drafts/[a-z0-9-]+\?token=[A-Za-z0-9_-]+)', unescape(mail.body))
    assert found, mail.body
    return found.group(1)


def _call_url(web: WebClient, mission: str = "haiti-minustah", lang: str = "en") -> str:
    r = web.get(f"/{lang}/apply?mission={mission}")
    assert r.status_code == 303
    return str(r.headers["Location"])


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_call_has_a_start_page_with_what_to_have_at_hand_the_privacy_notice_and_the_contact(web: WebClient,
                                                                                           lang: str) -> None:
    page = _text(web.get(_call_url(web, lang=lang)))
    assert ("Before you start" if lang == "en" else "Avant de commencer") in page
    assert f'href="/{lang}/privacy"' in page and "peacekeeping@rcmp-grc.gc.ca" in page
    assert re.search(rf'href="/{lang}/calls/[a-z0-9-]+/apply"[^>]*>{"Start now" if lang == "en" else "Commencer"}<', page)
    assert ("about 20 minutes" if lang == "en" else "environ 20\u00a0minutes") in page


def test_the_first_page_preselects_no_answer(web: WebClient) -> None:
    page = _text(web.get(_call_url(web) + "/apply"))
    assert 'name="given_name"' in page and 'name="track"' in page
    assert "checked" not in page
    assert 'name="rank"' not in page  # one topic per page


def test_an_officer_applies_through_the_task_list_and_gets_one_file(web: WebClient) -> None:
    r = apply(web, application())
    assert r.status_code == 303 and "/confirmation" in r.headers["Location"]
    page = _text(web.follow(r))
    assert "helene.cote@example.ca" in page and "/email\">Wrong address?" in page
    assert len(_files()) == 1
    # One link to the draft, then one confirmation and one notice to the coordinator.
    assert len([m for m in _mails_to("helene.cote@example.ca") if "/drafts/" in m.body]) == 1
    assert len([m for m in _mails_to("helene.cote@example.ca") if "PO-" in m.subject]) == 1


def test_back_reload_or_a_second_click_after_sending_makes_no_second_file(web: WebClient) -> None:
    draft_id = start_draft(web, application())
    fill_draft(web, draft_id, application())
    token = web.csrf_token(f"/en/drafts/{draft_id}/check")  # the page as drawn before sending (Back shows it)
    first = send_draft(web, draft_id)
    again = web.post(f"/en/drafts/{draft_id}/check", [("csrf_token", token)], csrf=False)
    assert again.status_code == 303 and again.headers["Location"].endswith("/confirmation?already=yes")
    assert again.headers["Location"].split("?")[0] == first.headers["Location"]
    assert "You have already sent this application" in _text(web.follow(again))
    # Every page of the draft now leads to that file, never to a form.
    for path in ("", "/check", "/pages/about-you"):
        r = web.get(f"/en/drafts/{draft_id}{path}")
        assert r.status_code == 303 and "/confirmation?already=yes" in r.headers["Location"], path
    assert len(_files()) == 1
    assert len([m for m in _mails_to("helene.cote@example.ca") if "PO-" in m.subject]) == 1


def test_a_civilian_analyst_is_never_asked_the_police_questions(web: WebClient) -> None:
    doc = application(track="civilian_analyst", police_service=None, rank=None, years_operational_service=None,
                      firearms_expiry=None, baton_expiry=None, oc_spray_expiry=None, missions=["west-bank-proteus"])
    draft_id = start_draft(web, doc)  # the West Bank's call takes civilian analysts
    tasks = _text(web.get(f"/en/drafts/{draft_id}"))
    assert "Your police service and rank" not in tasks
    assert web.get(f"/en/drafts/{draft_id}/pages/service").status_code == 303  # not on this person's route
    fill_draft(web, draft_id, doc)
    quals = _text(web.get(f"/en/drafts/{draft_id}/pages/qualifications"))
    assert 'name="first_aid_cpr_expiry' in quals and "firearms" not in quals and "baton" not in quals
    r = send_draft(web, draft_id)
    assert r.status_code == 303 and "/confirmation" in r.headers["Location"]
    (stored,) = _files()
    assert stored.track == "civilian_analyst" and "rank" not in stored.form


def test_the_emailed_link_resumes_at_the_first_unfinished_page_in_another_browser_and_language(client: Any) -> None:
    first = WebClient(client)
    draft_id = start_draft(first, application())
    first.post(f"/en/drafts/{draft_id}/pages/service", page_fields("service", application()))
    other = WebClient(client)  # another device
    link = _draft_link("helene.cote@example.ca")
    assert other.get(f"/en/drafts/{draft_id}").status_code == 403  # no cookie yet
    opened = other.get(link)
    assert opened.status_code == 200 and not any("token" in c for c in set_cookies(opened) if "Path=/en" in c and "?" in c)
    assert f'url=/en/drafts/{draft_id}/pages/languages' in _text(opened)
    # Switching language keeps the answers.
    fr = _text(other.get(f"/fr/drafts/{draft_id}/pages/about-you"))
    assert '<html lang="fr">' in fr and 'value="Hélène"' in fr
    assert "Votre service de police et votre grade" in _text(other.get(f"/fr/drafts/{draft_id}"))


def test_a_new_address_on_the_first_page_sends_a_fresh_link_there_and_the_old_one_stops(client: Any) -> None:
    web = WebClient(client)
    draft_id = start_draft(web, application())
    old = _draft_link("helene.cote@example.ca")
    r = web.post(f"/en/drafts/{draft_id}/pages/about-you", page_fields("about-you", application(email="h@example.org")))
    assert r.status_code == 200
    new = _draft_link("h@example.org")
    assert WebClient(client).get(old).status_code == 403
    assert WebClient(client).get(new).status_code == 200


def test_a_new_address_is_a_new_proof_the_browser_that_typed_it_continues_from_its_link(client: Any) -> None:
    # Given the owner of a draft, who changes its address on the first page
    web = WebClient(client)
    draft_id = start_draft(web, application())
    r = web.post(f"/en/drafts/{draft_id}/pages/about-you", page_fields("about-you", application(email="h@example.org")))
    # Then the page says where the new link went, this browser forgets the draft, and only that link opens it
    assert r.status_code == 200 and "Check your email" in _text(r) and "We sent a link to h@example.org." in _text(r)
    assert any("po_draft" in c and "Max-Age=0" in c for c in set_cookies(r))
    assert web.get(f"/en/drafts/{draft_id}").status_code == 403
    assert web.get(_draft_link("h@example.org")).status_code == 200
    assert web.get(f"/en/drafts/{draft_id}").status_code == 200


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_first_page_answers_check_your_email_in_its_language_and_sets_no_draft_cookie(web: WebClient,
                                                                                         lang: str) -> None:
    first = first_page_url(web, "haiti-minustah", lang)
    r = web.post(first, page_fields("about-you", application()) + [("draft_key", hidden(_text(web.get(first)),
                                                                                        "draft_key"))])
    page = _text(r)
    assert r.status_code == 200 and f'<html lang="{lang}">' in page
    assert ("Check your email" if lang == "en" else "Vérifiez vos courriels") in page
    assert ("We sent a link to helene.cote@example.ca." if lang == "en" else
            "Nous avons envoyé un lien à helene.cote@example.ca.") in page
    assert f'href="{first}"' in page  # wrong address: start again, with a fresh form
    assert not any("po_draft" in c for c in set_cookies(r))


def test_a_draft_page_is_refused_without_its_cookie_and_with_another_drafts(client: Any) -> None:
    alice, mallory = WebClient(client), WebClient(client)
    alices = start_draft(alice, application())
    start_draft(mallory, application(email="m@example.org"))
    for path in ("", "/check", "/pages/languages"):
        assert mallory.get(f"/en/drafts/{alices}{path}").status_code == 403
    stolen = alice.csrf_token(f"/en/drafts/{alices}/pages/service")
    r = mallory.post(f"/en/drafts/{alices}/pages/service", page_fields("service", application()) +
                     [("csrf_token", stolen)], csrf=False)
    assert r.status_code == 403


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_page_is_checked_on_its_own_in_its_language(web: WebClient, lang: str) -> None:
    draft_id = start_draft(web, application(), lang)
    r = web.post(f"/{lang}/drafts/{draft_id}/pages/service", [("police_service", "spvm")])
    assert r.status_code == 422
    page = _text(r)
    assert 'class="gc-error-summary"' in page and 'href="#rank' in page and 'href="#years_operational_service' in page
    assert 'href="#english_proficiency' not in page  # another page's question is not this page's error
    assert (DraftModel.get(f"draft#{draft_id}").data["done"]) == ["about-you"]


def test_a_call_that_takes_no_civilian_analysts_says_so_on_the_first_page(web: WebClient) -> None:
    first = first_page_url(web, "haiti-minustah", "fr")
    doc = application(track="civilian_analyst")
    r = web.post(first, page_fields("about-you", doc) + [("draft_key", hidden(_text(web.get(first)), "draft_key"))])
    assert r.status_code == 422
    assert 'href="#track-1"' in _text(r) and "Cet appel n&#39;accepte pas d&#39;analystes civils." in _text(r)
    assert list(DraftModel.scan()) == []


def test_check_your_answers_shows_the_pre_screen_so_a_wrong_date_can_be_fixed(web: WebClient) -> None:
    soon = (date.today() + timedelta(days=5)).isoformat()
    doc = application(firearms_expiry=soon, years_operational_service=3)
    draft_id = start_draft(web, doc)
    fill_draft(web, draft_id, doc)
    page = _text(web.get(f"/en/drafts/{draft_id}/check"))
    assert "What the selection team will look at" in page and "Firearms" in page
    assert f'href="/en/drafts/{draft_id}/pages/qualifications?from=check"' in page
    # Fix the date from the change link: back to check your answers, the flag gone.
    r = web.post(f"/en/drafts/{draft_id}/pages/qualifications?from=check", page_fields("qualifications", application()))
    assert r.headers["Location"] == f"/en/drafts/{draft_id}/check"
    assert _files() == []  # nothing is sent until "Send application"


def test_a_copy_of_the_answers_to_read_print_or_download(web: WebClient, client: Any) -> None:
    r = apply(web, application())
    file_url = r.headers["Location"].removesuffix("/confirmation")
    page = _text(web.get(file_url + "/answers"))
    assert "Côté-Tremblay" in page and "Print" in page
    download = web.get(file_url + "/answers?download=yes")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith('attachment; filename="PO-')
    assert "Côté-Tremblay" in _text(download)
    assert WebClient(client).get(file_url + "/answers").status_code == 403


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_check_your_email_names_the_address_and_the_ten_minute_window(web: WebClient, lang: str) -> None:
    r = web.post(f"/{lang}/access", [("email", "typo@exmaple.ca")])
    page = _text(r)
    assert r.status_code == 200 and "typo@exmaple.ca" in page
    assert ("10 minutes" if lang == "en" else "10\u00a0minutes") in page and f'href="/{lang}/access"' in page
