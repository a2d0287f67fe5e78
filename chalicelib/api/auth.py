"""Coordinator sign-in: a verified Cognito ID token becomes an Actor.

Roles are Cognito groups. Every admin route names the roles it admits with
``@staff(...)``; no token or a bad one is 401, a valid token whose groups hold
none of the route's roles is 403, and so is one whose ``cognito:groups`` claim is
not a list of names (a string is never searched for a role).
"""
from __future__ import annotations

import functools
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Callable

from chalice import Chalice

from ..config import get_settings
from ..domain.errors import Forbidden, Unauthenticated
from ..domain.workflow import Actor
from .http import bearer

if TYPE_CHECKING:  # PyJWT and its crypto load on the first staff request, not at a cold start
    from ..adapters.cognito import CognitoVerifier, JwksFetch

from ..domain.access import STAFF_ROLES as ROLES  # the one role list
SERVICE_ATTRIBUTE = "custom:police_service"


# None: PyJWKClient fetches the pool's keys over HTTP (AWS, chalice local). In-process moto
# (tests/integration, benchmarks) is not reachable over urllib, so they set a fetcher here.
JWKS_FETCH: JwksFetch | None = None


@lru_cache(maxsize=1)
def verifier() -> CognitoVerifier:
    from ..adapters.cognito import CognitoVerifier

    return CognitoVerifier(get_settings(), fetch=JWKS_FETCH)


def groups_of(claims: dict[str, Any]) -> list[str]:
    """The caller's Cognito groups: a JSON list of names, or 403.

    Cognito always sends a list. A string is refused rather than searched, as ``"irss" in "xirssx"``
    is true of a string; a missing claim is no groups (403 below).
    """
    groups = claims.get("cognito:groups", [])
    if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
        raise Forbidden("Your token's groups are not a list of names; sign in again or ask an administrator.",
                        "Les groupes de votre jeton ne sont pas une liste de noms; reconnectez-vous ou adressez-vous "
                        "à un administrateur.")
    return groups


def actor_from_claims(claims: dict[str, Any], allowed: tuple[str, ...]) -> Actor:
    groups = groups_of(claims)
    role = next((r for r in allowed if r in groups), None)
    if role is None:
        raise Forbidden("Your role does not allow this.", "Votre rôle ne permet pas cette action.")
    service = claims.get(SERVICE_ATTRIBUTE)
    if role == "service_coordinator" and not service:
        raise Forbidden("Your account has no police service; ask an administrator.",
                        "Votre compte n'a pas de service de police; adressez-vous à un administrateur.")
    return Actor(role=role, actor_id=str(claims["sub"]), police_service=service,
                 username=str(claims.get("cognito:username") or claims["sub"]))


def staff(app: Chalice, *allowed: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Admit only callers holding one of ``allowed`` roles; the view receives ``actor``."""
    unknown = set(allowed) - set(ROLES)
    if unknown or not allowed:
        raise ValueError(f"unknown roles {unknown}")

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            from ..adapters.cognito import InvalidToken

            token = bearer(app.current_request)
            try:
                claims = verifier().verify(token)
            except InvalidToken as exc:
                raise Unauthenticated("Sign in again: the token is missing, expired or not ours.",
                                      "Reconnectez-vous\u00a0: le jeton est absent, expiré ou ne vient pas de nous.") from exc
            return view(*args, actor=actor_from_claims(claims, allowed), **kwargs)

        wrapped.allowed_roles = allowed  # type: ignore[attr-defined]
        return wrapped

    return decorate
