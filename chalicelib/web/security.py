"""Security for the web pages: response headers, CSRF tokens, cookies.

CSRF uses a signed double submit: a random value lives in an HttpOnly,
SameSite=Strict cookie, and each form carries HMAC(secret, value, scope). A post
is accepted only when the form's token is the MAC of the cookie it came with
*and* of the scope it is posted to: the file's application id on a file's pages,
"public" elsewhere. So a cookie planted from elsewhere is useless without the
server's secret, and a token read from one file's page (or the public pages)
is refused on another file's forms.

Over https the cookies carry the ``__Host-`` prefix: the browser then accepts
them only with Secure, Path=/ and no Domain, so no sibling sub-domain or plain
http page can plant or overwrite them. Plain http (the local run) keeps the bare
names, which browsers require there; each scheme reads only its own names.
"""
from __future__ import annotations

import re
import secrets
from http.cookies import SimpleCookie
from typing import Mapping

from ..api.headers import TRANSPORT_HEADERS
from ..domain import signing

HOST_PREFIX = "__Host-"
CSRF_COOKIE = "po_csrf"
CSRF_FIELD = "csrf_token"
CSRF_PURPOSE = "csrf"
PUBLIC_SCOPE = "public"
_COOKIE_VALUE = re.compile(r"^[A-Za-z0-9_-]{43}$")

# No inline script anywhere: the pages work without JavaScript, so none is allowed.
def content_security_policy(form_origins: tuple[str, ...] = ()) -> str:
    """The pages' policy; ``form_origins``: where this page's forms may also post (the documents page's upload
    forms post to the documents bucket's origin, and only that page names it)."""
    return "; ".join([
        "default-src 'self'",
        "script-src 'none'",
        "style-src 'self'",
        "img-src 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
        " ".join(["form-action 'self'", *form_origins]),
        "base-uri 'none'",
    ])


CONTENT_SECURITY_POLICY = content_security_policy()

SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    **TRANSPORT_HEADERS,  # nosniff and HSTS: the same two every API answer carries (api/headers.py)
    # The status URL may carry a private token: never send it onwards.
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


class CsrfRefused(Exception):
    """A form post without a valid token for its cookie."""


def new_csrf_value() -> str:
    return signing.b64(secrets.token_bytes(32))


def valid_csrf_value(value: str | None) -> bool:
    return bool(value) and bool(_COOKIE_VALUE.match(value or ""))


def cookie_name(name: str, secure: bool) -> str:
    """The name a cookie goes by under this scheme: ``__Host-<name>`` over https, ``<name>`` over http."""
    return HOST_PREFIX + name if secure else name


def csrf_token(secret: str, cookie_value: str, scope: str) -> str:
    """The token a form carries for this cookie value, on pages of ``scope`` (an application id, or "public")."""
    return signing.sign(secret, CSRF_PURPOSE, cookie_value, scope)


def check_csrf(secret: str, cookie_value: str | None, submitted: str | None, scope: str) -> None:
    """Raise CsrfRefused unless ``submitted`` is the token of ``cookie_value`` for ``scope``."""
    if not valid_csrf_value(cookie_value) or not signing.verify(secret, CSRF_PURPOSE, submitted, str(cookie_value),
                                                                  scope):
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
    """A Set-Cookie value: HttpOnly and SameSite=Strict always; Secure over https.

    A ``__Host-`` name is only ever written the way browsers accept it (Secure, Path=/).
    """
    if name.startswith(HOST_PREFIX) and (path != "/" or not secure):
        raise ValueError(f"{name} needs Secure and Path=/")
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
