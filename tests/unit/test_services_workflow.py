"""Service unit tests, no AWS at all: every move guard of data/workflow.json on each pathway, and withdrawal.

Files are driven to the stage a test needs through the services themselves
(``services.workflow.move``, ``record_forms_returned``, ``record_medical_outcome``, ``record_module``,
``services.applicant.save_family_readiness``); the one shortcut (a cap's figure written
into ``store.state.caps``) says so where it is taken. "Untouched" is checked on the whole
store: the dicts of ``store.snapshot()`` before and after are equal.
"""
from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.domain.errors import Forbidden, GuardRefused, NotFound, StaleState, ValidationFailed
from chalicelib.domain.missions import seed_catalogue
from chalicelib.domain.workflow import ANY, Actor, MoveRequest, load_workflow
from chalicelib.services import applicant, submissions, workflow

from .fakes import application, deliver_new, family_readiness, make_deps, state_dicts

IRSS = Actor("irss", "irss-1")
HEALTH = Actor("health", "ihs-1")
COORD = Actor("service_coordinator", "coord-spvm", "spvm")
OTHER_COORD = Actor("service_coordinator", "coord-opp", "opp")
WF = load_workflow()
UN_MODULES = list(WF.un_modules)
FORMS = list(WF.preliminary_forms)
MISSIONS = {m.mission_id: m for m in seed_catalogue()[1]}
OPEN_MISSIONS = sorted(mid for mid, m in MISSIONS.items() if m.accepting_applications)
DEPLOYMENTS = sorted(mid for mid in OPEN_MISSIONS if WF.pathway_of(MISSIONS[mid]).name == "deployment")
NOMINATIONS = sorted(mid for mid in OPEN_MISSIONS if WF.pathway_of(MISSIONS[mid]).name == "nomination")
SPVM_COORDINATOR = "peaceops-coordinator.spvm@example.ca"


# --- helpers -------------------------------------------------------------------------

def stored(deps):
    """Everything stored once the outbox stream has delivered what was written (as in AWS, seconds after)."""
    deliver_new(deps)
    return state_dicts(deps.store.snapshot())


def new_file(deps, mission="haiti-minustah", **overrides):
    """Submit through the service; returns (application id, access token)."""
    _, body = submissions.submit(deps, application(missions=[mission], **overrides), None)
    return body["application_id"], body["access_token"]


def file_of(deps, app_id):
    return deps.store.files.get(app_id)


def move(deps, app_id, to, actor=IRSS, reason=None, expected=None, note=None):
    return workflow.move(deps, app_id, actor, MoveRequest(to, expected or file_of(deps, app_id).stage, reason, note))


def pass_modules(deps, app_id, score=80):
    for module in UN_MODULES:
        workflow.record_module(deps, app_id, IRSS, {"module": module, "score": score})


def return_forms(deps, app_id, forms=None):
    return workflow.record_forms_returned(deps, app_id, IRSS, {"forms": forms or FORMS})


def _step_preliminary(deps, f, target):
    if not f.forms_returned:
        return_forms(deps, f.application_id)
    if target == "preliminary_instructions+forms":
        return
    if not f.family_readiness_on_file:
        applicant.save_family_readiness(deps, file_of(deps, f.application_id), family_readiness())
    move(deps, f.application_id, "medical")


def _step_medical(deps, f, target):
    workflow.record_medical_outcome(deps, f.application_id, HEALTH, {"outcome": "fit"})
    move(deps, f.application_id, "un_modules" if f.mission.is_un else "final_recommendation")


def _step_un_modules(deps, f, target):
    pass_modules(deps, f.application_id)
    move(deps, f.application_id, "final_recommendation")


STEPS = {
    "submitted": lambda deps, f, target: move(deps, f.application_id, "service_review", COORD),
    "service_review": lambda deps, f, target: move(deps, f.application_id, "irss_review", COORD),
    "irss_review": lambda deps, f, target: move(
        deps, f.application_id, "interview" if f.mission.interview_required else "preliminary_instructions"),
    "interview": lambda deps, f, target: move(deps, f.application_id, "preliminary_instructions"),
    "preliminary_instructions": _step_preliminary,
    "medical": _step_medical,
    "un_modules": _step_un_modules,
    "final_recommendation": lambda deps, f, target: move(deps, f.application_id, "joining_instructions"),
    "joining_instructions": lambda deps, f, target: move(deps, f.application_id, "training"),
    "training": lambda deps, f, target: move(deps, f.application_id, "deployed"),
}
NOMINATION_STEPS = {
    "submitted": lambda deps, f, target: move(deps, f.application_id, "service_nomination", COORD),
    "service_nomination": lambda deps, f, target: move(deps, f.application_id, "irss_review", COORD),
    "irss_review": lambda deps, f, target: move(deps, f.application_id, "nominated"),
    "nominated": lambda deps, f, target: move(
        deps, f.application_id, "roster_certified" if f.mission_id in WF.roster_certification_missions else "attended"),
}


def drive(deps, app_id, target):
    """Along the file's own pathway, through the services, until the file is at ``target``
    ("preliminary_instructions+forms": there with every form recorded as returned)."""
    while (f := file_of(deps, app_id)).stage != target:
        if target == "preliminary_instructions+forms" and f.stage == "preliminary_instructions" and f.forms_returned:
            return
        steps = STEPS if WF.pathway_of(f.mission).name == "deployment" else NOMINATION_STEPS
        assert f.stage in steps, f"no path from {f.stage} to {target}"
        steps[f.stage](deps, f, target)


