"""Opaque pagination cursors: encrypted and authenticated (Fernet, domain/signing.py).

A cursor carries DynamoDB's last evaluated key, which names another file (its
application id, its police service, its date). A coordinator must not read it, so
it is encrypted, not only signed; it is bound to the query it came from (``scope``),
so a cursor from one filter or one coordinator's list cannot page another's.
A tampered, foreign or truncated cursor is a 400.
"""
from __future__ import annotations

import json
from typing import Any

from cryptography.fernet import InvalidToken

from . import signing
from .errors import MalformedRequest

PURPOSE = "cursor"


def encode(secret: str, last_key: dict[str, Any], scope: str) -> str:
    """Bind the DynamoDB position to the query it came from (``scope``); URL-safe, no padding."""
    payload = json.dumps({"k": last_key, "s": scope}, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return signing.fernet(secret, PURPOSE).encrypt(payload).decode("ascii").rstrip("=")


def decode(secret: str, cursor: str, scope: str) -> dict[str, Any]:
    invalid = MalformedRequest("The cursor is not valid for this list; start again from the first page.",
                               "Le curseur n'est pas valide pour cette liste; recommencez à la première page.")
    try:
        token = cursor.encode("ascii") + b"=" * (-len(cursor) % 4)
        data = json.loads(signing.fernet(secret, PURPOSE).decrypt(token))
    except (InvalidToken, ValueError, TypeError) as exc:  # UnicodeEncodeError is a ValueError
        raise invalid from exc
    if not isinstance(data, dict) or data.get("s") != scope or not isinstance(data.get("k"), dict):
        raise invalid
    return data["k"]  # type: ignore[no-any-return]
