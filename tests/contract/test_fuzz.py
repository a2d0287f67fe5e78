"""Property-based run of the whole API against the local service.

Given the service as `scripts/dev` runs it (moto's server, `chalice local`) and
the document the app serves, when schemathesis sends every operation its
examples and generated requests, valid and invalid, then no answer is a 5xx
and every answer conforms to the document: a documented status code and
content type, the required headers, a body matching its schema.

So that requests reach past the first refusal, most of them carry what a real
caller has: a bearer token the operation admits (the file's access token, or a
coordinator holding one of the operation's roles), ids of things that exist,
and for the web forms a valid CSRF cookie and token and the file's cookie.
The rest keep what schemathesis generated. Bounded: MAX_EXAMPLES per
operation, no shrinking, derandomized (the same run every time); in time, each
request by a 20 s timeout and each operation's whole run by OPERATION_TIMEOUT
(pytest-timeout: an overrun fails the test rather than holding CI). An
operation takes a few seconds here (the console's French pages are left out: see ``schema`` below).
"""
from __future__ import annotations

import itertools
from typing import Any, Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.integration.conftest import VALID_APPLICATION

from ..local_service import LocalService

MAX_EXAMPLES = 8
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
CSRF_VALUE = "c" * 43  # any 43-character cookie value; the form carries its HMAC
seen: dict[str, set[int]] = {}
_turns: dict[str, Iterator[int]] = {}


def _load() -> Any:
    # The document the app serves (test_openapi checks the served one is this
    # one). Loaded at import rather than from the live URL: schemathesis' lazy
    # fixture loader does not run under pytest 9.
    from chalicelib.api.contract import document

    loaded = schemathesis.openapi.from_dict(document())
    loaded.config.update(request_timeout=20)
    loaded.config.generation.update(max_examples=MAX_EXAMPLES, no_shrink=True, deterministic=True, database="none",
                                    with_security_parameters=False)
    # `chalice local`'s HTTP server has no TRACE or QUERY (501 from http.server);
    # API Gateway answers those itself, before the app.
    loaded.config.phases.coverage.unexpected_methods = {"get", "put", "post", "delete", "options", "patch"}
    return loaded


# The console's French pages are its English pages' handlers, forms and rules with the other language's words
# (chalicelib/web/routes.register_pages registers one handler under both): the run sends its requests to the English
# ones, and the integration and browser tests render every console page in French. The applicant's pages keep both.
schema = _load().exclude(path_regex=r"^/console/fr/")


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalService]:
    # The fuzzer submits many applications from few addresses: the per-address limits (domain/limits.py,
    # tested in tests/integration/test_limits.py) would answer most of them 429 and hide the rest of the contract.
    svc = LocalService(tmp_path_factory.mktemp("contract-service"),
                       settings={"PEACEOPS_MAX_FILES_PER_DAY": "1000000", "PEACEOPS_MAX_LINK_REQUESTS_PER_HOUR": "1000000"})
    try:
        yield svc.start()
    finally:
        svc.stop()


@pytest.fixture(scope="module")
def real(service: LocalService) -> dict[str, Any]:
    """Things that exist: a file each for the applicant's operations, the pages and the coordinators'.
    Administrators' operations get their own mission (they close it) and cap."""
    files = []
    for _ in range(3):
        status, body = service.call("POST", "/applications", VALID_APPLICATION)
        assert status == 201, body
        files.append(body)
    from tests.console_client import sign_in

    return {"mine": files[0], "staff": files[1], "web": files[2], "mission_id": "haiti-minustah", "cap_id": "haiti",
            **_a_draft(service),
            "admin_mission_id": "cambodia-eccc", "admin_cap_id": "cambodia",
            "message_id": f"{files[1]['application_id']}:1:applicant",
            "console": sign_in(service.base, "irss"),  # IRSS: the role with the most console pages
            "admin_console": sign_in(service.base, "admin")}  # the staff accounts pages are administrators' only


def _a_draft(service: LocalService) -> dict[str, str]:
    """Haiti's open call, and a draft of it made through its first page: its id and token, from the link emailed
    to its address (the first page's answer sets no cookie: the draft opens only from that link)."""
    import re
    from html import unescape

    import requests

    from chalicelib.config import DEFAULT_SECRET
    from chalicelib.web.security import csrf_token

    status, listed = service.call("GET", "/bulletins", None)
    assert status == 200, listed
    call = next(c["bulletin_id"] for c in listed["bulletins"] if c["mission_id"] == "haiti-minustah")
    about = {k: str(v) for k, v in VALID_APPLICATION.items() if k in ("given_name", "family_name",
                                                                      "preferred_language", "track")}
    address = "fuzz.draft@example.ca"
    r = requests.post(f"{service.base}/en/calls/{call}/apply", allow_redirects=False, timeout=30,
                      cookies={"po_csrf": CSRF_VALUE},
                      data={**about, "email": address, "draft_key": "fuzz-draft-key-" + "x" * 12,
                            "csrf_token": csrf_token(DEFAULT_SECRET, CSRF_VALUE, "public")})
    assert r.status_code == 200, r.text[:2000]
    bodies = [unescape(m.get("body") or "") for m in service.mail_to(address)]
    link = next(found for b in bodies if (found := re.search(r"/drafts/(dr-[a-z2-7]+)\?token=([A-Za-z0-9_-]+)", b)))
    return {"bulletin_id": call, "draft_id": link.group(1), "draft_token": link.group(2)}