def refused(deps, app_id, to, actor=IRSS, reason=None, expected=None, error=GuardRefused):
    """The move is refused with ``error`` and leaves the whole store as it was; returns the error."""
    before, mails = stored(deps), len(deps.mailer.attempted)
    with pytest.raises(error) as err:
        move(deps, app_id, to, actor, reason, expected)
    assert stored(deps) == before, "a refused move changed the store"
    assert len(deps.mailer.attempted) == mails, "a refused move sent an email"
    return err.value


def last_audit(deps, app_id):
    return deps.store.audit.trail(f"application#{app_id}")[-1]


def rows_for_version(deps, app_id, version):
    return {r.recipient: r for r in deps.store.outbox.for_application(app_id)
            if r.message_id.startswith(f"{app_id}:{version}:")}


COVERED_GUARDS = {"family_readiness_on_file", "preliminary_forms_returned", "interview_required",
                  "no_interview_required", "medically_fit", "un_mission", "not_un_mission", "un_modules_passed",
                  "seat_available", "place_available", "roster_certification", "no_roster_certification"}


def test_every_guard_in_the_table_is_covered_here():
    # Given the workflow table
    # When the guards of every pathway's moves are listed
    named = {g for path in WF.pathways.values() for t in path.transitions for g in t.guards}
    # Then each has tests in this file (a new guard needs its own)
    assert named == COVERED_GUARDS


# --- a move that holds ---------------------------------------------------------------

def test_a_move_changes_the_stage_appends_its_audit_row_and_writes_its_emails_in_one_go():
    # Given a submitted file
    deps = make_deps()
    app_id, _ = new_file(deps)

    # When the SPVM coordinator moves it to service review
    out = move(deps, app_id, "service_review", COORD, note="Dossier complet.")

    # Then the answer gives the new state and the next stages
    assert out == {"application_id": app_id, "stage": "service_review", "version": 2,
                   "previous_stage": "submitted", "next_stages": WF.next_stages("service_review")}
    f = file_of(deps, app_id)
    assert (f.stage, f.version) == ("service_review", 2)
    entry = last_audit(deps, app_id)
    assert (entry.seq, entry.kind, entry.actor_id, entry.from_stage, entry.to_stage, entry.note) == (
        2, "stage_change", "coord-spvm", "submitted", "service_review", "Dossier complet.")
    # and the applicant is told (the workflow does not notify the coordinator of this stage)
    assert not WF.notifies_coordinator("service_review")
    deliver_new(deps)
    rows = rows_for_version(deps, app_id, 2)
    assert set(rows) == {"applicant"} and rows["applicant"].template == "service_review"
    assert rows["applicant"].status == "sent"


def test_a_whole_selection_path_through_the_services_ends_in_returned():
    # Given a Haiti file (UN: interview and modules)
    deps = make_deps()
    app_id, _ = new_file(deps)

    # When it goes all the way through the services, then home
    drive(deps, app_id, "deployed")
    move(deps, app_id, "returned", reason="rotation_completed")

    # Then the audit trail holds every step in order, each at its own version
    trail = deps.store.audit.trail(f"application#{app_id}")
    assert [e.seq for e in trail] == list(range(1, len(trail) + 1))
    assert [e.to_stage for e in trail if e.kind in ("submitted", "stage_change")] == [
        "submitted", "service_review", "irss_review", "interview", "preliminary_instructions", "medical",
        "un_modules", "final_recommendation", "joining_instructions", "training", "deployed", "returned"]
    assert [e.kind for e in trail if e.to_stage is None] == ["forms_returned", "family_readiness", "medical_outcome"] + [
        "module_result"] * len(UN_MODULES)
    assert file_of(deps, app_id).version == trail[-1].seq


# --- family_readiness_on_file --------------------------------------------------------

@pytest.mark.parametrize("mission", ["haiti-minustah", "iraq-mlt"])
def test_leaving_the_preliminary_instructions_needs_the_family_readiness_form(mission):
    # Given a file at the Preliminary Instructions, its forms returned, without the family-readiness form
    deps = make_deps()
    app_id, token = new_file(deps, mission)
    drive(deps, app_id, "preliminary_instructions+forms")
    assert not file_of(deps, app_id).family_readiness_on_file
    to = "medical"

    # When IRSS moves it on to the health assessment
    # Then the guard refuses (409) and nothing is written
    err = refused(deps, app_id, to)
    assert (err.status, err.extra["guard"]) == (409, "family_readiness_on_file")

    # When the applicant saves the form
    out = applicant.save_family_readiness(deps, applicant.authorize(deps, app_id, token), family_readiness())
    # Then it is on file (its own audit row, version + 1) and the same move holds
    assert out["on_file"] is True
    assert last_audit(deps, app_id).kind == "family_readiness"
    assert deps.store.files.family_readiness(app_id).form == family_readiness()
    assert move(deps, app_id, to)["stage"] == to


