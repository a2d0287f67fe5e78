"""The work queue and staff notes on MemoryStorage: which files wait on which role, oldest first, what blocks
their next move in the guards' own terms, their flags; a note is audited, moves nothing and emails no one."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from chalicelib.domain.errors import NotFound, ValidationFailed
from chalicelib.domain.workflow import Actor, MoveRequest
from chalicelib.services import applicant, notes, submissions, workflow
from chalicelib.services.work_queue import work_queue

from .fakes import application, make_deps

SPVM = Actor("service_coordinator", "c-spvm", "spvm")
OPP = Actor("service_coordinator", "c-opp", "opp")
IRSS, HEALTH, ADMIN = Actor("irss", "i-1"), Actor("health", "h-1"), Actor("admin", "a-1")


def submit(deps: Any, email: str, **overrides: Any) -> str:
    _, body = submissions.submit(deps, application(email=email, **overrides), None)
    return str(body["application_id"])


def at_stage(deps: Any, app_id: str, stage: str, **facts: Any) -> None:
    """Put a file at a stage directly (the moves there are tested elsewhere)."""
    f = deps.store.files.get(app_id)
    deps.store.state.files[app_id] = replace(f, stage=stage, stage_entered_at=deps.now(), **facts)


@pytest.fixture
def deps() -> Any:
    return make_deps()


def test_each_role_sees_the_files_waiting_on_its_moves_oldest_first(deps: Any) -> None:
    # Given two SPVM files submitted a day apart, an OPP file, and one at IRSS review
    first = submit(deps, "a@example.ca")
    deps.clock.advance(days=1)
    second = submit(deps, "b@example.ca")
    opp = submit(deps, "c@example.ca", police_service="opp")
    review = submit(deps, "d@example.ca")
    at_stage(deps, review, "irss_review")
    deps.clock.advance(days=3)
    # Then the SPVM coordinator's queue holds SPVM's submitted files, oldest first, with their days
    q = work_queue(deps, SPVM)
    assert [r["application_id"] for r in q["items"]] == [first, second]
    assert [r["days_in_stage"] for r in q["items"]] == [4, 3]
    assert q["items"][0]["next_stages"] == ["service_review"] and q["items"][0]["needs"] == []
    assert opp not in {r["application_id"] for r in q["items"]}
    # IRSS's holds every one of them; health's none (no file at the medical stage); admin makes no moves
    assert {r["application_id"] for r in work_queue(deps, IRSS)["items"]} == {first, second, opp, review}
    assert work_queue(deps, HEALTH)["items"] == [] and work_queue(deps, ADMIN)["total"] == 0


def test_what_blocks_the_next_move_comes_from_the_guards(deps: Any) -> None:
    wf = workflow.load_workflow()
    forms = submit(deps, "forms@example.ca")
    at_stage(deps, forms, "preliminary_instructions", forms_returned=(next(iter(wf.preliminary_forms)),))
    modules = submit(deps, "modules@example.ca")  # a UN mission: its modules
    first_module = next(iter(wf.un_modules))
    at_stage(deps, modules, "un_modules", modules={first_module: 79})  # below the pass mark (80%)
    medical = submit(deps, "medical@example.ca")
    at_stage(deps, medical, "medical")
    rows = {r["application_id"]: r for r in work_queue(deps, IRSS)["items"]}
    needs = {g["guard"]: g for g in rows[forms]["needs"]}
    assert needs["preliminary_forms_returned"]["done"] == 1
    assert needs["preliminary_forms_returned"]["total"] == len(wf.preliminary_forms)
    assert "family_readiness_on_file" in needs
    assert rows[modules]["needs"] == [{"guard": "un_modules_passed", "done": 0, "total": len(wf.un_modules),
                                       "detail": None}]
    assert [g["guard"] for g in rows[medical]["needs"]] == ["medically_fit"]
    # Health's queue: the medical file, its outcome still to record
    health = work_queue(deps, HEALTH)["items"]
    assert [r["application_id"] for r in health] == [medical]
    assert health[0]["needs"][0]["guard"] == "medical_outcome_missing"


def test_flags_name_the_pre_screen_a_shared_address_and_a_failed_email(deps: Any) -> None:
    one = submit(deps, "same@example.ca")
    two = submit(deps, "same@example.ca", years_operational_service=1)  # under the years: pre-screen not met
    for message in deps.store.outbox.for_application(one):
        deps.store.state.outbox[message.message_id] = replace(message, status="failed")
    rows = {r["application_id"]: r for r in work_queue(deps, SPVM)["items"]}
    assert "same_address" in rows[one]["flags"] and "email_failed" in rows[one]["flags"]
    assert "prescreen_not_met" in rows[two]["flags"] and "email_failed" not in rows[two]["flags"]
    # SES's word that an email bounced is a delivery problem too
    bounced = deps.store.outbox.for_application(two)[0]
    deps.store.state.outbox[bounced.message_id] = replace(bounced, status="sent", delivery_status="bounced")
    assert "email_failed" in {r["application_id"]: r for r in work_queue(deps, SPVM)["items"]}[two]["flags"]


def test_a_note_is_audited_moves_nothing_and_is_never_emailed_or_shown_to_the_applicant(deps: Any) -> None:
    app_id = submit(deps, "note@example.ca")
    before = deps.store.files.get(app_id)
    outbox_before = len(deps.store.state.outbox)
    answer = notes.add_note(deps, SPVM, app_id, {"note": "  Called the applicant.  "})
    after = deps.store.files.get(app_id)
    assert answer["version"] == before.version + 1 and answer["note"]["note"] == "Called the applicant."
    assert after.stage == before.stage and after.updated_at == before.updated_at
    trail = deps.store.audit.trail(f"application#{app_id}")
    assert trail[-1].kind == "note" and trail[-1].note == "Called the applicant." and trail[-1].actor_role == \
        "service_coordinator"
    assert len(deps.store.state.outbox) == outbox_before
    assert "Called" not in str(applicant.timeline(deps, after))
    # A move made with the version seen before the note is stale: the note changed the file
    with pytest.raises(Exception, match="reload"):
        workflow.move(deps, app_id, SPVM, MoveRequest("service_review", "submitted"), file=before)


def test_a_note_outside_the_service_is_not_found_and_an_empty_one_is_refused(deps: Any) -> None:
    app_id = submit(deps, "scope@example.ca")
    with pytest.raises(NotFound):
        notes.add_note(deps, OPP, app_id, {"note": "x"})
    for body in ({"note": "   "}, {"note": ""}, {"note": "x" * 2001}, {}):
        with pytest.raises(ValidationFailed):
            notes.add_note(deps, IRSS, app_id, body)


def test_days_in_stage_count_ottawa_days(deps: Any) -> None:
    app_id = submit(deps, "days@example.ca")  # 09:00 UTC: 04:00 in Ottawa
    deps.clock.advance(timedelta(hours=18))  # 22:00 in Ottawa, the same day (03:00 UTC the next)
    assert work_queue(deps, SPVM)["items"][0]["days_in_stage"] == 0
    deps.clock.advance(timedelta(hours=3))  # 01:00 in Ottawa, the next day
    assert work_queue(deps, SPVM)["items"][0]["days_in_stage"] == 1
    assert work_queue(deps, SPVM)["items"][0]["application_id"] == app_id
