"""Verify Cognito ID tokens ourselves: RS256 signature against the pool's
published keys, issuer, audience, token use and expiry.

The pool's keys (JWKS) are fetched and cached by PyJWT's ``PyJWKClient``: the
key set is kept for an hour, each key once parsed, and a token signed with an
unknown key id refetches the set at most every 5 minutes (keys rotate; a flood
of made-up key ids costs one fetch per 5 minutes, not one per request).

The same code runs in AWS and under ``chalice local`` (moto's server on
loopback), fetching over HTTP with PyJWKClient's own urllib client. moto's
in-process mock (the integration tests) does not intercept urllib, so those
tests hand in a ``fetch`` that reads the keys through it.
"""
from __future__ import annotations

import time
from typing import Any, Callable

import jwt
from jwt import PyJWKClient
from jwt.exceptions import PyJWKClientConnectionError

from ..config import Settings


class InvalidToken(Exception):
    """Why a token was refused (never shown to the caller in detail)."""


KEY_REFRESH_SECONDS = 300  # the least time between two fetches for an unknown key id
KEY_SET_SECONDS = 3600  # how long a fetched key set is used before it is fetched again
LEEWAY_SECONDS = 30
FETCH_TIMEOUT_SECONDS = 5

JwksFetch = Callable[[str], Any]
"""Reads a JWKS document: ``fetch(url) -> {"keys": [...]}``."""


class _PoolKeys(PyJWKClient):
    """PyJWKClient, fetching through ``fetch`` when one is given (tests), else over HTTP itself."""

    def __init__(self, uri: str, fetch: JwksFetch | None) -> None:
        super().__init__(uri, cache_keys=True, cache_jwk_set=True, lifespan=KEY_SET_SECONDS,
                         cooldown_duration=KEY_REFRESH_SECONDS, timeout=FETCH_TIMEOUT_SECONDS)
        self._injected = fetch

    def fetch_data(self) -> Any:
        if self._injected is None:
            return super().fetch_data()
        try:
            data = self._injected(self.uri)  # PyJWKClient.get_jwk_set validates and caches it
        except Exception as exc:  # noqa: BLE001 - whatever the fetcher raises, the token is refused (401)
            raise PyJWKClientConnectionError(type(exc).__name__) from exc
        self._last_successful_fetch = time.monotonic()  # what PyJWKClient.fetch_data does: starts the cooldown
        return data


class CognitoVerifier:
    def __init__(self, settings: Settings, fetch: JwksFetch | None = None) -> None:
        self._s = settings
        self._keys = _PoolKeys(self.jwks_url, fetch)

    @property
    def issuer(self) -> str:
        # Cognito (and moto) issue tokens under the public regional URL.
        return f"https://cognito-idp.{self._s.cognito_region}.amazonaws.com/{self._s.cognito_user_pool_id}"

    @property
    def jwks_url(self) -> str:
        base = self._s.cognito_endpoint.rstrip("/") if self._s.cognito_endpoint else self.issuer.rsplit("/", 1)[0]
        return f"{base}/{self._s.cognito_user_pool_id}/.well-known/jwks.json"

    def verify(self, token: str) -> dict[str, Any]:
        if not self._s.cognito_user_pool_id or not self._s.cognito_client_id:
            raise InvalidToken("no user pool configured")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidToken("not a JWT") from exc
        if header.get("alg") != "RS256":
            raise InvalidToken("wrong algorithm")
        try:
            key = self._keys.get_signing_key(str(header.get("kid")))
            claims: dict[str, Any] = jwt.decode(
                token, key, algorithms=["RS256"],
                audience=self._s.cognito_client_id, issuer=self.issuer, leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "iss", "aud", "sub", "token_use"]},
            )
        except jwt.PyJWTError as exc:  # PyJWKClientError (no such key, fetch failed) is one
            raise InvalidToken(type(exc).__name__) from exc
        if claims.get("token_use") != "id":
            raise InvalidToken("not an ID token")
        return claims
