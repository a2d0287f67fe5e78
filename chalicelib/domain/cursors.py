"""Opaque, signed pagination cursors: a tampered or foreign cursor is a 400."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from .errors import MalformedRequest


def _b64e(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(secret: str, payload: bytes) -> bytes:
    return hmac.new(secret.encode("utf-8"), b"cursor\x1f" + payload, hashlib.sha256).digest()


def encode(secret: str, last_key: dict[str, Any], scope: str) -> str:
    """Bind the DynamoDB position to the query it came from (``scope``)."""
    payload = json.dumps({"k": last_key, "s": scope}, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return f"{_b64e(payload)}.{_b64e(_sign(secret, payload))}"


def decode(secret: str, cursor: str, scope: str) -> dict[str, Any]:
    invalid = MalformedRequest("The cursor is not valid for this list; start again from the first page.",
                               "Le curseur n'est pas valide pour cette liste; recommencez à la première page.")
    try:
        body, _, sig = cursor.partition(".")
        payload = _b64d(body)
        if not hmac.compare_digest(_sign(secret, payload), _b64d(sig)):
            raise invalid
        data = json.loads(payload)
    except (ValueError, TypeError) as exc:
        raise invalid from exc
    if not isinstance(data, dict) or data.get("s") != scope or not isinstance(data.get("k"), dict):
        raise invalid
    return data["k"]  # type: ignore[no-any-return]
