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

from .errors import Forbidden, GuardRefused, NotFound, StaleState, ValidationFailed, FieldError
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


@dataclass(frozen=True)
class Workflow:
    raw: Mapping[str, Any]

    @property
    def initial(self) -> str:
        return str(self.raw["initial"])

    @property
    def stages(self) -> Mapping[str, Any]:
        return self.raw["stages"]  # type: ignore[no-any-return]

    def stage(self, name: str) -> Mapping[str, Any]:
        return self.stages[name]  # type: ignore[no-any-return]

    def is_terminal(self, name: str) -> bool:
        return bool(self.stage(name).get("terminal"))

    def occupies_seat(self, name: str) -> bool:
        return bool(self.stage(name).get("occupies_seat"))

    def transition(self, from_stage: str, to_stage: str) -> Mapping[str, Any] | None:
        for t in self.raw["transitions"]:
            if t["to"] != to_stage:
                continue
            if t["from"] == from_stage or (t["from"] == ANY and not self.is_terminal(from_stage)):
                return t  # type: ignore[no-any-return]
        return None

    def next_stages(self, from_stage: str, role: str | None = None) -> list[str]:
        out = []
        for to in self.stages:
            t = self.transition(from_stage, to)
            if t and (role is None or role in t["roles"]):
                out.append(to)
        return out

    def reason_rule(self, to_stage: str) -> Mapping[str, Any] | None:
        return self.raw["reasons"].get(to_stage)  # type: ignore[no-any-return]

    def notifies_coordinator(self, to_stage: str) -> bool:
        return to_stage in self.raw["notify_coordinator_on"]

    @property
    def un_modules(self) -> Mapping[str, Mapping[str, str]]:
        return self.raw["un_required_modules"]  # type: ignore[no-any-return]

    @property
    def pass_mark(self) -> int:
        return int(self.raw["module_pass_mark"])

    @property
    def medical_outcomes(self) -> list[str]:
        return list(self.raw["medical_outcomes"])


@lru_cache(maxsize=1)
def load_workflow() -> Workflow:
    return Workflow(json.loads((DATA_DIR / "workflow.json").read_text(encoding="utf-8")))


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
    if cap is None:
        return  # not read: the transaction's condition on the cap decides, atomically
    if cap.authorized is None:
        _refuse("This mission has no authorized figure; an administrator must set one before deployment.",
                "Cette mission n'a pas de nombre autorisé; un administrateur doit en fixer un avant le déploiement.",
                "seat_available")
    elif (cap.seats_left or 0) <= 0:
        seat_full()


def seat_full() -> None:
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


def _check_reason(wf: Workflow, req: MoveRequest) -> None:
    rule = wf.reason_rule(req.to_stage)
    if rule is None:
        return
    codes = rule["codes"]
    if req.reason_code in codes:
        return
    if req.reason_code is None and not rule.get("required"):
        return
    raise ValidationFailed([FieldError(
        "/reason_code", "reason-required",
        f"A reason is required for {req.to_stage}: one of {', '.join(codes)}.",
        f"Un motif est exigé pour {req.to_stage} : l'un de {', '.join(codes)}.")])


def plan_move(f: FileState, mission: Mission, cap: Cap | None, actor: Actor, req: MoveRequest,
              wf: Workflow | None = None) -> MovePlan:
    """Decide a move or raise: unknown stage (422), stale (409), role (403), guard (409)."""
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
    if actor.role not in t["roles"]:
        raise Forbidden(f"The {actor.role} role cannot make this move.", f"Le rôle {actor.role} ne peut pas faire ce changement.")
    _check_reason(wf, req)
    for name in t["guards"]:
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


def require_known(stage: str, wf: Workflow | None = None) -> None:
    if stage not in (wf or load_workflow()).stages:
        raise NotFound()
