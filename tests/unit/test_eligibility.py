"""Eligibility pre-screen: plain domain rules, no AWS."""
from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest

from chalicelib.domain.bulletins import RCMP_RANKS, Bulletin
from chalicelib.domain.eligibility import (
    BULLETIN, CRITERIA, EDUCATION, GENERAL, MISSION, Finding, count_en, count_fr, evaluate, planned_end, ranks, summary_flag,
)
from chalicelib.domain.forms import load_schema
from chalicelib.domain.missions import seed_catalogue

MISSIONS = {m.mission_id: m for m in seed_catalogue()[1]}
START = date(2027, 3, 1)
GENERAL_CRITERIA = ("operational_service", "official_language", "language_of_operation", "first_aid_cpr", "firearms",
                    "baton", "oc_spray", "four_by_four", "leadership_coaching", "computer_literacy")


def form(**kw: Any) -> dict[str, Any]:
    base = {"track": "police_officer", "police_service": "opp", "rank": "sergeant", "years_operational_service": 8,
            "english_proficiency": "advanced", "french_proficiency": "intermediate",
            "first_aid_cpr_expiry": "2028-06-01", "firearms_expiry": "2028-06-01", "baton_expiry": "2028-06-01",
            "oc_spray_expiry": "2028-06-01", "four_by_four_experience": True, "available_from": START.isoformat(),
            "leadership_experience": "formal", "computer_literacy": "basic_office"}  # both required by the form
    base.update(kw)
    return {k: v for k, v in base.items() if v is not None}


def civilian(**kw: Any) -> dict[str, Any]:
    return form(track="civilian_analyst", police_service=None, rank=None, years_operational_service=None,
                firearms_expiry=None, baton_expiry=None, oc_spray_expiry=None, **kw)


def bulletin(mission_id: str = "ukraine-euam", expected_start: str | None = None, **criteria: Any) -> Bulletin:
    return Bulletin.from_dict({
        "bulletin_id": f"{mission_id}-2027", "mission_id": mission_id, "positions": 4,
        "opens_at": "2027-01-04T09:00:00-05:00", "closes_at": "2027-02-01T23:59:00-05:00",
        "expected_start": expected_start, "title": {"en": "Call", "fr": "Appel"},
        "description": {"en": "A call.", "fr": "Un appel."},
        "contact": {"name": {"en": "IRSS", "fr": "RPSI"}, "email": "irss@example.ca"}, "criteria": criteria})


def findings(doc: dict[str, Any], mission_id: str, call: Bulletin | None = None) -> dict[str, Finding]:
    calls = {call.mission_id: call} if call is not None else None
    return {f.criterion: f for f in evaluate(doc, [MISSIONS[mission_id]], calls)}


def results(doc: dict[str, Any], mission_id: str, call: Bulletin | None = None) -> dict[str, str]:
    return {c: f.result for c, f in findings(doc, mission_id, call).items()}


# ---- general criteria ---------------------------------------------------------------------------

def test_all_met_for_an_english_unarmed_mission() -> None:
    found = evaluate(form(), [MISSIONS["ukraine-euam"]])
    assert [f.criterion for f in found] == list(GENERAL_CRITERIA)
    assert {f.result for f in found} == {"met"} and {f.source for f in found} == {GENERAL, MISSION}


def test_without_a_call_the_general_criteria_only_and_the_old_call_still_works() -> None:
    assert evaluate(form(), [MISSIONS["iraq-mlt"]]) == evaluate(form(), [MISSIONS["iraq-mlt"]], None) == \
        evaluate(form(), [MISSIONS["iraq-mlt"]], {"haiti-minustah": bulletin("haiti-minustah", min_rank="inspector")})


def test_french_mission_needs_advanced_french() -> None:
    assert results(form(), "haiti-minustah")["language_of_operation"] == "not_met"
    assert results(form(french_proficiency="advanced"), "haiti-minustah")["language_of_operation"] == "met"
    assert results(form(french_proficiency=None), "haiti-minustah")["language_of_operation"] == "unknown"


def test_five_years_boundary() -> None:
    assert results(form(years_operational_service=5), "iraq-mlt")["operational_service"] == "met"
    assert results(form(years_operational_service=4), "iraq-mlt")["operational_service"] == "not_met"
    assert results(form(years_operational_service=None), "iraq-mlt")["operational_service"] == "unknown"
    assert results(form(years_operational_service=12.0), "iraq-mlt")["operational_service"] == "met"


