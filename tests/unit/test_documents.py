"""Documents (issue 15): the rules of domain/documents.py, and services/documents.py on the in-memory storage and
object store (adapters/memory.py), Given / When / Then. The moto-backed proof is tests/integration/test_documents.py."""
from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from chalicelib.adapters.memory import MemoryObjects
from chalicelib.domain import access, datafiles, documents
from chalicelib.domain.errors import Conflict, Forbidden, NotFound
from chalicelib.domain.workflow import Actor
from chalicelib.services import documents as service
from chalicelib.services import submissions

from .fakes import FixedClock, application, make_deps

PDF, PNG, JPEG = b"%PDF-1.4\n", bytes.fromhex("89504e470d0a1a0a") + b"\x00" * 8, bytes.fromhex("ffd8ffdb") + b"\x00"
IRSS = Actor("irss", "irss-1")
SPVM = Actor("service_coordinator", "coord-spvm", "spvm")
OPP = Actor("service_coordinator", "coord-opp", "opp")
HEALTH = Actor("health", "health-1")
ADMIN = Actor("admin", "admin-1")


# --- the rules ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("first, expected", [
    (b"%PDF-1.7\n%\xe2", "application/pdf"), (bytes.fromhex("ffd8ffe0") + b"JFIF", "image/jpeg"),
    (bytes.fromhex("ffd8ffdb"), "image/jpeg"), (bytes.fromhex("89504e470d0a1a0a"), "image/png"),
    (b"GIF89a", None), (b"MZ\x90\x00", None), (b"PK\x03\x04", None), (b"%PDF", None), (b"", None),
    (bytes.fromhex("89504e470d0a1a"), None), (b" %PDF-", None),
])
def test_the_type_is_told_by_the_first_bytes_only(first: bytes, expected: str | None) -> None:
    assert documents.sniff(first) == expected
    assert documents.FIRST_BYTES == 8  # the ranged GET reads bytes=0-7: enough for PNG's signature


@pytest.mark.parametrize("size, problem", [(0, "empty"), (1, None), (10 * 1024 * 1024, None),
                                           (10 * 1024 * 1024 + 1, "too_large")])
def test_a_document_is_one_byte_to_ten_megabytes(size: int, problem: str | None) -> None:
    assert documents.size_problem(size) == problem


@pytest.mark.parametrize("tag, state, staff", [
    (None, "checking", False), ("NO_THREATS_FOUND", "accepted", True), ("THREATS_FOUND", "refused", False),
    ("UNSUPPORTED", "refused", False), ("ACCESS_DENIED", "refused", False), ("FAILED", "refused", False),
    ("SOMETHING_NEW", "refused", False),
])
def test_the_scan_s_tag_maps_to_what_the_applicant_reads_and_what_staff_may_open(tag: str | None, state: str,
                                                                                 staff: bool) -> None:
    assert documents.applicant_state(tag) == state
    assert documents.available_to_staff(tag) is staff


def test_every_key_of_a_file_is_under_its_prefix_and_names_nothing_typed() -> None:
    doc_id = documents.new_document_id()
    key = documents.object_key("po-abc", "firearms", doc_id)
    assert key == f"documents/po-abc/firearms/{doc_id}" and key.startswith(documents.file_prefix("po-abc"))
    assert documents.parse_key(key) == ("po-abc", "firearms", doc_id)
    assert documents.parse_key("documents/po-abc/firearms/../x") is None
    assert documents.valid_document_id(doc_id) and not documents.valid_document_id("d-AAAA")
    assert ["content-length-range", 1, 10485760] in documents.upload_conditions("po-abc")
    assert ["starts-with", "$key", "documents/po-abc/"] in documents.upload_conditions("po-abc")


