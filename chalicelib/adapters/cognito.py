"""Verify Cognito ID tokens ourselves: RS256 signature against the pool's
published keys, issuer, audience, token use and expiry.

The same code runs in tests (moto serves the pool's keys), under
``chalice local`` (moto's server on loopback) and in AWS.
"""
from __future__ import annotations

import threading
import time
from typing import Any, Callable

import jwt
import requests
from jwt.algorithms import RSAAlgorithm

from ..config import Settings


class InvalidToken(Exception):
    """Why a token was refused (never shown to the caller in detail)."""


KEY_REFRESH_SECONDS = 300
LEEWAY_SECONDS = 30


class CognitoVerifier:
    def __init__(self, settings: Settings, fetch: Callable[..., Any] = requests.get) -> None:
        self._s = settings
        self._fetch = fetch
        self._keys: dict[str, Any] = {}
        self._fetched_at = 0.0
        self._lock = threading.Lock()

    @property
    def issuer(self) -> str:
        # Cognito (and moto) issue tokens under the public regional URL.
        return f"https://cognito-idp.{self._s.cognito_region}.amazonaws.com/{self._s.cognito_user_pool_id}"

    @property
    def jwks_url(self) -> str:
        base = self._s.cognito_endpoint.rstrip("/") if self._s.cognito_endpoint else self.issuer.rsplit("/", 1)[0]
        return f"{base}/{self._s.cognito_user_pool_id}/.well-known/jwks.json"

    def _load_keys(self) -> None:
        response = self._fetch(self.jwks_url, timeout=5)
        response.raise_for_status()
        self._keys = {k["kid"]: RSAAlgorithm.from_jwk(k) for k in response.json().get("keys", [])}
        self._fetched_at = time.monotonic()

    def _key(self, kid: str) -> Any:
        with self._lock:
            stale = time.monotonic() - self._fetched_at > KEY_REFRESH_SECONDS
            if kid not in self._keys and (stale or not self._keys):
                self._load_keys()  # keys rotate: refetch for an unknown kid, at most every 5 minutes
        if kid not in self._keys:
            raise InvalidToken("unknown key id")
        return self._keys[kid]

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
            claims: dict[str, Any] = jwt.decode(
                token, self._key(str(header.get("kid"))), algorithms=["RS256"],
                audience=self._s.cognito_client_id, issuer=self.issuer, leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "iss", "aud", "sub", "token_use"]},
            )
        except (jwt.PyJWTError, requests.RequestException) as exc:
            raise InvalidToken(type(exc).__name__) from exc
        if claims.get("token_use") != "id":
            raise InvalidToken("not an ID token")
        return claims
