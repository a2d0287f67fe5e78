"""A restart of `scripts/dev` works like its first start (issue 10).

Given `scripts/dev` run as a developer runs it, in this checkout, on its own free loopback ports
When it is stopped with Ctrl-C (SIGINT to its process group) and started again in the same checkout,
     then killed hard (SIGKILL: no clean-up runs, its state stays on disk) and started a third time
Then each start serves the public pages, the seeded missions, and staff sign-in with a token freshly
     minted by `scripts/local.py tokens` (the second start used to answer 401: its `chalice local`
     was given the first run's user pool id, left in `.local/`).

Every other test starts from a fresh emulator; this one keeps what the last run left on disk.
Its state lives in `.local/<moto port>/`, apart from a developer's own run on other ports.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from ..local_service import free_port, wait_up
from .conftest import application

ROOT = Path(__file__).resolve().parents[2]
DEV = ROOT / "scripts" / "dev"
PYTHON = ROOT / ".venv" / "bin" / "python"

pytestmark = pytest.mark.timeout(180)


def _get(url: str, token: str | None = None) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=20) as r:
            body = r.read()
            return r.status, json.loads(body) if "json" in r.headers.get("Content-Type", "") else body
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def _stop(proc: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    """SIGINT to the whole process group is Ctrl-C in the developer's terminal; SIGKILL a crash."""
    if proc.poll() is None:
        os.killpg(proc.pid, sig)
        try:
            # Its trap stops moto, the poller and chalice and waits for them: on a machine busy with the rest of
            # the suite that can take a while (a clean clone's run once went past 20 s).
            proc.wait(timeout=60)
            return
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # anything of this run's still alive (the test then fails on ports)
    except ProcessLookupError:
        pass
    proc.wait(timeout=10)


def _an_application_is_emailed_through_the_stream_poller(env: dict[str, str], app: str) -> None:
    """`chalice local` runs no event sources: scripts/dev's poller of moto's outbox stream sends the emails."""
    request = urllib.request.Request(f"{app}/applications", data=json.dumps(application()).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=20) as r:
        assert r.status == 201
        reference = json.loads(r.read())["reference"]
    deadline = time.monotonic() + 30
    while True:
        mail = subprocess.run([str(PYTHON), "scripts/local.py", "mail"], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=60)
        if mail.stdout.count(reference) >= 2:  # the applicant's confirmation and the coordinator's notice
            return
        assert time.monotonic() < deadline, f"no email within 30 s: {mail.stdout[-500:]}{mail.stderr[-500:]}"
        time.sleep(0.5)


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start_and_sign_in(env: dict[str, str], app: str, log: Path, stop: signal.Signals) -> list[str]:
    """One `scripts/dev` run: serve, sign in as irss, read the catalogue, stop; returns the mission ids."""
    # As a developer's terminal starts it: Ctrl-C's signal not ignored. A test process may run with SIGINT
    # ignored (a pytest-xdist worker, a library's handler), and a shell started so can never trap it.
    proc = subprocess.Popen([str(DEV)], cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
                            start_new_session=True, preexec_fn=_default_sigint)
    try:
        try:
            wait_up(f"{app}/en/missions", proc, 90, log)
        except RuntimeError as err:
            pytest.fail(f"scripts/dev did not serve (exit {proc.poll()}): {err}")
        minted = subprocess.run([str(PYTHON), "scripts/local.py", "tokens", "--user", "irss"], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=60)
        assert minted.returncode == 0, minted.stdout + minted.stderr
        token = minted.stdout.strip()

        status, who = _get(f"{app}/admin/whoami", token)
        assert status == 200, f"whoami answered {status}: {who!r}"
        assert who["role"] == "irss"
        page_status, _ = _get(f"{app}/en/missions")
        assert page_status == 200
        missions_status, body = _get(f"{app}/missions")
        assert missions_status == 200
        _an_application_is_emailed_through_the_stream_poller(env, app)
        return sorted(m["mission_id"] for m in body["missions"])
    finally:
        _stop(proc, stop)


def test_second_start_in_the_same_checkout_signs_staff_in(tmp_path: Path) -> None:
    # Given a developer's environment (none of this test process's AWS or peaceops settings) and two free ports
    moto_port, app_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PEACEOPS_", "AWS_"))}
    env.update({"PEACEOPS_MOTO_PORT": str(moto_port), "PEACEOPS_APP_PORT": str(app_port)})
    app = f"http://127.0.0.1:{app_port}"
    run_dir = ROOT / ".local" / str(moto_port)
    try:
        # When scripts/dev starts, is stopped, and starts again on the same ports in the same checkout
        first = _start_and_sign_in(env, app, tmp_path / "dev-1.log", signal.SIGINT)
        assert not (run_dir / "state.json").exists(), ("Ctrl-C left the stopped run's state behind:\n"
                                                       + (tmp_path / "dev-1.log").read_text()[-2000:])
        second = _start_and_sign_in(env, app, tmp_path / "dev-2.log", signal.SIGKILL)
        assert (run_dir / "state.json").exists(), "the hard kill was to leave its state behind, as a crash does"
        third = _start_and_sign_in(env, app, tmp_path / "dev-3.log", signal.SIGINT)
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)
        try:
            run_dir.parent.rmdir()  # only if no other run has a directory there
        except OSError:
            pass

    # Then every run signed staff in (checked inside) and each restart seeded the same missions
    assert first, "the first run listed no missions"
    assert second == first
    assert third == first


def test_env_exports_this_runs_pool_over_a_stale_one() -> None:
    # Given a shell that still exports an earlier run's pool id, and the state this run's bootstrap wrote
    moto_port = free_port()
    run_dir = ROOT / ".local" / str(moto_port)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PEACEOPS_", "AWS_"))}
    env.update({"PEACEOPS_MOTO_PORT": str(moto_port), "PEACEOPS_COGNITO_USER_POOL_ID": "ca-central-1_earlier",
                "PEACEOPS_COGNITO_CLIENT_ID": "earlier", "PEACEOPS_DYNAMODB_ENDPOINT": "http://127.0.0.1:1"})

    def exported() -> str:
        out = subprocess.run([str(PYTHON), "scripts/local.py", "env"], cwd=ROOT, env=env, capture_output=True,
                             text=True, timeout=60, check=True)
        return out.stdout

    try:
        # When there is no state yet (before a bootstrap) and then when there is
        before = exported()
        run_dir.mkdir(parents=True)
        (run_dir / "state.json").write_text(json.dumps({"env": {
            "PEACEOPS_COGNITO_USER_POOL_ID": "ca-central-1_now", "PEACEOPS_COGNITO_CLIENT_ID": "now"}}))
        after = exported()
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)
        try:
            run_dir.parent.rmdir()
        except OSError:
            pass

    # Then `eval "$(local.py env)"` clears the stale ids, then sets this run's; the endpoint follows the port
    assert "unset PEACEOPS_COGNITO_USER_POOL_ID" in before and "earlier" not in before
    assert "export PEACEOPS_COGNITO_USER_POOL_ID=ca-central-1_now" in after and "earlier" not in after
    assert f"export PEACEOPS_DYNAMODB_ENDPOINT=http://127.0.0.1:{moto_port}" in after
