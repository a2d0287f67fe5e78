"""Eligibility pre-screen: the general selection criteria, and the criteria of the call (bulletin) applied to.

Findings flag, never reject: selection staff decide. Each finding is met / not_met / unknown with a
reason in English and French, and names its source: ``general`` (the program's general criteria,
the same for every mission) or ``bulletin`` (set by the call for applications).

- General: 5 years of operational service; the mission's language of operation at an advanced level;
  First Aid/CPR and the mandatory police qualifications (firearms, baton, pepper spray) current through
  the end of the deployment, for every police officer's deployment, armed mission or not (civilian
  analysts are exempt from the police qualifications); 4x4 experience where the mission asks for it.
- The call's: its language and level (in place of the general language criterion), a minimum rank on
  the RCMP's ladder (other services' ranks through their RCMP equivalent, chalicelib/data/ranks.json),
  a degree, previous mission experience, and whether it takes civilian analysts.

The end of the deployment is the call's expected start (else the applicant's availability date) plus
the mission's length (12 months when the catalogue does not give one).
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from . import requirements
from .bulletins import RCMP_RANKS, Bulletin
from .localtime import written_day
from .missions import Mission

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
MIN_YEARS = 5
DEFAULT_MONTHS = 12  # "Deployments are 12 months in duration unless otherwise indicated."
GENERAL, BULLETIN = "general", "bulletin"
MISSION = "mission"  # a mission-specific criterion: the mission's language of operation (seed 003)
CIVILIAN = "civilian_analyst"
WORKING_LEVEL = "advanced"
LEVELS = ("none", "basic", "intermediate", "advanced")  # the form's proficiency answers, lowest first
EDUCATION = ("none", "secondary", "college", "bachelor", "master", "doctorate")  # the form's answers, lowest first
LANG_FIELD = {"en": "english_proficiency", "fr": "french_proficiency"}
LANG_NAME = {"en": ("English", "anglais"), "fr": ("French", "français")}
# French needs the article: "l'anglais" but "le français", "de l'anglais" but "du français".
_LANG_FR = {"en": ("l'anglais", "de l'anglais"), "fr": ("le français", "du français")}
_LEVEL_NAME = {"none": ("none", "aucun"), "basic": ("basic", "de base"),
               "intermediate": ("intermediate", "intermédiaire"), "advanced": ("advanced", "avancé")}
_EDUCATION_NAME = {
    "none": ("no diploma", "aucun diplôme"), "secondary": ("secondary school", "études secondaires"),
    "college": ("a college diploma", "un diplôme d'études collégiales"),
    "bachelor": ("a bachelor's degree", "un baccalauréat"), "master": ("a master's degree", "une maîtrise"),
    "doctorate": ("a doctorate", "un doctorat"),
}


@dataclass(frozen=True)
class Finding:
    mission_id: str
    criterion: str
    result: str  # met | not_met | unknown
    reason_en: str
    reason_fr: str
    source: str = GENERAL  # general | bulletin

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


# ---- words --------------------------------------------------------------------------------------

def count_en(n: int, one: str, many: str) -> str:
    """``1 year``, ``2 years``, ``0 years``."""
    return f"{n} {one if n == 1 else many}"


def count_fr(n: int, one: str, many: str) -> str:
    """``1 an``, ``2 ans``; French keeps the singular below two (``0 an``)."""
    return f"{n} {one if abs(n) < 2 else many}"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


# ---- ranks --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Rank:
    code: str
    label: Mapping[str, str]
    rcmp_equivalent: str


@lru_cache(maxsize=1)
def _rank_table() -> tuple[dict[str, Rank], dict[str, Mapping[str, str]]]:
    raw = json.loads((DATA_DIR / "ranks.json").read_text(encoding="utf-8"))
    ranks = {r["code"]: Rank(r["code"], dict(r["label"]), r["rcmp_equivalent"]) for r in raw["ranks"]}
    return ranks, {s["code"]: dict(s["label"]) for s in raw["rcmp_ladder"]}


def ranks() -> dict[str, Rank]:
    """The ranks the form offers (chalicelib/data/ranks.json), by code."""
    return _rank_table()[0]


def rcmp_rank_label(code: str, lang: str) -> str:
    """The words for a step of the RCMP's ladder."""
    label = _rank_table()[1].get(code) or {}
    return label.get(lang) or code


