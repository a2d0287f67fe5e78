"""The selection workflow engine: reads the table in data/workflow.json.

A move is planned here (who may make it, which guards hold, which seat
effect and which emails follow); the repository then writes the plan in one
DynamoDB transaction. The seat guard is checked here for a clear message and
again, atomically, by the transaction's condition.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable, Mapping

from .errors import Forbidden, GuardRefused, StaleState, ValidationFailed, FieldError
from .figures import base_figures, fill_text
from .missions import DATA_DIR, Cap, Mission

ANY = "*"


@dataclass(frozen=True)
class FileState:
    """What the workflow needs to know of an application file."""

    application_id: str
    stage: str
    version: int
    mission_id: str
    cap_id: str
    police_service: str | None
    language: str
    family_readiness_on_file: bool = False
    medical_outcome: str | None = None
    modules: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Actor:
    """Who acts: a role, an id (Cognito subject or 'applicant'), a service scope."""

    role: str
    actor_id: str
    police_service: str | None = None


@dataclass(frozen=True)
class MoveRequest:
    to_stage: str
    expected_stage: str
    reason_code: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class MovePlan:
    application_id: str
    from_stage: str
    to_stage: str
    from_version: int
    to_version: int
    seat: str | None  # "take", "release" or None
    cap_id: str
    notify_coordinator: bool
    reason_code: str | None
    note: str | None
    actor: Actor
    initiated_by: str | None


Text = Mapping[str, str]  # {"en": ..., "fr": ...}


@dataclass(frozen=True)
class Stage:
    name: str
    label: Text
    next_step: Text
    terminal: bool
    email_template: str
    occupies_seat: bool = False
    records_medical_outcome: bool = False


@dataclass(frozen=True)
class Transition:
    from_stage: str  # a stage, or ANY: every open stage
    to_stage: str
    roles: tuple[str, ...]
    guards: tuple[str, ...]


@dataclass(frozen=True)
class ReasonCode:
    """A coded reason for entering a stage: who may give it, and from which stages."""

    code: str
    label: Text
    roles: tuple[str, ...] | None = None  # None: whoever may make the move
    from_stages: tuple[str, ...] | None = None  # None: any stage the move starts from

    def allows(self, role: str, from_stage: str) -> bool:
        return ((self.roles is None or role in self.roles)
                and (self.from_stages is None or from_stage in self.from_stages))


@dataclass(frozen=True)
class ReasonRule:
    required: bool
    codes: Mapping[str, ReasonCode]

    def codes_for(self, role: str, from_stage: str) -> list[ReasonCode]:
        """The reasons this role may give for a move from ``from_stage``, in the table's order."""
        return [c for c in self.codes.values() if c.allows(role, from_stage)]


@dataclass(frozen=True)
class Workflow:
    """The workflow table (data/workflow.json), typed and frozen."""

    initial: str
    stages: Mapping[str, Stage]
    transitions: tuple[Transition, ...]
    reasons: Mapping[str, ReasonRule]
    notify_coordinator_on: frozenset[str]
    un_modules: Mapping[str, Text]
    pass_mark: int
    medical_outcomes: tuple[str, ...]

    def stage(self, name: str) -> Stage:
        return self.stages[name]

    def is_terminal(self, name: str) -> bool:
        return self.stage(name).terminal

    def occupies_seat(self, name: str) -> bool:
        return self.stage(name).occupies_seat

    def transition(self, from_stage: str, to_stage: str) -> Transition | None:
        for t in self.transitions:
            if t.to_stage != to_stage:
                continue
            if t.from_stage == from_stage or (t.from_stage == ANY and not self.is_terminal(from_stage)):
                return t
        return None

    def next_stages(self, from_stage: str, role: str | None = None) -> list[str]:
        out = []
        for to in self.stages:
            t = self.transition(from_stage, to)
            if t and (role is None or role in t.roles):
                out.append(to)
        return out

    def reason_rule(self, to_stage: str) -> ReasonRule | None:
        return self.reasons.get(to_stage)

    def notifies_coordinator(self, to_stage: str) -> bool:
        return to_stage in self.notify_coordinator_on

    @property
    def medical_stage(self) -> str:
        """The stage where health staff record the medical outcome."""
        return next(s.name for s in self.stages.values() if s.records_medical_outcome)


