"""The workflow engine reads its table; every refusal is a domain error."""
from __future__ import annotations

import pytest

from chalicelib.domain.errors import Forbidden, GuardRefused, StaleState, ValidationFailed
from chalicelib.domain.missions import Cap, seed_catalogue
from chalicelib.domain.workflow import Actor, FileState, MoveRequest, load_workflow, plan_move

MISSIONS = {m.mission_id: m for m in seed_catalogue()[1]}
IRSS = Actor("irss", "irss-1")
HEALTH = Actor("health", "ihs-1")
COORD = Actor("service_coordinator", "c-1", "spvm")
APPLICANT = Actor("applicant", "applicant")


def state(stage, **kw):
    base = dict(application_id="po-x", stage=stage, version=3, mission_id="haiti-minustah", cap_id="haiti",
                police_service="spvm", language="fr")
    base.update(kw)
    return FileState(**base)


def plan(stage, to, actor=IRSS, mission="haiti-minustah", cap=None, reason=None, **kw):
    return plan_move(state(stage, **kw), MISSIONS[mission], cap, actor, MoveRequest(to, stage, reason))


def test_every_stage_named_in_transitions_exists_and_has_an_email_template():
    from chalicelib.domain.emails import templates

    wf = load_workflow()
    for t in wf.transitions:
        assert t.to_stage in wf.stages and (t.from_stage == "*" or t.from_stage in wf.stages)
    for name, stage in wf.stages.items():
        assert stage.email_template in templates(), name
        for part in ("subject", "body"):
            assert set(templates()[stage.email_template][part]) == {"en", "fr"}, (name, part)
    assert wf.medical_stage == "medical"
    for stage in wf.notify_coordinator_on:
        assert f"coordinator_{stage}" in templates()


def test_the_table_loads_into_frozen_dataclasses_once():
    import dataclasses

    wf = load_workflow()
    assert load_workflow() is wf
    with pytest.raises(dataclasses.FrozenInstanceError):
        wf.stage("medical").terminal = True  # type: ignore[misc]
    assert "{pass_mark}" not in wf.stage("pre_deployment").next_step["en"]
    assert f"{wf.pass_mark}" in wf.stage("pre_deployment").next_step["en"]


def test_an_applicant_cannot_give_a_staff_reason():
    with pytest.raises(ValidationFailed) as err:
        plan("service_review", "withdrawn", actor=APPLICANT, reason="service_operational_needs")
    assert err.value.errors[0].pointer == "/reason_code"
    assert plan("service_review", "withdrawn", actor=COORD, reason="service_operational_needs").to_stage == "withdrawn"
    assert plan("service_review", "withdrawn", actor=APPLICANT, reason="family_reasons").to_stage == "withdrawn"


def test_ending_a_mission_early_is_a_reason_only_once_deployed():
    """The web offered it only once deployed; the domain accepted it from submitted. Now the domain refuses it."""
    with pytest.raises(ValidationFailed):
        plan("submitted", "withdrawn", actor=APPLICANT, reason="ended_mission_early")
    assert plan("deployed", "withdrawn", actor=APPLICANT, reason="ended_mission_early").to_stage == "withdrawn"


def test_a_move_to_a_stage_that_takes_no_reason_refuses_one():
    with pytest.raises(ValidationFailed) as err:
        plan("submitted", "service_review", actor=COORD, reason="other")
    assert err.value.errors[0].code == "no-reason-here"


def test_the_medical_end_reason_is_for_health_staff_only():
    assert plan("medical", "medically_unfit", actor=HEALTH, reason="medical_requirements_not_met").to_stage == "medically_unfit"


def test_happy_path_moves_and_versions():
    p = plan("submitted", "service_review", actor=COORD)
    assert (p.from_version, p.to_version, p.seat, p.notify_coordinator) == (3, 4, None, False)


def test_stale_move_is_refused_with_current_state():
    with pytest.raises(StaleState) as err:
        plan_move(state("interview"), MISSIONS["haiti-minustah"], None, IRSS, MoveRequest("medical", "irss_review"))
    assert err.value.extra["current_stage"] == "interview"


def test_wrong_role_is_forbidden():
    with pytest.raises(Forbidden):
        plan("irss_review", "interview", actor=COORD, family_readiness_on_file=True)
    with pytest.raises(Forbidden):
        plan("medical", "pre_deployment", actor=IRSS, medical_outcome="fit")


