"""peaceops benchmarks: figures, each against a baseline measured in the same run.

    .venv/bin/python -m benchmarks.run                  # every section (the growth's export at 10,000 files
    .venv/bin/python -m benchmarks.run --quick          # takes minutes on moto); fewer repetitions, a burst of 100
    .venv/bin/python -m benchmarks.run --only latency,burst --burst 300

Printed as Markdown tables (the README quotes them):

- cold start: a fresh interpreter importing app.py from the unpacked
  deployment package (no site-packages; boto3 as the Lambda runtime provides
  it), against one importing a bare Chalice app that creates one boto3 client
  the same way (median of several runs);
- validating a full application against the JSON Schema, against one
  moto-backed request (the one-line route below);
- requests through Chalice's test client with moto in-process (submit,
  status, list page, move), against a one-line route making a single
  DynamoDB write, through the same client and moto;
- AWS calls per operation, counted by operation name at botocore's
  ``BaseClient._make_api_call`` (every client, PynamoDB's included), for each
  workflow operation through the same client and moto: submit, status, list
  page, a move (no seat), a move into and out of deployed (the seat taken and
  freed in the move's transaction), the applicant's withdrawal, a medical
  outcome, a UN module result, a bulk move (total and per file), the
  scheduled retry job sending pending emails (total and per email), the
  family-readiness form and new access links; files are first walked to the
  stage an operation needs by the roles the workflow names, and only the
  operation itself is counted;
- the size of the deployment package `chalice package` builds;
- growth: the pipeline report, a list page (plain and with a flag filter) and the
  CSV export at 100 and at 10,000 files (seeded straight through the adapter's
  rows, the counters rebuilt), as the ratio of the two;
- the latency model (benchmarks/latency.py): a botocore event hook adds 4 ms to
  each DynamoDB call and 60 ms to each SES call; submit, status, a coordinator's
  list page, a move and a new-link request against their floor (their sequential
  round trips times the delay), and POST /access-links for an address with three
  files against an unknown one;
- the burst (benchmarks/burst.py): 1,000 valid submissions from 32 concurrent
  clients in-process (moto serialized by a lock), their delivery drained at the
  modelled 14/s pace, and the reconcile of what was answered, stored and sent.

Ratios hide the machine: both sides of each ratio run here, now. Benchmarks are
never timed tests; tests/contract/test_benchmark_claims.py checks the call
counts only.
"""
from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

ENV = {  # as tests/conftest.py: moto in-process, no endpoint of our own
    "AWS_DEFAULT_REGION": "ca-central-1", "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled", "PEACEOPS_STAGE": "test", "PEACEOPS_TABLE_PREFIX": "peaceops-bench",
    "PEACEOPS_SENDER": "no-reply@peaceops.bench", "PEACEOPS_BASE_URL": "https://peaceops.bench",
    "PEACEOPS_TOKEN_SECRET": "bench-secret",
    # One address submits every benchmark file: the per-address limit (its counter is still written) set past them.
    "PEACEOPS_MAX_FILES_PER_DAY": "1000000", "PEACEOPS_MAX_LINK_REQUESTS_PER_HOUR": "1000000",
}
LAMBDA_ZIP_LIMIT = 50 * 1024 * 1024  # direct upload of a zipped deployment package
JSON = {"Content-Type": "application/json"}


def application() -> dict[str, Any]:
    from tests.integration.conftest import application as valid

    return valid()


def family_readiness() -> dict[str, Any]:
    from tests.integration.conftest import family_readiness as valid

    return valid()


# --- AWS calls ---------------------------------------------------------------------

@contextmanager
def counting() -> Iterator[Counter[str]]:
    """Count every botocore API call made inside, by operation name."""
    import botocore.client

    calls: Counter[str] = Counter()
    original = botocore.client.BaseClient._make_api_call

    def counted(self: Any, operation_name: str, api_params: Any) -> Any:
        calls[operation_name] += 1
        return original(self, operation_name, api_params)

    with mock.patch.object(botocore.client.BaseClient, "_make_api_call", counted):
        yield calls