def _stage(name: str, raw: Mapping[str, Any], numbers: Mapping[str, int]) -> Stage:
    return Stage(name=name, label=dict(raw["label"]), next_step=fill_text(raw["next_step"], numbers),
                 terminal=bool(raw["terminal"]), email_template=str(raw.get("email_template", name)),
                 occupies_seat=bool(raw.get("occupies_seat", False)),
                 records_medical_outcome=bool(raw.get("records_medical_outcome", False)))


def _optional_tuple(value: Any) -> tuple[str, ...] | None:
    return None if value is None else tuple(str(v) for v in value)


def _reason_rule(raw: Mapping[str, Any]) -> ReasonRule:
    codes = {code: ReasonCode(code=code, label={"en": c["en"], "fr": c["fr"]}, roles=_optional_tuple(c.get("roles")),
                              from_stages=_optional_tuple(c.get("from_stages")))
             for code, c in raw["codes"].items()}
    return ReasonRule(required=bool(raw.get("required")), codes=codes)


def parse_workflow(raw: Mapping[str, Any]) -> Workflow:
    """Build the typed table from its JSON (schemas/data/workflow.schema.json checks the file itself)."""
    # Numbers a next step states ("at least {pass_mark} %") come from the values they describe.
    numbers = {**base_figures(), "pass_mark": int(raw["module_pass_mark"])}
    return Workflow(
        initial=str(raw["initial"]),
        stages={name: _stage(name, s, numbers) for name, s in raw["stages"].items()},
        transitions=tuple(Transition(from_stage=t["from"], to_stage=t["to"], roles=tuple(t["roles"]),
                                     guards=tuple(t["guards"])) for t in raw["transitions"]),
        reasons={stage: _reason_rule(r) for stage, r in raw["reasons"].items()},
        notify_coordinator_on=frozenset(raw["notify_coordinator_on"]),
        un_modules={k: dict(v) for k, v in raw["un_required_modules"].items()},
        pass_mark=int(raw["module_pass_mark"]),
        medical_outcomes=tuple(raw["medical_outcomes"]),
    )


def workflow_json() -> dict[str, Any]:
    """The table as stored (for the data checks and the OpenAPI document's enums)."""
    raw: dict[str, Any] = json.loads((DATA_DIR / "workflow.json").read_text(encoding="utf-8"))
    return raw


@lru_cache(maxsize=1)
def load_workflow() -> Workflow:
    return parse_workflow(workflow_json())


def _refuse(en: str, fr: str, guard: str) -> None:
    raise GuardRefused(en, fr, guard=guard)


def _family_readiness_on_file(f: FileState, m: Mission, cap: Cap | None, wf: Workflow) -> None:
    if not f.family_readiness_on_file:
        _refuse("The family-readiness form must be on file before the file leaves the RCMP selection review.",
                "Le formulaire de préparation de la famille doit être au dossier avant que celui-ci quitte l'examen de sélection de la GRC.",
                "family_readiness_on_file")


def _interview_required(f: FileState, m: Mission, cap: Cap | None, wf: Workflow) -> None:
    if not m.interview_required:
        _refuse("Only United Nations and European Union positions go through an interview; move this file to medical.",
                "Seuls les postes de l'ONU et de l'Union européenne exigent une entrevue; passez ce dossier à l'évaluation médicale.",
                "interview_required")


def _no_interview_required(f: FileState, m: Mission, cap: Cap | None, wf: Workflow) -> None:
    if m.interview_required:
        _refuse("United Nations and European Union positions require an interview before the medical stage.",
                "Les postes de l'ONU et de l'Union européenne exigent une entrevue avant l'étape médicale.",
                "no_interview_required")


def _medically_fit(f: FileState, m: Mission, cap: Cap | None, wf: Workflow) -> None:
    if f.medical_outcome != "fit":
        _refuse("International Health Services must record a 'fit' outcome first.",
                "Les Services de santé internationaux doivent d'abord inscrire un résultat « apte ».",
                "medically_fit")


def _un_modules_passed(f: FileState, m: Mission, cap: Cap | None, wf: Workflow) -> None:
    if not m.is_un:
        return
    missing = [k for k in wf.un_modules if int(f.modules.get(k, -1)) < wf.pass_mark]
    if missing:
        _refuse(f"UN missions need every online module passed at {wf.pass_mark}% or more; missing: {', '.join(missing)}.",
                f"Les missions de l'ONU exigent la réussite de chaque module en ligne avec au moins {wf.pass_mark} %; manquants : {', '.join(missing)}.",
                "un_modules_passed")


