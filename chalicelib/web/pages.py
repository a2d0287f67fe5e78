"""One page request: its language, its cookies, its form, and how it answers.

Every web answer leaves through ``Visit.finish`` so none misses the security
headers, and pages that show a form get their CSRF cookie there.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

from chalice import Response
from chalice.app import Request
from markupsafe import Markup

from ..config import Settings
from ..domain.errors import MalformedRequest, PayloadTooLarge
from ..domain.i18n import LANGUAGES
from . import security
from .render import render

HTML = "text/html; charset=utf-8"


def site_root(settings: Settings) -> str:
    """The path the site lives under (empty at a domain's root, e.g. "/api" behind a stage)."""
    return urlsplit(settings.base_url).path.rstrip("/")


@dataclass
class Visit:
    request: Request
    lang: str
    settings: Settings
    cookies: dict[str, list[str]]
    set_cookies: list[str] = field(default_factory=list)
    # Origins this page's forms post to besides our own (the documents bucket's): the CSP's form-action names them.
    form_origins: tuple[str, ...] = ()
    _csrf_value: str | None = None
    _csrf_is_new: bool = False

    @classmethod
    def start(cls, request: Request, settings: Settings) -> "Visit":
        # Routes are registered once per language, so the template's first segment is it.
        first = (request.path or "/").split("/")[1] if request is not None else ""
        lang = first if first in LANGUAGES else "en"
        return cls(request=request, lang=lang, settings=settings, cookies=security.read_cookies(request.headers))

    # --- addresses -----------------------------------------------------------

    @property
    def secure(self) -> bool:
        return self.settings.base_url.startswith("https://")

    @property
    def root(self) -> str:
        return site_root(self.settings)

    def url(self, path: str, lang: str | None = None, **query: str) -> str:
        """A link within the site, e.g. url("/missions") -> "/en/missions"."""
        address = f"{self.root}/{lang or self.lang}{path}"
        kept = {k: v for k, v in query.items() if v}
        return address + ("?" + urlencode(kept) if kept else "")

    def query(self, name: str) -> str:
        params: dict[str, str] = dict(self.request.query_params or {})
        return params.get(name) or ""

    def same_page_in(self, lang: str) -> str:
        """This page in the other language (never carrying a token)."""
        # The route template minus its language, e.g. "/en/status/{application_id}".
        path = "/" + (self.request.path or "/").lstrip("/").partition("/")[2]
        for name, value in (self.request.uri_params or {}).items():
            path = path.replace("{" + name + "}", quote(str(value), safe=""))
        query = {k: v for k, v in (self.request.query_params or {}).items() if k != "token"}
        return f"{self.root}/{lang}{path}" + ("?" + urlencode(query) if query else "")

    # --- forms ---------------------------------------------------------------

    @property
    def csrf_cookie(self) -> str:
        """The CSRF cookie's name under this scheme (``__Host-po_csrf`` over https)."""
        return security.cookie_name(security.CSRF_COOKIE, self.secure)

    @property
    def csrf_scope(self) -> str:
        """What this page's forms protect: the file or draft in the route (its id), else "public"."""
        params = self.request.uri_params or {}
        return str(params.get("application_id") or params.get("draft_id") or security.PUBLIC_SCOPE)

    def csrf_field(self) -> Markup:
        """The hidden CSRF input; marks the answer as needing the CSRF cookie."""
        if self._csrf_value is None:
            sent = (self.cookies.get(self.csrf_cookie) or [""])[-1]
            if security.valid_csrf_value(sent):
                self._csrf_value = sent
            else:
                self._csrf_value, self._csrf_is_new = security.new_csrf_value(), True
        token = security.csrf_token(self.settings.token_secret, self._csrf_value, self.csrf_scope)
        return Markup('<input type="hidden" name="{}" value="{}">').format(security.CSRF_FIELD, token)

    def form(self) -> dict[str, list[str]]:
        """The posted form, once its CSRF token checks out (CsrfRefused otherwise)."""
        raw = self.request.raw_body or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        if len(raw) > self.settings.max_body_bytes:
            raise PayloadTooLarge(f"The form may be at most {self.settings.max_body_bytes} bytes.",
                                  f"Le formulaire peut compter au plus {self.settings.max_body_bytes} octets.")
        try:
            data = parse_qs(raw.decode("utf-8"), keep_blank_values=True, max_num_fields=500)
        except (UnicodeDecodeError, ValueError) as exc:
            raise MalformedRequest("The form could not be read.", "Le formulaire n'a pas pu être lu.") from exc
        cookie_values = self.cookies.get(self.csrf_cookie) or []
        field_values = data.get(security.CSRF_FIELD) or []
        security.check_csrf(self.settings.token_secret, cookie_values[-1] if cookie_values else None,
                            field_values[0] if field_values else None, self.csrf_scope)
        return data

    # --- answers -------------------------------------------------------------

    def page(self, template: str, status: int = 200, **context: Any) -> Response:
        context.setdefault("problems", [])  # only form pages have any; the title says "Error:" then
        body = render(template, self.lang, v=self, csrf_field=self.csrf_field, **context)
        return self.finish(Response(body=body, status_code=status, headers={"Content-Type": HTML}))

    def redirect(self, location: str, status: int = 303) -> Response:
        return self.finish(Response(body="", status_code=status, headers={"Location": location}))

    def finish(self, response: Response) -> Response:
        headers = dict(response.headers or {})
        headers.update(security.SECURITY_HEADERS)
        if self.form_origins:
            headers["Content-Security-Policy"] = security.content_security_policy(self.form_origins)
        headers.setdefault("Cache-Control", "no-store")
        headers["Content-Language"] = self.lang
        cookies = list(self.set_cookies)
        if self._csrf_is_new and self._csrf_value:
            # __Host- cookies must be at Path=/; over http the cookie stays under the site's root.
            cookies.append(security.cookie(self.csrf_cookie, self._csrf_value,
                                           path="/" if self.secure else self.root or "/", secure=self.secure))
        if cookies:
            headers["Set-Cookie"] = cookies
        response.headers = headers
        return response
