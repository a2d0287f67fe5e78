"""Return and reintegration on MemoryStorage: the return date, the guide tasks of the readiness staff, health's
post-mission follow-up, the file's completion and what the applicant's status says of it."""
from __future__ import annotations

import pytest

from chalicelib.domain import reintegration
from chalicelib.domain.errors import Conflict, InvalidQuery, NotFound, StaleState, ValidationFailed
from chalicelib.domain.workflow import MoveRequest
from chalicelib.services import applicant, workflow
from chalicelib.services import reintegration as guides

from .fakes import family_readiness, make_deps
from .test_services_workflow import HEALTH, IRSS, drive, file_of, move, new_file, stored

BEFORE = reintegration.BEFORE_THE_MISSION
REINTEGRATION = reintegration.REINTEGRATION_GUIDE


def task_id(app_id, guide):
    return reintegration.task_id_for(app_id, guide)


def deployed_file(deps, **wants):
    """A Haiti file driven to deployed through the services, its family-readiness form asking as ``wants`` says."""
    app_id, token = new_file(deps)
    drive(deps, app_id, "preliminary_instructions")
    form = family_readiness(**{f"wants_{k}": v for k, v in wants.items()}) if wants else family_readiness()
    applicant.save_family_readiness(deps, file_of(deps, app_id), form)
    drive(deps, app_id, "deployed")
    return app_id, token


def returned_file(deps, reason="rotation_completed", **wants):
    app_id, token = deployed_file(deps, **wants)
    move(deps, app_id, "returned", reason=reason)
    return app_id, token


def follow_up(deps, app_id, actor=HEALTH, body=None):
    return workflow.record_post_mission_follow_up(deps, app_id, actor, {"done": True} if body is None else body)


def sent(deps, tid, actor=IRSS):
    return guides.mark_sent(deps, IRSS if actor is None else actor, tid, {})


def status_of(deps, app_id):
    return applicant.status(deps, file_of(deps, app_id))


def templates_to(deps, app_id, recipient="applicant"):
    return [r.template for r in deps.store.outbox.for_application(app_id) if r.recipient == recipient]


# --- tasks open with the change that asks for them ---------------------------------------

def test_saving_the_form_with_before_the_mission_opens_its_task_once():
    # Given a file at the Preliminary Instructions
    deps = make_deps()
    app_id, _ = new_file(deps)
    drive(deps, app_id, "preliminary_instructions")

    # When the applicant saves the family-readiness form asking for "Before the Mission", then saves it again
    applicant.save_family_readiness(deps, file_of(deps, app_id), family_readiness())
    applicant.save_family_readiness(deps, file_of(deps, app_id), family_readiness(support_structure="some"))

    # Then one task is open for the readiness staff, with whom to send it to, and none yet for the reintegration guide
    tasks = deps.store.tasks.for_application(app_id)
    assert [(t.task_id, t.guide, t.status, t.language) for t in tasks] == [(task_id(app_id, BEFORE), BEFORE, "open", "fr")]
    assert tasks[0].email == file_of(deps, app_id).email and tasks[0].name == "Hélène Côté-Tremblay"
    # and the applicant sees it on its way
    assert status_of(deps, app_id)["guides"] == [
        {"guide": BEFORE, "name": {"en": "Before the Mission", "fr": "Avant la mission"}, "state": "on_its_way",
         "sent_at": None}]


def test_a_form_that_asks_for_no_guide_opens_no_task():
    deps = make_deps()
    app_id, _ = new_file(deps)
    drive(deps, app_id, "preliminary_instructions")
    applicant.save_family_readiness(deps, file_of(deps, app_id), family_readiness(wants_before_the_mission=False))
    assert deps.store.tasks.for_application(app_id) == []


def test_a_refused_save_opens_no_task():
    # Given a file whose version moved after the applicant's read
    deps = make_deps()
    app_id, _ = new_file(deps)
    drive(deps, app_id, "preliminary_instructions")
    as_read = file_of(deps, app_id)
    workflow.record_forms_returned(deps, app_id, IRSS, {"forms": ["preliminary_instructions_forms"]})
    before = stored(deps)

    # When the stale save is refused, then nothing at all is written: no task either
    with pytest.raises(Conflict):
        applicant.save_family_readiness(deps, as_read, family_readiness())
    assert stored(deps) == before


