"""French typography on what people are shown, not only in the files: every French page state the browser walk
visits (tests/browser), rendered here by the real routes on moto, and every email in French, with the Bureau's
spacing (tests/typography.py): a non-breaking space before « : » and « % » and inside « », none plain before ; ? !.

The pages are reached as a person reaches them: the public pages and every link they give; an application through
its task list (each page, its errors, check your answers, the confirmation); the file's pages through its private
link (status, my information, family readiness and its errors, withdraw, its errors and its confirmation, the
closed file); a deployed officer's file (end the mission early, returned, complete); the access form and its
errors; the error pages (404, 403); then the console in French for each role, every page its links reach. The
emails are every template rendered in French with sample values, and every email the walk sent.
"""
from __future__ import annotations

import json
import re
from collections import deque
from html import unescape
from typing import Any, Iterable
from urllib.parse import urljoin, urlsplit

import pytest

from chalicelib.domain import drafts, emails
from tests.typography import page_problems, page_runs, spacing_problems, text_problems

from .conftest import application, family_readiness, move, post_json, sent_messages
from .web_client import WebClient, form_fields, hidden, page_fields, start_draft

ROLES = ("coordinator.spvm", "irss", "health", "admin")
# Links a crawl does not follow: they leave the session, answer a file (CSV, JSON), or leave French.
_NOT_FOLLOWED = re.compile(r"sign-out|download=|\.csv|/export|/static/|^/$|^/console$")


def _href_targets(html: str, base: str, prefix: str) -> list[str]:
    out = []
    for href in re.findall(r'href="([^"#]+)', html):
        url = urljoin(base, unescape(href))
        parts = urlsplit(url)
        if parts.netloc and parts.netloc not in ("localhost", ""):
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if path.startswith(prefix) and not _NOT_FOLLOWED.search(path):
            out.append(path)
    return out


# A date or time written for a machine (2027-03-07, 23:59) where a person reads: the Translation Bureau writes
# « le 7 mars 2027 à 23 h 59 (heure d'Ottawa) » (domain/localtime.py). Canada.ca's "Date modified" footer is ISO 8601
# by the Canada.ca specification, and is left out.
_MACHINE_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}:\d{2}\b(?![\u00a0 ][ap]\.m\.)")
_DATE_MODIFIED = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def machine_dates(where: str, runs: list[str]) -> list[str]:
    return [f"{where}: a date or time as a machine writes it: {run[:120]!r}" for run in runs
            if _MACHINE_DATE.search(run) and not _DATE_MODIFIED.match(run)]


class Walk:
    """The French page states seen, each checked; ``problems`` lists what breaks the spacing rules."""

    def __init__(self, lang: str = "fr") -> None:
        self.lang = lang
        self.seen: dict[str, int] = {}
        self.problems: list[str] = []

    def check(self, name: str, response: Any) -> str:
        html = response.body.decode("utf-8")
        assert "text/html" in response.headers.get("Content-Type", ""), (name, response.headers)
        assert f'<html lang="{self.lang}"' in html, name
        self.seen[name] = response.status_code
        if self.lang == "fr":
            self.problems += page_problems(name, html)
        self.problems += machine_dates(name, page_runs(html, self.lang))
        return html

    def crawl(self, browser: WebClient, starts: Iterable[str], prefix: str, limit: int, who: str = "") -> None:
        """Every GET page under ``prefix`` that the pages from ``starts`` link to, breadth first, ``limit`` at most
        (a page state is named by who sees it and its address)."""
        queue, done = deque(starts), set()
        while queue and len(done) < limit:
            url = queue.popleft()
            if url in done:
                continue
            done.add(url)
            r = browser.get(url)
            if r.status_code in (301, 302, 303):
                queue.appendleft(r.headers["Location"])
                continue
            if "text/html" not in r.headers.get("Content-Type", ""):
                continue
            html = self.check(f"{who} {url}".strip(), r)
            queue.extend(_href_targets(html, url, prefix))


@pytest.fixture
def walk() -> Walk:
    return Walk()