def _post(client: Any, path: str, body: Any, **headers: str) -> Any:
    r = client.http.post(path, headers={**JSON, **headers}, body=json.dumps(body))
    assert r.status_code < 300, (path, r.status_code, r.body)
    return json.loads(r.body)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _submit(client: Any) -> dict[str, Any]:
    return dict(_post(client, "/applications", application()))


def _ok(r: Any) -> Any:
    assert r.status_code < 300, r.body
    return r


def _move(client: Any, token: str, application_id: str, expected: str, to: str,
          reason: str | None = None) -> dict[str, Any]:
    body = {"to_stage": to, "expected_stage": expected, **({"reason_code": reason} if reason else {})}
    return dict(_post(client, f"/admin/applications/{application_id}/moves", body, **_bearer(token)))


_emails = itertools.count()

# Each scenario: prepare (not counted, not timed), then return the one operation to measure.
Scenario = Callable[[Any, dict[str, str]], Callable[[], Any]]
# A fact a guard reads, recorded on a file (its submission answer) before a move.
Fact = Callable[[Any, dict[str, str], dict[str, Any]], None]


def _fact_family_readiness(client: Any, tokens: dict[str, str], f: dict[str, Any]) -> None:
    _ok(client.http.put(f"/applications/{f['application_id']}/family-readiness",
                        headers={**JSON, **_bearer(f["access_token"])}, body=json.dumps(family_readiness())))


def _fact_preliminary_forms(client: Any, tokens: dict[str, str], f: dict[str, Any]) -> None:
    """Every Preliminary Instructions form returned (through the service: no route yet), and the family-readiness form."""
    from chalicelib.api.wiring import deps
    from chalicelib.domain.workflow import Actor, load_workflow
    from chalicelib.services import workflow

    workflow.record_forms_returned(deps(), f["application_id"], Actor("irss", "benchmark"),
                                   {"forms": list(load_workflow().preliminary_forms)})
    _fact_family_readiness(client, tokens, f)


def _fact_medically_fit(client: Any, tokens: dict[str, str], f: dict[str, Any]) -> None:
    _ok(client.http.put(f"/admin/applications/{f['application_id']}/medical-outcome",
                        headers={**JSON, **_bearer(tokens["health"])}, body=json.dumps({"outcome": "fit"})))


def _fact_un_modules_passed(client: Any, tokens: dict[str, str], f: dict[str, Any]) -> None:
    from chalicelib.domain.workflow import load_workflow

    wf = load_workflow()
    for module in wf.un_modules:
        _post(client, f"/admin/applications/{f['application_id']}/module-results",
              {"module": module, "score": wf.pass_mark}, **_bearer(tokens["irss"]))


# The whole path of a default application (Haiti: a UN mission, so an interview and the
# online modules; SPVM): each stage, who moves the file there, and the fact its guard needs.
UN_PATH: tuple[tuple[str, str, Fact | None], ...] = (
    ("service_review", "coordinator.spvm", None), ("irss_review", "coordinator.spvm", None),
    ("interview", "irss", None), ("preliminary_instructions", "irss", None),
    ("medical", "irss", _fact_preliminary_forms), ("un_modules", "irss", _fact_medically_fit),
    ("final_recommendation", "irss", _fact_un_modules_passed), ("joining_instructions", "irss", None),
    ("training", "irss", None), ("deployed", "irss", None), ("returned", "irss", None),
)


def _walked_to(client: Any, tokens: dict[str, str], stage: str) -> dict[str, Any]:
    """A new file, moved along ``UN_PATH`` by the right roles until it stands at ``stage``."""
    f = _submit(client)
    at = "submitted"
    for to, who, fact in UN_PATH:
        if at == stage:
            break
        if fact:
            fact(client, tokens, f)
        _move(client, tokens[who], f["application_id"], at, to)
        at = to
    assert at == stage, (at, stage)
    return f


def _scenario_submit(client: Any, tokens: dict[str, str]) -> Callable[[], Any]:
    return lambda: _submit(client)


def _scenario_status(client: Any, tokens: dict[str, str]) -> Callable[[], Any]:
    f = _submit(client)
    return lambda: _ok(client.http.get(f"/applications/{f['application_id']}", headers=_bearer(f["access_token"])))


