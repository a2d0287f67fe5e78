"""One console request: the applicant pages' ``Visit`` (security headers, CSRF, forms, answers), under
/console/<lang>, with the staff session.

Cookies: the session's is ``__Host-po_console`` (HttpOnly, Secure, SameSite=Strict, Path=/) holding
an opaque random id and nothing else. Secure cookies need a secure context: https, or the loopback
host of the local run, which browsers treat as one (checked in Debian's Chromium 156: a ``__Host-``
Secure cookie set by http://127.0.0.1 is kept and sent back). On any other plain-http address the
console does not serve at all (``serves_here``).

CSRF: before sign-in, the sign-in forms use the applicant side's signed double submit
(web/security.py, a ``__Host-po_console_csrf`` cookie); once signed in, the value the tokens are
bound to is the session record's own ``csrf`` (the cookie is not read then), so a token is good for
this session only.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from chalice import Response
from chalice.app import Request

from ..config import Settings
from ..domain.i18n import LANGUAGES
from ..domain.staff_sessions import StaffSession
from ..web import security
from ..web.pages import Visit
from .render import render

SESSION_COOKIE = "po_console"
CSRF_COOKIE = "po_console_csrf"
SCOPE = "console"
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def serves_here(settings: Settings) -> bool:
    """https, or plain http on the loopback host only (the local run)."""
    parts = urlsplit(settings.base_url)
    return parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK)


@dataclass
class ConsoleVisit(Visit):
    session: StaffSession | None = None

    @classmethod
    def start(cls, request: Request, settings: Settings) -> "ConsoleVisit":
        parts = (request.path or "/").split("/") if request is not None else []
        lang = parts[2] if len(parts) > 2 and parts[2] in LANGUAGES else "en"
        return cls(request=request, lang=lang, settings=settings, cookies=security.read_cookies(request.headers))

    @property
    def secure(self) -> bool:
        return serves_here(self.settings)

    @property
    def csrf_cookie(self) -> str:
        return security.HOST_PREFIX + CSRF_COOKIE

    @property
    def csrf_scope(self) -> str:
        return SCOPE

    def attach(self, session: StaffSession) -> None:
        """Forms now carry tokens bound to this session's value; a cookie's is never read again."""
        self.session = session
        self.cookies[self.csrf_cookie] = [session.csrf]

    @property
    def session_id(self) -> str | None:
        sent = self.cookies.get(security.HOST_PREFIX + SESSION_COOKIE) or []
        return sent[-1] if sent and security.valid_csrf_value(sent[-1]) else None  # 43 URL-safe characters

    def grant(self, session_id: str) -> None:
        self.set_cookies.append(security.cookie(security.HOST_PREFIX + SESSION_COOKIE, session_id, secure=True))

    def clear(self) -> None:
        self.set_cookies.append(security.cookie(security.HOST_PREFIX + SESSION_COOKIE, "", secure=True, max_age=0))

    def url(self, path: str, lang: str | None = None, **query: str) -> str:
        """A console link, e.g. url("/queue") -> "/console/en/queue"."""
        address = f"{self.root}/console/{lang or self.lang}{path}"
        kept = {k: v for k, v in query.items() if v}
        return address + ("?" + urlencode(kept) if kept else "")

    def same_page_in(self, lang: str) -> str:
        path = "/" + "/".join((self.request.path or "/").lstrip("/").split("/")[2:])
        for name, value in (self.request.uri_params or {}).items():
            path = path.replace("{" + name + "}", quote(str(value), safe=""))
        query = dict(self.request.query_params or {})
        path = "" if path == "/" else path
        return f"{self.root}/console/{lang}{path}" + ("?" + urlencode(query) if query else "")

    def page(self, template: str, status: int = 200, **context: Any) -> Response:
        context.setdefault("problems", [])
        body = render(template, self.lang, v=self, csrf_field=self.csrf_field, **context)
        return self.finish(Response(body=body, status_code=status, headers={"Content-Type": "text/html; charset=utf-8"}))
