"""The selection workflow engine: reads the table in data/workflow.json.

One engine and one set of guards for every pathway: the file's mission kind names
its pathway (deployment, nomination ...), and the pathway's moves decide. A move is
planned here (who may make it, which guards hold, which seat or place effect and which
emails follow); the service then writes the plan in one unit of work. The seat and
place guards are decided, atomically, by that write's condition; only a refused write
reads the cap or the call to explain itself.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable, Iterable, Mapping

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
    bulletin_id: str | None = None
    forms_returned: tuple[str, ...] = ()  # the Preliminary Instructions forms recorded as returned


@dataclass(frozen=True)
class Actor:
    """Who acts: a role, an id (Cognito subject or 'applicant'), a service scope."""

    role: str
    actor_id: str
    police_service: str | None = None
    username: str | None = None  # staff: the pool's username (the read log names it); None otherwise


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
    place: str | None  # "take", "release" or None: a place of the call's session (its bulletin's positions)
    bulletin_id: str | None
    pathway: str
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
    occupies_place: bool = False
    records_medical_outcome: bool = False
    records_forms_returned: bool = False
    when: str | None = None  # a guard: the stage is on a file's path only when it holds for the mission
    # Who made the move (a role) -> the applicant's email instead of ``email_template`` (a withdrawal by staff)
    email_template_by_role: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Transition:
    from_stage: str  # a stage, or ANY: every open stage of the pathway
    to_stage: str
    roles: tuple[str, ...]
    guards: tuple[str, ...]
    except_stages: tuple[str, ...] = ()  # with ANY: the open stages it does not apply to

    def applies_from(self, from_stage: str, terminal: bool) -> bool:
        if self.from_stage == ANY:
            return not terminal and from_stage not in self.except_stages
        return self.from_stage == from_stage


@dataclass(frozen=True)
class ReasonCode:
    """A coded reason for entering a stage: who may give it, and from which stages."""

    code: str
    label: Text
    roles: tuple[str, ...] | None = None  # None: whoever may make the move
    from_stages: tuple[str, ...] | None = None  # None: any stage the move starts from
    email_template: str | None = None  # the applicant's email for a move with this reason (None: the stage's)

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
class Pathway:
    """One kind of opportunity's way through the shared stages: its moves and, where they differ, its texts."""

    name: str
    label: Text
    initial: str
    main: tuple[str, ...]  # the stages a file walks, in order (the status page shows them)
    stages: Mapping[str, Stage]  # the stages its moves name, with this pathway's next steps
    transitions: tuple[Transition, ...]
    renamed: Mapping[str, str]  # a stored stage this pathway no longer has -> the stage it reads as

    def stage(self, name: str) -> Stage:
        return self.stages[self.current(name)]

    @property
    def deploys(self) -> bool:
        """Whether a file on this pathway is deployed (one of its stages takes a seat); nominations are not."""
        return any(s.occupies_seat for s in self.stages.values())

    def is_terminal(self, name: str) -> bool:
        return self.stage(name).terminal

    def current(self, stored: str) -> str:
        """The stage a stored file is at on this pathway (an old name reads as its new one)."""
        return stored if stored in self.stages else self.renamed.get(stored, stored)

    def old_names(self, stage: str) -> tuple[str, ...]:
        """The stored names that read as ``stage``."""
        return tuple(old for old, new in self.renamed.items() if new == stage and old not in self.stages)

    def transition(self, from_stage: str, to_stage: str) -> Transition | None:
        if from_stage not in self.stages:
            return None
        for t in self.transitions:
            if t.to_stage != to_stage:
                continue
            if t.applies_from(from_stage, self.is_terminal(from_stage)):
                return t
        return None

    def next_stages(self, from_stage: str, role: str | None = None) -> list[str]:
        """The stages a file may move to from ``from_stage`` (by ``role``), in the order of the pathway's moves."""
        current = self.current(from_stage)
        found = [t.to_stage for t in self.transitions if self.transition(current, t.to_stage) is t]
        return [to for to in dict.fromkeys(found)
                if role is None or role in self.roles_for(current, to)]

    def roles_for(self, from_stage: str, to_stage: str) -> tuple[str, ...]:
        """The roles that may move a file from ``from_stage`` to ``to_stage`` (none: no such move)."""
        t = self.transition(from_stage, to_stage)
        return t.roles if t else ()

    def path_for(self, f: "FileState", mission: Mission, wf: "Workflow") -> list[str]:
        """The main stages this file's mission walks (a stage whose ``when`` guard refuses is not on it)."""
        return [s for s in self.main if _on_path(self.stages[s], f, mission, wf)]

    def progress(self, f: "FileState", mission: Mission, wf: "Workflow", visited: Iterable[str]) -> list[dict[str, Any]]:
        """Where the file is on its own path: each main stage done, current or to come (not reached, once the
        file closed before it), and the end it closed at when that is not a main stage."""
        path, current, seen = self.path_for(f, mission, wf), self.current(f.stage), {self.current(s) for s in visited}
        closed_off_path = current not in path
        states: list[tuple[str, str]] = []
        for i, name in enumerate(path):
            if closed_off_path:
                states.append((name, "done" if name in seen else "not_reached"))
            else:
                here = path.index(current)
                states.append((name, "done" if i < here else "current" if i == here else "to_come"))
        if closed_off_path:
            states.append((current, "current"))
        return [{"stage": name, "label": dict(self.stages[name].label), "state": state} for name, state in states]


