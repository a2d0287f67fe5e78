"""Every admin endpoint with every role, and with no token, an expired token,
a token from another pool, an applicant's access token and a garbage token.

Each cell sends a request that is valid for the caller (a body the route
accepts, a file in a stage the caller's role may move it from), so the answer
is the role rule and nothing else: the exact success status for an admitted
role, 403 for a signed-in role the route does not admit, 404 for a service
coordinator on another service's file, 401 for anything that is not a
coordinator's ID token from our pool.
"""
from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.domain.emails import reference

from .conftest import built_once, put_document, staff_call, submit
from .test_admin_api import NEW_MISSION

# Columns: the callers. Every file in the world below belongs to SPVM, so
# coordinator.opp (another police service) must not learn that it exists.
CALLERS = ("coordinator.spvm", "coordinator.opp", "irss", "health", "admin")
ROLE_OF = {"coordinator.spvm": "service_coordinator", "coordinator.opp": "service_coordinator",
           "irss": "irss", "health": "health", "admin": "admin"}
BULK = ("POST", "/admin/moves")
# The answer each caller gets to a valid request, stated independently of the code.
EXPECTED = {
    ("GET", "/admin/whoami"):                                        (200, 200, 200, 200, 200),
    ("GET", "/admin/applications"):                                  (200, 200, 200, 200, 200),
    ("GET", "/admin/search"):                                        (200, 200, 200, 200, 200),  # scope: below
    ("GET", "/admin/applications/{application_id}"):                 (200, 404, 200, 200, 200),
    ("POST", "/admin/applications/{application_id}/moves"):          (200, 404, 200, 200, 403),
    BULK:                                                            (200, 200, 200, 200, 403),  # per file: below
    ("PUT", "/admin/applications/{application_id}/medical-outcome"): (403, 403, 403, 200, 403),
    ("POST", "/admin/applications/{application_id}/module-results"): (403, 403, 200, 403, 403),
    ("POST", "/admin/applications/{application_id}/notes"):          (201, 404, 201, 201, 201),
    # The complete package for a formal Privacy Act request: IRSS only (services/privacy.py).
    ("GET", "/admin/applications/{application_id}/privacy-package"): (403, 403, 200, 403, 403),
    # Documents: the file's readers but administrators; health reads a medical document (its own below).
    ("GET", "/admin/applications/{application_id}/documents"):      (200, 404, 200, 200, 403),
    ("GET", "/admin/applications/{application_id}/documents/{document_id}"): (303, 404, 303, 303, 403),
    ("POST", "/admin/emails/{message_id}/retry"):                    (403, 403, 202, 403, 403),
    ("GET", "/admin/reports/pipeline"):                              (200, 200, 200, 403, 200),
    ("GET", "/admin/reports/applications.csv"):                      (200, 200, 200, 403, 200),
    ("POST", "/admin/missions"):                                     (403, 403, 403, 403, 201),
    ("PATCH", "/admin/missions/{mission_id}"):                       (403, 403, 403, 403, 200),
    ("PUT", "/admin/missions/{mission_id}/status"):                  (403, 403, 403, 403, 200),
    ("POST", "/admin/caps"):                                         (403, 403, 403, 403, 201),
    ("GET", "/admin/caps"):                                          (403, 403, 200, 403, 200),
    # The audit across subjects (services/audit_log.py): IRSS and administrators, each as their role reads it.
    ("GET", "/admin/audit"):                                         (403, 403, 200, 403, 200),
    ("GET", "/admin/caps/{cap_id}"):                                 (403, 403, 200, 403, 200),
    ("PUT", "/admin/caps/{cap_id}/authorized"):                      (403, 403, 403, 403, 200),
    ("POST", "/admin/applications/{application_id}/redirect"):       (403, 403, 200, 403, 403),
    ("POST", "/admin/applications/{application_id}/forms-returned"): (403, 403, 200, 403, 403),
    ("GET", "/admin/bulletins"):                                     (403, 403, 200, 403, 200),
    ("POST", "/admin/bulletins"):                                    (403, 403, 403, 403, 201),
    ("PATCH", "/admin/bulletins/{bulletin_id}"):                     (403, 403, 403, 403, 200),
    ("POST", "/admin/bulletins/{bulletin_id}/publish"):              (403, 403, 403, 403, 200),
    ("POST", "/admin/bulletins/{bulletin_id}/extend"):               (403, 403, 403, 403, 200),
    ("POST", "/admin/bulletins/{bulletin_id}/close"):                (403, 403, 403, 403, 200),
    ("POST", "/admin/bulletins/{bulletin_id}/copy"):                 (403, 403, 403, 403, 201),
    ("GET", "/admin/caps/{cap_id}/roster"):                          (403, 403, 200, 403, 200),
    ("POST", "/admin/caps/{cap_id}/roster"):                         (403, 403, 201, 403, 201),
    ("PATCH", "/admin/caps/{cap_id}/roster/{deployment_id}"):        (403, 403, 200, 403, 200),
    ("POST", "/admin/caps/{cap_id}/roster/{deployment_id}/end"):     (403, 403, 200, 403, 200),
    ("POST", "/admin/caps/{cap_id}/roster/{deployment_id}/rotation"): (403, 403, 200, 403, 403),
    ("GET", "/admin/caps/{cap_id}/rotation"):                        (403, 403, 200, 403, 200),
    ("GET", "/admin/reports/rotation"):                              (403, 403, 200, 403, 200),
    ("GET", "/admin/reports/roster-drift"):                          (403, 403, 200, 403, 200),
    ("POST", "/admin/applications/{application_id}/post-mission-follow-up"): (403, 403, 403, 200, 403),
    ("GET", "/admin/guide-tasks"):                                   (403, 403, 200, 403, 403),
    # Legal hold and the retention preview: IRSS and administrators (domain/retention.HOLD_ROLES).
    ("PUT", "/admin/applications/{application_id}/hold"):            (403, 403, 200, 403, 200),
    ("POST", "/admin/applications/{application_id}/hold/lift"):      (403, 403, 200, 403, 200),
    ("GET", "/admin/retention/preview"):                             (403, 403, 200, 403, 200),
    ("POST", "/admin/guide-tasks/{task_id}/sent"):                   (403, 403, 200, 403, 403),
    ("POST", "/admin/staff/{username}/sessions/end"):                (403, 403, 403, 403, 200),
    # Staff accounts (services/staff_accounts.py): administrators only.
    ("GET", "/admin/staff"):                                         (403, 403, 403, 403, 200),
    ("POST", "/admin/staff"):                                        (403, 403, 403, 403, 201),
    ("POST", "/admin/staff/{username}/invitation"):                  (403, 403, 403, 403, 200),
    ("PUT", "/admin/staff/{username}/role"):                         (403, 403, 403, 403, 200),
    ("POST", "/admin/staff/{username}/disable"):                     (403, 403, 403, 403, 200),
    ("POST", "/admin/staff/{username}/enable"):                      (403, 403, 403, 403, 200),
}
# The account each staff account route acts on (coordinator.opp otherwise): one still invited, one disabled.
INVITED_USER, DISABLED_USER = "invited.matrix@example.ca", "disabled.matrix@example.ca"
USERNAME_OF = {("POST", "/admin/staff/{username}/invitation"): INVITED_USER,
               ("POST", "/admin/staff/{username}/enable"): DISABLED_USER}
