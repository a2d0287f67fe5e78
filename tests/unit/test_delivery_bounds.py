"""The timing that keeps the email senders apart holds together.

No request sends: the stream's delivery function and the retry job each send a row only after
claiming it (a conditional update moving it LEASE ahead). What keeps a claim exclusive for its
whole attempt is that one attempt is bounded (the SES client's timeouts, one try: no botocore
retry) and shorter than the lease, and that each function stops starting sends before it is
killed at its Lambda timeout. These checks fail if someone raises a timeout or shortens a window
without the other.
"""
from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEPLOYED = ("dev", "prod")


def _stages() -> dict:
    return json.loads((ROOT / ".chalice" / "config.json").read_text())["stages"]


def _one_attempt() -> timedelta:
    from chalicelib.adapters import mailer

    return timedelta(seconds=mailer.ATTEMPTS * (mailer.CONNECT_TIMEOUT + mailer.READ_TIMEOUT))


def test_the_ses_client_is_built_with_the_bounded_config(monkeypatch) -> None:
    from chalicelib.adapters.mailer import ATTEMPTS, CONNECT_TIMEOUT, READ_TIMEOUT, SesMailer
    from chalicelib.config import get_settings

    monkeypatch.setenv("AWS_DEFAULT_REGION", "ca-central-1")
    config = SesMailer(get_settings()).client.meta.config
    assert (config.connect_timeout, config.read_timeout) == (CONNECT_TIMEOUT, READ_TIMEOUT)
    assert config.retries["total_max_attempts"] == ATTEMPTS


def test_the_ses_client_never_retries_by_itself() -> None:
    """SES takes no idempotency key: a retry after a read timeout re-sends what SES may have accepted."""
    from chalicelib.adapters.mailer import ATTEMPTS

    assert ATTEMPTS == 1


def test_the_stream_function_stops_sending_before_it_is_killed_and_a_claim_outlasts_an_attempt() -> None:
    from chalicelib.services.notifications import LEASE, STREAM_BUDGET, THROTTLE_RETRY_FOR

    # The last row it starts may be throttled until THROTTLE_RETRY_FOR, then tried once more.
    assert THROTTLE_RETRY_FOR + _one_attempt() < LEASE
    for name in DEPLOYED:
        fn = _stages()[name]["lambda_functions"]["deliver_emails"]
        timeout = timedelta(seconds=fn["lambda_timeout"])
        assert STREAM_BUDGET + THROTTLE_RETRY_FOR + _one_attempt() < timeout, f"{name}: killed mid-attempt"
        assert fn["reserved_concurrency"] == 1, f"{name}: the pace is per process; one process keeps it global"
        assert 0 < float(fn["environment_variables"]["PEACEOPS_SES_RATE"]) <= 14, f"{name}: over a new account's rate"


def test_the_job_stops_claiming_before_its_function_is_killed_and_a_claim_outlasts_an_attempt() -> None:
    from chalicelib.services.notifications import JOB_BUDGET, LEASE

    assert _one_attempt() < LEASE
    for name in DEPLOYED:
        timeout = timedelta(seconds=_stages()[name]["lambda_functions"]["retry_emails"]["lambda_timeout"])
        assert JOB_BUDGET + _one_attempt() < timeout, f"{name}: the job may be killed mid-attempt"
        # The reminders job reads the caps, rosters and files before it starts its budget: it gets the
        # budget, one attempt and as long again for its reads.
        timeout = timedelta(seconds=_stages()[name]["lambda_functions"]["send_reminders"]["lambda_timeout"])
        assert 2 * (JOB_BUDGET + _one_attempt()) <= timeout, f"{name}: the reminders job may be killed mid-attempt"
