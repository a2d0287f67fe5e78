"""Email rendering escapes every value in the HTML part, links only the service's own URLs, and never
sends a blank where a placeholder has no value."""
from __future__ import annotations

import pytest

from chalicelib.domain import emails
from chalicelib.domain.figures import figures

HOSTILE = '<img src=x onerror="alert(1)"> & https://evil.example/steal?x=1 \'quoted\''
STATUS = "https://peaceops.example.ca/fr/status/po-abc"
LINK = STATUS + "?token=t0k&n"  # a prefix of another link, and an & to escape


def _render(template: str = "submitted", lang: str = "fr", **extra: str) -> tuple[str, str, str]:
    params = {"reference": "PO-ABC", "mission": HOSTILE, "stage_label": "Étape", "next_step": "Suite",
              "status_url": STATUS, "access_url": "https://peaceops.example.ca/fr/access", "link_url": LINK}
    params.update(extra)
    return emails.render(template, lang, params)


def test_a_hostile_value_is_text_in_the_html_part() -> None:
    subject, text, body = _render()
    assert "<img" not in body and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp;" in body
    assert "&#x27;quoted&#x27;" in body
    # The text part is plain text: the value as typed.
    assert HOSTILE in text


def test_only_the_services_own_urls_become_links() -> None:
    _, _, body = _render()
    assert 'href="https://evil.example' not in body
    assert f'<a href="{STATUS}">{STATUS}</a>' in body
    escaped_link = LINK.replace("&", "&amp;")
    assert f'<a href="{escaped_link}">{escaped_link}</a>' in body  # the longer link whole, not its prefix
    assert body.count("<a href=") == body.count("</a>") == 3  # private link, status link, access link


def test_a_title_that_looks_like_markup_is_escaped_in_the_head() -> None:
    _, _, body = _render(lang="en", reference="<b>PO</b>")
    assert "<title>" in body and "<b>PO</b>" not in body and "&lt;b&gt;PO&lt;/b&gt;" in body


def test_a_placeholder_without_a_value_raises_naming_template_language_and_placeholder() -> None:
    params = {"reference": "PO-ABC", "mission": "M", "stage_label": "Étape", "next_step": "Suite",
              "status_url": STATUS, "access_url": "https://peaceops.example.ca/fr/access", "link_url": LINK}
    emails.render("returned", "fr", params)  # every placeholder has its value
    with pytest.raises(emails.MissingPlaceholder, match=r"'returned' \(fr\).*\{mission\}"):
        emails.render("returned", "fr", {k: v for k, v in params.items() if k != "mission"})


def test_an_unknown_placeholder_in_a_template_raises_at_render_time(monkeypatch: pytest.MonkeyPatch) -> None:
    broken = {k: dict(v) for k, v in emails.templates()["returned"].items()}
    broken["body"]["fr"] = broken["body"]["fr"].replace("{mission}", "{misison}")
    monkeypatch.setitem(emails.templates(), "returned", broken)
    with pytest.raises(emails.MissingPlaceholder, match=r"'returned' \(fr\) has placeholder \{misison\}"):
        _render("returned")
    assert "{misison}" not in _render("returned", lang="en")[1]  # the English template is intact


def test_figures_are_filled_in_the_template_and_in_the_values() -> None:
    _, text, _ = _render("access_link", lang="en", next_step="at least {pass_mark} %")
    assert f"your {figures()['active_links']} most recent links" in text and "{" not in text
    _, text, _ = _render("un_modules", lang="fr", next_step="au moins {pass_mark} %")
    assert f"au moins {figures()['pass_mark']} %" in text