# A bulk move answers 200 with one result per file; the other service's coordinator gets 404 for SPVM's file.
BULK_FILE_STATUS = {"coordinator.spvm": 200, "coordinator.opp": 404, "irss": 200, "health": 200}
PROBLEM_CODE = {401: "unauthenticated", 403: "forbidden", 404: "not-found"}

# A move each role may make from the stage its file is in (chalicelib/data/workflow.json).
MOVE_OF = {
    "coordinator.spvm": {"to_stage": "service_review", "expected_stage": "submitted"},
    "coordinator.opp": {"to_stage": "service_review", "expected_stage": "submitted"},
    "irss": {"to_stage": "irss_review", "expected_stage": "service_review"},
    "health": {"to_stage": "medically_unfit", "expected_stage": "medical", "reason_code": "medical_requirements_not_met"},
}
BODIES: dict[tuple[str, str], Any] = {
    ("POST", "/admin/applications/{application_id}/moves"): lambda app_id, caller: MOVE_OF[caller],
    BULK: lambda app_id, caller: {"moves": [{"application_id": app_id, **MOVE_OF[caller]}]},
    ("PUT", "/admin/applications/{application_id}/medical-outcome"): {"outcome": "fit"},
    ("POST", "/admin/applications/{application_id}/module-results"): {"module": "un-online-modules", "score": 90},
    ("POST", "/admin/applications/{application_id}/notes"): {"note": "Called the applicant."},
    ("POST", "/admin/emails/{message_id}/retry"): {},
    ("POST", "/admin/missions"): {**NEW_MISSION, "cap_id": "haiti"},
    ("PATCH", "/admin/missions/{mission_id}"): {"deployment_months": 12},
    ("PUT", "/admin/missions/{mission_id}/status"): {"accepting_applications": False},
    ("POST", "/admin/caps"): {"cap_id": "mali", "authorized": 3, "name": {"en": "Mali", "fr": "Mali"}},
    ("PUT", "/admin/caps/{cap_id}/authorized"): {"authorized": 3},
    ("POST", "/admin/bulletins"): lambda app_id, caller: FUTURE_CALL,
    ("POST", "/admin/applications/{application_id}/redirect"): {"expected_stage": "service_review"},
    ("POST", "/admin/applications/{application_id}/forms-returned"): {"forms": ["preliminary_instructions_forms"]},
    ("PATCH", "/admin/bulletins/{bulletin_id}"): {"positions": 4},
    ("POST", "/admin/bulletins/{bulletin_id}/publish"): {"version": 1},
    ("POST", "/admin/bulletins/{bulletin_id}/extend"): {"version": 1, "closes_at": "2099-12-31T23:59:00-05:00"},
    ("POST", "/admin/bulletins/{bulletin_id}/close"): {"version": 1},
    ("POST", "/admin/bulletins/{bulletin_id}/copy"): {"bulletin_id": "philippines-copy",
                                                      "opens_at": "2100-01-05T09:00:00-05:00",
                                                      "closes_at": "2100-02-05T23:59:00-05:00"},
    ("POST", "/admin/caps/{cap_id}/roster"): {"reason_code": "existing_deployment", "note": "From the program's list"},
    ("PATCH", "/admin/caps/{cap_id}/roster/{deployment_id}"): {
        "expected_version": 1, "planned_end": "2027-06-30", "reason_code": "data_correction", "note": "Dates known"},
    ("POST", "/admin/caps/{cap_id}/roster/{deployment_id}/end"): {
        "expected_version": 1, "reason_code": "rotation_completed", "note": "Home in November"},
    ("POST", "/admin/caps/{cap_id}/roster/{deployment_id}/rotation"): lambda app_id, caller: {
        "expected_version": 1, "application_id": app_id, "handover_on": _today(), "note": "Autumn rotation"},
    ("POST", "/admin/applications/{application_id}/post-mission-follow-up"): {"done": True},
    ("POST", "/admin/guide-tasks/{task_id}/sent"): {},
    ("PUT", "/admin/applications/{application_id}/hold"): {"reason": "Privacy Act request in progress."},
    ("POST", "/admin/applications/{application_id}/hold/lift"): {"reason": "Request answered."},
    ("POST", "/admin/staff"): {"name": "Role Matrix", "email": "new.matrix@example.ca", "role": "health"},
    ("PUT", "/admin/staff/{username}/role"): {"role": "service_coordinator", "police_service": "sq"},
}
# A route's query string: a search for the caller's file by its reference as printed.
QUERIES = {("GET", "/admin/search"): lambda app_id: "?q=" + reference(app_id)}
# A roster entry per admitted caller (each changes its own), on a cap whose seeded entries stand for its
# published deployed figure: Iraq's three existing deployments.
ENTRY_OF = {"irss": "existing-iraq-001", "admin": "existing-iraq-002"}
# A call for the Philippines after the seeded one closes (calls of one opportunity may not overlap).
FUTURE_CALL = {
    "bulletin_id": "philippines-next", "mission_id": "philippines", "positions": 2,
    "opens_at": "2099-01-05T09:00:00-05:00", "closes_at": "2099-02-05T23:59:00-05:00",
    "title": {"en": "Next call", "fr": "Prochain appel"}, "description": {"en": "Example.", "fr": "Exemple."},
    "contact": {"name": {"en": "IRSS", "fr": "RPSI"}, "email": "peacekeeping@rcmp-grc.gc.ca"}, "criteria": {},
}


