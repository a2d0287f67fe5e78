"""Issue 10, finding 12, end to end: a real signed token whose groups claim is a string is 403."""
from __future__ import annotations

import json

import pytest


def _token(pool, groups):
    from moto.cognitoidp.models import cognitoidp_backends
    from moto.core import DEFAULT_ACCOUNT_ID

    backend_pool = cognitoidp_backends[DEFAULT_ACCOUNT_ID]["ca-central-1"].user_pools[pool.user_pool_id]
    token, _ = backend_pool.create_jwt(pool.client_id, "irss", "id", extra_data={"cognito:groups": groups})
    return token


@pytest.mark.parametrize("groups", ["irss", "xirssx"])
def test_a_groups_claim_written_as_a_string_is_403(client, pool, groups):
    # Given a token signed by the pool whose cognito:groups is a string holding a role's name
    token = _token(pool, groups)
    # When it calls a coordinators' route, in French
    r = client.http.get("/admin/whoami", headers={"Authorization": f"Bearer {token}", "Accept-Language": "fr"})
    # Then it is refused (403, not matched by substring)
    assert r.status_code == 403, r.body
    assert json.loads(r.body)["code"] == "forbidden" and "groupes" in json.loads(r.body)["detail"]


def test_the_same_token_with_a_list_is_admitted(client, pool):
    r = client.http.get("/admin/whoami", headers={"Authorization": f"Bearer {_token(pool, ['irss'])}"})
    assert r.status_code == 200 and json.loads(r.body)["role"] == "irss"
