"""Documents an applicant sends with a file: the rules, in plain Python (no AWS).

A call for applications names the documents it needs (its criteria's ``required_documents``, codes of
chalicelib/data/document_kinds.json); a civilian analyst is never asked for a police qualification. The
applicant's browser posts each file straight to the object store (an S3 presigned POST, no script): these rules
say what that post may carry (the types, 1 byte to 10 MB), where it lands (the key layout: every key of a file
under ``documents/<application id>/``), how the app tells a file's type afterwards (its first bytes, never its
name), and what the malware scan's tag means for the applicant and for staff.

>>> sniff(b"%PDF-1.7\\n"), sniff(bytes.fromhex("ffd8ffe0")), sniff(b"GIF89a")
('application/pdf', 'image/jpeg', None)
>>> applicant_state("NO_THREATS_FOUND"), applicant_state(None), applicant_state("THREATS_FOUND")
('accepted', 'checking', 'refused')
"""
from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "document_kinds.json"

MIN_BYTES = 1
MAX_BYTES = 10 * 1024 * 1024  # 10 MB: the presigned POST's content-length-range, checked again after the upload
MAX_MEGABYTES = MAX_BYTES // (1024 * 1024)
# How long the upload form's presigned POST may be used, and a staff member's link to open a document.
UPLOAD_SECONDS = 15 * 60
OPEN_SECONDS = 5 * 60
# The magic numbers of the accepted types: the object's first bytes decide, never its name or declared type.
MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (bytes.fromhex("ffd8ff"), "image/jpeg"),
    (bytes.fromhex("89504e470d0a1a0a"), "image/png"),
)
FIRST_BYTES = max(len(m) for m, _ in MAGIC)  # what the ranged GET reads: bytes=0-7
ACCEPT = "application/pdf,image/jpeg,image/png,.pdf,.jpg,.jpeg,.png"  # the file input's hint (not a check)
EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}

# GuardDuty Malware Protection for S3 tags every object it scans with this key, one of these values.
SCAN_TAG = "GuardDutyMalwareScanStatus"
SCAN_PASSED = "NO_THREATS_FOUND"
SCAN_REFUSED = ("THREATS_FOUND", "UNSUPPORTED", "ACCESS_DENIED", "FAILED")
# Not a scan's tag: the version a document pinned is no longer in the bucket (the lifecycle removed it once another
# post made it noncurrent and nothing put it back in time). Read like a refusal: the applicant uploads again.
PINNED_VERSION_GONE = "PINNED_VERSION_GONE"
# What the applicant reads (and staff see): checking until the tag comes, then accepted or refused.
CHECKING, ACCEPTED, REFUSED = "checking", "accepted", "refused"
MISSING = "missing"  # a kind the call needs with no upload yet

KEY_ROOT = "documents"
_ID = re.compile(r"^d-[a-z2-7]{16}$")
_KEY = re.compile(r"^documents/(?P<application_id>[A-Za-z0-9-]{1,64})/(?P<kind>[a-z_]{2,40})/(?P<document_id>d-[a-z2-7]{16})$")


@dataclass(frozen=True)
class DocumentKind:
    code: str
    police_only: bool
    label: Mapping[str, str]
    hint: Mapping[str, str]
    medical: bool = False  # medical information: read only by the medical readers (domain/access.py)


@dataclass(frozen=True)
class Document:
    """One upload recorded on a file: its type was checked by its first bytes; the scan's word is the object's tag.

    ``version_id`` pins the object's version whose first bytes were checked: the bucket is versioned and the upload
    form stays valid for minutes, so the same form can post other bytes to the same key afterwards. Every later read
    (the scan's tag, the bytes checked again, staff's link) names this version; any other version of the key is
    deleted. None only for a document recorded before versions were pinned (its key's current version is read)."""

    document_id: str
    kind: str
    key: str
    content_type: str
    size: int
    uploaded_at: str
    version_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"document_id": self.document_id, "kind": self.kind, "key": self.key,
                               "content_type": self.content_type, "size": self.size, "uploaded_at": self.uploaded_at}
        if self.version_id is not None:
            out["version_id"] = self.version_id
        return out

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> "Document":
        version = raw.get("version_id")
        return cls(document_id=str(raw["document_id"]), kind=str(raw["kind"]), key=str(raw["key"]),
                   content_type=str(raw["content_type"]), size=int(raw["size"]), uploaded_at=str(raw["uploaded_at"]),
                   version_id=None if version is None else str(version))


