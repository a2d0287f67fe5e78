"""An application in progress: its pages, which of them a person sees, and the draft that keeps the answers.

The pages and their order are the application schema's ``x-sections`` (schemas/application.json): one source
for the one-page API document and the web's task list. Branching comes from the same schema: a field that an
``if``/``then`` of its ``allOf`` requires only when an answer on an *earlier* page holds is hidden when that
answer does not hold (a civilian analyst never sees the police-only questions), and a page with nothing left
to ask is skipped. Nothing here touches AWS.

A draft is saved after each page. It is reached by a private link emailed at its first save and by a cookie;
the link's token is derived (domain/signing.py) from the server secret, the draft and the link's issue time and
number, so the outbox never holds it, and the draft stores only its hash. Only the newest link works, while
the draft lives: ``LIFETIME`` after its last save.
"""
from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, Mapping

from . import signing, tokens
from .forms import check, load_schema, top_field
from .i18n import pick

FORM = "application"
LIFETIME = timedelta(days=30)
PREFIX = "dr-"

@dataclass(frozen=True)
class Page:
    id: str
    label: dict[str, str]
    fields: tuple[str, ...]

    def title(self, lang: str) -> str:
        return pick(self.label, lang)


@dataclass(frozen=True)
class Rule:
    """An if/then of the schema's allOf: ``then_required`` are asked only while ``condition`` holds."""

    condition: dict[str, Any]
    on: frozenset[str]  # the fields the condition reads
    then_required: frozenset[str]


@dataclass(frozen=True)
class Draft:
    draft_id: str
    bulletin_id: str
    mission_id: str
    answers: Mapping[str, Any]  # the document so far: each saved page's answers, as the schema types them
    done: tuple[str, ...]  # the pages saved, in the order first saved
    email: str
    token_hash: str  # the newest link's (the cookie holds the same token)
    link_issued_at: str  # iso: when the newest link was issued (its token carries the second)
    link_number: int  # 1 for the first link, one more for each link sent since
    created_at: str
    saved_at: str
    expires_at: int  # epoch seconds: LIFETIME after the last save (the table's TTL attribute)
    version: int = 1
    application_id: str | None = None  # the file it became: once set, never a second
    language: str | None = None  # the page's language when it was started (emails before a preferred one is given)

    @property
    def submitted(self) -> bool:
        return self.application_id is not None

    def live(self, now: datetime) -> bool:
        return self.expires_at > int(now.timestamp())


def new_draft_id() -> str:
    return PREFIX + base64.b32encode(secrets.token_bytes(10)).decode("ascii").lower()


def is_draft_id(value: str) -> bool:
    rest = value[len(PREFIX):]
    return value.startswith(PREFIX) and len(rest) == 16 and all(c in "abcdefghijklmnopqrstuvwxyz234567" for c in rest)


def link_token(secret: str, draft_id: str, issued: datetime, number: int) -> str:
    """The draft's private link: derived, so it is never stored (its hash is)."""
    return tokens.derived_token(secret, issued, "draft-link", draft_id, str(number))


def expires(now: datetime) -> int:
    return int((now + LIFETIME).timestamp())


def key_draft_id(secret: str, form_key: str) -> str:
    """The draft a first page's form key makes: posting that page twice (a double click, Back) opens one draft."""
    digest = signing.mac(secret, "draft-id", form_key)
    return PREFIX + base64.b32encode(digest[:10]).decode("ascii").lower()


# --- the pages ---------------------------------------------------------------------

@lru_cache(maxsize=1)
def pages() -> tuple[Page, ...]:
    return tuple(Page(s["id"], dict(s["label"]), tuple(s["fields"])) for s in load_schema(FORM)["x-sections"])


def page(page_id: str) -> Page | None:
    return next((p for p in pages() if p.id == page_id), None)


@lru_cache(maxsize=1)
def rules() -> tuple[Rule, ...]:
    schema = load_schema(FORM)
    required = set(schema.get("required", []))
    out = []
    for part in schema.get("allOf", []):
        if "if" in part and "then" in part:
            on = frozenset(part["if"].get("properties", {})) | frozenset(part["if"].get("required", []))
            out.append(Rule(part["if"], on, frozenset(part["then"].get("required", [])) - required))
    return tuple(out)


