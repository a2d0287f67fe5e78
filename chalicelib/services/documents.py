"""The documents of a file: the applicant's upload forms and their states, recording an upload, staff opening one.

The rules are domain/documents.py's; the bucket is ``deps.objects`` (services/ports.ObjectStore); the documents
themselves are recorded on the file (``ApplicationFile.documents``), written whole through the unit of work with an
audit row, like every other fact on a file.

The browser posts a file straight to the bucket, which then sends it back to our "received" page
(``success_action_redirect``). That arrival comes from another site, so the browser sends no SameSite=Strict cookie
with it: the page is opened by a *ticket* instead, signed by the server when it drew the form for a browser that
held the file's cookie, naming the file, the kind and the document id it may record, and expiring soon after the
form does. The upload is then checked by its first bytes and its size; anything else is deleted and refused.

Each upload is single-use. The bucket is versioned and a presigned form is valid for minutes, so the same form can
post again to its key; the received page records the one version it checked (``Document.version_id``), and from
then on every read names that version: the scan's tag, the bytes checked again at each opening, and staff's
presigned link. Any other version of the key (a post before the checked one, or after it) is deleted whenever it is
seen: at the received page (the second post's redirect lands there with the same ticket), on every list and page
that reads the scan's tag, and at each opening.
"""
from __future__ import annotations

import logging
from typing import Any, Callable

from ..domain import access, documents, requirements, signing
from ..domain.documents import Document, DocumentKind
from ..domain.emails import reference
from ..domain.errors import Conflict, DomainError, Forbidden, NotFound
from ..domain.i18n import pick
from ..domain.reads import DOCUMENT_READ, DOCUMENTS_LISTED, Origin
from ..domain.records import ApplicationFile, AuditEntry, FileUpdate
from ..domain.workflow import Actor, load_workflow
from . import reads
from .deps import Deps
from .ports import ConditionFailed, ObjectStore
from .workflow import load_file, stale

log = logging.getLogger(__name__)

TICKET_PURPOSE = "document-upload"
# The ticket outlives the form by this much: a 10 MB upload on a slow line still lands on our page.
TICKET_GRACE_SECONDS = 30 * 60
WRITE_ATTEMPTS = 3
APPLICANT_ROLE = "applicant"


class DocumentRefused(DomainError):
    """The upload is not a PDF, JPEG or PNG by its first bytes, or is empty or over 10 MB: it was deleted."""

    status = 422
    code = "document-refused"
    title_en = "This file was refused"
    title_fr = "Ce fichier a été refusé"


class DocumentUnavailable(Conflict):
    """The malware scan has not passed this document (not yet, or never): staff cannot open it."""

    code = "document-unavailable"
    title_en = "This document is not available"
    title_fr = "Ce document n'est pas disponible"


def _objects(deps: Deps) -> ObjectStore:
    if deps.objects is None:  # a wiring mistake, never a request's fault
        raise RuntimeError("no object store in Deps: documents need deps.objects")
    return deps.objects


def needed(deps: Deps, file: ApplicationFile) -> list[DocumentKind]:
    """The documents the file's call asks this applicant for (none for a file filed before calls existed)."""
    stored = deps.store.catalogue.bulletin(file.bulletin_id) if file.bulletin_id else None
    if stored is None:
        return []
    asked = list(stored.bulletin.criteria.required_documents)
    mission = deps.store.catalogue.mission(stored.bulletin.mission_id)
    if mission is not None:  # never a document of a stage the file's path never reaches (domain/requirements.py)
        wf = load_workflow()
        asked = requirements.documents(wf.pathway_of(mission), mission, wf.stages, asked)
    return documents.required_kinds(asked, file.track)


def scan_tag(deps: Deps, doc: Document) -> str | None:
    """The scan's tag on the version the document pinned. The current version's tags come in one call and say
    which version they are: when that is not the pinned one, another post reached the key after the check, so every
    other version is deleted (the pinned one is current again, and the bucket's lifecycle, which removes noncurrent
    versions after a day, cannot take it) and the pinned version's tags are read."""
    objects = _objects(deps)
    version, tags = objects.tags(doc.key)
    if doc.version_id is None:  # recorded before versions were pinned: the key's current version
        return tags.get(documents.SCAN_TAG)
    if version != doc.version_id:
        _keep_only_pinned(objects, doc)
        version, tags = objects.tags(doc.key, doc.version_id)
        if version is None:
            return documents.PINNED_VERSION_GONE
    return tags.get(documents.SCAN_TAG)


