"""Reading requests: JSON bodies within limits, bearer credentials."""
from __future__ import annotations

import json
from typing import Any

from chalice.app import Request

from ..domain.errors import (MalformedRequest, PayloadTooLarge, Unauthenticated, UnsupportedMediaType,
                             ValidationFailed)
from ..domain.text import forbidden_character_errors


def current(request: Request | None) -> Request:
    """The request being served (Chalice types it optional: there is none between requests)."""
    if request is None:
        raise RuntimeError("no current request")
    return request


def is_json_type(header: str | None) -> bool:
    """Only ``application/json`` (optionally ``; charset=utf-8``) is a JSON body.

    No type at all is refused too: a browser on another site can post text/plain
    (or nothing) without a preflight, never application/json, so this check is what
    keeps other sites from making a visitor's browser call the API.
    """
    media, *params = [part.strip().lower() for part in (header or "").split(";")]
    if media != "application/json":
        return False
    for param in params:
        name, _, value = param.partition("=")
        if name.strip() != "charset" or value.strip().strip('"') != "utf-8":
            return False
    return True


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError("number out of range")
    return value


def json_body(request: Request | None, max_bytes: int) -> Any:
    """The parsed JSON body: 415 if not JSON, 413 if too large, 400 if malformed,
    422 if a text holds a forbidden character (chalicelib/domain/text.py)."""
    request = current(request)
    if not is_json_type(request.headers.get("content-type")):
        raise UnsupportedMediaType("Send the body as application/json, with that Content-Type header.",
                                   "Envoyez le corps au format application/json, avec cet en-tête Content-Type.")
    raw = request.raw_body or b""
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    if len(raw) > max_bytes:
        raise PayloadTooLarge(f"The body may be at most {max_bytes} bytes.",
                              f"Le corps peut compter au plus {max_bytes} octets.", max_bytes=max_bytes)
    body = _parse(raw)
    _check_text(body)
    errors = forbidden_character_errors(body)
    if errors:
        raise ValidationFailed(errors)
    return body


def _parse(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant, parse_float=_finite_float)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedRequest(f"The body is not valid JSON ({exc.__class__.__name__}).",
                               f"Le corps n'est pas du JSON valide ({exc.__class__.__name__}).") from exc
    except RecursionError as exc:  # thousands of nested arrays or objects
        raise MalformedRequest("The body is nested too deeply.", "Le corps est trop profondément imbriqué.") from exc
    except ValueError as exc:  # an integer past Python's 4,300 digits, NaN, Infinity, 1e999
        raise MalformedRequest("The body holds a number that cannot be read (too many digits, out of range, "
                               "or NaN/Infinity).",
                               "Le corps contient un nombre illisible (trop de chiffres, hors limites, "
                               "ou NaN/Infinity).") from exc


def _check_text(body: Any) -> None:
    """Refuse text that is not Unicode: a \\uD800 escape alone decodes to a lone surrogate,
    which no store, hash or email can encode. One pass over a body already within the size limit."""
    try:
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise MalformedRequest("The body holds an unpaired UTF-16 surrogate (\\uD800-\\uDFFF escape); send Unicode text.",
                               "Le corps contient un demi-code UTF-16 isolé (échappement \\uD800-\\uDFFF); envoyez du texte Unicode.") from exc


def json_object(request: Request | None, max_bytes: int) -> dict[str, Any]:
    body = json_body(request, max_bytes)
    if not isinstance(body, dict):
        raise MalformedRequest("The body must be a JSON object.", "Le corps doit être un objet JSON.")
    return body


def bearer(request: Request | None) -> str:
    """The bearer credential, or 401."""
    request = current(request)
    value = request.headers.get("authorization") or ""
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("Send your access token as 'Authorization: Bearer <token>'.",
                              "Envoyez votre jeton d'accès ainsi\u00a0: «\u00a0Authorization: Bearer <jeton>\u00a0».")
    return token.strip()
