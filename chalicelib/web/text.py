"""The pages' own words in English and French (text.json), looked up by key.

Form labels and help come from the JSON Schemas; this file holds only what
belongs to the pages themselves (headings, buttons, notices).
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..domain.figures import fill

TEXT_FILE = Path(__file__).resolve().parent / "text.json"


@lru_cache(maxsize=1)
def catalogue() -> dict[str, dict[str, str]]:
    """The texts, read once per process (chalicelib/domain/datafiles.py checks the file)."""
    data: dict[str, dict[str, str]] = json.loads(TEXT_FILE.read_text(encoding="utf-8"))
    return data


def t(key: str, lang: str, **params: Any) -> str:
    """The text for ``key`` in ``lang``: figures ({pass_mark} ...) filled from the value they
    describe, then ``{name}`` placeholders from params.

    >>> t("yes", "fr")
    'Oui'
    >>> "{" in t("needs_un_modules", "en")
    False
    """
    entry = catalogue()[key]  # a missing key is a bug: fail loudly in tests
    text = fill(entry.get(lang) or entry["en"])
    return text.format(**params) if params else text
