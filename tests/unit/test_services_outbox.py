"""Service unit tests, no AWS at all: the email retry job's decisions (``notifications.deliver_pending``).

The outbox is MemoryStorage's, the mailer a fake told to succeed or fail transiently or
permanently, the clock fixed and moved by hand (tests/unit/fakes.py).
"""
from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.domain import tokens
from chalicelib.domain.errors import NotFound
from chalicelib.services import applicant, notifications, submissions
from chalicelib.services.deps import iso, parse_iso
from chalicelib.services.notifications import GIVE_UP_AFTER, JOB_FAILURES_BEFORE_PAUSE, LEASE

from . import fakes
from .fakes import OK, PERMANENT, TRANSIENT, application, has_link, link_token
from .fakes import deliver_new as stream_delivery
from .fakes import make_deps as _make_deps


def make_deps():
    """These tests drive the retry job by hand: the stream's delivery runs only where a test says so."""
    deps = _make_deps()
    deps.mailer.deliver = None
    return deps

SPVM_COORDINATOR = "peaceops-coordinator.spvm@example.ca"


def submitted(deps):
    """A submitted Haiti file (its own emails sent or failed by the stream's delivery, as the mailer is told)."""
    answer = submissions.submit(deps, application(), None)[1]
    stream_delivery(deps)
    return answer


def queue_rows(deps, app_id, n=1):
    """``n`` fresh coordinator rows for the file, never attempted, due at once (the job's, in these tests)."""
    rows = []
    for i in range(n):
        row = notifications.new_message(deps, f"{app_id}:{100 + i}:coordinator", app_id, "coordinator_submitted",
                                        "coordinator", SPVM_COORDINATOR, "fr",
                                        {"mission_id": "haiti-minustah", "stage": "submitted"})
        assert deps.store.outbox.add_once(row)
        rows.append(row)
    return rows


def row(deps, message_id):
    return deps.store.outbox.get(message_id)


def deliver_request(deps):
    """A new-link request's delivery by the stream: the request row, then the link rows it wrote."""
    fakes.deliver_new(deps)
    fakes.deliver_new(deps)


def counts(**kw):
    base = {"due": 0, "sent": 0, "failed": 0, "skipped": 0, "crashed": 0, "deferred": 0, "suppressed": 0}
    base.update(kw)
    return base


# --- a due row -----------------------------------------------------------------------

def test_a_due_row_is_claimed_and_sent_once():
    # Given a row written just now (due at once) and a working mailer
    deps = make_deps()
    app_id = submitted(deps)["application_id"]
    (queued,) = queue_rows(deps, app_id)
    mails = len(deps.mailer.sent)

    # When the job runs
    out = notifications.deliver_pending(deps)

    # Then the row is sent once, marked sent with the SES id at attempt 1
    assert out == counts(due=1, sent=1)
    assert [e.to for e in deps.mailer.sent[mails:]] == [SPVM_COORDINATOR]
    done = row(deps, queued.message_id)
    assert (done.status, done.attempts, done.sent_at, done.due_at, done.ses_message_id) == (
        "sent", 1, iso(deps.clock()), None, f"ses-{len(deps.mailer.sent)}")

    # When the job runs again later
    deps.clock.advance(hours=1)
    # Then there is nothing left to send
    assert notifications.deliver_pending(deps) == counts()
    assert len(deps.mailer.sent) == mails + 1


def test_the_job_picks_up_what_the_request_could_not_send():
    # Given a submission made while SES was down: both its rows wait, attempt 1 failed
    deps = make_deps()
    deps.mailer.fail_transiently()
    app_id = submitted(deps)["application_id"]

    # When SES is back and the job runs a minute later
    deps.mailer.recover()
    deps.clock.advance(minutes=1)
    out = notifications.deliver_pending(deps)

    # Then both are sent, at attempt 2
    assert out == counts(due=2, sent=2)
    assert {(r.recipient, r.status, r.attempts) for r in deps.store.outbox.for_application(app_id)} == {
        ("applicant", "sent", 2), ("coordinator", "sent", 2)}


# --- transient failures: backoff, then give up --------------------------------------

