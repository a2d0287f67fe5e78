"""Who read what, and what is held about an applicant (issue 21: the Privacy Act lifecycle).

Every staff read of a file (the file itself, its family-readiness form, its documents' list, one document, a CSV
export it was in, the Privacy Act package) leaves one record under ``reads#<application id>`` in the audit table:
who (username and role), when, what, from where. IRSS and administrators see it on the file (API and console);
coordinators and health staff never; the applicant sees the days program staff consulted the file, never who.
The applicant can download everything held about them; IRSS produce the complete package for a formal request.
"""
from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from chalicelib.domain.bulletins import PROGRAM_TIME

from .conftest import VALID_FAMILY_READINESS, bearer, put_document, staff_call, submit
from .web_client import WebClient

UA = "Mozilla/5.0 (X11; Linux x86_64) peaceops-test"


def _reads(application_id: str) -> list[Any]:
    from chalicelib.api.wiring import deps

    return deps().store.audit.trail(f"reads#{application_id}")


def _trail(application_id: str) -> list[Any]:
    from chalicelib.api.wiring import deps

    return deps().store.audit.trail(f"application#{application_id}")


def _file(application_id: str) -> Any:
    from chalicelib.api.wiring import deps

    return deps().store.files.get(application_id)


def _get(client: Any, path: str, token: str) -> Any:
    return client.http.get(path, headers={**bearer(token), "User-Agent": UA})


def _with_family_readiness(client: Any, created: dict[str, Any]) -> None:
    r = client.http.put(f"/applications/{created['application_id']}/family-readiness",
                        headers={**bearer(created["access_token"]), "Content-Type": "application/json"},
                        body=json.dumps(VALID_FAMILY_READINESS))
    assert r.status_code == 200, r.body


def test_each_kind_of_staff_read_leaves_one_record_with_who_when_what_and_from_where(client, tokens):
    # Given an SPVM file with its family-readiness form and a scanned qualification document
    created = submit(client)
    app_id = created["application_id"]
    _with_family_readiness(client, created)
    document_id = put_document(app_id, "first_aid_cpr")
    version = _file(app_id).version

    # When IRSS reads the file, SPVM's coordinator lists its documents and opens one, an administrator exports the
    # list, and IRSS produce the Privacy Act package
    assert _get(client, f"/admin/applications/{app_id}", tokens["irss"]).status_code == 200
    assert _get(client, f"/admin/applications/{app_id}/documents", tokens["coordinator.spvm"]).status_code == 200
    assert _get(client, f"/admin/applications/{app_id}/documents/{document_id}",
                tokens["coordinator.spvm"]).status_code == 303
    assert _get(client, "/admin/reports/applications.csv?mission=haiti-minustah", tokens["admin"]).status_code == 200
    assert _get(client, f"/admin/applications/{app_id}/privacy-package", tokens["irss"]).status_code == 200

    # Then each read left its record, in order, in the store of reads (by storage, not through the API)
    rows = _reads(app_id)
    assert [(r.kind, r.actor_role, r.details["username"]) for r in rows] == [
        ("file_read", "irss", "irss"), ("family_readiness_read", "irss", "irss"),
        ("documents_listed", "service_coordinator", "coordinator.spvm"),
        ("document_read", "service_coordinator", "coordinator.spvm"),
        ("export_read", "admin", "admin"), ("privacy_package", "irss", "irss")]
    for r in rows:
        assert r.details["source_ip"] == "127.0.0.1" and r.details["user_agent"] == UA, r
        assert r.details["channel"] == "api" and r.at.endswith("Z") and r.actor_id, r
    assert rows[3].details["document_id"] == document_id and rows[3].details["document_kind"] == "first_aid_cpr"
    assert rows[4].details["filters"] == {"mission": "haiti-minustah"} and rows[4].details["rows"] >= 1
    # ...the file itself did not change for being read (the opening's own audit row keeps its times), and no read
    # is part of its history as coordinators see it
    assert _file(app_id).version == version + 1  # the document's opening, audited on the file as before
    view = json.loads(_get(client, f"/admin/applications/{app_id}", tokens["coordinator.spvm"]).body)
    assert not [a for a in view["audit"] if a["kind"].endswith("_read") or a["kind"] == "documents_listed"]
    assert "reads" not in view


def test_the_read_log_is_for_irss_and_administrators_never_coordinators_or_health(client, tokens):
    # Given a file at the medical stage that each role has read
    from chalicelib.adapters.models import ApplicationModel

    app_id = submit(client)["application_id"]
    ApplicationModel(app_id).update(actions=[ApplicationModel.stage.set("medical")])
    views = {who: json.loads(_get(client, f"/admin/applications/{app_id}", tokens[who]).body)
             for who in ("coordinator.spvm", "health", "irss", "admin")}
    # Then the API gives the read log to IRSS and administrators only
    assert "reads" not in views["coordinator.spvm"] and "reads" not in views["health"]
    assert [r["username"] for r in views["irss"]["reads"]] == ["irss", "health", "coordinator.spvm"]
    # ...and an administrator (no medical access) sees no read by health staff: who consulted it says nothing of a
    # medical assessment
    assert [r["username"] for r in views["admin"]["reads"]] == ["admin", "irss", "coordinator.spvm"]
    assert {"actor_role", "username", "source_ip", "user_agent", "at", "kind", "channel"} <= set(views["irss"]["reads"][0])


