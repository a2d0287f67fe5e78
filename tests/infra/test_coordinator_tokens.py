"""Issue 10, finding 4: a coordinator cut off (group removed, signed out, disabled) is out within
15 minutes: the ID and access tokens live at most that long, and sign-out revokes refresh tokens."""
from __future__ import annotations

from typing import Any

MINUTES = {"seconds": 1 / 60, "minutes": 1, "hours": 60, "days": 1440}


def _minutes(client: dict[str, Any], kind: str) -> float:
    """A validity in minutes, from its value and its unit (both written out: no Cognito default)."""
    return float(client[f"{kind}Validity"]) * MINUTES[client["TokenValidityUnits"][kind]]


def test_id_and_access_tokens_live_at_most_15_minutes(template: dict[str, Any]) -> None:
    client = template["Resources"]["CoordinatorClient"]["Properties"]
    assert set(client["TokenValidityUnits"]) >= {"IdToken", "AccessToken", "RefreshToken"}  # no implicit unit
    assert _minutes(client, "IdToken") <= 15
    assert _minutes(client, "AccessToken") <= 15


def test_refresh_tokens_exist_and_sign_out_revokes_them(template: dict[str, Any]) -> None:
    client = template["Resources"]["CoordinatorClient"]["Properties"]
    assert "ALLOW_REFRESH_TOKEN_AUTH" in client["ExplicitAuthFlows"]
    assert client["EnableTokenRevocation"] is True
    assert 15 < _minutes(client, "RefreshToken") <= 24 * 60  # a working day, not the 30-day default


def test_the_verifier_leeway_is_what_the_readme_promises() -> None:
    from chalicelib.adapters.cognito import LEEWAY_SECONDS

    assert LEEWAY_SECONDS <= 30
