"""The workflow engine reads its table: one pathway per kind of opportunity, shared guards; every refusal is a
domain error, and a new stage or pathway is only data."""
from __future__ import annotations

import copy
import dataclasses

import pytest

from chalicelib.domain.errors import Forbidden, GuardRefused, StaleState, ValidationFailed
from chalicelib.domain.missions import Cap, kinds, seed_catalogue
from chalicelib.domain.workflow import (
    ANY,
    GUARDS,
    Actor,
    FileState,
    MoveRequest,
    explain_place_refusal,
    load_workflow,
    parse_workflow,
    plan_move,
    workflow_json,
)

MISSIONS = {m.mission_id: m for m in seed_catalogue()[1]}
IRSS = Actor("irss", "irss-1")
HEALTH = Actor("health", "ihs-1")
COORD = Actor("service_coordinator", "c-1", "spvm")
APPLICANT = Actor("applicant", "applicant")
FORMS = tuple(load_workflow().preliminary_forms)
ALL_MODULES = {k: 90 for k in load_workflow().un_modules}


def state(stage, **kw):
    base = dict(application_id="po-x", stage=stage, version=3, mission_id="haiti-minustah", cap_id="haiti",
                police_service="spvm", language="fr")
    base.update(kw)
    return FileState(**base)


def plan(stage, to, actor=IRSS, mission="haiti-minustah", cap=None, reason=None, **kw):
    return plan_move(state(stage, mission_id=mission, **kw), MISSIONS[mission], cap, actor, MoveRequest(to, stage, reason))


# ---- the table -----------------------------------------------------------------------------------

def test_every_kind_has_a_pathway_and_every_stage_of_each_its_email_in_both_languages():
    from chalicelib.domain.emails import templates

    wf = load_workflow()
    assert {k: wf.pathway_for(k).name for k in kinds()} == {
        "operation": "deployment", "specialized_posting": "deployment", "other_opportunity": "nomination"}
    for path in wf.pathways.values():
        for t in path.transitions:
            assert t.to_stage in path.stages and (t.from_stage == ANY or t.from_stage in path.stages)
        for name, stage in path.stages.items():
            assert stage.email_template in templates(), name
            assert stage.next_step["en"] and stage.next_step["fr"] and stage.label["en"] and stage.label["fr"]
            for part in ("subject", "body"):
                assert set(templates()[stage.email_template][part]) == {"en", "fr"}, (name, part)
    assert wf.medical_stage == "medical" and wf.forms_stage == "preliminary_instructions"
    for stage in wf.notify_coordinator_on:
        assert f"coordinator_{stage}" in templates()


def test_the_deployment_pathway_walks_the_seeds_order():
    assert load_workflow().pathways["deployment"].main == (
        "submitted", "service_review", "irss_review", "interview", "preliminary_instructions", "medical", "un_modules",
        "final_recommendation", "joining_instructions", "training", "deployed", "returned")
    assert load_workflow().pathways["nomination"].main == (
        "submitted", "service_nomination", "irss_review", "nominated", "attended", "roster_certified")


def test_the_nomination_pathway_has_no_medical_modules_family_readiness_or_seat():
    path = load_workflow().pathways["nomination"]
    assert not {"medical", "un_modules", "training", "deployed", "interview"} & set(path.stages)
    guards = {g for t in path.transitions for g in t.guards}
    assert guards == {"place_available", "roster_certification", "no_roster_certification"}
    assert not any(s.occupies_seat or s.records_medical_outcome for s in path.stages.values())


def test_the_table_loads_into_frozen_dataclasses_once():
    wf = load_workflow()
    assert load_workflow() is wf
    with pytest.raises(dataclasses.FrozenInstanceError):
        wf.stage("medical").terminal = True  # type: ignore[misc]
    assert "{pass_mark}" not in wf.stage("un_modules").next_step["en"]
    assert f"{wf.pass_mark}" in wf.stage("un_modules").next_step["en"]


