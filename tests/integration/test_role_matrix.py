"""Every admin endpoint with every role, and with no token, an expired token,
a token from another pool and an applicant's access token."""
from __future__ import annotations

import json

import pytest

from .conftest import staff_call, submit

ALL = ("coordinator.spvm", "irss", "health", "admin")
# The role rule of each admin route, stated independently of the code.
MATRIX = {
    ("GET", "/admin/whoami"): {"service_coordinator", "irss", "health", "admin"},
    ("GET", "/admin/applications"): {"service_coordinator", "irss", "health", "admin"},
    ("GET", "/admin/applications/{application_id}"): {"service_coordinator", "irss", "health", "admin"},
    ("POST", "/admin/applications/{application_id}/moves"): {"service_coordinator", "irss", "health"},
    ("POST", "/admin/moves"): {"service_coordinator", "irss", "health"},
    ("PUT", "/admin/applications/{application_id}/medical-outcome"): {"health"},
    ("POST", "/admin/applications/{application_id}/module-results"): {"irss"},
    ("POST", "/admin/emails/{message_id}/retry"): {"irss"},
    ("GET", "/admin/reports/pipeline"): {"service_coordinator", "irss", "admin"},
    ("GET", "/admin/reports/applications.csv"): {"service_coordinator", "irss", "admin"},
    ("POST", "/admin/missions"): {"admin"},
    ("PATCH", "/admin/missions/{mission_id}"): {"admin"},
    ("PUT", "/admin/missions/{mission_id}/status"): {"admin"},
    ("POST", "/admin/caps"): {"admin"},
    ("GET", "/admin/caps/{cap_id}"): {"irss", "admin"},
    ("PUT", "/admin/caps/{cap_id}/authorized"): {"admin"},
}
ROLE_OF = {"coordinator.spvm": "service_coordinator", "irss": "irss", "health": "health", "admin": "admin"}


def test_the_matrix_covers_every_admin_route_and_matches_the_code():
    from app import app

    routes = {(m, path): entry for path, methods in app.routes.items() for m, entry in methods.items()
              if path.startswith("/admin")}
    assert set(routes) == set(MATRIX)
    for key, entry in routes.items():
        assert set(entry.view_function.allowed_roles) == MATRIX[key], key


def test_every_non_admin_route_is_public_or_applicant_only():
    """Outside /admin, a route is either public or opens one file with its own token."""
    from app import app

    for path, methods in app.routes.items():
        for entry in methods.values():
            assert not hasattr(entry.view_function, "allowed_roles") or path.startswith("/admin"), path


def _request(client, method, path, token, app_id, message_id):
    concrete = (path.replace("{application_id}", app_id).replace("{mission_id}", "philippines")
                .replace("{cap_id}", "philippines").replace("{message_id}", message_id))
    bodies = {
        "/moves": {"to_stage": "withdrawn", "expected_stage": "submitted", "reason_code": "other"},
        "/admin/moves": {"moves": [{"application_id": app_id, "to_stage": "service_review", "expected_stage": "nope"}]},
        "/medical-outcome": {"outcome": "fit"},
        "/module-results": {"module": "un-bsafe", "score": 90},
        "/retry": {},
        "/admin/missions": {"mission_id": "x"},
        "/status": {"accepting_applications": True},
        "/admin/caps": {"cap_id": "x"},
        "/authorized": {"authorized": 2},
        "/admin/missions/philippines": {"accepting_applications": True},
    }
    body = next((b for suffix, b in bodies.items() if concrete.endswith(suffix)), None) if method != "GET" else None
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    kwargs = {"headers": {**headers, "Content-Type": "application/json"}, "body": json.dumps(body or {})} if method != "GET" else {"headers": headers}
    return getattr(client.http, method.lower())(concrete, **kwargs)


@pytest.fixture
def world(client, tokens, pool):
    from moto.cognitoidp.models import cognitoidp_backends
    from moto.core import DEFAULT_ACCOUNT_ID

    from devtools.cognito_setup import create_pool

    created = submit(client)
    backend_pool = cognitoidp_backends[DEFAULT_ACCOUNT_ID]["ca-central-1"].user_pools[pool.user_pool_id]
    expired, _ = backend_pool.create_jwt(pool.client_id, "admin", "id", expires_in=-600,
                                        extra_data={"cognito:groups": ["admin"]})
    other = create_pool("ca-central-1", name="another-pool").id_token("admin")
    return {"app_id": created["application_id"], "message_id": f"{created['application_id']}:1:applicant",
            "bad": {"no token": None, "expired": expired, "another pool": other,
                    "applicant token": created["access_token"], "garbage": "abc.def.ghi"}}


@pytest.mark.parametrize("route", sorted(MATRIX))
def test_each_role_on_each_route(client, tokens, world, route):
    method, path = route
    for user in ALL:
        r = _request(client, method, path, tokens[user], world["app_id"], world["message_id"])
        if ROLE_OF[user] in MATRIX[route]:
            assert r.status_code not in (401, 403) and r.status_code < 500, (user, route, r.status_code, r.body)
        else:
            assert r.status_code == 403, (user, route, r.status_code)
            assert json.loads(r.body)["code"] == "forbidden"
    for label, token in world["bad"].items():
        r = _request(client, method, path, token, world["app_id"], world["message_id"])
        assert r.status_code == 401, (label, route, r.status_code)
        assert r.headers["Content-Type"] == "application/problem+json"


def test_staff_tokens_do_not_open_applicant_endpoints(client, tokens, world):
    for user in ALL:
        r = client.http.get(f"/applications/{world['app_id']}", headers={"Authorization": f"Bearer {tokens[user]}"})
        assert r.status_code == 404


def test_out_of_scope_file_is_404_not_403(client, tokens, world):
    # The file belongs to SPVM; OPP's coordinator must not learn it exists.
    for method, path in (("GET", "/admin/applications/{application_id}"),
                         ("POST", "/admin/applications/{application_id}/moves")):
        r = _request(client, method, path, tokens["coordinator.opp"], world["app_id"], world["message_id"])
        assert r.status_code == 404, (path, r.body)
    missing = _request(client, "GET", "/admin/applications/{application_id}", tokens["coordinator.opp"], "po-none", "")
    assert json.loads(missing.body)["detail"] == json.loads(
        _request(client, "GET", "/admin/applications/{application_id}", tokens["coordinator.opp"], world["app_id"], "").body)["detail"]
    r = staff_call(client, "post", f"/admin/emails/{world['message_id']}/retry", tokens["irss"], {})
    assert r.status_code == 409  # in scope for IRSS, but the email was sent, not failed