def _today() -> str:
    from chalicelib.api.wiring import deps

    return deps().today().isoformat()


def admitted_roles(route: tuple[str, str]) -> set[str]:
    return {ROLE_OF[c] for c, status in zip(CALLERS, EXPECTED[route], strict=True) if status != 403}


def test_the_matrix_covers_every_admin_route_and_matches_the_code():
    from app import app

    routes = {(m, path): entry for path, methods in app.routes.items() for m, entry in methods.items()
              if path.startswith("/admin")}
    assert set(routes) == set(EXPECTED)
    for key, entry in routes.items():
        assert set(entry.view_function.allowed_roles) == admitted_roles(key), key
    # Both coordinators hold the same role: a route admits both or neither.
    for key, row in EXPECTED.items():
        assert (row[0] == 403) == (row[1] == 403), key


def test_every_non_admin_route_is_public_or_applicant_only():
    """Outside /admin, a route is either public or opens one file with its own token."""
    from app import app

    for path, methods in app.routes.items():
        for entry in methods.values():
            assert not hasattr(entry.view_function, "allowed_roles") or path.startswith("/admin"), path


# The applicant pages anyone may open (their view says "# who: public"), under /en and /fr: the same answer whoever
# asks, signed in or not; a staff token gives nothing more.
WEB_PUBLIC = {("GET", "/missions"), ("GET", "/missions/{mission_id}"), ("GET", "/privacy"), ("GET", "/contact"),
              ("GET", "/terms"), ("GET", "/access"), ("POST", "/access"),
              ("GET", "/before-the-mission"), ("POST", "/before-the-mission"),
              ("GET", "/email-change/{application_id}"), ("POST", "/email-change/{application_id}"),
              ("GET", "/calls/{bulletin_id}"), ("GET", "/apply"), ("GET", "/calls/{bulletin_id}/apply"),
              ("POST", "/calls/{bulletin_id}/apply")}


def test_the_public_applicant_pages_are_the_views_marked_public():
    import inspect

    from chalicelib.web import routes, task_views, views

    def public(module: Any, name: str) -> bool:
        first = inspect.getsource(getattr(module, name)).split("\n", 1)[0]
        return "# who: public" in first

    marked = {(method, path) for path, method, name in routes.PAGES if public(views, name)}
    marked |= {(method, path) for path, method, name in routes.TASK_PAGES if public(task_views, name)}
    assert marked == WEB_PUBLIC


def test_before_the_mission_answers_every_caller_alike(client, tokens):
    """The guide's request page and form: public, in both languages, to a visitor and to every staff token."""
    from .web_client import WebClient

    for n, caller in enumerate((None, *CALLERS)):
        web = WebClient(client)
        auth = {"Authorization": f"Bearer {tokens[caller]}"} if caller else {}
        for lang in ("en", "fr"):
            assert web.get(f"/{lang}/before-the-mission", **auth).status_code == 200, caller
        r = web.post("/fr/before-the-mission", [("email", f"matrix.{n}@example.ca")], **auth)
        assert r.status_code == 200, (caller, r.status_code)