def _scenario_list_page(client: Any, tokens: dict[str, str]) -> Callable[[], Any]:
    _submit(client)
    return lambda: _ok(client.http.get("/admin/applications?limit=25", headers=_bearer(tokens["irss"])))


def _scenario_move(client: Any, tokens: dict[str, str]) -> Callable[[], Any]:
    f = _submit(client)
    return lambda: _move(client, tokens["coordinator.spvm"], f["application_id"], "submitted", "service_review")


def _scenario_deploy(client: Any, tokens: dict[str, str]) -> Callable[[], Any]:
    """Takes a seat: the cap's update is in the move's transaction; the coordinator is mailed too."""
    f = _walked_to(client, tokens, "training")
    return lambda: _move(client, tokens["irss"], f["application_id"], "training", "deployed")


def _scenario_return(client: Any, tokens: dict[str, str]) -> Callable[[], Any]:
    """Ends the roster entry and frees the seat; IRSS (and the first ready candidate's coordinator) are told."""
    f = _walked_to(client, tokens, "deployed")
    return lambda: _move(client, tokens["irss"], f["application_id"], "deployed", "returned", "rotation_completed")


def _scenario_withdrawal(client: Any, tokens: dict[str, str]) -> Callable[[], Any]:
    f = _submit(client)
    return lambda: _post(client, f"/applications/{f['application_id']}/withdrawal", {"reason_code": "family_reasons"},
                         **_bearer(f["access_token"]))


def _scenario_medical_outcome(client: Any, tokens: dict[str, str]) -> Callable[[], Any]:
    f = _walked_to(client, tokens, "medical")
    return lambda: _fact_medically_fit(client, tokens, f)


def _scenario_module_result(client: Any, tokens: dict[str, str]) -> Callable[[], Any]:
    from chalicelib.domain.workflow import load_workflow

    f = _walked_to(client, tokens, "un_modules")
    body = {"module": next(iter(load_workflow().un_modules)), "score": 92}
    return lambda: _post(client, f"/admin/applications/{f['application_id']}/module-results", body,
                         **_bearer(tokens["irss"]))


BULK_FILES = 5


def _scenario_bulk_move(client: Any, tokens: dict[str, str]) -> Callable[[], Any]:
    moves = [{"application_id": _submit(client)["application_id"], "to_stage": "service_review",
              "expected_stage": "submitted"} for _ in range(BULK_FILES)]

    def bulk() -> None:
        out = _post(client, "/admin/moves", {"moves": moves}, **_bearer(tokens["coordinator.spvm"]))
        assert out["moved"] == BULK_FILES, out

    return bulk


def _scenario_family_readiness(client: Any, tokens: dict[str, str]) -> Callable[[], Any]:
    f = _submit(client)
    return lambda: _fact_family_readiness(client, tokens, f)


def _scenario_access_links(client: Any, tokens: dict[str, str]) -> Callable[[], Any]:
    email = f"bench-{next(_emails)}@example.ca"  # an address with one file
    _post(client, "/applications", {**application(), "email": email})
    return lambda: _post(client, "/access-links", {"email": email})


RETRY_EMAILS = 5


def _deliver_stream() -> None:
    """What Lambda's event source mapping does: the outbox stream's records so far, read off moto's stream,
    handed to the real ``app.deliver_emails`` (as tests/integration/conftest.py's ``deliver_outbox``)."""
    from app import deliver_emails
    from chalicelib.adapters.tables import stream_arn
    from chalicelib.config import get_settings
    from devtools.stream_poller import StreamReader

    reader = StreamReader(stream_arn(get_settings()), get_settings().region)
    while events := reader.events():
        for event in events:
            deliver_emails(event, None)