def test_impossible_transition_is_refused():
    with pytest.raises(GuardRefused):
        plan("submitted", "deployed")
    with pytest.raises(GuardRefused):
        plan("withdrawn", "submitted")


def test_leaving_irss_review_needs_family_readiness():
    with pytest.raises(GuardRefused) as err:
        plan("irss_review", "interview")
    assert "family-readiness" in err.value.detail_en and "préparation de la famille" in err.value.detail_fr
    assert plan("irss_review", "interview", family_readiness_on_file=True).to_stage == "interview"
    # Declining a file does not need the form.
    assert plan("irss_review", "not_selected", reason="not_recommended").to_stage == "not_selected"


def test_interview_only_for_un_and_eu():
    with pytest.raises(GuardRefused):
        plan("irss_review", "medical", family_readiness_on_file=True)  # Haiti is UN
    with pytest.raises(GuardRefused):
        plan("irss_review", "interview", mission="iraq-mlt", family_readiness_on_file=True)
    assert plan("irss_review", "medical", mission="iraq-mlt", family_readiness_on_file=True).to_stage == "medical"


def test_medical_needs_fit():
    for outcome in (None, "unfit", "needs_consultation"):
        with pytest.raises(GuardRefused):
            plan("medical", "pre_deployment", actor=HEALTH, medical_outcome=outcome)
    assert plan("medical", "pre_deployment", actor=HEALTH, medical_outcome="fit").to_stage == "pre_deployment"


def test_un_training_needs_every_module_at_80():
    modules = {"un-core-pre-deployment": 80, "un-bsafe": 95, "un-psea": 79}
    with pytest.raises(GuardRefused) as err:
        plan("pre_deployment", "training", modules=modules)
    assert "un-psea" in err.value.detail_en
    assert plan("pre_deployment", "training", modules={**modules, "un-psea": 80}).to_stage == "training"
    # Not a UN mission: no modules needed.
    assert plan("pre_deployment", "training", mission="iraq-mlt").to_stage == "training"


def test_seat_effects_and_seat_guard():
    assert plan("training", "deployed").seat == "take"
    assert plan("deployed", "returned").seat == "release"
    assert plan("deployed", "withdrawn", reason="ended_mission_early").seat == "release"
    assert plan("training", "withdrawn", reason="applicant_request").seat is None
    with pytest.raises(GuardRefused):
        plan("training", "deployed", cap=Cap("haiti", 90, 90))
    with pytest.raises(GuardRefused):
        plan("training", "deployed", cap=Cap("drc", None, 0))
    assert plan("training", "deployed", cap=Cap("haiti", 90, 89)).seat == "take"


def test_reasons_are_required_and_coded():
    with pytest.raises(ValidationFailed):
        plan("interview", "not_selected")
    with pytest.raises(ValidationFailed):
        plan("interview", "not_selected", reason="because")
    with pytest.raises(ValidationFailed):
        plan("medical", "medically_unfit", actor=HEALTH)
    p = plan("medical", "medically_unfit", actor=HEALTH, reason="medical_requirements_not_met")
    assert p.reason_code == "medical_requirements_not_met"


def test_withdrawal_from_any_open_stage_records_who_initiated():
    for stage in ("submitted", "irss_review", "medical", "deployed"):
        p = plan(stage, "withdrawn", actor=APPLICANT, reason="applicant_request")
        assert p.initiated_by == "applicant" and p.notify_coordinator
    assert plan("training", "withdrawn", actor=COORD, reason="service_operational_needs").initiated_by == "service_coordinator"
    with pytest.raises(Forbidden):
        plan("training", "withdrawn", actor=HEALTH, reason="other")


def test_a_new_stage_is_only_data():
    """Adding a stage to the table is enough for the engine to route through it."""
    import copy

    from chalicelib.domain.workflow import parse_workflow, workflow_json

    raw = copy.deepcopy(workflow_json())
    raw["stages"]["security_clearance"] = {"label": {"en": "Security", "fr": "Sécurité"},
                                           "next_step": {"en": "", "fr": ""}, "terminal": False}
    raw["transitions"].append({"from": "medical", "to": "security_clearance", "roles": ["irss"], "guards": []})
    wf = parse_workflow(raw)
    p = plan_move(state("medical"), MISSIONS["haiti-minustah"], None, IRSS, MoveRequest("security_clearance", "medical"), wf)
    assert p.to_stage == "security_clearance"
    assert "security_clearance" in wf.next_stages("medical")