def test_a_transient_failure_backs_off_doubling_to_an_hour_and_stays_pending():
    # Given a due row and SES failing transiently
    deps = make_deps()
    app_id = submitted(deps)["application_id"]
    (queued,) = queue_rows(deps, app_id)
    deps.mailer.fail_transiently()

    # When the job retries it each time it falls due
    waits = []
    for attempt in range(1, 10):
        assert notifications.deliver_pending(deps) == counts(due=1, failed=1)
        r = row(deps, queued.message_id)
        # Then after each attempt it stays pending, with the attempt counted and the error kept
        assert (r.status, r.attempts, r.last_error) == ("pending", attempt, "ServiceUnavailable")
        waits.append(parse_iso(r.due_at) - deps.clock())
        # and a run a second before it is due leaves it alone
        deps.clock.set(parse_iso(r.due_at) - timedelta(seconds=1))
        assert notifications.deliver_pending(deps) == counts()
        deps.clock.advance(seconds=1)

    # Then the waits were 1, 2, 4 ... minutes, capped at an hour
    assert waits == [timedelta(minutes=m) for m in (1, 2, 4, 8, 16, 32, 60, 60, 60)]
    assert len(deps.mailer.attempted) == 2 + 9  # the submission's two emails, then nine attempts


def test_after_three_days_of_transient_failures_the_row_is_failed_for_good():
    # Given a row written at T0 and SES failing transiently since
    deps = make_deps()
    app_id = submitted(deps)["application_id"]
    (queued,) = queue_rows(deps, app_id)
    created = parse_iso(queued.created_at)
    deps.mailer.fail_transiently()
    notifications.deliver_pending(deps)

    # When it is retried one minute short of three days
    deps.clock.set(created + GIVE_UP_AFTER - timedelta(minutes=1))
    notifications.deliver_pending(deps)
    # Then it is still pending
    r = row(deps, queued.message_id)
    assert (r.status, r.attempts) == ("pending", 2)

    # When it falls due again, now past three days, and fails again
    deps.clock.set(parse_iso(r.due_at))
    assert deps.clock() - created >= GIVE_UP_AFTER
    out = notifications.deliver_pending(deps)

    # Then it is failed for good: out of the queue, coordinators see it
    assert out == counts(due=1, failed=1)
    r = row(deps, queued.message_id)
    assert (r.status, r.attempts, r.due_at) == ("failed", 3, None)
    deps.clock.advance(days=1)
    assert notifications.deliver_pending(deps) == counts()


def test_an_email_queued_again_gets_a_fresh_retry_window():
    """Found by the service tests: a coordinator's requeue more than 3 days after the email was written
    failed it again at the first transient failure, with no backoff."""
    # Given a row failed for good after three days of an SES outage
    deps = make_deps()
    app_id = submitted(deps)["application_id"]
    (queued,) = queue_rows(deps, app_id)
    deps.mailer.fail_transiently()
    deps.clock.set(parse_iso(queued.created_at) + GIVE_UP_AFTER + timedelta(hours=1))
    notifications.deliver_pending(deps)
    assert row(deps, queued.message_id).status == "failed"

    # When a coordinator queues it again a day later, and SES fails once more
    deps.clock.advance(days=1)
    assert deps.store.outbox.requeue(queued.message_id, iso(deps.clock()))
    notifications.deliver_pending(deps)

    # Then it waits and retries (its window starts at the requeue), and goes out once SES is back
    r = row(deps, queued.message_id)
    assert (r.status, r.attempts) == ("pending", 1)
    deps.mailer.recover()
    deps.clock.set(parse_iso(r.due_at))
    assert notifications.deliver_pending(deps) == counts(due=1, sent=1)


# --- permanent failures --------------------------------------------------------------

def test_a_rejected_address_is_failed_at_once():
    # Given a due row and SES rejecting the address
    deps = make_deps()
    app_id = submitted(deps)["application_id"]
    (queued,) = queue_rows(deps, app_id)
    deps.mailer.fail_permanently()

    # When the job tries it
    out = notifications.deliver_pending(deps)

    # Then it is failed after that one attempt, with no retry planned
    assert out == counts(due=1, failed=1)
    r = row(deps, queued.message_id)
    assert (r.status, r.attempts, r.due_at, r.last_error) == ("failed", 1, None, "MessageRejected")
    deps.clock.advance(hours=2)
    assert notifications.deliver_pending(deps) == counts()


