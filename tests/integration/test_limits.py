"""Limits on abuse on moto (issue 13): an address's files of the day, its new-link requests of the hour."""
from __future__ import annotations

import json
from typing import Any

from .conftest import application, post_json, sent_messages
from .web_client import WebClient, apply


def outbox_rows() -> list[Any]:
    from chalicelib.adapters.models import OutboxModel

    return list(OutboxModel.scan())


def test_the_fourth_application_of_the_day_is_a_bilingual_429_and_writes_nothing(client):
    from chalicelib.adapters.models import ApplicationModel

    # Given an address with its three applications of the day
    for _ in range(3):
        assert post_json(client, "/applications", application()).status_code == 201
    files, rows = len(list(ApplicationModel.scan())), len(outbox_rows())

    # When it sends a fourth, in English then in French
    en = post_json(client, "/applications", application())
    fr = post_json(client, "/applications", application(), **{"Accept-Language": "fr-CA"})

    # Then each is a 429 problem in its language, and no file or email was written
    for r, words in ((en, "applications today"), (fr, "demandes aujourd'hui")):
        assert r.status_code == 429 and r.headers["Content-Type"] == "application/problem+json", r.body
        body = json.loads(r.body)
        assert body["code"] == "too-many-requests" and words in body["detail"], body
    assert len(list(ApplicationModel.scan())) == files and len(outbox_rows()) == rows
    # and another address still applies
    assert post_json(client, "/applications", application(email="autre@example.ca")).status_code == 201


def test_the_web_form_says_the_same(client):
    web = WebClient(client)
    for _ in range(3):
        assert post_json(client, "/applications", application()).status_code == 201
    r = apply(web, application(), "fr")  # the task list lets them fill it in; sending it is refused
    text = r.body.decode("utf-8")
    assert r.status_code == 429 and '<html lang="fr">' in text and "demandes aujourd" in text


def test_new_link_requests_answer_alike_and_past_the_hourly_limit_send_nothing(client):
    # Given an address with a file
    assert post_json(client, "/applications", application()).status_code == 201

    # When it and an unknown address ask for links
    known = post_json(client, "/access-links", {"email": "helene.cote@example.ca"})
    unknown = post_json(client, "/access-links", {"email": "nobody@example.ca"})

    # Then both answer the same 202, and each request wrote one row of the same kind (no lookup on the way)
    assert known.status_code == unknown.status_code == 202 and json.loads(known.body) == json.loads(unknown.body)
    written = [r for r in outbox_rows() if r.template == "access_request"]
    assert sorted(r.to_address for r in written) == ["helene.cote@example.ca", "nobody@example.ca"]

    # When the address asks past its hourly limit
    for _ in range(10):
        r = post_json(client, "/access-links", {"email": "helene.cote@example.ca"})
        assert r.status_code == 202 and json.loads(r.body) == json.loads(unknown.body)
    # Then only the limit's worth of requests was recorded, and one link went out in the window
    from chalicelib.config import get_settings

    requests = [r for r in outbox_rows() if r.template == "access_request" and r.to_address == "helene.cote@example.ca"]
    assert len(requests) == get_settings().max_link_requests_per_hour
    links = [m for m in sent_messages() if m.destinations["ToAddresses"] == ["helene.cote@example.ca"]
             and "?token=" in m.body]
    assert len(links) == 2  # the confirmation's, and one new link for the window
