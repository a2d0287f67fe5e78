"""Email templates (data/emails.json) rendered in English or French.

Every value put into a template is escaped in the HTML part; the text part is
plain text. Templates carry no medical, family or form details.
"""
from __future__ import annotations

import html
import json
import re
from functools import lru_cache
from typing import Any, Mapping

from .i18n import pick
from .missions import DATA_DIR


@lru_cache(maxsize=1)
def templates() -> dict[str, Any]:
    return json.loads((DATA_DIR / "emails.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


class _Params(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return ""


def render(template_id: str, lang: str, params: Mapping[str, Any]) -> tuple[str, str, str]:
    """Return (subject, text, html) for a template in ``lang``."""
    t = templates()[template_id]
    values = _Params({k: str(v) for k, v in params.items()})
    subject = pick(t["subject"], lang).format_map(values)
    text = pick(t["body"], lang).format_map(values)
    links = _links(values)
    paragraphs = []
    for para in text.split("\n\n"):
        escaped = html.escape(para).replace("\n", "<br>\n")
        paragraphs.append("<p>" + (links.sub(r'<a href="\g<0>">\g<0></a>', escaped) if links else escaped) + "</p>")
    body = (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{html.escape(subject)}</title></head>'
            f'<body>{"".join(paragraphs)}</body></html>')
    return subject, text, body


def _links(values: Mapping[str, str]) -> re.Pattern[str] | None:
    """The links the service built (``*_url`` values), escaped as they stand in the HTML, longest first.

    Only these become anchors: a URL inside any other value (a mission name an administrator typed)
    stays text.
    """
    urls = sorted({html.escape(v) for k, v in values.items() if k.endswith("_url") and v}, key=len, reverse=True)
    return re.compile("|".join(re.escape(u) for u in urls)) if urls else None


def reference(application_id: str) -> str:
    """Human reference for a file, e.g. PO-ABCD-EFGH-IJKL-MNOP."""
    core = application_id.removeprefix("po-").upper()
    return "PO-" + "-".join(core[i:i + 4] for i in range(0, len(core), 4))