def test_first_aid_must_last_through_the_deployment() -> None:
    end = planned_end(form(), MISSIONS["iraq-mlt"])
    assert end == date(2028, 3, 1)
    assert results(form(first_aid_cpr_expiry="2028-03-01"), "iraq-mlt")["first_aid_cpr"] == "met"
    assert results(form(first_aid_cpr_expiry="2028-02-29"), "iraq-mlt")["first_aid_cpr"] == "not_met"
    assert results(form(first_aid_cpr_expiry=None), "iraq-mlt")["first_aid_cpr"] == "unknown"
    assert results(form(available_from=None), "iraq-mlt")["first_aid_cpr"] == "unknown"
    # Three-year posting in New York: the certificate must last three years.
    assert results(form(), "un-new-york-senior-police-advisor")["first_aid_cpr"] == "not_met"


@pytest.mark.parametrize("criterion, field", [("firearms", "firearms_expiry"), ("baton", "baton_expiry"),
                                              ("oc_spray", "oc_spray_expiry")])
@pytest.mark.parametrize("mission_id", ["ukraine-euam", "iraq-mlt", "drc-monusco"])  # unarmed, armed, not stated
def test_mandatory_police_qualifications_for_every_deployment_armed_or_not(criterion: str, field: str,
                                                                           mission_id: str) -> None:
    assert results(form(), mission_id)[criterion] == "met"
    missing = findings(form(**{field: None}), mission_id)[criterion]
    assert missing.result == "unknown" and "armed mission or not" in missing.reason_en
    assert "mission armée ou non" in missing.reason_fr
    # Current when the applicant is available is not enough: through the end of the deployment.
    assert results(form(**{field: "2028-02-29"}), mission_id)[criterion] == "not_met"
    assert results(form(**{field: "2028-03-01"}), mission_id)[criterion] == "met"
    assert results(form(**{field: "2028-03-01", "available_from": None}), mission_id)[criterion] == "unknown"
    assert findings(form(), mission_id)[criterion].source == GENERAL


def test_an_unarmed_mission_still_needs_the_firearms_qualification() -> None:
    f = findings(form(firearms_expiry=None), "ukraine-euam")["firearms"]
    assert f.result == "unknown" and "no firearms qualification needed" not in f.reason_en
    expired = findings(form(firearms_expiry=(START - timedelta(days=1)).isoformat()), "ukraine-euam")["firearms"]
    assert expired.result == "not_met" and "renew" in expired.reason_en and "renouvellement" in expired.reason_fr


def test_civilian_analysts_are_exempt_from_the_police_qualifications_not_from_first_aid() -> None:
    for mission_id in ("iraq-mlt", "west-bank-proteus"):
        r = findings(civilian(), mission_id)
        for criterion in ("firearms", "baton", "oc_spray"):
            assert r[criterion].result == "met" and "Civilian analyst" in r[criterion].reason_en
            assert "ne s'appliquent pas" in r[criterion].reason_fr
        assert r["operational_service"].result == "unknown"
    assert results(civilian(first_aid_cpr_expiry="2027-06-01"), "west-bank-proteus")["first_aid_cpr"] == "not_met"


def test_unknowns_from_the_catalogue_are_reported_as_unknown() -> None:
    r = results(form(), "drc-monusco")
    assert r["language_of_operation"] == "unknown"
    assert r["firearms"] == "met"  # armed or not, the qualification is checked all the same


def test_four_by_four_where_asked() -> None:
    asks = bulletin("haiti-minustah", four_by_four=True)
    assert results(form(four_by_four_experience=False), "haiti-minustah", asks)["four_by_four"] == "not_met"
    assert results(form(four_by_four_experience=None), "haiti-minustah", asks)["four_by_four"] == "unknown"
    assert results(form(four_by_four_experience=False), "iraq-mlt")["four_by_four"] == "met"
    # Where neither the mission nor its call says (seed 003: "for some missions"), it is not known
    assert results(form(four_by_four_experience=False), "haiti-minustah")["four_by_four"] == "unknown"
    assert results(form(four_by_four_experience=True), "haiti-minustah")["four_by_four"] == "met"
    assert results(form(four_by_four_experience=False), "haiti-minustah",
                   bulletin("haiti-minustah", four_by_four=False))["four_by_four"] == "met"


