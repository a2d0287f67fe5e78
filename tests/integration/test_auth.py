"""Coordinators' tokens: verified for real against moto's Cognito keys."""
from __future__ import annotations

import json

import jwt


def who(client, token):
    return client.http.get("/admin/whoami", headers={"Authorization": f"Bearer {token}"})


def test_each_demo_user_signs_in_with_their_role(client, tokens):
    expected = {"coordinator.spvm": ("service_coordinator", "spvm"), "irss": ("irss", None),
                "health": ("health", None), "admin": ("admin", None)}
    for user, (role, service) in expected.items():
        r = who(client, tokens[user])
        assert r.status_code == 200, r.body
        body = json.loads(r.body)
        assert (body["role"], body["police_service"]) == (role, service)


def test_no_token_bad_token_and_applicant_token_are_401(client, tokens):
    assert client.http.get("/admin/whoami").status_code == 401
    assert who(client, "not-a-jwt").status_code == 401
    forged = jwt.encode({"sub": "x", "cognito:groups": ["admin"]}, "s" * 32, algorithm="HS256")
    assert who(client, forged).status_code == 401
    r = who(client, tokens["irss"][:-4] + "AAAA")  # signature tampered
    assert r.status_code == 401 and r.headers["Content-Type"] == "application/problem+json"


def test_expired_token_is_401(client, pool):
    from moto.cognitoidp.models import cognitoidp_backends
    from moto.core import DEFAULT_ACCOUNT_ID

    backend_pool = cognitoidp_backends[DEFAULT_ACCOUNT_ID]["ca-central-1"].user_pools[pool.user_pool_id]
    token, _ = backend_pool.create_jwt(pool.client_id, "irss", "id", expires_in=-3600,
                                      extra_data={"cognito:groups": ["irss"]})
    assert who(client, token).status_code == 401


def test_access_token_is_not_an_id_token(client, pool):
    auth = pool.client().admin_initiate_auth(
        UserPoolId=pool.user_pool_id, ClientId=pool.client_id, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "irss", "PASSWORD": "Peaceops-Local-2026!"})
    assert who(client, auth["AuthenticationResult"]["AccessToken"]).status_code == 401


def test_token_from_another_pool_is_401(client, pool):
    from devtools.cognito_setup import create_pool

    other = create_pool("ca-central-1", name="someone-else")
    assert who(client, other.id_token("admin")).status_code == 401


def test_token_for_another_client_is_401(client, pool):
    idp = pool.client()
    other_client = idp.create_user_pool_client(UserPoolId=pool.user_pool_id, ClientName="other",
                                               ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH"])["UserPoolClient"]["ClientId"]
    auth = idp.admin_initiate_auth(UserPoolId=pool.user_pool_id, ClientId=other_client, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                                   AuthParameters={"USERNAME": "irss", "PASSWORD": "Peaceops-Local-2026!"})
    assert who(client, auth["AuthenticationResult"]["IdToken"]).status_code == 401


def test_user_without_a_role_is_403(client, pool):
    from devtools.cognito_setup import add_user

    add_user(pool, "nobody", [], None)
    r = who(client, pool.id_token("nobody"))
    assert r.status_code == 403


def test_coordinator_without_service_is_403(client, pool):
    from devtools.cognito_setup import add_user

    add_user(pool, "coordinator.none", ["service_coordinator"], None)
    assert who(client, pool.id_token("coordinator.none")).status_code == 403