def test_saving_the_family_readiness_form_again_keeps_its_first_submission_time():
    # Given a file with the form on file
    deps = make_deps()
    app_id, token = new_file(deps)
    applicant.save_family_readiness(deps, applicant.authorize(deps, app_id, token), family_readiness())
    first = deps.store.files.family_readiness(app_id)

    # When the applicant corrects it an hour later
    deps.clock.advance(hours=1)
    applicant.save_family_readiness(deps, applicant.authorize(deps, app_id, token),
                                    family_readiness(support_structure="some"))

    # Then the form is replaced, submitted_at kept, updated_at moved
    now = deps.store.files.family_readiness(app_id)
    assert now.form["support_structure"] == "some"
    assert now.submitted_at == first.submitted_at and now.updated_at > first.updated_at


# --- preliminary_forms_returned ------------------------------------------------------

def test_leaving_the_preliminary_instructions_needs_every_form_recorded_as_returned():
    # Given an Iraq file at the Preliminary Instructions, family-readiness form on file, one form returned
    deps = make_deps()
    app_id, token = new_file(deps, "iraq-mlt")
    drive(deps, app_id, "preliminary_instructions")
    applicant.save_family_readiness(deps, applicant.authorize(deps, app_id, token), family_readiness())
    out = return_forms(deps, app_id, FORMS[:1])
    assert out["missing"] == FORMS[1:] and last_audit(deps, app_id).kind == "forms_returned"

    # When IRSS moves it on
    # Then the guard refuses, naming the missing form in both languages, and nothing is written
    err = refused(deps, app_id, "medical")
    assert err.extra["guard"] == "preliminary_forms_returned"
    assert WF.preliminary_forms[FORMS[-1]]["en"] in err.detail_en and WF.preliminary_forms[FORMS[-1]]["fr"] in err.detail_fr

    # When the rest are recorded (one twice: recorded once)
    assert return_forms(deps, app_id, FORMS)["forms_returned"] == FORMS
    # Then the move holds
    assert move(deps, app_id, "medical")["stage"] == "medical"


def test_forms_are_recorded_only_at_their_stage_and_only_known_ones():
    deps = make_deps()
    app_id, _ = new_file(deps, "iraq-mlt")
    before = stored(deps)
    with pytest.raises(StaleState):  # at submitted
        return_forms(deps, app_id)
    drive(deps, app_id, "preliminary_instructions")
    before = stored(deps)
    # Each refused with a pointer to what is wrong (the FormsReturnedRequest component of openapi.json)
    for body, pointer in (({"forms": ["medical_history"]}, "/forms/0"), ({"forms": []}, "/forms"),
                          ({"forms": FORMS, "outcome": "fit"}, "/outcome"), (["x"], "")):
        with pytest.raises(ValidationFailed) as err:
            workflow.record_forms_returned(deps, app_id, IRSS, body)
        assert [e.pointer for e in err.value.errors] == [pointer], body
    assert stored(deps) == before


# --- interview_required / no_interview_required -------------------------------------

@pytest.mark.parametrize("mission_id", DEPLOYMENTS)
def test_the_interview_is_for_missions_that_require_one_and_only_them(mission_id):
    # Given a file for this deployment at the RCMP screening
    deps = make_deps()
    app_id, _ = new_file(deps, mission_id)
    drive(deps, app_id, "irss_review")
    mission = MISSIONS[mission_id]

    # When IRSS takes the route the mission does not take
    wrong, right = (("preliminary_instructions", "interview") if mission.interview_required
                    else ("interview", "preliminary_instructions"))
    err = refused(deps, app_id, wrong)
    # Then the matching guard refuses it and nothing changes
    assert err.extra["guard"] == ("no_interview_required" if mission.interview_required else "interview_required")

    # When IRSS takes the mission's route
    # Then it holds
    assert move(deps, app_id, right)["stage"] == right


@pytest.mark.parametrize("mission_id", sorted(mid for mid, m in MISSIONS.items()
                                              if m.kind in ("operation", "specialized_posting")))
def test_un_and_eu_positions_are_the_ones_that_require_an_interview(mission_id):
    # Given a deployment or specialized posting of the seeded catalogue
    mission = MISSIONS[mission_id]
    # When its interview flag is read
    # Then it is set exactly for UN and EU bodies (README: "UN and EU positions go through interview")
    assert mission.interview_required == (mission.body in ("un", "eu"))


# --- medically_fit -------------------------------------------------------------------

@pytest.mark.parametrize("outcome", [None, "unfit", "needs_consultation"])
def test_moving_on_from_the_health_assessment_needs_a_fit_outcome(outcome):
    # Given a file at the medical stage, with no outcome or one other than fit
    deps = make_deps()
    app_id, _ = new_file(deps, "iraq-mlt")
    drive(deps, app_id, "medical")
    if outcome:
        workflow.record_medical_outcome(deps, app_id, HEALTH, {"outcome": outcome})

    # When IRSS moves it on to the final recommendation
    err = refused(deps, app_id, "final_recommendation")

    # Then the guard refuses and the file stays at medical
    assert err.extra["guard"] == "medically_fit"
    assert file_of(deps, app_id).stage == "medical"


