"""Official languages: English and French, and how a request picks one."""
from __future__ import annotations

from typing import Mapping

LANGUAGES = ("en", "fr")


def pick(text: Mapping[str, str] | None, lang: str) -> str:
    """Return the text in ``lang``, falling back to English."""
    if not text:
        return ""
    return text.get(lang) or text.get("en") or ""


def negotiate(accept_language: str | None, default: str = "en") -> str:
    """Choose en or fr from an Accept-Language header (q-values respected).

    >>> negotiate("fr-CA,fr;q=0.9,en;q=0.8")
    'fr'
    """
    if not accept_language:
        return default
    best, best_q = default, -1.0
    for part in accept_language.split(","):
        pieces = part.strip().split(";")
        tag = pieces[0].strip().lower()
        q = 1.0
        for p in pieces[1:]:
            p = p.strip()
            if p.startswith("q="):
                try:
                    q = float(p[2:])
                except ValueError:
                    q = 0.0
        primary = tag.split("-")[0]
        if primary in LANGUAGES and q > 0 and q > best_q:
            best, best_q = primary, q
    return best
