"""Records the AWS calls the service's own code makes while the tests run.

Every botocore call goes through ``BaseClient._make_api_call`` (boto3 clients
and PynamoDB's connection alike), so one wrapper sees them all, including
calls that moto answers. A call is *the service's* when a frame of app.py or
chalicelib/ is on its stack, and *set-up* when a frame of a set-up helper is
(table creation and sender verification in tables.py, the catalogue seed,
devtools/): set-up runs with an operator's credentials, never as the Lambda
role. Calls from test bodies (no frame of ours) are ignored, and so are calls
made outside the integration tests (``SCOPE``), so the recording is the same
whether it comes from the whole suite or from a run of tests/integration alone.
A service call belongs to the scheduled RetryEmails function when
``retry_emails`` or ``notifications.deliver_pending`` is on its stack, to the
scheduled SendReminders function when ``send_reminders`` or ``reminders.run``
is, to the DeliverEmails function (the outbox stream's) when ``deliver_emails`` or
``notifications.deliver_stream`` is, to the ApplyRetention function when ``apply_retention`` or
``retention.run`` is, else to the API handler: each has its own role and policy.

Each call is turned into the IAM requests it makes (``iam_requests``): a
TransactWriteItems is a PutItem, UpdateItem, DeleteItem or ConditionCheckItem
per item on that item's table, a Query on an index is authorized on the
index's ARN, SES's SendEmail on the sender's identity and the configuration set.
tests/infra/test_policy.py compares these with the policies in .chalice/.

Installed by tests/conftest.py for the whole session (``install()``); run as a
plugin (``-p tests.infra.recorder``) with PEACEOPS_AWS_CALLS_OUT set, it also
writes what it saw to that file when the session ends.
"""
from __future__ import annotations

import json
import os
import sys
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator

ROOT = Path(__file__).resolve().parents[2]
_OURS = (str(ROOT / "app.py"), str(ROOT / "chalicelib") + os.sep)
# The scheduled job's code: a call under one of these is the RetryEmails function's.
_RETRY_JOB = ((str(ROOT / "app.py"), "retry_emails"),
              (str(ROOT / "chalicelib" / "services" / "notifications.py"), "deliver_pending"))
# The outbox stream's delivery code: a call under one of these is the DeliverEmails function's.
_STREAM_JOB = ((str(ROOT / "app.py"), "deliver_emails"),
               (str(ROOT / "chalicelib" / "services" / "notifications.py"), "deliver_stream"))
# The daily reminders job's code: a call under one of these is the SendReminders function's.
_REMINDERS_JOB = ((str(ROOT / "app.py"), "send_reminders"),
                  (str(ROOT / "chalicelib" / "services" / "reminders.py"), "run"))
# The daily retention job's code: a call under one of these is the ApplyRetention function's.
_RETENTION_JOB = ((str(ROOT / "app.py"), "apply_retention"),
                  (str(ROOT / "chalicelib" / "services" / "retention.py"), "run"))
# SES's events from the SNS topic: a call under one of these is the OnSesEvent function's.
_SES_EVENTS_JOB = ((str(ROOT / "app.py"), "on_ses_event"),
                   (str(ROOT / "chalicelib" / "services" / "feedback.py"), "record"))
# (file, function or None for any function in it) of set-up helpers.
_SETUP = (
    (str(ROOT / "chalicelib" / "adapters" / "tables.py"), None),
    (str(ROOT / "chalicelib" / "services" / "catalogue.py"), "seed"),
    (str(ROOT / "chalicelib" / "services" / "counts.py"), "rebuild"),  # the operator's one-off count (README)
    (str(ROOT / "chalicelib" / "services" / "search.py"), "index_names"),  # the name index's one-off upgrade
    (str(ROOT / "chalicelib" / "adapters" / "dynamo.py"), "index_unlisted"),  # the audit index's backfill (seed's)
    (str(ROOT / "devtools") + os.sep, None),
)
OUT_ENV = "PEACEOPS_AWS_CALLS_OUT"
# The tests that exercise the app in-process against moto (pytest sets PYTEST_CURRENT_TEST).
SCOPE = "tests/integration/"
_forced = 0

