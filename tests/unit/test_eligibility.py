"""Eligibility pre-screen: plain domain rules, no AWS."""
from __future__ import annotations

from datetime import date, timedelta

from chalicelib.domain.eligibility import evaluate, planned_end, summary_flag
from chalicelib.domain.missions import seed_catalogue

MISSIONS = {m.mission_id: m for m in seed_catalogue()[1]}
START = date(2027, 3, 1)


def form(**kw):
    base = {"track": "police_officer", "years_operational_service": 8, "english_proficiency": "advanced",
            "french_proficiency": "intermediate", "first_aid_cpr_expiry": "2028-06-01",
            "firearms_expiry": "2027-12-31", "four_by_four_experience": True, "available_from": START.isoformat()}
    base.update(kw)
    return {k: v for k, v in base.items() if v is not None}


def results(doc, mission_id):
    return {f.criterion: f.result for f in evaluate(doc, [MISSIONS[mission_id]])}


def test_all_met_for_an_english_unarmed_mission():
    assert set(results(form(), "ukraine-euam").values()) == {"met"}


def test_french_mission_needs_advanced_french():
    assert results(form(), "haiti-minustah")["language_of_operation"] == "not_met"
    assert results(form(french_proficiency="advanced"), "haiti-minustah")["language_of_operation"] == "met"


def test_five_years_boundary():
    assert results(form(years_operational_service=5), "iraq-mlt")["operational_service"] == "met"
    assert results(form(years_operational_service=4), "iraq-mlt")["operational_service"] == "not_met"


def test_first_aid_must_last_through_the_deployment():
    end = planned_end(form(), MISSIONS["iraq-mlt"])
    assert end == date(2028, 3, 1)
    assert results(form(first_aid_cpr_expiry="2028-03-01"), "iraq-mlt")["first_aid_cpr"] == "met"
    assert results(form(first_aid_cpr_expiry="2028-02-29"), "iraq-mlt")["first_aid_cpr"] == "not_met"
    # Three-year posting in New York: the certificate must last three years.
    assert results(form(), "un-new-york-senior-police-advisor")["first_aid_cpr"] == "not_met"


def test_firearms_only_for_armed_missions():
    assert results(form(firearms_expiry=None), "ukraine-euam")["firearms"] == "met"
    assert results(form(firearms_expiry=None), "iraq-mlt")["firearms"] == "unknown"
    expired = (START - timedelta(days=1)).isoformat()
    assert results(form(firearms_expiry=expired), "iraq-mlt")["firearms"] == "not_met"


def test_unknowns_from_the_catalogue_are_reported_as_unknown():
    r = results(form(), "drc-monusco")
    assert r["language_of_operation"] == "unknown" and r["firearms"] == "unknown"


def test_four_by_four_where_asked():
    assert results(form(four_by_four_experience=False), "haiti-minustah")["four_by_four"] == "not_met"
    assert results(form(four_by_four_experience=False), "iraq-mlt")["four_by_four"] == "met"


def test_findings_for_each_mission_and_summary_flag():
    doc = form(years_operational_service=3)
    findings = evaluate(doc, [MISSIONS["iraq-mlt"], MISSIONS["drc-monusco"]])
    assert len(findings) == 10
    assert summary_flag(findings, "iraq-mlt") == "not_met"
    assert summary_flag(evaluate(form(), [MISSIONS["drc-monusco"]]), "drc-monusco") == "unknown"
    assert summary_flag(evaluate(form(), [MISSIONS["iraq-mlt"]]), "iraq-mlt") == "all_met"
    for f in findings:
        assert f.reason_en and f.reason_fr and f.reason_en != f.reason_fr
