"""Return and reintegration: the readiness staff's guide tasks, and the file's completion.

- "Before the Mission" opens as a task when the family-readiness form is saved asking for it
  (services/applicant.save_family_readiness), the "Mission Reintegration Guide" when the officer
  returns and the form on file asks for it (services/workflow.move); each in the transaction of the
  change that opens it.
- IRSS list the tasks and mark each done when they have sent the guide: the task, the file's version
  (the file's lock: a follow-up recorded meanwhile cannot miss the completion) and its audit row in
  one transaction. A second mark answers the same, without a write or an email.
- A returned file is complete when International Health Services have recorded the post-mission
  follow-up (services/workflow.record_post_mission_follow_up) and every guide task of the file is
  done; whichever of the two comes last completes it and writes the applicant's email.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from ..domain import bodies, emails, listing, reintegration
from ..domain.emails import reference
from ..domain.errors import NotFound, StaleState
from ..domain.records import ApplicationFile, AuditEntry, FileUpdate, OutboxMessage
from ..domain.reintegration import GuideTask
from ..domain.workflow import Actor, load_workflow
from . import notifications
from .deps import Deps
from .ports import ConditionFailed, UnitOfWork

COMPLETE_TEMPLATE = emails.FILE_COMPLETE


def open_tasks(deps: Deps, uow: UnitOfWork, file: ApplicationFile, form: Mapping[str, Any] | None,
               guides: Iterable[str], now: str) -> list[GuideTask]:
    """Record in ``uow`` a task for each of ``guides`` the form asks for and the file has no task for yet."""
    opened = []
    for guide in guides:
        if not reintegration.asked_for(form, guide):
            continue
        if deps.store.tasks.get(reintegration.task_id_for(file.application_id, guide)) is not None:
            continue  # a form saved again asks for nothing new
        task = reintegration.new_task(file.application_id, guide, file.language, file.full_name, file.email, now)
        uow.open_task(task)
        opened.append(task)
    return opened


def completion_message(deps: Deps, file: ApplicationFile, version: int) -> OutboxMessage:
    """The applicant's email that their file is complete (their language, their private link)."""
    return notifications.new_message(
        deps, notifications.message_id(file.application_id, version, "applicant"), file.application_id,
        COMPLETE_TEMPLATE, "applicant", file.email, file.language,
        {"mission_id": file.mission_id, "stage": file.stage, "pathway": load_workflow().pathway_of(file.mission).name,
         "police_service": file.police_service})


def completes(file: ApplicationFile, follow_up_done: bool, tasks: Iterable[GuideTask]) -> bool:
    """Whether this change completes a returned file (it was not complete before)."""
    return (file.stage == reintegration.RETURNED and file.completed_at is None
            and reintegration.is_complete(follow_up_done, tasks))


# --- the readiness staff's list -------------------------------------------------------

def status_filter(params: Mapping[str, str]) -> str:
    """``?status=open|done|all`` (open when absent)."""
    return listing.status_param(params, reintegration.STATUSES, reintegration.OPEN)


def task_view(task: GuideTask) -> dict[str, Any]:
    return {**task.as_dict(), "reference": reference(task.application_id)}


def list_tasks(deps: Deps, params: Mapping[str, str]) -> dict[str, Any]:
    status = status_filter(params)
    return {"status": status, "tasks": [task_view(t) for t in deps.store.tasks.listed(status)]}


def mark_sent(deps: Deps, actor: Actor, task_id: str, body: Any) -> dict[str, Any]:
    """IRSS sent the guide: the task is done (idempotent: a task already done answers as it stands)."""
    bodies.require_valid("GuideTaskSentRequest", body)
    task = deps.store.tasks.get(task_id)
    if task is None:
        raise NotFound("No such guide task.", "Tâche d'envoi de guide introuvable.")
    if task.done:
        return task_view(task)
    file = deps.store.files.get(task.application_id)
    if file is None:
        raise NotFound("No such file.", "Dossier introuvable.")
    now = deps.now()
    done = task.sent(actor.actor_id, now)
    others = [t for t in deps.store.tasks.for_application(file.application_id) if t.task_id != task_id]
    complete = completes(file, file.follow_up_done_at is not None, [done, *others])
    update = FileUpdate(file.application_id, file.version, now, completed_at=now if complete else None)
    rows = [completion_message(deps, file, update.version)] if complete else []
    uow = deps.store.unit_of_work()
    uow.mark_task_sent(done, task.version)
    uow.update_file(update)
    uow.append_audit(AuditEntry(f"application#{file.application_id}", update.version, at=now, kind="guide_sent",
                                actor_id=actor.actor_id, actor_role=actor.role,
                                details={"task_id": task_id, "guide": task.guide, "complete": complete}))
    for row in rows:
        uow.add_outbox(row)
    try:
        uow.commit()
    except ConditionFailed as exc:
        current = deps.store.tasks.get(task_id)
        if current is not None and current.done:  # marked meanwhile by another request: the same answer
            return task_view(current)
        raise StaleState("The file changed meanwhile; try again.", "Le dossier a changé entre-temps; réessayez.") from exc
    return task_view(done)
