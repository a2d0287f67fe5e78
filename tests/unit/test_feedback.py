"""Feedback from SES (issue 13): its events recorded on their emails, the suppression list, the file's flag.

The events are tests/fixtures/ses/*.json, shaped as SES documents them; each test fills in the email it is
about (its SES message id, our tag and its address). Given / When / Then, on MemoryStorage.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from chalicelib.domain import feedback as rules
from chalicelib.domain import tokens
from chalicelib.domain.workflow import Actor, MoveRequest
from chalicelib.services import applicant, feedback, files, submissions, workflow

from .fakes import application, make_deps

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ses"
IRSS = Actor("irss", "irss-1")
COORD = Actor("service_coordinator", "coord-spvm", "spvm")


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def event_about(name: str, message_id: str, address: str, ses_id: str = "ses-1", at: str | None = None) -> str:
    """The fixture ``name`` about one of our emails, as the SNS message's body (a string)."""
    doc = copy.deepcopy(fixture(name))
    mail = doc["mail"]
    mail["messageId"], mail["destination"] = ses_id, [address]
    mail["tags"][rules.TAG] = [rules.tag_value(message_id)]
    part = doc[doc["eventType"][0].lower() + doc["eventType"][1:]]
    for key in ("bouncedRecipients", "complainedRecipients"):
        for r in part.get(key, []):
            r["emailAddress"] = address
    if "recipients" in part:
        part["recipients"] = [address]
    if at:
        part["timestamp"] = at
    return json.dumps(doc)


def submitted(deps: Any, email: str = "helene.cote@example.ca") -> tuple[str, str]:
    """A file, its confirmation sent: (application id, the confirmation's outbox id)."""
    _, body = submissions.submit(deps, application(email=email), None)
    app_id = body["application_id"]
    assert deps.mailer.sent_to(email)  # delivered through the stream
    row = next(m for m in deps.store.outbox.for_application(app_id) if m.recipient == "applicant")
    return app_id, row.message_id


# --- the events, read ------------------------------------------------------------

@pytest.mark.parametrize("name, status, suppress", [
    ("delivery", "delivered", False), ("bounce_permanent", "bounced", True), ("bounce_transient", "bounced", False),
    ("complaint", "complained", True), ("reject", "rejected", False)])
def test_each_documented_event_reads_as_its_status_and_names_our_email(name: str, status: str, suppress: bool) -> None:
    event = rules.parse(event_about(name, "po-abc:1:applicant", "a@example.ca"))
    assert (event.status, event.suppress, event.message_id) == (status, suppress, "po-abc:1:applicant")
    assert event.recipients == ("a@example.ca",) and event.ses_message_id == "ses-1"


def test_a_bounce_keeps_seses_diagnostic_and_never_the_message() -> None:
    event = rules.parse(event_about("bounce_permanent", "po-abc:1:applicant", "a@example.ca"))
    assert event.detail == "Permanent/General smtp; 550 5.1.1 user unknown"
    assert "Subject" not in event.detail


@pytest.mark.parametrize("body", [json.dumps(fixture("subscription_succeeded")), "not json", "[]",
                                  json.dumps({"eventType": "Open", "mail": {"messageId": "x"}}),
                                  json.dumps({"eventType": "Bounce"})])
def test_anything_that_is_not_an_event_we_read_is_passed_over(body: str) -> None:
    with pytest.raises(rules.NotAnEvent):
        rules.parse(body)


def test_our_tag_carries_any_outbox_id_in_the_characters_ses_allows() -> None:
    for message_id in ("po-abc:12:applicant", "po-x:link:2026-12-01T15:00:00+00:00", "access_request:ab12"):
        value = rules.tag_value(message_id)
        assert value.replace("_", "").replace("-", "").isalnum() and len(value) <= 256
        assert rules.message_id_of(value) == message_id


# --- recorded on the email ---------------------------------------------------------

def test_a_delivery_is_recorded_on_its_email() -> None:
    deps = make_deps()
    app_id, message_id = submitted(deps)
    out = feedback.record(deps, event_about("delivery", message_id, "helene.cote@example.ca"))
    row = deps.store.outbox.get(message_id)
    assert out["recorded"] and (row.delivery_status, row.delivery_detail) == ("delivered", "250 2.6.0 Message received")
    assert deps.store.suppression.get(tokens.email_key("helene.cote@example.ca")) is None


