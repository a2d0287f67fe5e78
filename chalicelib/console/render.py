"""The console's templates (chalicelib/console/templates, then the applicant pages' for the shared macros),
autoescaped, with the console's words (text.json, then the applicant pages' for the shared page shell) and
times in America/Toronto with the zone named (domain/localtime.py). Jinja2 loads on the first console page."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..domain.figures import fill
from ..domain.i18n import pick
from ..domain.localtime import from_iso, local_time, shown_day
from ..web.render import TEMPLATES as WEB_TEMPLATES
from ..web.text import catalogue as web_catalogue

if TYPE_CHECKING:
    from jinja2 import Environment

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
TEXT_FILE = HERE / "text.json"


@lru_cache(maxsize=1)
def catalogue() -> dict[str, dict[str, str]]:
    """The console's texts, read once (tests/unit/test_console_text.py checks them as text.json is checked)."""
    data: dict[str, dict[str, str]] = json.loads(TEXT_FILE.read_text(encoding="utf-8"))
    return data


def t(key: str, lang: str, **params: Any) -> str:
    entry = catalogue().get(key) or web_catalogue()[key]  # a missing key is a bug: fail loudly in tests
    text = fill(entry.get(lang) or entry["en"])
    return text.format(**params) if params else text


def when(value: str | None, lang: str) -> str:
    at = from_iso(value) if value else None
    return local_time(at, lang) if at else (value or "")


@lru_cache(maxsize=1)
def environment() -> Environment:
    from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(loader=ChoiceLoader([FileSystemLoader(str(TEMPLATES)), FileSystemLoader(str(WEB_TEMPLATES))]),
                      autoescape=select_autoescape(default=True), undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.globals["pick"] = pick
    return env


def render(template: str, lang: str, **context: Any) -> str:
    context.setdefault("t", lambda key, **params: t(key, lang, **params))
    context.setdefault("when", lambda value: when(value, lang))
    context.setdefault("day", lambda value: shown_day(value, lang))
    return environment().get_template(template).render(lang=lang, **context)
