"""The applicant's access to one file from the browser.

The emailed link carries the file's token once (``?token=``); the page moves it
into a cookie for that file, so the token leaves the address bar and the
history, and other files' pages never read it.

Over https the cookie is ``__Host-po_file_<application id>`` at Path=/ (the
prefix requires Path=/, so the file's id goes into the name: each file keeps its
own cookie). Over plain http (the local run) it is ``po_file``, scoped by path
to the file's pages in each language. Each scheme reads only its own name.
"""
from __future__ import annotations

import re
from typing import Any, Mapping

from ..domain import links
from ..domain.errors import NotFound
from ..domain.i18n import LANGUAGES
from ..services import applicant
from ..services.deps import Deps
from .security import HOST_PREFIX, cookie

ACCESS_COOKIE = "po_file"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,128}$")
# An application id that may go into a cookie's name (ours are "po-" and 16 base32 letters).
_COOKIE_SAFE_ID = re.compile(r"^[A-Za-z0-9-]{1,64}$")


def file_paths(root: str, application_id: str) -> list[str]:
    """The path of the file's pages in each language (where the http cookie is sent).

    ``root`` is the path the site lives under ("" at a domain's root).
    """
    return [links.status_url(root, lang, application_id) for lang in LANGUAGES]


def cookie_name(application_id: str, secure: bool) -> str | None:
    """This file's cookie name under this scheme; None for an id no file of ours can have."""
    if not secure:
        return ACCESS_COOKIE
    return f"{HOST_PREFIX}{ACCESS_COOKIE}_{application_id}" if _COOKIE_SAFE_ID.match(application_id) else None


def _set(root: str, application_id: str, value: str, secure: bool, max_age: int | None = None) -> list[str]:
    name = cookie_name(application_id, secure)
    if name is None:
        return []
    paths = ["/"] if secure else file_paths(root, application_id)
    return [cookie(name, value, path=path, secure=secure, max_age=max_age) for path in paths]


# --- a draft (an application in progress): the same scheme, its own cookie -----------------------

DRAFT_COOKIE = "po_draft"


def draft_cookie_name(draft_id: str, secure: bool) -> str | None:
    if not secure:
        return DRAFT_COOKIE
    return f"{HOST_PREFIX}{DRAFT_COOKIE}_{draft_id}" if _COOKIE_SAFE_ID.match(draft_id) else None


def _set_draft(root: str, draft_id: str, value: str, secure: bool, max_age: int | None = None) -> list[str]:
    name = draft_cookie_name(draft_id, secure)
    if name is None:
        return []
    paths = ["/"] if secure else [links.draft_url(root, lang, draft_id) for lang in LANGUAGES]
    return [cookie(name, value, path=path, secure=secure, max_age=max_age) for path in paths]


def grant_draft(root: str, draft_id: str, token: str, secure: bool) -> list[str]:
    """Set-Cookie values that let this browser open the draft's pages in either language (a session cookie;
    the emailed link stays). Only the page the emailed link opens grants it."""
    return _set_draft(root, draft_id, token, secure)


def forget_draft(root: str, draft_id: str, secure: bool) -> list[str]:
    """Set-Cookie values that make this browser forget the draft (a new address took it: its link opens it)."""
    return _set_draft(root, draft_id, "", secure, max_age=0)


def draft_candidates(cookies: Mapping[str, list[str]], draft_id: str, secure: bool) -> list[str]:
    name = draft_cookie_name(draft_id, secure)
    return [c for c in cookies.get(name, []) if looks_like_token(c)] if name else []


def grant(root: str, application_id: str, token: str, secure: bool) -> list[str]:
    """Set-Cookie values that let this browser open the file in either language.

    A session cookie: it goes when the browser closes; the emailed link stays.
    """
    return _set(root, application_id, token, secure)


def revoke(root: str, application_id: str, secure: bool) -> list[str]:
    """Set-Cookie values that make this browser forget the file ("sign out on this device")."""
    return _set(root, application_id, "", secure, max_age=0)


def candidates(cookies: Mapping[str, list[str]], application_id: str, secure: bool) -> list[str]:
    """The tokens this browser sent for this file, under this scheme's name only."""
    name = cookie_name(application_id, secure)
    return list(cookies.get(name, [])) if name else []


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