def _keep_only_pinned(objects: ObjectStore, doc: Document) -> int:
    """Delete, for good, every version of the document's key but the one checked and recorded; how many."""
    if doc.version_id is None:
        return 0
    others = documents.other_versions(objects.versions(doc.key), doc.version_id)
    for version in others:
        objects.delete(doc.key, version)
    if others:  # no personal data: the document id and a count
        log.warning("document: other versions of a recorded upload deleted",
                    extra={"document_id": doc.document_id, "versions_deleted": len(others)})
    return len(others)


# --- the applicant ---------------------------------------------------------------------------------------------

def ticket(secret: str, application_id: str, kind: str, document_id: str, expires: int) -> str:
    """``<kind>.<document id>.<expiry, epoch seconds>.<MAC>``: what the received page may record, and until when."""
    mac = signing.sign(secret, TICKET_PURPOSE, application_id, kind, document_id, str(expires))
    return f"{kind}.{document_id}.{expires}.{mac}"


def read_ticket(secret: str, application_id: str, value: str, now: float) -> tuple[str, str]:
    """(kind, document id) of a ticket signed for this file and not expired; 404 otherwise (says nothing more)."""
    parts = (value or "").split(".")
    refused = NotFound("This upload link is not valid, or has expired.", "Ce lien d'envoi n'est pas valide, ou il est expiré.")
    if len(parts) != 4 or not parts[2].isdigit():
        raise refused
    kind, document_id, expires, mac = parts
    if not signing.verify(secret, TICKET_PURPOSE, mac, application_id, kind, document_id, expires):
        raise refused
    if int(expires) < now or kind not in documents.kinds() or not documents.valid_document_id(document_id):
        raise refused
    return kind, document_id


def applicant_view(deps: Deps, file: ApplicationFile, received_url: Callable[[str], str]) -> dict[str, Any]:
    """Each document the call needs, with its state (missing, checking, accepted, refused) and, while the file is
    open, a fresh upload form (a presigned POST whose redirect is ``received_url(ticket)``)."""
    open_file = not load_workflow().is_terminal(file.stage)
    latest = documents.latest_by_kind(file.documents)
    rows = []
    now = int(deps.clock().timestamp())
    for kind in needed(deps, file):
        doc = latest.get(kind.code)
        state = documents.MISSING if doc is None else documents.applicant_state(scan_tag(deps, doc))
        row: dict[str, Any] = {"kind": kind.code, "label": kind.label, "hint": kind.hint, "state": state,
                               "uploaded_at": doc.uploaded_at if doc else None, "upload": None}
        if open_file and state != documents.CHECKING:
            row["upload"] = _upload_form(deps, file, kind.code, now, received_url)
        rows.append(row)
    return {"application_id": file.application_id, "reference": reference(file.application_id),
            "documents": rows, "closed": not open_file, "max_megabytes": documents.MAX_MEGABYTES}


def _upload_form(deps: Deps, file: ApplicationFile, kind: str, now: int,
                 received_url: Callable[[str], str]) -> dict[str, Any]:
    document_id = documents.new_document_id()
    key = documents.object_key(file.application_id, kind, document_id)
    expires = now + documents.UPLOAD_SECONDS + TICKET_GRACE_SECONDS
    redirect = received_url(ticket(deps.settings.token_secret, file.application_id, kind, document_id, expires))
    url, fields = _objects(deps).presign_post(key, documents.upload_conditions(file.application_id),
                                              {"success_action_redirect": redirect}, documents.UPLOAD_SECONDS)
    return {"url": url, "fields": fields, "document_id": document_id}


