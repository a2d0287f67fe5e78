"""The applicant's access to one file from the browser.

The emailed link carries the file's token once (``?token=``); the page moves it
into a cookie scoped to that file's pages, in both languages, so the token
leaves the address bar and the history, and other files' pages never see it.
"""
from __future__ import annotations

import re
from typing import Any

from ..domain import links
from ..domain.errors import NotFound
from ..domain.i18n import LANGUAGES
from ..services import applicant
from ..services.deps import Deps
from .security import cookie

ACCESS_COOKIE = "po_file"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,128}$")


def file_paths(root: str, application_id: str) -> list[str]:
    """The path of the file's pages in each language (where the cookie is sent).

    ``root`` is the path the site lives under ("" at a domain's root).
    """
    return [links.status_url(root, lang, application_id) for lang in LANGUAGES]


def grant(root: str, application_id: str, token: str, secure: bool) -> list[str]:
    """Set-Cookie values that let this browser open the file in either language.

    A session cookie: it goes when the browser closes; the emailed link stays.
    """
    return [cookie(ACCESS_COOKIE, token, path=path, secure=secure) for path in file_paths(root, application_id)]


def looks_like_token(value: str | None) -> bool:
    return bool(value) and bool(_TOKEN.match(value or ""))


def open_file(deps: Deps, application_id: str, candidates: list[str]) -> Any | None:
    """The file one of these tokens opens, or None. Never says which part failed."""
    for token in candidates:
        if not looks_like_token(token):
            continue
        try:
            return applicant.authorize(deps, application_id, token)
        except NotFound:
            continue
    return None