@dataclass(frozen=True)
class RosterRules:
    """The roster's table: who is ready to deploy, the rotation report's horizons, the reasons for roster changes."""

    ready_stages: tuple[str, ...]  # the latest first: a candidate further on is ahead in line
    horizons_days: tuple[int, ...]
    add_reasons: Mapping[str, Text]
    correct_reasons: Mapping[str, Text]


@dataclass(frozen=True)
class Workflow:
    """The workflow table (data/workflow.json), typed and frozen."""

    initial: str
    stages: Mapping[str, Stage]  # the shared dictionary, with its own next steps
    pathways: Mapping[str, Pathway]
    kinds: Mapping[str, str]  # mission kind -> pathway
    reasons: Mapping[str, ReasonRule]
    notify_coordinator_on: frozenset[str]
    preliminary_forms: Mapping[str, Text]
    un_modules: Mapping[str, Text]
    pass_mark: int
    medical_outcomes: tuple[str, ...]
    roster: "RosterRules"
    # The missions whose nomination ends on a roster (JRR: "to be certified for the roster", seeds 000/001)
    roster_certification_missions: frozenset[str] = frozenset()

    def stage(self, name: str) -> Stage:
        """A stage of the shared dictionary; an old stored name reads as its new one (audit rows keep old names)."""
        if name not in self.stages:
            for path in self.pathways.values():
                if name in path.renamed:
                    return self.stages[path.renamed[name]]
        return self.stages[name]

    def is_terminal(self, name: str) -> bool:
        return self.stage(name).terminal

    def occupies_seat(self, name: str) -> bool:
        return self.stage(name).occupies_seat

    def pathway_for(self, kind: str) -> Pathway:
        return self.pathways[self.kinds[kind]]

    def pathway_of(self, mission: Mission) -> Pathway:
        return self.pathway_for(mission.kind)

    def current_stage(self, stored: str, kind: str) -> str:
        """The stage a stored file of a mission of this kind is at (the adapters call it when they read a file)."""
        return self.pathway_for(kind).current(stored)

    def next_stages(self, from_stage: str, role: str | None = None, kind: str = "operation") -> list[str]:
        return self.pathway_for(kind).next_stages(from_stage, role)

    def reason_rule(self, to_stage: str) -> ReasonRule | None:
        return self.reasons.get(to_stage)

    def email_template(self, to_stage: str, reason_code: str | None = None, by_role: str | None = None) -> str:
        """The applicant's email for entering ``to_stage``: the reason's own template where it has one, else the
        one the stage names for the role that made the move (a withdrawal by staff), else the stage's. The one
        rule, for submissions and moves alike."""
        rule = self.reasons.get(to_stage)
        code = rule.codes.get(reason_code) if rule is not None and reason_code else None
        if code is not None and code.email_template:
            return code.email_template
        stage = self.stage(to_stage)
        return stage.email_template_by_role.get(by_role or "", stage.email_template)

    def notifies_coordinator(self, to_stage: str) -> bool:
        return to_stage in self.notify_coordinator_on

    @property
    def medical_stage(self) -> str:
        """The stage where health staff record the medical outcome."""
        return next(s.name for s in self.stages.values() if s.records_medical_outcome)

    @property
    def forms_stage(self) -> str:
        """The stage where staff record the Preliminary Instructions forms as returned."""
        return next(s.name for s in self.stages.values() if s.records_forms_returned)


