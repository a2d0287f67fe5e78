"""Shared fixtures. The environment is set before any peaceops import, because
PynamoDB reads table names when the models module is imported."""
from __future__ import annotations

import os

os.environ.update({
    "AWS_DEFAULT_REGION": "ca-central-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
    "PEACEOPS_STAGE": "test",
    "PEACEOPS_TABLE_PREFIX": "peaceops-test",
    "PEACEOPS_SENDER": "no-reply@peaceops.test",
    "PEACEOPS_BASE_URL": "https://peaceops.test",
    "PEACEOPS_TOKEN_SECRET": "test-secret",
})
for name in ("PEACEOPS_DYNAMODB_ENDPOINT", "PEACEOPS_SES_ENDPOINT", "AWS_ENDPOINT_URL", "AWS_PROFILE"):
    os.environ.pop(name, None)

# --- AWS call recorder (infra) ------------------------------------------------------
# Records which AWS operations chalicelib makes during the run (a wrapper around
# botocore's BaseClient._make_api_call; set-up helpers and test bodies are left out),
# so tests/infra/test_policy.py can check the Lambda roles grant exactly those.
# It only observes: every call still goes through unchanged.
from tests.infra import recorder as _aws_call_recorder  # noqa: E402

_aws_call_recorder.install()


# When scripts/test runs the suite on parallel workers, each worker leaves what it recorded, and which
# integration test files it ran, in PEACEOPS_AWS_CALLS_DIR; tests/infra/test_policy.py, run after them,
# merges those (tests/infra/conftest.py) instead of running the integration tests a second time.
_ran_files: set[str] = set()


def pytest_runtest_logreport(report) -> None:  # type: ignore[no-untyped-def]
    if report.when == "call" and report.nodeid.startswith("tests/integration/"):
        _ran_files.add(report.nodeid.split("::", 1)[0])


def pytest_sessionfinish(session, exitstatus) -> None:  # type: ignore[no-untyped-def]
    out = os.environ.get(_aws_call_recorder.DIR_ENV)
    worker = getattr(session.config, "workerinput", {}).get("workerid")
    if out and worker:
        _aws_call_recorder.write_part(out, worker, sorted(_ran_files), exitstatus)
