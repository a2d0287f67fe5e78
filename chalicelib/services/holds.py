"""Legal hold: IRSS or an administrator keeps a file from disposition while a proceeding, an investigation or a
formal request needs it (domain/retention.py: a held file is never due).

Placing and lifting are changes of the file (its version + 1, its ``updated_at`` left as it was: the applicant
does not see a hold) with an audit row of kind ``legal_hold`` or ``legal_hold_lifted`` carrying the reason, in one
unit of work. A file the retention job has begun disposing of refuses a hold (409): the job's mark is conditional
on the version it read, so whichever comes first wins and nothing is half done. Only the hold roles see the hold
and its rows on the file (``visible``).
"""
from __future__ import annotations

from typing import Any

from ..domain import bodies, retention
from ..domain.errors import Conflict, FieldError, ValidationFailed
from ..domain.records import AuditEntry, FileUpdate
from ..domain.workflow import Actor
from .deps import Deps
from .workflow import load_file, write_with_audit

HOLD_KINDS = (retention.HOLD_KIND, retention.HOLD_LIFTED_KIND)


class HoldConflict(Conflict):
    """The hold cannot change that way: already held, not held, or the file is being disposed of."""

    code = "legal-hold-conflict"
    title_en = "The legal hold cannot change this way"
    title_fr = "La suspension pour raisons juridiques ne peut pas changer ainsi"


def visible(entry: AuditEntry, actor: Actor) -> bool:
    """Whether ``actor`` sees this audit row (a hold's rows: the hold roles only)."""
    return entry.kind not in HOLD_KINDS or actor.role in retention.HOLD_ROLES


def _reason(body: Any) -> str:
    text = str(bodies.require_valid("LegalHoldRequest", body)["reason"]).strip()
    if not text:
        raise ValidationFailed([FieldError("/reason", "minLength", "Give the reason for the hold.",
                                           "Indiquez le motif de la suspension.")])
    return text


def view(hold: Any) -> dict[str, Any] | None:
    return dict(hold) if hold else None


def place(deps: Deps, actor: Actor, application_id: str, body: Any) -> dict[str, Any]:
    """``{"reason": text}``: the file is held (409 when it already is, or is being disposed of)."""
    file = load_file(deps, application_id, actor)
    reason = _reason(body)
    if file.legal_hold is not None:
        raise HoldConflict("This file is already on legal hold; lift it first to change the reason.",
                       "Ce dossier fait déjà l'objet d'une suspension pour raisons juridiques; levez-la d'abord "
                       "pour en changer le motif.")
    if file.disposing_at is not None:
        raise HoldConflict("This file is being disposed of under the retention schedule.",
                       "Ce dossier est en cours d'élimination selon le calendrier de conservation.")
    at = deps.now()
    hold = retention.hold_record(reason, at, actor.actor_id, actor.role)
    return _write(deps, actor, FileUpdate(file.application_id, file.version, file.updated_at, legal_hold=hold),
                  retention.HOLD_KIND, reason, at, hold)


def lift(deps: Deps, actor: Actor, application_id: str, body: Any) -> dict[str, Any]:
    """``{"reason": text}``: the file's hold is lifted (409 when it has none)."""
    file = load_file(deps, application_id, actor)
    reason = _reason(body)
    if file.legal_hold is None:
        raise HoldConflict("This file is not on legal hold.",
                       "Ce dossier ne fait pas l'objet d'une suspension pour raisons juridiques.")
    at = deps.now()
    return _write(deps, actor, FileUpdate(file.application_id, file.version, file.updated_at, lift_hold=True),
                  retention.HOLD_LIFTED_KIND, reason, at, None)


def _write(deps: Deps, actor: Actor, update: FileUpdate, kind: str, reason: str, at: str,
           hold: dict[str, str] | None) -> dict[str, Any]:
    write_with_audit(deps, actor, update, kind, reason, at)
    return {"application_id": update.application_id, "version": update.version, "legal_hold": hold}