def test_the_return_records_its_day_and_opens_the_reintegration_guide_when_asked_for():
    # Given a deployed officer whose form asked for both guides
    deps = make_deps()
    app_id, _ = deployed_file(deps)
    assert status_of(deps, app_id)["follow_up"] is None

    # When they return
    move(deps, app_id, "returned", reason="rotation_completed")

    # Then the file carries the return day, the roster entry's end
    f = file_of(deps, app_id)
    entry = deps.store.catalogue.deployment(f.cap_id, f"file-{app_id}")
    assert f.returned_on == entry.ended_on == deps.today().isoformat()
    # and the reintegration guide's task opened with the move
    assert {t.guide: t.status for t in deps.store.tasks.for_application(app_id)} == {BEFORE: "open",
                                                                                     REINTEGRATION: "open"}
    # and the coordinator is told of the return
    assert "coordinator_returned" in templates_to(deps, app_id, "coordinator")
    # and the applicant's status says where the follow-up stands
    s = status_of(deps, app_id)
    assert s["follow_up"] == {"returned_on": f.returned_on, "post_mission_follow_up": "to_come", "guides_pending": 2,
                              "complete": False, "completed_at": None}
    assert s["deployment"]["ended_on"] == f.returned_on


def test_a_return_without_the_guide_asked_for_opens_no_task():
    deps = make_deps()
    app_id, _ = returned_file(deps, before_the_mission=False, reintegration_guide=False)
    assert deps.store.tasks.for_application(app_id) == []
    assert status_of(deps, app_id)["follow_up"]["guides_pending"] == 0


def test_an_early_return_at_the_officers_request_opens_the_same_follow_up():
    # Given a deployed officer
    deps = make_deps()
    app_id, token = deployed_file(deps, before_the_mission=False)
    assert status_of(deps, app_id)["can_end_mission_early"] and not status_of(deps, app_id)["can_withdraw"]

    # When they end their mission early
    applicant.withdraw(deps, applicant.authorize(deps, app_id, token), {"note": "Raisons familiales."})

    # Then the file is returned, dated, with the reintegration guide's task and the early-return emails
    f = file_of(deps, app_id)
    assert (f.stage, f.returned_on) == ("returned", deps.today().isoformat())
    assert [t.guide for t in deps.store.tasks.for_application(app_id)] == [REINTEGRATION]
    assert "returned_early" in templates_to(deps, app_id)
    assert "coordinator_returned" in templates_to(deps, app_id, "coordinator")


def test_the_status_of_a_deployed_officer_gives_the_deployments_start_and_planned_end():
    deps = make_deps()
    app_id, _ = deployed_file(deps)
    entry = deps.store.catalogue.deployment("haiti", f"file-{app_id}")
    assert status_of(deps, app_id)["deployment"] == {"started_on": entry.started_on, "planned_end": entry.planned_end,
                                                     "ended_on": None}


# --- health's post-mission follow-up ---------------------------------------------------

def test_health_records_the_follow_up_once_on_a_returned_file_and_it_is_audited():
    # Given a returned file
    deps = make_deps()
    app_id, _ = returned_file(deps)
    version = file_of(deps, app_id).version

    # When health staff record the post-mission follow-up
    out = follow_up(deps, app_id)

    # Then it is on the file, audited, and the file is not complete while guides are on their way
    assert out["post_mission_follow_up"] == "done" and out["complete"] is False and out["version"] == version + 1
    f = file_of(deps, app_id)
    assert f.follow_up_done_at == out["follow_up_done_at"] and f.completed_at is None
    row = deps.store.audit.trail(f"application#{app_id}")[-1]
    assert (row.kind, row.actor_id, row.seq) == ("post_mission_follow_up", "ihs-1", version + 1)
    assert status_of(deps, app_id)["follow_up"]["post_mission_follow_up"] == "done"

    # When they record it a second time: 409, nothing written
    before = stored(deps)
    with pytest.raises(Conflict):
        follow_up(deps, app_id)
    assert stored(deps) == before