IamRequest = tuple[str, tuple[str, ...]]  # (IAM action, symbolic resource)
# Cognito's user-facing operations the console calls (adapters/cognito_auth.py): "Amazon Cognito doesn't evaluate
# IAM policies in requests for this API operation" (each one's API reference), so no role grants them.
COGNITO_PUBLIC = frozenset({"InitiateAuth", "RespondToAuthChallenge", "AssociateSoftwareToken", "VerifySoftwareToken",
                            "SetUserMFAPreference", "GlobalSignOut"})

# S3 object operations and the IAM action each is authorized by. A presigned POST or GET makes no call: it is
# recorded as the request it signs (``PresignedPost``: the browser's PutObject, ``Presigned:GetObject``: staff's
# GetObject), since S3 authorizes that request against the role that signed it. HeadObject is s3:GetObject's.
S3_OBJECT_ACTIONS = {"GetObject": "GetObject", "HeadObject": "GetObject", "GetObjectTagging": "GetObjectTagging",
                     "DeleteObject": "DeleteObject", "PutObject": "PutObject", "PresignedPost": "PutObject",
                     "Presigned:GetObject": "GetObject"}
# The same operations naming a VersionId are authorized by the version's own action (S3's "Actions, resources, and
# condition keys": GetObject and HeadObject of a version need s3:GetObjectVersion, and so on).
S3_VERSION_ACTIONS = {"GetObject": "GetObjectVersion", "HeadObject": "GetObjectVersion",
                      "GetObjectTagging": "GetObjectVersionTagging", "DeleteObject": "DeleteObjectVersion",
                      "Presigned:GetObject": "GetObjectVersion"}
# Bucket operations: ListObjectVersions is authorized by s3:ListBucketVersions on the bucket (with its prefix).
S3_BUCKET_ACTIONS = {"ListObjectVersions": "ListBucketVersions"}

_lock = threading.Lock()
# (function, service signing name, operation, IAM requests as ((action, resource), ...)),
# function being "api" (APIHandler), "retry_emails" or "send_reminders" (the scheduled jobs).
service_calls: set[tuple[str, str, str, tuple[IamRequest, ...]]] = set()
setup_calls: set[tuple[str, str]] = set()
_installed = False


def _is(filename: str, prefix: str) -> bool:
    return filename == prefix or (prefix.endswith(os.sep) and filename.startswith(prefix))


def classify(frame: Any) -> str | None:
    """Who made a call at ``frame``: "setup", "api", "retry_emails", "send_reminders", "deliver_emails",
    "on_ses_event", "apply_retention", or None."""
    ours = retry = remind = stream = events = retain = False
    while frame is not None:
        filename, function = frame.f_code.co_filename, frame.f_code.co_name
        for path, fn in _SETUP:
            if _is(filename, path) and fn in (None, function):
                return "setup"
        if any(_is(filename, p) for p in _OURS):
            ours = True
            retry = retry or (filename, function) in _RETRY_JOB
            remind = remind or (filename, function) in _REMINDERS_JOB
            stream = stream or (filename, function) in _STREAM_JOB
            events = events or (filename, function) in _SES_EVENTS_JOB
            retain = retain or (filename, function) in _RETENTION_JOB
        frame = frame.f_back
    if not ours:
        return None
    if events:
        return "on_ses_event"
    if retain:
        return "apply_retention"
    return "retry_emails" if retry else "send_reminders" if remind else "deliver_emails" if stream else "api"


def _tables(items: Iterable[dict[str, Any]], action_of: dict[str, str]) -> list[IamRequest]:
    out: list[IamRequest] = []
    for item in items:
        for kind, body in item.items():
            out.append((f"dynamodb:{action_of[kind]}", ("table", body["TableName"])))
    return out


