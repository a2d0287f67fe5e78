"""Feedback from SES and the change of address, end to end on moto (issue 13).

moto emits no SES events: the SNS events are built by Chalice's test client around the bodies of
tests/fixtures/ses (shaped as SES documents them) and handed to the real ``on_ses_event`` function. The
emails go through the outbox stream's delivery as everywhere else (conftest.sent_messages).
"""
from __future__ import annotations

import json
import re
from typing import Any

from ..unit.test_feedback import event_about
from .conftest import bearer, move, post_json, sent_messages, submit

OLD, NEW = "helene.cote@example.ca", "h.cote@example.org"


def _ses_event(client: Any, body: str) -> dict[str, Any]:
    event = client.events.generate_sns_event(message=body, subject="")
    result: dict[str, Any] = client.lambda_.invoke("on_ses_event", event).payload
    return result


def _to(address: str) -> list[Any]:
    return [m for m in sent_messages() if address in m.destinations["ToAddresses"]]


def _confirmation_row(app_id: str) -> Any:
    """Read straight off the table (a test's own read through the adapter would count as the API's call)."""
    from chalicelib.adapters.models import OutboxModel

    return next(m for m in OutboxModel.by_application.query(app_id) if m.recipient == "applicant")


def test_every_email_goes_out_tagged_with_its_outbox_row(client: Any) -> None:
    from chalicelib.api.wiring import deps
    from chalicelib.domain import feedback

    seen: list[dict[str, Any]] = []
    deps().mailer.client.meta.events.register("provide-client-params.ses.SendEmail",
                                              lambda params, **_: seen.append(params))
    filed = submit(client)
    sent_messages()
    row = _confirmation_row(filed["application_id"])
    tags = [p["Tags"] for p in seen if p["Destination"]["ToAddresses"] == [OLD]]
    assert tags == [[{"Name": feedback.TAG, "Value": feedback.tag_value(row.message_id)}]]


def test_a_bounce_suppresses_the_address_flags_the_file_and_the_next_email_is_not_sent(client: Any,
                                                                                       tokens: dict[str, str]) -> None:
    filed = submit(client)
    app_id, token = filed["application_id"], filed["access_token"]
    assert len(_to(OLD)) == 1
    row = _confirmation_row(app_id)
    # When SES reports a permanent bounce of the confirmation (and then the same event again)
    out = _ses_event(client, event_about("bounce_permanent", row.message_id, OLD, ses_id=row.ses_message_id))
    again = _ses_event(client, event_about("bounce_permanent", row.message_id, OLD, ses_id=row.ses_message_id))
    assert out["suppressed"] and out["files_flagged"] == 1 and again["recorded"] is False
    # Then staff see it on the file, on the list row and on the email
    view = json.loads(client.http.get(f"/admin/applications/{app_id}", headers=bearer(tokens["irss"])).body)
    assert view["email_problem"]["status"] == "bounced"
    assert view["emails"][0]["delivery_status"] == "bounced" and "550 5.1.1" in view["emails"][0]["delivery_detail"]
    listed = json.loads(client.http.get("/admin/applications", headers=bearer(tokens["irss"])).body)
    assert listed["items"][0]["email_problem"]["status"] == "bounced"
    # the applicant, on their status page (a link they already have)
    status = json.loads(client.http.get(f"/applications/{app_id}", headers=bearer(token)).body)
    assert status["email_problem"]["status"] == "bounced"
    # and the next move's email to that address is not sent: marked suppressed
    assert move(client, tokens["coordinator.spvm"], app_id, "service_review", "submitted").status_code == 200
    assert len(_to(OLD)) == 1
    view = json.loads(client.http.get(f"/admin/applications/{app_id}", headers=bearer(tokens["irss"])).body)
    assert [e["status"] for e in view["emails"] if e["recipient"] == "applicant"][-1] == "suppressed"


def test_a_delivery_then_a_late_duplicate_and_an_out_of_order_delivery_keep_the_highest_status(client: Any) -> None:
    from chalicelib.adapters.models import OutboxModel

    filed = submit(client)
    sent_messages()
    row = _confirmation_row(filed["application_id"])
    _ses_event(client, event_about("complaint", row.message_id, OLD))
    assert _ses_event(client, event_about("delivery", row.message_id, OLD))["recorded"] is False
    assert OutboxModel.get(row.message_id, consistent_read=True).delivery_status == "complained"


def test_a_subscription_notice_records_nothing(client: Any) -> None:
    body = json.dumps({"notificationType": "AmazonSnsSubscriptionSucceeded", "message": "subscribed"})
    assert _ses_event(client, body) == {"recorded": False, "reason": "not an event"}


def test_the_applicant_changes_their_address_through_a_link_sent_to_the_new_one(client: Any) -> None:
    filed = submit(client)
    app_id, token = filed["application_id"], filed["access_token"]
    sent_messages()
    # When the applicant asks for the new address
    r = post_json(client, f"/applications/{app_id}/email-change", {"email": NEW}, **bearer(token))
    assert r.status_code == 202 and json.loads(r.body)["sent_to"] == NEW
    mail = _to(NEW)
    assert len(mail) == 1 and "?token=" not in mail[0].body
    code = re.search(r"/email-change/[^?\s\"]+\?code=([A-Za-z0-9_-]+)", mail[0].body).group(1)  # type: ignore[union-attr]
    # Then nothing changed yet; a wrong code is refused
    assert json.loads(client.http.get(f"/applications/{app_id}", headers=bearer(token)).body)["email"] == OLD
    assert post_json(client, f"/email-confirmations/{app_id}", {"code": "x" * 32}).status_code == 404
    # When the code from the new address's email confirms it
    r = post_json(client, f"/email-confirmations/{app_id}", {"code": code})
    assert r.status_code == 200, r.body
    # Then the file has the new address, the old one is told, the new one gets a link, the history says so
    status = json.loads(client.http.get(f"/applications/{app_id}", headers=bearer(token)).body)
    assert status["email"] == NEW and status["pending_email"] is None
    assert [m.subject for m in _to(OLD)][-1].startswith("L'adresse courriel de votre dossier a été changée")
    assert "?token=" in _to(NEW)[-1].body
    from chalicelib.adapters.models import ApplicationModel, AuditModel
    from chalicelib.domain import tokens as t

    assert [a.application_id for a in ApplicationModel.by_email.query(t.email_key(NEW))] == [app_id]
    assert list(AuditModel.query(f"application#{app_id}"))[-1].kind == "email_changed"


def test_a_change_of_address_needs_the_files_own_token_and_a_json_body(client: Any) -> None:
    filed = submit(client)
    app_id = filed["application_id"]
    other = submit(client, email="other@example.ca")
    assert post_json(client, f"/applications/{app_id}/email-change", {"email": NEW},
                     **bearer(other["access_token"])).status_code == 404
    assert post_json(client, f"/applications/{app_id}/email-change", {"email": NEW}).status_code == 401
    r = client.http.post(f"/applications/{app_id}/email-change",
                         headers={"Content-Type": "text/plain", **bearer(filed["access_token"])},
                         body=json.dumps({"email": NEW}))
    assert r.status_code == 415
    r = post_json(client, f"/applications/{app_id}/email-change", {"email": "nope"}, **bearer(filed["access_token"]))
    problem = json.loads(r.body)
    assert r.status_code == 422 and r.headers["Content-Type"] == "application/problem+json"
    assert [e["pointer"] for e in problem["errors"]] == ["/email"]
