"""The console's calls for applications through the real routes on moto: a draft call written in both languages,
its preview, a publish refused with each reason by field, then published and public; a deadline extended (the
draft holder told once), a call closed early, a call copied into a new draft; IRSS reads, a coordinator is refused."""
from __future__ import annotations

import json
import re
from html import unescape
from typing import Any


from .conftest import application, sent_messages
from .test_console_sign_in import page_token
from .web_client import WebClient, start_draft

EN, FR = "/console/en", "/console/fr"
FORM = [("bulletin_id", "drc-2099"), ("mission_id", "italy-spc-brindisi"), ("positions", "2"),
        ("opens_at", "2026-01-05T09:00"), ("closes_at", "2099-02-05T23:59"),
        ("title_en", "DR Congo: police advisers"), ("title_fr", ""),
        ("description_en", "Two advisers."), ("description_fr", "Deux conseillers."),
        ("contact_name_en", "IRSS"), ("contact_name_fr", "RPSI"), ("contact_email", "irss@example.ca"),
        ("criteria_min_rank", "sergeant"), ("criteria_required_documents", "un_modules")]


def post(browser: WebClient, page: str, url: str, fields: list[tuple[str, str]]) -> Any:
    return browser.post(url, [*fields, ("csrf_token", page_token(browser, page))], csrf=False)


def text(r: Any) -> str:
    return re.sub(r"\s+", " ", unescape(r.body.decode()))


def version(browser: WebClient, url: str) -> str:
    return re.search(r'name="version" value="(\d+)"', browser.get(url).body.decode()).group(1)


def test_an_administrator_writes_previews_publishes_extends_closes_and_copies_a_call(client: Any, signed: Any) -> None:
    admin = signed("admin")
    # A call with an example contact is refused at once, draft or not: the reason next to the address, nothing kept
    r = post(admin, f"{EN}/new-call", f"{EN}/calls", FORM)
    assert r.status_code == 422 and 'id="contact_email-error"' in r.body.decode() and "reserved for examples" in text(r)
    assert admin.get(f"{EN}/calls/drc-2099").status_code == 404
    r = post(admin, f"{FR}/new-call", f"{FR}/calls", FORM)
    assert r.status_code == 422 and "domaine réservé aux exemples" in text(r)
    # A draft call, with its French title still missing and a contact left empty
    r = post(admin, f"{EN}/new-call", f"{EN}/calls", [(k, "" if k == "contact_email" else v) for k, v in FORM])
    assert r.status_code == 303 and r.headers["Location"] == f"{EN}/calls/drc-2099?done=created", text(r)
    page = f"{EN}/calls/drc-2099"
    listing = text(admin.get(f"{EN}/calls"))
    assert "Drafts (1)" in listing and "DR Congo: police advisers" in listing and "February 5, 2099, 11:59 p.m. (Ottawa time)" in listing  # spaces collapsed
    # A draft is never public
    assert client.http.get("/bulletins/drc-2099").status_code == 404
    assert "drc-2099" not in client.http.get("/bulletins").body.decode()
    # The preview is the applicant side's page, in each language
    preview = text(admin.get(f"{page}/preview"))
    assert "DR Congo: police advisers" in preview and "Before you start" in preview
    assert "Avant de commencer" in text(admin.get(f"{FR}/calls/drc-2099/preview"))
    # Publishing is refused with each reason next to its field, in the page's language
    r = post(admin, page, f"{page}/publish", [("version", version(admin, page))])
    body = text(r)
    assert r.status_code == 422
    assert 'id="title_fr-error"' in r.body.decode() and "Write the French title." in body
    assert 'id="contact_email-error"' in r.body.decode() and "Give the contact's email address." in body
    # The UN modules are asked of a UN mission: no error for them here
    assert "not part of this opportunity's process" not in body
    r = post(admin, page, page, [*[(k, v) for k, v in FORM if k not in ("bulletin_id", "mission_id", "title_fr",
                                                                        "contact_email")],
                                 ("title_fr", "RD Congo : conseillers de police"),
                                 ("contact_email", "peacekeeping@rcmp-grc.gc.ca"), ("version", version(admin, page))])
    assert r.status_code == 303 and r.headers["Location"].endswith("?done=saved"), text(r)
    # A stale version answers 409
    r = post(admin, page, f"{page}/publish", [("version", "1")])
    assert r.status_code == 409
    r = post(admin, page, f"{page}/publish", [("version", version(admin, page))])
    assert r.status_code == 303 and r.headers["Location"].endswith("?done=published"), text(r)
    public = json.loads(client.http.get("/bulletins").body)["bulletins"]
    assert any(b["bulletin_id"] == "drc-2099" for b in public)
    assert "RD Congo : conseillers de police" in text(client.http.get("/fr/calls/drc-2099"))
    # Extend: later only
    r = post(admin, page, f"{page}/extend", [("new_closes_at", "2099-01-01T12:00"), ("version", version(admin, page))])
    assert r.status_code == 422 and 'id="new_closes_at-error"' in r.body.decode()
    r = post(admin, page, f"{page}/extend", [("new_closes_at", "2099-03-01T23:59"), ("version", version(admin, page))])
    assert r.status_code == 303 and "done=extended" in r.headers["Location"]
    assert "March 1, 2099, 11:59 p.m. (Ottawa time)" in text(admin.get(page))
    # Close early, once confirmed
    r = post(admin, page, f"{page}/close", [("version", version(admin, page))])
    assert r.status_code == 422 and 'id="confirm_close-error"' in r.body.decode()
    r = post(admin, page, f"{page}/close", [("confirm_close", "yes"), ("version", version(admin, page))])
    assert r.status_code == 303 and r.headers["Location"].endswith("?done=closed")
    assert client.http.get("/bulletins/drc-2099").status_code == 200
    assert "drc-2099" not in client.http.get("/bulletins").body.decode()
    # Copy into a new draft with new dates
    r = post(admin, page, f"{page}/copy", [("copy_bulletin_id", "drc-2100"), ("copy_opens_at", "2100-01-05T09:00"),
                                          ("copy_closes_at", "2100-02-05T23:59")])
    assert r.status_code == 303 and r.headers["Location"] == f"{EN}/calls/drc-2100?done=copied", text(r)
    copy = text(admin.get(f"{EN}/calls/drc-2100"))
    assert "RD Congo : conseillers de police" in copy and "Draft (not public)" in copy
    # Every change is audited on the call's subject
    from chalicelib.adapters.models import AuditModel

    changes = [a.details["change"] for a in AuditModel.query("bulletin#drc-2099")]
    assert changes[0] == "created:draft" and "published" in changes and "extended" in changes and "closed-early" in changes