def test_the_console_file_page_shows_the_read_log_to_irss_and_administrators_only(client):
    from .test_console_sign_in import first_sign_in

    app_id = submit(client)["application_id"]
    pages = {}
    for who in ("coordinator.spvm", "health", "irss", "admin"):
        browser = WebClient(client)
        first_sign_in(browser, who)
        r = browser.get(f"/console/{'fr' if who == 'admin' else 'en'}/files/{app_id}", **{"User-Agent": UA})
        assert r.status_code == 200, (who, r.status_code)
        pages[who] = r.body.decode()
    # Then the section is on IRSS's (English) and the administrator's (French) page, with who, what and from where
    assert 'id="reads-heading">Who read this file' in pages["irss"]
    assert 'id="reads-heading">Qui a consulté ce dossier' in pages["admin"]
    assert "coordinator.spvm (" in pages["irss"] and "health (" in pages["irss"]
    assert "health (" not in pages["admin"]  # no read by health staff for a role without medical access
    assert "127.0.0.1" in pages["irss"] and UA in pages["irss"] and "Console" in pages["irss"]
    # ...never on the coordinator's or health staff's
    for who in ("coordinator.spvm", "health"):
        assert 'id="reads"' not in pages[who] and UA not in pages[who], who
    # ...and each page view was recorded, from the console
    assert {r.details["channel"] for r in _reads(app_id)} == {"console"}


def _status_page(client: Any, created: dict[str, Any], rest: str = "", lang: str = "en") -> Any:
    browser = WebClient(client)
    opened = browser.get(f"/{lang}/status/{created['application_id']}?token={created['access_token']}")
    assert opened.status_code == 200, opened.body
    return browser, browser.get(f"/{lang}/status/{created['application_id']}{rest}")


def _consulted_section(page: str) -> str:
    match = re.search(r'<h2 id="consulted-heading">.*?</ul>', page, re.S)
    assert match, "no consultation section"
    return match.group(0)


def test_the_applicant_sees_that_program_staff_consulted_the_file_never_who(client, tokens):
    # Given two files read the same day: one by health staff, one by its coordinator
    from chalicelib.adapters.models import ApplicationModel

    by_health, by_coordinator = (submit(client, email=f"{who}@example.ca") for who in ("a", "b"))
    ApplicationModel(by_health["application_id"]).update(actions=[ApplicationModel.stage.set("medical")])
    _get(client, f"/admin/applications/{by_health['application_id']}", tokens["health"])
    _get(client, f"/admin/applications/{by_coordinator['application_id']}", tokens["coordinator.spvm"])
    # When each applicant opens their status page
    sections = {}
    for label, created in (("health", by_health), ("coordinator", by_coordinator)):
        _, r = _status_page(client, created)
        page = r.body.decode()
        sections[label] = _consulted_section(page)
        assert "Staff of the program consulted your file" in sections[label]
        # Then it names no one: no username, no role, no service
        for word in ("health", "Health", "coordinator", "irss", "IRSS", "santé"):
            assert word not in sections[label], (label, word)
    # ...and the two read alike: who read it (health staff or not) cannot be told
    assert sections["health"] == sections["coordinator"]


def _held(client: Any, created: dict[str, Any], lang: str = "en") -> tuple[Any, dict[str, Any]]:
    _, r = _status_page(client, created, "/my-information?download=json", lang)
    assert r.status_code == 200, r.body
    return r, json.loads(r.body)


