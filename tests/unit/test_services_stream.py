"""Service unit tests, no AWS: the outbox stream's delivery (``notifications.deliver_stream``).

Rows are MemoryStorage's, handed to the function as the stream's Lambda event (tests/unit/fakes.py
``stream_event``); the pacer's and the throttling pauses' time passes only when slept (``FakeTime``).
"""
from __future__ import annotations

from dataclasses import replace

from chalicelib.services import notifications, submissions

from .fakes import OK, THROTTLED, TRANSIENT, FakeTime, application, make_deps, stream_event


def fresh(deps, n: int = 1):
    """``n`` submissions (two rows each), never tried: the stream's hook is off so each test drives it."""
    deps.mailer.deliver = None
    for i in range(n):
        submissions.submit(deps, application(email=f"u{i}@example.ca"), None)
    return [m for m in deps.store.state.outbox.values() if m.attempts == 0]


def test_each_new_row_is_claimed_and_sent_once_and_a_replay_sends_nothing():
    deps = make_deps()
    rows = fresh(deps)
    event = stream_event(rows)
    assert notifications.deliver_stream(deps, event, notifications.Pacer(0)) == {"batchItemFailures": []}
    assert len(deps.mailer.sent) == 2
    assert {(r.status, r.attempts) for r in deps.store.state.outbox.values()} == {("sent", 1)}
    # Lambda retrying the same batch, and the records of the function's own claims and marks: passed over
    marks = stream_event(list(deps.store.state.outbox.values()))
    for again in (event, marks):
        assert notifications.deliver_stream(deps, again, notifications.Pacer(0)) == {"batchItemFailures": []}
    assert len(deps.mailer.sent) == 2


def test_sends_are_paced_under_the_configured_rate():
    deps = make_deps()
    rows = fresh(deps, 3)
    t = FakeTime()
    notifications.deliver_stream(deps, stream_event(rows), notifications.Pacer(4, sleep=t.sleep, monotonic=t.monotonic))
    # Six sends at 4 a second: the first at once, then a quarter second apart
    assert len(deps.mailer.sent) == 6 and t.slept == [0.25] * 5 and t.now == 1.25


def test_throttling_is_retried_with_backoff_then_sent_once():
    deps = make_deps()
    (first, second) = fresh(deps)
    deps.mailer.script(THROTTLED, THROTTLED, OK, OK)
    t = FakeTime()
    out = notifications.deliver_stream(deps, stream_event([first, second]),
                                       notifications.Pacer(0, sleep=t.sleep, monotonic=t.monotonic))
    assert out == {"batchItemFailures": []}
    assert [e.to for e in deps.mailer.sent] == [first.to_address, second.to_address]
    assert t.slept == [0.5, 1.0]  # doubling pauses, inside the function
    assert deps.store.outbox.get(first.message_id).attempts == 3  # each attempt recorded


def test_throttling_past_its_bound_leaves_the_row_due_for_the_job():
    deps = make_deps()
    (row, _) = fresh(deps)
    deps.mailer.throttle()
    t = FakeTime()
    notifications.deliver_stream(deps, stream_event([row]), notifications.Pacer(0, sleep=t.sleep, monotonic=t.monotonic))
    stored = deps.store.outbox.get(row.message_id)
    assert deps.mailer.sent == [] and stored.status == "pending" and stored.due_at > deps.now()
    assert t.now <= notifications.THROTTLE_RETRY_FOR.total_seconds()
    # the job sends it once it is due
    deps.mailer.recover()
    deps.clock.advance(hours=1)
    assert notifications.deliver_pending(deps)["sent"] == 2  # it, and the other row (not in this batch)
    assert sorted(e.to for e in deps.mailer.sent) == sorted(r.to_address for r in deps.store.state.outbox.values())


def test_a_row_the_job_claimed_first_is_skipped():
    deps = make_deps()
    rows = fresh(deps)
    assert notifications.deliver_pending(deps)["sent"] == 2
    notifications.deliver_stream(deps, stream_event(rows), notifications.Pacer(0))
    assert len(deps.mailer.sent) == 2


def test_a_crash_is_reported_for_its_record_only(monkeypatch):
    from chalicelib.domain import emails

    deps = make_deps()
    rows = fresh(deps, 2)
    event = stream_event(rows)
    bad = event["Records"][1]
    render = emails.render

    def broken(template, lang, params):
        if params.get("reference") == emails.reference(rows[1].application_id) and template == rows[1].template:
            raise KeyError("stage_label")
        return render(template, lang, params)

    monkeypatch.setattr(emails, "render", broken)
    out = notifications.deliver_stream(deps, event, notifications.Pacer(0))
    assert out == {"batchItemFailures": [{"itemIdentifier": bad["dynamodb"]["SequenceNumber"]}]}
    assert len(deps.mailer.sent) == 3


def test_a_transient_failure_is_left_to_the_job_without_reporting_the_record():
    deps = make_deps()
    (row, _) = fresh(deps)
    deps.mailer.script(TRANSIENT)
    out = notifications.deliver_stream(deps, stream_event([row]), notifications.Pacer(0))
    assert out == {"batchItemFailures": []}
    stored = deps.store.outbox.get(row.message_id)
    assert (stored.status, stored.attempts) == ("pending", 1)


def test_a_requeued_row_is_sent_and_other_changes_are_not():
    deps = make_deps()
    (row, _) = fresh(deps)
    requeued = replace(row, requeued_at=deps.now())
    claimed = replace(row, attempts=1)
    notifications.deliver_stream(deps, stream_event([claimed]), notifications.Pacer(0))
    assert deps.mailer.sent == []
    notifications.deliver_stream(deps, stream_event([requeued]), notifications.Pacer(0))
    assert [e.to for e in deps.mailer.sent] == [row.to_address]
