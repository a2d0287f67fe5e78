"""moto-backed fixtures: a fresh emulated account for every test."""
from __future__ import annotations

import contextlib
import copy
import json
import time
from datetime import date, timedelta
from typing import Any, Callable, Iterator, TypeVar

import pytest
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

T = TypeVar("T")


def _clear_caches() -> None:
    """Settings carry the pool's ids, which change per test; the verifier reads them.

    The adapters (deps) and PynamoDB's per-model connections are kept: moto
    intercepts every botocore client created after moto was imported, and a
    client costs ~0.1 s to build, which made set-up the bulk of the run.
    """
    from chalicelib.api.auth import verifier
    from chalicelib.config import get_settings

    get_settings.cache_clear()
    verifier.cache_clear()


# The emulated account as the set-up below leaves it (tables, sender, catalogue, coordinators' pool), built once
# per process and copied into a fresh mock_aws for each test: building it costs 1-3 s (moto's transactions
# deep-copy a table each, Cognito's pool takes some 25 calls), copying it some milliseconds. Each test still starts
# from a reset moto (mock_aws() resets every backend) holding exactly what a fresh set-up holds; nothing a test
# writes reaches the next. Rebuilt when older than SNAPSHOT_MAX_AGE or on another day, so the seeded calls and
# timestamps stay those of a set-up made now (the seed opens each call from "yesterday" at 09:00).
SNAPSHOT_MAX_AGE = 300.0  # seconds
_SNAPSHOT: dict[str, Any] = {}


MotoState = tuple[list[tuple[Any, str, str]], list[dict[str, Any]]]


def _moto_state() -> MotoState:
    """Every moto backend in use: where it is (service's backend dict, account, region), and a copy of its
    attributes (one deepcopy of them all, so references between backends hold)."""
    from moto.core.base_backend import BackendDict

    found = [(bd, account, region, backend) for bd in BackendDict._instances
             for account, regional in bd.items() for region, backend in regional.items()]
    with _untracked_copies():
        copied = copy.deepcopy([backend.__dict__ for *_, backend in found])
    return [(bd, a, r) for bd, a, r, _ in found], copied


@contextlib.contextmanager
def _untracked_copies() -> Iterator[None]:
    """moto tracks every model instance made (BaseModel.__new__, deep copies included), and its reset at the end of
    each test closes the buffer of every S3 object tracked: a snapshot's copies would lose their bytes (restored as
    empty objects). The copies a snapshot makes are kept out of that list."""
    from moto.s3.models import FakeKey, FakeMultipart

    before = {cls: {id(i) for i in cls.instances_tracked} for cls in (FakeKey, FakeMultipart)}  # type: ignore
    try:
        yield
    finally:
        for cls, known in before.items():
            _SNAPSHOT_OBJECTS.extend(i for i in cls.instances_tracked if id(i) not in known)  # type: ignore
            cls.instances_tracked[:] = [i for i in cls.instances_tracked if id(i) in known]  # type: ignore


_SNAPSHOT_OBJECTS: list[Any] = []  # closed at the session's end (else moto warns of each at interpreter exit)


def pytest_sessionfinish(session: Any, exitstatus: int) -> None:
    for kept in _SNAPSHOT_OBJECTS:
        kept.dispose()
    _SNAPSHOT_OBJECTS.clear()


def _restore(state: MotoState) -> None:
    """Put a copy of ``state`` into the backends of the current (just reset) mock_aws."""
    where, attributes = state
    for (bd, account, region), copied in zip(where, copy.deepcopy(attributes), strict=True):
        bd[account][region].__dict__ = copied