def _stage(name: str, raw: Mapping[str, Any], numbers: Mapping[str, int], next_step: Any = None) -> Stage:
    return Stage(name=name, label=dict(raw["label"]), next_step=fill_text(next_step or raw["next_step"], numbers),
                 terminal=bool(raw["terminal"]), email_template=str(raw.get("email_template", name)),
                 occupies_seat=bool(raw.get("occupies_seat", False)),
                 occupies_place=bool(raw.get("occupies_place", False)),
                 records_medical_outcome=bool(raw.get("records_medical_outcome", False)),
                 records_forms_returned=bool(raw.get("records_forms_returned", False)), when=raw.get("when"),
                 email_template_by_role=dict(raw.get("email_template_by_role", {})))


def _optional_tuple(value: Any) -> tuple[str, ...] | None:
    return None if value is None else tuple(str(v) for v in value)


def _reason_rule(raw: Mapping[str, Any]) -> ReasonRule:
    codes = {code: ReasonCode(code=code, label={"en": c["en"], "fr": c["fr"]}, roles=_optional_tuple(c.get("roles")),
                              from_stages=_optional_tuple(c.get("from_stages")), email_template=c.get("email_template"))
             for code, c in raw["codes"].items()}
    return ReasonRule(required=bool(raw.get("required")), codes=codes)


def pathway_stage_names(raw: Mapping[str, Any]) -> set[str]:
    """The stages a pathway's JSON names: its initial and main stages and those its moves name."""
    return {raw["initial"], *raw["main"], *(t["to"] for t in raw["transitions"]),
            *(t["from"] for t in raw["transitions"] if t["from"] != ANY)}


def _pathway(name: str, raw: Mapping[str, Any], stages: Mapping[str, Any], numbers: Mapping[str, int]) -> Pathway:
    own = raw.get("next_steps", {})
    named = pathway_stage_names(raw)
    return Pathway(
        name=name, label=dict(raw["label"]), initial=str(raw["initial"]), main=tuple(raw["main"]),
        stages={s: _stage(s, stages[s], numbers, own.get(s)) for s in stages if s in named},
        transitions=tuple(Transition(from_stage=t["from"], to_stage=t["to"], roles=tuple(t["roles"]),
                                     guards=tuple(t["guards"]), except_stages=tuple(t.get("except", ())))
                     for t in raw["transitions"]),
        renamed=dict(raw.get("renamed_stages", {})))