def _seat_available(f: FileState, m: Mission, cap: Cap | None, wf: Workflow) -> None:
    if cap is not None:  # not read on the way in: the transaction's condition on the cap decides, atomically
        explain_seat_refusal(cap)


def explain_seat_refusal(cap: Cap | None) -> None:
    """Why a cap gives no seat (no authorized figure, or none left); returns when it has one.

    The one place this rule is worded: the guard calls it with a cap it read, and the move's
    service calls it with the cap it reads after the transaction's seat condition failed.
    """
    if cap is None or cap.authorized is None:
        _refuse("This mission has no authorized figure; an administrator must set one before deployment.",
                "Cette mission n'a pas de nombre autorisé; un administrateur doit en fixer un avant le déploiement.",
                "seat_available")
    elif (cap.seats_left or 0) <= 0:
        _refuse("No seat left: the authorized number of deployments for this mission's cap is reached.",
                "Aucune place libre : le nombre autorisé de déploiements pour cette mission est atteint.",
                "seat_available")


GUARDS: dict[str, Callable[[FileState, Mission, Cap | None, Workflow], None]] = {
    "family_readiness_on_file": _family_readiness_on_file,
    "interview_required": _interview_required,
    "no_interview_required": _no_interview_required,
    "medically_fit": _medically_fit,
    "un_modules_passed": _un_modules_passed,
    "seat_available": _seat_available,
}


def _reason_error(en: str, fr: str) -> ValidationFailed:
    return ValidationFailed([FieldError("/reason_code", "reason-required", en, fr)])


def check_reason(wf: Workflow, f: FileState, actor: Actor, req: MoveRequest) -> None:
    """The coded reason of a move: required where the table says, one this actor may give from this stage,
    and none at all for a stage that takes no reason."""
    rule = wf.reason_rule(req.to_stage)
    if rule is None:
        if req.reason_code is not None:
            raise ValidationFailed([FieldError("/reason_code", "no-reason-here",
                                               f"A move to {req.to_stage} takes no reason code.",
                                               f"Un passage à {req.to_stage} ne prend pas de motif.")])
        return
    allowed = [c.code for c in rule.codes_for(actor.role, f.stage)]
    if req.reason_code in allowed or (req.reason_code is None and not rule.required):
        return
    raise _reason_error(f"A reason is required for {req.to_stage}: one of {', '.join(allowed)}.",
                        f"Un motif est exigé pour {req.to_stage} : l'un de {', '.join(allowed)}.")


def plan_move(f: FileState, mission: Mission, cap: Cap | None, actor: Actor, req: MoveRequest,
              wf: Workflow | None = None) -> MovePlan:
    """Decide a move or raise: unknown stage (422), stale (409), role (403), reason (422), guard (409)."""
    wf = wf or load_workflow()
    if req.to_stage not in wf.stages:
        raise ValidationFailed([FieldError("/to_stage", "unknown-stage", f"Unknown stage {req.to_stage!r}.",
                                           f"Étape inconnue {req.to_stage!r}.")])
    if req.expected_stage != f.stage:
        raise StaleState("The file is no longer at the stage you expected; reload it.",
                         "Le dossier n'est plus à l'étape prévue; rechargez-le.",
                         current_stage=f.stage, current_version=f.version)
    t = wf.transition(f.stage, req.to_stage)
    if t is None:
        raise GuardRefused(f"A file cannot move from {f.stage} to {req.to_stage}.",
                           f"Un dossier ne peut pas passer de {f.stage} à {req.to_stage}.",
                           guard="transition", allowed=wf.next_stages(f.stage))
    if actor.role not in t.roles:
        raise Forbidden(f"The {actor.role} role cannot make this move.", f"Le rôle {actor.role} ne peut pas faire ce changement.")
    check_reason(wf, f, actor, req)
    for name in t.guards:
        GUARDS[name](f, mission, cap, wf)
    was, will = wf.occupies_seat(f.stage), wf.occupies_seat(req.to_stage)
    seat = "take" if will and not was else "release" if was and not will else None
    return MovePlan(
        application_id=f.application_id, from_stage=f.stage, to_stage=req.to_stage,
        from_version=f.version, to_version=f.version + 1, seat=seat, cap_id=f.cap_id,
        notify_coordinator=wf.notifies_coordinator(req.to_stage),
        reason_code=req.reason_code, note=req.note, actor=actor,
        initiated_by=actor.role if req.to_stage == "withdrawn" else None,
    )