def test_a_fit_outcome_is_recorded_with_its_audit_row_and_irss_not_health_moves_the_file_on():
    # Given a file at the medical stage
    deps = make_deps()
    app_id, _ = new_file(deps, "iraq-mlt")
    drive(deps, app_id, "medical")
    version = file_of(deps, app_id).version

    # When health staff record "fit"
    out = workflow.record_medical_outcome(deps, app_id, HEALTH, {"outcome": "fit"})

    # Then the file holds it at the next version, with an audit row carrying the outcome
    assert out == {"application_id": app_id, "medical_outcome": "fit", "version": version + 1}
    entry = last_audit(deps, app_id)
    assert (entry.kind, entry.seq, dict(entry.details)) == ("medical_outcome", version + 1, {"outcome": "fit"})
    # and health may not move it on, IRSS may (a bilateral mission: no modules, straight to the recommendation)
    assert refused(deps, app_id, "final_recommendation", HEALTH, error=Forbidden).status == 403
    assert refused(deps, app_id, "un_modules").extra["guard"] == "un_mission"
    assert move(deps, app_id, "final_recommendation")["stage"] == "final_recommendation"


def test_a_medical_outcome_outside_the_medical_stage_is_stale_and_writes_nothing():
    # Given a file at the selection review
    deps = make_deps()
    app_id, _ = new_file(deps)
    drive(deps, app_id, "irss_review")
    before = stored(deps)

    # When health staff try to record an outcome
    with pytest.raises(StaleState):
        workflow.record_medical_outcome(deps, app_id, HEALTH, {"outcome": "fit"})

    # Then nothing is written
    assert stored(deps) == before


def test_medically_unfit_takes_the_health_reason_only():
    # Given a file at the medical stage
    deps = make_deps()
    app_id, _ = new_file(deps, "iraq-mlt")
    drive(deps, app_id, "medical")

    # When health staff close it with a selection reason, or none
    # Then both are refused at /reason_code
    for reason in ("criteria_not_met", None):
        err = refused(deps, app_id, "medically_unfit", HEALTH, reason=reason, error=ValidationFailed)
        assert [e.pointer for e in err.errors] == ["/reason_code"]
    # When IRSS tries it with the health reason
    refused(deps, app_id, "medically_unfit", IRSS, reason="medical_requirements_not_met", error=Forbidden)
    # When health staff give the health reason
    assert move(deps, app_id, "medically_unfit", HEALTH, reason="medical_requirements_not_met")["stage"] == \
        "medically_unfit"
    assert last_audit(deps, app_id).reason_code == "medical_requirements_not_met"


# --- un_modules_passed ---------------------------------------------------------------

def test_a_un_mission_goes_through_the_modules_each_at_the_pass_mark():
    # Given a Haiti (UN) file at the health assessment, fit
    deps = make_deps()
    app_id, _ = new_file(deps)
    drive(deps, app_id, "medical")
    workflow.record_medical_outcome(deps, app_id, HEALTH, {"outcome": "fit"})
    # When IRSS skips the modules
    # Then it is refused
    assert refused(deps, app_id, "final_recommendation").extra["guard"] == "not_un_mission"
    move(deps, app_id, "un_modules")

    # When IRSS moves it on with no module recorded
    # Then it is refused
    assert refused(deps, app_id, "final_recommendation").extra["guard"] == "un_modules_passed"

    # When all modules but one are passed and the last is one point short
    *passed, last = UN_MODULES
    for module in passed:
        workflow.record_module(deps, app_id, IRSS, {"module": module, "score": WF.pass_mark})
    workflow.record_module(deps, app_id, IRSS, {"module": last, "score": WF.pass_mark - 1})
    # Then it is still refused, naming the missing module
    err = refused(deps, app_id, "final_recommendation")
    assert err.extra["guard"] == "un_modules_passed" and last in err.detail_en

    # When the last module is passed at the mark
    workflow.record_module(deps, app_id, IRSS, {"module": last, "score": WF.pass_mark})
    # Then the move holds
    assert move(deps, app_id, "final_recommendation")["stage"] == "final_recommendation"


def test_the_best_mark_of_a_module_counts():
    # Given a Haiti file at the UN online training with every module passed at 90
    deps = make_deps()
    app_id, _ = new_file(deps)
    drive(deps, app_id, "un_modules")
    pass_modules(deps, app_id, score=90)

    # When a later, lower mark is recorded for one module
    out = workflow.record_module(deps, app_id, IRSS, {"module": UN_MODULES[0], "score": 10})

    # Then the best mark stays, the attempt is in the audit, and the final recommendation is open
    assert out["modules"][UN_MODULES[0]] == 90 and out["pass_mark"] == WF.pass_mark
    assert dict(last_audit(deps, app_id).details) == {"module": UN_MODULES[0], "score": 10}
    assert move(deps, app_id, "final_recommendation")["stage"] == "final_recommendation"


def test_a_mission_outside_the_un_needs_no_modules():
    # Given an Iraq (bilateral) file selected, with no module recorded
    deps = make_deps()
    app_id, _ = new_file(deps, "iraq-mlt")
    drive(deps, app_id, "joining_instructions")
    assert file_of(deps, app_id).modules == {}
    assert "un_modules" not in [e.to_stage for e in deps.store.audit.trail(f"application#{app_id}")]

    # When IRSS moves it to training
    # Then it holds
    assert move(deps, app_id, "training")["stage"] == "training"


# --- seat_available ------------------------------------------------------------------

