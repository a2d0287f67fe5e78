"""Issue 21, finding 7: nosniff and HSTS on every answer, API Gateway's own included.

The app's answers get them from one middleware (chalicelib/api/headers.py, tested in
tests/integration/test_answer_hardening.py); an answer API Gateway makes itself (the authorizer's 401 and 403,
no such route, too large, throttled, the function failed) never reaches it, so each gateway response of the
template names the same two headers, with the same values.
"""
from __future__ import annotations

from typing import Any

from chalicelib.api.headers import TRANSPORT_HEADERS
from chalicelib.web.security import SECURITY_HEADERS


def test_every_gateway_response_says_nosniff_and_hsts(template: dict[str, Any]) -> None:
    responses = template["Resources"]["RestAPI"]["Properties"]["GatewayResponses"]
    assert {"DEFAULT_4XX", "DEFAULT_5XX"} <= set(responses)
    for kind, response in responses.items():
        headers = response["ResponseParameters"]["Headers"]
        for name, value in TRANSPORT_HEADERS.items():
            assert headers.get(name) == f"'{value}'", (kind, name)


def test_pages_and_the_api_share_one_definition() -> None:
    assert set(TRANSPORT_HEADERS) == {"X-Content-Type-Options", "Strict-Transport-Security"}
    assert {k: SECURITY_HEADERS[k] for k in TRANSPORT_HEADERS} == TRANSPORT_HEADERS
