"""The audit view's rules: the time-ordered listing key, the filters, and what a row shows to whom.

Every audit row carries, besides its (subject, seq) key, a listing key for the ``by_month`` index: the month of its
time (UTC, ``YYYY-MM``) as the partition and ``<at>#<subject>#<seq>`` as the sort key, so every staff action of a
month is one Query, newest first, whatever its subject. The adapters write both on every append; rows from before
the index get them from the seed step's backfill (services/catalogue.seed, run by scripts/local.py and the deploy's
seeding), which is idempotent.

A row as the audit list shows it is the kinds and subjects only: who (role and identifier), what (the kind and, for a
stage change, the stages; for a catalogue or roster change, the change's name), when, and which subject. Never a
note's text, a family-readiness form, a medical outcome or any other ``details``. For a role without medical access
a closing at the health assessment reads as domain/medical_view.py says (the selection team, not selected, the
neutral reason), exactly as the file's own trail reads to it; a read by health staff or of a medical document is
left out as the read log leaves it out (domain/reads.shown_to); a legal hold's rows are its roles' only.

>>> listing_key("2026-12-07T14:03:21.000000Z", "cap#haiti", 3)
('2026-12', '2026-12-07T14:03:21.000000Z#cap#haiti#00000000000000000003')
>>> months_between("2026-11", "2027-01")
['2027-01', '2026-12', '2026-11']
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Iterable, Mapping

from . import access, medical_view
from .bulletins import PROGRAM_TIME
from .records import AuditEntry
from .workflow import Actor

ROLES = ("irss", "admin")  # who reads the audit list and exports it
READS_KIND = "audit_read"  # a search or an export of the audit, itself recorded (services/audit_log.py)
SUBJECT = "audit-reads"  # those rows' one subject
# Kinds whose ``details`` name the change made (a word, never personal data): shown as the row's "what".
CHANGE_KINDS = ("catalogue_change", "roster_change", READS_KIND)
# What a change row's ``change`` says (before any ":"), each with its words in both languages
# (console/text.json "audit_change_<code>"): calls, missions and caps, roster entries, the audit's own reads.
CHANGES = ("created", "published", "extended", "closed-early", "copied", "updated", "authorized", "search", "export",
           "added", "corrected", "ended", "imported", "rotated_out", "started")


def change_key(change: str) -> str:
    """The text key of a change's words (text keys are identifiers: "closed-early" reads "closed_early")."""
    return "audit_change_" + change.replace("-", "_")
MONTHS_BACK = 36  # how far back a search without a "from" day looks
FILTERS = ("actor", "kind", "subject", "from", "to")


def listing_key(at: str, subject: str, seq: int) -> tuple[str, str]:
    """(month, sort key) of a row in the ``by_month`` index."""
    return at[:7], f"{at}#{subject}#{seq:020d}"


def months_between(first: str, last: str) -> list[str]:
    """The months from ``last`` back to ``first`` (``YYYY-MM``), newest first."""
    y, m = int(last[:4]), int(last[5:7])
    out = []
    while f"{y:04d}-{m:02d}" >= first:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out


def search_day(value: str) -> date:
    """A search's day (``YYYY-MM-DD``, years 2000 to 2999: the program's records); ValueError otherwise.

    >>> search_day("2026-12-07"), search_day("0155-10-12")
    Traceback (most recent call last):
    ...
    ValueError: day out of range: 0155-10-12
    """
    day = date.fromisoformat(value)
    if not 2000 <= day.year <= 2999:
        raise ValueError(f"day out of range: {value}")
    return day


def day_start_utc(day: date) -> str:
    """The instant an Ottawa day starts, as the sortable UTC text audit rows carry."""
    at = datetime.combine(day, time(0), tzinfo=PROGRAM_TIME).astimezone(timezone.utc)
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class Search:
    """A parsed search: ``since``/``until`` are UTC instants (``until`` excluded), from Ottawa days."""

    actor: str | None = None
    kind: str | None = None
    subject: str | None = None
    since: str | None = None
    until: str | None = None

    @classmethod
    def parse(cls, params: Mapping[str, str]) -> "Search":
        """Filters from a query (``from``/``to``: Ottawa days, both included). ValueError for a bad day."""
        def text(name: str) -> str | None:
            value = str(params.get(name) or "").strip()
            return value[:200] or None

        first, last = text("from"), text("to")
        return cls(actor=text("actor"), kind=text("kind"), subject=text("subject"),
                   since=day_start_utc(search_day(first)) if first else None,
                   until=day_start_utc(search_day(last) + timedelta(days=1)) if last else None)

    def months(self, now: str) -> list[str]:
        last = min(self.until, now) if self.until else now
        y, m = divmod(int(last[:4]) * 12 + int(last[5:7]) - 1 - (MONTHS_BACK - 1), 12)
        first = self.since[:7] if self.since else f"{y:04d}-{m + 1:02d}"
        return months_between(first, last[:7])

    def matches(self, row: Mapping[str, Any]) -> bool:
        """Whether a row, as the viewer reads it (``shown``), passes the filters: a masked row is matched on what it
        shows (the selection team), never on who made it."""
        if self.since and row["at"] < self.since or self.until and row["at"] >= self.until:
            return False
        if self.kind and row["kind"] != self.kind:
            return False
        if self.actor and self.actor.lower() not in f"{row['actor_id'] or ''} {row['actor_role']}".lower():
            return False
        return not self.subject or self.subject.lower() in row["subject"].lower()

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in vars(self).items() if v}


def _medical_document(row: AuditEntry, medical_kinds: Iterable[str]) -> bool:
    return bool(row.details) and (row.details or {}).get("document_kind") in set(medical_kinds)


def visible(actor: Actor, row: AuditEntry, medical_kinds: Iterable[str], hold_kinds: Iterable[str],
            hold_roles: Iterable[str]) -> bool:
    """Whether the row is in ``actor``'s audit list at all (the read log's and the legal hold's rules)."""
    if row.kind in set(hold_kinds) and actor.role not in set(hold_roles):
        return False
    if row.subject.startswith("reads#") and not access.can_read_medical(actor):
        return row.actor_role != "health" and not _medical_document(row, medical_kinds)
    return True


def shown(actor: Actor, row: AuditEntry) -> dict[str, Any]:
    """The row as the audit list shows it to ``actor``: kinds and subjects, never notes or details."""
    change = (row.details or {}).get("change") if row.kind in CHANGE_KINDS else None
    base = {"at": row.at, "subject": row.subject, "seq": row.seq, "kind": row.kind, "actor_id": row.actor_id,
            "actor_role": row.actor_role, "from_stage": row.from_stage, "to_stage": row.to_stage,
            "reason_code": row.reason_code, "change": str(change).split(":")[0] if change else None}
    out = medical_view.audit_row(actor, base)
    return {k: out[k] for k in base}
