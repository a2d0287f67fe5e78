"""Documents (issue 15): the applicant's upload forms posting straight to S3 (moto, in process), the check of the
object's first bytes, the malware scan's tag as the applicant reads it, and staff opening a document through a
presigned link, audited, within the file's role rules.

The browser's post is made with ``requests``, which moto intercepts like botocore: a real multipart POST with the
form's presigned fields, answered by moto's S3 with the 303 to our "received" page. The scan is GuardDuty's in AWS;
here the test tags the object the way the scan does (GuardDutyMalwareScanStatus).
"""
from __future__ import annotations

import base64
import json
import re
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
import requests

from chalicelib.api.wiring import deps
from chalicelib.domain import documents as rules

from .conftest import application, staff_call, submit
from .web_client import WebClient, apply

BUCKET = "peaceops-test-documents"
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = bytes.fromhex("89504e470d0a1a0a") + b"\x00\x00\x00\rIHDR" + b"\x00" * 16
JPEG = bytes.fromhex("ffd8ffe000104a464946") + b"\x00" * 16
POLICE_DOCUMENTS = ["first_aid_cpr", "firearms", "baton", "oc_spray", "un_modules", "preliminary_instructions"]


def _s3() -> Any:
    return boto3.client("s3", region_name="ca-central-1")


def _text(r: Any) -> str:
    return str(r.body.decode("utf-8"))


def _apply(client: Any, lang: str = "en", **overrides: Any) -> tuple[WebClient, str]:
    """A file made through the task list: the browser holds its cookie."""
    web = WebClient(client)
    r = apply(web, application(**overrides), lang)
    assert r.status_code == 303, _text(r)
    return web, r.headers["Location"].split("/")[3]