def _set_up_account() -> dict[str, Any]:
    """A fresh account's set-up (in the current mock_aws), as scripts/local.py bootstrap does it."""
    from chalicelib.adapters.tables import create_all, create_documents_bucket, stream_arn, verify_sender
    from chalicelib.api.wiring import deps
    from chalicelib.config import get_settings
    from chalicelib.services import catalogue
    from devtools.cognito_setup import create_pool
    from tests.infra import recorder

    # Set-up calls are recorded for tests/infra/test_policy.py whichever test (integration or contract) comes first.
    with recorder.exercising():
        pool = create_pool("ca-central-1")
        _clear_caches()
        create_all(get_settings())
        verify_sender(get_settings())
        create_documents_bucket(get_settings())
        catalogue.seed(deps())
        arn = stream_arn(get_settings())
    return {"pool": pool, "stream_arn": arn, "state": _moto_state(),
            "made": time.monotonic(), "day": date.today()}


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A fresh emulated account: tables, verified sender, seeded catalogue, coordinators' pool."""
    import boto3

    from chalicelib.api.wiring import deps
    from chalicelib.config import get_settings
    from chalicelib.services.deps import utc_now
    from devtools.cognito_setup import in_process_jwks
    from devtools.stream_poller import StreamReader

    monkeypatch.setattr("chalicelib.api.auth.JWKS_FETCH", in_process_jwks)  # urllib does not reach mock_aws
    with mock_aws():
        snap = _SNAPSHOT.get("account")
        if snap is None or time.monotonic() - snap["made"] > SNAPSHOT_MAX_AGE or snap["day"] != date.today():
            snap = _SNAPSHOT["account"] = _set_up_account()
            _SNAPSHOT["streams"] = _SNAPSHOT.get("streams") or boto3.client("dynamodbstreams", region_name="ca-central-1")
        else:
            _restore(snap["state"])
        pool = snap["pool"]
        monkeypatch.setenv("PEACEOPS_COGNITO_USER_POOL_ID", pool.user_pool_id)
        monkeypatch.setenv("PEACEOPS_COGNITO_CLIENT_ID", pool.client_id)
        _clear_caches()
        monkeypatch.setattr("devtools.cognito_setup._given", {})  # a fresh account: no TOTP code used yet
        # Read now, as a fresh set-up did: the test stage's settings (tests/conftest.py), not those of the stage
        # Chalice's test client sets around each request (.chalice/config.json's "dev").
        get_settings()
        _STREAM["reader"] = StreamReader(snap["stream_arn"], "ca-central-1", client=_SNAPSHOT["streams"])
        yield pool
        _STREAM.clear()
        deps().clock = utc_now  # a test may have moved the clock
        _clear_caches()


def built_once(name: str, build: Callable[[], T]) -> T:
    """``build()``'s result, with the moto state it leaves, for a test on a fresh account (``aws``): built on the
    account once (per account snapshot), then that state is copied into each later test's fresh mock_aws, as the
    account itself is. For fixtures that only write through moto and return plain data (ids, tokens); the test
    sees the same account it would if ``build`` had just run, and still nothing of another test's."""
    snap = _SNAPSHOT["account"]
    made = snap.setdefault("built", {})
    if name in made:
        result, state = made[name]
        _restore(state)
        return copy.deepcopy(result)  # type: ignore[no-any-return]
    result = build()
    made[name] = (copy.deepcopy(result), _moto_state())
    return result


@pytest.fixture
def pool(aws: Any) -> Any:
    return aws


@pytest.fixture
def tokens(pool: Any) -> dict[str, str]:
    """A real ID token, signed by moto's Cognito, for each demo coordinator."""
    from devtools.cognito_setup import DEMO_USERS

    return {username: pool.id_token(username) for username in DEMO_USERS}


@pytest.fixture
def client(aws: None) -> Iterator[Any]:
    from chalice.test import Client

    from app import app

    with Client(app) as c:
        yield c


# The outbox stream's reader for the current test (a fresh emulator each test: a fresh stream).
_STREAM: dict[str, Any] = {}


def deliver_outbox(rounds: int = 10) -> list[dict[str, Any]]:
    """What Lambda's event source mapping does in AWS: every outbox stream record written so far, read off
    moto's stream (GetShardIterator/GetRecords) and handed as Lambda events to the real ``app.deliver_emails``,
    until a read brings nothing new (its own claims and marks are records too). Returns the handler's answers."""
    from app import deliver_emails

    reader = _STREAM.get("reader")
    answers: list[dict[str, Any]] = []
    for _ in range(rounds):
        events = reader.events() if reader is not None else []
        if not events:
            break
        answers.extend(deliver_emails(event, None) for event in events)
    return answers