def _scenario_retry_job(client: Any, tokens: dict[str, str]) -> Callable[[], Any]:
    """As tests/integration/test_email_outage.py: SES refuses (the sender unverified) while files move, so
    each move's email waits in the outbox after the stream's attempt; SES is back, and the scheduled job runs
    past the backoff."""
    import boto3

    from chalicelib.adapters.tables import verify_sender
    from chalicelib.api.wiring import deps
    from chalicelib.services import notifications

    d = deps()
    files = [_submit(client) for _ in range(RETRY_EMAILS)]
    _deliver_stream()  # the confirmations go out (and every earlier scenario's emails)
    boto3.client("ses", region_name=d.settings.region).delete_identity(Identity=d.settings.sender)
    try:
        for f in files:  # one applicant email each (no coordinator email for this stage)
            _move(client, tokens["coordinator.spvm"], f["application_id"], "submitted", "service_review")
        _deliver_stream()  # the stream's attempts fail: each row waits, due at its backoff
    finally:
        verify_sender(d.settings)

    def job() -> None:
        clock, later = d.clock, d.clock() + timedelta(minutes=10)
        d.clock = lambda: later
        try:
            counts = notifications.deliver_pending(d)
        finally:
            d.clock = clock
        assert counts["due"] == counts["sent"] == RETRY_EMAILS, counts

    return job


SCENARIOS: dict[str, Scenario] = {
    "submit": _scenario_submit, "status": _scenario_status, "list page": _scenario_list_page,
    "move": _scenario_move, "move into deployed (takes a seat)": _scenario_deploy,
    "move out of deployed (frees the seat)": _scenario_return, "withdrawal by the applicant": _scenario_withdrawal,
    "medical outcome": _scenario_medical_outcome, "UN module result": _scenario_module_result,
    f"bulk move ({BULK_FILES} files)": _scenario_bulk_move,
    f"retry job ({RETRY_EMAILS} pending emails)": _scenario_retry_job,
    "family readiness": _scenario_family_readiness, "access links": _scenario_access_links,
}
# Operations over several items: also printed per item (label, divisor).
PER_ITEM: dict[str, tuple[str, int]] = {
    f"bulk move ({BULK_FILES} files)": ("bulk move, per file", BULK_FILES),
    f"retry job ({RETRY_EMAILS} pending emails)": ("retry job, per email", RETRY_EMAILS),
}


def calls_for(name: str, client: Any, tokens: dict[str, str]) -> Counter[str]:
    """The AWS calls one ``name`` operation makes (its preparation not counted)."""
    operation = SCENARIOS[name](client, tokens)
    with counting() as calls:
        operation()
    return calls


# --- the emulated account ----------------------------------------------------------------

@dataclass
class Emulated:
    client: Any
    tokens: dict[str, str]


def _clear_caches() -> None:
    from chalicelib.api.auth import verifier
    from chalicelib.api.wiring import deps
    from chalicelib.config import get_settings

    get_settings.cache_clear()
    deps.cache_clear()
    verifier.cache_clear()


def moto_environment() -> None:
    """As tests/conftest.py: no endpoint of our own (moto in-process); set before chalicelib's models are
    imported, since PynamoDB reads the table names then."""
    for name in ("PEACEOPS_DYNAMODB_ENDPOINT", "PEACEOPS_SES_ENDPOINT", "PEACEOPS_COGNITO_ENDPOINT", "AWS_ENDPOINT_URL"):
        os.environ.pop(name, None)
    for k, v in ENV.items():
        os.environ.setdefault(k, v)


@contextmanager
def emulated() -> Iterator[Emulated]:
    """moto in-process: tables, verified sender, seeded catalogue, the coordinators' pool; the app's test client."""
    moto_environment()
    from chalice.test import Client
    from moto import mock_aws

    with mock_aws():
        from chalicelib.adapters import models
        from chalicelib.adapters.tables import create_all, verify_sender
        from chalicelib.api.wiring import deps
        from chalicelib.config import get_settings
        from chalicelib.services import catalogue
        from devtools.cognito_setup import DEMO_USERS, create_pool

        for model in (*models.ALL_MODELS, models.CapModel, models.BulletinModel):
            model._connection = None  # type: ignore[attr-defined]  # PynamoDB caches one per class
        pool = create_pool(os.environ["AWS_DEFAULT_REGION"])
        os.environ["PEACEOPS_COGNITO_USER_POOL_ID"], os.environ["PEACEOPS_COGNITO_CLIENT_ID"] = pool.user_pool_id, pool.client_id
        from chalicelib.api import auth
        from devtools.cognito_setup import in_process_jwks

        auth.JWKS_FETCH = in_process_jwks  # PyJWKClient's urllib does not reach moto's in-process mock
        auth.verifier.cache_clear()
        _clear_caches()
        create_all(get_settings())
        verify_sender(get_settings())
        catalogue.seed(deps())
        from app import app

        with Client(app) as client:
            yield Emulated(client, {user: pool.id_token(user) for user in DEMO_USERS})
        _clear_caches()