def valid_request(world: dict[str, Any], route: tuple[str, str], caller: str) -> tuple[str, str, Any]:
    """The request ``caller`` would make on its own file (SPVM's main file for callers without one)."""
    method, template = route
    app_id = world["route_files"].get(route, world["files"]).get(caller, world["app_id"])
    cap = "iraq" if "{deployment_id}" in template else "philippines"
    path = (template.replace("{application_id}", app_id).replace("{mission_id}", "philippines")
            .replace("{deployment_id}", ENTRY_OF.get(caller, ENTRY_OF["irss"]))
            .replace("{cap_id}", cap).replace("{message_id}", world["failed_email"])
            .replace("{bulletin_id}", world["draft_bulletin"] if route == ("POST", "/admin/bulletins/{bulletin_id}/publish")
                     else world["bulletin_id"]).replace("{task_id}", world["task_id"])
            .replace("{username}", USERNAME_OF.get(route, "coordinator.opp"))
            .replace("{document_id}", world["documents"].get(caller, world["documents"]["coordinator.spvm"])))
    path += QUERIES[route](app_id) if route in QUERIES else ""
    body = BODIES.get(route)
    return method.lower(), path, body(app_id, caller) if callable(body) else body


def send(client: Any, request: tuple[str, str, Any], token: str | None) -> Any:
    method, path, body = request
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if body is None:
        return getattr(client.http, method)(path, headers=headers)
    return getattr(client.http, method)(path, headers={**headers, "Content-Type": "application/json"},
                                        body=json.dumps(body))


def assert_answer(r: Any, status: int, label: Any) -> None:
    assert r.status_code == status, (label, r.status_code, r.body)
    if status in PROBLEM_CODE:
        assert r.headers["Content-Type"] == "application/problem+json", label
        assert json.loads(r.body)["code"] == PROBLEM_CODE[status], label


@pytest.fixture
def world(client, tokens, pool):
    """SPVM files: one submitted (with its applicant token and a failed email), one at
    service_review for IRSS, one at medical for health; and five tokens that are not ours.
    Built once on the fresh account and copied into each test's (conftest.built_once)."""
    return built_once("role_matrix.world", lambda: _build_world(client, tokens, pool))


def _build_world(client, tokens, pool):
    from moto.cognitoidp.models import cognitoidp_backends
    from moto.core import DEFAULT_ACCOUNT_ID

    from chalicelib.adapters.models import ApplicationModel, OutboxModel, TaskModel
    from devtools.cognito_setup import create_pool

    created = submit(client)
    # IRSS's file names a second choice (a redirect sends it there).
    irss_file, health_file = (submit(client, email=f"{who}@example.ca", missions=missions)["application_id"]
                              for who, missions in (("irss", ["haiti-minustah", "iraq-mlt"]), ("health", ["haiti-minustah"])))
    r = staff_call(client, "post", f"/admin/applications/{irss_file}/moves", tokens["irss"],
                   {"to_stage": "service_review", "expected_stage": "submitted"})
    assert r.status_code == 200, r.body
    ApplicationModel(health_file).update(actions=[ApplicationModel.stage.set("medical")])
    forms_file = submit(client, email="forms@example.ca")["application_id"]  # where IRSS records returned forms
    ready_file = submit(client, email="ready@example.ca", missions=["iraq-mlt"])["application_id"]  # for a rotation
    ApplicationModel(ready_file).update(actions=[ApplicationModel.stage.set("training")])
    ApplicationModel(forms_file).update(actions=[ApplicationModel.stage.set("preliminary_instructions")])
    # A returned file for health's post-mission follow-up, and a guide task for IRSS to mark sent.
    returned_file = submit(client, email="returned@example.ca")["application_id"]
    ApplicationModel(returned_file).update(actions=[ApplicationModel.stage.set("returned")])
    task = TaskModel("task", f"{returned_file}.reintegration_guide", application_id=returned_file,
                     guide="reintegration_guide", language="fr", name="Hélène Côté-Tremblay",
                     email="returned@example.ca", opened_at="2026-11-01T00:00:00.000000Z", status="open")
    task.save()
    hold_files = [submit(client, email=f"hold.{who}@example.ca")["application_id"] for who in ("irss", "admin")]
    held_files = [submit(client, email=f"held.{who}@example.ca")["application_id"] for who in ("irss", "admin")]
    for held in held_files:
        r = staff_call(client, "put", f"/admin/applications/{held}/hold", tokens["irss"], {"reason": "Held."})
        assert r.status_code == 200, r.body
    add_staff_accounts_to_act_on(pool)
    failed = f"{created['application_id']}:1:applicant"
    OutboxModel(failed).update(actions=[OutboxModel.status.set("failed")])

    backend_pool = cognitoidp_backends[DEFAULT_ACCOUNT_ID]["ca-central-1"].user_pools[pool.user_pool_id]
    expired, _ = backend_pool.create_jwt(pool.client_id, "admin", "id", expires_in=-600,
                                         extra_data={"cognito:groups": ["admin"]})
    other = create_pool("ca-central-1", name="another-pool").id_token("admin")
    # A scanned document on the main file for each reader: a qualification, and a medical one for health.
    qualification = put_document(created["application_id"], "first_aid_cpr")
    medical = put_document(created["application_id"], "medical_questionnaire")
    calls = json.loads(client.http.get("/bulletins").body)["bulletins"]
    draft = staff_call(client, "post", "/admin/bulletins", tokens["admin"], {**FUTURE_CALL, "published": False,
                                                                         "bulletin_id": "philippines-draft"})
    assert draft.status_code == 201, draft.body
    return {"draft_bulletin": "philippines-draft","app_id": created["application_id"], "files": {"irss": irss_file, "health": health_file},
            "bulletin_id": next(b["bulletin_id"] for b in calls if b["mission_id"] == "philippines"),
            "route_files": {("POST", "/admin/applications/{application_id}/forms-returned"): {"irss": forms_file},
                            ("POST", "/admin/caps/{cap_id}/roster/{deployment_id}/rotation"): {
                                c: ready_file for c in CALLERS},
                            ("POST", "/admin/applications/{application_id}/post-mission-follow-up"): {
                                "health": returned_file},
                            # A file each admitted caller places a hold on, and one held for each to lift.
                            ("PUT", "/admin/applications/{application_id}/hold"): {"irss": hold_files[0],
                                                                                   "admin": hold_files[1]},
                            ("POST", "/admin/applications/{application_id}/hold/lift"): {"irss": held_files[0],
                                                                                         "admin": held_files[1]},
                            # The documents are on the main file, whoever reads them.
                            **{("GET", f"/admin/applications/{{application_id}}/documents{rest}"): {
                                "irss": created["application_id"], "health": created["application_id"]}
                               for rest in ("", "/{document_id}")}},
            "task_id": task.sk,
            "documents": {"coordinator.spvm": qualification, "irss": qualification, "health": medical},
            "failed_email": failed,
            "bad": {"no token": None, "expired": expired, "another pool": other,
                    "applicant token": created["access_token"], "garbage": "abc.def.ghi"}}