def _bearer(case: Any, service: LocalService, real: dict[str, Any]) -> str | None:
    for requirement in case.operation.definition.raw.get("security", []):
        if "applicantToken" in requirement:
            return str(real["mine"]["access_token"])
        if "cognitoIdToken" in requirement:
            role = requirement["cognitoIdToken"][0]
            return service.tokens[{"service_coordinator": "coordinator.spvm"}.get(role, role)]
    return None


def _as_a_real_caller(case: Any, service: LocalService, real: dict[str, Any]) -> dict[str, str]:
    """Real ids, cookies and CSRF token on the case; returns the headers to add."""
    from chalicelib.config import DEFAULT_SECRET
    from chalicelib.web.security import csrf_token

    params = case.path_parameters or {}
    admin = case.path.startswith("/admin")
    web = case.operation.tags == ["web"]
    file = real["staff"] if admin else real["web"] if web else real["mine"]
    for name, value in (("application_id", file["application_id"]),
                        ("mission_id", real["admin_mission_id" if admin else "mission_id"]),
                        ("cap_id", real["admin_cap_id" if admin else "cap_id"]), ("message_id", real["message_id"])):
        if name in params:
            params[name] = value
    if case.path.startswith("/console/") and not case.path.endswith(("/sign-out", "/sign-out-everywhere")):
        # A signed-in staff session and its CSRF token (tests/console_client.py); signing out would end it.
        session, token = real["admin_console" if "/staff" in case.path else "console"]
        case.cookies = {**(case.cookies or {}), "__Host-po_console": session}
        if isinstance(case.body, dict):
            case.body["csrf_token"] = token
        return {}
    if web:
        for name in ("bulletin_id", "draft_id"):
            if name in params:
                params[name] = real[name]
        case.cookies = {**(case.cookies or {}), "po_csrf": CSRF_VALUE, "po_file": file["access_token"],
                        "po_draft": real["draft_token"]}
        if isinstance(case.body, dict):
            # The token is bound to the file or draft in the path, or "public" (chalicelib/web/security.py).
            scope = params.get("application_id") or params.get("draft_id") or "public"
            case.body["csrf_token"] = csrf_token(DEFAULT_SECRET, CSRF_VALUE, scope)
    token = _bearer(case, service, real)
    return {"Authorization": f"Bearer {token}"} if token else {}


OPERATION_TIMEOUT = 120  # seconds


@schema.parametrize()
@pytest.mark.timeout(OPERATION_TIMEOUT)
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_no_5xx_and_every_answer_matches_the_document(case: Any, service: LocalService, real: dict[str, Any]) -> None:
    label = f"{case.operation.method.upper()} {case.operation.path}"
    turn = next(_turns.setdefault(label, itertools.count()))
    headers = _as_a_real_caller(case, service, real) if turn % 4 != 3 else {}  # the first: the document's example
    response = case.call_and_validate(base_url=service.base, headers=headers, checks=CHECKS)
    seen.setdefault(label, set()).add(response.status_code)


def test_the_run_reached_past_the_first_refusal(service: LocalService) -> None:
    """Run with the module: the requests above got real answers, not only refusals."""
    assert len(seen) == len(list(schema.get_all_operations())), "run the whole module"
    for operation, statuses in {
        "POST /applications": {201, 422}, "GET /applications/{application_id}": {200, 401},
        "PUT /applications/{application_id}/family-readiness": {200, 422},
        "POST /admin/applications/{application_id}/moves": {200, 422}, "GET /admin/applications": {200, 400},
        "GET /admin/applications/{application_id}": {200}, "PUT /admin/caps/{cap_id}/authorized": {200, 422},
        "POST /en/calls/{bulletin_id}/apply": {200}, "GET /fr/drafts/{draft_id}": {200},
        "GET /en/drafts/{draft_id}/check": {303}, "GET /en/calls/{bulletin_id}": {200}, "POST /en/status/{application_id}/family-readiness": {303},
        "POST /en/status/{application_id}/withdraw": {303}, "POST /fr/status/{application_id}/withdraw": {409},
        "GET /en/status/{application_id}": {200, 403}, "GET /missions/{mission_id}": {200},
        "GET /console/en/queue": {200}, "GET /console/en/files/{application_id}": {200},
        "POST /console/en/files/{application_id}/notes": {303},
        "GET /console/en/roster": {200}, "GET /console/en/roster/{cap_id}": {200}, "GET /console/en/roster-import": {200},
        "GET /console/en/calls/{bulletin_id}": {200}, "GET /console/en/calls/{bulletin_id}/preview": {200},
        "PUT /admin/applications/{application_id}/hold": {200, 422}, "GET /admin/retention/preview": {200, 400},
        "GET /admin/staff": {200}, "GET /console/en/staff": {200}, "GET /console/en/staff/invite": {200},
        "GET /en/before-the-mission": {200}, "POST /en/before-the-mission": {200},
    }.items():
        assert statuses <= seen[operation], (operation, seen[operation])
    assert _app_tracebacks(service.log("chalice")) == []


# What `chalice local`'s threaded HTTP server itself prints when a client hung up before its answer was written
# (this run's client gives up after 20 s): the server's own socket error, not the app's. Any other traceback fails.
_HUNG_UP = ("BrokenPipeError", "ConnectionResetError")


def _app_tracebacks(log: str) -> list[str]:
    """Every traceback in the log but a hung-up client's in the server's request thread."""
    blocks = log.split("Traceback (most recent call last):")[1:]
    out = []
    for block in blocks:
        lines = [line for line in block.splitlines() if line.strip()]
        last = next((line for line in lines if not line.startswith((" ", "\t"))), "")
        if "socketserver.py" in block and last.split(":")[0].strip() in _HUNG_UP:
            continue
        out.append(block[:2000])
    return out
