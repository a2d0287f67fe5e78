"""Every fact the public surface tells comes from the seeds or the call, and nothing internal is public (issue 23).

Given / When / Then, on the data files and the domain rules (no AWS).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _openapi() -> dict[str, Any]:
    return json.loads((ROOT / "chalicelib" / "data" / "openapi.json").read_text(encoding="utf-8"))


def test_the_public_cap_of_get_missions_admits_no_internal_note() -> None:
    # Given the contract of the public GET /missions: each mission's cap is a CapSummary
    doc = _openapi()
    mission = doc["components"]["schemas"]["Mission"]
    assert mission["properties"]["cap"] == {"$ref": "#/components/schemas/CapSummary"}
    summary = doc["components"]["schemas"]["CapSummary"]
    # Then a cap as the public reads it names no note and admits no other field: the note is staff-only
    assert "note" not in summary["properties"] and summary["additionalProperties"] is False
    # While the staff's listing of caps still carries it
    listing = doc["components"]["schemas"]["CapListing"]["properties"]["caps"]["items"]["properties"]
    assert "note" in listing


# --- the calls' contact ---------------------------------------------------------------------------

def test_the_seeded_calls_give_the_programs_published_contact_the_one_the_contact_page_gives() -> None:
    from chalicelib.domain import call_rules, program
    from chalicelib.web import present

    from .fakes import make_deps

    # Given the store as the seed leaves it
    deps = make_deps()
    seeded = [s.bulletin for s in deps.store.catalogue.bulletins()]
    assert seeded
    # Then every call's public contact is the program's published address (seed 002), never a placeholder
    assert {b.contact["email"] for b in seeded} == {"peacekeeping@rcmp-grc.gc.ca"}
    assert all(not call_rules.reserved_email(b.contact["email"]) for b in seeded)
    # And it is the one constant the contact page reads
    assert present.PROGRAM_CONTACT is program.CONTACT and program.CONTACT["email"] == "peacekeeping@rcmp-grc.gc.ca"


@pytest.mark.parametrize("address", ["irss@example.com", "irss@example.net", "irss@example.org", "irss@example.ca",
                                     "a@mail.example", "a@mail.test", "a@x.invalid", "a@host.localhost",
                                     "a@Example.CA", "a@sub.example.org"])
def test_a_call_whose_contact_is_a_reserved_example_domain_is_refused_draft_or_not(address: str) -> None:
    from chalicelib.domain.errors import ValidationFailed
    from chalicelib.domain.workflow import Actor
    from chalicelib.services import bulletins

    from .fakes import make_deps
    from .test_calls import CALL

    deps, admin = make_deps(), Actor("admin", "admin-1")
    contact = {"name": {"en": "IRSS", "fr": "RPSI"}, "email": address}
    for published in (False, True):
        # When an administrator creates a call (a draft, or published at once) with that contact
        with pytest.raises(ValidationFailed) as err:
            bulletins.create_bulletin(deps, admin, {**CALL, "published": published, "contact": contact})
        # Then it is refused at the contact's address, in both languages, and nothing is written
        [e] = [e for e in err.value.errors if e.pointer == "/contact/email"]
        assert e.code == "reserved-domain" and "reserved for examples" in e.message_en
        assert "domaine réservé aux exemples" in e.message_fr
        assert deps.store.catalogue.bulletin(CALL["bulletin_id"]) is None
    # And an edit giving a draft that contact is refused too
    bulletins.create_bulletin(deps, admin, CALL)
    with pytest.raises(ValidationFailed) as err:
        bulletins.update_bulletin(deps, admin, CALL["bulletin_id"], {"contact": contact})
    assert ("/contact/email", "reserved-domain") in {(e.pointer, e.code) for e in err.value.errors}
    assert bulletins.get_bulletin(deps, CALL["bulletin_id"], staff=True)["contact"] == CALL["contact"]


# --- requirements: one rule from the pathway and the call ------------------------------------------

NOT_UN = ("ukraine-patrol-police", "ukraine-euam", "iraq-mlt", "west-bank-eupol-copps", "west-bank-proteus",
          "philippines", "un-new-york-senior-police-advisor")


def _mission_views() -> dict[str, dict[str, Any]]:
    from chalicelib.services import catalogue

    from .fakes import make_deps

    return {m["mission_id"]: m for m in catalogue.list_missions(make_deps())}


def test_the_seeded_calls_ask_un_module_certificates_of_un_deployments_only() -> None:
    from .fakes import make_deps

    # Given the seeded calls
    calls = {s.bulletin.mission_id: s.bulletin for s in make_deps().store.catalogue.bulletins()}
    # Then no EU, bilateral or national call asks for the UN modules' certificates
    for mission_id in NOT_UN:
        assert "un_modules" not in calls[mission_id].criteria.required_documents, mission_id
        assert "firearms" in calls[mission_id].criteria.required_documents, mission_id
    # While a UN deployment's call still does
    assert "un_modules" in calls["haiti-minustah"].criteria.required_documents


def test_the_mission_pages_say_only_what_the_pathway_walks() -> None:
    from chalicelib.web import present

    views = _mission_views()
    modules_en, interview_en = present.t("needs_un_modules", "en"), present.t("needs_interview", "en")
    # Given the senior courses and SAAT (a nomination: no interview, no UN modules on its pathway)
    for mission_id in ("un-senior-mission-leaders-course", "un-saat-instructors",
                       "senior-strategic-advisors-master-class"):
        needs = present.asks_for(views[mission_id], "en")
        # Then their pages advertise neither
        assert modules_en not in needs and interview_en not in needs, (mission_id, needs)
        assert present.t("needs_police_qualifications", "en") not in needs
    # And an EU mission has its interview but no UN modules; a bilateral one neither; a UN deployment both
    assert interview_en in present.asks_for(views["ukraine-euam"], "en")
    assert modules_en not in present.asks_for(views["ukraine-euam"], "en")
    for mission_id in NOT_UN:
        assert modules_en not in present.asks_for(views[mission_id], "en"), mission_id
    assert {modules_en, interview_en} <= set(present.asks_for(views["haiti-minustah"], "en"))
    assert present.t("needs_un_modules", "fr") in present.asks_for(views["haiti-minustah"], "fr")


def test_a_call_that_asked_un_modules_of_an_eu_mission_before_the_rule_does_not_ask_the_applicant() -> None:
    from dataclasses import replace

    from chalicelib.domain.bulletins import Criteria
    from chalicelib.services import documents
    from chalicelib.web import present

    from .fakes import make_deps

    deps = make_deps()
    stored = next(s for s in deps.store.catalogue.bulletins() if s.bulletin.mission_id == "ukraine-euam")
    # Given a call stored before the rule, asking an EU mission for the UN modules' certificates
    old = replace(stored.bulletin, criteria=Criteria.from_dict({
        **stored.bulletin.criteria.as_dict(), "required_documents": ["first_aid_cpr", "un_modules"]}))
    uow = deps.store.unit_of_work()
    uow.put_bulletin(old, stored.version + 1, stored.version, deps.now())
    uow.commit()
    # Then its start page lists only what the mission's path reaches
    listed = present.call_documents(old, _mission_views()["ukraine-euam"], "en")
    assert listed == ["First Aid/CPR certificate"]

    class _File:
        bulletin_id, track = old.bulletin_id, "police_officer"

    # And the file's documents page asks only for that
    assert [k.code for k in documents.needed(deps, _File())] == ["first_aid_cpr"]  # type: ignore[arg-type]


def test_the_pre_screen_reads_the_same_rule() -> None:
    from chalicelib.domain import eligibility, requirements
    from chalicelib.domain.missions import seed_catalogue
    from chalicelib.domain.workflow import load_workflow

    missions = {m.mission_id: m for m in seed_catalogue()[1]}
    wf = load_workflow()
    for m in missions.values():
        needs = requirements.codes(m, wf.pathway_of(m))
        found = {f.criterion for f in eligibility.evaluate({"track": "police_officer"}, [m])}
        # A nomination's pre-screen asks no police qualifications, as its page says; a deployment's does
        assert ("firearms" in found) == ("police_qualifications" in needs), m.mission_id
    assert "interview" not in requirements.codes(missions["un-senior-mission-leaders-course"],
                                                 wf.pathway_of(missions["un-senior-mission-leaders-course"]))


# --- the police qualifications: one wording from the rule ------------------------------------------

def test_the_qualifications_help_and_the_pre_screen_say_the_rule_in_one_wording() -> None:
    from chalicelib.domain import eligibility, requirements
    from chalicelib.domain.missions import seed_catalogue
    from chalicelib.web import fields

    rule = requirements.POLICE_QUALIFICATION_RULE
    police = {q.field for q in eligibility.QUALIFICATIONS if q.police}
    assert police == set(requirements.POLICE_QUALIFICATION_FIELDS)
    for lang in ("en", "fr"):
        shown = {f.name: f.help for s in fields.build("application", lang) for f in s.fields}
        # Given the application form's help for each police qualification
        for name in police:
            # Then it is the rule's wording (every deployment, armed mission or not), never "armed missions" only
            assert shown[name].startswith(rule[lang]), (lang, name, shown[name])
        assert "armed missions need it current" not in json.dumps(shown)
        assert "les missions armées l'exigent" not in json.dumps(shown, ensure_ascii=False)
    # And the pre-screen of an unarmed deployment says the same words
    ukraine = next(m for m in seed_catalogue()[1] if m.mission_id == "ukraine-euam")
    [firearms] = [f for f in eligibility.evaluate({"track": "police_officer"}, [ukraine]) if f.criterion == "firearms"]
    assert firearms.reason_en.endswith(rule["en"]) and firearms.reason_fr.endswith(rule["fr"])


def test_the_schemas_help_for_the_qualifications_is_the_rules_wording() -> None:
    from chalicelib.domain import forms, requirements

    props = forms.load_schema("application")["properties"]
    for name in requirements.POLICE_QUALIFICATION_FIELDS:
        assert props[name]["x-help"] == requirements.POLICE_QUALIFICATION_RULE, name


# --- civilian analysts: the call decides --------------------------------------------------------

def test_a_call_beyond_proteus_may_take_civilian_analysts_and_they_may_answer_it() -> None:
    from chalicelib.domain.missions import seed_catalogue
    from chalicelib.domain.workflow import Actor
    from chalicelib.services import bulletins, catalogue

    from .fakes import make_deps
    from .test_calls import CALL

    # Given no mission row that decides for its calls (seed 004: analysts deploy beyond PROTEUS)
    raw = json.loads((ROOT / "chalicelib" / "data" / "missions.json").read_text(encoding="utf-8"))
    assert not [m["mission_id"] for m in raw["missions"] if "civilian_analysts" in m]
    deps, admin = make_deps(), Actor("admin", "admin-1")
    # When an administrator publishes a call for a UN deployment (Haiti) that takes civilian analysts
    made = bulletins.create_bulletin(deps, admin, {
        **CALL, "bulletin_id": "haiti-analysts", "mission_id": "haiti-minustah", "published": True,
        "opens_at": "2026-06-01T09:00:00-04:00", "closes_at": "2026-07-01T23:59:00-04:00",
        "criteria": {"civilian_analysts": True}})
    # Then it is published, and an analyst's choice of it is answered by it
    assert made["status"] == "scheduled" and made["criteria"]["civilian_analysts"] is True
    deps.clock.set(deps.clock().replace(month=6, day=15))  # the seeded Haiti call closed at the end of May
    found, errors = bulletins.calls_for(deps, {"track": "civilian_analyst", "missions": ["haiti-minustah"]})
    assert errors == [] and found["haiti-minustah"].bulletin_id == "haiti-analysts"
    # And the public view says so from its call, not from the mission
    view = next(m for m in catalogue.list_missions(deps) if m["mission_id"] == "haiti-minustah")
    assert view["civilian_analysts"] is True and view["open_bulletin"]["civilian_analysts"] is True
    # While the seeded PROTEUS call takes them, and the seeded Iraq call does not
    calls = {s.bulletin.mission_id: s.bulletin for s in deps.store.catalogue.bulletins()}
    assert calls["west-bank-proteus"].criteria.civilian_analysts and not calls["iraq-mlt"].criteria.civilian_analysts
    assert {m.mission_id for m in seed_catalogue()[1] if m.civilian_analysts} == set()


# --- unknown stays unknown: 4x4 driving --------------------------------------------------------------

def test_4x4_driving_is_not_a_fact_for_any_mission_the_seeds_do_not_name_and_a_call_may_set_it() -> None:
    from dataclasses import replace

    from chalicelib.domain.bulletins import Criteria
    from chalicelib.domain.missions import seed_catalogue
    from chalicelib.web import present

    # Given the catalogue: seed 003 asks for 4x4 experience "for some missions", naming none
    raw = json.loads((ROOT / "chalicelib" / "data" / "missions.json").read_text(encoding="utf-8"))
    assert [m["mission_id"] for m in raw["missions"] if m["requires_4x4"] is True] == []
    missions = {m.mission_id: m for m in seed_catalogue()[1]}
    assert missions["haiti-minustah"].requires_4x4 is None and missions["drc-monusco"].requires_4x4 is None
    views = _mission_views()
    see_en, see_fr = present.t("needs_4x4_see_call", "en"), present.t("needs_4x4_see_call", "fr")
    # Then Haiti's and the DRC's pages say "see the call", in both languages, never a bare requirement
    for mission_id in ("haiti-minustah", "drc-monusco"):
        assert see_en in present.asks_for(views[mission_id], "en")
        assert present.t("needs_4x4", "en") not in present.asks_for(views[mission_id], "en")
        assert "voir l'appel de candidatures" in see_fr and see_fr in present.asks_for(views[mission_id], "fr")
    # And a call that sets its own requirement is what its page says
    from .fakes import make_deps

    call = next(s.bulletin for s in make_deps().store.catalogue.bulletins() if s.bulletin.mission_id == "haiti-minustah")
    asks = replace(call, criteria=replace(call.criteria, four_by_four=True))
    assert present.t("needs_4x4", "en") in present.asks_for(views["haiti-minustah"], "en", asks)
    waives = replace(call, criteria=replace(call.criteria, four_by_four=False))
    assert not [n for n in present.asks_for(views["haiti-minustah"], "en", waives) if "4x4" in n]
    assert Criteria.from_dict(asks.criteria.as_dict()).four_by_four is True  # stored and read back


# --- seed 003's general selection criteria ----------------------------------------------------------

def _found(form: dict[str, Any], mission_id: str, call: Any = None) -> dict[str, Any]:
    from chalicelib.domain import eligibility
    from chalicelib.domain.missions import seed_catalogue

    m = next(m for m in seed_catalogue()[1] if m.mission_id == mission_id)
    return {f.criterion: f for f in eligibility.evaluate(form, [m], {mission_id: call} if call else None)}


BASE = {"track": "police_officer", "years_operational_service": 8, "english_proficiency": "basic",
        "french_proficiency": "advanced", "leadership_experience": "informal", "computer_literacy": "basic_office",
        "four_by_four_experience": True, "available_from": "2027-03-01"}


def test_the_general_language_criterion_is_either_official_language_and_the_missions_is_its_own() -> None:
    # Given an officer with excellent French and basic English, applying to an English-speaking mission
    found = _found(BASE, "ukraine-euam")
    # Then the general criterion (either official language, seed 003) is met
    general = found["official_language"]
    assert (general.result, general.source) == ("met", "general") and "either official language" in general.reason_en
    assert "l'une ou l'autre langue officielle" in general.reason_fr
    # And the mission's language of operation is a separate, mission-specific criterion, named as such
    own = found["language_of_operation"]
    assert (own.result, own.source) == ("not_met", "mission") and "language of operation" in own.reason_en
    # And with neither language excellent, the general one is not met
    assert _found({**BASE, "french_proficiency": "intermediate"}, "haiti-minustah")[
        "official_language"].result == "not_met"
    from chalicelib.web import present

    rows = dict(present.findings({"mission": {"mission_id": "ukraine-euam"}, "eligibility": [
        f.as_dict() for f in found.values()]}, "en"))
    assert "Language of operation (criterion of this mission)" in rows
    assert "Oral and written communication in French or English" in rows


def test_a_call_can_require_a_pare_or_its_own_test_and_the_pre_screen_and_its_page_explain_it() -> None:
    from dataclasses import replace

    from chalicelib.web import present

    from .fakes import make_deps

    call = next(s.bulletin for s in make_deps().store.catalogue.bulletins() if s.bulletin.mission_id == "haiti-minustah")
    assert "fitness" not in _found(BASE, "haiti-minustah", call)  # a call that sets none: no finding
    pare = replace(call, criteria=replace(call.criteria, fitness_test="pare"))
    f = _found(BASE, "haiti-minustah", pare)["fitness"]
    assert (f.result, f.source) == ("unknown", "bulletin")
    assert "Physical Abilities Requirement Evaluation (PARE)" in f.reason_en and "TAPE" in f.reason_fr
    assert "assessed during selection" in f.reason_en
    own = replace(call, criteria=replace(call.criteria, fitness_test="own_test"))
    assert "its own fitness test" in _found(BASE, "haiti-minustah", own)["fitness"].reason_en
    view = _mission_views()["haiti-minustah"]
    assert present.t("needs_fitness_pare", "en") in present.asks_for(view, "en", pare)
    assert present.t("needs_fitness_own_test", "fr") in present.asks_for(view, "fr", own)
    assert not [n for n in present.asks_for(view, "en", call) if "fitness" in n.lower()]


def test_leadership_and_computer_literacy_answers_reach_the_pre_screen_and_nothing_is_collected_unread() -> None:
    from chalicelib.domain import eligibility, forms

    # Given the answers the form collects for seed 003's general criteria
    asked = set(forms.load_schema("application")["properties"])
    assert {"leadership_experience", "computer_literacy"} <= asked
    # And none for the criteria it does not ask (interpersonal skills, flexibility, a difficult environment)
    assert not [a for a in asked if any(w in a for w in ("interpersonal", "flexib", "environment"))]
    found = _found(BASE, "ukraine-euam")
    # Then each answer is read by the pre-screen, met or not
    assert found["leadership_coaching"].result == "met" and "informal" in found["leadership_coaching"].reason_en
    assert found["computer_literacy"].result == "met"
    poor = _found({**BASE, "leadership_experience": "none", "computer_literacy": "none"}, "ukraine-euam")
    assert poor["leadership_coaching"].result == "not_met" and poor["computer_literacy"].result == "not_met"
    assert eligibility.summary_flag(list(poor.values()), "ukraine-euam") == "not_met"
    missing = _found({k: v for k, v in BASE.items() if k not in ("leadership_experience", "computer_literacy")},
                     "ukraine-euam")
    assert missing["leadership_coaching"].result == missing["computer_literacy"].result == "unknown"


# --- UN modules: the rule without invented names -----------------------------------------------------

def test_the_un_modules_keep_the_seeds_rule_and_no_module_name_the_seeds_never_give() -> None:
    from chalicelib.domain.workflow import load_workflow

    seeds = "\n".join(p.read_text(encoding="utf-8") for p in sorted(Path("/work/shared/seeds").glob("*.txt"))) \
        if Path("/work/shared/seeds").is_dir() else ""
    wf = load_workflow()
    # The rule the seeds give: online modules, a mark of at least 80%, a certificate for each (seed 003)
    assert wf.pass_mark == 80
    # And no module named as fact that the seeds never name (BSAFE, PSEA, "Core Pre-Deployment Training Materials")
    raw = json.dumps(json.loads((ROOT / "chalicelib" / "data" / "workflow.json").read_text(encoding="utf-8")))
    for invented in ("BSAFE", "Sexual Exploitation", "Core Pre-Deployment", "un-bsafe", "un-psea"):
        assert invented not in raw, invented
        assert not seeds or invented not in seeds
    assert list(wf.un_modules) == ["un-online-modules"]


# --- positions: no invented numbers --------------------------------------------------------------------

def test_the_seeded_calls_invent_no_positions_and_a_session_takes_places_only_once_a_number_is_set() -> None:
    from chalicelib.domain.errors import GuardRefused
    from chalicelib.domain.workflow import Actor
    from chalicelib.services import bulletins

    from .fakes import make_deps
    from .test_services_workflow import IRSS, move, new_file

    deps = make_deps()
    calls = {s.bulletin.mission_id: s for s in deps.store.catalogue.bulletins()}
    # Given the seeded calls: Ukraine's 20 seats all taken, SAAT's, SML's and the DRC's figures not given
    for mission_id in ("ukraine-euam", "ukraine-patrol-police", "un-saat-instructors",
                       "un-senior-mission-leaders-course", "drc-monusco"):
        # Then none is given an invented number of positions
        assert calls[mission_id].bulletin.positions is None, mission_id
        assert calls[mission_id].places_left is None
    # While a figure the seeds give stays (JRR's four candidates, Haiti's seats left)
    assert calls["justice-rapid-response"].bulletin.positions == 4
    assert calls["haiti-minustah"].bulletin.positions == 50
    # And an SML nomination is refused, saying why, until an administrator sets the positions
    app_id, _ = new_file(deps, "un-senior-mission-leaders-course")
    for stage in ("service_nomination", "irss_review"):
        move(deps, app_id, stage, IRSS)
    with pytest.raises(GuardRefused) as err:
        move(deps, app_id, "nominated", IRSS)
    assert "no number of positions yet" in err.value.detail_en and "aucun nombre de postes" in err.value.detail_fr
    sml = calls["un-senior-mission-leaders-course"]
    bulletins.update_bulletin(deps, Actor("admin", "admin-1"), sml.bulletin.bulletin_id,
                              {"positions": 2, "version": sml.version})
    assert move(deps, app_id, "nominated", IRSS)["stage"] == "nominated"
    # And once a place is given, the number cannot go back to none
    from chalicelib.domain.errors import StaleState

    stored = deps.store.catalogue.bulletin(sml.bulletin.bulletin_id)
    with pytest.raises(StaleState):
        bulletins.update_bulletin(deps, Actor("admin", "admin-1"), sml.bulletin.bulletin_id,
                                  {"positions": None, "version": stored.version})
