"""Jinja2 templates (chalicelib/web/templates), autoescaped, with the filters
the pages share: dates in each official language and the text lookup. Jinja2 is
imported by the first page rendered, not at a cold start (an API request never
renders one)."""
from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..domain.i18n import pick
from ..domain.localtime import local_time, shown_day
from ..services.deps import parse_iso
from .text import t

if TYPE_CHECKING:
    from jinja2 import Environment

TEMPLATES = Path(__file__).resolve().parent / "templates"
# The pages' "Date modified" (Canada.ca's footer line, ISO 8601): change it with the pages' words or look.
DATE_MODIFIED = "2026-12-01"

_MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"),
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
           "octobre", "novembre", "décembre"),
}


def _parse(value: str) -> datetime | None:
    try:
        return parse_iso(value)
    except (AttributeError, ValueError):
        return None


def when(value: str | None, lang: str) -> str:
    """A stored UTC timestamp as people write it, in Ottawa's time (America/Toronto) with the zone named
    (domain/localtime.py).

    >>> [when(at, lang).replace("\u00a0", " ") for at, lang in (("2026-11-23T19:05:00.000000Z", "fr"),
    ...                                                         ("2026-07-01T16:00:00Z", "en"))]
    ["23 novembre 2026 à 14 h 05 (heure d'Ottawa)", 'July 1, 2026, noon (Ottawa time)']
    """
    dt = _parse(value or "")
    return local_time(dt, lang) if dt is not None else value or ""


def day(value: str | None, lang: str) -> str:
    """A calendar day (YYYY-MM-DD, or the day in Ottawa of a timestamp) as people write it (localtime.shown_day).

    >>> day("2027-03-01", "fr"), day("2027-03-02", "fr"), day("2027-03-01T14:05:00Z", "en")
    ('1er mars 2027', '2 mars 2027', 'March 1, 2027')
    """
    return shown_day(value, lang)


@lru_cache(maxsize=1)
def environment() -> Environment:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    # Autoescape everything: applicant input is never marked safe.
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(default=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.globals["pick"] = pick
    env.globals["date_modified"] = DATE_MODIFIED
    return env


def render(template: str, lang: str, **context: Any) -> str:
    env = environment()
    context.setdefault("t", lambda key, **params: t(key, lang, **params))
    context.setdefault("when", lambda value: when(value, lang))
    return env.get_template(template).render(lang=lang, **context)