def parse_workflow(raw: Mapping[str, Any]) -> Workflow:
    """Build the typed table from its JSON (schemas/data/workflow.schema.json checks the file itself)."""
    # Numbers a next step states ("at least {pass_mark} %") come from the values they describe.
    numbers = {**base_figures(), "pass_mark": int(raw["module_pass_mark"])}
    return Workflow(
        initial=str(raw["initial"]),
        stages={name: _stage(name, s, numbers) for name, s in raw["stages"].items()},
        pathways={name: _pathway(name, p, raw["stages"], numbers) for name, p in raw["pathways"].items()},
        kinds=dict(raw["kinds"]),
        reasons={stage: _reason_rule(r) for stage, r in raw["reasons"].items()},
        notify_coordinator_on=frozenset(raw["notify_coordinator_on"]),
        preliminary_forms={k: dict(v) for k, v in raw["preliminary_forms"].items()},
        un_modules={k: dict(v) for k, v in raw["un_required_modules"].items()},
        pass_mark=int(raw["module_pass_mark"]),
        medical_outcomes=tuple(raw["medical_outcomes"]),
        roster=RosterRules(ready_stages=tuple(raw["roster"]["ready_stages"]),
                           horizons_days=tuple(int(d) for d in raw["roster"]["horizons_days"]),
                           add_reasons={k: dict(v) for k, v in raw["roster"]["add_reasons"].items()},
                           correct_reasons={k: dict(v) for k, v in raw["roster"]["correct_reasons"].items()}),
        roster_certification_missions=frozenset(raw.get("roster_certification_missions", ())),
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


Guard = Callable[[FileState, Mission, "Cap | None", Workflow], None]


def _family_readiness_on_file(f: FileState, m: Mission, cap: Cap | None, wf: Workflow) -> None:
    if not f.family_readiness_on_file:
        _refuse("The family-readiness form must be on file before the file leaves the Preliminary Instructions stage.",
                "Le formulaire de préparation de la famille doit être au dossier avant que celui-ci quitte l'étape des "
                "instructions préliminaires.", "family_readiness_on_file")


def _preliminary_forms_returned(f: FileState, m: Mission, cap: Cap | None, wf: Workflow) -> None:
    missing = [k for k in wf.preliminary_forms if k not in f.forms_returned]
    if missing:
        en = "; ".join(wf.preliminary_forms[k]["en"] for k in missing)
        fr = "; ".join(wf.preliminary_forms[k]["fr"] for k in missing)
        _refuse(f"Every Preliminary Instructions form must be recorded as returned first; missing: {en}.",
                f"Chaque formulaire des instructions préliminaires doit d'abord être inscrit comme retourné; "
                f"manquants\u00a0: {fr}.", "preliminary_forms_returned")


def _interview_required(f: FileState, m: Mission, cap: Cap | None, wf: Workflow) -> None:
    if not m.interview_required:
        _refuse("Only United Nations and European Union positions go through an interview; move this file to the "
                "Preliminary Instructions.",
                "Seuls les postes de l'ONU et de l'Union européenne exigent une entrevue; passez ce dossier aux "
                "instructions préliminaires.", "interview_required")


def _no_interview_required(f: FileState, m: Mission, cap: Cap | None, wf: Workflow) -> None:
    if m.interview_required:
        _refuse("United Nations and European Union positions require an interview before the Preliminary Instructions.",
                "Les postes de l'ONU et de l'Union européenne exigent une entrevue avant les instructions préliminaires.",
                "no_interview_required")


def _un_mission(f: FileState, m: Mission, cap: Cap | None, wf: Workflow) -> None:
    if not m.is_un:
        _refuse("Only United Nations missions take the online training modules; move this file to the final "
                "recommendation.",
                "Seules les missions de l'ONU exigent les modules de formation en ligne; passez ce dossier à la "
                "recommandation finale.", "un_mission")


def _not_un_mission(f: FileState, m: Mission, cap: Cap | None, wf: Workflow) -> None:
    if m.is_un:
        _refuse("United Nations missions take the online training modules before the final recommendation.",
                "Les missions de l'ONU exigent les modules de formation en ligne avant la recommandation finale.",
                "not_un_mission")


def _medically_fit(f: FileState, m: Mission, cap: Cap | None, wf: Workflow) -> None:
    if f.medical_outcome != "fit":
        _refuse("International Health Services must record a 'fit' outcome first.",
                "Les Services de santé internationaux doivent d'abord inscrire un résultat «\u00a0apte\u00a0».",
                "medically_fit")


def _un_modules_passed(f: FileState, m: Mission, cap: Cap | None, wf: Workflow) -> None:
    if not m.is_un:
        return
    missing = [k for k in wf.un_modules if int(f.modules.get(k, -1)) < wf.pass_mark]
    if missing:
        _refuse(f"UN missions need every online module passed at {wf.pass_mark}% or more; missing: {', '.join(missing)}.",
                f"Les missions de l'ONU exigent la réussite de chaque module en ligne avec au moins {wf.pass_mark}\u00a0%; manquants\u00a0: {', '.join(missing)}.",
                "un_modules_passed")


def _roster_certification(f: FileState, m: Mission, cap: Cap | None, wf: Workflow) -> None:
    if m.mission_id not in wf.roster_certification_missions:
        _refuse("Only a roster's training (Justice Rapid Response) ends in a roster certification; record this file "
                "as attended.",
                "Seule la formation d'une liste (Justice Rapid Response) mène à une certification pour la liste\u00a0; "
                "inscrivez ce dossier comme participation terminée.", "roster_certification")


def _no_roster_certification(f: FileState, m: Mission, cap: Cap | None, wf: Workflow) -> None:
    if m.mission_id in wf.roster_certification_missions:
        _refuse("This training ends in a roster certification: record the file as certified on the roster.",
                "Cette formation mène à une certification pour la liste : inscrivez le dossier comme certifié pour "
                "la liste.", "no_roster_certification")


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
                "Aucune place libre\u00a0: le nombre autorisé de déploiements pour cette mission est atteint.",
                "seat_available")