def test_deployment_takes_a_seat_in_the_same_commit_and_return_releases_it():
    # Given a Haiti file at training, Haiti's cap at 40 of 90
    deps = make_deps()
    app_id, _ = new_file(deps)
    drive(deps, app_id, "training")
    assert deps.store.catalogue.cap("haiti").deployed == 40

    # When IRSS deploys the officer
    out = move(deps, app_id, "deployed")

    # Then the file is deployed and the cap counts one more
    assert out["stage"] == "deployed"
    assert deps.store.catalogue.cap("haiti").deployed == 41
    # and the applicant and the coordinator are told (the workflow notifies on "deployed")
    rows = rows_for_version(deps, app_id, out["version"])
    assert {(r.recipient, r.template) for r in rows.values()} == {
        ("applicant", "deployed"), ("coordinator", "coordinator_deployed")}

    # When the officer comes home
    move(deps, app_id, "returned", reason="rotation_completed")
    # Then the seat is released
    assert deps.store.catalogue.cap("haiti").deployed == 40


def test_a_stale_deployment_takes_no_seat():
    # Given a Haiti file at training, read by IRSS, then changed by someone else (a module mark)
    deps = make_deps()
    app_id, _ = new_file(deps)
    drive(deps, app_id, "training")
    as_read = file_of(deps, app_id)
    workflow.record_module(deps, app_id, IRSS, {"module": UN_MODULES[0], "score": 99})
    before = stored(deps)

    # When IRSS deploys from the file as read
    with pytest.raises(StaleState) as err:
        workflow.move(deps, app_id, IRSS, MoveRequest("deployed", "training"), file=as_read)

    # Then it is stale (409, with the current version) and the seat was not taken
    assert err.value.status == 409 and err.value.extra["current_version"] == as_read.version + 1
    assert stored(deps) == before
    assert deps.store.catalogue.cap("haiti").deployed == 40


def test_no_authorized_figure_refuses_deployment_and_leaves_everything_untouched():
    # Given a DR Congo file at training; its cap has no authorized figure
    deps = make_deps()
    assert deps.store.catalogue.cap("drc").authorized is None
    app_id, _ = new_file(deps, "drc-monusco")
    drive(deps, app_id, "training")

    # When IRSS deploys the officer
    err = refused(deps, app_id, "deployed")

    # Then the seat guard refuses, saying there is no figure; file, audit, outbox and cap are as they were
    assert err.extra["guard"] == "seat_available" and "no authorized figure" in err.detail_en
    assert file_of(deps, app_id).stage == "training"
    assert deps.store.catalogue.cap("drc").deployed == 0


def test_a_full_cap_refuses_deployment_and_leaves_everything_untouched():
    # Given a Ukraine file at training; the Ukraine cap is full (20 of 20)
    deps = make_deps()
    cap = deps.store.catalogue.cap("ukraine")
    assert (cap.authorized, cap.deployed) == (20, 20)
    app_id, _ = new_file(deps, "ukraine-patrol-police")
    drive(deps, app_id, "training")

    # When IRSS deploys the officer
    err = refused(deps, app_id, "deployed")

    # Then the guard refuses, saying no seat is left, and the count stays 20
    assert err.extra["guard"] == "seat_available" and "No seat left" in err.detail_en
    assert deps.store.catalogue.cap("ukraine").deployed == 20


def test_the_last_seat_goes_to_one_file_only():
    # Given two Haiti files at training, and (written into store.state.caps) one seat left on Haiti's cap
    deps = make_deps()
    first, _ = new_file(deps)
    second, _ = new_file(deps)
    drive(deps, first, "training")
    drive(deps, second, "training")
    haiti = deps.store.state.caps["haiti"]
    deps.store.state.caps["haiti"] = replace(haiti, authorized=haiti.deployed + 1)

    # When IRSS deploys both
    move(deps, first, "deployed")
    err = refused(deps, second, "deployed")

    # Then the first takes the seat, the second is refused and stays at training
    assert err.extra["guard"] == "seat_available"
    assert (file_of(deps, first).stage, file_of(deps, second).stage) == ("deployed", "training")
    assert deps.store.catalogue.cap("haiti").seats_left == 0


def test_seats_are_counted_on_the_cap_shared_by_missions():
    # Given an EUAM Ukraine file at training: it shares the (full) Ukraine cap with the patrol police mission
    deps = make_deps()
    assert MISSIONS["ukraine-euam"].cap_id == MISSIONS["ukraine-patrol-police"].cap_id == "ukraine"
    app_id, _ = new_file(deps, "ukraine-euam")
    drive(deps, app_id, "training")

    # When IRSS deploys the officer
    # Then the shared cap refuses
    assert refused(deps, app_id, "deployed").extra["guard"] == "seat_available"


# --- stale state, roles, transitions -------------------------------------------------

def test_a_stale_expected_stage_is_a_409_with_the_current_state():
    # Given a file the coordinator moved to service review
    deps = make_deps()
    app_id, _ = new_file(deps)
    move(deps, app_id, "service_review", COORD)

    # When IRSS, who still sees "submitted", moves it
    err = refused(deps, app_id, "service_review", IRSS, expected="submitted", error=StaleState)

    # Then it is stale, and says where the file is now
    assert err.status == 409
    assert (err.extra["current_stage"], err.extra["current_version"]) == ("service_review", 2)


