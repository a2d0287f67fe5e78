"""A browser-like wrapper around Chalice's test client for the web pages:
keeps cookies per path, reads the CSRF token from the page, posts forms."""
from __future__ import annotations

import re
from html import unescape
from typing import Any, Iterable
from urllib.parse import urlencode, urlsplit

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def set_cookies(response: Any) -> list[str]:
    value = response.headers.get("Set-Cookie") or response.headers.get("set-cookie") or []
    return [value] if isinstance(value, str) else list(value)


def _date_fields() -> set[str]:
    from chalicelib.domain.forms import FORM_NAMES, load_schema

    return {name for form in FORM_NAMES for name, prop in load_schema(form)["properties"].items()
            if prop.get("format") == "date"}


def date_boxes(name: str, value: str) -> list[tuple[str, str]]:
    """A YYYY-MM-DD date as a person types it in its three boxes: 5, 3, 2027 (a wrong date's parts as they are)."""
    year, month, day = (value.split("-") + ["", ""])[:3]
    return [(f"{name}-day", day.lstrip("0") or day), (f"{name}-month", month.lstrip("0") or month),
            (f"{name}-year", year)]


def form_fields(document: dict[str, Any]) -> list[tuple[str, str]]:
    """A JSON form document as a browser would post it (a date in its three boxes)."""
    pairs: list[tuple[str, str]] = []
    dates = _date_fields()
    for name, value in document.items():
        if name in dates and isinstance(value, str):
            pairs.extend(date_boxes(name, value))
        elif isinstance(value, bool):
            pairs.append((name, "true" if value else "false"))
        elif isinstance(value, list) and value and isinstance(value[0], int):
            pairs.append((name, ", ".join(str(v) for v in value)))
        elif isinstance(value, list):
            pairs.extend((name, str(v)) for v in value)
        else:
            pairs.append((name, str(value)))
    return pairs


class WebClient:
    def __init__(self, client: Any) -> None:
        self.client = client
        self.jar: dict[tuple[str, str], str] = {}  # (path, name) -> value

    def _remember(self, response: Any) -> None:
        for header in set_cookies(response):
            parts = [p.strip() for p in header.split(";")]
            name, _, value = parts[0].partition("=")
            path = next((p.split("=", 1)[1] for p in parts[1:] if p.lower().startswith("path=")), "/")
            if any(p.lower() == "max-age=0" for p in parts[1:]):
                self.jar.pop((path, name), None)  # the server asked the browser to forget it
            else:
                self.jar[(path, name)] = value

    def _cookie_header(self, path: str) -> dict[str, str]:
        sent = [f"{name}={value}" for (p, name), value in self.jar.items()
                if path == p or path.startswith(p.rstrip("/") + "/") or p == "/"]
        return {"Cookie": "; ".join(sent)} if sent else {}

    def get(self, url: str, **headers: str) -> Any:
        path = urlsplit(url).path
        r = self.client.http.get(url, headers={**self._cookie_header(path), **headers})
        self._remember(r)
        return r

    def post(self, url: str, pairs: Iterable[tuple[str, str]], csrf: bool = True, **headers: str) -> Any:
        fields = list(pairs)
        if csrf:
            fields.append(("csrf_token", self.csrf_token(url)))
        path = urlsplit(url).path
        r = self.client.http.post(url, headers={**FORM, **self._cookie_header(path), **headers},
                                  body=urlencode(fields))
        self._remember(r)
        return r

    def csrf_token(self, url: str) -> str:
        return hidden(self.get(url).body.decode(), "csrf_token")

    def follow(self, response: Any) -> Any:
        assert response.status_code in (302, 303), response.status_code
        return self.get(response.headers["Location"])


def hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert match, f"no hidden {name} in the page"
    return unescape(match.group(1))


def page_fields(page_id: str, document: dict[str, Any]) -> list[tuple[str, str]]:
    """The fields of one page of the application, from a whole document, as the browser posts them."""
    from chalicelib.domain import drafts

    p = drafts.page(page_id)
    assert p is not None
    return form_fields({k: v for k, v in document.items() if k in p.fields})


def first_page_url(web: "WebClient", mission: str, lang: str = "en") -> str:
    """The first page of the application to the mission's open call (/<lang>/calls/<bulletin id>/apply)."""
    r = web.get(f"/{lang}/apply?mission={mission}")
    assert r.status_code == 303, r.status_code
    return str(r.headers["Location"]) + "/apply"


def draft_link(address: str) -> str:
    """The newest private link to a draft emailed to ``address`` (its path and ?token=)."""
    from .conftest import sent_messages

    links = [found.group(1) for m in sent_messages() if m.destinations["ToAddresses"] == [address]
             if (found := re.search(r"https://peaceops\.test(/(?:en|fr)/drafts/[a-z0-9-]+\?token=[A-Za-z0-9_-]+)",
                                    unescape(m.body)))]
    assert links, f"no link to a draft was emailed to {address}"
    return links[-1]


def open_draft_link(web: "WebClient", link: str) -> str:
    """Open a draft's emailed link in this browser (its cookie is set); returns the draft's id."""
    r = web.get(link)
    assert r.status_code == 200, (r.status_code, r.body.decode()[:2000])
    return link.split("/drafts/")[1].split("?")[0]


def start_draft(web: "WebClient", document: dict[str, Any], lang: str = "en") -> str:
    """Open the call of the document's first mission, answer the first page ("check your email"), then open the
    link emailed to the document's address in this browser, as its owner does; returns the draft's id."""
    first = first_page_url(web, document["missions"][0], lang)
    key = hidden(web.get(first).body.decode(), "draft_key")
    r = web.post(first, page_fields("about-you", document) + [("draft_key", key)])
    assert r.status_code == 200 and 'name="draft_key"' not in r.body.decode(), (r.status_code, r.body.decode()[:2000])
    return open_draft_link(web, draft_link(document["email"]))


def fill_draft(web: "WebClient", draft_id: str, document: dict[str, Any], lang: str = "en") -> None:
    """Answer every page of the route after the first, in order."""
    from chalicelib.domain import drafts

    for p in drafts.route(document)[1:]:
        r = web.post(f"/{lang}/drafts/{draft_id}/pages/{p.id}", page_fields(p.id, document))
        assert r.status_code == 303, (p.id, r.status_code, r.body.decode()[:3000])


def send_draft(web: "WebClient", draft_id: str, lang: str = "en") -> Any:
    return web.post(f"/{lang}/drafts/{draft_id}/check", [])


def apply(web: "WebClient", document: dict[str, Any], lang: str = "en") -> Any:
    """The whole task list as a browser goes through it: start, every page, check your answers, send. Returns
    the send's answer (303 to the file's confirmation)."""
    draft_id = start_draft(web, document, lang)
    fill_draft(web, draft_id, document, lang)
    return send_draft(web, draft_id, lang)


def hidden_fields(page: str) -> list[tuple[str, str]]:
    """Every hidden field of a page but its CSRF token (WebClient.post adds a fresh one), as a browser posts them."""
    pairs = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page)
    return [(name, unescape(value)) for name, value in pairs if name != "csrf_token"]
