"""The change of address and the bounce notice on the applicant's pages (issue 13), through Chalice's test client
and moto, in English and French: the status page asks for another address when ours stopped getting through, the
form names the field in its errors, the confirmation link asks before it changes anything.
"""
from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest

from ..unit.test_feedback import event_about
from .conftest import sent_messages
from .test_web_pages import _submit, _text
from .web_client import WebClient

OLD, NEW = "helene.cote@example.ca", "h.cote@example.org"


def _signed_in(client: Any, lang: str) -> tuple[WebClient, str]:
    """A browser holding the file's cookie, and the file's status page."""
    web = WebClient(client)
    location = _submit(web, lang, preferred_language=lang).headers["Location"]
    return web, location.rsplit("/", 1)[0]


def _confirm_link(address: str) -> str:
    mail = [m for m in sent_messages() if m.destinations["ToAddresses"] == [address]][-1]
    match = re.search(r'href="https://peaceops\.test([^"]+/email-change/[^"]+)"', mail.body)
    assert match, mail.body
    return unescape(match.group(1))


@pytest.mark.parametrize("lang, words", [("en", ("Our emails to you are not getting through", "Change your email")),
                                         ("fr", ("Nos courriels ne vous parviennent pas", "Changer votre adresse"))])
def test_after_a_bounce_the_status_page_asks_for_another_address(client: Any, lang: str,
                                                                 words: tuple[str, str]) -> None:
    from chalicelib.adapters.models import OutboxModel

    web, status = _signed_in(client, lang)
    sent_messages()
    app_id = status.rsplit("/", 1)[1]
    row = next(m for m in OutboxModel.by_application.query(app_id) if m.recipient == "applicant")
    client.lambda_.invoke("on_ses_event", client.events.generate_sns_event(
        message=event_about("bounce_permanent", row.message_id, OLD), subject=""))
    page = _text(web.get(status))
    assert words[0] in page and words[1] in page and 'role="alert"' in page
    assert f'href="/{lang}/status/{app_id}/email"' in page


def test_the_applicant_changes_their_address_from_the_status_page(client: Any) -> None:
    web, status = _signed_in(client, "en")
    form = web.get(status + "/email")
    assert form.status_code == 200 and 'autocomplete="email"' in _text(form)
    # A bad address comes back with the error pattern, naming the field
    bad = web.post(status + "/email", [("email", "not-an-address")])
    assert bad.status_code == 422 and 'href="#email"' in _text(bad)
    # A good one: the page shows where the link went (a typo can be seen)
    sent = web.post(status + "/email", [("email", NEW)])
    assert sent.status_code == 200 and NEW in _text(sent)
    assert NEW in _text(web.get(status))  # waiting for its confirmation
    # The link opens a page that asks first (a mail scanner opening it changes nothing) ...
    link = _confirm_link(NEW)
    other_browser = WebClient(client)
    ask = other_browser.get(link)
    assert ask.status_code == 200 and "Confirm this address" in _text(ask) and NEW in _text(ask)
    assert f"Messages about your file go to {OLD}" in _text(web.get(status))
    # ... and its button confirms, from any browser (the code is the credential)
    code = re.search(r'name="code" value="([^"]+)"', _text(ask)).group(1)  # type: ignore[union-attr]
    done = other_browser.post(link, [("code", code)])
    assert done.status_code == 200 and "Your email address has changed" in _text(done)
    assert f"Messages about your file go to {NEW}" in _text(web.get(status))
    # the same link a second time no longer works
    assert other_browser.get(link).status_code == 404


def test_a_confirmation_page_with_a_wrong_code_is_a_404_in_french(client: Any) -> None:
    web, status = _signed_in(client, "fr")
    app_id = status.rsplit("/", 1)[1]
    r = WebClient(client).get(f"/fr/email-change/{app_id}?code={'A' * 32}")
    assert r.status_code == 404 and "Ce lien de confirmation ne fonctionne pas" in _text(r)


def test_the_change_form_needs_the_files_cookie(client: Any) -> None:
    _, status = _signed_in(client, "en")
    assert WebClient(client).get(status + "/email").status_code == 403
