"""Issue 21, finding 1: a medical outcome must not be inferable by a role without medical access.

Two files walk the same path through the real routes on moto, side by side, to the health assessment: health
staff record ``unfit`` on one and close it on medical grounds; they record ``fit`` on the other and IRSS closes
it as not selected, at the same stage. A service coordinator and an administrator then read both everywhere
they can: the API's file, list rows, stage filter and search, the CSV export (both languages), a move tried on
each, the console's file page, the pipeline report and the dashboard (how each closing moved the counts), and the
emails the coordinator received. Field by field, the two must read the same, apart from what legitimately
differs (ids, references, addresses, times). Medical readers still see the truth, and so does the applicant.
"""
from __future__ import annotations

import csv
import io
import json
import re
from html import unescape
from pathlib import Path
from typing import Any

import pytest

from tests.typography import SHOWN_TIME

from .conftest import bearer, family_readiness, move, sent_messages, staff_call, submit
from .test_console_sign_in import first_sign_in
from .web_client import WebClient

DATA = Path(__file__).resolve().parents[2] / "chalicelib" / "data"
WORKFLOW = json.loads((DATA / "workflow.json").read_text(encoding="utf-8"))
COORDINATOR = {s["code"]: s["coordinator_email"]
               for s in json.loads((DATA / "police_services.json").read_text(encoding="utf-8"))["services"]}["spvm"]
MISSION = "iraq-mlt"  # no interview, no UN modules: the shortest way to the health assessment
TIME_KEYS = {"at", "created_at", "sent_at", "submitted_at", "updated_at", "delivery_at", "requested_at",
             "expires_at", "ses_message_id", "uploaded_at"}
# A date, a time or both, as the API (ISO 8601) and the pages and exports (local, zone named) write them.
TIME = re.compile(SHOWN_TIME.pattern + r"|\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\+00:00|Z)?)?(?: (?:[A-Z]{3}|HNE|HAE))?"
                  r"|\b\d{1,2} ?[:h] ?\d{2}\b")
WHO_HEALTH = {"en": "Health Services", "fr": "Services de santé"}  # the console's name for health staff
SELECTION_TEAM = {"en": "The selection team", "fr": "L'équipe de sélection"}
DECISION = {"en": "Decision of the selection team", "fr": "Décision de l'équipe de sélection"}
HEALTH_NOTE, IRSS_NOTE = "Résultats cardiaques à revoir", "Board decided on the file"


