"""Issue 21, finding 2: a draft started for someone else's address must not hand over their file.

The attack, through the web pages on moto as an attacker plays it against `scripts/dev`: the attacker posts the
first page with the victim's address and keeps the form (its key); the victim completes the draft from the
emailed link; the attacker then tries to read the victim's answers on check your answers, to regain a token by
posting the first page again with the kept key, to send the application, and to change its email address.
Each step is its own test, so each one is seen to fail on the code before the fix.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape
from typing import Any

import pytest

from chalicelib.adapters.models import ApplicationModel, DraftModel

from .conftest import application, sent_messages
from .web_client import WebClient, fill_draft, first_page_url, hidden, page_fields, set_cookies

VICTIM, ATTACKER = "helene.cote@example.ca", "mallory@example.org"
SECRET_ANSWER = "Led the 2019 tactical team of the SPVM's east district."  # what only the victim typed


@dataclass
class Scene:
    attacker: WebClient
    victim: WebClient
    first_url: str  # the first page the attacker posted
    kept: list[tuple[str, str]]  # the attacker's first page as posted: the victim's address, the form's key
    draft_id: str
    first_answer: Any  # what the attacker's first post was answered


def _text(r: Any) -> str:
    return r.body.decode("utf-8")


def _draft_links(address: str) -> list[str]:
    out = []
    for m in sent_messages():
        if m.destinations["ToAddresses"] == [address]:
            found = re.search(r"https://peaceops\.test(/(?:en|fr)/drafts/[a-z0-9-]+\?token=[A-Za-z0-9_-]+)",
                              unescape(m.body))
            if found:
                out.append(found.group(1))
    return out


def _form_token(web: WebClient, scope: str) -> str:
    """A valid form token for this browser's own CSRF cookie on pages of ``scope``: anyone can make one for
    their own cookie, so the refusals below are the draft's and the file's, not the form's."""
    from chalicelib.config import get_settings
    from chalicelib.web.security import csrf_token

    web.get("/en/access")  # the CSRF cookie
    value = next(v for (_, name), v in web.jar.items() if name.endswith("po_csrf"))
    return csrf_token(get_settings().token_secret, value, scope)


def _draft_cookies(r: Any) -> list[str]:
    return [c for c in set_cookies(r) if "po_draft" in c and "Max-Age=0" not in c]


@pytest.fixture
def scene(client: Any) -> Scene:
    # Given an attacker who posts the first page with the victim's address, keeping the form and its key
    attacker = WebClient(client)
    first = first_page_url(attacker, "haiti-minustah", "en")
    kept = page_fields("about-you", application()) + [("draft_key", hidden(_text(attacker.get(first)), "draft_key"))]
    answer = attacker.post(first, kept)
    # and the victim, who completes the draft from the link emailed to them
    (link,) = _draft_links(VICTIM)
    draft_id = link.split("/drafts/")[1].split("?")[0]
    victim = WebClient(client)
    assert victim.get(link).status_code == 200
    fill_draft(victim, draft_id, application(leadership_details=SECRET_ANSWER))
    assert victim.get(f"/en/drafts/{draft_id}/check").status_code == 200
    return Scene(attacker, victim, first, kept, draft_id, answer)


def test_starting_a_draft_for_an_address_gives_this_browser_no_access(scene: Scene) -> None:
    # When the attacker's first post is answered
    r = scene.first_answer
    # Then it is "check your email" naming the address typed, and no cookie for the draft
    assert r.status_code == 200, r.status_code
    assert "Check your email" in _text(r) and VICTIM in _text(r)
    assert _draft_cookies(r) == []


def test_the_starter_cannot_read_what_the_address_owner_wrote(scene: Scene) -> None:
    # When the attacker opens check your answers, the task list or a page of the draft
    for path in ("/check", "", "/pages/experience", "/pages/about-you"):
        r = scene.attacker.get(f"/en/drafts/{scene.draft_id}{path}")
        # Then it is refused, and the victim's answers are nowhere in it
        assert r.status_code == 403, (path, r.status_code)
        assert SECRET_ANSWER not in unescape(_text(r)), path


def test_the_kept_form_key_never_mints_a_token_or_changes_the_draft(scene: Scene) -> None:
    before = DraftModel.get(f"draft#{scene.draft_id}").data
    mails = len(sent_messages())
    # When the attacker posts the first page again with the kept key: the same answers, then their own address
    again = scene.attacker.post(scene.first_url, scene.kept)
    other = scene.attacker.post(scene.first_url, [(n, ATTACKER if n == "email" else v) for n, v in scene.kept])
    # Then no cookie, no email, the draft as the victim left it, and the page names no address
    for r in (again, other):
        assert r.status_code == 200 and _draft_cookies(r) == []
        assert VICTIM not in _text(r) and ATTACKER not in _text(r)
        assert "We sent a link to the address given on this page." in _text(r)
    assert len(sent_messages()) == mails and _draft_links(ATTACKER) == []
    assert DraftModel.get(f"draft#{scene.draft_id}").data == before
    assert scene.attacker.get(f"/en/drafts/{scene.draft_id}/check").status_code == 403
    assert scene.victim.get(f"/en/drafts/{scene.draft_id}/check").status_code == 200  # the victim's stays


def test_the_starter_cannot_send_the_application(scene: Scene) -> None:
    # When the attacker sends the draft, with a form token for the draft's pages made for their own cookie
    token = _form_token(scene.attacker, scene.draft_id)
    r = scene.attacker.post(f"/en/drafts/{scene.draft_id}/check", [("csrf_token", token)], csrf=False)
    # Then it is refused and no file is made
    assert r.status_code == 403, r.status_code
    assert list(ApplicationModel.scan()) == []


def test_the_starter_cannot_change_the_files_email_address(scene: Scene) -> None:
    # Given the attacker tried to send the draft, and the victim sent it
    scene.attacker.post(f"/en/drafts/{scene.draft_id}/check", [("csrf_token", _form_token(scene.attacker,
                                                                                           scene.draft_id))], csrf=False)
    sent = scene.victim.post(f"/en/drafts/{scene.draft_id}/check", [("csrf_token", _form_token(scene.victim,
                                                                                            scene.draft_id))], csrf=False)
    assert sent.status_code == 303 and "/confirmation" in sent.headers["Location"]
    status = sent.headers["Location"].split("?")[0].removesuffix("/confirmation")
    # When the attacker asks to change the file's address to their own
    app_id = status.rsplit("/", 1)[1]
    form = scene.attacker.get(status + "/email")
    r = scene.attacker.post(status + "/email", [("email", ATTACKER), ("csrf_token", _form_token(scene.attacker, app_id))],
                            csrf=False)
    # Then both are refused and nothing goes to the attacker
    assert form.status_code == 403 and r.status_code == 403, (form.status_code, r.status_code)
    assert [m for m in sent_messages() if m.destinations["ToAddresses"] == [ATTACKER]] == []
    (stored,) = ApplicationModel.scan()
    assert stored.email == VICTIM