def record_upload(deps: Deps, application_id: str, ticket_value: str, key: str | None = None) -> dict[str, Any]:
    """The bucket sent the browser back after an upload: check it by its first bytes and its size, then record it
    on the file (audited). A wrong type, an empty file or one over 10 MB is deleted and refused (422); a second
    arrival with the same ticket answers as the first."""
    kind, document_id = read_ticket(deps.settings.token_secret, application_id, ticket_value, deps.clock().timestamp())
    expected = documents.object_key(application_id, kind, document_id)
    if key is not None and key != expected:
        raise NotFound("This upload link is not valid, or has expired.", "Ce lien d'envoi n'est pas valide, ou il est expiré.")
    file = deps.store.files.get(application_id)
    if file is None:
        raise NotFound("No such file.", "Dossier introuvable.")
    objects = _objects(deps)
    done = next((d for d in file.documents if d.document_id == document_id), None)
    if done is not None:
        # The same form posted again (its policy is valid for minutes) lands here with the same ticket: what was
        # recorded stays, and the new bytes, never checked, are deleted.
        _keep_only_pinned(objects, done)
        return {"application_id": application_id, "document": done.as_dict(), "already_recorded": True}
    head = objects.head(expected)
    if head is None:
        raise NotFound("No file arrived; send it again.", "Aucun fichier n'est arrivé; envoyez-le de nouveau.")
    size, version = head  # this version, and only it, is checked and recorded
    content_type = _check(objects, expected, size, version)
    if load_workflow().is_terminal(file.stage):
        objects.delete(expected, version)
        raise Conflict("This file is closed; it takes no more documents.",
                       "Ce dossier est fermé; il ne reçoit plus de documents.")
    doc = Document(document_id=document_id, kind=kind, key=expected, content_type=content_type, size=size,
                   uploaded_at=deps.now(), version_id=version)
    _write(deps, file, lambda f: (*f.documents, doc), "document_uploaded", APPLICANT_ROLE, APPLICANT_ROLE,
           {"document_id": document_id, "kind": kind, "content_type": content_type, "size": size,
            "version_id": version}, doc.uploaded_at)
    _keep_only_pinned(objects, doc)  # a post of the same form before this one: never checked, never kept
    return {"application_id": application_id, "document": doc.as_dict(), "already_recorded": False}


def _check(objects: ObjectStore, key: str, size: int, version: str | None) -> str:
    """The type of this version by its first bytes, or DocumentRefused once it is deleted."""
    problem = documents.size_problem(size)
    content_type = None if problem else documents.sniff(objects.first_bytes(key, documents.FIRST_BYTES, version))
    if content_type is None:
        objects.delete(key, version)
        if problem == "too_large":
            raise DocumentRefused(f"The file is over {documents.MAX_MEGABYTES} MB; send a smaller one.",
                                  f"Le fichier dépasse {documents.MAX_MEGABYTES}\u00a0Mo; envoyez-en un plus petit.",
                                  reason=problem)
        if problem == "empty":
            raise DocumentRefused("The file is empty.", "Le fichier est vide.", reason=problem)
        raise DocumentRefused("The file is not a PDF, JPEG or PNG; send one of those.",
                              "Le fichier n'est pas un PDF, un JPEG ou un PNG; envoyez l'un de ceux-là.",
                              reason="wrong_type")
    return content_type


def _write(deps: Deps, file: ApplicationFile, documents_of: Callable[[ApplicationFile], tuple[Document, ...]] | None,
           kind: str, actor_id: str, actor_role: str, details: dict[str, Any], at: str,
           keep_updated_at: bool = False) -> int:
    """The file's next version (with its documents, when ``documents_of`` says them) and its audit row, in one
    write; a file changed meanwhile is read again and the write tried again."""
    for _ in range(WRITE_ATTEMPTS):
        update = FileUpdate(file.application_id, file.version, file.updated_at if keep_updated_at else at,
                            documents=documents_of(file) if documents_of else None)
        uow = deps.store.unit_of_work()
        uow.update_file(update)
        uow.append_audit(AuditEntry(f"application#{file.application_id}", update.version, at=at, kind=kind,
                                    actor_id=actor_id, actor_role=actor_role, details=details))
        try:
            uow.commit()
            return update.version
        except ConditionFailed:
            again = deps.store.files.get(file.application_id)
            if again is None:
                raise NotFound("No such file.", "Dossier introuvable.") from None
            file = again
    raise stale(file)


