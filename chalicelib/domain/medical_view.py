"""What a role without medical access reads of a file closed at the health assessment: one neutral presentation.

Hiding the medical end's name is not enough when its neighbours tell it (issue 21, finding 1): the closing row's
actor (health staff), a blank reason where IRSS's closings have one, a Reason cell filled for one and empty for
the other. So every *selection closing at the health assessment* (the medical end, and "not selected" from the
medical stage, whoever made it and why) reads the same to every staff role without medical access: the stage
"not selected", made by the selection team (no role, no person), with one coded reason, ``selection_decision``
("Decision of the selection team"), and no note. The API's file and its audit rows, the list rows and the stage
filter, the CSV export, the console's pages, the counts and a refused move all read this module.

Medical readers (IRSS and health, ``access.MEDICAL_READERS``) and the applicant read the truth. A withdrawal at
the medical stage is the applicant's or their service's act, not a selection decision: it reads as it is.

>>> from .workflow import Actor
>>> coordinator = Actor("service_coordinator", "c-1", "spvm")
>>> masks(coordinator, "medical", "not_selected"), masks(coordinator, "interview", "not_selected")
(True, False)
>>> masks(Actor("irss", "i-1"), "medical", "medically_unfit"), masks(coordinator, None, "medically_unfit")
(False, True)
>>> shown_reason(coordinator, "not_selected", "medical", "criteria_not_met")
'selection_decision'
"""
from __future__ import annotations

from typing import Any, Mapping

from . import access
from .i18n import pick
from .workflow import Actor, load_workflow

SELECTION_TEAM = "selection_team"  # the actor shown (actor_role; no actor_id) for a masked closing
NEUTRAL_REASON = "selection_decision"
NEUTRAL_REASON_LABEL: Mapping[str, str] = {"en": "Decision of the selection team",
                                           "fr": "Décision de l'équipe de sélection"}


def masks(actor: Actor, from_stage: str | None, to_stage: str | None) -> bool:
    """Whether a move into ``to_stage`` from ``from_stage`` reads neutrally to ``actor``: a selection closing at
    the health assessment (the medical end, from anywhere; not selected, from the medical stage), for a staff
    role without medical access."""
    if to_stage is None or actor.role == access.APPLICANT or access.can_read_medical(actor):
        return False
    if to_stage == access.MEDICAL_END:
        return True
    return to_stage == access.MEDICAL_END_SHOWN_AS and from_stage == load_workflow().medical_stage


def shown_reason(actor: Actor, stage: str, from_stage: str | None, reason: str | None) -> str | None:
    """The coded reason of the move into ``stage`` as ``actor`` reads it (the neutral one for a masked closing)."""
    return NEUTRAL_REASON if masks(actor, from_stage, stage) else reason


def reason_label(stage: str | None, code: str | None, lang: str) -> str:
    """A move's coded reason in words: the neutral reason's own label, else the workflow's ("" for none; a code
    the workflow no longer has: the code)."""
    if not code:
        return ""
    if code == NEUTRAL_REASON:
        return pick(NEUTRAL_REASON_LABEL, lang)
    rule = load_workflow().reason_rule(stage) if stage else None
    known = rule.codes.get(code) if rule else None
    return pick(known.label, lang) if known else code


def audit_row(actor: Actor, row: Mapping[str, Any]) -> dict[str, Any]:
    """An audit row (as the API shows it) as ``actor`` reads it: a masked closing names the selection team, the
    neutral reason and no note; a medical end reads as not selected to everyone without medical access."""
    out = dict(row)
    to_stage = row.get("to_stage")
    if masks(actor, row.get("from_stage"), to_stage):
        out.update(actor_id=None, actor_role=SELECTION_TEAM, to_stage=access.MEDICAL_END_SHOWN_AS,
                   reason_code=NEUTRAL_REASON, note=None)
    elif to_stage:
        out["to_stage"] = access.stage_seen_by(actor, to_stage)
    return out


def stages_filtered(actor: Actor, stage: str) -> tuple[str, ...]:
    """The stored stages whose files a filter on ``stage`` lists for ``actor``: those that read as it (a filter on
    "not selected" lists the medical end's files too, for a role that reads them as not selected)."""
    return (stage, *[s for s in load_workflow().stages if s != stage and access.stage_seen_by(actor, s) == stage])