def add_staff_accounts_to_act_on(pool: Any) -> None:
    """An account still invited (an invitation to send again) and a disabled one (to enable)."""
    idp = pool.client()
    for username in (INVITED_USER, DISABLED_USER):
        idp.admin_create_user(UserPoolId=pool.user_pool_id, Username=username, MessageAction="SUPPRESS",
                              TemporaryPassword="Matrix-Temporary-2026!",
                              UserAttributes=[{"Name": "email", "Value": username}, {"Name": "name", "Value": "M"}])
        idp.admin_add_user_to_group(UserPoolId=pool.user_pool_id, Username=username, GroupName="health")
    idp.admin_disable_user(UserPoolId=pool.user_pool_id, Username=DISABLED_USER)


@pytest.mark.parametrize("route", sorted(EXPECTED), ids=" ".join)
def test_each_role_on_each_route(client, tokens, world, route):
    expected = dict(zip(CALLERS, EXPECTED[route], strict=True))
    reference = valid_request(world, route, next(c for c in CALLERS if expected[c] != 403))

    # Given tokens that are not a coordinator's ID token from our pool, when each sends a valid request: 401.
    for label, token in world["bad"].items():
        assert_answer(send(client, reference, token), 401, (label, route))

    # When each signed-in caller sends a request valid for it (refused callers first, so that the
    # admitted requests that follow also show the refusals changed nothing)...
    for caller in sorted(CALLERS, key=lambda c: expected[c] < 300):
        request = reference if expected[caller] == 403 else valid_request(world, route, caller)
        r = send(client, request, tokens[caller])
        # ...then each gets exactly the answer of its cell.
        assert_answer(r, expected[caller], (caller, route))
        if route == BULK and expected[caller] == 200:
            assert [x["status"] for x in json.loads(r.body)["results"]] == [BULK_FILE_STATUS[caller]], r.body


def test_staff_tokens_do_not_open_applicant_endpoints(client, tokens, world):
    for user in ROLE_OF:
        r = client.http.get(f"/applications/{world['app_id']}", headers={"Authorization": f"Bearer {tokens[user]}"})
        assert r.status_code == 404


def test_out_of_scope_file_answers_like_a_missing_file(client, tokens, world):
    # Given SPVM's file, when OPP's coordinator opens it and a file that does not exist...
    route = ("GET", "/admin/applications/{application_id}")
    theirs = send(client, valid_request(world, route, "coordinator.opp"), tokens["coordinator.opp"])
    missing = send(client, ("get", "/admin/applications/po-none", None), tokens["coordinator.opp"])
    # ...then both answers are the same 404: nothing says the first one exists.
    assert theirs.status_code == missing.status_code == 404
    assert json.loads(theirs.body)["detail"] == json.loads(missing.body)["detail"]


def test_a_search_finds_a_file_of_another_service_no_more_than_a_missing_one(client, tokens, world):
    # Given SPVM's file, when each coordinator searches for it by reference, by email address and by family name...
    route = ("GET", "/admin/search")
    for q in (reference(world["app_id"]), "helene.cote@example.ca", "cote-trem"):
        found = {c: json.loads(send(client, ("get", f"/admin/search?q={q}", None), tokens[c]).body)["items"]
                 for c in ("coordinator.spvm", "coordinator.opp")}
        # ...then SPVM's finds it and OPP's finds nothing, the same answer as for a file that does not exist
        assert world["app_id"] in [f["application_id"] for f in found["coordinator.spvm"]], (q, found)
        assert found["coordinator.opp"] == [], q
    missing = send(client, ("get", "/admin/search?q=PO-AAAA-AAAA-AAAA-AAA2", None), tokens["coordinator.opp"])
    assert json.loads(missing.body)["items"] == [] and route in EXPECTED


def test_retrying_an_email_that_was_sent_is_409(client, tokens, world):
    # Given an email that went out (the applicant's confirmation of IRSS's file), when IRSS retries it: 409.
    r = staff_call(client, "post", f"/admin/emails/{world['files']['irss']}:1:applicant/retry", tokens["irss"], {})
    assert r.status_code == 409, r.body


# --- the staff console's pages (chalicelib/console): the same rules, through a signed-in session -------------

