"""Eligibility pre-screen: general selection criteria and the mission's own.

Findings flag, never reject: selection staff decide. Each finding is
met / not_met / unknown with a reason in English and French.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any, Mapping

from .missions import Mission

MIN_YEARS = 5
WORKING_LEVEL = ("advanced",)
LANG_FIELD = {"en": "english_proficiency", "fr": "french_proficiency"}
LANG_NAME = {"en": ("English", "anglais"), "fr": ("French", "français")}


@dataclass(frozen=True)
class Finding:
    mission_id: str
    criterion: str
    result: str  # met | not_met | unknown
    reason_en: str
    reason_fr: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


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


def planned_end(form: Mapping[str, Any], mission: Mission) -> date | None:
    start = _date(form.get("available_from"))
    if start is None:
        return None
    return _add_months(start, mission.deployment_months or 12)


def _years(form: Mapping[str, Any], m: Mission) -> Finding:
    c = "operational_service"
    if form.get("track") == "civilian_analyst":
        return Finding(m.mission_id, c, "unknown",
                       "Civilian analyst: the 5-year police service criterion does not apply; selection staff assess experience.",
                       "Analyste civil : le critère de 5 ans de service policier ne s'applique pas; le personnel de sélection évalue l'expérience.")
    years = form.get("years_operational_service")
    if isinstance(years, float) and years.is_integer():
        years = int(years)  # JSON Schema's "integer" admits 12.0
    if not isinstance(years, int) or isinstance(years, bool):
        return Finding(m.mission_id, c, "unknown", "Years of operational service not given.", "Années de service opérationnel non indiquées.")
    if years >= MIN_YEARS:
        return Finding(m.mission_id, c, "met", f"{years} years of operational service (at least {MIN_YEARS} needed).",
                       f"{years} ans de service opérationnel (au moins {MIN_YEARS} exigés).")
    return Finding(m.mission_id, c, "not_met", f"{years} years of operational service; at least {MIN_YEARS} are needed.",
                   f"{years} ans de service opérationnel; au moins {MIN_YEARS} sont exigés.")


def _language(form: Mapping[str, Any], m: Mission) -> Finding:
    c = "language_of_operation"
    lang = m.language_of_operation
    if lang not in LANG_FIELD:
        return Finding(m.mission_id, c, "unknown", "The mission's language of operation is not known.",
                       "La langue de travail de la mission n'est pas connue.")
    en_name, fr_name = LANG_NAME[lang]
    level = form.get(LANG_FIELD[lang])
    if level in WORKING_LEVEL:
        return Finding(m.mission_id, c, "met", f"Advanced {en_name}, the mission's language of operation.",
                       f"Maîtrise avancée du {fr_name}, langue de travail de la mission.")
    if level is None:
        return Finding(m.mission_id, c, "unknown", f"{en_name} proficiency not given.", f"Compétence en {fr_name} non indiquée.")
    return Finding(m.mission_id, c, "not_met", f"The mission works in {en_name}; excellent oral and written {en_name} is needed.",
                   f"La mission travaille en {fr_name}; une excellente maîtrise du {fr_name} à l'oral et à l'écrit est exigée.")


def _first_aid(form: Mapping[str, Any], m: Mission) -> Finding:
    c = "first_aid_cpr"
    expiry, end = _date(form.get("first_aid_cpr_expiry")), planned_end(form, m)
    if expiry is None or end is None:
        return Finding(m.mission_id, c, "unknown", "First Aid/CPR expiry or availability date not given.",
                       "Date d'expiration du secourisme/RCR ou de disponibilité non indiquée.")
    if expiry >= end:
        return Finding(m.mission_id, c, "met", f"First Aid/CPR current through the planned end of deployment ({end.isoformat()}).",
                       f"Secourisme/RCR valide jusqu'à la fin prévue du déploiement ({end.isoformat()}).")
    return Finding(m.mission_id, c, "not_met", f"First Aid/CPR expires {expiry.isoformat()}, before the planned end of deployment ({end.isoformat()}); renew it.",
                   f"Le secourisme/RCR expire le {expiry.isoformat()}, avant la fin prévue du déploiement ({end.isoformat()}); renouvelez-le.")


def _firearms(form: Mapping[str, Any], m: Mission) -> Finding:
    c = "firearms"
    if m.armed is None:
        return Finding(m.mission_id, c, "unknown", "Whether the mission is armed is not known.", "On ne sait pas si la mission est armée.")
    if not m.armed:
        return Finding(m.mission_id, c, "met", "Unarmed mission: no firearms qualification needed.",
                       "Mission non armée : aucune qualification au tir n'est exigée.")
    expiry, start = _date(form.get("firearms_expiry")), _date(form.get("available_from"))
    if expiry is None:
        return Finding(m.mission_id, c, "not_met" if form.get("track") == "civilian_analyst" else "unknown",
                       "Armed mission: a current firearms qualification is needed and none was given.",
                       "Mission armée : une qualification au tir à jour est exigée et aucune n'a été indiquée.")
    if start is not None and expiry < start:
        return Finding(m.mission_id, c, "not_met", f"Armed mission: the firearms qualification expires {expiry.isoformat()}, before you are available.",
                       f"Mission armée : la qualification au tir expire le {expiry.isoformat()}, avant votre disponibilité.")
    return Finding(m.mission_id, c, "met", "Armed mission: firearms qualification current.", "Mission armée : qualification au tir à jour.")


def _four_by_four(form: Mapping[str, Any], m: Mission) -> Finding:
    c = "four_by_four"
    if not m.requires_4x4:
        return Finding(m.mission_id, c, "met", "The mission does not ask for 4x4 experience.", "La mission n'exige pas d'expérience de conduite 4x4.")
    has = form.get("four_by_four_experience")
    if has is True:
        return Finding(m.mission_id, c, "met", "4x4 experience, as the mission asks.", "Expérience de conduite 4x4, comme l'exige la mission.")
    if has is False:
        return Finding(m.mission_id, c, "not_met", "The mission asks for standard-shift 4x4 experience.",
                       "La mission exige de l'expérience de conduite 4x4 à transmission manuelle.")
    return Finding(m.mission_id, c, "unknown", "4x4 experience not given.", "Expérience 4x4 non indiquée.")


CRITERIA = (_years, _language, _first_aid, _firearms, _four_by_four)


def evaluate(form: Mapping[str, Any], missions: list[Mission]) -> list[Finding]:
    """Findings for every mission applied for, criteria in a fixed order."""
    return [criterion(form, m) for m in missions for criterion in CRITERIA]


def summary_flag(findings: list[Finding], mission_id: str) -> str:
    """One flag for lists: ``not_met`` beats ``unknown`` beats ``all_met``."""
    results = {f.result for f in findings if f.mission_id == mission_id}
    if "not_met" in results:
        return "not_met"
    if "unknown" in results:
        return "unknown"
    return "all_met"