def test_a_civilian_analyst_is_never_asked_for_a_police_qualification() -> None:
    wanted = ["first_aid_cpr", "firearms", "baton", "oc_spray", "un_modules", "preliminary_instructions"]
    assert [k.code for k in documents.required_kinds(wanted, "police_officer")] == wanted
    assert [k.code for k in documents.required_kinds(wanted, "civilian_analyst")] == [
        "first_aid_cpr", "un_modules", "preliminary_instructions"]
    assert documents.required_kinds(["no_such_kind"], "police_officer") == []


def test_every_kind_has_english_and_french_labels_and_the_data_file_agrees_with_the_call_s_schema() -> None:
    for kind in documents.kinds().values():
        assert kind.label["en"] and kind.label["fr"] and kind.hint["en"] and kind.hint["fr"]
    shipped = datafiles.read(datafiles.DOCUMENT_KINDS)
    assert datafiles.check_document_kinds(shipped) == []
    missing = {**shipped, "kinds": [k for k in shipped["kinds"] if k["code"] != "baton"]}
    assert datafiles.check_document_kinds(missing) == [
        "chalicelib/data/document_kinds.json: kinds: 'baton' is a choice of schemas/bulletin.json: "
        "criteria.required_documents but has no labels here"]
    unlabelled = {**shipped, "kinds": [{**shipped["kinds"][0], "label": {"en": "First aid"}}]}
    assert any("label" in p and "fr" in p for p in datafiles.check_document_kinds(unlabelled))


def test_who_reads_which_document() -> None:
    assert access.can_read_document(SPVM, medical=False) and access.can_read_document(IRSS, medical=False)
    assert not access.can_read_document(HEALTH, medical=False) and not access.can_read_document(ADMIN, medical=False)
    assert access.can_read_document(HEALTH, medical=True) and access.can_read_document(IRSS, medical=True)
    assert not access.can_read_document(SPVM, medical=True)


# --- the service, on memory -----------------------------------------------------------------------------------

def _deps() -> Any:
    return replace(make_deps(FixedClock()), objects=MemoryObjects())


def _file(deps: Any, **overrides: Any) -> Any:
    _, body = submissions.submit(deps, application(**overrides), None)
    return deps.store.files.get(body["application_id"])


def _received(ticket: str) -> str:
    return f"https://peaceops.test/en/status/x/documents/received?ticket={ticket}"


def _upload(deps: Any, file: Any, kind: str, data: bytes) -> dict[str, Any]:
    """Given the page's form for ``kind``, when the browser posts ``data`` and lands on the received page."""
    row = next(r for r in service.applicant_view(deps, file, _received)["documents"] if r["kind"] == kind)
    key = row["upload"]["fields"]["key"]
    deps.objects.put(key, data)
    ticket = row["upload"]["fields"]["success_action_redirect"].split("ticket=", 1)[1]
    return service.record_upload(deps, file.application_id, ticket, key)


def test_the_view_lists_the_call_s_documents_each_with_a_presigned_form_fixed_to_the_file() -> None:
    deps = _deps()
    file = _file(deps)
    view = service.applicant_view(deps, file, _received)
    assert [r["kind"] for r in view["documents"]] == [
        "first_aid_cpr", "firearms", "baton", "oc_spray", "un_modules", "preliminary_instructions"]
    assert {r["state"] for r in view["documents"]} == {"missing"}
    post = deps.objects.posts[0]
    assert post["key"].startswith(f"documents/{file.application_id}/first_aid_cpr/d-")
    assert post["expires_in"] == documents.UPLOAD_SECONDS
    assert ["content-length-range", 1, documents.MAX_BYTES] in post["conditions"]
    assert post["fields"]["success_action_redirect"].startswith(_received("first_aid_cpr."))