def _applicant(web: WebClient, walk: Walk) -> str:
    """The application through its task list in French, each page and its errors; the file's id."""
    doc = application(email="zoe.roy@example.ca", preferred_language="fr")
    walk.crawl(web, ["/fr/missions", "/fr/privacy", "/fr/contact", "/fr/terms", "/fr/access",
                     "/fr/missions?kind=un", "/fr/missions/does-not-exist"], "/fr/", limit=60)
    r = web.get("/fr/apply?mission=haiti-minustah")
    call = r.headers["Location"]
    walk.check("call-start", web.get(call))
    first = walk.check("apply-first", web.get(call + "/apply"))
    walk.check("apply-first-errors", web.post(call + "/apply", [("draft_key", hidden(first, "draft_key"))]))
    draft_id = start_draft(web, doc, "fr")
    walk.check("task-list", web.get(f"/fr/drafts/{draft_id}"))
    for p in drafts.route(doc)[1:]:
        walk.check(f"page-{p.id}", web.get(f"/fr/drafts/{draft_id}/pages/{p.id}"))
        wrong = [(k, "x" * 3 if not v.isdigit() else "-1") for k, v in page_fields(p.id, doc)]
        answer = web.post(f"/fr/drafts/{draft_id}/pages/{p.id}", wrong)
        if answer.status_code == 422:
            walk.check(f"page-{p.id}-errors", answer)
        answered = web.post(f"/fr/drafts/{draft_id}/pages/{p.id}", page_fields(p.id, doc))
        assert answered.status_code == 303, (p.id, answered.body.decode()[:2000])
    walk.check("check-answers", web.get(f"/fr/drafts/{draft_id}/check"))
    sent = web.post(f"/fr/drafts/{draft_id}/check", [])
    assert sent.status_code == 303, sent.body.decode()[:2000]
    confirmation = sent.headers["Location"]
    walk.check("confirmation", web.get(confirmation))
    return confirmation.split("/")[3]


def _file_pages(web: WebClient, walk: Walk, app_id: str) -> None:
    base = f"/fr/status/{app_id}"
    walk.crawl(web, [base], base, limit=30)
    walk.check("family-readiness-errors", web.post(f"{base}/family-readiness",
                                                   form_fields(family_readiness(dependants="7, onze",
                                                                                emergency_contact_phone="abc"))))
    saved = web.post(f"{base}/family-readiness", form_fields(family_readiness()))
    walk.check("family-readiness-saved", web.follow(saved))
    walk.check("withdraw-errors", web.post(f"{base}/withdraw", [("expected_stage", "submitted")]))
    confirm = web.post(f"{base}/withdraw", [("reason_code", "family_reasons"), ("expected_stage", "submitted")])
    if confirm.status_code in (302, 303):
        confirm = web.follow(confirm)
    html = walk.check("withdraw-confirm", confirm)
    action = re.search(r'<form[^>]+action="([^"]+)"[^>]*>(?:(?!</form>).)*gc-button-danger', html, re.S)
    if action:
        fields = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html)
        done = web.post(unescape(action.group(1)), [(n, unescape(v)) for n, v in fields if n != "csrf_token"])
        walk.check("status-withdrawn", web.follow(done) if done.status_code in (302, 303) else done)
        walk.check("file-closed", web.get(f"{base}/family-readiness"))
    walk.check("access-errors", web.post("/fr/access", [("email", "pas une adresse")]))
    walk.check("access-sent", web.post("/fr/access", [("email", "zoe.roy@example.ca")]))
    walk.check("no-access", WebClient(web.client).get(base))


def _deployed(client: Any, tokens: dict[str, str], walk: Walk) -> None:
    """An SPVM officer's Iraq file moved to deployed by each role through the API; its pages in French."""
    prelim = list(json.loads(open("chalicelib/data/workflow.json", encoding="utf-8").read())["preliminary_forms"])
    r = post_json(client, "/applications", application(email="deploye@example.ca", missions=["iraq-mlt"]))
    assert r.status_code == 201, r.body
    created = json.loads(r.body)
    app_id = created["application_id"]
    for who, frm, to in (("coordinator.spvm", "submitted", "service_review"),
                         ("coordinator.spvm", "service_review", "irss_review"),
                         ("irss", "irss_review", "preliminary_instructions")):
        move(client, tokens[who], app_id, to, frm)
    auth = {"Authorization": f"Bearer {tokens['irss']}"}
    assert post_json(client, f"/admin/applications/{app_id}/forms-returned", {"forms": prelim}, **auth).status_code == 200
    family = client.http.put(f"/applications/{app_id}/family-readiness", body=json.dumps(family_readiness()),
                             headers={"Content-Type": "application/json",
                                      "Authorization": f"Bearer {created['access_token']}"})
    assert family.status_code == 200, family.body
    move(client, tokens["irss"], app_id, "medical", "preliminary_instructions")
    health = client.http.put(f"/admin/applications/{app_id}/medical-outcome", body=json.dumps({"outcome": "fit"}),
                             headers={"Content-Type": "application/json",
                                      "Authorization": f"Bearer {tokens['health']}"})
    assert health.status_code == 200, health.body
    for frm, to in (("medical", "final_recommendation"), ("final_recommendation", "joining_instructions"),
                    ("joining_instructions", "training"), ("training", "deployed")):
        move(client, tokens["irss"], app_id, to, frm)
    web = WebClient(client)
    base = f"/fr/status/{app_id}"
    web.get(f"{base}?token={created['access_token']}")
    walk.crawl(web, [base], base, limit=20)
    early = walk.check("end-mission-early", web.get(f"{base}/withdraw"))
    choice = re.search(r'name="reason_code" value="(ended_mission_early)"', early)
    if choice:
        confirm = web.post(f"{base}/withdraw", [("reason_code", choice.group(1)), ("expected_stage", "deployed")])
        walk.check("end-mission-early-confirm", web.follow(confirm) if confirm.status_code in (302, 303) else confirm)


