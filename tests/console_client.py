"""A staff member signed in to the console of a running local service (moto checking TOTP codes), without a
browser: the sign-in's forms posted as a browser posts them, the cookies kept by hand (urllib's cookie jar sends
no Secure cookie over http, which Chromium does on the loopback host). For the contract run (tests/contract)."""
from __future__ import annotations

import http.client
import re
from html import unescape
from urllib.parse import urlencode, urlsplit

from devtools.cognito_setup import PASSWORD, fresh_totp_code

SESSION, CSRF = "__Host-po_console", "__Host-po_console_csrf"


def _call(base: str, method: str, path: str, cookies: dict[str, str],
          form: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=20)
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())} if cookies else {}
    body = None
    if form is not None:
        body, headers["Content-Type"] = urlencode(form), "application/x-www-form-urlencoded"
    conn.request(method, path, body=body, headers=headers)
    r = conn.getresponse()
    text = r.read().decode("utf-8", "replace")
    for header in r.headers.get_all("Set-Cookie") or []:
        name, _, value = header.split(";", 1)[0].partition("=")
        if "Max-Age=0" in header:
            cookies.pop(name, None)
        else:
            cookies[name] = value
    conn.close()
    return r.status, dict(r.headers), text


def _token(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "no CSRF field on the page"
    return unescape(match.group(1))


def sign_in(base: str, user: str, lang: str = "en") -> tuple[str, str]:
    """(the session cookie's value, a CSRF token of that session) for ``user``, TOTP set up on the way."""
    cookies: dict[str, str] = {}
    _, _, page = _call(base, "GET", f"/console/{lang}/sign-in", cookies)
    status, headers, _ = _call(base, "POST", f"/console/{lang}/sign-in", cookies,
                               {"username": user, "password": PASSWORD, "csrf_token": _token(page)})
    assert status == 303, status
    _, _, page = _call(base, "GET", urlsplit(headers["Location"]).path, cookies)
    if "/set-up-mfa" in headers["Location"]:
        secret = re.search(r'id="totp-secret"><code>([^<]+)</code>', page).group(1).replace(" ", "")  # type: ignore
        form = {"code": fresh_totp_code(secret, user=user), "csrf_token": _token(page)}
    else:
        form = {"code": fresh_totp_code(user=user), "csrf_token": _token(page)}
    status, headers, _ = _call(base, "POST", urlsplit(headers["Location"]).path, cookies, form)
    assert status == 303 and headers["Location"].endswith("/queue"), (status, headers.get("Location"))
    _, _, page = _call(base, "GET", f"/console/{lang}/queue", cookies)
    return cookies[SESSION], _token(page)
