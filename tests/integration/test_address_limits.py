"""Email bombing and address variants (issue 21, findings 3 and 4), as an attacker tried them, end to end on moto:
the API and the web forms through Chalice's test client, the emails through the outbox stream and moto's SES, a
complaint as SES's event through the real ``on_ses_event`` function.
"""
from __future__ import annotations

import json
from typing import Any

import pytest

from ..unit.test_feedback import event_about
from .conftest import application, bearer, post_json, sent_messages, submit
from .web_client import WebClient, first_page_url, hidden, page_fields

VICTIM = "victim@example.ca"
FULLWIDTH, HOMOGLYPH = "ｖictim@example.ca", "victim@exаmple.ca"  # a fullwidth « ｖ », a Cyrillic « а »


def _to(address: str) -> list[Any]:
    return [m for m in sent_messages() if address in m.destinations["ToAddresses"]]


def _attackers(client: Any, n: int) -> list[tuple[str, str]]:
    """``n`` files, each from its own address: (application id, token)."""
    out = []
    for i in range(n):
        filed = submit(client, email=f"attacker{i}@example.net")
        out.append((filed["application_id"], filed["access_token"]))
    return out


def _ask(client: Any, file: tuple[str, str], address: str) -> Any:
    return post_json(client, f"/applications/{file[0]}/email-change", {"email": address}, **bearer(file[1]))


def test_four_files_asking_six_times_each_send_the_victim_at_most_the_per_recipient_limit(client: Any) -> None:
    from chalicelib.domain.email_change import MAX_CONFIRMATIONS_PER_ADDRESS_PER_DAY as LIMIT

    # Given four files of the attacker's
    files = _attackers(client, 4)
    # When each asks six times to move to the victim's address
    answers = [_ask(client, f, VICTIM) for f in files for _ in range(6)]
    # Then the victim got at most the per-recipient limit of confirmations; the rest were refused with a problem
    assert len(_to(VICTIM)) == LIMIT
    assert sum(a.status_code == 202 for a in answers) == LIMIT
    refused = [a for a in answers if a.status_code != 202]
    assert {a.status_code for a in refused} <= {422, 429} and len(refused) == 24 - LIMIT
    unavailable = json.loads(next(a for a in refused if a.status_code == 422).body)
    assert unavailable["errors"][0]["pointer"] == "/email"
    assert unavailable["errors"][0]["code"] == "address-unavailable"


def test_after_a_complaint_no_confirmation_goes_to_the_address_or_its_variants(client: Any) -> None:
    from chalicelib.adapters.models import OutboxModel

    # Given the victim's own file, and the victim complained of its email (SES's event)
    victim = submit(client, email=VICTIM)
    sent_messages()
    row = next(m for m in OutboxModel.by_application.query(victim["application_id"]) if m.recipient == "applicant")
    event = client.events.generate_sns_event(message=event_about("complaint", row.message_id, VICTIM), subject="")
    assert client.lambda_.invoke("on_ses_event", event).payload["suppressed"] is True
    before = len(_to(VICTIM))
    # When an attacker's file asks to move to the victim's address, and to a variant of it
    (attacker,) = _attackers(client, 1)
    answers = [_ask(client, attacker, a) for a in (VICTIM, "Victim+x@Example.ca")]
    # Then each is refused (422, in the applicant's language, naming the field) and nothing is sent
    assert [a.status_code for a in answers] == [422, 422]
    assert all(a.headers["Content-Type"] == "application/problem+json" for a in answers)
    assert len(_to(VICTIM)) == before and _to("Victim+x@Example.ca") == []
    fr = post_json(client, f"/applications/{attacker[0]}/email-change", {"email": VICTIM},
                   **bearer(attacker[1]), **{"Accept-Language": "fr-CA"})
    assert "autre adresse" in json.loads(fr.body)["errors"][0]["message"]


@pytest.mark.parametrize("typed", [FULLWIDTH, HOMOGLYPH])
@pytest.mark.parametrize("route", ["/applications", "/access-links", "email-change"])
def test_an_address_outside_ascii_is_a_422_naming_the_field_on_every_route(client: Any, route: str,
                                                                           typed: str) -> None:
    if route == "/applications":
        r = post_json(client, route, application(email=typed))
    elif route == "/access-links":
        r = post_json(client, route, {"email": typed})
    else:
        (file,) = _attackers(client, 1)
        r = _ask(client, file, typed)
    problem = json.loads(r.body)
    assert r.status_code == 422 and r.headers["Content-Type"] == "application/problem+json"
    assert [(e["pointer"], e["code"]) for e in problem["errors"]] == [("/email", "email-not-ascii")]
    assert _to(typed) == []


def test_a_plus_tagged_variant_counts_against_the_addresss_files_of_the_day(client: Any) -> None:
    from chalicelib.config import get_settings

    for _ in range(get_settings().max_files_per_day):
        submit(client, email=VICTIM)
    r = post_json(client, "/applications", application(email="victim+2@example.ca"))
    assert r.status_code == 429


def test_an_idna_domain_is_accepted_and_mailed_as_its_a_label(client: Any) -> None:
    filed = submit(client, email="helene@québec.ca")
    assert filed["application_id"]
    assert _to("helene@xn--qubec-csa.ca")


# --- the web forms: the same error, in both languages ------------------------------------------------------

@pytest.mark.parametrize("lang, words", [("en", "before the @"), ("fr", "avant le @")])
def test_the_web_forms_refuse_an_address_outside_ascii_at_its_field(client: Any, lang: str, words: str) -> None:
    web = WebClient(client)
    # the access-link page
    r = web.post(f"/{lang}/access", [("email", HOMOGLYPH)])
    assert r.status_code == 422 and words in r.body.decode().lower() and 'href="#email"' in r.body.decode()
    # the application's first page
    doc = application(email=FULLWIDTH)
    first = first_page_url(web, doc["missions"][0], lang)
    key = hidden(web.get(first).body.decode(), "draft_key")
    r = web.post(first, page_fields("about-you", doc) + [("draft_key", key)])
    assert r.status_code == 422 and words in r.body.decode().lower() and 'href="#email"' in r.body.decode()
    # the change of address, from the file's status page
    from .test_email_change_pages import _signed_in

    signed, status = _signed_in(client, lang)
    r = signed.post(status + "/email", [("email", HOMOGLYPH)])
    assert r.status_code == 422 and words in r.body.decode().lower() and 'href="#email"' in r.body.decode()
    assert _to(HOMOGLYPH) == [] and _to(FULLWIDTH) == []


def test_the_change_of_address_page_says_when_the_address_cannot_be_mailed(client: Any) -> None:
    from chalicelib.domain.email_change import MAX_CONFIRMATIONS_PER_ADDRESS_PER_DAY as LIMIT
    from .test_email_change_pages import _signed_in

    for f in _attackers(client, LIMIT):
        assert _ask(client, f, VICTIM).status_code == 202
    web, status = _signed_in(client, "fr")
    r = web.post(status + "/email", [("email", VICTIM)])
    assert r.status_code == 422 and "Nous ne pouvons pas envoyer de courriel à cette adresse" in r.body.decode()