def test_a_publish_refuses_a_un_module_document_on_a_bilateral_call(client: Any, signed: Any) -> None:
    admin = signed("admin")
    fields = [(k, v) for k, v in FORM if k not in ("bulletin_id", "mission_id", "title_fr", "contact_email")]
    fields += [("bulletin_id", "ukr-2099"), ("mission_id", "ukraine-patrol-police"), ("title_fr", "Ukraine"),
               ("contact_email", "peacekeeping@rcmp-grc.gc.ca"), ("opens_at", "2098-01-01T09:00"),
               ("closes_at", "2098-02-01T09:00")]
    assert post(admin, f"{EN}/new-call", f"{EN}/calls", fields).status_code == 303
    page = f"{FR}/calls/ukr-2099"
    r = post(admin, page, f"{page}/publish", [("version", version(admin, page))])
    assert r.status_code == 422 and 'id="criteria_required_documents-error"' in r.body.decode()
    assert "ne fait pas partie du processus de cette possibilité" in text(r)


def test_extending_a_call_tells_each_draft_holder_once(client: Any, signed: Any) -> None:
    web = WebClient(client)
    start_draft(web, application(email="drafter@example.ca", missions=["haiti-minustah"]))
    admin = signed("admin")
    call_id = json.loads(client.http.get("/bulletins").body)["bulletins"]
    call_id = next(b["bulletin_id"] for b in call_id if b["mission_id"] == "haiti-minustah")
    page = f"{EN}/calls/{call_id}"
    seen = version(admin, page)
    r = post(admin, page, f"{page}/extend", [("new_closes_at", "2099-12-31T23:59"), ("version", seen)])
    assert r.status_code == 303 and "told=1" in r.headers["Location"], text(r)
    # A retry of the same request (its answer lost) writes no second email
    r = post(admin, page, f"{page}/extend", [("new_closes_at", "2099-12-31T23:59"), ("version", seen)])
    assert r.status_code == 303
    told = [m for m in sent_messages() if m.destinations["ToAddresses"] == ["drafter@example.ca"]
            and any(d in unescape(m.body) for d in ("le 31 décembre 2099 à 23\u00a0h\u00a059 (heure d'Ottawa)",
                                                    "December 31, 2099, 11:59\u00a0p.m. (Ottawa time)"))]
    assert len(told) == 1 and "/drafts/" in told[0].body


def test_irss_reads_and_a_coordinator_or_health_is_refused(client: Any, signed: Any) -> None:
    irss = signed("irss")
    listing = irss.get(f"{EN}/calls")
    assert listing.status_code == 200 and "New call for applications" not in text(listing)
    call_id = re.search(r'href="/console/en/calls/([a-z0-9-]+)"', listing.body.decode()).group(1)
    page = irss.get(f"{EN}/calls/{call_id}")
    assert page.status_code == 200 and "Publish the call" not in text(page) and "disabled" in page.body.decode()
    assert irss.get(f"{EN}/calls/{call_id}/preview").status_code == 200
    assert irss.get(f"{EN}/new-call").status_code == 403
    for user in ("coordinator.spvm", "health"):
        assert signed(user).get(f"{EN}/calls").status_code == 403