def test_a_pathway_reads_a_shared_stage_with_its_own_next_step():
    wf = load_workflow()
    deployment, nomination = wf.pathways["deployment"], wf.pathways["nomination"]
    assert deployment.stage("irss_review").label == nomination.stage("irss_review").label
    assert "interview" in deployment.stage("irss_review").next_step["en"]
    assert "nomination" in nomination.stage("irss_review").next_step["en"]
    assert "candidature" in nomination.stage("irss_review").next_step["fr"]


def test_a_stored_stage_that_no_longer_exists_reads_as_its_new_one():
    wf = load_workflow()
    assert wf.current_stage("pre_deployment", "operation") == "joining_instructions"
    assert wf.current_stage("pre_deployment", "other_opportunity") == "irss_review"
    assert wf.current_stage("medical", "other_opportunity") == "irss_review"
    assert wf.current_stage("medical", "operation") == "medical"
    assert wf.stage("pre_deployment").name == "joining_instructions"  # an old audit row's label
    # The old stage's only way on was training with the modules checked: so is the new one's.
    p = plan_move(state("pre_deployment", modules=ALL_MODULES), MISSIONS["haiti-minustah"], None, IRSS,
                  MoveRequest("training", "pre_deployment"))
    assert (p.from_stage, p.to_stage) == ("joining_instructions", "training")
    with pytest.raises(GuardRefused) as err:
        plan_move(state("pre_deployment"), MISSIONS["haiti-minustah"], None, IRSS,
                  MoveRequest("training", "joining_instructions"))
    assert err.value.extra["guard"] == "un_modules_passed"


# ---- reasons -------------------------------------------------------------------------------------

def test_an_applicant_cannot_give_a_staff_reason():
    with pytest.raises(ValidationFailed) as err:
        plan("service_review", "withdrawn", actor=APPLICANT, reason="service_operational_needs")
    assert err.value.errors[0].pointer == "/reason_code"
    assert plan("service_review", "withdrawn", actor=COORD, reason="service_operational_needs").to_stage == "withdrawn"
    assert plan("service_review", "withdrawn", actor=APPLICANT, reason="family_reasons").to_stage == "withdrawn"


def test_a_deployed_officer_ends_early_by_returning_never_by_withdrawing():
    # Leaving a deployment is a return: the officer may end it early, voluntarily; only IRSS gives the other reasons
    early = plan("deployed", "returned", actor=APPLICANT, reason="ended_early")
    assert (early.to_stage, early.seat) == ("returned", "release")
    with pytest.raises(GuardRefused):
        plan("deployed", "withdrawn", actor=APPLICANT, reason="applicant_request")
    with pytest.raises(ValidationFailed):
        plan("deployed", "returned", actor=APPLICANT, reason="rotation_completed")
    with pytest.raises(ValidationFailed):  # a return always says why
        plan("deployed", "returned")
    with pytest.raises(GuardRefused):
        plan("training", "returned", actor=APPLICANT, reason="ended_early")


def test_a_move_to_a_stage_that_takes_no_reason_refuses_one():
    with pytest.raises(ValidationFailed) as err:
        plan("submitted", "service_review", actor=COORD, reason="other")
    assert err.value.errors[0].code == "no-reason-here"


def test_reasons_are_required_coded_and_tied_to_their_stage():
    with pytest.raises(ValidationFailed):
        plan("interview", "not_selected")
    with pytest.raises(ValidationFailed):
        plan("interview", "not_selected", reason="because")
    with pytest.raises(ValidationFailed):  # the interview's reason, from another stage
        plan("final_recommendation", "not_selected", reason="interview_unsuccessful")
    assert plan("final_recommendation", "not_selected", reason="not_recommended").reason_code == "not_recommended"
    with pytest.raises(ValidationFailed):
        plan("medical", "medically_unfit", actor=HEALTH)
    p = plan("medical", "medically_unfit", actor=HEALTH, reason="medical_requirements_not_met")
    assert p.reason_code == "medical_requirements_not_met"


# ---- refusals ------------------------------------------------------------------------------------

