""""Before the Mission" on request (seed 003: "Email to ask for a copy"): a public, bilingual page with a CSRF-bound
form; the guide goes out by email through the outbox (off the request path), at most so many a day per mailbox
(the canonical address: X+tag@ counts as x@), never to a suppressed address; the rows are disposed of by the
retention job after their period."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from chalicelib.api.wiring import deps
from chalicelib.domain import addresses
from chalicelib.domain.records import Suppression
from chalicelib.services import guide_requests, retention

from .conftest import deliver_outbox, ses_sent
from .web_client import WebClient

URL = "/{lang}/before-the-mission"


def _text(r: Any) -> str:
    return r.body.decode("utf-8")


def test_the_page_asks_for_an_address_in_both_languages_and_the_guide_is_emailed_off_the_request_path(client):
    web = WebClient(client)
    for lang, title, words in (("en", "Before the Mission", "joint decision"), ("fr", "Avant la mission", "décision commune")):
        page = _text(web.get(URL.format(lang=lang)))
        assert title in page and words in page and 'name="email"' in page and 'name="csrf_token"' in page
        # the missions page leads to it
        assert f'href="/{lang}/before-the-mission"' in _text(web.get(f"/{lang}/missions"))
    # When someone asks for it, in French
    r = web.post(URL.format(lang="fr"), [("email", "Partenaire+guide@Example.ca")])
    assert r.status_code == 200 and "Le guide est en route" in _text(r)
    # Then the request wrote the email and sent nothing itself
    assert ses_sent() == []
    day = deps().store.outbox.for_application(guide_requests.subject_for(deps().today()))
    assert [(m.template, m.to_address, m.language, m.status) for m in day] == [
        ("before_the_mission_guide", "Partenaire+guide@Example.ca", "fr", "pending")]
    # and the outbox's delivery sends the guide, in French, with its considerations
    deliver_outbox()
    sent = ses_sent()
    assert len(sent) == 1
    body = str(sent[0].body)
    assert "Avant la mission" in str(sent[0].subject) and "Les avantages financiers" in body
    assert "token=" not in body  # no file, no private link


def test_a_mailbox_gets_at_most_the_days_limit_whatever_its_spelling_and_a_clear_429_after(client):
    web = WebClient(client)
    limit = deps().settings.max_guide_requests_per_day
    for n in range(limit):
        spelling = "jordan@example.ca" if n % 2 == 0 else f"Jordan+{n}@EXAMPLE.ca"
        assert web.post(URL.format(lang="en"), [("email", spelling)]).status_code == 200
    r = web.post(URL.format(lang="en"), [("email", "JORDAN+again@example.ca")])
    assert r.status_code == 429
    assert "Too many requests for this address" in _text(r) and f"{limit} times" in _text(r)
    fr = web.post(URL.format(lang="fr"), [("email", "jordan@example.ca")])
    assert fr.status_code == 429 and "Trop de demandes pour cette adresse" in _text(fr)
    day = deps().store.outbox.for_application(guide_requests.subject_for(deps().today()))
    assert len(day) == limit  # a refused request wrote nothing
    # another mailbox is not held back
    assert web.post(URL.format(lang="en"), [("email", "someone.else@example.ca")]).status_code == 200


def test_bad_input_is_a_422_on_the_field_and_a_missing_or_foreign_csrf_token_is_refused(client):
    web = WebClient(client)
    r = web.post(URL.format(lang="en"), [("email", "not an address")])
    assert r.status_code == 422 and 'aria-invalid="true"' in _text(r)
    r = web.post(URL.format(lang="fr"), [("email", "élodie@exemple.ca")])
    assert r.status_code == 422
    assert web.post(URL.format(lang="en"), [("email", "a@example.ca")], csrf=False).status_code == 403
    r = web.post(URL.format(lang="en"), [("email", "a@example.ca"), ("csrf_token", "forged")], csrf=False)
    assert r.status_code == 403
    assert deps().store.outbox.for_application(guide_requests.subject_for(deps().today())) == []


def test_a_suppressed_address_is_never_sent_the_guide(client):
    web = WebClient(client)
    address = "complained@example.ca"
    deps().store.suppression.add(Suppression(addresses.suppression_key(address, True), "complained",
                                             "2026-01-01T00:00:00Z", None))
    assert web.post(URL.format(lang="en"), [("email", "Complained+x@example.ca")]).status_code == 200
    deliver_outbox()
    assert ses_sent() == []
    day = deps().store.outbox.for_application(guide_requests.subject_for(deps().today()))
    assert [m.status for m in day] == ["suppressed"]


def test_the_retention_job_disposes_of_the_requests_after_their_period(client):
    # (through the job itself, retention.run: its calls are the ApplyRetention function's, tests/infra/recorder.py)
    web = WebClient(client)
    assert web.post(URL.format(lang="en"), [("email", "kept@example.ca")]).status_code == 200
    deliver_outbox()
    today = deps().today()
    assert retention.run(deps(), today + timedelta(days=29))["guide_requests_disposed"] == 0
    assert retention.run(deps(), today + timedelta(days=31))["guide_requests_disposed"] == 1
    assert deps().store.outbox.for_application(guide_requests.subject_for(today)) == []
    assert retention.run(deps(), today + timedelta(days=32))["guide_requests_disposed"] == 0