# The answer each caller gets to a valid request from its session (303: done, then the page it leads to;
# a refused role is a 403 page, another service's file a 404 page, as the API answers).
CONSOLE_EXPECTED = {
    ("GET", "/queue"):                                    (200, 200, 200, 200, 200),
    ("GET", "/files"):                                    (200, 200, 200, 200, 200),
    ("GET", "/files/{application_id}"):                   (200, 404, 200, 200, 200),
    ("GET", "/files/{application_id}/confirm"):           (200, 404, 200, 200, 403),
    ("POST", "/files/{application_id}/moves"):            (303, 404, 303, 303, 403),
    ("POST", "/files/{application_id}/notes"):            (303, 404, 303, 303, 303),
    ("POST", "/files/{application_id}/hold"):             (403, 403, 303, 403, 303),  # the API's HOLD_ROLES
    ("POST", "/files/{application_id}/hold/lift"):        (403, 403, 303, 403, 303),  # on a held file (below)
    ("POST", "/files/{application_id}/medical-outcome"):  (403, 403, 403, 303, 403),
    ("POST", "/files/{application_id}/module-results"):   (403, 403, 303, 403, 403),
    ("GET", "/files/{application_id}/documents/{document_id}"): (303, 404, 303, 303, 403),  # health: a medical one
    ("POST", "/bulk-moves"):                              (200, 200, 200, 200, 403),  # per file: OPP's is refused
    ("GET", "/search"):                                   (200, 200, 200, 200, 200),  # OPP finds nothing of SPVM's
    ("GET", "/dashboard"):                                (200, 200, 200, 403, 200),
    ("GET", "/export.csv"):                               (200, 200, 200, 403, 200),
    ("POST", "/stay"):                                    (303, 303, 303, 303, 303),
    ("POST", "/sign-out"):                                (303, 303, 303, 303, 303),
    ("POST", "/sign-out-everywhere"):                     (303, 303, 303, 303, 303),
    # The roster (chalicelib/console/roster.py): IRSS and administrators; deploying a file is IRSS's move.
    ("GET", "/roster"):                                   (403, 403, 200, 403, 200),
    ("GET", "/roster/{cap_id}"):                          (403, 403, 200, 403, 200),
    ("POST", "/roster/{cap_id}/deploy"):                  (403, 403, 303, 403, 403),
    ("GET", "/roster/{cap_id}/entries/{deployment_id}"):  (403, 403, 200, 403, 200),
    ("POST", "/roster/{cap_id}/entries/{deployment_id}/record"): (403, 403, 303, 403, 303),
    ("POST", "/roster/{cap_id}/entries/{deployment_id}/extend"): (403, 403, 303, 403, 303),
    ("POST", "/roster/{cap_id}/entries/{deployment_id}/end"): (403, 403, 303, 403, 303),
    ("POST", "/roster/{cap_id}/entries/{deployment_id}/rotation"): (403, 403, 303, 403, 403),
    ("GET", "/roster-import"):                            (403, 403, 200, 403, 200),
    ("POST", "/roster-import"):                           (403, 403, 303, 403, 303),
    ("GET", "/roster-import/template.csv"):               (403, 403, 200, 403, 200),
    # Staff accounts (chalicelib/console/staff.py): administrators only.
    ("GET", "/staff"):                                    (403, 403, 403, 403, 200),
    ("GET", "/staff/invite"):                             (403, 403, 403, 403, 200),
    ("POST", "/staff/invite"):                            (403, 403, 403, 403, 303),
    ("GET", "/staff/account"):                            (403, 403, 403, 403, 200),
    ("POST", "/staff/account/role"):                      (403, 403, 403, 403, 303),
    ("POST", "/staff/account/disable"):                   (403, 403, 403, 403, 303),
    ("POST", "/staff/account/enable"):                    (403, 403, 403, 403, 303),
    ("POST", "/staff/account/invitation"):                (403, 403, 403, 403, 303),
    # Missions and seats, and the audit (chalicelib/console/catalogue.py): IRSS reads, administrators change.
    ("GET", "/missions-and-seats"):                       (403, 403, 200, 403, 200),
    ("POST", "/missions-and-seats/caps/{cap_id}/authorized"): (403, 403, 403, 403, 303),
    ("GET", "/missions-and-seats/missions/{mission_id}"): (403, 403, 200, 403, 200),
    ("POST", "/missions-and-seats/missions/{mission_id}/description"): (403, 403, 403, 403, 303),
    ("POST", "/missions-and-seats/missions/{mission_id}/status"): (403, 403, 403, 403, 303),
    ("GET", "/audit"):                                    (403, 403, 200, 403, 200),
    ("GET", "/audit.csv"):                                (403, 403, 200, 403, 200),
    # Calls for applications (console/calls.py): administrators manage them; IRSS reads the list, a call, its preview.
    ("GET", "/calls"):                                    (403, 403, 200, 403, 200),
    ("POST", "/calls"):                                   (403, 403, 403, 403, 303),
    ("GET", "/new-call"):                                 (403, 403, 403, 403, 200),
    ("GET", "/calls/{bulletin_id}"):                      (403, 403, 200, 403, 200),
    ("POST", "/calls/{bulletin_id}"):                     (403, 403, 403, 403, 303),
    ("GET", "/calls/{bulletin_id}/preview"):              (403, 403, 200, 403, 200),
    ("POST", "/calls/{bulletin_id}/publish"):             (403, 403, 403, 403, 303),
    ("POST", "/calls/{bulletin_id}/extend"):              (403, 403, 403, 403, 303),
    ("POST", "/calls/{bulletin_id}/close"):               (403, 403, 403, 403, 303),
    ("POST", "/calls/{bulletin_id}/copy"):                (403, 403, 403, 403, 303),
}
# The roster's pages act on Haiti (seats free), each caller on an entry of its own, the deploy and the rotation on
# a Haiti file at training (the line of ready candidates).
ROSTER_ENTRY_OF = {"irss": "existing-haiti-001", "admin": "existing-haiti-002"}
ROSTER_FORM = {
    "/record": [("expected_version", "1"), ("police_service", "spvm"), ("started_on", "2025-06-01"),
                ("planned_end", "2026-06-01"), ("note", "From the program's list")],
    "/extend": [("expected_version", "1"), ("new_planned_end", "2027-06-01"), ("extend_note", "Approved")],
    "/end": [("expected_version", "1"), ("reason_code", "mission_closed"), ("end_note", "Closed"),
             ("confirmed", "yes")],
    "/rotation": [("expected_version", "1"), ("handover_on", "{today}"), ("rotation_note", "Spring rotation")],
}
# The call each calls page acts on: the seeded Philippines call (open, version 1), or a draft for publishing.
CONSOLE_CALL_TEXTS = [("title_en", "Philippines"), ("title_fr", "Philippines"), ("description_en", "Advisers."),
                      ("description_fr", "Conseillers."), ("contact_name_en", "IRSS"), ("contact_name_fr", "RPSI"),
                      ("contact_email", "peacekeeping@rcmp-grc.gc.ca"), ("positions", "2")]
