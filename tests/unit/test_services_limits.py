"""Limits on abuse, per address (issue 13), through the services on MemoryStorage: new files a day, new-link
requests an hour, and a new-link request that does the same work whatever the address."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.domain import limits
from chalicelib.domain.errors import TooManyRequests
from chalicelib.services import applicant, notifications, submissions

from .fakes import FixedClock, application, make_deps, state_dicts

NOON = datetime(2026, 3, 2, 17, 0, tzinfo=timezone.utc)  # noon in Ottawa


def submit(deps, key=None, **overrides):
    return submissions.submit(deps, application(**overrides), key)


def files_of(deps, email):
    return [f for f in deps.store.state.files.values() if f.email == email]


def test_an_address_gets_its_files_of_the_day_then_a_clear_429_and_nothing_written():
    # Given an address that has sent its three applications today (Ottawa's day)
    deps = make_deps(clock=FixedClock(NOON))
    for _ in range(deps.settings.max_files_per_day):
        assert submit(deps)[0] == 201
    before = state_dicts(deps.store.snapshot())

    # When it sends a fourth
    with pytest.raises(TooManyRequests) as err:
        submit(deps)

    # Then it is refused with a 429 in both languages, and nothing of it is written (no file, no email)
    assert err.value.status == 429 and "3" in err.value.detail_en and "3" in err.value.detail_fr
    assert state_dicts(deps.store.snapshot()) == before
    # while another address is not affected
    assert submit(deps, email="autre@example.ca")[0] == 201


def test_a_retry_of_an_accepted_submission_is_answered_and_counts_nothing():
    deps = make_deps(clock=FixedClock(NOON))
    status, first = submit(deps, key="k-1")
    for _ in range(4):
        assert submit(deps, key="k-1") == (status, first)  # the same answer, the same file
    assert len(files_of(deps, "helene.cote@example.ca")) == 1
    # two more new files still pass: the retries counted nothing
    assert submit(deps)[0] == submit(deps)[0] == 201
    with pytest.raises(TooManyRequests):
        submit(deps)


def test_the_day_is_ottawas_and_a_new_day_gives_new_files():
    # Given the limit reached at 23:30 in Ottawa (04:30 UTC the next day)
    late = datetime(2026, 3, 3, 4, 30, tzinfo=timezone.utc)
    deps = make_deps(clock=FixedClock(late))
    for _ in range(3):
        submit(deps)
    with pytest.raises(TooManyRequests):
        submit(deps)
    # When Ottawa's midnight passes (05:00 UTC)
    deps.clock.set(late + timedelta(minutes=31))
    # Then the address may apply again
    assert submit(deps)[0] == 201
    counter = limits.files_today("helene.cote@example.ca", deps.today(), 3)
    assert counter.key.endswith("#2026-03-03") and counter.expires_at > int(late.timestamp())


def test_a_new_link_request_writes_one_row_and_looks_nothing_up(monkeypatch):
    # Given an address with two files, and one with none
    deps = make_deps(clock=FixedClock(NOON))
    submit(deps)
    submit(deps, missions=["iraq-mlt"])
    looked_up = []
    real = deps.store.files.ids_for_email
    monkeypatch.setattr(deps.store.files, "ids_for_email", lambda key: looked_up.append(key) or real(key))
    rows_before = set(deps.store.state.outbox)

    # When each asks for new links
    assert applicant.request_links(deps, "Helene.Cote@example.ca ") == 1
    assert applicant.request_links(deps, "nobody@example.ca") == 1

    # Then each request wrote exactly one row, the same kind for both, and looked nothing up
    new = [deps.store.state.outbox[i] for i in set(deps.store.state.outbox) - rows_before]
    assert sorted(r.template for r in new) == [notifications.ACCESS_REQUEST] * 2
    assert looked_up == []

    # When the requests are delivered, the address with files gets one link per file, the other nothing
    deps.clock.advance(minutes=5)
    notifications.deliver_pending(deps)
    links_sent = [e for e in deps.mailer.sent if e.to == "helene.cote@example.ca" and "?token=" in e.text]
    assert len(links_sent) >= 2 and not [e for e in deps.mailer.sent if e.to == "nobody@example.ca"]


def test_past_the_hourly_limit_a_new_link_request_writes_and_sends_nothing():
    deps = make_deps(clock=FixedClock(NOON))
    submit(deps)
    n = deps.settings.max_link_requests_per_hour
    assert [applicant.request_links(deps, "helene.cote@example.ca") for _ in range(n)] == [1] * n
    before = state_dicts(deps.store.snapshot())
    # When it asks once more within the hour: nothing written (the caller answers the same 202)
    assert applicant.request_links(deps, "HELENE.COTE@example.ca") == 0
    assert state_dicts(deps.store.snapshot()) == before
    # and the next hour it may ask again
    deps.clock.set(NOON.replace(hour=18))
    assert applicant.request_links(deps, "helene.cote@example.ca") == 1


def test_two_requests_in_one_window_send_one_link_per_file():
    deps = make_deps(clock=FixedClock(NOON))
    app_id = submit(deps)[1]["application_id"]
    applicant.request_links(deps, "helene.cote@example.ca")
    applicant.request_links(deps, "helene.cote@example.ca")
    deps.clock.advance(minutes=5)
    notifications.deliver_pending(deps)
    link_rows = [r for r in deps.store.state.outbox.values() if r.template == "access_link" and r.application_id == app_id]
    assert len(link_rows) == 1
    # each request row is done, naming how many link emails it wrote (one, then none)
    done = sorted(r.ses_message_id for r in deps.store.state.outbox.values() if r.template == notifications.ACCESS_REQUEST)
    assert done == ["expanded:0", "expanded:1"]


def test_limits_come_from_the_settings():
    deps = make_deps(clock=FixedClock(NOON))
    deps.settings = replace(deps.settings, max_files_per_day=1)
    submit(deps)
    with pytest.raises(TooManyRequests):
        submit(deps)