def iam_requests(service: str, operation: str, params: dict[str, Any]) -> list[IamRequest]:
    """The (IAM action, resource) pairs one API call is authorized against.

    Resources are kept symbolic: ("table", name), ("index", table, index),
    ("identity", domain or address), ("configuration-set", name), ("object", bucket, key),
    ("bucket", bucket, prefix listed), ("user-pool", pool id).
    An operation this function does not know maps to ("<service>:<Op>", ("*",)),
    which no exact policy grants: a new kind of call fails the policy test.
    """
    if service == "dynamodb":
        return _dynamodb_requests(operation, params)
    if service == "s3" and operation in S3_OBJECT_ACTIONS:
        action = S3_VERSION_ACTIONS.get(operation) if params.get("VersionId") else None
        return [(f"s3:{action or S3_OBJECT_ACTIONS[operation]}", ("object", params["Bucket"], params["Key"]))]
    if service == "s3" and operation in S3_BUCKET_ACTIONS:
        return [(f"s3:{S3_BUCKET_ACTIONS[operation]}", ("bucket", params["Bucket"], str(params.get("Prefix", ""))))]
    if service == "cognito-idp" and operation in COGNITO_PUBLIC:
        return []  # authorized by the app client, the challenge session or the user's own token: no IAM
    if service == "cognito-idp" and "UserPoolId" in params:  # the admin API (adapters/cognito_admin.py): on the pool
        return [(f"cognito-idp:{operation}", ("user-pool", str(params["UserPoolId"])))]
    if service == "ses" and operation in ("SendEmail", "SendRawEmail"):
        source = str(params.get("Source", ""))
        out: list[IamRequest] = [(f"ses:{operation}", ("identity", source.rsplit("@", 1)[-1]))]
        if params.get("ConfigurationSetName"):
            out.append((f"ses:{operation}", ("configuration-set", params["ConfigurationSetName"])))
        return out
    return [(f"{service}:{operation}", ("*",))]


def _dynamodb_requests(operation: str, params: dict[str, Any]) -> list[IamRequest]:
    """A DynamoDB call's IAM requests (a transaction's, per item on that item's table)."""
    if operation in ("GetItem", "PutItem", "UpdateItem", "DeleteItem", "DescribeTable"):
        return [(f"dynamodb:{operation}", ("table", params["TableName"]))]
    if operation in ("Query", "Scan"):
        index = params.get("IndexName")
        resource = ("index", params["TableName"], index) if index else ("table", params["TableName"])
        return [(f"dynamodb:{operation}", resource)]
    if operation in ("BatchGetItem", "BatchWriteItem"):
        return [(f"dynamodb:{operation}", ("table", t)) for t in params["RequestItems"]]
    if operation == "TransactWriteItems":
        return _tables(params["TransactItems"], {"Put": "PutItem", "Update": "UpdateItem",
                                                 "Delete": "DeleteItem", "ConditionCheck": "ConditionCheckItem"})
    if operation == "TransactGetItems":
        return _tables(params["TransactItems"], {"Get": "GetItem"})
    return [(f"dynamodb:{operation}", ("*",))]


def _in_scope() -> bool:
    """During an integration test, or inside ``exercising()``: the same scope however pytest was run."""
    return _forced > 0 or os.environ.get("PYTEST_CURRENT_TEST", "").startswith(SCOPE)


@contextmanager
def exercising() -> Iterator[None]:
    """Record the service's calls made inside this block, whatever test runs it."""
    global _forced
    _forced += 1
    try:
        yield
    finally:
        _forced -= 1


