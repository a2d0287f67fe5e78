"""The local run's staff helpers (scripts/local.py staff, totp, tokens) refuse a deployed stage: one that
.chalice/config.json deploys, or an AWS endpoint that is not the loopback emulator."""
from __future__ import annotations

import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LOCAL = runpy.run_path(str(ROOT / "scripts" / "local.py"))  # its functions; main() runs only as a script


@pytest.mark.parametrize("environ", [
    {"PEACEOPS_STAGE": "prod"},
    {"PEACEOPS_STAGE": "dev"},
    {"PEACEOPS_COGNITO_ENDPOINT": "https://cognito-idp.ca-central-1.amazonaws.com"},
    {"PEACEOPS_DYNAMODB_ENDPOINT": "http://10.0.0.5:8000"},
], ids=lambda e: ",".join(e))
def test_a_deployed_stage_is_named_as_the_reason(environ: dict[str, str]) -> None:
    reason = LOCAL["deployed_reason"](environ)
    assert reason is not None and next(iter(environ)) in reason


def test_the_local_run_is_not_deployed() -> None:
    assert LOCAL["deployed_reason"]({}) is None
    assert LOCAL["deployed_reason"]({k: v for k, v in LOCAL["LOCAL_ENV"].items()}) is None


@pytest.mark.parametrize("command", [["totp", "irss"], ["staff"], ["tokens"]])
def test_the_helpers_refuse_to_run_against_a_deployed_stage(command: list[str]) -> None:
    env = {**os.environ, "PEACEOPS_STAGE": "prod"}
    out = subprocess.run([sys.executable, "scripts/local.py", *command], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 1 and "refusing: PEACEOPS_STAGE=prod is a deployed stage" in out.stderr
    assert out.stdout == ""  # no password, no code


def test_totp_prints_the_code_an_authenticator_shows() -> None:
    from devtools.cognito_setup import totp_code

    env = {k: v for k, v in os.environ.items() if not k.startswith(("PEACEOPS_", "AWS_"))}
    out = subprocess.run([sys.executable, "scripts/local.py", "totp", "health"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.strip() in (totp_code(), totp_code(at=__import__("time").time() - 30))
