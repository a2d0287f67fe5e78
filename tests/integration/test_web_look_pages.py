"""The footer's pages (the privacy notice statement, contact, terms and conditions) and what the mission pages
show applicants: facts only, closed missions that look closed, deployments as the program words them, a filter
by kind and language that works without script; times in Ottawa's zone and the reference in its groups."""
from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest

from chalicelib.api.wiring import deps
from chalicelib.domain.datafiles import MISSIONS, read
from chalicelib.domain.i18n import pick
from chalicelib.services import bulletins, catalogue
from chalicelib.web import present

from .conftest import application
from .web_client import WebClient, apply, page_fields, start_draft


@pytest.fixture
def web(client: Any) -> WebClient:
    return WebClient(client)


def _text(r: Any) -> str:
    return r.body.decode("utf-8")


def _main(page: str) -> str:
    return page[page.index("<main"):page.index("</main>")]


def _words(html: str) -> str:
    """The text a person reads: tags dropped, entities decoded, spaces collapsed."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


# --- the privacy notice statement, contact, terms ---------------------------------------------------

PRIVACY_HEADINGS = {
    "en": ["Authority", "Purpose", "Uses and disclosures", "Retention", "Personal Information Bank",
           "Your right of access and correction", "Your right to complain"],
    "fr": ["Autorisation", "Fins", "Utilisation et communication", "Conservation", "Fichier de renseignements personnels",
           "Votre droit d'accès et de correction", "Votre droit de porter plainte"],
}


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_privacy_notice_states_each_part_the_privacy_act_asks_for(web: WebClient, lang: str) -> None:
    # Given the privacy notice statement
    # When it is opened in one language
    r = web.get(f"/{lang}/privacy")
    main = _main(_text(r))
    # Then it has a section for authority, purpose, uses and disclosures, retention, the bank, access and complaints
    assert r.status_code == 200
    assert [unescape(h) for h in re.findall(r"<h2 id=\"privacy-[a-z]+\">([^<]+)</h2>", main)] == PRIVACY_HEADINGS[lang]
    words = _words(main)
    # and names the law, the Commissioner (linked), and never asks for medical details
    assert ("Privacy Act" if lang == "en" else "Loi sur la protection des renseignements personnels") in words
    assert f'href="https://www.priv.gc.ca/{lang}/"' in main
    assert ("Privacy Commissioner of Canada" if lang == "en" else "Commissariat à la protection de la vie privée") in words
    assert ("never ask for medical details" if lang == "en" else "ne demandent jamais de détails médicaux") in words


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_consent_box_links_to_the_privacy_notice(web: WebClient, lang: str) -> None:
    # Given the application's consent page
    draft_id = start_draft(web, application(), lang)
    for p in ("service", "languages", "experience", "qualifications", "missions"):
        web.post(f"/{lang}/drafts/{draft_id}/pages/{p}", page_fields(p, application()))
    page = _text(web.get(f"/{lang}/drafts/{draft_id}/pages/consent"))
    # When its consent box's hint is read
    hint = re.search(r'<p class="gc-hint gc-hint-checkbox" id="privacy_consent-help">(.*?)</p>', page, re.S)
    # Then it links to the privacy notice statement, in the page's language, and the box is described by it
    assert hint and f'<a href="/{lang}/privacy">' in hint.group(1)
    assert re.search(r'<input type="checkbox" id="privacy_consent"[^>]*aria-describedby="privacy_consent-help"', page)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_contact_page_gives_the_programs_contact_and_each_open_calls_own(web: WebClient, lang: str) -> None:
    # Given the open calls for applications
    calls = bulletins.list_open(deps())
    # When the contact page is opened
    main = _main(_text(web.get(f"/{lang}/contact")))
    # Then it gives the program's email and telephone, as links
    assert f'href="mailto:{present.PROGRAM_CONTACT["email"]}"' in main
    assert f'href="tel:+1-{present.PROGRAM_CONTACT["phone"]}"' in main
    # and each open call with its contact's name and address
    assert calls
    for c in calls:
        assert f'href="mailto:{c["contact"]["email"]}"' in main and pick(c["contact"]["name"], lang) in unescape(main)
    # and where to get a new link to a file
    assert f'href="/{lang}/access"' in main


@pytest.mark.parametrize("lang, words", [("en", ["Official languages", "Accessibility", "Copyright"]),
                                         ("fr", ["Langues officielles", "Accessibilité", "Droit d'auteur"])])
def test_the_terms_and_conditions_cover_languages_accessibility_and_copyright_and_link_privacy(
        web: WebClient, lang: str, words: list[str]) -> None:
    # Given the terms and conditions
    main = _main(_text(web.get(f"/{lang}/terms")))
    # Then they cover the official languages, accessibility and copyright, and link the privacy notice
    assert all(w in unescape(main) for w in words)
    assert f'<a href="/{lang}/privacy">' in main and f'<a href="/{lang}/contact">' in main


# --- the mission pages: facts only, open or closed, deployments ---------------------------------------

_DATA_NOTES = ("older page", "newer page", "newest page", "The pages do not give", "pre-screen reports",
               "An administrator must", "ancienne page", "page plus récente", "page la plus récente",
               "Les pages n'indiquent", "la présélection signale", "Un administrateur doit")


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_mission_pages_show_applicants_facts_and_no_data_notes(web: WebClient, lang: str) -> None:
    # Given every mission and the notes its seats' caps carry for administrators
    missions = catalogue.list_missions(deps())
    cap_notes = [pick(c["note"], lang) for c in read(MISSIONS)["caps"] if c.get("note")]
    for m in missions:
        # When its page is opened
        main = unescape(_main(_text(web.get(f"/{lang}/missions/{m['mission_id']}"))))
        # Then no data note, and no cap note, is shown to applicants
        assert [n for n in _DATA_NOTES if n in main] == [], m["mission_id"]
        assert [n for n in cap_notes if n and n in main] == [], m["mission_id"]
    # and the missions page holds none either
    page = unescape(_text(web.get(f"/{lang}/missions")))
    assert [n for n in _DATA_NOTES if n in page] == []


@pytest.mark.parametrize("lang, words", [("en", "Authorized deployments: 90; currently deployed: 40"),
                                         ("fr", "Déploiements autorisés\u00a0: 90; en cours\u00a0: 40")])
def test_deployments_read_as_the_programs_pages_word_them(web: WebClient, lang: str, words: str) -> None:
    # Given Haiti (90 authorized, 40 deployed by the seed)
    # When its page is opened
    main = unescape(_main(_text(web.get(f"/{lang}/missions/haiti-minustah"))))
    # Then its deployments are given in those words, not as seats left
    assert words in main
    assert "open of" not in main and "libres sur" not in main


def test_closed_missions_look_closed_and_open_ones_say_so(web: WebClient) -> None:
    # Given the missions, some taking applications and some not
    missions = catalogue.list_missions(deps())
    closed = [m for m in missions if not m["taking_applications"]]
    open_ = [m for m in missions if m["taking_applications"]]
    assert closed and open_
    # When the missions page and a closed mission's page are opened
    page = _text(web.get("/en/missions"))
    cards = re.findall(r'<li class="gc-card( gc-card-closed)?">\s*<h3><a href="/en/missions/([^"]+)">', page)
    one = _main(_text(web.get(f"/en/missions/{closed[0]['mission_id']}")))
    # Then exactly the closed missions' cards are greyed, each card says open or closed in words
    assert {mid for css, mid in cards if css} == {m["mission_id"] for m in closed}
    assert page.count('<p class="gc-tag gc-tag-closed">Closed</p>') == len(closed)
    assert page.count('<p class="gc-tag gc-tag-open">Open for applications</p>') == len(open_)
    # and the closed mission's own page says it is closed, with no apply button
    assert '<p class="gc-tag gc-tag-closed">Closed</p>' in one and "/en/calls/" not in one


# --- the filter ---------------------------------------------------------------------------------------------

def _cards(page: str, lang: str = "en") -> list[str]:
    return re.findall(rf'<h3><a href="/{lang}/missions/([^"]+)">', page)


def test_the_filter_is_a_get_form_that_works_without_script(web: WebClient) -> None:
    # Given the missions page
    page = _text(web.get("/fr/missions"))
    # Then its filter is a plain form sent by GET to the same page, with labelled choices
    form = re.search(r'<form class="gc-filter" method="get" action="/fr/missions"[^>]*>(.*?)</form>', page, re.S)
    assert form
    for name in ("filter-kind", "filter-language", "filter-open"):
        assert f'<label for="{name}"' in form.group(1) or f'<label class="gc-label" for="{name}"' in form.group(1)
    assert "<script" not in page


@pytest.mark.parametrize("query, keep", [
    ("kind=operation", lambda m: m["kind"] == "operation"),
    ("language=fr", lambda m: m["language_of_operation"] == "fr"),
    ("kind=operation&language=en", lambda m: m["kind"] == "operation" and m["language_of_operation"] == "en"),
    ("open=yes", lambda m: m["taking_applications"]),
])
def test_the_filter_keeps_the_missions_of_the_chosen_kind_and_language(web: WebClient, query: str, keep: Any) -> None:
    # Given the catalogue and a filter
    missions = catalogue.list_missions(deps())
    expected = sorted(m["mission_id"] for m in missions if keep(m))
    # When the missions page is asked for with it
    page = _text(web.get(f"/en/missions?{query}"))
    # Then exactly those missions are listed, the count says so, and the choices stay selected
    assert sorted(_cards(page)) == expected and expected
    assert f"{len(expected)} of {len(missions)} missions" in page
    for pair in query.split("&"):
        name, value = pair.split("=")
        assert re.search(rf'<option value="{value}" selected>', page) or (name == "open" and " checked>" in page)


def test_an_unknown_filter_value_is_ignored_and_an_empty_result_says_so(web: WebClient) -> None:
    # Given the catalogue
    total = len(catalogue.list_missions(deps()))
    # When the filter names a kind that does not exist, or picks nothing that matches
    bogus = _text(web.get("/en/missions?kind=bogus&language=xx"))
    # Then an unknown value filters nothing
    assert len(_cards(bogus)) == total and f"{total} of {total} missions" in bogus
    languages = {m["language_of_operation"] for m in catalogue.list_missions(deps()) if m["kind"] == "other_opportunity"}
    if "fr" not in languages:
        empty = _text(web.get("/en/missions?kind=other_opportunity&language=fr"))
        assert _cards(empty) == [] and "No mission matches this filter." in empty


# --- a file's pages: times in Ottawa's zone, the reference in groups ----------------------------------

def _submit(web: WebClient, lang: str) -> Any:
    return apply(web, application(), lang)


@pytest.mark.parametrize("lang, zone", [("en", r", (\d{1,2}:\d{2}\u00a0[ap]\.m\.|noon|midnight) \(Ottawa time\)"),
                                        ("fr", r" à \d{1,2}\u00a0h(\u00a0\d{2})? \(heure d(&#39;|')Ottawa\)")])
def test_a_files_times_are_in_ottawas_zone_named_and_its_reference_is_grouped(
        web: WebClient, lang: str, zone: str) -> None:
    # Given a submitted file
    r = _submit(web, lang)
    confirmation = _text(web.follow(r))
    status_url = r.headers["Location"].removesuffix("/confirmation")
    # When its confirmation and status pages are read
    status = _main(_text(web.get(status_url)))
    # Then the reference is shown in its groups of four, and reads back as the reference itself
    ref = re.search(r'<strong class="gc-reference">(.*?)</strong>', confirmation).group(1)
    groups = re.findall(r'<span class="gc-reference-group">([A-Z0-9]+)</span>', ref)
    assert groups[0] == "PO" and all(len(g) == 4 for g in groups[1:])
    assert re.sub(r"<[^>]+>", "", ref) == "-".join(groups)
    # and every time on the status page is Ottawa's, with its zone named, never UTC
    assert "UTC" not in status
    assert re.search(zone, status)