def ses_sent() -> list[Any]:
    """What moto's SES has accepted, without delivering anything."""
    return list(ses_backends[DEFAULT_ACCOUNT_ID]["ca-central-1"].sent_messages)


def sent_messages() -> list[Any]:
    """The emails sent so far, once the stream's delivery has run on every row written (as in AWS, seconds
    after the request): every email assertion goes through the stream path."""
    deliver_outbox()
    return ses_sent()


@pytest.fixture
def outbox() -> Any:
    return sent_messages


VALID_APPLICATION: dict[str, Any] = {
    "given_name": "Hélène",
    "family_name": "Côté-Tremblay",
    "email": "helene.cote@example.ca",
    "phone": "613-555-0199",
    "preferred_language": "fr",
    "track": "police_officer",
    "police_service": "spvm",
    "rank": "sergeant",
    "years_operational_service": 12,
    "english_proficiency": "advanced",
    "french_proficiency": "advanced",
    "leadership_experience": "formal",
    "leadership_details": "Superviseure d'équipe de patrouille; formatrice sur le terrain.",
    "computer_literacy": "basic_office",
    "four_by_four_experience": True,
    "highest_education": "bachelor",
    "previous_mission_experience": True,
    "previous_mission_details": "Haïti, MINUSTAH, conseillère en police communautaire, 2012-2013.",
    "first_aid_cpr_expiry": (date.today() + timedelta(days=800)).isoformat(),
    "firearms_expiry": (date.today() + timedelta(days=800)).isoformat(),
    "baton_expiry": (date.today() + timedelta(days=800)).isoformat(),
    "oc_spray_expiry": (date.today() + timedelta(days=800)).isoformat(),
    "missions": ["haiti-minustah"],
    "available_from": (date.today() + timedelta(days=60)).isoformat(),
    "privacy_consent": True,
}

VALID_FAMILY_READINESS: dict[str, Any] = {
    "joint_decision": "yes",
    "support_structure": "strong",
    "support_details": "Ma sœur et mes parents habitent à côté.",
    "dependants": [7, 11],
    "recent_disruptions": False,
    "health_considerations": False,
    "career_timing": "yes",
    "emergency_contact_name": "François Côté",
    "emergency_contact_relationship": "Conjoint",
    "emergency_contact_phone": "613-555-0123",
    "wants_before_the_mission": True,
    "wants_reintegration_guide": True,
}


def application(**overrides: Any) -> dict[str, Any]:
    doc = copy.deepcopy(VALID_APPLICATION)
    for k, v in overrides.items():
        if v is None:
            doc.pop(k, None)
        else:
            doc[k] = v
    return doc


def family_readiness(**overrides: Any) -> dict[str, Any]:
    doc = copy.deepcopy(VALID_FAMILY_READINESS)
    doc.update(overrides)
    return doc


JSON = {"Content-Type": "application/json"}


def post_json(client: Any, path: str, body: Any, **headers: str) -> Any:
    return client.http.post(path, headers={**JSON, **headers}, body=json.dumps(body))


def submit(client: Any, **overrides: Any) -> dict[str, Any]:
    r = post_json(client, "/applications", application(**overrides))
    assert r.status_code == 201, r.body
    return json.loads(r.body)


def link_token(mail_body: str) -> str:
    """The private token in an emailed link (moto keeps the HTML part)."""
    import re

    match = re.search(r"\?token=([A-Za-z0-9_-]+)", mail_body)
    assert match, "no private link in this email"
    return match.group(1)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def staff_call(client: Any, method: str, path: str, token: str, body: Any = None, **headers: str) -> Any:
    h = {"Authorization": f"Bearer {token}", **headers}
    if body is not None:
        h.update(JSON)
        return getattr(client.http, method)(path, headers=h, body=json.dumps(body))
    return getattr(client.http, method)(path, headers=h)


