"""Every French string a person reads follows the Translation Bureau's spacing, and no English string says "1 years".

The Bureau's rule (Le guide du rédacteur, ch. 7): a non-breaking space (U+00A0, or the narrow U+202F) before the
colon and the percent sign, and inside French quotation marks « ». A plain space there lets the browser or the mail
reader break the line before « : » or « % », and leaves « » apart from the words they quote. The French strings are
every ``fr`` value (and every ``*_fr`` key) of the data files, the form schemas and the page texts, and the words
written in the page templates; figures ({pass_mark} ...) are filled first, as the pages and emails fill them.
"""
from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any, Iterator

import pytest

from chalicelib.domain.figures import fill
from tests.typography import spacing_problems

ROOT = Path(__file__).resolve().parent.parent.parent
JSON_FILES = sorted({*(ROOT / "chalicelib" / "data").glob("*.json"), *(ROOT / "schemas").glob("*.json"),
                     ROOT / "chalicelib" / "web" / "text.json", ROOT / "chalicelib" / "console" / "text.json"}
                    - {ROOT / "chalicelib" / "data" / "openapi.json"})  # the API's contract is written for developers, in English
TEMPLATES = sorted([*(ROOT / "chalicelib" / "web" / "templates").glob("*.html"),
                    *(ROOT / "chalicelib" / "console" / "templates").glob("*.html")])
_ENGLISH_PLURAL_SLIP = re.compile(
    r"(?<![\d.,])\b1 (years|months|weeks|days|hours|minutes|seconds|errors|links|seats|places|files|characters|"
    r"missions|deployments|times|officers|applications|emails)\b")
_FRENCH_PLURAL_SLIP = re.compile(r"(?<![\d.,])\b1 (ans|jours|semaines|heures|minutes|erreurs|liens|places|dossiers|"
                                 r"caractères|missions|déploiements|courriels|demandes)\b")


def _strings(node: Any, lang: str, where: str = "") -> Iterator[tuple[str, str]]:
    """(where, text) of every string of ``lang`` in a parsed JSON file: a ``fr`` value, or a ``*_fr`` key's."""
    if isinstance(node, dict):
        for key, value in node.items():
            place = f"{where}.{key}"
            if isinstance(value, str) and (key == lang or key.endswith("_" + lang)):
                yield place, fill(value)
            else:
                yield from _strings(value, lang, place)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _strings(value, lang, f"{where}[{i}]")


def _json_strings(lang: str) -> list[tuple[str, str]]:
    return [(f"{path.relative_to(ROOT)}{where}", text) for path in JSON_FILES
            for where, text in _strings(json.loads(path.read_text(encoding="utf-8")), lang)]


PY_FILES = sorted([ROOT / "app.py", *(ROOT / "chalicelib").rglob("*.py")])
# A plain space where French wants a non-breaking one, in a string the code builds: before « : » (not a URL's
# ``://``), before « % » (not a format directive such as ``%Y``), after « « » and before « » ». English writes none.
_PLAIN_SPACE_SLIP = re.compile(r" :(?!//)| %(?![A-Za-z(%])|« | »")


def _python_strings() -> list[tuple[str, str]]:
    """(where, text) of every string literal in the application's Python (f-strings' literal parts too), docstrings
    left out: the messages, titles and findings the code builds reach pages, emails and problem+json answers."""
    out = []
    for path in PY_FILES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                      if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                      and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
        out += [(f"{path.relative_to(ROOT)}:{node.lineno}", node.value) for node in ast.walk(tree)
                if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings]
    return out


_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
_TAG = re.compile(r"<[^>]*>", re.S)


def _template_words() -> list[tuple[str, str]]:
    """The words written in the templates themselves (outside Jinja2's tags and the HTML tags), line by line."""
    out = []
    for path in TEMPLATES:
        text = _TAG.sub(" ", _JINJA.sub(" ", path.read_text(encoding="utf-8")))
        text = text.replace("&nbsp;", "\u00a0").replace("&#8239;", "\u202f")
        out += [(f"{path.relative_to(ROOT)}:{n}", line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    return out


def test_the_spacing_check_finds_each_slip_and_passes_urls_and_times() -> None:
    # Given one French sentence per rule, written with plain spaces, and the same with non-breaking ones
    slips = ["Erreur : oui", "80 %", "« oui»", "«oui »", "Vraiment ?"]
    right = ["Erreur\u00a0: oui", "80\u202f%", "«\u00a0oui\u00a0»", "Vraiment?", "https://canada.ca à 14:05"]
    # When each is checked
    # Then every slip is found and nothing is found in the right ones
    assert [bool(spacing_problems(s)) for s in slips] == [True] * len(slips)
    assert [spacing_problems(s) for s in right] == [[]] * len(right)


def test_the_check_reads_every_data_file_schema_and_template() -> None:
    # Given the files the pages and emails read their words from
    names = {str(p.relative_to(ROOT)) for p in JSON_FILES}
    # When their French strings are gathered
    french = _json_strings("fr")
    # Then each kind of source is there, and the template words too
    assert {"chalicelib/web/text.json", "chalicelib/console/text.json", "chalicelib/data/emails.json",
            "chalicelib/data/workflow.json", "chalicelib/data/missions.json", "schemas/application.json",
            "schemas/family-readiness.json"} <= names
    assert len(french) > 800
    assert any(where.startswith("chalicelib/web/templates/") for where, _ in _template_words())


@pytest.mark.parametrize("source", ["data", "templates"])
def test_french_strings_have_non_breaking_spaces_before_colon_percent_and_inside_quotes(source: str) -> None:
    # Given every French string (or every line of words in a template)
    strings = _json_strings("fr") if source == "data" else _template_words()
    # When each is checked against the Bureau's spacing
    problems = [f"{where}: {', '.join(found)}: {text[:80]!r}" for where, text in strings
                if (found := spacing_problems(text))]
    # Then none breaks it
    assert problems == []


def test_no_english_or_french_string_pairs_one_with_a_plural() -> None:
    # Given every English and French string, figures filled
    strings = [("en", where, text) for where, text in _json_strings("en")]
    strings += [("fr", where, text) for where, text in _json_strings("fr")]
    # When each is searched for "1 years" (or « 1 ans »)
    slips = [f"{where}: {text[:80]!r}" for lang, where, text in strings
             if (_ENGLISH_PLURAL_SLIP if lang == "en" else _FRENCH_PLURAL_SLIP).search(text)]
    # Then there is none
    assert slips == []


def test_strings_built_in_python_have_no_plain_space_before_colon_percent_or_inside_quotes() -> None:
    # Given every string literal of the application's code (« Appel de candidatures : … », the pre-screen's findings,
    # the form errors' « {label} : … »)
    strings = _python_strings()
    assert len(strings) > 1000 and any(where.startswith("chalicelib/domain/eligibility.py") for where, _ in strings)
    # When each is searched for a plain space where French puts a non-breaking one
    slips = [f"{where}: {text[:80]!r}" for where, text in strings if _PLAIN_SPACE_SLIP.search(text)]
    # Then there is none (write it as \\u00a0)
    assert slips == []