def test_a_rejected_address_at_submission_fails_the_row_at_once():
    # Given SES rejecting addresses
    deps = make_deps()
    deps.mailer.fail_permanently()

    # When an officer applies
    app_id = submitted(deps)["application_id"]

    # Then the file is kept and its rows are failed after the request's one attempt
    assert deps.store.files.get(app_id) is not None
    assert {(r.status, r.attempts, r.due_at) for r in deps.store.outbox.for_application(app_id)} == {
        ("failed", 1, None)}


# --- the run pauses when SES keeps failing -------------------------------------------

def test_the_run_pauses_after_three_failures_in_a_row():
    # Given five due rows and SES failing transiently
    deps = make_deps()
    app_id = submitted(deps)["application_id"]
    rows = queue_rows(deps, app_id, 5)
    deps.mailer.fail_transiently()
    attempted = len(deps.mailer.attempted)

    # When the job runs
    out = notifications.deliver_pending(deps)

    # Then it tries three, and defers the other two untouched (still due, no attempt counted)
    assert JOB_FAILURES_BEFORE_PAUSE == 3
    assert out == counts(due=5, failed=3, deferred=2)
    assert len(deps.mailer.attempted) == attempted + 3
    after = [row(deps, r.message_id) for r in rows]
    assert sorted(r.attempts for r in after) == [0, 0, 1, 1, 1]
    deferred = [r for r in after if r.attempts == 0]
    assert all(r.status == "pending" and r.due_at == q.due_at for r in deferred
               for q in rows if q.message_id == r.message_id)

    # When SES is back and the next run comes
    deps.mailer.recover()
    out = notifications.deliver_pending(deps)
    # Then the deferred two are sent (the three failed wait for their backoff)
    assert out == counts(due=2, sent=2)


def test_a_success_between_failures_resets_the_count():
    # Given five due rows and SES failing, failing, sending, failing, failing
    deps = make_deps()
    app_id = submitted(deps)["application_id"]
    queue_rows(deps, app_id, 5)
    deps.mailer.script(TRANSIENT, TRANSIENT, OK, TRANSIENT, TRANSIENT)

    # When the job runs
    out = notifications.deliver_pending(deps)

    # Then no two-in-a-row ever reached three: every row was tried
    assert out == counts(due=5, sent=1, failed=4)


def test_rejected_addresses_do_not_pause_the_run():
    # Given three rows whose addresses SES rejects, then a deliverable one
    deps = make_deps()
    app_id = submitted(deps)["application_id"]
    rows = queue_rows(deps, app_id, 4)
    deps.mailer.script(PERMANENT, PERMANENT, PERMANENT, OK)

    # When the job runs
    out = notifications.deliver_pending(deps)

    # Then the fourth is still sent: the pause is for transient failures in a row (SES down,
    # notifications.JOB_FAILURES_BEFORE_PAUSE), and a rejected address says nothing about SES
    assert out == counts(due=4, sent=1, failed=3)
    assert row(deps, rows[3].message_id).status == "sent"


def test_one_rows_crash_is_recorded_on_it_and_the_others_are_sent():
    # Given two due rows, the first naming a template that does not exist
    deps = make_deps()
    app_id = submitted(deps)["application_id"]
    broken, good = queue_rows(deps, app_id, 2)
    deps.store.state.outbox[broken.message_id] = type(broken)(**{**vars(broken), "template": "no_such_template"})

    # When the job runs
    out = notifications.deliver_pending(deps)

    # Then the broken row is counted as crashed and retried later; the other one is sent
    assert out == counts(due=2, sent=1, crashed=1)
    b = row(deps, broken.message_id)
    assert (b.status, b.attempts, b.due_at) == ("pending", 1, iso(deps.clock() + timedelta(minutes=1)))
    assert b.last_error
    assert row(deps, good.message_id).status == "sent"


# --- rows another worker holds -------------------------------------------------------

def test_a_row_another_worker_has_claimed_is_left_alone():
    # Given a due row that another run has claimed (its lease runs LEASE ahead)
    deps = make_deps()
    app_id = submitted(deps)["application_id"]
    (queued,) = queue_rows(deps, app_id)
    held = deps.store.outbox.claim(queued, iso(deps.clock() + LEASE))
    mails = len(deps.mailer.attempted)

    # When this run starts inside that lease
    out = notifications.deliver_pending(deps)

    # Then the row is not due for it: not claimed again, not sent
    assert out == counts()
    assert len(deps.mailer.attempted) == mails
    assert row(deps, queued.message_id) == held