# The console's public pages (the sign-in and its steps, the signed-out page): no session needed.
CONSOLE_PUBLIC = {"", "/sign-in", "/sign-in/new-password", "/sign-in/set-up-mfa", "/sign-in/code", "/signed-out"}
CONSOLE_FILE_OF = {"health": "medical", "irss": "service_review"}  # the other callers act on SPVM's submitted file
CONSOLE_FORM = {
    ("GET", "/files/{application_id}/confirm"): lambda caller: "?to=" + ("medically_unfit" if caller == "health"
                                                                            else "withdrawn"),
    ("POST", "/files/{application_id}/moves"): lambda caller: {
        "health": [("to_stage", "medically_unfit"), ("expected_stage", "medical"), ("confirmed", "yes"),
                   ("reason_code", "medical_requirements_not_met")],
        "irss": [("to_stage", "irss_review"), ("expected_stage", "service_review")],
    }.get(caller, [("to_stage", "service_review"), ("expected_stage", "submitted")]),
    ("POST", "/files/{application_id}/notes"): lambda caller: [("note", "Called the applicant.")],
    ("POST", "/files/{application_id}/hold"): lambda caller: [("reason", "Privacy Act request P-2026-0042.")],
    ("POST", "/files/{application_id}/hold/lift"): lambda caller: [("reason", "Request answered.")],
    ("POST", "/files/{application_id}/medical-outcome"): lambda caller: [("outcome", "fit")],
    ("POST", "/files/{application_id}/module-results"): lambda caller: [("module", "un-online-modules"), ("score", "90")],
    ("POST", "/stay"): lambda caller: [("next", "/console/en/queue")],
    ("GET", "/search"): lambda caller: "?q=cote",
    ("POST", "/staff/invite"): lambda caller: [("name", "Role Matrix"), ("email", f"{caller}.matrix@example.ca"),
                                               ("role", "health"), ("police_service", ""), ("language", "en")],
    ("GET", "/staff/account"): lambda caller: "?username=coordinator.opp",
    ("POST", "/staff/account/role"): lambda caller: [("username", "coordinator.opp"), ("role", "irss"),
                                                     ("police_service", "")],
    ("POST", "/staff/account/disable"): lambda caller: [("username", "coordinator.opp")],
    ("POST", "/staff/account/enable"): lambda caller: [("username", DISABLED_USER)],
    ("POST", "/staff/account/invitation"): lambda caller: [("username", INVITED_USER)],
    ("POST", "/missions-and-seats/caps/{cap_id}/authorized"): lambda caller: [("authorized", "3"), ("version", "1")],
    ("POST", "/missions-and-seats/missions/{mission_id}/description"): lambda caller: [
        ("description_en", "A description."), ("description_fr", "Une description."), ("version", "1")],
    ("POST", "/missions-and-seats/missions/{mission_id}/status"): lambda caller: [("accepting", "no"),
                                                                                  ("version", "1")],
    ("GET", "/audit"): lambda caller: "?kind=stage_change",
    ("POST", "/calls"): lambda caller: [("bulletin_id", "matrix-new"), ("mission_id", "italy-spc-brindisi"),
                                        ("opens_at", "2099-01-05T09:00"), ("closes_at", "2099-02-05T23:59"),
                                        *CONSOLE_CALL_TEXTS],
    ("POST", "/calls/{bulletin_id}"): lambda caller: [("opens_at", "2026-01-05T09:00"), ("closes_at", "2027-01-05T09:00"),
                                                      ("version", "1"), *CONSOLE_CALL_TEXTS],
    ("POST", "/calls/{bulletin_id}/publish"): lambda caller: [("version", "1")],
    ("POST", "/calls/{bulletin_id}/extend"): lambda caller: [("new_closes_at", "2099-12-31T23:59"), ("version", "1")],
    ("POST", "/calls/{bulletin_id}/close"): lambda caller: [("confirm_close", "yes"), ("version", "1")],
    ("POST", "/calls/{bulletin_id}/copy"): lambda caller: [("copy_bulletin_id", "matrix-copy"),
                                                           ("copy_opens_at", "2100-01-05T09:00"),
                                                           ("copy_closes_at", "2100-02-05T23:59")],
}


