"""The headers every HTTP answer carries, API and pages alike: one middleware sets them on every response.

``X-Content-Type-Options: nosniff`` keeps a browser from reading a JSON (or problem+json) answer as HTML or script;
``Strict-Transport-Security`` keeps it on https for two years, sub-domains included. The pages' own headers
(chalicelib/web/security.SECURITY_HEADERS: their CSP, frame and referrer rules) name these same two from here.
Registered first (app.py), the middleware is the outermost: it sees the answer last, after problems.install has
rewritten Chalice's own refusals (404, 405, 415...) as problem+json, so those carry them too.
"""
from __future__ import annotations

from typing import Any, Callable

from chalice import Chalice, Response

TRANSPORT_HEADERS: dict[str, str] = {
    "X-Content-Type-Options": "nosniff",
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
}


def add_transport_headers(response: Response) -> Response:
    """The two headers on this answer, unless it already says them (in any case of the name)."""
    headers = response.headers if response.headers is not None else {}
    present = {name.lower() for name in headers}
    for name, value in TRANSPORT_HEADERS.items():
        if name.lower() not in present:
            headers[name] = value
    response.headers = headers
    return response


def install(app: Chalice) -> None:
    """Register first, before every other HTTP middleware."""

    @app.middleware("http")
    def transport_headers(event: Any, get_response: Callable[[Any], Response]) -> Response:
        return add_transport_headers(get_response(event))