@pytest.mark.parametrize("stage, to, actor", [
    ("submitted", "service_review", HEALTH),
    ("irss_review", "interview", COORD),
    ("medical", "un_modules", HEALTH),
    ("final_recommendation", "joining_instructions", COORD),
    ("training", "deployed", COORD),
    ("deployed", "returned", HEALTH),
])
def test_a_role_the_table_does_not_name_is_forbidden(stage, to, actor):
    # Given a Haiti file at the stage (family-readiness form and fit outcome on file where needed)
    deps = make_deps()
    app_id, _ = new_file(deps)
    drive(deps, app_id, stage)
    if stage == "medical":
        workflow.record_medical_outcome(deps, app_id, HEALTH, {"outcome": "fit"})
    t = WF.pathways["deployment"].transition(file_of(deps, app_id).stage, to)
    assert t is not None and actor.role not in t.roles

    # When that role makes the move
    err = refused(deps, app_id, to, actor, error=Forbidden)

    # Then it is a 403 and nothing changes
    assert err.status == 403


def test_a_coordinator_of_another_service_does_not_see_the_file():
    # Given an SPVM file
    deps = make_deps()
    app_id, _ = new_file(deps)

    # When the OPP coordinator moves it
    # Then the file does not exist for them (404) and nothing changes
    refused(deps, app_id, "service_review", OTHER_COORD, error=NotFound)


def test_a_move_the_table_does_not_have_is_refused_with_the_allowed_stages():
    # Given a submitted file
    deps = make_deps()
    app_id, _ = new_file(deps)

    # When IRSS jumps it to medical
    err = refused(deps, app_id, "medical")

    # Then the refusal lists where it may go
    assert err.extra["guard"] == "transition"
    assert err.extra["allowed"] == WF.next_stages("submitted") == ["service_review", "withdrawn"]


# --- reasons -------------------------------------------------------------------------

def test_not_selected_requires_a_reason():
    # Given a file at service review
    deps = make_deps()
    app_id, _ = new_file(deps)
    move(deps, app_id, "service_review", COORD)

    # When the coordinator closes it without a reason
    err = refused(deps, app_id, "not_selected", COORD, error=ValidationFailed)
    # Then the refusal points at /reason_code
    assert [(e.pointer, e.code) for e in err.errors] == [("/reason_code", "reason-required")]

    # When they give one
    move(deps, app_id, "not_selected", COORD, reason="service_operational_needs")
    # Then it holds and the audit keeps the reason
    assert last_audit(deps, app_id).reason_code == "service_operational_needs"
    assert file_of(deps, app_id).stage == "not_selected"


def test_a_reason_the_actor_may_not_give_is_refused():
    # Given a file at service review
    deps = make_deps()
    app_id, token = new_file(deps)
    move(deps, app_id, "service_review", COORD)
    before = stored(deps)

    # When the applicant withdraws giving a staff-only reason
    with pytest.raises(ValidationFailed) as err:
        applicant.withdraw(deps, applicant.authorize(deps, app_id, token),
                           {"reason_code": "service_operational_needs"})

    # Then it is refused at /reason_code and nothing is written
    assert [e.pointer for e in err.value.errors] == ["/reason_code"]
    assert stored(deps) == before
    # while the coordinator may give that reason
    assert move(deps, app_id, "withdrawn", COORD, reason="service_operational_needs")["stage"] == "withdrawn"


def test_a_reason_given_to_a_stage_that_takes_none_is_refused():
    # Given a submitted file; service_review takes no reason in the table
    deps = make_deps()
    app_id, _ = new_file(deps)
    assert WF.reason_rule("service_review") is None

    # When the coordinator moves it with a reason
    err = refused(deps, app_id, "service_review", COORD, reason="other", error=ValidationFailed)

    # Then it is refused at /reason_code
    assert [(e.pointer, e.code) for e in err.errors] == [("/reason_code", "no-reason-here")]


# --- withdrawal ----------------------------------------------------------------------

def withdraw(deps, app_id, token, body=None):
    return applicant.withdraw(deps, applicant.authorize(deps, app_id, token), body or {})


@pytest.mark.parametrize("stage", ["submitted", "service_review", "irss_review", "interview",
                                   "preliminary_instructions", "medical", "un_modules", "final_recommendation",
                                   "joining_instructions", "training"])
def test_the_applicant_withdraws_from_an_open_stage_and_the_coordinator_is_told(stage):
    # Given a Haiti file at an open stage
    deps = make_deps()
    app_id, token = new_file(deps)
    drive(deps, app_id, stage)
    version = file_of(deps, app_id).version
    assert WF.pathways["deployment"].transition(stage, "withdrawn").from_stage == ANY

    # When the applicant withdraws, giving no reason
    out = withdraw(deps, app_id, token)

    # Then the file is withdrawn, the reason defaults to applicant_request, initiated by the applicant
    assert (out["stage"], out["previous_stage"], out["version"]) == ("withdrawn", stage, version + 1)
    entry = last_audit(deps, app_id)
    assert (entry.actor_role, entry.from_stage, entry.to_stage, entry.reason_code, entry.initiated_by) == (
        "applicant", stage, "withdrawn", "applicant_request", "applicant")
    # and the applicant and the coordinator get their emails (the workflow notifies on "withdrawn")
    assert WF.notifies_coordinator("withdrawn")
    deliver_new(deps)
    rows = rows_for_version(deps, app_id, version + 1)
    assert {(r.recipient, r.template, r.status) for r in rows.values()} == {
        ("applicant", "withdrawn", "sent"), ("coordinator", "coordinator_withdrawn", "sent")}
    assert rows["coordinator"].to_address == SPVM_COORDINATOR
    # and no seat moved (the file held none)
    assert deps.store.catalogue.cap("haiti").deployed == 40