def test_every_french_page_state_and_email_has_the_bureaus_spacing(client: Any, tokens: dict[str, str],
                                                                   signed: Any, walk: Walk) -> None:
    # Given the applicant's journey in French, a deployed officer's file, and the console in French for each role
    web = WebClient(client)
    app_id = _applicant(web, walk)
    _file_pages(web, walk, app_id)
    _deployed(client, tokens, walk)
    for role in ROLES:
        walk.crawl(signed(role, "fr"), ["/console/fr/queue"], "/console/fr/", limit=100, who=role)
    # When every page state is read, and every email the journey sent in French
    mails = [m for m in sent_messages() if re.search(r"Bonjour|Opérations de paix", m.body)]
    for n, mail in enumerate(mails):
        runs = [mail.subject, *page_runs(mail.body)]
        walk.problems += text_problems(f"email {n} « {mail.subject} »", runs) + machine_dates(f"email {n}", runs)
    # Then each is seen, and none breaks the spacing rules
    assert len(walk.seen) > 60 and len(mails) >= 5
    assert {"confirmation", "check-answers", "withdraw-errors", "access-errors", "irss /console/fr/queue", "admin /console/fr/queue"} <= set(walk.seen)
    assert walk.problems == []


def test_the_english_pages_write_dates_and_times_as_people_do(client: Any, signed: Any) -> None:
    # Given the public pages in English and the console in English for an administrator and IRSS, a file submitted
    walk = Walk("en")
    web = WebClient(client)
    post_json(client, "/applications", application(email="sam@example.ca", preferred_language="en"))
    walk.crawl(web, ["/en/missions", "/en/contact", "/en/privacy"], "/en/", limit=40)
    for role in ("admin", "irss"):
        walk.crawl(signed(role, "en"), ["/console/en/queue", "/console/en/calls"], "/console/en/", limit=60, who=role)
    # When every page state is read, Then each date and time is written as "March 7, 2027, 11:59 p.m. (Ottawa time)"
    assert len(walk.seen) > 40 and "admin /console/en/calls" in walk.seen
    assert walk.problems == []


SAMPLES = {"reference": "PO-ABCD-EFGH", "mission": "Haïti\u00a0: MINUSTAH", "cap": "Haïti", "name": "Zoé Roy",
           "stage_label": "Sélection initiale", "next_step": "Votre service de police examine votre candidature.",
           "status_url": "https://peaceops.example.ca/fr/status/po-abc", "access_url": "https://peaceops.example.ca/fr/access",
           "link_url": "https://peaceops.example.ca/fr/status/po-abc?token=t0k", "console_url": "https://peaceops.example.ca/console/fr"}


def _sample(name: str) -> str:
    return SAMPLES.get(name, "12" if re.search(r"days|seats|count|positions|score|mark", name) else "valeur")


@pytest.mark.parametrize("template_id", sorted(k for k, v in emails.templates().items() if isinstance(v, dict)))
def test_every_email_template_in_french_has_the_bureaus_spacing(template_id: str) -> None:
    # Given the template rendered in French with sample values (figures as the program fills them)
    template = emails.templates()[template_id]
    names = {*emails.params_for(template_id), *emails.placeholders(template["subject"]["fr"] + template["body"]["fr"])}
    subject, text, html = emails.render(template_id, "fr", {name: _sample(name) for name in names})
    # When its subject, text part and HTML part are read
    found = [f"{what}: {', '.join(p)}: {line[:100]!r}" for what, lines in
             (("subject", [subject]), ("text", text.splitlines()), ("html", page_runs(html)))
             for line in lines if (p := spacing_problems(line))]
    # Then none breaks the spacing rules
    assert found == []