def test_happy_path_moves_and_versions():
    p = plan("submitted", "service_review", actor=COORD)
    assert (p.from_version, p.to_version, p.seat, p.place, p.notify_coordinator, p.pathway) == (
        3, 4, None, None, False, "deployment")


def test_stale_move_is_refused_with_current_state():
    with pytest.raises(StaleState) as err:
        plan_move(state("interview"), MISSIONS["haiti-minustah"], None, IRSS, MoveRequest("medical", "irss_review"))
    assert err.value.extra["current_stage"] == "interview"


def test_an_unknown_stage_is_a_validation_error():
    with pytest.raises(ValidationFailed) as err:
        plan("submitted", "pre_deployment")
    assert err.value.errors[0].pointer == "/to_stage"


def test_wrong_role_is_forbidden():
    with pytest.raises(Forbidden):
        plan("irss_review", "interview", actor=COORD)
    with pytest.raises(Forbidden):  # health records the outcome; IRSS, not health, moves the file on
        plan("medical", "un_modules", actor=HEALTH, medical_outcome="fit")
    with pytest.raises(Forbidden):
        plan("medical", "medically_unfit", actor=IRSS, reason="medical_requirements_not_met")


def test_a_move_of_another_pathway_is_refused():
    with pytest.raises(GuardRefused) as err:
        plan("submitted", "service_review", actor=COORD, mission="justice-rapid-response")
    assert err.value.extra["allowed"] == ["service_nomination", "withdrawn"]
    with pytest.raises(GuardRefused):
        plan("submitted", "service_nomination", actor=COORD)
    with pytest.raises(GuardRefused):
        plan("submitted", "deployed")
    with pytest.raises(GuardRefused):
        plan("withdrawn", "submitted")


def test_irss_may_make_the_nomination_for_the_senior_courses():
    p = plan("submitted", "service_nomination", actor=IRSS, mission="un-senior-mission-leaders-course")
    assert (p.pathway, p.to_stage) == ("nomination", "service_nomination")
    assert plan("service_nomination", "irss_review", actor=IRSS, mission="un-senior-mission-leaders-course")


def test_the_interview_is_for_un_and_eu_positions_only():
    with pytest.raises(GuardRefused) as err:
        plan("irss_review", "preliminary_instructions")  # Haiti is UN
    assert err.value.extra["guard"] == "no_interview_required"
    with pytest.raises(GuardRefused) as err:
        plan("irss_review", "interview", mission="iraq-mlt")
    assert err.value.extra["guard"] == "interview_required"
    assert plan("irss_review", "preliminary_instructions", mission="iraq-mlt").to_stage == "preliminary_instructions"
    assert plan("irss_review", "interview", mission="ukraine-euam").to_stage == "interview"


def test_leaving_the_preliminary_instructions_needs_every_form_and_the_family_readiness_form():
    with pytest.raises(GuardRefused) as err:
        plan("preliminary_instructions", "medical", family_readiness_on_file=True, forms_returned=FORMS[:-1])
    assert err.value.extra["guard"] == "preliminary_forms_returned"
    assert load_workflow().preliminary_forms[FORMS[-1]]["fr"] in err.value.detail_fr
    with pytest.raises(GuardRefused) as err:
        plan("preliminary_instructions", "medical", forms_returned=FORMS)
    assert "family-readiness" in err.value.detail_en and "préparation de la famille" in err.value.detail_fr
    ok = plan("preliminary_instructions", "medical", forms_returned=FORMS, family_readiness_on_file=True)
    assert ok.to_stage == "medical"
    # Declining a file does not need the forms.
    assert plan("preliminary_instructions", "not_selected", reason="forms_not_returned").to_stage == "not_selected"