def _place_available(f: FileState, m: Mission, cap: Cap | None, wf: Workflow) -> None:
    # Which call's session: the file's. How many places are left is the write's condition on the call, atomically.
    if f.bulletin_id is None:
        explain_place_refusal(None, 0)


def explain_no_positions() -> None:
    """The call gives no number of positions yet (the pages give none): no place until an administrator sets it."""
    _refuse("This call gives no number of positions yet: an administrator sets its positions before Canada "
            "nominates anyone to it.",
            "Cet appel n'indique encore aucun nombre de postes\u00a0: l'administration du programme fixe ses postes "
            "avant que le Canada y présente une candidature.", "place_available")


def explain_place_refusal(positions: int | None, places_taken: int) -> None:
    """Why a call's session gives no place (no call, or every position taken); returns when it has one.

    The guard calls it for a file that answered no call; the move's service with the call it reads
    after the write's place condition failed.
    """
    if positions is None:
        _refuse("This file answered no call for applications, so no place of a session can be given to it.",
                "Ce dossier ne répond à aucun appel de candidatures; aucune place d'une séance ne peut lui être donnée.",
                "place_available")
    elif places_taken >= positions:
        _refuse(f"No place left: all {positions} positions of this call's session are taken.",
                f"Aucune place libre\u00a0: les {positions} postes de la séance de cet appel sont tous pourvus.",
                "place_available")


GUARDS: dict[str, Guard] = {
    "family_readiness_on_file": _family_readiness_on_file,
    "preliminary_forms_returned": _preliminary_forms_returned,
    "interview_required": _interview_required,
    "no_interview_required": _no_interview_required,
    "un_mission": _un_mission,
    "not_un_mission": _not_un_mission,
    "medically_fit": _medically_fit,
    "un_modules_passed": _un_modules_passed,
    "seat_available": _seat_available,
    "roster_certification": _roster_certification,
    "no_roster_certification": _no_roster_certification,
    "place_available": _place_available,
}