# --- growth: the same reads at 100 and at 10,000 files ------------------------------------

GROWTH_SIZES = (100, 10_000)
GROWTH_READS = {  # what a coordinator reads; the list pages and the export as IRSS
    "pipeline report": "/admin/reports/pipeline",
    "list page (25 files)": "/admin/applications?limit=25",
    "list page, flag filter (not_met)": "/admin/applications?limit=25&flag=not_met",
    "CSV export (every file, up to its 10,000)": "/admin/reports/applications.csv",
}


def _seed_files(template: Any, start: int, count: int) -> None:
    """``count`` files written straight through the adapter's rows (batch writes, no transaction each), varied
    over missions, stages, services and flags; then the counters rebuilt from them, as an upgrade's seed does."""
    from dataclasses import replace

    from chalicelib.adapters.dynamo import file_row
    from chalicelib.adapters.models import ApplicationModel

    missions = ("haiti-minustah", "iraq-mlt", "drc-monusco", "ukraine-euam")
    stages = ("submitted", "service_review", "irss_review", "interview", "withdrawn", "not_selected")
    services = ("spvm", "opp", "sq", "tps")
    with ApplicationModel.batch_write() as batch:
        for n in range(start, start + count):
            stamp = f"2026-{1 + n % 12:02d}-{1 + n % 28:02d}T{n % 24:02d}:00:{n % 60:02d}.{n:06d}Z"
            batch.save(file_row(replace(
                template, application_id=f"po-growth{n:08d}", mission_id=missions[n % 4], stage=stages[n % 6],
                police_service=services[n % 4], eligibility_flag="not_met" if n % 20 == 0 else "all_met",
                submitted_at=stamp, updated_at=stamp, email_key=f"growth-{n}")))


def growth(e: Emulated, runs: int) -> dict[str, tuple[float, float]]:
    """Median ms of each read at each size (the export once: it is one Query per 100 rows)."""
    from chalicelib.api.wiring import deps
    from chalicelib.services import counts

    template = deps().store.files.get(_submit(e.client)["application_id"])
    irss = _bearer(e.tokens["irss"])
    out: dict[str, list[float]] = {name: [] for name in GROWTH_READS}
    have = 1
    for size in GROWTH_SIZES:
        _seed_files(template, have, size - have)
        have = size
        counts.rebuild(deps())
        for name, path in GROWTH_READS.items():
            reps, warmup = (1, 0) if "export" in name else (runs, 1)  # the export at 10,000: about a minute on moto
            out[name].append(median_ms(lambda path=path: _ok(e.client.http.get(path, headers=irss)), reps, warmup))
    return {name: (ms[0], ms[1]) for name, ms in out.items()}


# --- timings ---------------------------------------------------------------------------