# --- staff -----------------------------------------------------------------------------------------------------

def _readable(actor: Actor, doc_kind: str) -> bool:
    kind = documents.kinds().get(doc_kind)
    return access.can_read_document(actor, bool(kind and kind.medical))


def _staff_row(deps: Deps, doc: Document) -> dict[str, Any]:
    tag = scan_tag(deps, doc)
    kind = documents.kinds().get(doc.kind)
    return {"document_id": doc.document_id, "kind": doc.kind, "label": dict(kind.label) if kind else None,
            "content_type": doc.content_type, "size": doc.size, "uploaded_at": doc.uploaded_at,
            "scan_status": tag, "state": documents.applicant_state(tag), "available": documents.available_to_staff(tag)}


def staff_list(deps: Deps, actor: Actor, application_id: str, origin: Origin | None = None) -> dict[str, Any]:
    """The file's documents this role may read (newest upload of each kind first), each with the scan's word; the
    listing is recorded first (services/reads.py)."""
    file = load_file(deps, application_id, actor)
    reads.record(deps, actor, application_id, DOCUMENTS_LISTED, origin)
    shown = [d for d in sorted(file.documents, key=lambda d: d.uploaded_at, reverse=True) if _readable(actor, d.kind)]
    latest = {d.document_id for d in documents.latest_by_kind(file.documents).values()}
    needed_kinds = [k.code for k in needed(deps, file)]
    return {"application_id": application_id, "needed": needed_kinds,
            "documents": [{**_staff_row(deps, d), "latest": d.document_id in latest} for d in shown]}


def staff_open(deps: Deps, actor: Actor, application_id: str, document_id: str,
               origin: Origin | None = None) -> dict[str, Any]:
    """A link that opens the document for a few minutes, once the scan has passed it; the opening is audited on the
    file (who, which document) and recorded in its read log (from where: services/reads.py) before the link is
    given."""
    file = load_file(deps, application_id, actor)
    doc = next((d for d in file.documents if d.document_id == document_id), None)
    if doc is None:
        raise NotFound("No such document.", "Document introuvable.")
    if not _readable(actor, doc.kind):
        raise Forbidden("Your role may not open this document.", "Votre rôle ne permet pas d'ouvrir ce document.")
    tag = scan_tag(deps, doc)
    if not documents.available_to_staff(tag):
        raise DocumentUnavailable("The malware scan has not passed this document.",
                                  "L'analyse antimaliciel n'a pas accepté ce document.", scan_status=tag)
    objects = _objects(deps)
    # The bytes checked again, on the version the link will name: what staff open is what was checked and scanned.
    if not documents.same_type(doc.content_type, objects.first_bytes(doc.key, documents.FIRST_BYTES, doc.version_id)):
        log.warning("document: bytes differ from the type recorded", extra={"document_id": doc.document_id})
        raise DocumentUnavailable("This document's contents are not the type that was checked.",
                                  "Le contenu de ce document n'est pas du type vérifié.", scan_status=tag)
    reads.record(deps, actor, application_id, DOCUMENT_READ, origin,
                 {"document_id": doc.document_id, "document_kind": doc.kind})
    at = deps.now()
    _write(deps, file, None, "document_opened", actor.actor_id, actor.role,
           {"document_id": doc.document_id, "kind": doc.kind, "version_id": doc.version_id}, at,
           keep_updated_at=True)
    filename = f"{reference(application_id)}-{doc.kind}.{documents.EXTENSIONS.get(doc.content_type, 'bin')}"
    url = objects.presign_get(doc.key, documents.OPEN_SECONDS, filename, doc.content_type, doc.version_id)
    return {"application_id": application_id, "document_id": doc.document_id, "url": url,
            "expires_in": documents.OPEN_SECONDS}


def label_of(kind: str, lang: str) -> str:
    known = documents.kinds().get(kind)
    return pick(known.label, lang) if known else kind