def _on_path(stage: Stage, f: FileState, mission: Mission, wf: Workflow) -> bool:
    """Whether a stage is on this file's path: no ``when`` guard, or one that holds for its mission."""
    if stage.when is None:
        return True
    try:
        GUARDS[stage.when](f, mission, None, wf)
    except GuardRefused:
        return False
    return True


def _reason_error(en: str, fr: str) -> ValidationFailed:
    return ValidationFailed([FieldError("/reason_code", "reason-required", en, fr)])


def check_reason(wf: Workflow, f: FileState, actor: Actor, req: MoveRequest, from_stage: str | None = None) -> None:
    """The coded reason of a move: required where the table says, one this actor may give from this stage,
    and none at all for a stage that takes no reason."""
    rule = wf.reason_rule(req.to_stage)
    if rule is None:
        if req.reason_code is not None:
            raise ValidationFailed([FieldError("/reason_code", "no-reason-here",
                                               f"A move to {req.to_stage} takes no reason code.",
                                               f"Un passage à {req.to_stage} ne prend pas de motif.")])
        return
    allowed = [c.code for c in rule.codes_for(actor.role, from_stage or f.stage)]
    if req.reason_code in allowed or (req.reason_code is None and not rule.required):
        return
    raise _reason_error(f"A reason is required for {req.to_stage}: one of {', '.join(allowed)}.",
                        f"Un motif est exigé pour {req.to_stage}\u00a0: l'un de {', '.join(allowed)}.")


def _effect(was: bool, will: bool) -> str | None:
    return "take" if will and not was else "release" if was and not will else None


def _transition_or_refuse(path: Pathway, current: str, f: FileState, actor: Actor, req: MoveRequest) -> Transition:
    if req.expected_stage not in (current, f.stage):
        raise StaleState("The file is no longer at the stage you expected; reload it.",
                         "Le dossier n'est plus à l'étape prévue; rechargez-le.",
                         current_stage=current, current_version=f.version)
    t = path.transition(current, req.to_stage)
    if t is None:
        raise GuardRefused(f"A file cannot move from {current} to {req.to_stage}.",
                           f"Un dossier ne peut pas passer de {current} à {req.to_stage}.",
                           guard="transition", allowed=path.next_stages(current))
    if actor.role not in t.roles:
        raise Forbidden(f"The {actor.role} role cannot make this move.", f"Le rôle {actor.role} ne peut pas faire ce changement.")
    return t


def plan_move(f: FileState, mission: Mission, cap: Cap | None, actor: Actor, req: MoveRequest,
              wf: Workflow | None = None) -> MovePlan:
    """Decide a move on the file's own pathway or raise: unknown stage (422), stale (409), role (403),
    reason (422), guard (409)."""
    wf = wf or load_workflow()
    if req.to_stage not in wf.stages:
        raise ValidationFailed([FieldError("/to_stage", "unknown-stage", f"Unknown stage {req.to_stage!r}.",
                                           f"Étape inconnue {req.to_stage!r}.")])
    path = wf.pathway_of(mission)
    current = path.current(f.stage)
    t = _transition_or_refuse(path, current, f, actor, req)
    check_reason(wf, f, actor, req, current)
    for name in t.guards:
        GUARDS[name](f, mission, cap, wf)
    here, there = path.stage(current), path.stage(req.to_stage)
    place = _effect(here.occupies_place, there.occupies_place)
    return MovePlan(
        application_id=f.application_id, from_stage=current, to_stage=req.to_stage,
        from_version=f.version, to_version=f.version + 1, seat=_effect(here.occupies_seat, there.occupies_seat),
        cap_id=f.cap_id, place=place if f.bulletin_id is not None else None, bulletin_id=f.bulletin_id,
        pathway=path.name, notify_coordinator=wf.notifies_coordinator(req.to_stage),
        reason_code=req.reason_code, note=req.note, actor=actor,
        initiated_by=actor.role if req.to_stage == "withdrawn" else None,
    )
