"""Issue 21, finding 5: a document's type check is not bypassed by posting again (moto's S3, in process).

The presigned upload form stays valid 15 minutes, and the bucket is versioned: the same form can post other bytes
to the same key after the first post was checked and recorded. Given a PDF posted and recorded, when the same form
posts ``MZ`` bytes (a Windows executable) to the same key, then what is recorded, scanned and opened by staff is the
PDF's version, never the later one: the later version is deleted, the scan's tag is read on the pinned version, and
staff's presigned link names that version (its ``versionId``) and opens the PDF's bytes. moto does not enforce a
POST policy's conditions; these are the app's own checks.
"""
from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from chalicelib.api.wiring import deps
from chalicelib.domain import documents as rules

from .conftest import staff_call
from .test_documents import BUCKET, PDF, _apply, _arrive, _documents_of, _forms, _post_to_s3, _s3, _text

MZ = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00 this program cannot be run in DOS mode"


def _versions(key: str) -> list[str]:
    listed = _s3().list_object_versions(Bucket=BUCKET, Prefix=key)
    return [v["VersionId"] for v in listed.get("Versions", []) if v["Key"] == key]


def _scan_latest(key: str, status: str) -> None:
    """What GuardDuty does with each new object it scans: the tag goes on the version just written (the current one
    when no other post came since)."""
    _s3().put_object_tagging(Bucket=BUCKET, Key=key, Tagging={"TagSet": [{"Key": rules.SCAN_TAG, "Value": status}]})


def _open(client: Any, tokens: dict[str, str], app_id: str, document_id: str) -> Any:
    return staff_call(client, "get", f"/admin/applications/{app_id}/documents/{document_id}", tokens["irss"])


def test_a_second_post_of_the_same_form_with_mz_bytes_never_becomes_what_staff_open(client: Any,
                                                                                     tokens: dict[str, str]) -> None:
    # Given a PDF posted through the documents page's form, recorded, and passed by the scan
    web, app_id = _apply(client)
    action, fields = _forms(_text(web.get(f"/en/status/{app_id}/documents")))["firearms"]
    first = _post_to_s3(action, fields, PDF, "firearms.pdf")
    assert _arrive(client, first.headers["Location"]).status_code == 200
    (doc,) = _documents_of(app_id)
    _scan_latest(doc.key, "NO_THREATS_FOUND")
    # When the same form (still valid) posts MZ bytes to the same key, the scan passes them (no threat known), and
    # the browser follows the bucket's redirect to the received page
    second = _post_to_s3(action, fields, MZ, "firearms.pdf")
    _scan_latest(doc.key, "NO_THREATS_FOUND")
    r = _arrive(client, second.headers["Location"])
    # Then the answer is the one already recorded, and staff's link opens the PDF, never the MZ bytes
    assert r.status_code == 200, _text(r)
    assert _documents_of(app_id) == [doc]
    r = _open(client, tokens, app_id, doc.document_id)
    assert r.status_code == 303, r.body
    assert requests.get(r.headers["Location"], timeout=10).content == PDF
    # And the link names the version checked and scanned, the only one left of the key
    pinned = getattr(doc, "version_id", None)
    assert pinned and parse_qs(urlsplit(r.headers["Location"]).query)["versionId"] == [pinned]
    assert _versions(doc.key) == [pinned]
    assert _s3().get_object(Bucket=BUCKET, Key=doc.key)["Body"].read() == PDF


def test_a_second_post_whose_redirect_is_never_followed_is_deleted_when_the_file_is_next_read(
        client: Any, tokens: dict[str, str]) -> None:
    # Given a PDF recorded and passed by the scan
    web, app_id = _apply(client)
    action, fields = _forms(_text(web.get(f"/en/status/{app_id}/documents")))["baton"]
    assert _arrive(client, _post_to_s3(action, fields, PDF).headers["Location"]).status_code == 200
    (doc,) = _documents_of(app_id)
    _scan_latest(doc.key, "NO_THREATS_FOUND")
    # When the same form posts MZ bytes and the attacker never lands on the received page; the scan passes them too
    _post_to_s3(action, fields, MZ)
    _scan_latest(doc.key, "NO_THREATS_FOUND")
    # Then staff listing the documents see it available, and the link opens the PDF
    listed = json.loads(staff_call(client, "get", f"/admin/applications/{app_id}/documents", tokens["irss"]).body)
    assert listed["documents"][0]["available"] is True
    r = _open(client, tokens, app_id, doc.document_id)
    assert r.status_code == 303
    assert requests.get(r.headers["Location"], timeout=10).content == PDF
    # And the MZ version is gone: the pinned one is the key's only version, and the one the link names
    pinned = getattr(doc, "version_id", None)
    assert pinned and _versions(doc.key) == [pinned]
    assert parse_qs(urlsplit(r.headers["Location"]).query)["versionId"] == [pinned]


def _recorded(client: Any, kind: str) -> tuple[Any, str, Any, str, dict[str, str]]:
    """A PDF of ``kind`` posted with the documents page's form and recorded: (the browser, the file, the document,
    the form's action and fields)."""
    web, app_id = _apply(client)
    action, fields = _forms(_text(web.get(f"/en/status/{app_id}/documents")))[kind]
    assert _arrive(client, _post_to_s3(action, fields, PDF).headers["Location"]).status_code == 200
    (doc,) = _documents_of(app_id)
    return web, app_id, doc, action, fields


def test_the_scan_s_verdict_is_the_pinned_version_s(client: Any, tokens: dict[str, str]) -> None:
    # Given a PDF recorded, which the scan then refuses
    web, app_id, doc, action, fields = _recorded(client, "oc_spray")
    _scan_latest(doc.key, "THREATS_FOUND")
    # When the same form posts other bytes that the scan passes (before the app sees them)
    _post_to_s3(action, fields, PDF + b"%other")
    _scan_latest(doc.key, "NO_THREATS_FOUND")
    # Then the document stays refused for the applicant and unavailable to staff
    r = _open(client, tokens, app_id, doc.document_id)
    assert r.status_code == 409 and json.loads(r.body)["scan_status"] == "THREATS_FOUND"
    page = _text(web.get(f"/en/status/{app_id}/documents"))
    assert 'id="state-oc_spray" class="gc-document-refused" data-state="refused">' in page


def test_the_upload_and_the_opening_name_the_version_on_the_file_s_trail(client: Any, tokens: dict[str, str]) -> None:
    _, app_id, doc, _, _ = _recorded(client, "un_modules")
    _scan_latest(doc.key, "NO_THREATS_FOUND")
    assert _open(client, tokens, app_id, doc.document_id).status_code == 303
    trail = deps().store.audit.trail(f"application#{app_id}")
    pinned = getattr(doc, "version_id", None)
    assert pinned and [a.details.get("version_id") for a in trail
                       if a.kind in ("document_uploaded", "document_opened")] == [pinned, pinned]