def test_irss_moves_a_fit_file_on_to_the_modules_for_un_and_to_the_recommendation_otherwise():
    for outcome in (None, "unfit", "needs_consultation"):
        with pytest.raises(GuardRefused) as err:
            plan("medical", "un_modules", medical_outcome=outcome)
        assert err.value.extra["guard"] == "medically_fit"
    assert plan("medical", "un_modules", medical_outcome="fit").to_stage == "un_modules"
    with pytest.raises(GuardRefused) as err:
        plan("medical", "final_recommendation", medical_outcome="fit")
    assert err.value.extra["guard"] == "not_un_mission"
    with pytest.raises(GuardRefused) as err:
        plan("medical", "un_modules", mission="ukraine-euam", medical_outcome="fit")
    assert err.value.extra["guard"] == "un_mission"
    assert plan("medical", "final_recommendation", mission="ukraine-euam", medical_outcome="fit")


def test_the_un_modules_need_every_module_at_the_pass_mark():
    modules = {"un-online-modules": 79}  # the lowest mark of the certificates (the seeds name no module)
    with pytest.raises(GuardRefused) as err:
        plan("un_modules", "final_recommendation", modules=modules)
    assert "un-online-modules" in err.value.detail_en and "80" in err.value.detail_fr
    assert plan("un_modules", "final_recommendation", modules={"un-online-modules": 80})


def test_the_final_recommendation_is_irss_selecting_or_not():
    assert plan("final_recommendation", "joining_instructions").to_stage == "joining_instructions"
    with pytest.raises(Forbidden):
        plan("final_recommendation", "joining_instructions", actor=COORD)
    assert plan("joining_instructions", "training", mission="iraq-mlt").to_stage == "training"


def test_seat_effects_and_seat_guard():
    assert plan("training", "deployed").seat == "take"
    assert plan("deployed", "returned", reason="rotation_completed").seat == "release"
    assert plan("deployed", "returned", reason="repatriated").seat == "release"
    assert plan("training", "withdrawn", reason="applicant_request").seat is None
    with pytest.raises(GuardRefused):
        plan("training", "deployed", cap=Cap("haiti", 90, 90))
    with pytest.raises(GuardRefused):
        plan("training", "deployed", cap=Cap("drc", None, 0))
    assert plan("training", "deployed", cap=Cap("haiti", 90, 89)).seat == "take"


def test_a_nomination_takes_a_place_of_the_files_call_and_withdrawing_frees_it():
    jrr = dict(mission="justice-rapid-response", bulletin_id="jrr-2026")
    p = plan("irss_review", "nominated", **jrr)
    assert (p.place, p.bulletin_id, p.seat, p.notify_coordinator) == ("take", "jrr-2026", None, True)
    assert plan("nominated", "withdrawn", reason="applicant_request", **jrr).place == "release"
    assert plan("nominated", "roster_certified", **jrr).place is None  # the place was used: it is not given again
    assert plan("nominated", "attended", mission="un-saat-instructors", bulletin_id="saat-2026").place is None
    assert plan("irss_review", "not_nominated", reason="no_place", **jrr).place is None
    with pytest.raises(GuardRefused) as err:  # a file that answered no call has no session to take a place of
        plan("irss_review", "nominated", mission="justice-rapid-response")
    assert err.value.extra["guard"] == "place_available"


def test_a_full_session_is_explained_in_both_languages():
    with pytest.raises(GuardRefused) as err:
        explain_place_refusal(4, 4)
    assert "4" in err.value.detail_en and "4" in err.value.detail_fr and err.value.extra["guard"] == "place_available"
    assert explain_place_refusal(4, 3) is None


def test_withdrawal_from_any_open_stage_of_either_pathway_records_who_initiated():
    for stage in ("submitted", "irss_review", "preliminary_instructions", "medical", "training"):
        p = plan(stage, "withdrawn", actor=APPLICANT, reason="applicant_request")
        assert p.initiated_by == "applicant" and p.notify_coordinator
    for stage in ("service_nomination", "nominated"):
        assert plan(stage, "withdrawn", actor=APPLICANT, reason="applicant_request",
                    mission="un-saat-instructors").to_stage == "withdrawn"
    assert plan("training", "withdrawn", actor=COORD, reason="service_operational_needs").initiated_by == "service_coordinator"
    with pytest.raises(Forbidden):
        plan("training", "withdrawn", actor=HEALTH, reason="other")
    with pytest.raises(GuardRefused):
        plan("attended", "withdrawn", actor=APPLICANT, reason="applicant_request", mission="un-saat-instructors")