# ---- dates --------------------------------------------------------------------------------------

def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _add_months(d: date, months: int) -> date | None:
    """``d`` plus ``months``, on the same day or the month's last; None past the calendar's end (year 9999)."""
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    if year > date.max.year:
        return None
    for day in (d.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    return date(year, month, 28)


@dataclass(frozen=True)
class Deployment:
    """When the deployment would start and end, and where those dates come from."""

    start: date | None
    months: int
    from_call: bool  # the start is the call's expected start (else the applicant's availability)
    length_known: bool

    @property
    def end(self) -> date | None:
        return _add_months(self.start, self.months) if self.start else None

    def words(self, lang: str) -> str:
        """``the planned end of deployment, March 1, 2028 (…, plus 12 months)`` in ``lang`` (domain/localtime.py)."""
        end, start = self.end, self.start
        assert end is not None and start is not None
        if lang == "fr":
            basis = "début prévu par l'appel" if self.from_call else "votre date de disponibilité"
            usual = "" if self.length_known else ", la durée habituelle"
            return (f"la fin prévue du déploiement, le {written_day(end, 'fr')} ({basis}, le {written_day(start, 'fr')}, "
                    f"plus {count_fr(self.months, 'mois', 'mois')}{usual})")
        basis = "the call's expected start" if self.from_call else "your availability date"
        usual = "" if self.length_known else ", the usual length"
        return (f"the planned end of deployment, {written_day(end, 'en')} ({basis}, {written_day(start, 'en')}, "
                f"plus {count_en(self.months, 'month', 'months')}{usual})")


def _call_start(bulletin: Bulletin | None) -> date | None:
    try:
        return bulletin.start_date() if bulletin is not None else None
    except ValueError:
        return None


def deployment(form: Mapping[str, Any], mission: Mission, bulletin: Bulletin | None = None) -> Deployment:
    call_start = _call_start(bulletin)
    start = call_start if call_start is not None else _date(form.get("available_from"))
    months = mission.deployment_months or DEFAULT_MONTHS
    return Deployment(start, months, call_start is not None, mission.deployment_months is not None)


def planned_end(form: Mapping[str, Any], mission: Mission, bulletin: Bulletin | None = None) -> date | None:
    """The end of the deployment: the call's expected start (else availability) plus the mission's length."""
    return deployment(form, mission, bulletin).end


# ---- one application, one mission --------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    form: Mapping[str, Any]
    mission: Mission
    bulletin: Bulletin | None = None
    needs: Mapping[str, Any] = field(default_factory=dict)  # what the opportunity asks: code -> value, None when
    # not known (domain/requirements.py)

    @property
    def civilian(self) -> bool:
        return self.form.get("track") == CIVILIAN

    def finding(self, criterion: str, result: str, en: str, fr: str, source: str = GENERAL) -> Finding:
        return Finding(self.mission.mission_id, criterion, result, en, fr, source)


Criterion = Callable[[Case], Finding | None]


def _whole(value: Any) -> int | None:
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # JSON Schema's "integer" admits 12.0
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _years(case: Case) -> Finding:
    c = "operational_service"
    least_en, least_fr = count_en(MIN_YEARS, "year", "years"), count_fr(MIN_YEARS, "an", "ans")
    if case.civilian:
        return case.finding(c, "unknown",
                            f"Civilian analyst: the police service criterion (at least {least_en}) does not apply; "
                            "selection staff assess experience.",
                            f"Analyste civil\u00a0: le critère de service policier (au moins {least_fr}) ne s'applique pas; "
                            "le personnel de sélection évalue l'expérience.")
    years = _whole(case.form.get("years_operational_service"))
    if years is None:
        return case.finding(c, "unknown", "Years of operational service not given.",
                            "Années de service opérationnel non indiquées.")
    had_en, had_fr = count_en(years, "year", "years"), count_fr(years, "an", "ans")
    if years >= MIN_YEARS:
        return case.finding(c, "met", f"{had_en} of operational service (at least {least_en} needed).",
                            f"{had_fr} de service opérationnel (au moins {least_fr} exigés).")
    return case.finding(c, "not_met", f"{had_en} of operational service; at least {least_en} are needed.",
                        f"{had_fr} de service opérationnel; au moins {least_fr} sont exigés.")


# ---- language -----------------------------------------------------------------------------------

def _required_language(case: Case) -> tuple[str | None, str, str]:
    """(language code, level, source): the call's when it sets one, else the mission's at an advanced level."""
    asked = case.bulletin.criteria.language if case.bulletin is not None else None
    if asked and asked.get("code") in LANG_FIELD and asked.get("level") in LEVELS:
        return asked["code"], asked["level"], BULLETIN
    return case.mission.language_of_operation, WORKING_LEVEL, GENERAL


def _general_language(case: Case, lang: str, level: Any) -> Finding:
    c, (en_name, _), of_fr = "language_of_operation", LANG_NAME[lang], _LANG_FR[lang][1]
    if level == WORKING_LEVEL:
        return case.finding(c, "met", f"Advanced {en_name}, the mission's language of operation.",
                            f"Maîtrise avancée {of_fr}, langue de travail de la mission.")
    the_fr = _LANG_FR[lang][0]
    return case.finding(c, "not_met", f"{en_name} is the mission's language of operation, a criterion of this mission: "
                                      f"advanced oral and written {en_name} is needed.",
                        f"{the_fr[:1].upper()}{the_fr[1:]} est la langue de travail de la mission, un critère propre "
                        f"à la mission\u00a0: une maîtrise avancée {of_fr} à l'oral et à l'écrit est exigée.")


def _call_language(case: Case, lang: str, required: str, level: str) -> Finding:
    c, (en_name, _), (the_fr, _) = "language_of_operation", LANG_NAME[lang], _LANG_FR[lang]
    (req_en, req_fr), (got_en, got_fr) = _LEVEL_NAME[required], _LEVEL_NAME[level]
    if LEVELS.index(level) >= LEVELS.index(required):
        return case.finding(c, "met", f"{en_name} at the {got_en} level; this call asks for at least {req_en}.",
                            f"{the_fr.capitalize()} au niveau {got_fr}; cet appel exige au moins le niveau {req_fr}.",
                            BULLETIN)
    return case.finding(c, "not_met", f"This call asks for {en_name} at the {req_en} level or better; "
                                      f"the level you gave: {got_en}.",
                        f"Cet appel exige {the_fr} au niveau {req_fr} ou supérieur; le niveau indiqué\u00a0: {got_fr}.",
                        BULLETIN)


def _language(case: Case) -> Finding:
    """The language of operation: a criterion of the mission (or of its call), apart from the general one."""
    found = _operation_language(case)
    return replace(found, source=MISSION) if found.source == GENERAL else found


def _official_language(case: Case) -> Finding:
    """Seed 003's general criterion: "excellent oral and written communications skills in either French or
    English" (advanced, in the form's words), whatever the mission's language of operation."""
    c = "official_language"
    levels = [case.form.get(LANG_FIELD[code]) for code in ("en", "fr")]
    if WORKING_LEVEL in levels:
        code = "en" if levels[0] == WORKING_LEVEL else "fr"
        en, of_fr = LANG_NAME[code][0], _LANG_FR[code][1]
        return case.finding(c, "met", f"Excellent oral and written {en} (advanced): either official language will do.",
                            f"Excellente maîtrise {of_fr} à l'oral et à l'écrit (avancée)\u00a0: l'une ou l'autre "
                            "langue officielle suffit.")
    if all(level in LEVELS for level in levels):
        return case.finding(c, "not_met", "Excellent oral and written communication in French or English is needed "
                                          "(advanced in one of them).",
                            "Une excellente communication orale et écrite en français ou en anglais est exigée "
                            "(niveau avancé dans l'une des deux).")
    return case.finding(c, "unknown", "English and French proficiency not both given.",
                        "Compétences en anglais et en français non indiquées toutes les deux.")


def _operation_language(case: Case) -> Finding:
    c = "language_of_operation"
    lang, required, source = _required_language(case)
    if lang not in LANG_FIELD:
        return case.finding(c, "unknown", "The mission's language of operation is not known.",
                            "La langue de travail de la mission n'est pas connue.")
    level = case.form.get(LANG_FIELD[lang])
    if level not in LEVELS:
        return case.finding(c, "unknown", f"{LANG_NAME[lang][0]} proficiency not given.",
                            f"Compétence en {LANG_NAME[lang][1]} non indiquée.", source)
    if source == BULLETIN:
        return _call_language(case, lang, required, level)
    return _general_language(case, lang, level)


# ---- certificates and mandatory police qualifications -------------------------------------------

@dataclass(frozen=True)
class Qualification:
    criterion: str
    field: str
    name_en: str  # "The firearms qualification"
    name_fr: str  # "La qualification au tir"
    of_fr: str    # "de la qualification au tir"
    police: bool  # a mandatory police qualification (civilian analysts are exempt)


QUALIFICATIONS = (
    Qualification("first_aid_cpr", "first_aid_cpr_expiry", "First Aid/CPR", "Le secourisme/RCR",
                  "du secourisme/RCR", police=False),
    Qualification("firearms", "firearms_expiry", "The firearms qualification", "La qualification au tir",
                  "de la qualification au tir", police=True),
    Qualification("baton", "baton_expiry", "The baton qualification", "La qualification au bâton",
                  "de la qualification au bâton", police=True),
    Qualification("oc_spray", "oc_spray_expiry", "The OC (pepper) spray qualification",
                  "La qualification au gaz poivré (OC)", "de la qualification au gaz poivré (OC)", police=True),
)
_MANDATORY_EN = " " + requirements.POLICE_QUALIFICATION_RULE["en"]  # the one wording of the rule
_MANDATORY_FR = " " + requirements.POLICE_QUALIFICATION_RULE["fr"]


def _expiry(case: Case, q: Qualification) -> Finding:
    c = q.criterion
    if q.police and case.civilian:
        return case.finding(c, "met", "Civilian analyst: the mandatory police qualifications (firearms, baton, "
                                      "pepper spray) do not apply.",
                            "Analyste civil\u00a0: les qualifications policières obligatoires (tir, bâton, gaz poivré) "
                            "ne s'appliquent pas.")
    tail_en, tail_fr = (_MANDATORY_EN, _MANDATORY_FR) if q.police else ("", "")
    expiry, plan = _date(case.form.get(q.field)), deployment(case.form, case.mission, case.bulletin)
    if expiry is None:
        return case.finding(c, "unknown", f"{q.name_en}: expiry date not given.{tail_en}",
                            f"Date d'expiration {q.of_fr} non indiquée.{tail_fr}")
    if plan.end is None:
        return case.finding(c, "unknown", "The planned end of deployment is not known (no start or availability date).",
                            "La fin prévue du déploiement n'est pas connue (aucune date de début ni de disponibilité).")
    if expiry >= plan.end:
        return case.finding(c, "met", f"{q.name_en}: current through {plan.words('en')}.",
                            f"{q.name_fr}\u00a0: valide jusqu'à {plan.words('fr')}.")
    return case.finding(c, "not_met", f"{q.name_en} expires {written_day(expiry, 'en')}, before {plan.words('en')}; "
                                      f"renew it.{tail_en}",
                        f"{q.name_fr} expire le {written_day(expiry, 'fr')}, avant {plan.words('fr')}; un renouvellement "
                        f"est nécessaire.{tail_fr}")


def _qualification(q: Qualification) -> Criterion:
    return lambda case: _expiry(case, q)


def _four_by_four(case: Case) -> Finding:
    c = "four_by_four"
    if "four_by_four" not in case.needs:
        return case.finding(c, "met", "Neither the mission nor the call asks for 4x4 experience.",
                            "Ni la mission ni l'appel n'exigent d'expérience de conduite 4x4.")
    has = case.form.get("four_by_four_experience")
    if case.needs["four_by_four"] is None:  # "for some missions": neither the mission nor the call says
        if has is True:
            return case.finding(c, "met", "4x4 experience (neither the mission nor the call says whether it is asked).",
                                "Expérience de conduite 4x4 (ni la mission ni l'appel ne disent si elle est exigée).")
        return case.finding(c, "unknown", "Asked for some missions; neither this mission nor its call says whether it "
                                          "asks for 4x4 experience: selection staff check it.",
                            "Exigée pour certaines missions\u00a0; ni cette mission ni son appel ne disent si l'expérience "
                            "de conduite 4x4 est exigée\u00a0: le personnel de sélection le vérifie.")
    if has is True:
        return case.finding(c, "met", "4x4 experience, as the mission asks.",
                            "Expérience de conduite 4x4, comme l'exige la mission.")
    if has is False:
        return case.finding(c, "not_met", "The mission asks for standard-shift 4x4 experience.",
                            "La mission exige de l'expérience de conduite 4x4 à transmission manuelle.")
    return case.finding(c, "unknown", "4x4 experience not given.", "Expérience 4x4 non indiquée.")


# ---- the general criteria the form asks (seed 003): each answer read, nothing collected unread ------------------

_LEADERSHIP = {"formal": ("formal", "formelle"), "informal": ("informal", "informelle")}


def _leadership(case: Case) -> Finding:
    """Seed 003: "have experience in leadership and/or coaching, whether informal or formal"."""
    c, given = "leadership_coaching", case.form.get("leadership_experience")
    if given in _LEADERSHIP:
        en, fr = _LEADERSHIP[given]
        return case.finding(c, "met", f"Leadership or coaching experience ({en}).",
                            f"Expérience en leadership ou en encadrement ({fr}).")
    if given == "none":
        return case.finding(c, "not_met", "Experience in leadership or coaching, informal or formal, is needed.",
                            "Une expérience en leadership ou en encadrement, informelle ou formelle, est exigée.")
    return case.finding(c, "unknown", "Leadership or coaching experience not given.",
                        "Expérience en leadership ou en encadrement non indiquée.")


def _computer_literacy(case: Case) -> Finding:
    """Seed 003: "be computer literate, with knowledge of basic Microsoft Office applications"."""
    c, given = "computer_literacy", case.form.get("computer_literacy")
    if given in ("basic_office", "advanced"):
        return case.finding(c, "met", "Computer literate, with knowledge of basic Microsoft Office applications.",
                            "Connaissances informatiques, dont les applications de base de Microsoft Office.")
    if given == "none":
        return case.finding(c, "not_met", "Knowledge of basic Microsoft Office applications is needed.",
                            "La connaissance des applications de base de Microsoft Office est exigée.")
    return case.finding(c, "unknown", "Computer literacy not given.", "Connaissances informatiques non indiquées.")


# ---- the call's own criteria (None: the call does not ask) --------------------------------------

_FITNESS = {
    "pare": ("This call requires the Physical Abilities Requirement Evaluation (PARE), the fitness requirement of this "
             "posting; it is assessed during selection, not from the form.",
             "Cet appel exige le Test d'aptitudes physiques essentielles (TAPE), l'exigence de condition physique "
             "de cette affectation\u00a0; il est évalué pendant la sélection, pas d'après le formulaire."),
    "own_test": ("This call requires its own fitness test for this posting (its description says which); it is "
                 "assessed during selection, not from the form.",
                 "Cet appel exige son propre test de condition physique pour cette affectation (sa description "
                 "précise lequel)\u00a0; il est évalué pendant la sélection, pas d'après le formulaire."),
}


def _fitness(case: Case) -> Finding | None:
    """Seed 003: "complete specific fitness requirements in each posting for mission, such as the Physical
    Abilities Requirement Evaluation": the call says which, and the pre-screen says so (selection assesses it)."""
    test = case.bulletin.criteria.fitness_test if case.bulletin is not None else None
    if test not in _FITNESS:
        return None
    en, fr = _FITNESS[test]
    return case.finding("fitness", "unknown", en, fr, BULLETIN)



def _civilian_analysts(case: Case) -> Finding | None:
    if case.bulletin is None or not case.civilian:
        return None
    if case.bulletin.criteria.civilian_analysts:
        return case.finding("civilian_analysts", "met", "This call takes civilian analysts.",
                            "Cet appel accepte les analystes civils.", BULLETIN)
    return case.finding("civilian_analysts", "not_met", "This call does not take civilian analysts.",
                        "Cet appel n'accepte pas d'analystes civils.", BULLETIN)


def _rank_words(rank: Rank) -> tuple[str, str]:
    equivalent = rank.rcmp_equivalent
    return (f"{rank.label['en']} (RCMP equivalent: {rcmp_rank_label(equivalent, 'en')})",
            f"{rank.label['fr']} (équivalent à la GRC\u00a0: {_lower_first(rcmp_rank_label(equivalent, 'fr'))})")


def _rank(case: Case) -> Finding | None:
    wanted = case.bulletin.criteria.min_rank if case.bulletin is not None else None
    if wanted is None:
        return None
    c, req_en, req_fr = "rank", rcmp_rank_label(wanted, "en"), _lower_first(rcmp_rank_label(wanted, "fr"))
    if case.civilian or wanted not in RCMP_RANKS:
        return case.finding(c, "unknown", f"This call asks for at least RCMP {req_en} or equivalent; selection staff "
                                          "assess it.",
                            f"Cet appel exige au moins le grade de {req_fr} de la GRC ou l'équivalent; le personnel "
                            "de sélection l'évalue.", BULLETIN)
    given = case.form.get("rank")
    rank = ranks().get(given) if isinstance(given, str) else None
    if rank is None or rank.rcmp_equivalent not in RCMP_RANKS:
        what_en, what_fr = ("not given", "non indiqué") if given is None else ("not on the list of ranks",
                                                                              "absent de la liste des grades")
        return case.finding(c, "unknown", f"Rank {what_en}; this call asks for at least RCMP {req_en} or equivalent.",
                            f"Grade {what_fr}; cet appel exige au moins le grade de {req_fr} de la GRC ou l'équivalent.",
                            BULLETIN)
    have_en, have_fr = _rank_words(rank)
    if RCMP_RANKS.index(rank.rcmp_equivalent) >= RCMP_RANKS.index(wanted):
        return case.finding(c, "met", f"{have_en}: at least {req_en}, as this call asks.",
                            f"{have_fr}\u00a0: au moins {req_fr}, comme l'exige cet appel.", BULLETIN)
    return case.finding(c, "not_met", f"{have_en}; this call asks for at least RCMP {req_en} or equivalent.",
                        f"{have_fr}; cet appel exige au moins le grade de {req_fr} de la GRC ou l'équivalent.", BULLETIN)


def _degree(case: Case) -> Finding | None:
    wanted = case.bulletin.criteria.degree if case.bulletin is not None else None
    if wanted not in EDUCATION:
        return None
    c, (req_en, req_fr) = "degree", _EDUCATION_NAME[wanted]
    given = case.form.get("highest_education")
    if given not in EDUCATION:
        return case.finding(c, "unknown", f"Highest education not given; this call asks for {req_en} or higher.",
                            f"Plus haut niveau d'études non indiqué; cet appel exige {req_fr} ou plus.", BULLETIN)
    got_en, got_fr = _EDUCATION_NAME[given]
    if EDUCATION.index(given) >= EDUCATION.index(wanted):
        return case.finding(c, "met", f"Highest education: {got_en}; this call asks for {req_en} or higher.",
                            f"Plus haut niveau d'études\u00a0: {got_fr}; cet appel exige {req_fr} ou plus.", BULLETIN)
    return case.finding(c, "not_met", f"This call asks for {req_en} or higher; highest education given: {got_en}.",
                        f"Cet appel exige {req_fr} ou plus; plus haut niveau d'études indiqué\u00a0: {got_fr}.", BULLETIN)


def _previous_missions(case: Case) -> Finding | None:
    if case.bulletin is None or not case.bulletin.criteria.previous_mission_experience:
        return None
    c, has = "previous_mission_experience", case.form.get("previous_mission_experience")
    if has is True:
        return case.finding(c, "met", "Previous mission experience, as this call asks.",
                            "Expérience de mission antérieure, comme l'exige cet appel.", BULLETIN)
    if has is False:
        return case.finding(c, "not_met", "This call asks for previous mission experience.",
                            "Cet appel exige une expérience de mission antérieure.", BULLETIN)
    return case.finding(c, "unknown", "Previous mission experience not given; this call asks for it.",
                        "Expérience de mission antérieure non indiquée; cet appel l'exige.", BULLETIN)


# What only a deployment asks (a course or a roster's training deploys no one: no qualifications to
# carry through a mission, no 4x4 driving): read from domain/requirements.py, the one rule.
DEPLOYMENT_CRITERIA: tuple[Criterion, ...] = (*(_qualification(q) for q in QUALIFICATIONS), _four_by_four)
CRITERIA: tuple[Criterion, ...] = (
    _years, _official_language, _language, *DEPLOYMENT_CRITERIA, _leadership, _computer_literacy,
    _civilian_analysts, _rank, _degree, _previous_missions, _fitness,
)


def _needs(m: Mission, bulletin: Bulletin | None) -> dict[str, Any]:
    """What the opportunity asks, from its pathway and its call (domain/requirements.py): code -> value."""
    from .workflow import load_workflow  # the workflow imports figures, which import this module: read it late

    return {r.code: r.value for r in requirements.requirements(m, load_workflow().pathway_of(m), bulletin)}


def evaluate(form: Mapping[str, Any], missions: Sequence[Mission],
             bulletins: Mapping[str, Bulletin] | None = None) -> list[Finding]:
    """Findings for every mission applied for, criteria in a fixed order: the general ones, then the call's.

    ``bulletins`` maps a mission_id to the call applied to for it; without one, the general criteria only.
    """
    found = []
    for m in missions:
        bulletin = (bulletins or {}).get(m.mission_id)
        case = Case(form, m, bulletin, _needs(m, bulletin))
        criteria = CRITERIA if "police_qualifications" in case.needs else tuple(
            c for c in CRITERIA if c not in DEPLOYMENT_CRITERIA)
        found += [f for criterion in criteria if (f := criterion(case)) is not None]
    return found


def summary_flag(findings: list[Finding], mission_id: str) -> str:
    """One flag for lists: ``not_met`` beats ``unknown`` beats ``all_met``."""
    results = {f.result for f in findings if f.mission_id == mission_id}
    if "not_met" in results:
        return "not_met"
    if "unknown" in results:
        return "unknown"
    return "all_met"
