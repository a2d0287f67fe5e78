"""The timing that keeps the two email senders apart holds together.

A request tries its rows once right after its transaction; the retry job may take a row only
IMMEDIATE_GRACE after it was written, or LEASE after it claimed it. No lock covers the request's
attempt: what keeps it inside the grace is that one attempt is bounded (the SES client's
timeouts and retries) and that the function running it is killed at its Lambda timeout.
These checks fail if someone raises a timeout or shortens a window without the other.
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


def test_a_request_always_ends_its_attempt_before_the_job_may_take_the_row() -> None:
    from chalicelib.services.notifications import IMMEDIATE_GRACE

    assert _one_attempt() < IMMEDIATE_GRACE
    for name in DEPLOYED:
        timeout = timedelta(seconds=_stages()[name]["lambda_timeout"])
        assert timeout < IMMEDIATE_GRACE, f"{name}: the API function may outlive the grace"


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