def test_findings_for_each_mission_and_summary_flag() -> None:
    doc = form(years_operational_service=3)
    found = evaluate(doc, [MISSIONS["iraq-mlt"], MISSIONS["drc-monusco"]])
    assert len(found) == 2 * len(GENERAL_CRITERIA)
    assert summary_flag(found, "iraq-mlt") == "not_met"
    assert summary_flag(evaluate(form(), [MISSIONS["drc-monusco"]]), "drc-monusco") == "unknown"
    assert summary_flag(evaluate(form(), [MISSIONS["iraq-mlt"]]), "iraq-mlt") == "all_met"
    for f in found:
        assert f.reason_en and f.reason_fr and f.reason_en != f.reason_fr


def test_a_finding_as_a_dict_is_json_and_keeps_its_keys() -> None:
    [f, *_] = evaluate(form(), [MISSIONS["iraq-mlt"]])
    d = f.as_dict()
    assert set(d) == {"mission_id", "criterion", "result", "reason_en", "reason_fr", "source"}
    assert json.loads(json.dumps(d)) == d


# ---- the end of the deployment: the call's start plus the mission's length ------------------------

def test_the_expiries_are_checked_against_the_calls_start_plus_the_missions_length() -> None:
    call = bulletin("un-new-york-senior-police-advisor", expected_start="2027-09-01")
    assert planned_end(form(), MISSIONS["un-new-york-senior-police-advisor"], call) == date(2030, 9, 1)
    doc = form(first_aid_cpr_expiry="2030-09-01", firearms_expiry="2030-08-31", baton_expiry="2030-09-01",
               oc_spray_expiry="2030-09-01")
    r = findings(doc, "un-new-york-senior-police-advisor", call)
    assert r["first_aid_cpr"].result == "met" and r["firearms"].result == "not_met"
    # the days as people write them (domain/localtime.py), never ISO 8601
    assert "September 1, 2030 (the call's expected start, September 1, 2027, plus 36 months)" in r["firearms"].reason_en
    assert "le 1er septembre 2030 (début prévu par l'appel, le 1er septembre 2027, plus 36 mois)" in r["firearms"].reason_fr
    assert "expires August 31, 2030, before" in r["firearms"].reason_en and "expire le 31 août 2030" in r["firearms"].reason_fr
    assert r["firearms"].source == GENERAL  # the criterion is general; the date comes from the call


def test_without_a_start_in_the_call_the_availability_date_counts() -> None:
    call = bulletin("iraq-mlt")
    assert planned_end(form(), MISSIONS["iraq-mlt"], call) == date(2028, 3, 1)
    assert "your availability date, March 1, 2027, plus 12 months" in findings(form(), "iraq-mlt", call)["baton"].reason_en


def test_a_mission_without_a_length_counts_twelve_months() -> None:
    import dataclasses

    haiti = dataclasses.replace(MISSIONS["haiti-minustah"], deployment_months=None)
    assert planned_end(form(), haiti) == date(2028, 3, 1)
    found = {f.criterion: f for f in evaluate(form(), [haiti])}
    assert "plus 12 months, the usual length" in found["first_aid_cpr"].reason_en


def test_a_nomination_asks_nothing_only_a_deployment_asks() -> None:
    """A course or a roster's training deploys no one: no qualifications through a mission, no 4x4."""
    criteria = {f.criterion for f in evaluate(form(), [MISSIONS["justice-rapid-response"]])}
    assert criteria.isdisjoint({"first_aid_cpr", "firearms", "baton", "oc_spray", "four_by_four"})
    assert "operational_service" in criteria


# ---- the call's criteria -------------------------------------------------------------------------

def test_a_call_without_criteria_of_its_own_adds_no_finding() -> None:
    assert [f.criterion for f in evaluate(form(), [MISSIONS["iraq-mlt"]], {"iraq-mlt": bulletin("iraq-mlt")})] == \
        list(GENERAL_CRITERIA)


def test_the_calls_language_and_level_replace_the_missions() -> None:
    call = bulletin("haiti-minustah", language={"code": "fr", "level": "intermediate"})
    f = findings(form(), "haiti-minustah", call)["language_of_operation"]
    assert (f.result, f.source) == ("met", BULLETIN)  # intermediate French: enough for this call
    assert results(form(french_proficiency="basic"), "haiti-minustah", call)["language_of_operation"] == "not_met"
    assert results(form(french_proficiency=None), "haiti-minustah", call)["language_of_operation"] == "unknown"
    english = bulletin("ukraine-euam", language={"code": "en", "level": "advanced"})
    f = findings(form(english_proficiency="intermediate"), "ukraine-euam", english)["language_of_operation"]
    assert f.result == "not_met" and "l'anglais au niveau avancé" in f.reason_fr
    assert findings(form(), "ukraine-euam")["language_of_operation"].source == MISSION  # the mission's own


