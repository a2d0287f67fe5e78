"""Staff search: a file by its reference as printed, by email address, or by the start of a family name.

Each is one read through a key or an index, never a scan (domain/search.py reads the query):
- a reference is the file's id: one GetItem;
- an email address is its hash on ``by_email`` (one Query, keys only), then each of its few files (GetItem);
- a family name's folded prefix is one Query on ``by_name`` per page, in name order.
A service coordinator finds only their own service's files (a file of another service is not found, as in the
list); each result is a list row (files.summary).

Files stored before the name index get their keys once, on the upgrade path of the pipeline counters
(``catalogue.seed`` runs ``index_names_if_absent``); a new file gets them in its submission's write. A family
name never changes after submission (no change to a file rewrites its form), so no later write needs them.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

from ..domain import access, cursors, listing
from ..domain import search as rules
from ..domain.errors import FieldError, InvalidQuery
from ..domain.listing import Filters
from ..domain.records import ApplicationFile, FileRow
from ..domain.workflow import Actor
from . import files
from .deps import Deps

KNOWN = ("q", "cursor", "limit")
INDEX_PAGE = 100


def _params(params: Mapping[str, str] | None, default_limit: int) -> tuple[str, int, str | None]:
    params = dict(params or {})
    errors = [FieldError(f"/{k}", "invalid-parameter", f"Unknown parameter {k!r}.", f"Paramètre inconnu {k!r}.")
              for k in sorted(set(params) - set(KNOWN))]
    limit = default_limit
    raw = params.get("limit")
    if raw is not None:
        if not raw.isdigit() or not 1 <= int(raw) <= listing.MAX_LIMIT:
            errors.append(FieldError("/limit", "invalid-parameter", f"limit: 1 to {listing.MAX_LIMIT}.",
                                     f"limit\u00a0: de 1 à {listing.MAX_LIMIT}."))
        else:
            limit = int(raw)
    if errors:
        raise InvalidQuery(errors)
    return params.get("q", ""), limit, params.get("cursor")


def _seen(actor: Actor, found: Sequence[ApplicationFile | FileRow | None]) -> list[ApplicationFile | FileRow]:
    return [f for f in found if f is not None and access.can_see_file(actor, f.police_service)]


def search(deps: Deps, actor: Actor, params: Mapping[str, str] | None) -> dict[str, Any]:
    """The files ``q`` names, within the caller's scope, as list rows.

    ``by`` says how ``q`` was read ("reference", "email" or "name"); only a name search pages (``next_cursor``,
    bound to the query and the caller's scope, as a list's).
    """
    q, limit, cursor = _params(params, deps.settings.page_size)
    query = rules.parse(q)
    items: list[ApplicationFile | FileRow] = []
    next_cursor = None
    by = query.by
    if query.by == rules.REFERENCE:
        items = _seen(actor, [deps.store.files.get(query.key)])
        if not items and query.also_name:  # letters only: perhaps a long family name after all
            by, query = rules.NAME, rules.Query(rules.NAME, query.also_name)
    elif query.by == rules.EMAIL:
        ids = deps.store.files.ids_for_email(query.key)
        items = sorted(_seen(actor, [deps.store.files.get(i) for i in ids]),
                       key=lambda f: (f.submitted_at, f.application_id), reverse=True)
    if by == rules.NAME:
        service = actor.police_service if actor.role == "service_coordinator" else None
        secret, scope = deps.settings.token_secret, f"search#{query.key}#{service or '*'}"
        start = cursors.decode(secret, cursor, scope) if cursor else None
        rows, last = deps.store.files.by_name(query.key, service, limit, start)
        items = _seen(actor, rows)
        next_cursor = cursors.encode(secret, last, scope) if last else None
    return {"q": q, "by": by, "items": [files.summary(f, actor) for f in items], "next_cursor": next_cursor}


def index_names(deps: Deps) -> int:
    """Every stored file given its name-index keys (page by page), then the mark: the one-off upgrade of a store
    written before the index. Returns the files indexed."""
    written, start = 0, None
    while True:
        page, start = deps.store.files.page(Filters(), INDEX_PAGE, start)
        written += deps.store.files.index_names(page)
        if not start:
            break
    deps.store.files.mark_name_index_built(deps.now())
    return written


def index_names_if_absent(deps: Deps) -> int | None:
    """The upgrade, once (None: the index was built already)."""
    return None if deps.store.files.name_index_built() else index_names(deps)