class Closed:
    """One of the two files, and what is replaced before comparing (its id, reference and address)."""

    def __init__(self, created: dict[str, Any], email: str) -> None:
        self.app_id, self.email = created["application_id"], email
        self.reference = ""
        self.token = created["access_token"]

    def neutral(self, value: Any) -> Any:
        """``value`` with this file's own id, reference, address and every time replaced by placeholders."""
        if isinstance(value, dict):
            return {k: "<time>" if k in TIME_KEYS and v else self.neutral(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.neutral(v) for v in value]
        if isinstance(value, str):
            for own, mark in ((self.app_id, "<id>"), (self.reference, "<ref>"), (self.reference.replace("-", ""),
                                                                                  "<ref>"), (self.email, "<email>")):
                value = value.replace(own, mark) if own else value
            return TIME.sub("<time>", value)
        return value


def api(client: Any, token: str, path: str) -> Any:
    r = staff_call(client, "get", path, token)
    assert r.status_code == 200, (path, r.body)
    return json.loads(r.body)


def ok(r: Any) -> Any:
    assert r.status_code == 200, r.body
    return json.loads(r.body)


def to_medical(client: Any, tokens: dict[str, str], email: str) -> Closed:
    """A file walked to the health assessment: the coordinator's two moves, IRSS's, the forms and family readiness."""
    f = Closed(submit(client, email=email, missions=[MISSION]), email)
    for who, to, expected in (("coordinator.spvm", "service_review", "submitted"),
                              ("coordinator.spvm", "irss_review", "service_review"),
                              ("irss", "preliminary_instructions", "irss_review")):
        ok(move(client, tokens[who], f.app_id, to, expected))
    ok(staff_call(client, "post", f"/admin/applications/{f.app_id}/forms-returned", tokens["irss"],
                  {"forms": list(WORKFLOW["preliminary_forms"])}))
    r = client.http.put(f"/applications/{f.app_id}/family-readiness", body=json.dumps(family_readiness()),
                        headers={"Content-Type": "application/json", **bearer(f.token)})
    assert r.status_code == 200, r.body
    ok(move(client, tokens["irss"], f.app_id, "medical", "preliminary_instructions"))
    f.reference = api(client, tokens["irss"], f"/admin/applications/{f.app_id}")["reference"]
    return f


def close(client: Any, token: str, f: Closed, to: str, reason: str, note: str) -> None:
    body = {"to_stage": to, "expected_stage": "medical", "reason_code": reason, "note": note}
    ok(staff_call(client, "post", f"/admin/applications/{f.app_id}/moves", token, body))


def text(html_page: str) -> str:
    """What a person reads on a page: the text, without tags (and so without hidden fields)."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html_page))).strip()


def funnel(browser: WebClient) -> dict[str, int]:
    """The dashboard's table of the mission's files by stage, as its rows read."""
    page = browser.get("/console/en/dashboard").body.decode()
    section = re.search(rf'aria-labelledby="funnel-{MISSION}-heading">(.*?)</section>', page, re.S)
    assert section, "no funnel for the mission"
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</th><td>(\d+)</td>", section.group(1))
    return {unescape(label): int(n) for label, n in rows}


def pipeline(client: Any, token: str) -> dict[str, int]:
    report = api(client, token, "/admin/reports/pipeline")
    return next(m for m in report["missions"] if m["mission_id"] == MISSION)["counts"]


def delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {k: after.get(k, 0) - before.get(k, 0) for k in set(before) | set(after) if after.get(k, 0) != before.get(k, 0)}


def csv_rows(client: Any, token: str, lang: str) -> list[list[str]]:
    r = staff_call(client, "get", f"/admin/reports/applications.csv?lang={lang}&mission={MISSION}", token)
    assert r.status_code == 200, r.body
    return list(csv.reader(io.StringIO(r.body.decode("utf-8-sig"))))


def row_of(rows: list[list[str]], f: Closed) -> list[str]:
    [row] = [r for r in rows if f.reference in r]
    return row


@pytest.mark.parametrize("viewer", ["coordinator.spvm", "admin"])
def test_a_file_closed_on_medical_grounds_reads_as_one_irss_closed_at_the_same_stage(client: Any, tokens: Any,
                                                                                    viewer: str) -> None:
    # Given the viewer signed in to the console, and two files at the health assessment, each with an outcome
    browser = WebClient(client)
    first_sign_in(browser, viewer)
    token = tokens[viewer]
    unfit = to_medical(client, tokens, "a.cote@example.ca")
    by_irss = to_medical(client, tokens, "b.cote@example.ca")
    for f, outcome in ((unfit, "unfit"), (by_irss, "fit")):
        ok(staff_call(client, "put", f"/admin/applications/{f.app_id}/medical-outcome", tokens["health"],
                      {"outcome": outcome}))
    counts, charts = [pipeline(client, token)], [funnel(browser)]
    # When health staff close one on medical grounds, and IRSS closes the other as not selected, at that stage
    close(client, tokens["health"], unfit, "medically_unfit", "medical_requirements_not_met", HEALTH_NOTE)
    counts.append(pipeline(client, token))
    charts.append(funnel(browser))
    close(client, tokens["irss"], by_irss, "not_selected", "criteria_not_met", IRSS_NOTE)
    counts.append(pipeline(client, token))
    charts.append(funnel(browser))
    mails = sent_messages()  # every email written so far, delivered as the stream delivers them
    pair = (unfit, by_irss)

    # Then the API's whole file reads the same, field by field (audit rows, reason, note, emails, eligibility)
    views = [f.neutral(api(client, token, f"/admin/applications/{f.app_id}")) for f in pair]
    for key in views[1]:
        assert views[0].get(key) == views[1][key], key
    assert views[0] == views[1]
    last = views[0]["audit"][-1]
    assert last["to_stage"] == "not_selected" and last["actor_role"] not in ("health", "irss")
    assert HEALTH_NOTE not in json.dumps(views) and IRSS_NOTE not in json.dumps(views)
    # And so do its list rows: the mission's list, the "not selected" filter (both files in it), and the search
    listed = api(client, token, f"/admin/applications?mission={MISSION}")["items"]
    rows = [f.neutral(next(i for i in listed if i["application_id"] == f.app_id)) for f in pair]
    assert rows[0] == rows[1]
    filtered = api(client, token, f"/admin/applications?mission={MISSION}&stage=not_selected")["items"]
    assert {i["application_id"] for i in filtered} >= {unfit.app_id, by_irss.app_id}
    assert [f.neutral(next(i for i in filtered if i["application_id"] == f.app_id)) for f in pair] == rows
    found = [f.neutral(api(client, token, f"/admin/search?q={f.reference}")["items"]) for f in pair]
    assert found[0] == found[1] and len(found[0]) == 1
    # And the CSV's rows, every column (Reason included), in both languages
    for lang in ("en", "fr"):
        table = csv_rows(client, token, lang)
        cells = [f.neutral(row_of(table, f)) for f in pair]
        assert cells[0] == cells[1], lang
    # And a move tried on each is answered alike, whatever stage it names
    for expected in ("not_selected", "medically_unfit"):
        answers = [staff_call(client, "post", f"/admin/applications/{f.app_id}/moves", token,
                              {"to_stage": "withdrawn", "expected_stage": expected, "reason_code": "applicant_request"})
                   for f in pair]
        said = [(r.status_code, f.neutral(json.loads(r.body))) for r, f in zip(answers, pair, strict=True)]
        assert said[0] == said[1] and said[0][0] in (403, 409), (expected, said)
    # And the console's file page, in both languages: its whole text, the history's closing row included
    for lang in ("en", "fr"):
        pages = [f.neutral(text(browser.get(f"/console/{lang}/files/{f.app_id}").body.decode())) for f in pair]
        assert pages[0] == pages[1], lang
        closing = f"{WORKFLOW['stages']['not_selected']['label'][lang]} {WHO_HEALTH[lang]}"
        assert closing not in pages[0], closing  # the closing row names no health staff
        neutral = f"{WORKFLOW['stages']['not_selected']['label'][lang]} {SELECTION_TEAM[lang]} {DECISION[lang]}"
        assert neutral in pages[0], neutral  # the selection team's decision, in words
    # And each closing moved the pipeline's counts and the dashboard's funnel the same way
    assert delta(counts[0], counts[1]) == delta(counts[1], counts[2]) != {}
    assert delta(charts[0], charts[1]) == delta(charts[1], charts[2]) != {}
    # And the coordinator's emails about the two files read the same
    theirs = [[(f.neutral(m.subject), f.neutral(m.body)) for m in mails
               if m.destinations["ToAddresses"] == [COORDINATOR] and f.reference in m.subject] for f in pair]
    assert theirs[0] == theirs[1] and theirs[0]


def test_medical_readers_and_the_applicant_still_read_the_truth(client: Any, tokens: Any) -> None:
    # Given the same two files, closed the same two ways
    unfit = to_medical(client, tokens, "a.cote@example.ca")
    by_irss = to_medical(client, tokens, "b.cote@example.ca")
    for f, outcome in ((unfit, "unfit"), (by_irss, "fit")):
        ok(staff_call(client, "put", f"/admin/applications/{f.app_id}/medical-outcome", tokens["health"],
                      {"outcome": outcome}))
    close(client, tokens["health"], unfit, "medically_unfit", "medical_requirements_not_met", HEALTH_NOTE)
    close(client, tokens["irss"], by_irss, "not_selected", "criteria_not_met", IRSS_NOTE)
    # Then IRSS and health read who closed each, why, and the outcome
    for who in ("irss", "health"):
        a, b = (api(client, tokens[who], f"/admin/applications/{f.app_id}") for f in (unfit, by_irss))
        assert (a["stage"], a["medical_outcome"], b["stage"], b["medical_outcome"]) == (
            "medically_unfit", "unfit", "not_selected", "fit")
        assert [(r["actor_role"], r["reason_code"], r["note"]) for r in (a["audit"][-1], b["audit"][-1])] == [
            ("health", "medical_requirements_not_met", HEALTH_NOTE), ("irss", "criteria_not_met", IRSS_NOTE)]
    table = csv_rows(client, tokens["irss"], "en")  # health staff export nothing
    assert [row_of(table, f)[3:5] for f in (unfit, by_irss)] == [
        ["Medical requirements not met", "Medical or psychological requirements not met"],
        ["Not selected", "Selection criteria not met"]]
    # And the applicant's own status still says their file closed on medical grounds
    status = ok(client.http.get(f"/applications/{unfit.app_id}", headers=bearer(unfit.token)))
    assert status["stage"] == "medically_unfit"
