"""SES fails: stage changes still commit, nothing is lost, and once SES is
back the retry job sends every pending email exactly once."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from .conftest import bearer, deliver_outbox, link_token, move, sent_messages, ses_sent, staff_call, submit


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
    # (after three failures in a row the run pauses; the other two wait for the next run, untouched)
    assert counts["sent"] == 0 and counts["failed"] == 3 and counts["deferred"] == 2
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
    confirmation = next(m for m in new if m.destinations["ToAddresses"] == ["late@example.ca"])
    token = link_token(confirmation.body)
    assert client.http.get(f"/applications/{late}", headers=bearer(token)).status_code == 200


def _run_job_every_5_minutes(d, start: datetime, duration: timedelta) -> datetime:
    from chalicelib.services import notifications

    t = start
    while t < start + duration:
        t += timedelta(minutes=5)
        d.clock = lambda t=t: t
        notifications.deliver_pending(d)
    return t


def test_a_long_outage_loses_nothing_and_spares_the_first_link(client, tokens):
    from chalicelib.adapters.models import OutboxModel
    from chalicelib.api.wiring import deps
    from chalicelib.services import notifications

    # Given SES down from the moment a file is submitted and moved
    set_ses(False)
    created = submit(client, email="long@example.ca")
    app_id = created["application_id"]
    assert move(client, tokens["coordinator.spvm"], app_id, "service_review", "submitted").status_code == 200
    baseline = len(sent_messages())

    # When the job runs every 5 minutes through a 12-hour outage
    d = deps()
    t = _run_job_every_5_minutes(d, datetime.now(timezone.utc), timedelta(hours=12))

    # Then every email is still pending (retried hourly by now), none failed for good
    rows = list(OutboxModel.by_application.query(app_id))
    assert {r.status for r in rows} == {"pending"} and len(rows) == 3
    assert all(int(r.attempts) > 10 for r in rows)
    # ...and the failed retries of the confirmation never retired the link from the 201 answer
    assert client.http.get(f"/applications/{app_id}", headers=bearer(created["access_token"])).status_code == 200

    # When SES is back, the next runs send each email exactly once
    set_ses(True)
    for minutes in (60, 65):
        d.clock = lambda m=minutes: t + timedelta(minutes=m)
        notifications.deliver_pending(d)
    new = sent_messages()[baseline:]
    assert sorted(m.destinations["ToAddresses"][0] for m in new) == sorted(
        ["long@example.ca", "long@example.ca", "peaceops-coordinator.spvm@example.ca"])
    assert {r.status for r in OutboxModel.by_application.query(app_id)} == {"sent"}
    # ...the retried confirmation's fresh link works, and so does the first one
    confirmation = next(m for m in new if "?token=" in m.body)
    assert client.http.get(f"/applications/{app_id}", headers=bearer(link_token(confirmation.body))).status_code == 200
    assert client.http.get(f"/applications/{app_id}", headers=bearer(created["access_token"])).status_code == 200


def test_an_email_fails_for_good_only_after_days_and_a_coordinator_can_requeue(client, tokens):
    from chalicelib.adapters.models import OutboxModel
    from chalicelib.api.wiring import deps
    from chalicelib.services import notifications

    set_ses(False)
    app_id = submit(client)["application_id"]
    d = deps()
    now = datetime.now(timezone.utc)
    # Just short of the limit: still pending, still queued.
    _run_job_every_5_minutes(d, now, notifications.GIVE_UP_AFTER - timedelta(hours=2))
    rows = {r.recipient: r for r in OutboxModel.by_application.query(app_id)}
    assert rows["applicant"].status == "pending" and rows["applicant"].queue == "pending"
    # Past it: failed for good, out of the queue, the error kept.
    _run_job_every_5_minutes(d, now + notifications.GIVE_UP_AFTER - timedelta(hours=2), timedelta(hours=3))
    rows = {r.recipient: r for r in OutboxModel.by_application.query(app_id)}
    assert rows["applicant"].status == "failed" and rows["applicant"].queue is None
    assert rows["applicant"].last_error
    set_ses(True)
    mid = rows["applicant"].message_id
    r = staff_call(client, "post", f"/admin/emails/{mid}/retry", tokens["irss"], {})
    assert r.status_code == 202, r.body
    assert staff_call(client, "post", f"/admin/emails/{mid}/retry", tokens["irss"], {}).status_code == 409
    assert staff_call(client, "post", f"/admin/emails/{mid}/retry", tokens["health"], {}).status_code == 403
    d.clock = lambda: now + timedelta(days=30)
    assert notifications.deliver_pending(d)["sent"] == 1
    assert OutboxModel.get(mid).status == "sent"


def test_one_broken_row_does_not_stop_the_others(client, tokens, monkeypatch):
    from chalicelib.adapters.models import OutboxModel
    from chalicelib.api.wiring import deps
    from chalicelib.domain import emails
    from chalicelib.services import notifications

    # Given three files whose stage emails wait in the outbox
    set_ses(False)
    files = [submit(client, email=f"b{i}@example.ca")["application_id"] for i in range(3)]
    for app_id in files:
        assert move(client, tokens["coordinator.spvm"], app_id, "service_review", "submitted").status_code == 200
    deliver_outbox()  # the stream's attempts fail: each row waits, due at its backoff
    set_ses(True)
    baseline = len(ses_sent())

    # When rendering crashes for one file's emails (a template or data fault)
    broken = files[1]
    render = emails.render

    def flaky(template, lang, params):
        if broken.upper()[3:7] in params["reference"]:
            raise KeyError("stage_label")
        return render(template, lang, params)

    monkeypatch.setattr(emails, "render", flaky)
    d = deps()
    d.clock = lambda: datetime.now(timezone.utc) + timedelta(minutes=10)
    counts = notifications.deliver_pending(d)

    # Then the others are sent, and the broken ones are recorded and back in the queue
    assert counts["crashed"] == 3 and counts["sent"] == 6, counts  # the broken file: 2 confirmation rows + 1 stage row
    sent_to = {m.destinations["ToAddresses"][0] for m in sent_messages()[baseline:]}
    assert sent_to == {"b0@example.ca", "b2@example.ca", "peaceops-coordinator.spvm@example.ca"}
    broken_rows = list(OutboxModel.by_application.query(broken))
    assert {r.status for r in broken_rows} == {"pending"} and all(r.last_error == "KeyError" for r in broken_rows)


def test_the_job_pauses_when_ses_keeps_failing(client, tokens):
    from chalicelib.api.wiring import deps
    from chalicelib.services import notifications

    set_ses(False)
    for i in range(3):
        submit(client, email=f"p{i}@example.ca")
    d = deps()
    d.clock = lambda: datetime.now(timezone.utc) + timedelta(minutes=10)
    counts = notifications.deliver_pending(d)
    # Six rows due; after three transient failures in a row the rest wait for the next run untouched.
    assert counts["due"] == 6 and counts["failed"] == notifications.JOB_FAILURES_BEFORE_PAUSE
    assert counts["deferred"] == 6 - notifications.JOB_FAILURES_BEFORE_PAUSE
