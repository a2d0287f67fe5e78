"""Numbers the texts state, filled from the value they describe instead of typed twice.

A page text, an email or a stage's next step that gives the UN module pass mark,
the number of private links that keep working or the years of service needed
writes a placeholder (``{pass_mark}``, ``{active_links}``, ``{min_years}``); the
value comes from the one place the rule is kept. chalicelib/domain/datafiles.py
refuses the number typed literally in a data file, and an unknown figure name.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Mapping

from .eligibility import MIN_YEARS
from .retention import schedule
from .tokens import MAX_ACTIVE_TOKENS

# Every figure a text may name; the values are read by figures(). The retention schedule's periods
# (retention_<rule>_years, retention_draft_days) are named after its rules.
FIGURE_NAMES = ("pass_mark", "active_links", "min_years", *schedule().figures())

_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def base_figures() -> dict[str, int]:
    """The figures kept outside the workflow table (the workflow's loader adds its own pass mark)."""
    return {"active_links": MAX_ACTIVE_TOKENS, "min_years": MIN_YEARS, **schedule().figures()}


@lru_cache(maxsize=1)
def figures() -> dict[str, int]:
    """The figures by name: the workflow's module pass mark, the token limit, the years of service."""
    from .workflow import load_workflow  # the workflow module fills its texts with fill_text(); read it late

    return {"pass_mark": load_workflow().pass_mark, **base_figures()}


def fill(text: str, values: Mapping[str, int] | None = None) -> str:
    """``text`` with every figure placeholder replaced; any other ``{name}`` is left for its caller.

    >>> fill("at least {pass_mark} % ({reference})", {"pass_mark": 80})
    'at least 80 % ({reference})'
    """
    known = figures() if values is None else values
    return _PLACEHOLDER.sub(lambda m: str(known[m.group(1)]) if m.group(1) in known else m.group(0), text)


def fill_text(text: Mapping[str, str], values: Mapping[str, int] | None = None) -> dict[str, str]:
    """A bilingual text ({"en": ..., "fr": ...}) with its figures filled in both languages."""
    return {lang: fill(value, values) for lang, value in text.items()}
