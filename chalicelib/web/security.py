"""Security for the web pages: response headers, CSRF tokens, cookies.

CSRF uses a signed double submit: a random value lives in an HttpOnly,
SameSite=Strict cookie, and each form carries HMAC(secret, value). A post is
accepted only when the form's token is the MAC of the cookie it came with, so
a cookie planted from elsewhere is useless without the server's secret.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from http.cookies import SimpleCookie
from typing import Mapping

CSRF_COOKIE = "po_csrf"
CSRF_FIELD = "csrf_token"
_COOKIE_VALUE = re.compile(r"^[A-Za-z0-9_-]{43}$")

# No inline script anywhere: the pages work without JavaScript, so none is allowed.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'none'",
    "style-src 'self'",
    "img-src 'self'",
    "object-src 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
    "base-uri 'none'",
])

SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    # The status URL may carry a private token: never send it onwards.
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


class CsrfRefused(Exception):
    """A form post without a valid token for its cookie."""


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def new_csrf_value() -> str:
    return _b64(secrets.token_bytes(32))


def valid_csrf_value(value: str | None) -> bool:
    return bool(value) and bool(_COOKIE_VALUE.match(value or ""))


def csrf_token(secret: str, cookie_value: str) -> str:
    """The token a form carries for this cookie value."""
    mac = hmac.new(secret.encode("utf-8"), ("csrf\x1f" + cookie_value).encode("ascii"), hashlib.sha256)
    return _b64(mac.digest())


def check_csrf(secret: str, cookie_value: str | None, submitted: str | None) -> None:
    """Raise CsrfRefused unless ``submitted`` is the token of ``cookie_value``."""
    if not valid_csrf_value(cookie_value) or not submitted:
        raise CsrfRefused()
    # Compare bytes: compare_digest refuses str with non-ASCII characters (a TypeError, not a refusal).
    if not hmac.compare_digest(csrf_token(secret, str(cookie_value)).encode("ascii"), submitted.encode("utf-8")):
        raise CsrfRefused()


def read_cookies(headers: Mapping[str, str]) -> dict[str, list[str]]:
    """Every cookie the browser sent, by name (a name may come once per path)."""
    jar: dict[str, list[str]] = {}
    for part in (headers.get("cookie") or "").split(";"):
        name, sep, value = part.strip().partition("=")
        if sep and name:
            jar.setdefault(name, []).append(value.strip())
    return jar


def cookie(name: str, value: str, *, path: str = "/", secure: bool, max_age: int | None = None) -> str:
    """A Set-Cookie value: HttpOnly and SameSite=Strict always; Secure over https."""
    jar: SimpleCookie = SimpleCookie()
    jar[name] = value
    morsel = jar[name]
    morsel["path"] = path
    morsel["httponly"] = True
    morsel["samesite"] = "Strict"
    if secure:
        morsel["secure"] = True
    if max_age is not None:
        morsel["max-age"] = max_age
    return morsel.OutputString()