def test_the_applicant_may_give_a_reason_and_a_note():
    # Given a submitted file
    deps = make_deps()
    app_id, token = new_file(deps)

    # When the applicant withdraws for family reasons, with a note
    withdraw(deps, app_id, token, {"reason_code": "family_reasons", "note": "Naissance prévue."})

    # Then both are kept
    entry = last_audit(deps, app_id)
    assert (entry.reason_code, entry.note) == ("family_reasons", "Naissance prévue.")


def test_ending_a_mission_early_is_only_for_a_deployed_officer():
    # Given a Haiti file at training
    deps = make_deps()
    app_id, token = new_file(deps)
    drive(deps, app_id, "training")
    before = stored(deps)

    # When the applicant (or IRSS for them) records a return "ended early"
    with pytest.raises(GuardRefused):
        workflow.move(deps, app_id, applicant.APPLICANT, MoveRequest("returned", "training", "ended_early"),
                      file=file_of(deps, app_id))

    # Then it is refused (no way from training to returned) and nothing is written
    assert stored(deps) == before


@pytest.mark.parametrize("reason", ["family_reasons", None])
def test_a_deployed_officer_who_stops_returns_ended_early_and_frees_the_seat(reason):
    # Given a deployed Haiti officer (cap at 41 of 90)
    deps = make_deps()
    app_id, token = new_file(deps)
    drive(deps, app_id, "deployed")
    assert deps.store.catalogue.cap("haiti").deployed == 41

    # When they end their mission early (the same "stop" as a withdrawal, with a note)
    withdraw(deps, app_id, token, {"reason_code": reason, "note": "Mon père est hospitalisé"} if reason else {})

    # Then the file is returned, ended early at their request (not withdrawn: they may not "apply again"),
    # and the roster entry ends with the seat in the same change
    f = file_of(deps, app_id)
    assert f.stage == "returned"
    entry = last_audit(deps, app_id)
    assert (entry.reason_code, entry.initiated_by, entry.actor_role) == ("ended_early", None, "applicant")
    assert deps.store.catalogue.cap("haiti").deployed == 40
    [mine] = [d for d in deps.store.catalogue.roster("haiti") if d.application_id == app_id]
    assert (mine.active, mine.end_reason) == (False, "ended_early")
    # and the email thanks them; the coordinator is told of the return
    rows = rows_for_version(deps, app_id, f.version)
    assert {(r.recipient, r.template) for r in rows.values()} == {
        ("applicant", "returned_early"), ("coordinator", "coordinator_returned")}


@pytest.mark.parametrize("close", ["not_selected", "withdrawn", "returned", "medically_unfit"])
def test_a_closed_file_refuses_withdrawal(close):
    # Given a Haiti file closed one way or another
    deps = make_deps()
    app_id, token = new_file(deps)
    if close == "not_selected":
        move(deps, app_id, "service_review", COORD)
        move(deps, app_id, "not_selected", COORD, reason="criteria_not_met")
    elif close == "withdrawn":
        withdraw(deps, app_id, token)
    elif close == "returned":
        drive(deps, app_id, "deployed")
        move(deps, app_id, "returned", reason="rotation_completed")
    else:
        drive(deps, app_id, "medical")
        move(deps, app_id, "medically_unfit", HEALTH, reason="medical_requirements_not_met")
    assert WF.is_terminal(file_of(deps, app_id).stage)
    before, mails = stored(deps), len(deps.mailer.attempted)

    # When the applicant withdraws
    with pytest.raises(GuardRefused) as err:
        withdraw(deps, app_id, token)

    # Then it is refused (409, no move from a closed stage) and nothing is written or sent
    assert err.value.status == 409 and err.value.extra["allowed"] == []
    assert stored(deps) == before and len(deps.mailer.attempted) == mails


def test_a_withdrawal_from_a_stage_the_applicant_no_longer_sees_is_stale():
    # Given a file the coordinator moved on while the applicant's page still showed "submitted"
    deps = make_deps()
    app_id, token = new_file(deps)
    page = applicant.authorize(deps, app_id, token)
    move(deps, app_id, "service_review", COORD)
    before = stored(deps)

    # When the applicant withdraws, saying the stage they saw
    with pytest.raises(StaleState):
        applicant.withdraw(deps, applicant.authorize(deps, app_id, token), {"expected_stage": "submitted"})
    # or from the file as their page read it
    with pytest.raises(StaleState):
        applicant.withdraw(deps, page, {})

    # Then nothing is written
    assert stored(deps) == before


# --- the nomination pathway and place_available ------------------------------------------

def nominee(deps, mission="justice-rapid-response", **overrides):
    app_id, token = new_file(deps, mission, **overrides)
    drive(deps, app_id, "irss_review")
    return app_id, token


def give_positions(deps, app_id, positions=2):
    """An administrator sets the positions of the file's call (the seeds give none for SAAT, SML and the DRC)."""
    from chalicelib.services import bulletins

    stored = deps.store.catalogue.bulletin(file_of(deps, app_id).bulletin_id)
    bulletins.update_bulletin(deps, Actor("admin", "admin-1"), stored.bulletin.bulletin_id,
                              {"positions": positions, "version": stored.version})