def test_a_row_claimed_by_another_worker_between_listing_and_claiming_is_skipped():
    # Given two due rows; another worker claims the first right after this run lists them
    deps = make_deps()
    app_id = submitted(deps)["application_id"]
    first, second = queue_rows(deps, app_id, 2)
    real_due = deps.store.outbox.due

    def due_then_raced(now, limit):
        listed = real_due(now, limit)
        deps.store.outbox.claim(first, iso(deps.clock() + LEASE))  # the other worker
        return listed

    deps.store.outbox.due = due_then_raced  # type: ignore[method-assign]
    mails = len(deps.mailer.attempted)

    # When this run goes through its list
    out = notifications.deliver_pending(deps)

    # Then it skips the first (no second attempt on it) and sends the second
    assert out == counts(due=2, sent=1, skipped=1)
    assert len(deps.mailer.attempted) == mails + 1
    r = row(deps, first.message_id)
    assert (r.status, r.attempts) == ("pending", 1)  # the other worker's attempt only
    assert row(deps, second.message_id).status == "sent"


# --- link emails ---------------------------------------------------------------------

def test_a_retried_link_email_carries_a_fresh_token_stored_only_once_sent():
    # Given a submission made while SES was down: the applicant's email (with a link of its own) failed
    deps = make_deps()
    deps.mailer.fail_transiently()
    body = submitted(deps)
    app_id, answer_token = body["application_id"], body["access_token"]
    (first_try,) = [e for e in deps.mailer.attempted if has_link(e)]
    assert link_token(first_try) != answer_token
    assert deps.store.files.get(app_id).token_hashes == (tokens.token_hash(answer_token),)

    # When the job retries it a minute later and SES fails again
    deps.clock.advance(minutes=1)
    assert notifications.deliver_pending(deps)["failed"] == 2
    (failed_retry,) = [e for e in deps.mailer.attempted[2:] if has_link(e)]
    failed_token = link_token(failed_retry)

    # Then that attempt carried a new token, and no hash was added for it
    assert failed_token != answer_token
    assert deps.store.files.get(app_id).token_hashes == (tokens.token_hash(answer_token),)
    with pytest.raises(NotFound):
        applicant.authorize(deps, app_id, failed_token)

    # When SES is back and the job retries again
    deps.mailer.recover()
    deps.clock.advance(minutes=2)
    assert notifications.deliver_pending(deps) == counts(due=2, sent=2)

    # Then the email that went out carries another fresh token, now stored next to the first
    (sent,) = deps.mailer.sent_to("helene.cote@example.ca")
    sent_token = link_token(sent)
    assert sent_token not in (answer_token, failed_token)
    assert deps.store.files.get(app_id).token_hashes == (tokens.token_hash(answer_token),
                                                         tokens.token_hash(sent_token))
    # and it opens the file, as the answer's token still does; the coordinator's email has no link
    assert applicant.authorize(deps, app_id, sent_token).application_id == app_id
    assert applicant.authorize(deps, app_id, answer_token).application_id == app_id
    assert not any(has_link(e) for e in deps.mailer.sent_to(SPVM_COORDINATOR))


def test_a_requested_link_is_stored_only_once_sent_and_once_per_window():
    # Given a submitted file and SES failing
    deps = make_deps()
    app_id = submitted(deps)["application_id"]
    hashes = deps.store.files.get(app_id).token_hashes
    deps.mailer.fail_transiently()

    # When the applicant asks for a link, and the request is delivered while SES fails
    assert applicant.request_links(deps, "Helene.Cote@example.ca ") == 1
    deliver_request(deps)
    # Then the failed email added no token
    assert deps.store.files.get(app_id).token_hashes == hashes

    # When they ask again in the same ten minutes
    assert applicant.request_links(deps, "helene.cote@example.ca") == 1
    deliver_request(deps)
    # Then no second link row is written
    assert len([r for r in deps.store.state.outbox.values() if r.template == "access_link"]) == 1

    # When SES is back and the job sends the waiting row
    deps.mailer.recover()
    deps.clock.advance(minutes=1)
    assert notifications.deliver_pending(deps) == counts(due=1, sent=1)
    # Then its token is stored and opens the file
    token = link_token(deps.mailer.sent[-1])
    assert deps.store.files.get(app_id).token_hashes == (*hashes, tokens.token_hash(token))
    assert applicant.authorize(deps, app_id, token).application_id == app_id