def test_the_follow_up_is_refused_before_the_return():
    deps = make_deps()
    app_id, _ = deployed_file(deps)
    before = stored(deps)
    with pytest.raises(Conflict) as err:
        follow_up(deps, app_id)
    assert err.value.extra["current_stage"] == "deployed"
    assert stored(deps) == before


@pytest.mark.parametrize("body", [{}, {"done": False}, {"done": True, "note": "Tout va bien."}, {"outcome": "fit"}])
def test_health_records_done_and_nothing_more(body):
    deps = make_deps()
    app_id, _ = returned_file(deps)
    with pytest.raises(ValidationFailed):
        follow_up(deps, app_id, body=body)
    assert file_of(deps, app_id).follow_up_done_at is None


def test_a_stale_follow_up_is_refused():
    # Given a returned file read by health, then changed by IRSS marking a guide sent
    deps = make_deps()
    app_id, _ = returned_file(deps)
    as_read = file_of(deps, app_id)
    sent(deps, task_id(app_id, BEFORE))
    deps.store.files.get = lambda _id: as_read  # type: ignore[method-assign]  # the stale read
    # When the follow-up is recorded from the stale read: refused, as a conflict
    with pytest.raises(StaleState):
        follow_up(deps, app_id)


# --- the readiness staff mark guides sent ------------------------------------------------

def test_irss_list_the_open_tasks_oldest_first_and_by_status():
    # Given one officer's Before the Mission, another's, then the first's reintegration guide at their return
    deps = make_deps()
    first, _ = deployed_file(deps)
    deps.clock.advance(minutes=1)
    second, _ = deployed_file(deps, reintegration_guide=False)
    deps.clock.advance(minutes=1)
    move(deps, first, "returned", reason="rotation_completed")
    # When IRSS list the tasks, then they come oldest first, open ones by default
    listed = guides.list_tasks(deps, {})
    assert listed["status"] == "open"
    assert [t["task_id"] for t in listed["tasks"]] == [task_id(first, BEFORE), task_id(second, BEFORE),
                                                       task_id(first, REINTEGRATION)]
    assert listed["tasks"][0]["reference"].startswith("PO-")
    sent(deps, task_id(second, BEFORE))
    assert [t["task_id"] for t in guides.list_tasks(deps, {"status": "done"})["tasks"]] == [task_id(second, BEFORE)]
    assert len(guides.list_tasks(deps, {"status": "all"})["tasks"]) == 3


@pytest.mark.parametrize("query", [{"status": "pending"}, {"page": "2"}])
def test_the_task_list_takes_only_a_known_status(query):
    with pytest.raises(InvalidQuery):
        guides.list_tasks(make_deps(), query)


def test_marking_a_guide_sent_is_audited_and_a_second_mark_answers_the_same_without_a_write():
    # Given a file whose Before the Mission task is open
    deps = make_deps()
    app_id, _ = deployed_file(deps)
    tid = task_id(app_id, BEFORE)
    version = file_of(deps, app_id).version

    # When IRSS mark it sent
    first = sent(deps, tid)

    # Then it is done, by whom and when, on the file's trail, and the applicant sees it sent
    assert (first["status"], first["sent_by"], first["version"]) == ("done", "irss-1", 2)
    row = deps.store.audit.trail(f"application#{app_id}")[-1]
    assert (row.kind, row.seq, row.details["task_id"]) == ("guide_sent", version + 1, tid)
    assert status_of(deps, app_id)["guides"][0]["state"] == "sent"

    # When they mark it again: the same answer, nothing written, no email
    before, mails = stored(deps), len(deps.mailer.attempted)
    assert sent(deps, tid) == first
    assert stored(deps) == before and len(deps.mailer.attempted) == mails


def test_an_unknown_task_is_404():
    with pytest.raises(NotFound):
        sent(make_deps(), "po-nothing.before_the_mission")