def places_taken(deps, app_id):
    return deps.store.catalogue.bulletin(file_of(deps, app_id).bulletin_id).places_taken


def test_a_nomination_walks_its_own_pathway_without_medical_modules_or_seat():
    # Given a JRR roster-training file (an other_opportunity: the nomination pathway)
    deps = make_deps()
    app_id, _ = new_file(deps, "justice-rapid-response")
    cap_before = deps.store.catalogue.cap("jrr").deployed

    # When it is nominated and certified on the roster, through the services
    drive(deps, app_id, "roster_certified")

    # Then its trail is the nomination pathway, with no fact recorded and no seat taken
    trail = deps.store.audit.trail(f"application#{app_id}")
    assert [e.to_stage for e in trail] == ["submitted", "service_nomination", "irss_review", "nominated",
                                           "roster_certified"]
    assert deps.store.catalogue.cap("jrr").deployed == cap_before
    assert places_taken(deps, app_id) == 1  # the certification keeps the place it used
    templates = [r.template for r in deps.store.outbox.for_application(app_id) if r.recipient == "applicant"]
    assert templates == ["submitted", "service_nomination", "irss_review", "nominated", "roster_certified"]
    # and the coordinator is told of the nomination
    assert any(r.template == "coordinator_nominated" for r in deps.store.outbox.for_application(app_id))


def test_a_roster_training_ends_certified_on_the_roster_and_a_course_ends_attended():
    # Given a nominated JRR file and a nominated SAAT instructor's file
    deps = make_deps()
    jrr, _ = nominee(deps)
    move(deps, jrr, "nominated")
    saat, _ = nominee(deps, "un-saat-instructors")
    give_positions(deps, saat)
    move(deps, saat, "nominated")

    # Then the JRR file cannot end "attended" (roster_certification's way), nor the course "certified"
    assert refused(deps, jrr, "attended").extra["guard"] == "no_roster_certification"
    assert refused(deps, saat, "roster_certified").extra["guard"] == "roster_certification"

    # and each ends its own way, the coordinator told of the certification
    assert move(deps, jrr, "roster_certified")["stage"] == "roster_certified"
    assert move(deps, saat, "attended")["stage"] == "attended"
    assert any(r.template == "coordinator_roster_certified" for r in deps.store.outbox.for_application(jrr))


def test_a_nomination_has_no_medical_and_no_family_readiness_guard():
    deps = make_deps()
    app_id, _ = nominee(deps)
    assert not file_of(deps, app_id).family_readiness_on_file
    with pytest.raises(StaleState):
        workflow.record_medical_outcome(deps, app_id, HEALTH, {"outcome": "fit"})
    assert refused(deps, app_id, "medical").extra["allowed"] == ["nominated", "not_nominated", "withdrawn"]
    assert move(deps, app_id, "nominated")["stage"] == "nominated"


def test_irss_may_make_the_nomination_for_the_senior_courses():
    # Given a Senior Mission Leaders course file (the Executive/Officer Development and Resourcing office nominates)
    deps = make_deps()
    app_id, _ = new_file(deps, "un-senior-mission-leaders-course")
    # When IRSS moves it to the nomination and on
    assert move(deps, app_id, "service_nomination", IRSS)["next_stages"] == ["irss_review", "not_nominated", "withdrawn"]
    # Then it holds
    assert move(deps, app_id, "irss_review", IRSS)["stage"] == "irss_review"


def test_a_session_fills_to_its_last_place_and_no_further():
    # Given as many JRR files at the IRSS review as the call has positions, and one more
    deps = make_deps()
    first, _ = nominee(deps)
    positions = deps.store.catalogue.bulletin(file_of(deps, first).bulletin_id).bulletin.positions
    # (one address each: an address sends at most its files of the day, domain/limits.py)
    files = [first] + [nominee(deps, email=f"jrr{i}@example.ca")[0] for i in range(positions)]
    assert len({file_of(deps, f).bulletin_id for f in files}) == 1

    # When IRSS nominates them all
    for app_id in files[:-1]:
        assert move(deps, app_id, "nominated")["stage"] == "nominated"
    err = refused(deps, files[-1], "nominated")

    # Then exactly the positions are taken, and the last is refused in both languages with nothing changed
    assert places_taken(deps, first) == positions
    assert err.extra["guard"] == "place_available" and f"{positions} positions" in err.detail_en
    assert f"{positions} postes" in err.detail_fr and file_of(deps, files[-1]).stage == "irss_review"

    # When one nominee withdraws, their place is freed in the same change, and the last file takes it
    move(deps, files[0], "withdrawn", COORD, reason="service_operational_needs")
    assert places_taken(deps, first) == positions - 1
    assert move(deps, files[-1], "nominated")["stage"] == "nominated"
    assert places_taken(deps, first) == positions


def test_not_nominated_takes_a_coded_reason_and_no_place():
    deps = make_deps()
    app_id, _ = nominee(deps)
    err = refused(deps, app_id, "not_nominated", error=ValidationFailed)
    assert [e.pointer for e in err.errors] == ["/reason_code"]
    assert move(deps, app_id, "not_nominated", reason="no_place")["stage"] == "not_nominated"
    assert last_audit(deps, app_id).reason_code == "no_place" and places_taken(deps, app_id) == 0
    assert WF.pathway_for("other_opportunity").is_terminal("not_nominated")
