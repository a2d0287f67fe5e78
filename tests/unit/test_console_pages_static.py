"""The console's pages hold no script and no inline style (the strict CSP would refuse both), and its times are
Ottawa's with the zone named in each language (domain/localtime.py, shared with the CSV export)."""
from __future__ import annotations

import doctest
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from chalicelib.domain import localtime
from chalicelib.domain.localtime import clock_time, local_time

TEMPLATES = Path(__file__).resolve().parents[2] / "chalicelib" / "console" / "templates"


@pytest.mark.parametrize("template", sorted(p.name for p in TEMPLATES.glob("*.html")))
def test_no_script_no_inline_style_no_handler(template: str) -> None:
    text = (TEMPLATES / template).read_text(encoding="utf-8")
    assert "<script" not in text and "<style" not in text
    assert not re.search(r"\sstyle=", text) and not re.search(r"\son[a-z]+=", text)
    assert "javascript:" not in text


def test_every_post_form_carries_its_csrf_field() -> None:
    for path in TEMPLATES.glob("*.html"):
        text = path.read_text(encoding="utf-8")
        for form in re.findall(r'<form method="post".*?</form>', text, flags=re.S):
            assert "csrf_field()" in form, path.name


def test_times_are_ottawa_s_with_the_zone_named() -> None:
    winter, summer = datetime(2026, 1, 15, 17, 5, tzinfo=timezone.utc), datetime(2026, 7, 1, 3, 30, tzinfo=timezone.utc)
    assert local_time(winter, "en") == "January 15, 2026, 12:05\u00a0p.m. (Ottawa time)"
    assert local_time(winter, "fr") == "15 janvier 2026 à 12\u00a0h\u00a005 (heure d'Ottawa)"
    assert local_time(summer, "en") == "June 30, 2026, 11:30\u00a0p.m. (Ottawa time)"  # the day before, in Ottawa
    assert clock_time(summer, "fr") == "23\u00a0h\u00a030 (heure d'Ottawa)"
    assert doctest.testmod(localtime).failed == 0
