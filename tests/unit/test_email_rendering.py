"""Email rendering escapes every value in the HTML part and links only the service's own URLs."""
from __future__ import annotations

from chalicelib.domain import emails

HOSTILE = '<img src=x onerror="alert(1)"> & https://evil.example/steal?x=1 \'quoted\''
STATUS = "https://peaceops.example.ca/fr/status/po-abc"
LINK = STATUS + "?token=t0k&n"  # a prefix of another link, and an & to escape


def _render(**extra: str) -> tuple[str, str, str]:
    params = {"reference": "PO-ABC", "mission": HOSTILE, "stage_label": "Étape", "next_step": "Suite",
              "status_url": STATUS, "access_url": "https://peaceops.example.ca/fr/access", "link_url": LINK}
    params.update(extra)
    return emails.render("submitted", "fr", params)


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
    _, _, body = emails.render("submitted", "en", {"reference": "<b>PO</b>", "mission": "M"})
    assert "<title>" in body and "<b>PO</b>" not in body and "&lt;b&gt;PO&lt;/b&gt;" in body