def test_an_upload_is_recorded_on_the_file_with_its_audit_row_once() -> None:
    deps = _deps()
    file = _file(deps)
    done = _upload(deps, file, "firearms", PNG)
    assert done["document"]["content_type"] == "image/png" and done["already_recorded"] is False
    stored = deps.store.files.get(file.application_id)
    (doc,) = stored.documents
    assert stored.version == file.version + 1 and doc.size == len(PNG)
    trail = deps.store.audit.trail(f"application#{file.application_id}")
    assert [r.kind for r in trail][-1] == "document_uploaded" and trail[-1].details["kind"] == "firearms"
    # The same ticket again (a reload): the same answer, nothing written.
    ticket = service.ticket(deps.settings.token_secret, file.application_id, "firearms", doc.document_id,
                            int(deps.clock().timestamp()) + 60)
    again = service.record_upload(deps, file.application_id, ticket)
    assert again["already_recorded"] is True and deps.store.files.get(file.application_id).version == stored.version


@pytest.mark.parametrize("data, reason", [(b"GIF89a....", "wrong_type"), (b"", "empty"),
                                          (PDF + b"\x00" * documents.MAX_BYTES, "too_large")])
def test_a_wrong_type_an_empty_file_or_one_too_large_is_deleted_and_refused(data: bytes, reason: str) -> None:
    deps = _deps()
    file = _file(deps)
    with pytest.raises(service.DocumentRefused) as refused:
        _upload(deps, file, "baton", data)
    assert refused.value.extra["reason"] == reason and refused.value.status == 422
    assert deps.objects.objects == {}
    assert deps.store.files.get(file.application_id).documents == ()


def test_a_ticket_works_only_for_its_file_its_kind_and_its_time() -> None:
    deps = _deps()
    file, other = _file(deps), _file(deps, email="autre@example.ca")
    now = int(deps.clock().timestamp())
    good = service.ticket(deps.settings.token_secret, file.application_id, "baton", "d-aaaaaaaaaaaaaaaa", now + 60)
    assert service.read_ticket(deps.settings.token_secret, file.application_id, good, now) == (
        "baton", "d-aaaaaaaaaaaaaaaa")
    for secret, app_id, value, at in (
            (deps.settings.token_secret, other.application_id, good, now),  # another file
            (deps.settings.token_secret, file.application_id, good.replace("baton", "firearms"), now),  # changed
            (deps.settings.token_secret, file.application_id, good, now + 61),  # expired
            ("another-secret-" + "y" * 32, file.application_id, good, now),  # not ours
            (deps.settings.token_secret, file.application_id, "garbage", now)):
        with pytest.raises(NotFound):
            service.read_ticket(secret, app_id, value, at)


def test_the_applicant_reads_the_scan_s_verdict_and_a_document_being_checked_has_no_new_form() -> None:
    deps = _deps()
    file = _file(deps)
    key = _upload(deps, file, "oc_spray", JPEG)["document"]["key"]
    file = deps.store.files.get(file.application_id)

    def row() -> dict[str, Any]:
        return next(r for r in service.applicant_view(deps, file, _received)["documents"] if r["kind"] == "oc_spray")

    assert row()["state"] == "checking" and row()["upload"] is None
    deps.objects.tag(key, "THREATS_FOUND")
    assert row()["state"] == "refused" and row()["upload"] is not None
    deps.objects.tag(key, "NO_THREATS_FOUND")
    assert row()["state"] == "accepted"