def _roster_form(route: tuple[str, str], ready: str) -> list[tuple[str, str]]:
    """A roster form each admitted caller may send (the deploy and the rotation bring in ``ready``)."""
    method, template = route
    if route == ("POST", "/roster-import"):
        return [("csv", "cap_id,mission_id,police_service,started_on,planned_end\nhaiti,,spvm,2026-01-05,2027-01-05\n")]
    if not (template.startswith("/roster/") and method == "POST"):
        return []
    return [(k, val.replace("{today}", _today())) for k, val in ROSTER_FORM.get(template[template.rfind("/"):], [])] + [
        ("application_id", ready), ("expected_stage", "training")]


def _console_call(route: tuple[str, str]) -> str:
    """The call a calls page acts on: a draft (made here, once per test) to publish, else the seeded Philippines
    call."""
    from chalicelib.api.wiring import deps
    from chalicelib.domain.workflow import Actor
    from chalicelib.services import bulletins

    if route != ("POST", "/calls/{bulletin_id}/publish"):
        return next(s.bulletin.bulletin_id for s in deps().store.catalogue.bulletins()
                    if s.bulletin.mission_id == "philippines" and s.bulletin.published)
    if deps().store.catalogue.bulletin("matrix-draft") is None:
        bulletins.create_bulletin(deps(), Actor("admin", "matrix"), {**FUTURE_CALL, "bulletin_id": "matrix-draft",
                                                                     "published": False})
    return "matrix-draft"


def test_the_console_matrix_covers_every_console_page():
    from chalicelib.console.routes import every_page

    staff_pages = {(method, path) for path, method, _ in every_page() if path not in CONSOLE_PUBLIC}
    assert staff_pages == set(CONSOLE_EXPECTED)


def _console_world(client, route):
    """SPVM's files at the stages the callers act on, held for the lift, and a ready file for a roster page."""
    from chalicelib.adapters.models import ApplicationModel

    files = {stage: submit(client, email=f"{stage}@example.ca")["application_id"]
             for stage in ("submitted", "service_review", "medical")}
    for stage in ("service_review", "medical"):
        ApplicationModel(files[stage]).update(actions=[ApplicationModel.stage.set(stage)])
    if route == ("POST", "/files/{application_id}/hold/lift"):  # a hold to lift on every file
        from chalicelib.api.wiring import deps
        from chalicelib.domain.workflow import Actor
        from chalicelib.services import holds

        for app_id in files.values():
            holds.place(deps(), Actor("irss", "irss-1"), app_id, {"reason": "Privacy Act request P-2026-0042."})
    ready = ""
    if "{cap_id}" in route[1]:
        ready = submit(client, email="ready@example.ca")["application_id"]
        ApplicationModel(ready).update(actions=[ApplicationModel.stage.set("training")])
    return files, ready


@pytest.mark.parametrize("route", sorted(CONSOLE_EXPECTED), ids=" ".join)
def test_each_role_on_each_console_page(client, pool, route):
    from .test_console_sign_in import first_sign_in, page_token
    from .web_client import WebClient

    if route[1].startswith("/staff/account/"):
        add_staff_accounts_to_act_on(pool)
    files, ready = _console_world(client, route)
    method, template = route
    for caller, expected in zip(CALLERS, CONSOLE_EXPECTED[route], strict=True):
        browser = WebClient(client)
        first_sign_in(browser, caller)
        app_id = files[CONSOLE_FILE_OF.get(caller, "submitted")]
        # A scanned document each caller may read on its file: a medical one for health, a qualification else.
        document = put_document(app_id, "medical_questionnaire" if caller == "health" else "first_aid_cpr") \
            if "{document_id}" in template else ""
        path = "/console/en" + template.replace("{application_id}", app_id).replace("{document_id}", document)
        path = path.replace("{cap_id}", "philippines" if template.startswith("/missions-and-seats") else "haiti") \
            .replace("{mission_id}", "philippines") \
            .replace("{bulletin_id}", _console_call(route) if "{bulletin_id}" in template else "") \
            .replace("{deployment_id}", ROSTER_ENTRY_OF.get(caller, "existing-haiti-003"))
        extra = _roster_form(route, ready) or CONSOLE_FORM.get(route, lambda c: [])(caller)
        if method == "GET":
            r = browser.get(path + (extra or ""))
        else:
            if route == ("POST", "/bulk-moves"):
                extra = [("pick", f"{files['submitted']}|submitted"), ("to_stage", "service_review")]
                if caller in ("irss", "health"):
                    extra = [("pick", f"{app_id}|{CONSOLE_FILE_OF[caller]}"),
                             ("to_stage", "irss_review" if caller == "irss" else "un_modules")]
            r = browser.post(path, [*extra, ("csrf_token", page_token(browser, "/console/en/queue"))], csrf=False)
        assert r.status_code == expected, (route, caller, r.status_code)
        if route == ("POST", "/bulk-moves") and caller == "coordinator.opp":
            assert "1 not moved" in r.body.decode()  # SPVM's file: not found for OPP, and not named
        if route == ("GET", "/search"):
            assert (files["submitted"] in r.body.decode()) == (caller != "coordinator.opp"), caller
