"""The service as `scripts/dev` runs it, on free loopback ports, for the browser and contract tests.

moto's server emulates AWS; the tables, SES sender, catalogue and coordinators' user pool are set
up as `scripts/local.py bootstrap` does (without touching .local/, a developer's own), and
`chalice local` serves the app. The stage is one .chalice/config.json does not define, so the
environment set here (scripts/local.py's LOCAL_ENV for these ports) is what the app reads, and
every emailed link points at this server's port.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
STAGE = "test-service"

BOOTSTRAP = """
import json, sys
sys.path.insert(0, {root!r})
from chalicelib.adapters.tables import create_all, create_documents_bucket, verify_sender
from chalicelib.api.wiring import deps
from chalicelib.config import get_settings
from chalicelib.services import catalogue
from devtools.cognito_setup import DEMO_USERS, create_pool
settings = get_settings()
create_all(settings)
verify_sender(settings)
create_documents_bucket(settings)
catalogue.seed(deps())
pool = create_pool(settings.region, {moto!r})
print(json.dumps({{"pool": pool.user_pool_id, "client": pool.client_id,
                  "tokens": {{user: pool.id_token(user) for user in DEMO_USERS}}}}))
"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def local_env(moto_port: int, app_port: int) -> dict[str, str]:
    """scripts/local.py's environment for these ports, without this test process's AWS and peaceops settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PEACEOPS_", "AWS_"))}
    env.update({"PEACEOPS_MOTO_PORT": str(moto_port), "PEACEOPS_APP_PORT": str(app_port)})
    out = subprocess.run([str(BIN / "python"), "-c", (
        "import json, runpy, sys; sys.argv = ['local.py']; "
        "print(json.dumps(runpy.run_path('scripts/local.py')['LOCAL_ENV']))")],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True, timeout=60)
    env.update(json.loads(out.stdout.strip().splitlines()[-1]))
    return env


def wait_up(url: str, proc: subprocess.Popen[bytes], timeout: float, log: Path) -> None:
    """Until ``url`` answers (any status); RuntimeError with the log's tail if ``proc`` ends or time runs out."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except urllib.error.HTTPError:
            return  # it answered
        except OSError as err:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not come up; log:\n{log.read_text(errors='replace')[-3000:]}") from err
            time.sleep(0.2)


@dataclass
class LocalService:
    logs: Path
    moto_port: int = field(default_factory=free_port)
    app_port: int = field(default_factory=free_port)
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    tokens: dict[str, str] = field(default_factory=dict)
    settings: dict[str, str] = field(default_factory=dict)  # PEACEOPS_* settings of this service (limits, say)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.app_port}"

    @property
    def moto(self) -> str:
        return f"http://127.0.0.1:{self.moto_port}"

    def _spawn(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = open(self.logs / f"{name}.log", "wb")
        proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        self.procs.append(proc)
        return proc

    def start(self) -> "LocalService":
        env = local_env(self.moto_port, self.app_port)
        moto = self._spawn("moto", [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(self.moto_port)], env)
        wait_up(f"{self.moto}/moto-api/", moto, 30, self.logs / "moto.log")
        out = subprocess.run([str(BIN / "python"), "-c", BOOTSTRAP.format(root=str(ROOT), moto=self.moto)], cwd=ROOT,
                             env=env, check=True, capture_output=True, text=True, timeout=120)
        setup = json.loads(out.stdout.strip().splitlines()[-1])
        self.tokens = setup["tokens"]
        env.update({"PEACEOPS_COGNITO_USER_POOL_ID": setup["pool"], "PEACEOPS_COGNITO_CLIENT_ID": setup["client"],
                    **self.settings})
        app = self._spawn("chalice", [str(BIN / "chalice"), "local", "--host", "127.0.0.1", "--port",
                                      str(self.app_port), "--stage", STAGE, "--no-autoreload"], env)
        wait_up(f"{self.base}/en/missions", app, 60, self.logs / "chalice.log")
        # chalice local runs no event sources: the outbox stream's poller delivers the emails, as in scripts/dev.
        self._spawn("deliver", [str(BIN / "python"), "scripts/local.py", "deliver"], env)
        return self

    def stop(self) -> None:
        for proc in reversed(self.procs):
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")

    def call(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json", **(headers or {})})
        try:
            with urllib.request.urlopen(req, timeout=20) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read() or b"null")

    # --- what the service sent ---------------------------------------------------

    def mail(self) -> list[dict[str, Any]]:
        """Every email moto's SES accepted, oldest first (as `scripts/local.py mail` reads them). moto answers with
        every model instance it ever made (DynamoDB items too), so late in a long browser session the answer takes
        seconds: a generous timeout."""
        data = json.loads(urllib.request.urlopen(f"{self.moto}/moto-api/data.json", timeout=90).read())
        return list(data.get("ses", {}).get("Message", []))

    def mail_to(self, address: str, count: int = 1, timeout: float = 60) -> list[dict[str, Any]]:
        """The emails to ``address``, once at least ``count`` have arrived."""
        deadline = time.monotonic() + timeout
        while True:
            got = [m for m in self.mail() if address in m.get("destinations", {}).get("ToAddresses", [])]
            if len(got) >= count or time.monotonic() > deadline:
                return got
            time.sleep(0.2)
