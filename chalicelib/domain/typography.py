"""French spacing as the Translation Bureau writes it, applied to what staff type in French.

The program's own texts are written with it (tests/typography.py checks every file, page and email); a call's or a
mission's French text typed in the console or the admin API would otherwise show « Appel : » with a plain space,
which a line can break before the colon. On save, the French side of every bilingual text gets:

- a non-breaking space (U+00A0) before « : » (not in an address such as https://, not in a time such as 14:05)
  and before « % », and inside « »;
- no plain space before « ; », « ? », « ! » (Canadian usage; a narrow non-breaking space typed on purpose stays).

Nothing else is changed: the words are the author's.
"""
from __future__ import annotations

import re
from typing import Any

NBSP = "\u00a0"

# A colon that ends a phrase: followed by a space or the end, so "https://x" and "14:05" never match.
_COLON = re.compile(r"[ \u00a0\u202f]*:(?=\s|$)")
_PERCENT = re.compile(r"(?<=\d)[ ]*%(?![0-9A-Fa-f]{2})")  # not an address's escape (%20)
_OPEN = re.compile(r"«[ \u00a0\u202f]*")
_CLOSE = re.compile(r"[ \u00a0\u202f]*»")
_PLAIN_BEFORE_MARK = re.compile(r"(?<=\S) +(?=[;?!])")


def french(text: str) -> str:
    """``text`` with the Bureau's spacing.

    >>> french("Appel de candidatures : Haïti, 80 % « ici » ; voir https://canada.ca à 14:05 !")
    'Appel de candidatures\\xa0: Haïti, 80\\xa0% «\\xa0ici\\xa0»; voir https://canada.ca à 14:05!'
    >>> french("Note: déjà\\u202f; bien")
    'Note\\xa0: déjà\\u202f; bien'
    """
    out = _COLON.sub(lambda m: _colon(m.group(0)), text)
    out = _PERCENT.sub(NBSP + "%", out)
    out = _OPEN.sub("«" + NBSP, out)
    out = _CLOSE.sub(NBSP + "»", out)
    return _PLAIN_BEFORE_MARK.sub("", out)


def _colon(found: str) -> str:
    """The spaces before a colon become one non-breaking space (a narrow one typed on purpose stays)."""
    spaces = found[:-1]
    return ("\u202f" if spaces.strip(" ") == "\u202f" else NBSP) + ":"


def french_sides(document: Any) -> Any:
    """``document`` with the French side of every bilingual text (an object whose ``en`` and ``fr`` are strings)
    spaced by :func:`french`; everything else as it was. A new value: the argument is not changed."""
    if isinstance(document, dict):
        copy = {k: french_sides(v) for k, v in document.items()}
        if isinstance(copy.get("fr"), str) and isinstance(copy.get("en"), str):
            copy["fr"] = french(copy["fr"])
        return copy
    if isinstance(document, list):
        return [french_sides(v) for v in document]
    return document