def test_staff_open_a_scanned_document_within_the_file_s_rules_and_each_opening_is_audited() -> None:
    deps = _deps()
    file = _file(deps)  # an SPVM officer's file
    doc = _upload(deps, file, "first_aid_cpr", PDF)["document"]
    with pytest.raises(service.DocumentUnavailable):
        service.staff_open(deps, IRSS, file.application_id, doc["document_id"])
    deps.objects.tag(doc["key"], "NO_THREATS_FOUND")
    before = deps.store.files.get(file.application_id)
    opened = service.staff_open(deps, SPVM, file.application_id, doc["document_id"])
    assert opened["expires_in"] == documents.OPEN_SECONDS
    assert deps.objects.links == [(doc["key"], 300, doc["version_id"])]
    after = deps.store.files.get(file.application_id)
    assert after.version == before.version + 1 and after.updated_at == before.updated_at  # the applicant sees no change
    last = deps.store.audit.trail(f"application#{file.application_id}")[-1]
    assert (last.kind, last.actor_role, last.details) == ("document_opened", "service_coordinator",
                                                          {"document_id": doc["document_id"], "kind": "first_aid_cpr",
                                                           "version_id": doc["version_id"]})
    with pytest.raises(NotFound):
        service.staff_open(deps, OPP, file.application_id, doc["document_id"])
    with pytest.raises(Forbidden):
        service.staff_open(deps, HEALTH, file.application_id, doc["document_id"])
    assert service.staff_list(deps, HEALTH, file.application_id)["documents"] == []
    assert [d["kind"] for d in service.staff_list(deps, IRSS, file.application_id)["documents"]] == ["first_aid_cpr"]


def test_a_closed_file_takes_no_more_documents() -> None:
    deps = _deps()
    file = _file(deps)
    view = service.applicant_view(deps, file, _received)
    row = view["documents"][0]
    deps.store.state.files[file.application_id] = replace(file, stage="withdrawn")
    deps.objects.put(row["upload"]["fields"]["key"], PDF)
    ticket = row["upload"]["fields"]["success_action_redirect"].split("ticket=", 1)[1]
    with pytest.raises(Conflict):
        service.record_upload(deps, file.application_id, ticket)
    assert deps.objects.objects == {}
    closed = service.applicant_view(deps, deps.store.files.get(file.application_id), _received)
    assert closed["closed"] is True and all(r["upload"] is None for r in closed["documents"])


# --- each upload is single-use (issue 21, finding 5) ---------------------------------------------------------------

def _form(deps: Any, file: Any, kind: str) -> tuple[str, str]:
    row = next(r for r in service.applicant_view(deps, file, _received)["documents"] if r["kind"] == kind)
    return row["upload"]["fields"]["key"], row["upload"]["fields"]["success_action_redirect"].split("ticket=", 1)[1]


def test_the_version_checked_is_pinned_and_a_second_post_of_the_same_form_is_deleted_not_recorded() -> None:
    # Given a PDF posted and recorded through a form
    deps = _deps()
    file = _file(deps)
    key, ticket = _form(deps, file, "firearms")
    checked = deps.objects.put(key, PDF)
    recorded = service.record_upload(deps, file.application_id, ticket, key)
    assert recorded["document"]["version_id"] == checked
    # When the same form posts other bytes to the same key, and its redirect lands with the same ticket
    deps.objects.put(key, b"MZ\x90\x00 not a pdf")
    again = service.record_upload(deps, file.application_id, ticket, key)
    # Then the answer is the recorded document, and only the version checked is left in the store
    assert again["already_recorded"] is True and again["document"]["version_id"] == checked
    assert deps.objects.versions(key) == [checked] and deps.objects.objects[key] == PDF


def test_a_post_the_browser_never_came_back_from_is_deleted_when_the_tag_is_read_and_staff_open_the_checked_version(
        ) -> None:
    # Given a recorded PDF, scanned and passed
    deps = _deps()
    file = _file(deps)
    doc = _upload(deps, file, "baton", PDF)["document"]
    deps.objects.tag(doc["key"], "NO_THREATS_FOUND")
    # When another post of the same form lands (no redirect followed), and the scan passes it too
    later = deps.objects.put(doc["key"], b"MZ\x90\x00")
    deps.objects.tag(doc["key"], "NO_THREATS_FOUND", later)
    # Then the next read of the tag deletes it, and staff's link names the version checked
    listed = service.staff_list(deps, IRSS, file.application_id)["documents"]
    assert listed[0]["available"] is True and deps.objects.versions(doc["key"]) == [doc["version_id"]]
    service.staff_open(deps, IRSS, file.application_id, doc["document_id"])
    assert deps.objects.links[-1] == (doc["key"], documents.OPEN_SECONDS, doc["version_id"])