def _forms(page: str) -> dict[str, tuple[str, dict[str, str]]]:
    """Each upload form of the documents page: its action and hidden fields, by kind."""
    out = {}
    for kind, action, body in re.findall(r'<form id="form-([a-z_]+)" method="post" action="([^"]+)" '
                                         r'enctype="multipart/form-data">(.*?)</form>', page, re.S):
        fields = {unescape(n): unescape(v) for n, v in re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', body)}
        out[kind] = (unescape(action), fields)
    return out


def _post_to_s3(action: str, fields: dict[str, str], data: bytes, filename: str = "certificate.pdf") -> Any:
    """What the browser does with the form: a multipart POST, the file last, straight to the bucket."""
    r = requests.post(action, data=fields, files={"file": (filename, data, "application/octet-stream")},
                      allow_redirects=False, timeout=10)
    assert r.status_code == 303, r.text
    return r


def _arrive(client: Any, location: str) -> Any:
    """The bucket's redirect, followed by a browser that sends no cookie with it (it comes from another site)."""
    parts = urlsplit(location)
    assert f"{parts.scheme}://{parts.netloc}" == "https://peaceops.test"
    return WebClient(client).get(f"{parts.path}?{parts.query}")


def _upload(client: Any, web: WebClient, app_id: str, kind: str, data: bytes, lang: str = "en") -> Any:
    page = _text(web.get(f"/{lang}/status/{app_id}/documents"))
    action, fields = _forms(page)[kind]
    return _arrive(client, _post_to_s3(action, fields, data).headers["Location"])


def _scan(key: str, status: str) -> None:
    """What GuardDuty Malware Protection does once it has scanned the object."""
    _s3().put_object_tagging(Bucket=BUCKET, Key=key, Tagging={"TagSet": [{"Key": rules.SCAN_TAG, "Value": status}]})


def _documents_of(app_id: str) -> list[Any]:
    file = deps().store.files.get(app_id)
    assert file is not None
    return list(file.documents)


# --- the applicant's page and the presigned POST -----------------------------------------------------------------

def test_the_page_lists_what_the_call_needs_with_a_presigned_post_each(client: Any) -> None:
    web, app_id = _apply(client)
    r = web.get(f"/en/status/{app_id}/documents")
    assert r.status_code == 200
    page = _text(r)
    forms = _forms(page)
    assert list(forms) == POLICE_DOCUMENTS
    assert 'for="file-first_aid_cpr"' in page and 'id="upload-first_aid_cpr"' in page
    assert 'id="state-firearms" class="gc-document-missing" data-state="missing">Not sent yet' in page
    action, fields = forms["firearms"]
    assert action == f"https://{BUCKET}.s3.ca-central-1.amazonaws.com/"
    # The form posts to the bucket's origin, and the CSP of this page (only this one) lets it.
    csp = r.headers["Content-Security-Policy"]
    assert f"form-action 'self' https://{BUCKET}.s3.ca-central-1.amazonaws.com;" in csp
    assert "form-action 'self';" in web.get(f"/en/status/{app_id}").headers["Content-Security-Policy"]
    # The key is fixed to this file and kind; the policy holds the size range, the prefix and the redirect.
    kind, document_id = fields["key"].split("/")[2:]
    assert fields["key"] == rules.object_key(app_id, "firearms", document_id) and kind == "firearms"
    policy = json.loads(base64.b64decode(fields["policy"]))
    conditions = policy["conditions"]
    assert ["content-length-range", 1, 10 * 1024 * 1024] in conditions
    assert ["starts-with", "$key", f"documents/{app_id}/"] in conditions
    assert {"key": fields["key"]} in conditions and {"bucket": BUCKET} in conditions
    redirect = fields["success_action_redirect"]
    assert {"success_action_redirect": redirect} in conditions
    assert redirect.startswith(f"https://peaceops.test/en/status/{app_id}/documents/received?ticket=firearms.")
    assert 0 < len(policy["expiration"])


def test_a_civilian_analyst_is_not_asked_for_police_qualifications(client: Any) -> None:
    web, app_id = _apply(client, track="civilian_analyst", police_service=None, rank=None,
                         years_operational_service=None, firearms_expiry=None, baton_expiry=None,
                         oc_spray_expiry=None, missions=["west-bank-proteus"])
    forms = _forms(_text(web.get(f"/fr/status/{app_id}/documents")))
    assert list(forms) == ["first_aid_cpr", "preliminary_instructions"]  # PROTEUS is bilateral: no UN modules


def test_a_pdf_posted_to_s3_is_recorded_then_checked_then_accepted(client: Any) -> None:
    web, app_id = _apply(client)
    r = _upload(client, web, app_id, "first_aid_cpr", PDF)
    assert r.status_code == 200, _text(r)
    assert "We received your file" in _text(r)
    assert f'content="0; url=/en/status/{app_id}/documents"' in _text(r)
    (doc,) = _documents_of(app_id)
    assert (doc.kind, doc.content_type, doc.size) == ("first_aid_cpr", "application/pdf", len(PDF))
    assert _s3().get_object(Bucket=BUCKET, Key=doc.key)["Body"].read() == PDF
    # Until the scan's tag comes, it is being checked (and has no new form); then accepted.
    page = _text(web.get(f"/en/status/{app_id}/documents"))
    assert 'data-state="checking">Being checked' in page and "first_aid_cpr" not in _forms(page)
    _scan(doc.key, "NO_THREATS_FOUND")
    page = _text(web.get(f"/fr/status/{app_id}/documents"))
    assert 'data-state="accepted">Accepté' in page and "Acceptés\u00a0: 1 sur 6." in page
    assert "Téléverser une nouvelle copie" in page


def test_a_reload_of_the_received_page_records_the_upload_once(client: Any) -> None:
    web, app_id = _apply(client)
    page = _text(web.get(f"/en/status/{app_id}/documents"))
    action, fields = _forms(page)["baton"]
    location = _post_to_s3(action, fields, PNG, "baton.png").headers["Location"]
    assert _arrive(client, location).status_code == 200
    assert _arrive(client, location).status_code == 200
    (doc,) = _documents_of(app_id)
    assert doc.content_type == "image/png"
    trail = [r for r in deps().store.audit.trail(f"application#{app_id}") if r.kind == "document_uploaded"]
    assert len(trail) == 1 and trail[0].details["kind"] == "baton"


@pytest.mark.parametrize("lang, name, data, words", [
    ("en", "certificate.pdf", b"MZ\x90\x00 not a pdf at all", "The file is not a PDF, JPEG or PNG"),
    ("fr", "photo.png", b"GIF89a\x01\x00\x01\x00", "Le fichier n'est pas un PDF, un JPEG ou un PNG"),
])
def test_a_file_whose_first_bytes_are_not_pdf_jpeg_or_png_is_refused_and_deleted(
        client: Any, lang: str, name: str, data: bytes, words: str) -> None:
    web, app_id = _apply(client, lang)
    page = _text(web.get(f"/{lang}/status/{app_id}/documents"))
    action, fields = _forms(page)["oc_spray"]
    r = _arrive(client, _post_to_s3(action, fields, data, name).headers["Location"])
    assert r.status_code == 422 and words in unescape(_text(r))
    assert f'href="/{lang}/status/{app_id}/documents"' in _text(r)
    assert _documents_of(app_id) == []
    assert "Contents" not in _s3().list_objects_v2(Bucket=BUCKET, Prefix=fields["key"])


def test_an_object_over_ten_megabytes_is_refused_and_deleted(client: Any) -> None:
    # moto does not enforce a POST policy's content-length-range (S3 does): the app checks the size again.
    web, app_id = _apply(client)
    page = _text(web.get(f"/en/status/{app_id}/documents"))
    action, fields = _forms(page)["un_modules"]
    r = _arrive(client, _post_to_s3(action, fields, PDF + b"\x00" * rules.MAX_BYTES).headers["Location"])
    assert r.status_code == 422 and "over 10 MB" in _text(r)
    assert _documents_of(app_id) == []
    assert "Contents" not in _s3().list_objects_v2(Bucket=BUCKET, Prefix=fields["key"])


def test_a_tampered_or_foreign_ticket_records_nothing(client: Any) -> None:
    web, app_id = _apply(client)
    _, other_id = _apply(client, email="autre@example.ca")
    page = _text(web.get(f"/en/status/{app_id}/documents"))
    action, fields = _forms(page)["firearms"]
    location = _post_to_s3(action, fields, JPEG, "f.jpg").headers["Location"]
    parts = urlsplit(location)
    ticket = parse_qs(parts.query)["ticket"][0]
    # The ticket names this file: on another file's page it opens nothing; changed, it opens nothing.
    assert WebClient(client).get(f"/en/status/{other_id}/documents/received?ticket={ticket}").status_code == 404
    forged = ticket.replace("firearms", "baton", 1)
    assert WebClient(client).get(f"/en/status/{app_id}/documents/received?ticket={forged}").status_code == 404
    assert _documents_of(app_id) == [] and _documents_of(other_id) == []


@pytest.mark.parametrize("status, state, words_en, words_fr", [
    (None, "checking", "Being checked", "En cours de vérification\u00a0:"),
    ("NO_THREATS_FOUND", "accepted", "Accepted", "Accepté"),
    ("THREATS_FOUND", "refused", "Refused: the check did not accept this file", "Refusé\u00a0:"),
    ("UNSUPPORTED", "refused", "Upload it again", "Envoyez-le de nouveau"),
    ("ACCESS_DENIED", "refused", "Refused", "Refusé"),
    ("FAILED", "refused", "Refused", "Refusé"),
])
def test_the_scan_s_tag_is_what_the_applicant_reads(client: Any, status: str | None, state: str, words_en: str,
                                                    words_fr: str) -> None:
    web, app_id = _apply(client)
    assert _upload(client, web, app_id, "firearms", PDF).status_code == 200
    (doc,) = _documents_of(app_id)
    if status:
        _scan(doc.key, status)
    for lang, words in (("en", words_en), ("fr", words_fr)):
        page = _text(web.get(f"/{lang}/status/{app_id}/documents"))
        assert f'id="state-firearms" class="gc-document-{state}" data-state="{state}">' in page
        assert words in page
        # A refused document gets a form to upload again; one being checked none.
        assert ("firearms" in _forms(page)) == (state != "checking")


def test_another_browser_or_file_cannot_open_the_documents_page(client: Any) -> None:
    web, app_id = _apply(client)
    other, other_id = _apply(client, email="autre@example.ca")
    assert WebClient(client).get(f"/en/status/{app_id}/documents").status_code == 403
    r = other.get(f"/fr/status/{app_id}/documents")
    assert r.status_code == 403 and "/fr/access" in _text(r)
    assert web.get(f"/en/status/{other_id}/documents").status_code == 403


# --- staff ------------------------------------------------------------------------------------------------------

def _accepted_file(client: Any, *kinds: str) -> tuple[str, dict[str, str]]:
    web, app_id = _apply(client)
    ids = {}
    for kind in kinds:
        assert _upload(client, web, app_id, kind, PDF).status_code == 200
    for doc in _documents_of(app_id):
        _scan(doc.key, "NO_THREATS_FOUND")
        ids[doc.kind] = doc.document_id
    return app_id, ids


def test_staff_list_the_documents_and_open_one_through_a_presigned_get_that_is_audited(client: Any,
                                                                                        tokens: dict[str, str]) -> None:
    app_id, ids = _accepted_file(client, "first_aid_cpr")
    r = staff_call(client, "get", f"/admin/applications/{app_id}/documents", tokens["coordinator.spvm"])
    assert r.status_code == 200, r.body
    body = json.loads(r.body)
    assert body["needed"] == POLICE_DOCUMENTS
    (row,) = body["documents"]
    assert row["document_id"] == ids["first_aid_cpr"] and row["available"] is True
    assert row["scan_status"] == "NO_THREATS_FOUND" and row["content_type"] == "application/pdf"

    r = staff_call(client, "get", f"/admin/applications/{app_id}/documents/{ids['first_aid_cpr']}",
                   tokens["coordinator.spvm"])
    assert r.status_code == 303, r.body
    url = r.headers["Location"]
    assert url == json.loads(r.body)["url"]
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Expires"] == [str(rules.OPEN_SECONDS)] and rules.OPEN_SECONDS <= 600
    assert "attachment" in query["response-content-disposition"][0]
    assert requests.get(url, timeout=10).content == PDF  # the link opens the object
    # The opening is on the file's trail: who, which document.
    file_view = json.loads(staff_call(client, "get", f"/admin/applications/{app_id}", tokens["irss"]).body)
    opened = [a for a in file_view["audit"] if a["kind"] == "document_opened"]
    assert len(opened) == 1 and opened[0]["actor_role"] == "service_coordinator"
    (doc,) = _documents_of(app_id)
    assert opened[0]["details"] == {"document_id": ids["first_aid_cpr"], "kind": "first_aid_cpr",
                                    "version_id": doc.version_id}
    assert parse_qs(urlsplit(url).query)["versionId"] == [doc.version_id]  # the link names the scanned version


def test_a_document_the_scan_has_not_passed_is_not_opened(client: Any, tokens: dict[str, str]) -> None:
    web, app_id = _apply(client)
    assert _upload(client, web, app_id, "firearms", PDF).status_code == 200
    (doc,) = _documents_of(app_id)
    path = f"/admin/applications/{app_id}/documents/{doc.document_id}"
    r = staff_call(client, "get", path, tokens["irss"])
    assert r.status_code == 409 and json.loads(r.body)["code"] == "document-unavailable"
    assert "scan_status" not in json.loads(r.body)  # not scanned yet
    _scan(doc.key, "THREATS_FOUND")
    r = staff_call(client, "get", path, tokens["irss"])
    assert r.status_code == 409 and json.loads(r.body)["scan_status"] == "THREATS_FOUND"
    listed = json.loads(staff_call(client, "get", f"/admin/applications/{app_id}/documents", tokens["irss"]).body)
    assert listed["documents"][0]["available"] is False and listed["documents"][0]["state"] == "refused"
    trail = json.loads(staff_call(client, "get", f"/admin/applications/{app_id}", tokens["irss"]).body)["audit"]
    assert not [a for a in trail if a["kind"] == "document_opened"]


def test_documents_follow_the_file_s_role_rules(client: Any, tokens: dict[str, str]) -> None:
    app_id, ids = _accepted_file(client, "firearms")
    path = f"/admin/applications/{app_id}/documents"
    # Another service's coordinator: as if there were no such file. Administrators: not a reader of documents.
    assert staff_call(client, "get", path, tokens["coordinator.opp"]).status_code == 404
    assert staff_call(client, "get", f"{path}/{ids['firearms']}", tokens["coordinator.opp"]).status_code == 404
    assert staff_call(client, "get", path, tokens["admin"]).status_code == 403
    assert staff_call(client, "get", f"{path}/{ids['firearms']}", tokens["admin"]).status_code == 403
    # Health staff read only medical documents: a firearms qualification is not listed, and not opened.
    assert json.loads(staff_call(client, "get", path, tokens["health"]).body)["documents"] == []
    assert staff_call(client, "get", f"{path}/{ids['firearms']}", tokens["health"]).status_code == 403
    # An applicant's token, or none: 401.
    assert client.http.get(path).status_code == 401
    # A document id of another file: 404.
    other_id, _ = _accepted_file(client, "baton")
    assert staff_call(client, "get", f"/admin/applications/{other_id}/documents/{ids['firearms']}",
                      tokens["irss"]).status_code == 404


def test_a_staff_member_with_no_matching_file_gets_404_not_a_crash(client: Any, tokens: dict[str, str]) -> None:
    created = submit(client)
    r = staff_call(client, "get", f"/admin/applications/{created['application_id']}/documents/d-aaaaaaaaaaaaaaaa",
                   tokens["irss"])
    assert r.status_code == 404 and r.headers["Content-Type"] == "application/problem+json"


# --- the console's file page --------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_console_s_file_page_lists_the_documents_and_opens_a_passed_one(client: Any, lang: str) -> None:
    from .test_console_sign_in import first_sign_in

    app_id, ids = _accepted_file(client, "firearms")
    browser = WebClient(client)
    first_sign_in(browser, "irss", lang=lang)
    page = _text(browser.get(f"/console/{lang}/files/{app_id}"))
    assert 'id="documents-table"' in page
    link = f'/console/{lang}/files/{app_id}/documents/{ids["firearms"]}'
    assert f'href="{link}"' in page
    assert ("Passed" if lang == "en" else "Réussie") in page
    r = browser.get(link)
    assert r.status_code == 303 and r.headers["Location"].startswith(f"https://{BUCKET}.s3.ca-central-1.amazonaws.com/")
    trail = deps().store.audit.trail(f"application#{app_id}")
    assert [(a.kind, a.actor_role) for a in trail if a.kind == "document_opened"] == [("document_opened", "irss")]
    # Health staff's page has the section, with nothing of a firearms qualification; administrators' has none.
    health = WebClient(client)
    first_sign_in(health, "health", lang=lang)
    page = _text(health.get(f"/console/{lang}/files/{app_id}"))
    assert 'id="documents-heading"' in page and ids["firearms"] not in page
    assert health.get(link).status_code == 403
    admin = WebClient(client)
    first_sign_in(admin, "admin", lang=lang)
    assert 'id="documents-heading"' not in _text(admin.get(f"/console/{lang}/files/{app_id}"))
