"""What an opportunity asks of an applicant: ONE rule, from its pathway and its call.

Read by the public mission pages (web/present.asks_for), the call pages (the call's start page and its console
preview), the pre-screen (domain/eligibility.evaluate) and the documents a call may ask (the seeded calls', the
publish rule's, a file's documents page). Nothing here is shown unless the pathway walks it:

- ``interview``: only where the mission's pathway has the interview stage and its guard holds for the mission
  (seed 003: "You will be interviewed for United Nations and European Union positions"; the senior courses and
  SAAT, a nomination, have none);
- ``un_modules``: only where the pathway reaches the UN online training stage (seed 003: "If you're selected to
  go on a United Nations mission ... online training modules", pass mark 80%): never an EU, bilateral or national
  posting, never a nomination;
- ``police_qualifications`` (First Aid/CPR, firearms, baton, pepper spray, current through the deployment): every
  pathway that deploys, armed mission or not (seed 003's general criteria);
- ``four_by_four``: a deployment only; the call's own answer when it sets one, else the mission's; unknown (None)
  when neither says (seed 003: "have experience with standard shift 4x4 motor vehicles for some missions", naming
  none): the pages say "see the call";
- ``language_of_operation``: the mission's language of operation, a mission-specific criterion;
- ``years``: at least 5 years of operational service (police officers);
- ``fitness``: the call's fitness requirement of the posting, the Physical Abilities Requirement Evaluation (PARE) or
  its own test (seed 003: "complete specific fitness requirements in each posting for mission, such as the Physical
  Abilities Requirement Evaluation");
- ``civilian_analysts``: the call takes civilian analysts (its own field).

A stage's ``when`` names a guard of the workflow; the conditions below are those guards read for a mission.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping

from .missions import Mission

if TYPE_CHECKING:  # the workflow imports figures, which import eligibility, which imports this module
    from .bulletins import Bulletin
    from .workflow import Pathway

INTERVIEW, UN_MODULES = "interview", "un_modules"

# The mandatory police qualifications' rule in words, the one wording: the application form's help for each of
# them (web/fields.py) and the pre-screen's findings (domain/eligibility.py) read it. Seed 003's general criteria
# ask every candidate for "current qualifications for mandatory police training (firearms, baton, pepper spray,
# etc.)": every deployment, armed mission or not, through its end.
POLICE_QUALIFICATION_FIELDS = ("firearms_expiry", "baton_expiry", "oc_spray_expiry")
POLICE_QUALIFICATION_RULE = {
    "en": "Police officers need it current through the end of the deployment, for every deployment, armed mission "
          "or not.",
    "fr": "Les policiers et policières doivent l'avoir à jour jusqu'à la fin du déploiement, pour tout déploiement, "
          "mission armée ou non.",
}


def field_help(name: str) -> Mapping[str, str] | None:
    """The help a form field's rule gives (the police qualifications'), else None: the schema's own."""
    return POLICE_QUALIFICATION_RULE if name in POLICE_QUALIFICATION_FIELDS else None

# The conditions a stage's ``when`` names, read for a mission (the workflow's guards of the same names).
WHEN: dict[str, Callable[[Mission], bool]] = {
    "un_mission": lambda m: m.is_un,
    "not_un_mission": lambda m: not m.is_un,
    "interview_required": lambda m: m.interview_required,
    "no_interview_required": lambda m: not m.interview_required,
}

# In the order the pages list them.
CODES = ("language_of_operation", "police_qualifications", "four_by_four", "interview", "un_modules", "years",
         "fitness", "civilian_analysts")


@dataclass(frozen=True)
class Requirement:
    """One thing asked. ``value``: the language's code (language_of_operation); True, or None when not known yet
    (four_by_four: "see the call"); True otherwise. ``source``: ``mission`` or ``call``."""

    code: str
    value: Any = True
    source: str = "mission"


def reaches(pathway: "Pathway", mission: Mission, stage: str) -> bool:
    """Whether the mission's files can reach ``stage`` on its pathway (the stage is on it and its ``when`` holds)."""
    s = pathway.stages.get(stage)
    return s is not None and (s.when is None or WHEN.get(s.when, lambda _m: True)(mission))


def _four_by_four(mission: Mission, call: "Bulletin | None") -> Requirement | None:
    asked = call.criteria.four_by_four if call is not None else None
    if asked is not None:
        return Requirement("four_by_four", True, "call") if asked else None
    if mission.requires_4x4 is False:
        return None
    return Requirement("four_by_four", True if mission.requires_4x4 else None)


def requirements(mission: Mission, pathway: "Pathway", call: "Bulletin | None" = None) -> tuple[Requirement, ...]:
    """Everything the opportunity asks, beyond the general criteria every file meets the same way."""
    out: list[Requirement] = []
    if mission.language_of_operation in ("en", "fr"):
        out.append(Requirement("language_of_operation", mission.language_of_operation))
    if pathway.deploys:
        out.append(Requirement("police_qualifications"))
        four = _four_by_four(mission, call)
        if four is not None:
            out.append(four)
    if reaches(pathway, mission, INTERVIEW):
        out.append(Requirement(INTERVIEW))
    if reaches(pathway, mission, UN_MODULES):
        out.append(Requirement(UN_MODULES))
    out.append(Requirement("years"))
    if call is not None and call.criteria.fitness_test in ("pare", "own_test"):
        out.append(Requirement("fitness", call.criteria.fitness_test, "call"))
    if call is not None and call.criteria.civilian_analysts:
        out.append(Requirement("civilian_analysts", True, "call"))
    return tuple(out)


def codes(mission: Mission, pathway: "Pathway", call: "Bulletin | None" = None) -> set[str]:
    return {r.code for r in requirements(mission, pathway, call)}


def unreached_documents(pathway: "Pathway", mission: Mission, stage_names: Iterable[str],
                        asked: Iterable[str]) -> list[str]:
    """The documents ``asked`` that name a workflow stage this mission's files never reach (the UN modules'
    certificates on an EU or bilateral deployment, the Preliminary Instructions forms on a nomination)."""
    stages = set(stage_names)
    return [code for code in asked if code in stages and not reaches(pathway, mission, code)]


def documents(pathway: "Pathway", mission: Mission, stage_names: Iterable[str], asked: Iterable[str]) -> list[str]:
    """``asked`` without the documents of stages the mission's files never reach, in their order."""
    stages = set(stage_names)
    asked = list(asked)
    dropped = set(unreached_documents(pathway, mission, stages, asked))
    return [code for code in asked if code not in dropped]


def mission_of(view: Mapping[str, Any]) -> Mission:
    """The mission a public view carries (services/catalogue.mission_view: its fields and more)."""
    from dataclasses import fields

    return Mission(**{f.name: view[f.name] for f in fields(Mission) if f.name in view})