def test_french_reasons_use_the_article_the_language_takes() -> None:
    assert "de l'anglais" in findings(form(), "iraq-mlt")["language_of_operation"].reason_fr
    assert "du français" in findings(form(french_proficiency="advanced"), "haiti-minustah")[
        "language_of_operation"].reason_fr


MASTER_CLASS = "senior-strategic-advisors-master-class"
SML = "un-senior-mission-leaders-course"


def test_rank_equivalence_for_the_master_class() -> None:
    call = bulletin(MASTER_CLASS, min_rank="superintendent")
    inspector = findings(form(police_service="opp", rank="inspector"), MASTER_CLASS, call)["rank"]
    assert (inspector.result, inspector.source) == ("not_met", BULLETIN)
    assert "Inspector (RCMP equivalent: Inspector)" in inspector.reason_en
    assert "Superintendent" in inspector.reason_en and "surintendant" in inspector.reason_fr
    assert results(form(rank="superintendent"), MASTER_CLASS, call)["rank"] == "met"
    assert results(form(rank="chief_inspector"), MASTER_CLASS, call)["rank"] == "met"  # SPVM/SQ inspecteur-chef
    assert results(form(rank="commissioner"), MASTER_CLASS, call)["rank"] == "met"  # above the ladder's top


def test_quebec_ranks_are_named_in_french() -> None:
    call = bulletin(MASTER_CLASS, min_rank="superintendent")
    capitaine = findings(form(police_service="sq", rank="captain"), MASTER_CLASS, call)["rank"]
    assert capitaine.result == "not_met"
    assert capitaine.reason_fr.startswith("Capitaine (équivalent à la GRC\u00a0: sergent-major d'état-major)")
    spvm = findings(form(police_service="spvm", rank="chief_inspector"), MASTER_CLASS, call)["rank"]
    assert spvm.result == "met" and spvm.reason_fr.startswith("Inspecteur-chef ou inspectrice-chef (équivalent à "
                                                              "la GRC\u00a0: surintendant)")
    assert "Chief Inspector (RCMP equivalent: Superintendent)" in spvm.reason_en


def test_rank_unknown_when_not_given_not_on_the_list_or_civilian() -> None:
    call = bulletin(MASTER_CLASS, min_rank="superintendent")
    assert results(form(rank=None), MASTER_CLASS, call)["rank"] == "unknown"
    old = findings(form(rank="Sergente"), MASTER_CLASS, call)["rank"]  # a file stored when rank was free text
    assert old.result == "unknown" and "not on the list" in old.reason_en and "absent de la liste" in old.reason_fr
    assert results(civilian(), MASTER_CLASS, call)["rank"] == "unknown"
    assert "rank" not in results(form(rank="Sergente"), MASTER_CLASS)  # no call: no rank criterion


def test_the_sml_course_rank_and_masters_degree() -> None:
    call = bulletin(SML, min_rank="chief_superintendent", degree="master")
    ok = findings(form(rank="assistant_commissioner", highest_education="master"), SML, call)
    assert (ok["rank"].result, ok["degree"].result, ok["degree"].source) == ("met", "met", BULLETIN)
    assert results(form(rank="staff_superintendent", highest_education="doctorate"), SML, call)["degree"] == "met"
    assert results(form(rank="staff_superintendent"), SML, call)["rank"] == "met"  # Toronto's, equivalent
    short = findings(form(rank="superintendent", highest_education="bachelor"), SML, call)
    assert short["rank"].result == "not_met" and short["degree"].result == "not_met"
    assert "a master's degree" in short["degree"].reason_en and "une maîtrise" in short["degree"].reason_fr
    assert results(form(), SML, call)["degree"] == "unknown"
    assert "degree" not in results(form(highest_education="none"), SML)


def test_the_degree_applies_to_civilian_analysts_too() -> None:
    call = bulletin("west-bank-proteus", degree="bachelor", civilian_analysts=True)
    assert results(civilian(highest_education="master"), "west-bank-proteus", call)["degree"] == "met"
    assert results(civilian(highest_education="college"), "west-bank-proteus", call)["degree"] == "not_met"


