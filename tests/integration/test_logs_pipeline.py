"""Logs are JSON lines with a request id and carry no personal data.

Given a French applicant with accented names, when the whole pipeline runs
(submit, status, family readiness, coordinators' moves with real tokens, a
refused move, an email outage, a new-link request, a crash whose message
quotes the address, withdrawal) with every logger captured at DEBUG, then
no line holds the applicant's name, email, phone, free-text answers or access
token, and every line the app writes is JSON carrying its request's id.
"""
from __future__ import annotations

import json
import logging
import re
from typing import Any
from urllib.parse import quote

import boto3
import pytest

from .conftest import bearer, deliver_outbox, family_readiness, move, post_json, staff_call

APP_LOGGERS = ("chalicelib", "peaceops", "app")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _variants(value: str) -> set[str]:
    """The value as text, JSON-escaped and URL-encoded (how a log could spell it)."""
    return {value, json.dumps(value)[1:-1], quote(value), quote(value, safe="")}


def _secrets(created: dict[str, Any], form: dict[str, Any], fr: dict[str, Any]) -> set[str]:
    values = [form["given_name"], form["family_name"], form["email"], form["phone"], form["rank"],
              form["leadership_details"], fr["support_details"], fr["emergency_contact_name"],
              fr["emergency_contact_phone"], fr["emergency_contact_relationship"], created["access_token"],
              "Hélène", "Côté", "helene.cote"]
    return {v for value in values for v in _variants(value)}


def _run_pipeline(client: Any, tokens: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> tuple[dict[str, Any], int]:
    requests = 0

    def ok(r: Any, status: int = 200) -> Any:
        nonlocal requests
        requests += 1
        assert r.status_code == status, r.body
        return json.loads(r.body) if r.body else None

    from .conftest import application

    form = application()
    created = ok(post_json(client, "/applications", form, **{"Idempotency-Key": "log-test-1"}), 201)
    app_id, mine = created["application_id"], bearer(created["access_token"])
    ok(post_json(client, "/applications", form, **{"Idempotency-Key": "log-test-1"}), 201)  # replay
    ok(post_json(client, "/applications", {**form, "email": "pas-une-adresse"}), 422)
    ok(client.http.get(f"/applications/{app_id}", headers=mine))
    ok(client.http.put(f"/applications/{app_id}/family-readiness", headers={"Content-Type": "application/json", **mine},
                       body=json.dumps(family_readiness())))
    ok(client.http.get(f"/applications/{app_id}/family-readiness", headers=mine))
    coord, irss = tokens["coordinator.spvm"], tokens["irss"]
    ok(move(client, coord, app_id, "service_review", "submitted"))
    ok(move(client, coord, app_id, "irss_review", "service_review"))
    ok(move(client, irss, app_id, "medical", "irss_review"), 409)  # UN mission: interview first
    ok(staff_call(client, "get", "/admin/applications?stage=irss_review", irss))
    ok(staff_call(client, "get", f"/admin/applications/{app_id}", irss))
    # SES refuses the sender for a while: the move commits; the stream's delivery (an invocation of its own)
    # tries the email and logs the failed attempt.
    boto3.client("ses", region_name="ca-central-1").delete_identity(Identity="no-reply@peaceops.test")
    ok(move(client, irss, app_id, "interview", "irss_review"))
    deliver_outbox()
    ok(post_json(client, "/access-links", {"email": form["email"]}), 202)
    # A crash whose message quotes the address: logged by type and stack only.
    from chalicelib.services import applicant

    def crash(*_: Any) -> Any:
        raise RuntimeError(f"cannot render status for {form['email']} ({form['given_name']})")

    monkeypatch.setattr(applicant, "status", crash)
    ok(client.http.get(f"/applications/{app_id}", headers=mine), 500)
    monkeypatch.undo()
    ok(post_json(client, f"/applications/{app_id}/withdrawal", {"reason_code": "family_reasons",
                                                                  "note": "Ma fille Zoé commence l'école."}, **mine))
    return {"created": created, "form": form, "note": "Zoé"}, requests


def test_a_whole_pipeline_logs_json_with_request_ids_and_no_personal_data(
        client: Any, tokens: dict[str, str], caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from app import app
    from chalicelib.api.logs import JsonFormatter, configure

    configure()
    capsys.readouterr()
    caplog.set_level(logging.DEBUG)  # the root, so every logger that has no level of its own
    app.log.addHandler(caplog.handler)  # Chalice's own logger does not propagate
    try:
        run, requests = _run_pipeline(client, tokens, monkeypatch)
    finally:
        app.log.removeHandler(caplog.handler)

    formatter = JsonFormatter()
    records = caplog.records
    lines = [formatter.format(r) for r in records]
    printed = capsys.readouterr().err
    # What the service prints (our JSON lines), and each record's own message and
    # extras. (pytest's caplog.text is left out: its formatter adds exception messages.)
    everything = "\n".join([printed, *lines, *(r.getMessage() for r in records)])
    leaked = sorted(s for s in _secrets(run["created"], run["form"], family_readiness()) | {run["note"]}
                    if s in everything)
    assert not leaked, f"personal data in the logs: {leaked}"

    app_lines = [json.loads(line) for r, line in zip(records, lines, strict=True) if r.name.startswith(APP_LOGGERS)]
    by_message: dict[str, list[dict[str, Any]]] = {}
    for line in app_lines:
        assert UUID.match(line["request_id"]), line
        by_message.setdefault(line["message"], []).append(line)
    # One line per request, each with its own id; the other lines share their request's id.
    request_lines = by_message.get("request", [])
    assert len(request_lines) == requests
    assert len({line["request_id"] for line in request_lines}) == requests
    # Every other line shares its request's id, but the delivery function's (its own invocation, its own id).
    request_ids = {line["request_id"] for line in request_lines}
    delivery = [line for line in app_lines if line["request_id"] not in request_ids]
    assert delivery and all(line["message"] == "email attempt failed" for line in delivery)
    assert {line["status"] for line in request_lines} >= {200, 201, 202, 409, 422, 500}
    assert all("{" in line["route"] or line["route"] in ("/applications", "/access-links", "/admin/applications")
               for line in request_lines)
    failed = by_message["email attempt failed"]
    assert failed == delivery  # no request sends email
    assert failed and all(line["error"] == "MessageRejected" and line["message_id"].startswith("po-")
                          for line in failed)
    crashed = by_message["unhandled error"]
    assert len(crashed) == 1 and crashed[0]["exception"] == "RuntimeError" and "crash" in crashed[0]["stack"]

    # What reached the output is the same JSON, one object a line.
    printed_lines = [json.loads(line) for line in printed.splitlines() if line.strip()]
    assert printed_lines and all(line["request_id"] for line in printed_lines)
    assert sum(1 for line in printed_lines if line["message"] == "request") == requests
    # AWS libraries log request bodies at DEBUG: they stay at WARNING whatever the root level.
    assert not [r for r in records if r.name.startswith(("botocore", "pynamodb")) and r.levelno < logging.WARNING]
    assert logging.getLogger("botocore").getEffectiveLevel() >= logging.WARNING