def _record(client: Any, operation: str, params: dict[str, Any]) -> None:
    kind = classify(sys._getframe(2))
    if kind is None or not _in_scope():
        return
    service = client.meta.service_model.signing_name
    with _lock:
        if kind == "setup":
            setup_calls.add((service, operation))
        else:
            requests = tuple(sorted(set(iam_requests(service, operation, params))))
            service_calls.add((kind, service, operation, requests))


def install() -> None:
    """Wrap botocore's one entry point for API calls (idempotent)."""
    global _installed
    if _installed:
        return
    from botocore.client import BaseClient

    original = BaseClient._make_api_call

    def _make_api_call(self: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
        try:
            _record(self, operation_name, api_params)
        except Exception:  # noqa: BLE001 - recording must never change what the code under test sees
            pass
        return original(self, operation_name, api_params)

    BaseClient._make_api_call = _make_api_call  # type: ignore[method-assign]
    _wrap_presigners()
    _installed = True


def _wrap_presigners() -> None:
    """Presigning is local (no API call), but the request it signs is authorized against the signer's role: record
    it as that request. botocore puts these module functions on each S3 client class as it creates it, so a
    client made after this (every one of ours: the adapters are built at the first request) carries the wrappers."""
    from botocore import signers

    url_original, post_original = signers.generate_presigned_url, signers.generate_presigned_post

    def generate_presigned_url(self: Any, ClientMethod: str, Params: Any = None, *args: Any, **kwargs: Any) -> Any:
        try:
            operation = self._PY_TO_OP_NAME.get(ClientMethod, ClientMethod)
            _record(self, f"Presigned:{operation}", dict(Params or {}))
        except Exception:  # noqa: BLE001 - as above
            pass
        return url_original(self, ClientMethod, Params, *args, **kwargs)

    def generate_presigned_post(self: Any, Bucket: str, Key: str, *args: Any, **kwargs: Any) -> Any:
        try:
            _record(self, "PresignedPost", {"Bucket": Bucket, "Key": Key})
        except Exception:  # noqa: BLE001 - as above
            pass
        return post_original(self, Bucket, Key, *args, **kwargs)

    signers.generate_presigned_url = generate_presigned_url
    signers.generate_presigned_post = generate_presigned_post


DIR_ENV = "PEACEOPS_AWS_CALLS_DIR"  # scripts/test's parallel run: one part per worker (tests/conftest.py)


def write_part(directory: str, worker: str, files_run: list[str], exitstatus: int) -> None:
    """One worker's recording, with the integration test files it ran and how its session ended."""
    part = {**snapshot(), "files_run": files_run, "exitstatus": int(exitstatus)}
    Path(directory, f"{worker}.json").write_text(json.dumps(part, indent=1))


def merged_parts(directory: str) -> tuple[dict[str, Any], set[str], bool]:
    """The workers' recordings as one, the integration files they ran between them, and whether all passed."""
    service: set[str] = set()
    setup: set[str] = set()
    files: set[str] = set()
    passed = True
    for path in sorted(Path(directory).glob("*.json")):
        part = json.loads(path.read_text())
        service |= {json.dumps(c) for c in part["service"]}
        setup |= {json.dumps(c) for c in part["setup"]}
        files |= set(part["files_run"])
        passed = passed and part["exitstatus"] == 0
    merged = {"service": sorted(json.loads(c) for c in service), "setup": sorted(json.loads(c) for c in setup)}
    return merged, files, passed


def snapshot() -> dict[str, Any]:
    with _lock:
        return {
            "service": sorted([fn, s, op, [[a, list(r)] for a, r in reqs]] for fn, s, op, reqs in service_calls),
            "setup": sorted([s, op] for s, op in setup_calls),
        }


# --- as a pytest plugin (the policy test's subprocess run) -------------------

def pytest_configure(config: Any) -> None:
    install()


def pytest_sessionfinish(session: Any, exitstatus: int) -> None:
    out = os.environ.get(OUT_ENV)
    if out:
        Path(out).write_text(json.dumps(snapshot(), indent=1))