def test_previous_mission_experience_where_the_call_asks() -> None:
    call = bulletin("un-saat-instructors", previous_mission_experience=True)
    f = findings(form(previous_mission_experience=True, previous_mission_details="Haiti, 2012-2013"),
                 "un-saat-instructors", call)["previous_mission_experience"]
    assert (f.result, f.source) == ("met", BULLETIN)
    assert results(form(previous_mission_experience=False), "un-saat-instructors", call)[
        "previous_mission_experience"] == "not_met"
    assert results(form(), "un-saat-instructors", call)["previous_mission_experience"] == "unknown"
    assert "previous_mission_experience" not in results(form(), "un-saat-instructors", bulletin("un-saat-instructors"))


def test_a_call_that_does_not_take_civilian_analysts() -> None:
    closed = bulletin("iraq-mlt")
    assert results(civilian(), "iraq-mlt", closed)["civilian_analysts"] == "not_met"
    assert results(civilian(), "west-bank-proteus", bulletin("west-bank-proteus", civilian_analysts=True))[
        "civilian_analysts"] == "met"
    assert "civilian_analysts" not in results(form(), "iraq-mlt", closed)  # a police officer: no such finding


def test_general_and_call_findings_side_by_side_per_mission() -> None:
    calls = {SML: bulletin(SML, min_rank="chief_superintendent", degree="master"),
             "ukraine-euam": bulletin("ukraine-euam")}
    found = evaluate(form(), [MISSIONS["ukraine-euam"], MISSIONS[SML]], calls)
    assert [(f.criterion, f.source) for f in found if f.mission_id == SML][-2:] == [("rank", BULLETIN),
                                                                                    ("degree", BULLETIN)]
    assert {f.source for f in found if f.mission_id == "ukraine-euam"} == {GENERAL, MISSION}
    assert summary_flag(found, "ukraine-euam") == "all_met" and summary_flag(found, SML) == "not_met"
    assert len(CRITERIA) == len(GENERAL_CRITERIA) + 5


# ---- words ---------------------------------------------------------------------------------------

def test_plurals_in_both_languages() -> None:
    assert (count_en(1, "year", "years"), count_en(2, "year", "years"), count_en(0, "year", "years")) == \
        ("1 year", "2 years", "0 years")
    assert (count_fr(1, "an", "ans"), count_fr(2, "an", "ans"), count_fr(0, "an", "ans")) == ("1 an", "2 ans", "0 an")
    one = findings(form(years_operational_service=1), "iraq-mlt")["operational_service"]
    assert one.reason_en.startswith("1 year of operational service;") and "at least 5 years" in one.reason_en
    assert one.reason_fr.startswith("1 an de service opérationnel;") and "au moins 5 ans" in one.reason_fr
    two = findings(form(years_operational_service=2), "iraq-mlt")["operational_service"]
    assert two.reason_en.startswith("2 years") and two.reason_fr.startswith("2 ans")


@pytest.mark.parametrize("years", [0, 1, 2, 5, 12])
def test_no_reason_says_1_years_or_1_ans(years: int) -> None:
    calls = {m: bulletin(m, min_rank="inspector", degree="master", previous_mission_experience=True,
                         language={"code": "en", "level": "intermediate"}) for m in MISSIONS}
    for doc in (form(years_operational_service=years), civilian()):
        for f in evaluate(doc, list(MISSIONS.values()), calls):
            for text in (f.reason_en, f.reason_fr):
                assert not any(bad in text for bad in ("1 years", "1 ans", "1 months", " 0 ans")), text


# ---- the data the rules read ---------------------------------------------------------------------

def test_every_rank_the_form_offers_has_an_rcmp_equivalent_on_the_ladder() -> None:
    prop = load_schema("application")["properties"]["rank"]
    assert prop["enum"] == list(ranks())
    assert all(r.rcmp_equivalent in RCMP_RANKS for r in ranks().values())
    assert {"constable", "inspector", "chief", "deputy_chief", "commissioner", "lieutenant", "captain"} <= set(ranks())


def test_the_forms_education_answers_are_the_rules_and_hold_every_degree_a_call_may_ask() -> None:
    from chalicelib.domain.bulletins import DEGREES

    assert load_schema("application")["properties"]["highest_education"]["enum"] == list(EDUCATION)
    assert set(DEGREES) <= set(EDUCATION)
