"""SES fails: stage changes still commit, nothing is lost, and once SES is
back the retry job sends every pending email exactly once."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from .conftest import move, sent_messages, staff_call, submit


def _ses():
    from chalicelib.adapters.tables import _client

    return _client("ses", "ca-central-1", None)


def set_ses(up: bool) -> None:
    ses = _ses()
    if up:
        ses.verify_email_identity(EmailAddress="no-reply@peaceops.test")
    else:
        # moto then refuses every send (MessageRejected: address not verified).
        ses.delete_identity(Identity="no-reply@peaceops.test")


def test_outage_loses_nothing_and_retry_sends_exactly_once(client, tokens):
    from chalicelib.adapters.models import OutboxModel
    from chalicelib.api.wiring import deps
    from chalicelib.services import notifications

    # Given files submitted while SES works.
    files = [submit(client, email=f"o{i}@example.ca")["application_id"] for i in range(3)]
    baseline = len(sent_messages())

    # When SES goes down and coordinators keep moving files...
    set_ses(False)
    for app_id in files:
        r = move(client, tokens["coordinator.spvm"], app_id, "service_review", "submitted")
        assert r.status_code == 200, r.body
    late = submit(client, email="late@example.ca")["application_id"]
    assert len(sent_messages()) == baseline

    # ...the moves stand, and every email waits in the outbox with its failure recorded.
    for app_id in files:
        view = json.loads(staff_call(client, "get", f"/admin/applications/{app_id}", tokens["irss"]).body)
        assert view["stage"] == "service_review"
        pending = [e for e in view["emails"] if e["status"] == "pending"]
        assert len(pending) == 1 and pending[0]["attempts"] == 1 and pending[0]["last_error"]
    pending_rows = list(OutboxModel.pending.query("pending"))
    assert len(pending_rows) == 3 + 2  # three stage emails, the late confirmation and its coordinator notice

    # A retry while SES is still down changes nothing but the attempt count.
    d = deps()
    later = datetime.now(timezone.utc) + timedelta(minutes=10)
    d.clock = lambda: later
    counts = notifications.deliver_pending(d)
    assert counts["sent"] == 0 and counts["failed"] == 5
    assert len(sent_messages()) == baseline

    # When SES is back and the job runs (twice, as a schedule would)...
    set_ses(True)
    d.clock = lambda: later + timedelta(hours=1)
    first = notifications.deliver_pending(d)
    second = notifications.deliver_pending(d)
    assert first["sent"] == 5 and second["due"] == 0

    # ...every email went out exactly once.
    new = sent_messages()[baseline:]
    assert len(new) == 5
    recipients = sorted(m.destinations["ToAddresses"][0] for m in new)
    assert recipients == sorted([f"o{i}@example.ca" for i in range(3)] + ["late@example.ca", "peaceops-coordinator.spvm@example.ca"])
    assert list(OutboxModel.pending.query("pending")) == []
    # The late confirmation carries a freshly minted private link that opens the file.
    from .conftest import bearer, link_token

    confirmation = next(m for m in new if m.destinations["ToAddresses"] == ["late@example.ca"])
    token = link_token(confirmation.body)
    assert client.http.get(f"/applications/{late}", headers=bearer(token)).status_code == 200


def test_permanent_failure_stops_and_a_coordinator_can_requeue(client, tokens):
    from chalicelib.adapters.models import OutboxModel
    from chalicelib.api.wiring import deps
    from chalicelib.services import notifications

    set_ses(False)
    app_id = submit(client)["application_id"]
    d = deps()
    now = datetime.now(timezone.utc)
    for i in range(notifications.MAX_ATTEMPTS + 2):
        d.clock = lambda i=i: now + timedelta(days=i + 1)
        notifications.deliver_pending(d)
    rows = {r.recipient: r for r in OutboxModel.by_application.query(app_id)}
    assert rows["applicant"].status == "failed" and int(rows["applicant"].attempts) == notifications.MAX_ATTEMPTS
    assert rows["applicant"].queue is None
    set_ses(True)
    mid = rows["applicant"].message_id
    r = staff_call(client, "post", f"/admin/emails/{mid}/retry", tokens["irss"], {})
    assert r.status_code == 202, r.body
    assert staff_call(client, "post", f"/admin/emails/{mid}/retry", tokens["irss"], {}).status_code == 409
    assert staff_call(client, "post", f"/admin/emails/{mid}/retry", tokens["health"], {}).status_code == 403
    d.clock = lambda: now + timedelta(days=30)
    assert notifications.deliver_pending(d)["sent"] == 1
    assert OutboxModel.get(mid).status == "sent"
