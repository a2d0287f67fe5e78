"""Every change an audit row can name reads in words, in both languages, on the console's audit page.

Given the services that write a change row (calls, missions and caps, roster entries, rotations, imports, the
audit's own searches and exports), every ``change`` code they pass (a literal, or the literal before ":" of a built
one) is one of domain/audit_list.CHANGES, and each of those has its words in console/text.json in English and
French (the French never the code itself).
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from chalicelib.console.render import t
from chalicelib.domain import audit_list

SERVICES = Path(__file__).resolve().parents[2] / "chalicelib" / "services"
# (module, function, index of its ``change`` argument): the writers of change rows.
WRITERS = {("bulletins", "_save", 5), ("catalogue_admin", "_save", 5), ("roster", "audit_entry", 3),
           ("roster_import", "audit_entry", 3), ("workflow", "audit_entry", 3), ("audit_log", "_record", 3)}


def _code(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.split(":")[0]
    if isinstance(node, ast.IfExp):
        return _code(node.body)
    if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
        return str(node.values[0].value).split(":")[0]
    if isinstance(node, ast.BinOp):
        return _code(node.left)
    return None


def _written() -> set[str]:
    found: set[str] = set()
    for module, function, index in WRITERS:
        tree = ast.parse((SERVICES / f"{module}.py").read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                if name == function and len(node.args) > index and (code := _code(node.args[index])):
                    found.add(code)
                    if isinstance(node.args[index], ast.IfExp) and (other := _code(node.args[index].orelse)):
                        found.add(other)
            if isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    if isinstance(key, ast.Constant) and key.value == "change" and (code := _code(value)):
                        found.add(code)
    return found


def test_every_change_the_services_write_is_a_known_change() -> None:
    written = _written()
    assert {"published", "authorized", "ended", "search"} <= written  # the scan reads the writers at all
    assert written <= set(audit_list.CHANGES), sorted(written - set(audit_list.CHANGES))


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_every_change_has_its_words(lang: str) -> None:
    for code in audit_list.CHANGES:
        words = t(audit_list.change_key(code), lang)
        assert words and "audit_change_" not in words, (code, lang)
        assert lang == "en" or words != code.replace("-", " "), code  # French never shows the code
    assert t("audit_change_authorized", "fr") == "effectif autorisé"