@pytest.mark.parametrize("body", [{"note": "x"}, [], "sent"])
def test_marking_sent_takes_no_fields(body):
    deps = make_deps()
    app_id, _ = deployed_file(deps)
    with pytest.raises(ValidationFailed):
        guides.mark_sent(deps, IRSS, task_id(app_id, BEFORE), body)


# --- complete ------------------------------------------------------------------------------

@pytest.mark.parametrize("follow_up_last", [True, False])
def test_the_file_is_complete_when_the_follow_up_is_done_and_every_guide_sent_and_the_applicant_is_told_once(
        follow_up_last):
    # Given a returned file with both guides asked for
    deps = make_deps()
    app_id, _ = returned_file(deps)
    steps = [lambda: sent(deps, task_id(app_id, BEFORE)), lambda: sent(deps, task_id(app_id, REINTEGRATION)),
             lambda: follow_up(deps, app_id)]
    if not follow_up_last:
        steps = [steps[2], steps[0], steps[1]]

    # When all but the last step are done, the file is not complete
    for step in steps[:-1]:
        step()
        assert file_of(deps, app_id).completed_at is None and "file_complete" not in templates_to(deps, app_id)

    # When the last is done
    steps[-1]()

    # Then the file is complete and the applicant is emailed once, in their language, with their link
    f = file_of(deps, app_id)
    assert f.completed_at is not None
    assert templates_to(deps, app_id).count("file_complete") == 1
    email = deps.mailer.sent_to(f.email)[-1]
    assert email.subject.startswith("Votre dossier est complet") and "?token=" in email.text
    assert status_of(deps, app_id)["follow_up"] == {
        "returned_on": f.returned_on, "post_mission_follow_up": "done", "guides_pending": 0, "complete": True,
        "completed_at": f.completed_at}
    # and a repeated mark completes nothing again
    sent(deps, task_id(app_id, BEFORE))
    assert templates_to(deps, app_id).count("file_complete") == 1


def test_with_no_guide_asked_for_the_follow_up_alone_completes_the_file():
    deps = make_deps()
    app_id, _ = returned_file(deps, before_the_mission=False, reintegration_guide=False)
    assert follow_up(deps, app_id)["complete"] is True
    assert "file_complete" in templates_to(deps, app_id)


def test_guides_sent_before_the_return_do_not_complete_a_file_still_deployed():
    deps = make_deps()
    app_id, _ = deployed_file(deps, reintegration_guide=False)
    sent(deps, task_id(app_id, BEFORE))
    assert file_of(deps, app_id).completed_at is None and "file_complete" not in templates_to(deps, app_id)


def test_a_refused_return_opens_no_task_and_records_no_day():
    # Given a deployed officer's file read by IRSS, then changed (a guide marked sent) before the return is written
    deps = make_deps()
    app_id, _ = deployed_file(deps)
    as_read = file_of(deps, app_id)
    sent(deps, task_id(app_id, BEFORE))
    before = stored(deps)

    # When the return is written from the stale read: refused, and nothing at all is written
    with pytest.raises(StaleState):
        workflow.move(deps, app_id, IRSS, MoveRequest("returned", "deployed", "rotation_completed"), file=as_read)
    assert stored(deps) == before
    assert deps.store.tasks.get(task_id(app_id, REINTEGRATION)) is None and file_of(deps, app_id).returned_on is None


def test_two_marks_of_one_task_at_once_write_once_and_answer_the_same():
    # Given two IRSS requests that both read the task open
    deps = make_deps()
    app_id, _ = deployed_file(deps)
    tid = task_id(app_id, BEFORE)
    open_read = deps.store.tasks.get(tid)
    real_get = deps.store.tasks.get
    reads = iter([open_read])
    deps.store.tasks.get = lambda _id: next(reads, None) or real_get(_id)  # type: ignore[method-assign]
    first = sent(deps, tid)  # reads it open (the first read), writes it done

    # When the second, read open as well, commits after the first
    reads = iter([open_read])
    second = sent(deps, tid)

    # Then its transaction is refused, and it answers with the task as the first left it: one write, one audit row
    assert second == first
    assert [r.kind for r in deps.store.audit.trail(f"application#{app_id}")].count("guide_sent") == 1