def test_the_applicant_download_holds_every_record_of_the_file_and_nothing_of_another(client, tokens):
    from chalicelib.api.wiring import deps
    from chalicelib.services import applicant

    # Given a file with its family-readiness form, a document, a staff note, a move and staff reads, and another file
    created = submit(client)
    app_id = created["application_id"]
    other = submit(client, email="someone.else@example.ca", given_name="Zéphirin", family_name="Autrefichier")
    _with_family_readiness(client, created)
    document_id = put_document(app_id, "first_aid_cpr")
    note = "Secret staff note: called the referee."
    assert staff_call(client, "post", f"/admin/applications/{app_id}/notes", tokens["irss"],
                      {"note": note}).status_code == 201
    assert staff_call(client, "post", f"/admin/applications/{app_id}/moves", tokens["coordinator.spvm"],
                      {"to_stage": "service_review", "expected_stage": "submitted"}).status_code == 200
    _get(client, f"/admin/applications/{app_id}", tokens["health"])
    _get(client, f"/admin/applications/{other['application_id']}", tokens["irss"])

    # When the applicant downloads everything held about them
    r, held = _held(client, created)

    # Then it is a JSON attachment...
    assert r.headers["Content-Type"].startswith("application/json")
    assert r.headers["Content-Disposition"].startswith("attachment;")
    # ...holding every record of the file, compared against the storage itself
    store = deps().store
    file = store.files.get(app_id)
    assert held["answers"] == dict(file.form)
    assert held["family_readiness"]["form"] == dict(store.files.family_readiness(app_id).form)
    applicant_emails = [m for m in store.outbox.for_application(app_id) if m.recipient == "applicant"]
    assert [e["message_id"] for e in held["emails"]] == [m.message_id for m in applicant_emails] != []
    assert all(e["subject"]["en"] and e["subject"]["fr"] and e["status"] for e in held["emails"])
    assert [d["document_id"] for d in held["documents"]] == [document_id]
    assert held["documents"][0]["state"] == "accepted" and held["documents"][0]["label"]["en"]
    assert [(h["at"], h["stage"]) for h in held["history"]] == [
        (h["at"], h["stage"]) for h in applicant.timeline(deps(), file)]
    assert held["history"][-1]["stage"] == "service_review"
    # Days in Ottawa, as the applicant is told (between 19:00 and midnight EST, not the UTC day)
    ottawa_days = {datetime.fromisoformat(r.at.replace("Z", "+00:00")).astimezone(PROGRAM_TIME).date().isoformat()
                   for r in _reads(app_id)}
    assert held["consulted_on"] == sorted(ottawa_days) != []
    assert held["package"] == {**held["package"], "kind": "applicant_copy", "application_id": app_id}
    # ...and nothing of another file, no staff note, no staff member's name or role
    text = json.dumps(held, ensure_ascii=False)
    for absent in (other["application_id"], "someone.else@example.ca", "Zéphirin", "Autrefichier", note,
                   "coordinator.spvm", "service_coordinator", '"irss"', '"health"', "127.0.0.1"):
        assert absent not in text, absent
    assert "notes" not in held and "reads" not in held


def test_the_readable_page_is_bilingual_and_opens_only_for_its_own_file(client):
    created, other = submit(client), submit(client, email="someone.else@example.ca")
    _with_family_readiness(client, created)
    # When the applicant opens the page in French
    _, r = _status_page(client, created, "/my-information", "fr")
    page = r.body.decode()
    # Then it lists their answers, their form and where to download it, in French
    assert r.status_code == 200 and "Tous les renseignements que nous détenons à votre sujet" in page
    assert "Côté-Tremblay" in page and "François Côté" in page and "download=json" in page
    # ...and another file's page does not open with this file's cookie
    browser, _ = _status_page(client, created)
    for rest in ("/my-information", "/my-information?download=json"):
        refused = browser.get(f"/en/status/{other['application_id']}{rest}")
        assert refused.status_code == 403 and "someone.else" not in refused.body.decode(), rest


def test_irss_package_holds_the_notes_the_whole_trail_and_the_read_log_and_is_recorded(client, tokens):
    created = submit(client)
    app_id = created["application_id"]
    _with_family_readiness(client, created)
    note = "Referee called back."
    staff_call(client, "post", f"/admin/applications/{app_id}/notes", tokens["coordinator.spvm"], {"note": note})
    _get(client, f"/admin/applications/{app_id}", tokens["admin"])
    # When IRSS produce the package for a formal Privacy Act request
    r = _get(client, f"/admin/applications/{app_id}/privacy-package", tokens["irss"])
    assert r.status_code == 200, r.body
    package = json.loads(r.body)
    # Then it is an attachment with the notes, the whole trail, family readiness, emails, and the read log,
    # its own production included (the first, newest, row)
    assert r.headers["Content-Disposition"].startswith("attachment;")
    assert package["package"]["kind"] == "privacy_act_request"
    assert [n["note"] for n in package["notes"]] == [note]
    assert len(package["history"]) == len(_trail(app_id)) and package["history"][0]["kind"] == "submitted"
    assert package["family_readiness"]["form"]["emergency_contact_name"] == "François Côté"
    assert [(x["kind"], x["username"]) for x in package["reads"]] == [("privacy_package", "irss"),
                                                                       ("file_read", "admin")]
    assert "medical_outcome" in package["file"] and package["emails"]
    # ...and nobody else may produce it
    for who in ("coordinator.spvm", "health", "admin"):
        assert _get(client, f"/admin/applications/{app_id}/privacy-package", tokens[who]).status_code == 403, who


def test_a_read_that_cannot_be_recorded_is_refused_not_answered(client, tokens):
    # Given a file, and the audit table gone (the store of reads cannot be written)
    import boto3

    from chalicelib.adapters.models import AuditModel

    app_id = submit(client)["application_id"]
    boto3.client("dynamodb", region_name="ca-central-1").delete_table(TableName=AuditModel.Meta.table_name)
    # When IRSS open the file
    r = _get(client, f"/admin/applications/{app_id}", tokens["irss"])
    # Then the answer is a clear 503 in the caller's language, and none of the file
    assert r.status_code == 503, r.body
    assert r.headers["Content-Type"] == "application/problem+json"
    body = json.loads(r.body)
    assert body["code"] == "read-not-recorded" and "Hélène" not in r.body.decode()
    fr = client.http.get(f"/admin/applications/{app_id}", headers={**bearer(tokens["irss"]), "Accept-Language": "fr"})
    assert fr.status_code == 503 and "consignée" in json.loads(fr.body)["detail"]
