"""What every page state must pass in the browser, and the screenshot a
person looks at (artifacts/screenshots/, not committed)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from ..typography import page_problems

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
# WCAG 2.1 A and AA, plus axe's best practices (landmarks, one h1, headings in order).
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}}

_axe = Axe()  # bundles axe-core: runs offline


def french_spacing(page: Page, name: str, lang: str) -> None:
    """On a French page state, the Translation Bureau's spacing in every word shown (tests/typography.py): the page
    as the browser holds it, after any script, its English parts (lang="en") left out."""
    if lang == "fr":
        problems = page_problems(name, page.content())
        assert problems == [], "\n".join(problems)


def look(page: Page, name: str, lang: str) -> None:
    """Right language, one h1, French spacing, a full-page screenshot, zero axe violations."""
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator("h1").count() == 1
    french_spacing(page, name, lang)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{lang}.png"), full_page=True)
    results = _axe.run(page, options=AXE_OPTIONS)
    assert results.violations_count == 0, f"{name}-{lang}: {results.generate_report()}"


def look_at(page: Page, url: str, status: int, name: str, lang: str) -> None:
    """Open ``url``, which must answer with HTTP ``status`` (an error page's own code), and look at it."""
    response = page.goto(url)
    assert response is not None and response.status == status, f"{url}: {response and response.status}"
    look(page, name, lang)


def fill(page: Page, values: dict[str, Any]) -> None:
    """Answer a form drawn from a schema, whatever widget each field got."""
    for name, value in values.items():
        if page.locator(f'input[type="radio"][name="{name}"]').count():
            page.check(f'input[type="radio"][name="{name}"][value="{value}"]')
        elif page.locator(f'input[type="checkbox"][name="{name}"]').count():
            page.set_checked(f'input[name="{name}"]', bool(value))
        elif isinstance(value, list):  # ordered choices: one select each
            for i, choice in enumerate(value, start=1):
                page.select_option(f"#{name}-{i}", choice)
        elif page.locator(f"#{name}-day").count():  # a date's three boxes: "2027-03-27" or (day, month, year)
            parts = value if isinstance(value, (tuple, list)) else _date_parts(str(value))
            for box, part in zip(("day", "month", "year"), parts, strict=True):
                page.fill(f"#{name}-{box}", str(part))
        elif page.locator(f'select[name="{name}"]').count():
            page.select_option(f"#{name}", value)
        else:
            page.fill(f"#{name}", str(value))


def _date_parts(iso: str) -> tuple[str, str, str]:
    """"2027-03-05" as a person types it in the three boxes: 5, 3, 2027."""
    year, month, day = iso.split("-")
    return day.lstrip("0") or "0", month.lstrip("0") or "0", year