@lru_cache(maxsize=1)
def kinds() -> dict[str, DocumentKind]:
    """Every kind of document a call may ask for, by code, in the data file's order."""
    raw = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    return {k["code"]: DocumentKind(k["code"], bool(k["police_only"]), dict(k["label"]), dict(k["hint"]),
                                    bool(k.get("medical", False)))
            for k in raw["kinds"]}


def required_kinds(required: Iterable[str], track: str) -> list[DocumentKind]:
    """What a call asks this applicant for: its documents, without the police-only ones for a civilian analyst.

    >>> [k.code for k in required_kinds(["first_aid_cpr", "firearms"], "civilian_analyst")]
    ['first_aid_cpr']
    """
    known = kinds()
    return [known[c] for c in dict.fromkeys(required)
            if c in known and not (known[c].police_only and track != "police_officer")]


def new_document_id() -> str:
    """A random id (80 bits, base32 lower case): a key names no person and cannot be guessed."""
    alphabet = "abcdefghijklmnopqrstuvwxyz234567"
    return "d-" + "".join(secrets.choice(alphabet) for _ in range(16))


def valid_document_id(value: str | None) -> bool:
    return bool(value) and bool(_ID.match(value or ""))


def file_prefix(application_id: str) -> str:
    """Where every object of one file lives; the presigned POST's key must start with it."""
    return f"{KEY_ROOT}/{application_id}/"


def object_key(application_id: str, kind: str, document_id: str) -> str:
    """``documents/<application id>/<kind>/<document id>``: no name the applicant typed, no extension."""
    return f"{file_prefix(application_id)}{kind}/{document_id}"


def parse_key(key: str) -> tuple[str, str, str] | None:
    """(application id, kind, document id) of a key this layout makes; None for any other."""
    m = _KEY.match(key or "")
    return (m["application_id"], m["kind"], m["document_id"]) if m else None


def upload_conditions(application_id: str) -> list[Any]:
    """The presigned POST's policy conditions beyond the exact key and bucket (which the signer adds): the size
    range and the file's prefix."""
    return [["content-length-range", MIN_BYTES, MAX_BYTES], ["starts-with", "$key", file_prefix(application_id)]]


def sniff(first: bytes) -> str | None:
    """The type these first bytes announce (PDF, JPEG or PNG), or None for anything else."""
    for magic, content_type in MAGIC:
        if first.startswith(magic):
            return content_type
    return None


def size_problem(size: int) -> str | None:
    """"empty" or "too_large" (the store is asked again: a POST policy is the store's check, not ours), or None."""
    if size < MIN_BYTES:
        return "empty"
    return "too_large" if size > MAX_BYTES else None


def applicant_state(tag: str | None) -> str:
    """The scan's tag as the applicant reads it: no tag yet is still being checked; any tag but a pass is refused
    (threats found, a type the scanner cannot read, no access, a failed scan: the applicant uploads again)."""
    if tag is None:
        return CHECKING
    return ACCEPTED if tag == SCAN_PASSED else REFUSED


def available_to_staff(tag: str | None) -> bool:
    """Only a document the scan passed is opened for staff."""
    return tag == SCAN_PASSED


def other_versions(versions: Iterable[str], pinned: str) -> list[str]:
    """The versions of a document's key to delete: every one but the version checked and recorded (a post of the
    same form before it, or after it: bytes nobody checked, which must never be what staff open).

    >>> other_versions(["v3", "v2", "v1"], "v2")
    ['v3', 'v1']
    """
    return [v for v in versions if v != pinned]


def same_type(content_type: str, first: bytes) -> bool:
    """The bytes read now announce the type recorded when the upload was checked (checked again at each opening)."""
    return sniff(first) == content_type


def latest_by_kind(documents: Iterable[Document]) -> dict[str, Document]:
    """The newest upload of each kind (a second upload of a kind replaces the first for everyone)."""
    out: dict[str, Document] = {}
    for d in sorted(documents, key=lambda d: d.uploaded_at):
        out[d.kind] = d
    return out