def move(client: Any, token: str, app_id: str, to: str, expected: str, reason: str | None = None) -> Any:
    body = {"to_stage": to, "expected_stage": expected}
    if reason:
        body["reason_code"] = reason
    return staff_call(client, "post", f"/admin/applications/{app_id}/moves", token, body)


def open_call(client: Any, admin_token: str, mission_id: str, positions: int = 3) -> dict[str, Any]:
    """Open a call for ``mission_id`` now (a mission an administrator just created has none)."""
    from datetime import datetime, timedelta, timezone

    now = datetime.now(timezone.utc)
    body = {"bulletin_id": f"{mission_id}-call", "mission_id": mission_id, "positions": positions,
            "opens_at": (now - timedelta(days=1)).isoformat(), "closes_at": (now + timedelta(days=30)).isoformat(),
            "title": {"en": "Call", "fr": "Appel"}, "description": {"en": "Example.", "fr": "Exemple."},
            "contact": {"name": {"en": "IRSS", "fr": "RPSI"}, "email": "peacekeeping@rcmp-grc.gc.ca"}, "criteria": {}}
    r = staff_call(client, "post", "/admin/bulletins", admin_token, body)
    assert r.status_code == 201, r.body
    return dict(json.loads(r.body))


@pytest.fixture
def serialized_moto(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto's request handling one call at a time (each AWS call atomic, as in DynamoDB), for the race tests:
    moto's DynamoDB is not thread-safe (a failed transaction restores a deep copy of the table)."""
    import threading

    from moto.core.botocore_stubber import BotocoreStubber

    lock = threading.Lock()
    original = BotocoreStubber.__call__

    def locked(self: Any, *args: Any, **kwargs: Any) -> Any:
        with lock:
            return original(self, *args, **kwargs)

    monkeypatch.setattr(BotocoreStubber, "__call__", locked)


def put_document(application_id: str, kind: str, data: bytes = b"%PDF-1.7\n%%EOF\n",
                 scan: str | None = "NO_THREATS_FOUND") -> str:
    """A document on a file as an upload leaves it (the object in the bucket, the record on the file), tagged as
    GuardDuty's scan tags it; returns its id. For tests about staff that need a document, not an upload."""
    import boto3

    from chalicelib.adapters.models import ApplicationModel
    from chalicelib.config import get_settings
    from chalicelib.domain import documents

    document_id = documents.new_document_id()
    key = documents.object_key(application_id, kind, document_id)
    s3 = boto3.client("s3", region_name="ca-central-1")
    version = s3.put_object(Bucket=get_settings().bucket, Key=key, Body=data)["VersionId"]
    if scan:
        s3.put_object_tagging(Bucket=get_settings().bucket, Key=key, VersionId=version,
                              Tagging={"TagSet": [{"Key": documents.SCAN_TAG, "Value": scan}]})
    doc = documents.Document(document_id, kind, key, "application/pdf", len(data), "2026-11-30T12:00:00.000000Z",
                             version_id=version)
    ApplicationModel(application_id).update(actions=[ApplicationModel.documents.set(
        [*(d.as_dict() for d in _file_documents(application_id)), doc.as_dict()])])
    return document_id


def _file_documents(application_id: str) -> list[Any]:
    from chalicelib.api.wiring import deps

    file = deps().store.files.get(application_id)
    return list(file.documents) if file else []


@pytest.fixture
def signed(client: Any) -> Any:
    """``signed(user, lang)``: a browser signed in to the console as ``user`` (once per user and test)."""
    from .test_console_sign_in import first_sign_in
    from .web_client import WebClient

    made: dict[str, WebClient] = {}

    def as_(user: str, lang: str = "en") -> WebClient:
        if user not in made:
            made[user] = WebClient(client)
            first_sign_in(made[user], user, lang=lang)
        return made[user]
    return as_
