"""Return and reintegration: the guide tasks of the readiness staff and where a returned file's follow-up stands.

The family-readiness form asks two guides for (schemas/family-readiness.json): "Before the
Mission" (``wants_before_the_mission``) becomes a task when the form is saved with it ticked,
the "Mission Reintegration Guide" (``wants_reintegration_guide``) when the officer returns.
A task is IRSS's (the readiness staff, domain/access.FAMILY_READINESS_READERS): listed for
them, marked done when sent. Its id is the file's id and the guide's code, so a form saved
again, or a retried change, never opens a second task for the same guide.

A returned file's follow-up is done, and the file complete, when International Health
Services have recorded the post-mission follow-up and every guide task of the file is done.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Iterable, Mapping

OPEN, DONE = "open", "done"
STATUSES = (OPEN, DONE, "all")
BEFORE_THE_MISSION = "before_the_mission"
REINTEGRATION_GUIDE = "reintegration_guide"
# Each guide: the family-readiness field that asks for it, and its name.
GUIDES: dict[str, tuple[str, Mapping[str, str]]] = {
    BEFORE_THE_MISSION: ("wants_before_the_mission", {"en": "Before the Mission", "fr": "Avant la mission"}),
    REINTEGRATION_GUIDE: ("wants_reintegration_guide", {"en": "Mission Reintegration Guide",
                                                         "fr": "Guide de réintégration après la mission"}),
}
RETURNED = "returned"
TASK_SEPARATOR = "."


@dataclass(frozen=True)
class GuideTask:
    """A guide to send to an officer and their family (who, in which language; not why)."""

    task_id: str
    application_id: str
    guide: str
    language: str
    name: str
    email: str
    opened_at: str
    status: str = OPEN
    sent_at: str | None = None
    sent_by: str | None = None
    version: int = 1

    @property
    def done(self) -> bool:
        return self.status == DONE

    def sent(self, actor_id: str, now: str) -> "GuideTask":
        return replace(self, status=DONE, sent_at=now, sent_by=actor_id, version=self.version + 1)

    def as_dict(self) -> dict[str, Any]:
        return {"task_id": self.task_id, "application_id": self.application_id, "guide": self.guide,
                "guide_name": dict(GUIDES[self.guide][1]) if self.guide in GUIDES else {"en": self.guide,
                                                                                        "fr": self.guide},
                "language": self.language, "name": self.name, "email": self.email, "opened_at": self.opened_at,
                "status": self.status, "sent_at": self.sent_at, "sent_by": self.sent_by, "version": self.version}


def task_id_for(application_id: str, guide: str) -> str:
    return f"{application_id}{TASK_SEPARATOR}{guide}"


def asked_for(form: Mapping[str, Any] | None, guide: str) -> bool:
    """Whether the family-readiness form on file asks for this guide."""
    return form is not None and form.get(GUIDES[guide][0]) is True


def new_task(application_id: str, guide: str, language: str, name: str, email: str, now: str) -> GuideTask:
    return GuideTask(task_id=task_id_for(application_id, guide), application_id=application_id, guide=guide,
                     language=language, name=name, email=email, opened_at=now)


def guides_state(tasks: Iterable[GuideTask]) -> list[dict[str, Any]]:
    """What the applicant sees of each guide they asked for: on its way, or sent (and when)."""
    return [{"guide": t.guide, "name": dict(GUIDES[t.guide][1]), "state": "sent" if t.done else "on_its_way",
             "sent_at": t.sent_at} for t in sorted(tasks, key=lambda t: (t.opened_at, t.task_id)) if t.guide in GUIDES]


def is_complete(follow_up_done: bool, tasks: Iterable[GuideTask]) -> bool:
    """A returned file's follow-up is done: health's follow-up recorded and every guide it asked for sent."""
    return follow_up_done and all(t.done for t in tasks)


def follow_up_state(stage: str, returned_on: str | None, follow_up_done_at: str | None, completed_at: str | None,
                    tasks: Iterable[GuideTask]) -> dict[str, Any] | None:
    """Where a returned file's follow-up stands (None before the return)."""
    if stage != RETURNED:
        return None
    tasks = list(tasks)
    return {"returned_on": returned_on,
            "post_mission_follow_up": "done" if follow_up_done_at else "to_come",
            "guides_pending": sum(1 for t in tasks if not t.done),
            "complete": completed_at is not None, "completed_at": completed_at}