def _holds(condition: dict[str, Any], document: Mapping[str, Any]) -> bool:
    from jsonschema import Draft202012Validator

    return bool(Draft202012Validator(condition).is_valid(dict(document)))


def _page_index() -> dict[str, int]:
    return {name: i for i, p in enumerate(pages()) for name in p.fields}


def shown_fields(p: Page, document: Mapping[str, Any]) -> tuple[str, ...]:
    """The page's fields this person is asked, given their answers (``document``) on earlier pages."""
    where, here = _page_index(), pages().index(p)
    hidden: set[str] = set()
    for rule in rules():  # in the schema's order: a rule may read a field an earlier rule hid
        read_before = all(where.get(name, here) < here for name in rule.on)
        if (read_before and not _holds(rule.condition, document)) or (rule.on and rule.on <= hidden):
            hidden |= rule.then_required
    return tuple(name for name in p.fields if name not in hidden)


def route(document: Mapping[str, Any]) -> tuple[Page, ...]:
    """The pages this person goes through, in order (a page with nothing to ask is left out)."""
    return tuple(p for p in pages() if shown_fields(p, document))


def asked(document: Mapping[str, Any]) -> set[str]:
    """Every field this person is asked."""
    return {name for p in route(document) for name in shown_fields(p, document)}


def task_states(draft: Draft, document: Mapping[str, Any]) -> list[tuple[Page, str]]:
    """Each page of the route and its state: "completed", "not_started", or "cannot_start" (an earlier page is
    not done yet: its answers may change what this one asks)."""
    out, blocked = [], False
    # A page saved once is done only while nothing it now asks is missing or wrong (a change of track can add
    # questions to a page saved before).
    wrong = {top_field(e.pointer) for e in check(FORM, dict(document))}
    for p in route(document):
        if p.id in draft.done and not wrong.intersection(shown_fields(p, document)):
            out.append((p, "completed"))
        elif blocked:
            out.append((p, "cannot_start"))
        else:
            out.append((p, "not_started"))
            blocked = True
    return out


def first_unfinished(draft: Draft, document: Mapping[str, Any]) -> Page | None:
    return next((p for p, state in task_states(draft, document) if state != "completed"), None)


def may_open(draft: Draft, document: Mapping[str, Any], page_id: str) -> bool:
    return any(p.id == page_id and state != "cannot_start" for p, state in task_states(draft, document))


def next_page(draft: Draft, document: Mapping[str, Any], after: str) -> Page | None:
    """The first unfinished page after ``after`` on the route (or before it, if one was left), else None."""
    states = task_states(draft, document)
    ids = [p.id for p, _ in states]
    start = ids.index(after) + 1 if after in ids else 0
    for p, state in states[start:] + states[:start]:
        if state != "completed":
            return p
    return None


def saved(draft: Draft, page_id: str, page_answers: Mapping[str, Any], now: datetime, saved_at: str) -> Draft:
    """The draft with one page's answers (that page's fields replaced, the others kept), marked done."""
    p = page(page_id)
    if p is None:
        raise KeyError(page_id)
    kept = {k: v for k, v in draft.answers.items() if k not in p.fields}
    shown = shown_fields(p, kept)  # a question this person is not asked keeps no answer
    kept.update({k: v for k, v in page_answers.items() if k in shown})
    done = draft.done if page_id in draft.done else (*draft.done, page_id)
    return replace(draft, answers=kept, done=done, saved_at=saved_at, expires_at=expires(now),
                   version=draft.version + 1)


def answered(document: Mapping[str, Any]) -> dict[str, Any]:
    """The document as sent: only the fields this person was asked (a civilian's police answers, if any were
    typed before they changed their track, are dropped)."""
    keep = asked(document)
    return {k: v for k, v in document.items() if k in keep}


@dataclass(frozen=True)
class NewLink:
    """A fresh private link for a draft: the token for this browser's cookie, its hash, when and which."""

    token: str
    token_hash: str
    issued_at: datetime
    number: int


def new_link(secret: str, draft_id: str, now: datetime, number: int) -> NewLink:
    token = link_token(secret, draft_id, now, number)
    return NewLink(token, tokens.token_hash(token), now, number)


def opens(draft: Draft, token: str | None, now: datetime) -> bool:
    """The token is the draft's newest link and the draft still lives."""
    return draft.live(now) and tokens.matches(token, [draft.token_hash])
