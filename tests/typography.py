"""The Translation Bureau's spacing, checked on any French text: a data file's string, a rendered page, an email.

Le guide du rédacteur, ch. 7: a non-breaking space (U+00A0, or the narrow U+202F) before the colon and the percent
sign, and inside French quotation marks « »; Canadian usage puts no space before ; ? ! (or a narrow one, never a
plain one). The unit test of the files (tests/unit/test_typography.py), the integration test of the rendered pages
and emails (tests/integration/test_french_rendered.py) and the browser walk's page checks (tests/browser/checks.py)
all use this one check.
"""
from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

NBSP = "\u00a0\u202f"

# A colon that is French punctuation: not in a URL (https://) and not between digits (a time, 14:05).
_COLON = re.compile(r"(?<!\d):(?!//)|:(?!\d)(?!//)")


def spacing_problems(text: str) -> list[str]:
    """What in ``text`` breaks the Bureau's spacing rules, in words (empty when nothing does).

    >>> spacing_problems("Erreur : voir https://canada.ca à 14:05, 80 % « ici »")
    ['a plain space before « : »', 'a plain space before « % »', 'a plain space after « «', 'a plain space before « » »']
    >>> spacing_problems("Erreur\\u00a0: voir https://canada.ca à 14:05, 80\\u00a0% «\\u00a0ici\\u00a0»")
    []
    """
    problems = []
    for m in _COLON.finditer(text):
        if m.start() == 0 or text[m.start() - 1] not in NBSP:
            problems.append("a plain space before « : »" if text[m.start() - 1:m.start()] == " " else "no space before « : »")
    for m in re.finditer("%", text):
        if m.start() == 0 or text[m.start() - 1] not in NBSP:
            problems.append("a plain space before « % »" if text[m.start() - 1:m.start()] == " " else "no space before « % »")
    for m in re.finditer("«", text):
        if text[m.end():m.end() + 1] not in tuple(NBSP):
            problems.append("a plain space after « «" if text[m.end():m.end() + 1] == " " else "no space after « «")
    for m in re.finditer("»", text):
        if m.start() == 0 or text[m.start() - 1] not in NBSP:
            problems.append("a plain space before « » »" if text[m.start() - 1:m.start()] == " " else "no space before « » »")
    for m in re.finditer(r" [;?!]", text):  # Canadian usage: no space before ; ? ! (or a narrow one, never a plain one)
        problems.append(f"a plain space before « {m.group(0)[1]} »")
    return problems


# What a person reads of a page and is not French prose: a code or an address shown as such, and what the page
# quotes as typed by someone (a staff member's note, an applicant's answer) is still checked: it is shown in French.
_NOT_PROSE = {"code", "kbd", "samp", "pre", "script", "style", "template"}
_READ_ATTRIBUTES = ("aria-label", "alt", "title", "placeholder", "aria-description")


_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Words(HTMLParser):
    """The French text runs of a page a person reads or hears: text between tags and the labels screen readers
    speak, leaving out what the page marks as another language (``lang="en"``: the English side of a bilingual
    form, the language toggle)."""

    def __init__(self, other: str = "en") -> None:
        super().__init__(convert_charrefs=True)
        self._other = other
        self.runs: list[str] = []
        self._skip = 0
        self._run: list[str] = []
        self._langs: list[tuple[str, bool]] = []  # (tag, in English) of each open element

    def _english(self) -> bool:
        return bool(self._langs) and self._langs[-1][1]

    def _flush(self) -> None:
        run = re.sub(r"[ \t\r\n]+", " ", "".join(self._run)).strip(" ")
        if run:
            self.runs.append(run)
        self._run = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        lang = dict(attrs).get("lang")
        english = (lang or "").startswith(self._other) or (lang is None and self._english())
        if tag not in _VOID:
            self._langs.append((tag, english))
        if tag in _NOT_PROSE:
            self._skip += 1
        if tag in ("p", "li", "td", "th", "dt", "dd", "h1", "h2", "h3", "h4", "div", "label", "legend", "option",
                   "title", "button", "br", "tr", "section", "summary", "caption", "figcaption"):
            self._flush()
        if not english:
            self._read_attributes(attrs)

    def _read_attributes(self, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in _READ_ATTRIBUTES and value:
                self.runs.append(unescape(value))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        lang = dict(attrs).get("lang")
        if not ((lang or "").startswith(self._other) or (lang is None and self._english())):
            self._read_attributes(attrs)
        if tag == "br":
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag not in _VOID:
            while self._langs:  # close up to the element's own start (an unclosed <p> or <li> closes with it)
                if self._langs.pop()[0] == tag:
                    break
        if tag in _NOT_PROSE:
            self._skip = max(0, self._skip - 1)
            return
        if tag in ("p", "li", "td", "th", "dt", "dd", "h1", "h2", "h3", "h4", "div", "label", "legend", "option",
                   "title", "button", "tr", "section", "summary", "caption", "figcaption"):
            self._flush()

    def handle_data(self, data: str) -> None:
        if not self._skip and not self._english():
            self._run.append(data)

    def close(self) -> None:
        super().close()
        self._flush()


def page_runs(html: str, lang: str = "fr") -> list[str]:
    """The text runs in ``lang`` of an HTML page (its title, its words, its spoken labels), entities decoded; the
    parts marked as the other language left out."""
    parser = _Words("en" if lang == "fr" else "fr")
    parser.feed(html)
    parser.close()
    return parser.runs


def text_problems(where: str, runs: list[str]) -> list[str]:
    """One line per run of ``runs`` that breaks the spacing rules: where, what, and the run itself."""
    return [f"{where}: {', '.join(found)}: {run[:120]!r}" for run in runs if (found := spacing_problems(run))]


def page_problems(where: str, html: str) -> list[str]:
    return text_problems(where, page_runs(html))


# A time as the pages and emails show it (chalicelib/domain/localtime.py), for a test that compares two pages with
# their times masked: « 7 mars 2027 à 23 h 59 (heure d'Ottawa) », "March 7, 2027, 11:59 p.m. (Ottawa time)".
_MONTHS = ("janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre|January|February|"
           "March|April|May|June|July|August|September|October|November|December")
SHOWN_TIME = re.compile(rf"(?:(?:1er|\d{{1,2}}) (?:{_MONTHS}) \d{{4}} à |(?:{_MONTHS}) \d{{1,2}}, \d{{4}}, )?"
                        r"(?:\d{1,2}\u00a0h(?:\u00a0\d{2})?|\d{1,2}:\d{2}\u00a0[ap]\.m\.|noon|midnight) "
                        r"\((?:Ottawa time|heure d'Ottawa)\)")
