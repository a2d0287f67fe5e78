"""The console's words (chalicelib/console/text.json) are checked as the applicant pages' are: the page-text
schema, the same placeholders in English and French, no figure typed, and every key the console's code and
templates look up exists (in the console's file, or the applicant pages' for the shared page shell)."""
from __future__ import annotations

import json
from pathlib import Path

from chalicelib.domain import datafiles

ROOT = Path(__file__).resolve().parents[2]
CONSOLE = ROOT / "chalicelib" / "console"


def keys_used() -> dict[str, str]:
    used: dict[str, str] = {}
    for path in sorted([*CONSOLE.glob("*.py"), *CONSOLE.glob("templates/*.html")]):
        for key in datafiles._T_CALL.findall(path.read_text(encoding="utf-8")):
            used.setdefault(key, str(path.relative_to(ROOT)))
    return used


def test_the_console_text_passes_the_page_text_checks() -> None:
    console = json.loads((CONSOLE / "text.json").read_text(encoding="utf-8"))
    web = json.loads((ROOT / "chalicelib" / "web" / "text.json").read_text(encoding="utf-8"))
    # Every key looked up is the console's own or the shared shell's; the console's file passes the checks
    assert datafiles.check_page_text(console, used={k: v for k, v in keys_used().items() if k not in web}) == []
    assert len(keys_used()) > 40


def test_a_missing_key_would_be_reported_with_the_file_that_looks_it_up() -> None:
    console = json.loads((CONSOLE / "text.json").read_text(encoding="utf-8"))
    del console["sign_in_title"]
    problems = datafiles.check_page_text(console, used=keys_used())
    assert any("sign_in_title" in p and "chalicelib/console/views.py" in p for p in problems)
