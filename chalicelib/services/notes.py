"""Staff notes on a file: written with no move, kept in the file's audit trail, never emailed.

A note is an audit row of kind "note" at the file's next version, written with the version change in one
unit of work (so two notes, or a note and a move, never share a row, and a file changed meanwhile is a 409).
The file's ``updated_at`` is left as it was: the applicant's page shows when their file last changed, and a
note is not a change they see. Who may read notes: every staff role that may open the file (file_view's
audit); the applicant's timeline shows no notes (applicant.timeline), and no email is written.
"""
from __future__ import annotations

from typing import Any

from ..domain import bodies
from ..domain.errors import FieldError, ValidationFailed
from ..domain.records import FileUpdate
from ..domain.workflow import Actor
from .deps import Deps
from .workflow import load_file, write_with_audit

KIND = "note"


def add_note(deps: Deps, actor: Actor, application_id: str, body: Any) -> dict[str, Any]:
    """``{"note": text}`` on the file (404 outside the actor's scope; 422 for an empty or too long note)."""
    file = load_file(deps, application_id, actor)
    text = str(bodies.require_valid("NoteRequest", body)["note"]).strip()
    if not text:
        raise ValidationFailed([FieldError("/note", "minLength", "Write the note first.",
                                           "Écrivez d'abord la note.")])
    update = FileUpdate(file.application_id, file.version, file.updated_at)
    at = deps.now()
    write_with_audit(deps, actor, update, KIND, text, at)
    return {"application_id": application_id, "version": update.version,
            "note": {"seq": update.version, "at": at, "actor_role": actor.role, "note": text}}