def test_a_duplicate_event_changes_nothing() -> None:
    deps = make_deps()
    _, message_id = submitted(deps)
    body = event_about("bounce_permanent", message_id, "helene.cote@example.ca")
    assert feedback.record(deps, body)["recorded"] is True
    before = deps.store.snapshot()
    assert feedback.record(deps, body)["recorded"] is False
    assert deps.store.state.outbox == before.outbox and deps.store.state.suppression == before.suppression


def test_a_delivery_arriving_after_the_bounce_that_followed_it_leaves_the_bounce() -> None:
    deps = make_deps()
    _, message_id = submitted(deps)
    feedback.record(deps, event_about("bounce_permanent", message_id, "helene.cote@example.ca"))
    out = feedback.record(deps, event_about("delivery", message_id, "helene.cote@example.ca",
                                            at="2026-12-01T15:00:01.000Z"))
    assert out["recorded"] is False and deps.store.outbox.get(message_id).delivery_status == "bounced"


def test_a_complaint_outranks_the_delivery_before_it() -> None:
    deps = make_deps()
    _, message_id = submitted(deps)
    feedback.record(deps, event_about("delivery", message_id, "helene.cote@example.ca"))
    feedback.record(deps, event_about("complaint", message_id, "helene.cote@example.ca"))
    assert deps.store.outbox.get(message_id).delivery_status == "complained"


def test_an_event_about_an_email_we_do_not_know_records_nothing() -> None:
    deps = make_deps()
    submitted(deps)
    before = deps.store.snapshot()
    out = feedback.record(deps, event_about("bounce_permanent", "po-nobody:1:applicant", "x@example.ca"))
    assert out == {"recorded": False, "reason": "unknown email"}
    assert deps.store.state.outbox == before.outbox and not deps.store.state.suppression


# --- the suppression list and the file's flag ---------------------------------------

def test_a_permanent_bounce_suppresses_the_address_and_flags_every_file_that_has_it() -> None:
    deps = make_deps()
    first, message_id = submitted(deps)
    _, other_body = submissions.submit(deps, application(email="Helene.Cote@example.ca", missions=["iraq-mlt"]), None)
    out = feedback.record(deps, event_about("bounce_permanent", message_id, "helene.cote@example.ca"))
    assert out["suppressed"] and out["files_flagged"] == 2
    for app_id in (first, other_body["application_id"]):
        assert deps.store.files.get(app_id).email_problem == {"status": "bounced", "at": "2026-12-01T15:00:02.000Z"}
    # staff see it on the list row and the file; the applicant on their status page
    row = files.file_view(deps, IRSS, first)
    assert row["email_problem"]["status"] == "bounced"
    assert row["emails"][0]["delivery_status"] == "bounced"
    assert applicant.status(deps, deps.store.files.get(first))["email_problem"]["status"] == "bounced"


def test_a_transient_bounce_suppresses_nothing() -> None:
    deps = make_deps()
    app_id, message_id = submitted(deps)
    out = feedback.record(deps, event_about("bounce_transient", message_id, "helene.cote@example.ca"))
    assert out["recorded"] and not out["suppressed"]
    assert deps.store.files.get(app_id).email_problem is None


def test_nothing_more_is_sent_to_a_suppressed_address_and_the_email_says_suppressed() -> None:
    deps = make_deps()
    app_id, message_id = submitted(deps)
    feedback.record(deps, event_about("complaint", message_id, "helene.cote@example.ca"))
    sent_before = len(deps.mailer.sent_to("helene.cote@example.ca"))
    coordinator_before = len(deps.mailer.sent)
    # When the file moves (the applicant's email and, where the workflow says so, the coordinator's)
    workflow.move(deps, app_id, COORD, MoveRequest("service_review", "submitted", None, None))
    # Then the applicant's email is not sent, and says why; the others go as before
    assert len(deps.mailer.sent_to("helene.cote@example.ca")) == sent_before
    mine = [m for m in deps.store.outbox.for_application(app_id) if m.recipient == "applicant"]
    assert mine[-1].status == "suppressed" and mine[-1].attempts == 1
    assert len(deps.mailer.sent) >= coordinator_before
    # and the retry job never picks it up again
    assert all(m.message_id != mine[-1].message_id for m in deps.store.outbox.due("9999", 100))