def test_every_guard_refuses_in_both_languages():
    wf, f = load_workflow(), state("irss_review")
    refused = {}
    for name, guard in GUARDS.items():
        for mission in ("haiti-minustah", "iraq-mlt", "justice-rapid-response"):
            try:
                guard(f, MISSIONS[mission], Cap("x", 1, 1), wf)
            except GuardRefused as err:
                refused[name] = (err.detail_en, err.detail_fr)
    assert set(refused) == set(GUARDS)
    assert all(en and fr and en != fr for en, fr in refused.values())


# ---- the status page's view of the pathway -------------------------------------------------------

def _states(stage, mission, visited=(), **kw):
    wf = load_workflow()
    f = state(stage, mission_id=mission, **kw)
    return [(s["stage"], s["state"]) for s in wf.pathway_of(MISSIONS[mission]).progress(f, MISSIONS[mission], wf, visited)]


def test_progress_shows_the_files_own_path():
    un = _states("medical", "haiti-minustah")
    assert [s for s, _ in un] == list(load_workflow().pathways["deployment"].main)
    assert un[5] == ("medical", "current") and un[4][1] == "done" and un[6] == ("un_modules", "to_come")
    bilateral = [s for s, _ in _states("medical", "iraq-mlt")]
    assert "interview" not in bilateral and "un_modules" not in bilateral
    eu = [s for s, _ in _states("medical", "ukraine-euam")]
    assert "interview" in eu and "un_modules" not in eu
    assert _states("irss_review", "justice-rapid-response") == [
        ("submitted", "done"), ("service_nomination", "done"), ("irss_review", "current"),
        ("nominated", "to_come"), ("roster_certified", "to_come")]
    assert _states("irss_review", "un-saat-instructors")[-1] == ("attended", "to_come")


def test_a_file_closed_before_the_end_shows_where_it_stopped():
    got = _states("withdrawn", "justice-rapid-response", visited=("submitted", "service_nomination", "withdrawn"))
    assert got == [("submitted", "done"), ("service_nomination", "done"), ("irss_review", "not_reached"),
                   ("nominated", "not_reached"), ("roster_certified", "not_reached"), ("withdrawn", "current")]


# ---- only data -----------------------------------------------------------------------------------

def test_a_new_stage_is_only_data():
    raw = copy.deepcopy(workflow_json())
    raw["stages"]["security_clearance"] = {"label": {"en": "Security", "fr": "Sécurité"},
                                           "next_step": {"en": "", "fr": ""}, "terminal": False,
                                           "email_template": "medical"}
    raw["pathways"]["deployment"]["transitions"].append(
        {"from": "medical", "to": "security_clearance", "roles": ["irss"], "guards": []})
    wf = parse_workflow(raw)
    p = plan_move(state("medical"), MISSIONS["haiti-minustah"], None, IRSS, MoveRequest("security_clearance", "medical"), wf)
    assert p.to_stage == "security_clearance"
    assert "security_clearance" in wf.next_stages("medical")
    assert "security_clearance" not in wf.pathway_for("other_opportunity").next_stages("medical")


def test_a_new_pathway_is_only_data():
    raw = copy.deepcopy(workflow_json())
    raw["pathways"]["roster"] = {"label": {"en": "Roster", "fr": "Liste"}, "initial": "submitted",
                                 "main": ["submitted", "attended"],
                                 "transitions": [{"from": "submitted", "to": "attended", "roles": ["irss"], "guards": []}]}
    raw["kinds"]["other_opportunity"] = "roster"
    wf = parse_workflow(raw)
    p = plan_move(state("submitted"), MISSIONS["justice-rapid-response"], None, IRSS, MoveRequest("attended", "submitted"), wf)
    assert (p.pathway, p.to_stage) == ("roster", "attended")
    with pytest.raises(GuardRefused):
        plan_move(state("submitted"), MISSIONS["justice-rapid-response"], None, COORD,
                  MoveRequest("service_nomination", "submitted"), wf)