def median_ms(operation: Callable[[], Any], runs: int, warmup: int = 3) -> float:
    for _ in range(warmup):
        operation()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        operation()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def baseline_request(runs: int) -> float:
    """A bare Chalice app whose one route makes a single DynamoDB write (same client, same moto)."""
    import boto3
    from chalice import Chalice
    from chalice.test import Client

    ddb = boto3.client("dynamodb", region_name=os.environ["AWS_DEFAULT_REGION"])
    ddb.create_table(TableName="bench-baseline", BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    bare = Chalice(app_name="bare")
    n = itertools.count()

    @bare.route("/write", methods=["POST"])
    def write() -> dict[str, str]:
        return {"ok": str(ddb.put_item(TableName="bench-baseline", Item={"pk": {"S": str(next(n))}})["ResponseMetadata"]["HTTPStatusCode"])}

    with Client(bare) as client:
        return median_ms(lambda: _ok(client.http.post("/write", headers=JSON, body="{}")), runs)


def request_timings(e: Emulated, runs: int) -> dict[str, float]:
    out = {}
    for name in ("submit", "status", "list page"):
        out[name] = median_ms(SCENARIOS[name](e.client, e.tokens), runs)
    moves = [SCENARIOS["move"](e.client, e.tokens) for _ in range(runs + 3)]  # a fresh file for each move
    it = iter(moves)
    out["move"] = median_ms(lambda: next(it)(), runs)
    return out


def validation_ms(runs: int) -> float:
    from chalicelib.domain import forms

    doc = application()
    assert not forms.check("application", doc)
    return median_ms(lambda: forms.check("application", doc), runs)


IMPORT_APP = "import app"
IMPORT_BARE = "import boto3; from chalice import Chalice; app = Chalice(app_name='bare'); boto3.client('dynamodb')"
TIMED = ("import sys; sys.path[:0] = [{pkg!r}, {runtime!r}]; import time; t = time.perf_counter(); {code}; "
         "print(time.perf_counter() - t)")
LAMBDA_RUNTIME_PACKAGES = ("boto3", "s3transfer")  # the Python runtime provides these; the zip does not carry them


def build_package(out: Path) -> Path:
    """`chalice package` into ``out``; the deployment zip unpacked beside it, as Lambda's /var/task."""
    import zipfile

    chalice = Path(sys.executable).parent / "chalice"
    subprocess.run([str(chalice), "package", "--stage", "prod", str(out / "package")], cwd=ROOT, check=True,
                   env={**os.environ, "AWS_DEFAULT_REGION": ENV["AWS_DEFAULT_REGION"]}, capture_output=True,
                   timeout=600)
    with zipfile.ZipFile(out / "package" / "deployment.zip") as z:
        z.extractall(out / "task")
    runtime = out / "runtime"
    runtime.mkdir()
    import boto3

    site = Path(boto3.__file__).resolve().parent.parent
    for name in LAMBDA_RUNTIME_PACKAGES:
        (runtime / name).symlink_to(site / name)
    return out / "package" / "deployment.zip"


def cold_start(out: Path, runs: int) -> tuple[float, float]:
    """Median import time (ms) in fresh interpreters that see only the unpacked package and the runtime's
    boto3 (-I -S: no site-packages), of app.py and of a bare Chalice app creating one boto3 client."""
    env = {"PATH": os.environ.get("PATH", ""), **ENV}
    app_times: list[float] = []
    bare_times: list[float] = []
    for _ in range(runs):  # interleaved, so drift hits both alike
        for code, times in ((IMPORT_APP, app_times), (IMPORT_BARE, bare_times)):
            timed = TIMED.format(pkg=str(out / "task"), runtime=str(out / "runtime"), code=code)
            result = subprocess.run([sys.executable, "-I", "-S", "-c", timed], cwd=out / "task", env=env,
                                    capture_output=True, text=True, check=True, timeout=120)
            times.append(float(result.stdout.strip().splitlines()[-1]) * 1000)
    return statistics.median(app_times), statistics.median(bare_times)


# --- the tables ------------------------------------------------------------------------

def _x(ratio: float) -> str:
    return f"{ratio:.2f}×"


def _calls_text(counted: Mapping[str, float]) -> str:
    return ", ".join(f"{op} {n:g}" for op, n in sorted(counted.items()))


def call_rows(calls: Mapping[str, Counter[str]]) -> Iterator[tuple[str, str]]:
    """One row per operation; operations over several items add a row per item."""
    for name, counted in calls.items():
        yield name, _calls_text(counted)
        if name in PER_ITEM:
            label, items = PER_ITEM[name]
            yield label, _calls_text({op: n / items for op, n in counted.items()})


SECTIONS = ("requests", "growth", "latency", "burst")
# Scenarios that are not requests (the scheduled job): the only ones allowed to call SES.
JOBS = {f"retry job ({RETRY_EMAILS} pending emails)"}


@contextmanager
def _environment(**values: str) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (and a burst of 100)")
    parser.add_argument("--only", default=",".join(SECTIONS),
                        help=f"comma-separated sections to run, of {', '.join(SECTIONS)} (default: all)")
    parser.add_argument("--burst", type=int, default=None, help="submissions in the burst (1,000; --quick: 100)")
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients in the burst")
    args = parser.parse_args(argv)
    only = {name.strip() for name in args.only.split(",") if name.strip()}
    if only - set(SECTIONS):
        parser.error(f"unknown section(s): {', '.join(sorted(only - set(SECTIONS)))}")
    runs, cold_runs = (10, 3) if args.quick else (40, 7)
    burst_count = args.burst or (100 if args.quick else 1000)

    moto_environment()
    from benchmarks import burst, latency

    latency.install()  # before any botocore session: every client carries the latency hooks (inactive until used)
    print(f"peaceops benchmarks (Python {sys.version.split()[0]}, {os.cpu_count()} cores; medians of "
          f"{runs} requests, {cold_runs} cold starts)\n")
    if "requests" in only:
        _requests_section(runs, cold_runs)
    if "growth" in only:
        # The app logs a JSON line per request on stderr: kept on (it is part of the cost), not shown.
        with open(os.devnull, "w") as quiet, contextlib.redirect_stderr(quiet), emulated() as e:
            grown = growth(e, runs)
        small, large = GROWTH_SIZES
        print(f"\n| growth (IRSS) | {small:,} files | {large:,} files | ratio |\n|---|---|---|---|")
        for name, (at_small, at_large) in grown.items():
            print(f"| {name} | {at_small:.1f} ms | {at_large:.1f} ms | {_x(at_large / at_small)} |")
    if "latency" in only:
        latency.fresh_clients()
        with open(os.devnull, "w") as quiet, contextlib.redirect_stderr(quiet), emulated() as e:
            timed = latency.latency_table(e, runs)
            parts = latency.submit_parts(e, runs)
            access = latency.access_links_timing(e, runs * 2)
        latency.print_latency(timed, parts, access, runs, runs * 2)
    if "burst" in only:
        latency.fresh_clients()
        with _environment(PEACEOPS_SES_RATE=f"{burst.SES_RATE:g}"), open(os.devnull, "w") as quiet, \
                contextlib.redirect_stderr(quiet), emulated():
            report = burst.burst(burst_count, args.clients)
        burst.print_burst(report)


def _requests_section(runs: int, cold_runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        size = build_package(Path(tmp)).stat().st_size
        app_ms, bare_ms = cold_start(Path(tmp), cold_runs)
    with open(os.devnull, "w") as quiet, contextlib.redirect_stderr(quiet), emulated() as e:
        base = baseline_request(runs)
        validate = validation_ms(runs * 10)
        requests = request_timings(e, runs)
        calls = {name: calls_for(name, e.client, e.tokens) for name in SCENARIOS}

    rows = [("cold start: import app.py from the package", f"{app_ms:.0f} ms",
             f"bare Chalice app + one boto3 client: {bare_ms:.0f} ms",
             _x(app_ms / bare_ms)),
            ("validate a full application (JSON Schema)", f"{validate:.2f} ms",
             f"one moto-backed request: {base:.2f} ms", _x(validate / base))]
    rows += [(f"request: {name}", f"{ms:.2f} ms", f"one-line route, one DynamoDB write: {base:.2f} ms", _x(ms / base))
             for name, ms in requests.items()]
    rows.append(("deployment package (zip)", f"{size / 1024 / 1024:.1f} MiB",
                 f"Lambda's zipped upload limit: {LAMBDA_ZIP_LIMIT // 1024 // 1024} MiB", _x(size / LAMBDA_ZIP_LIMIT)))
    print("| measure | peaceops | baseline (same run) | ratio |\n|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print("\n| operation | AWS calls |\n|---|---|")
    for name, text in call_rows(calls):
        print(f"| {name} | {text} |")
    mailing = [name for name, counted in calls.items() if counted.get("SendEmail") and name not in JOBS]
    print(f"\nSendEmail on a request path: {', '.join(mailing) if mailing else 'none'} "
          f"(of {len(calls) - len(JOBS)} request operations; only the scheduled retry job sends).")


if __name__ == "__main__":
    main()
