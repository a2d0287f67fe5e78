"""Fixtures of the infrastructure tests, and the order they need.

The policy test compares the role policies with the AWS calls the service code
made during the integration tests (tests/infra/recorder.py, installed by
tests/conftest.py). pytest runs tests/infra before tests/integration
(alphabetical), so the policy test is moved to the end of the run. When this
session does not run the whole integration suite (a single file, -k, xdist
workers), the recording comes from its own run of tests/integration instead.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.infra import package as packaging
from tests.infra import recorder
from tests.infra.cfn import Resolver

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
INTEGRATION = ROOT / "tests" / "integration"
RUNS_LAST = HERE / "test_policy.py"
STAGE = "prod"

_deselected_integration: list[str] = []


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    last = [item for item in items if item.path == RUNS_LAST]
    if last:
        items[:] = [item for item in items if item.path != RUNS_LAST] + last


def pytest_deselected(items: list[pytest.Item]) -> None:
    _deselected_integration.extend(i.nodeid for i in items if INTEGRATION in i.path.parents)


def _session_ran_all_integration_tests(session: pytest.Session) -> bool:
    config = session.config
    if hasattr(config, "workerinput") or _deselected_integration:
        return False  # an xdist worker sees only part of the run; -k/-m left some out
    if any("::" in str(arg) for arg in config.args):
        return False  # single tests named on the command line
    files = {item.path for item in session.items if INTEGRATION in item.path.parents}
    return bool(files) and files == set(INTEGRATION.glob("test_*.py"))


def _record_in_subprocess(tmp: Path) -> dict[str, Any]:
    out = tmp / "aws-calls.json"
    env = {**os.environ, recorder.OUT_ENV: str(out)}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/integration", "-q", "-p", "tests.infra.recorder",
         "-p", "no:cacheprovider", "-p", "no:xdist"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert out.exists(), result.stdout[-3000:] + result.stderr[-3000:]
    loaded: dict[str, Any] = json.loads(out.read_text())
    return loaded


@pytest.fixture(scope="session")
def recording(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """What the service code called, per function: {"service": [[fn, svc, op, reqs]...], "setup": [...]}."""
    if _session_ran_all_integration_tests(request.session):
        return recorder.snapshot()
    parts = os.environ.get(recorder.DIR_ENV)
    if parts and not hasattr(request.config, "workerinput"):
        # scripts/test: the parallel run just before this one recorded the calls, per worker.
        merged, files, passed = recorder.merged_parts(parts)
        every_file = {f"tests/integration/{p.name}" for p in INTEGRATION.glob("test_*.py")}
        if passed and files == every_file:
            return merged
    return _record_in_subprocess(tmp_path_factory.mktemp("recording"))


@pytest.fixture(scope="session")
def template() -> dict[str, Any]:
    """The packaged template (prod): Chalice's output merged with infra/template.yaml."""
    return packaging.template(STAGE)


@pytest.fixture(scope="session")
def resolve(template: dict[str, Any]) -> Resolver:
    return Resolver(template, {"Stage": STAGE, "AlarmEmail": ""})


@pytest.fixture(scope="session")
def chalice_config() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((ROOT / ".chalice" / "config.json").read_text())
    return loaded
