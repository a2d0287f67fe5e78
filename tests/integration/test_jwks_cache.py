"""JWKS through PyJWT's PyJWKClient: fetched once, cached, refetched for an unknown key id at most every 5 minutes."""
from __future__ import annotations

import time
import urllib.request

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa


@pytest.fixture
def fetches(monkeypatch):
    from chalicelib.api import auth
    from devtools.cognito_setup import in_process_jwks

    calls: list[str] = []

    def counted(url: str):
        calls.append(url)
        return in_process_jwks(url)

    monkeypatch.setattr(auth, "JWKS_FETCH", counted)
    auth.verifier.cache_clear()
    return calls


def _who(client, token):
    return client.http.get("/admin/whoami", headers={"Authorization": f"Bearer {token}"}).status_code


def _foreign(pool, kid: str) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())
    claims = {"sub": "x", "iss": f"https://cognito-idp.ca-central-1.amazonaws.com/{pool.user_pool_id}",
              "aud": pool.client_id, "token_use": "id", "iat": now, "exp": now + 600, "cognito:groups": ["admin"]}
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


def test_keys_are_fetched_once_and_an_unknown_kid_refetches_at_most_every_5_minutes(client, pool, tokens, fetches,
                                                                                   monkeypatch):
    # Given two coordinators' calls: one fetch of the pool's keys, from the pool's own JWKS address
    assert _who(client, tokens["irss"]) == 200 and _who(client, tokens["admin"]) == 200
    assert len(fetches) == 1 and fetches[0].endswith(f"/{pool.user_pool_id}/.well-known/jwks.json")
    # When tokens arrive signed with key ids the pool does not have
    for kid in ("made-up-1", "made-up-2", "made-up-3"):
        assert _who(client, _foreign(pool, kid)) == 401
    # Then no new fetch within 5 minutes of the last one
    assert len(fetches) == 1
    # ...and one after 5 minutes (keys rotate), still refusing the foreign key, still admitting the real one
    later = time.monotonic() + 301
    monkeypatch.setattr("jwt.jwks_client.time.monotonic", lambda: later)
    assert _who(client, _foreign(pool, "made-up-4")) == 401
    assert len(fetches) == 2
    assert _who(client, tokens["irss"]) == 200


def test_without_a_fetcher_pyjwkclient_fetches_over_http_itself(pool, tokens, monkeypatch):
    # Given no injected fetcher (as in AWS and under chalice local) and a pool endpoint nobody answers on
    from dataclasses import replace

    from chalicelib.adapters.cognito import CognitoVerifier, InvalidToken
    from chalicelib.config import get_settings

    opened: list[str] = []
    real_open = urllib.request.OpenerDirector.open

    def watched(self, request, *args, **kwargs):
        opened.append(request.full_url)
        return real_open(self, request, *args, **kwargs)

    monkeypatch.setattr(urllib.request.OpenerDirector, "open", watched)
    verifier = CognitoVerifier(replace(get_settings(), cognito_endpoint="http://127.0.0.1:9"))
    # When a token is checked, then PyJWKClient's own urllib request went to the pool's JWKS address,
    # and the failed fetch is a refused token (401), not an error
    with pytest.raises(InvalidToken):
        verifier.verify(tokens["irss"])
    assert opened == [f"http://127.0.0.1:9/{pool.user_pool_id}/.well-known/jwks.json"]