def test_a_post_before_the_checked_one_is_deleted_when_the_upload_is_recorded() -> None:
    deps = _deps()
    file = _file(deps)
    key, ticket = _form(deps, file, "oc_spray")
    deps.objects.put(key, b"MZ first")
    checked = deps.objects.put(key, JPEG)
    assert service.record_upload(deps, file.application_id, ticket, key)["document"]["version_id"] == checked
    assert deps.objects.versions(key) == [checked]


def test_the_scan_s_verdict_is_read_on_the_pinned_version_never_on_a_later_one() -> None:
    # Given a recorded upload not scanned yet
    deps = _deps()
    file = _file(deps)
    doc = _upload(deps, file, "firearms", PDF)["document"]
    file = deps.store.files.get(file.application_id)
    # When a later version is posted and passed, the pinned one being refused by the scan
    deps.objects.tag(doc["key"], "THREATS_FOUND")
    later = deps.objects.put(doc["key"], PDF)
    deps.objects.tag(doc["key"], "NO_THREATS_FOUND", later)
    # Then the verdict read is the pinned version's: refused, and staff cannot open it
    with pytest.raises(service.DocumentUnavailable):
        service.staff_open(deps, IRSS, file.application_id, doc["document_id"])
    row = next(r for r in service.applicant_view(deps, file, _received)["documents"] if r["kind"] == "firearms")
    assert row["state"] == "refused"


def test_a_pinned_version_no_longer_in_the_store_reads_as_refused_and_is_not_opened() -> None:
    deps = _deps()
    file = _file(deps)
    doc = _upload(deps, file, "firearms", PDF)["document"]
    deps.objects.delete(doc["key"], doc["version_id"])
    deps.objects.put(doc["key"], PDF)  # only a version nobody checked is left
    listed = service.staff_list(deps, IRSS, file.application_id)["documents"]
    assert listed[0]["scan_status"] == documents.PINNED_VERSION_GONE and listed[0]["state"] == "refused"
    assert listed[0]["available"] is False and doc["key"] not in deps.objects.objects
    with pytest.raises(service.DocumentUnavailable):
        service.staff_open(deps, IRSS, file.application_id, doc["document_id"])


def test_staff_open_checks_the_bytes_again_and_refuses_ones_that_are_not_the_type_recorded() -> None:
    # Given a document recorded before versions were pinned (no version_id), scanned and passed
    deps = _deps()
    file = _file(deps)
    doc = _upload(deps, file, "firearms", PDF)["document"]
    stored = deps.store.files.get(file.application_id)
    unpinned = replace(stored.documents[0], version_id=None)
    deps.store.state.files[file.application_id] = replace(stored, documents=(unpinned,))
    # When its key's current bytes are replaced by others, passed by the scan
    later = deps.objects.put(doc["key"], b"MZ\x90\x00")
    deps.objects.tag(doc["key"], "NO_THREATS_FOUND", later)
    # Then staff are not given a link: the bytes are not the type checked
    with pytest.raises(service.DocumentUnavailable):
        service.staff_open(deps, IRSS, file.application_id, doc["document_id"])
    assert deps.objects.links == []


def test_a_document_keeps_its_version_through_its_dict() -> None:
    doc = documents.Document("d-aaaaaaaaaaaaaaaa", "firearms", "documents/a/firearms/d-aaaaaaaaaaaaaaaa",
                             "application/pdf", 9, "2026-01-01T00:00:00.000000Z", "3HL4kqtJlcpXroDTDmJ")
    assert documents.Document.from_dict(doc.as_dict()) == doc
    legacy = {k: v for k, v in doc.as_dict().items() if k != "version_id"}
    assert documents.Document.from_dict(legacy).version_id is None and "version_id" not in \
        documents.Document.from_dict(legacy).as_dict()
