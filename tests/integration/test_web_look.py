"""The official look, served by the app: the GC Design System's signature, wordmark, tokens and fonts
(vendored by scripts/vendor-gcds into chalicelib/web/static/gcds), the footer's links and the date modified,
all under the unchanged Content-Security-Policy (nothing from another origin)."""
from __future__ import annotations

import re
from typing import Any

import pytest

from chalicelib.web import assets, security
from chalicelib.web.render import DATE_MODIFIED

from .web_client import WebClient

PAGES = ["/missions", "/missions/haiti-minustah", "/apply", "/access", "/before-the-mission"]


@pytest.fixture
def web(client: Any) -> WebClient:
    return WebClient(client)


def _text(r: Any) -> str:
    return r.body.decode("utf-8")


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("path", PAGES)
def test_every_page_wears_the_vendored_signature_wordmark_tokens_and_fonts(web: WebClient, path: str, lang: str) -> None:
    # Given a public page in one language
    # When it is opened
    page = _text(web.get(f"/{lang}{path}"))
    # Then it loads the design tokens, the fonts' rules and the site's stylesheet from the app itself
    sheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page)
    assert sheets == ["/static/gcds/tokens.css", "/static/gcds/fonts.css", "/static/site.css"]
    # and shows its language's signature (the name of the Government in that language) and the wordmark
    name = "Gouvernement du Canada" if lang == "fr" else "Government of Canada"
    assert f'src="/static/gcds/sig-blk-{lang}.svg" alt="{name}"' in page
    symbol = "Symbole du gouvernement du Canada" if lang == "fr" else "Symbol of the Government of Canada"
    assert f'src="/static/gcds/wmms-spl-{lang}.svg" alt="{symbol}"' in page
    # and none of the home-made flag is left
    assert "gc-flag" not in page and "gc-wordmark-flag" not in page


@pytest.mark.parametrize("lang, words", [
    ("en", ["Contact us", "Terms and conditions", "Privacy", "Date modified:"]),
    ("fr", ["Contactez-nous", "Avis", "Confidentialité", "Date de modification\u00a0:"]),
])
def test_the_footer_links_contact_terms_and_privacy_and_the_page_gives_its_date_modified(
        web: WebClient, lang: str, words: list[str]) -> None:
    # Given the missions page
    # When it is opened
    page = _text(web.get(f"/{lang}/missions"))
    # Then the footer links the program's contact, terms and privacy pages in the page's language
    footer = page[page.index('<footer'):]
    for path, word in zip(("contact", "terms", "privacy"), words[:3], strict=True):
        assert f'<a href="/{lang}/{path}">{word}</a>' in footer
    # and the main content ends with the date modified, as a machine-readable date
    main = page[page.index("<main"):page.index("</main>")]
    assert words[3] in main and f'<time datetime="{DATE_MODIFIED}">{DATE_MODIFIED}</time>' in main


@pytest.mark.parametrize("path", sorted(assets.FILES))
def test_each_vendored_file_is_served_by_the_app_with_its_type(web: WebClient, path: str) -> None:
    # Given a file the pages load
    # When the browser asks for it (any type accepted, as browsers ask for fonts)
    r = web.client.http.get(f"/static/{path}", headers={"Accept": "*/*"})
    # Then the app answers it, byte for byte, with its type, cacheable, under the same security headers
    assert r.status_code == 200
    assert r.headers["Content-Type"] == assets.FILES[path]
    assert r.body == (assets.STATIC / path).read_bytes()
    assert r.headers["Cache-Control"] == "public, max-age=3600"
    assert r.headers["Content-Security-Policy"] == security.CONTENT_SECURITY_POLICY


@pytest.mark.parametrize("path", ["/static/gcds/README.md", "/static/gcds/LICENSE-tokens.txt",
                                  "/static/gcds/fonts/gcds-lato.woff", "/static/gcds/..%2Fsite.css"])
def test_nothing_but_the_listed_files_is_served(web: WebClient, path: str) -> None:
    # Given a name under /static/gcds that is not one of the files the pages load
    # When it is asked for
    r = web.client.http.get(path, headers={"Accept": "*/*"})
    # Then it is not found
    assert r.status_code == 404


def test_the_policy_still_allows_only_the_apps_own_origin_and_the_fonts_rules_point_there() -> None:
    # Given the Content-Security-Policy and the vendored @font-face rules
    policy = dict(part.split(" ", 1) for part in security.CONTENT_SECURITY_POLICY.split("; "))
    fonts_css = (assets.STATIC / "gcds" / "fonts.css").read_text()
    # When their sources are read
    urls = re.findall(r'url\("([^"]+)"\)', fonts_css)
    # Then the policy is the one the pages always had (no CDN, no inline style, no script)
    assert policy["default-src"] == "'self'" and policy["style-src"] == "'self'" and policy["img-src"] == "'self'"
    assert policy["script-src"] == "'none'" and "font-src" not in policy  # fonts fall back to 'self'
    # and every font is one the app serves, by a path relative to the stylesheet
    assert urls and all(f"gcds/{u}" in assets.FILES for u in urls)


def test_the_signature_svgs_carry_their_colours_without_any_style() -> None:
    # Given the vendored signature and wordmark
    for name in ("sig-blk-en", "sig-blk-fr", "wmms-spl-en", "wmms-spl-fr"):
        svg = (assets.STATIC / "gcds" / f"{name}.svg").read_text()
        # Then the flag is the FIP red and the words black, as attributes (an image's style would meet the CSP)
        assert 'class="fip_flag" fill="#eb2d37"' in svg and 'class="fip_text" fill="#000000"' in svg
        assert "<style" not in svg and "<script" not in svg


def test_fonts_are_a_binary_type_of_the_app(client: Any) -> None:
    # Given the app with the pages' blueprint registered
    from app import app

    # Then Chalice (and so API Gateway, through chalice package) treats the fonts as binary
    assert "font/woff2" in app.api.binary_types
