"""The retention schedule and legal hold: the rules (domain/retention.py), the schedule's checks, the privacy notice
that states its periods, and the job and the hold on the in-memory fake (services/retention.py, services/holds.py)."""
from __future__ import annotations

import copy
from datetime import date, timedelta

import pytest

from chalicelib.adapters.memory import MemoryObjects
from chalicelib.domain import datafiles, retention
from chalicelib.domain.errors import InvalidQuery, NotFound, ValidationFailed
from chalicelib.domain.retention import Closing
from chalicelib.domain.workflow import Actor
from chalicelib.services import applicant, files, holds
from chalicelib.services import retention as job
from chalicelib.web.text import t

from .fakes import FixedClock, T0, family_readiness, make_deps
from .test_services_workflow import COORD, HEALTH, IRSS, drive, file_of, move, new_file

ADMIN = Actor("admin", "admin-1")
DAY0 = T0.date()  # 2 March 2026, 04:00 in Ottawa


def closing(stage: str, at: str = "2026-03-02T09:00:00.000000Z", **kw) -> Closing:
    return Closing("po-x", stage, submitted_at="2026-01-10T15:00:00.000000Z", in_stage_since=at, **kw)


# --- the rules --------------------------------------------------------------------------------------------------

def test_a_file_not_selected_is_due_two_years_after_it_closed_and_not_a_day_before():
    due = retention.due_of(closing("not_selected"))
    assert due is not None and (due.rule, due.closed_on, due.due_on) == ("not_selected", DAY0, date(2028, 3, 2))
    assert not due.due(date(2028, 3, 1)) and due.due(date(2028, 3, 2))


def test_a_medical_end_is_disposed_of_under_the_not_selected_rule():
    assert retention.due_of(closing("medically_unfit")) == retention.due_of(closing("not_selected"))


def test_a_returned_officers_file_counts_from_the_follow_up_when_it_came_later():
    due = retention.due_of(closing("returned", completed_at="2027-05-04T14:00:00.000000Z"))
    assert due is not None and (due.rule, due.closed_on, due.due_on) == ("returned", date(2027, 5, 4),
                                                                         date(2037, 5, 4))


def test_an_open_file_is_never_due_and_a_held_one_never_due_whatever_the_day():
    assert retention.due_of(closing("medical")) is None
    held = retention.due_of(closing("withdrawn", held=True))
    assert held is not None and not held.due(date(2099, 1, 1))


def test_the_close_day_is_ottawas_and_29_february_becomes_28():
    # 01:30 UTC on 1 March is still 29 February in Ottawa
    due = retention.due_of(closing("withdrawn", at="2028-03-01T01:30:00.000000Z"))
    assert due is not None and (due.closed_on, due.due_on) == (date(2028, 2, 29), date(2030, 2, 28))


def test_the_disposition_record_holds_the_reference_the_dates_and_the_rule_only():
    c = closing("medically_unfit")
    details = retention.disposition_details(c, retention.due_of(c), "PO-ABCD", date(2028, 3, 2))
    assert details == {"reference": "PO-ABCD", "submitted_on": "2026-01-10", "closed_on": "2026-03-02",
                       "disposed_on": "2028-03-02", "rule": "not_selected"}  # no stage: no medical end told


# --- the schedule as data ---------------------------------------------------------------------------------------

def _problems(edit) -> list[str]:
    files_ = copy.deepcopy(datafiles.read_all())
    edit(files_)
    return datafiles.check(files_)


def test_the_shipped_schedule_passes_and_every_closing_stage_has_its_rule():
    assert datafiles.check_retention(datafiles.read(datafiles.RETENTION), datafiles.read(datafiles.WORKFLOW)) == []


@pytest.mark.parametrize("edit, expected", [
    (lambda f: f[datafiles.RETENTION]["files"][2]["stages"].remove("attended"),
     "retention.json: files: closing stage 'attended' of chalicelib/data/workflow.json has no rule"),
    (lambda f: f[datafiles.RETENTION]["files"][0]["stages"].append("medical"),
     "retention.json: files[not_selected].stages: 'medical' is not a closing stage"),
    (lambda f: f[datafiles.RETENTION]["files"][1]["stages"].append("not_selected"),
     "retention.json: files: stage 'not_selected' has more than one rule"),
    (lambda f: f[datafiles.RETENTION]["files"][0]["keep"].update(years=1),
     "retention.json: files[0].keep.years: 1 is less than the minimum of 2"),
    (lambda f: f[datafiles.RETENTION]["records"][0]["keep"].update(days=60),
     "retention.json: records[drafts].keep: {'days': 60} is not the drafts' lifetime"),
    (lambda f: f[datafiles.RETENTION]["records"].pop(),
     "retention.json: records: 'dispositions' is kept by the code but has no rule"),
    (lambda f: f[datafiles.PAGE_TEXT]["privacy_retention"].update(
        en=f[datafiles.PAGE_TEXT]["privacy_retention"]["en"].replace("{retention_returned_years}", "10")),
     "privacy_retention.en: '10 years after' types the figure retention_returned_years"),
])
def test_a_broken_schedule_is_reported_with_the_file_and_the_key(edit, expected):
    problems = _problems(edit)
    assert any(expected in p for p in problems), problems


def test_the_privacy_notice_states_the_periods_the_schedule_enforces_in_both_languages():
    s = retention.schedule()
    years = {r.rule: r.years for r in s.files}
    en, fr = t("privacy_retention", "en"), t("privacy_retention", "fr")
    assert f"{years['not_selected']} years after the decision" in en and f"{years['returned']} years after your return" in en
    assert f"{years['withdrawn']}\u00a0ans après votre retrait" in fr and "{" not in en + fr
    assert f"{s.record('drafts').keep['days']} days after your last save" in en
    # The guide requests' addresses (kept to limit copies per mailbox) are said too, in both languages
    guide = s.record("guide_requests").keep["days"]
    assert f"your email address is kept {guide} days" in en and f"courriel est conservée {guide}\u00a0jours" in fr


# --- the job on the in-memory fake ------------------------------------------------------------------------------

def world():
    clock = FixedClock()
    deps = make_deps(clock)
    deps.objects = MemoryObjects()
    return deps, clock


def not_selected_file(deps):
    app_id, _ = new_file(deps)
    move(deps, app_id, "service_review")
    move(deps, app_id, "not_selected", reason="criteria_not_met")
    deps.objects.put(f"documents/{app_id}/cv/d-aaaaaaaaaaaaaaaa", b"%PDF-1.7 cv")
    return app_id


def everything_of(deps, app_id):
    s = deps.store.state
    return {"file": app_id in s.files, "family": app_id in s.family,
            "audit": [k for k in s.audit if k[0] == f"application#{app_id}"],
            "outbox": [m for m in s.outbox.values() if m.application_id == app_id],
            "tasks": [t for t in s.tasks.values() if t.application_id == app_id],
            "objects": [k for k in deps.objects.objects if app_id in k],
            "names": app_id in s.names}


def counted(deps, stage):
    return sum(n for (_, st, _), n in deps.store.state.counts.items() if st == stage)


def test_a_run_disposes_of_a_closed_file_and_everything_hanging_off_it_once_its_time_has_come():
    # Given a file closed as not selected today, with a document and its emails and trail
    deps, clock = world()
    app_id = not_selected_file(deps)
    other = new_file(deps, email="open.file@example.ca")[0]  # an open file, untouched
    before = everything_of(deps, app_id)
    assert before["audit"] and before["outbox"] and before["objects"] and counted(deps, "not_selected") == 1

    # When the job runs the day before its time: nothing
    assert job.run(deps, date(2028, 3, 1))["disposed"] == 0 and file_of(deps, app_id) is not None

    # When it runs on the day two years later
    counts = job.run(deps, date(2028, 3, 2))

    # Then the file and everything hanging off it are gone, its counter is one fewer, and its disposition stays
    assert counts == {"due": 1, "disposed": 1, "held": 0, "changed": 0, "disposed_not_selected": 1,
                      "staff_notices_disposed": 0, "guide_requests_disposed": 0, "suppressions_disposed": 0}
    assert everything_of(deps, app_id) == {"file": False, "family": False, "audit": [], "outbox": [], "tasks": [],
                                           "objects": [], "names": False}
    assert counted(deps, "not_selected") == 0 and file_of(deps, other) is not None
    assert job.disposition(deps, app_id) == {"reference": job.reference(app_id), "submitted_on": "2026-03-02",
                                             "closed_on": "2026-03-02", "disposed_on": "2028-03-02",
                                             "rule": "not_selected"}
    # And a re-run of the same day disposes of nothing twice
    assert job.run(deps, date(2028, 3, 2)) == {"due": 0, "disposed": 0, "held": 0, "changed": 0,
                                               "staff_notices_disposed": 0, "guide_requests_disposed": 0, "suppressions_disposed": 0}


def test_a_returned_officers_file_goes_with_its_form_its_guide_tasks_and_its_name_on_the_roster():
    # Given an officer deployed, returned and followed up, whose family-readiness form asked for the guides
    deps, clock = world()
    app_id, _ = new_file(deps)
    drive(deps, app_id, "preliminary_instructions")
    applicant.save_family_readiness(deps, file_of(deps, app_id), family_readiness())
    drive(deps, app_id, "deployed")
    move(deps, app_id, "returned", reason="rotation_completed")
    from chalicelib.services import workflow
    workflow.record_post_mission_follow_up(deps, app_id, HEALTH, {"done": True})
    entry = next(e for e in deps.store.state.roster.values() if e.application_id == app_id)
    cap_before = deps.store.state.caps[entry.cap_id].deployed
    assert [k for k in deps.store.state.audit if k[0] == f"deployment#{entry.deployment_id}"]
    assert everything_of(deps, app_id)["family"] and everything_of(deps, app_id)["tasks"]

    # When the job runs nine years on, then ten
    assert job.run(deps, DAY0 + timedelta(days=365 * 9))["disposed"] == 0
    assert job.run(deps, retention.add_years(DAY0, 10))["disposed_returned"] == 1

    # Then nothing of it is left: not its ended roster entry, nor that entry's trail; the cap's count is unchanged
    assert not any(everything_of(deps, app_id)[k] for k in ("file", "family", "audit", "outbox", "tasks"))
    assert (entry.cap_id, entry.deployment_id) not in deps.store.state.roster
    assert not [k for k in deps.store.state.audit if k[0] == f"deployment#{entry.deployment_id}"]
    assert not [m for m in deps.store.state.outbox if m.startswith(app_id)]
    assert deps.store.state.caps[entry.cap_id].deployed == cap_before


def test_a_held_file_is_never_disposed_of_and_the_preview_lists_it_apart():
    # Given two closed files, one of them held by IRSS
    deps, clock = world()
    kept, gone = not_selected_file(deps), not_selected_file(deps)
    holds.place(deps, IRSS, kept, {"reason": "Privacy Act request P-2026-0042 in progress."})

    # When an administrator previews the run ten years on
    preview = job.preview(deps, "2036-03-02")

    # Then the held file is listed apart, and the run keeps it while it disposes of the other
    rule = next(r for r in preview["rules"] if r["rule"] == "not_selected")
    assert preview["due"] == 1 and rule["references"] == [job.reference(gone)]
    assert [h["application_id"] for h in preview["held"]] == [kept]
    assert file_of(deps, gone) is not None  # the preview wrote nothing
    assert job.run(deps, date(2036, 3, 2))["held"] == 1
    assert file_of(deps, kept) is not None and file_of(deps, gone) is None

    # When the hold is lifted, the next run disposes of it
    holds.lift(deps, ADMIN, kept, {"reason": "Request answered."})
    assert job.run(deps, date(2036, 3, 3))["disposed"] == 1 and file_of(deps, kept) is None


def test_a_hold_placed_after_the_job_read_the_file_wins_and_nothing_is_deleted():
    deps, clock = world()
    app_id = not_selected_file(deps)
    [(read, due)] = job._candidates(deps, date(2028, 3, 2))
    holds.place(deps, IRSS, app_id, {"reason": "Litigation hold."})
    assert job.dispose(deps, read, due, date(2028, 3, 2)) is False
    assert everything_of(deps, app_id)["objects"] and everything_of(deps, app_id)["audit"]


def test_a_run_that_stops_half_way_is_finished_by_the_next_and_the_file_refuses_a_hold_meanwhile(monkeypatch):
    # Given a due file whose disposal fails after its documents went
    deps, clock = world()
    app_id = not_selected_file(deps)
    real = deps.store.disposal.delete_trail

    def crash(subject):
        raise RuntimeError("the Lambda timed out")

    monkeypatch.setattr(deps.store.disposal, "delete_trail", crash)
    with pytest.raises(RuntimeError):
        job.run(deps, date(2028, 3, 2))
    left = everything_of(deps, app_id)
    assert left["file"] and left["audit"] and not left["objects"] and file_of(deps, app_id).disposing_at

    # Then a hold is refused while the disposal is under way
    with pytest.raises(holds.HoldConflict):
        holds.place(deps, IRSS, app_id, {"reason": "Too late."})

    # When the next run comes, it finishes the file, and records its disposition once
    monkeypatch.setattr(deps.store.disposal, "delete_trail", real)
    assert job.run(deps, date(2028, 3, 3))["disposed"] == 1
    assert everything_of(deps, app_id)["audit"] == [] and job.disposition(deps, app_id)["disposed_on"] == "2028-03-03"


def test_the_preview_takes_only_a_day():
    deps, _ = world()
    with pytest.raises(InvalidQuery) as err:
        job.preview(deps, "2036-13-45")
    assert [e.pointer for e in err.value.errors] == ["/as_of"]
    assert job.preview(deps, None)["as_of"] == "2026-03-02"


# --- legal hold -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("body", [{}, {"reason": "   "}, {"reason": "x", "until": "2030-01-01"}, [], {"reason": 3}])
def test_a_hold_needs_a_reason_and_nothing_else(body):
    deps, _ = world()
    app_id = not_selected_file(deps)
    with pytest.raises(ValidationFailed) as err:
        holds.place(deps, IRSS, app_id, body)
    assert err.value.errors and all(e.pointer in ("", "/reason", "/until") for e in err.value.errors)
    assert file_of(deps, app_id).legal_hold is None


def test_a_hold_is_placed_once_lifted_once_and_audited_with_its_reason_for_irss_and_admin_only():
    deps, _ = world()
    app_id = not_selected_file(deps)
    version = file_of(deps, app_id).version
    placed = holds.place(deps, ADMIN, app_id, {"reason": "Court order 2026-T-12."})
    assert placed["version"] == version + 1 and placed["legal_hold"]["reason"] == "Court order 2026-T-12."
    with pytest.raises(holds.HoldConflict):
        holds.place(deps, IRSS, app_id, {"reason": "Again."})
    holds.lift(deps, IRSS, app_id, {"reason": "Order lifted."})
    with pytest.raises(holds.HoldConflict):
        holds.lift(deps, IRSS, app_id, {"reason": "Again."})

    def kinds(actor):
        return [(r["kind"], r["note"]) for r in files.file_view(deps, actor, app_id)["audit"]
                if r["kind"].startswith("legal_hold")]

    assert kinds(IRSS) == kinds(ADMIN) == [("legal_hold", "Court order 2026-T-12."),
                                           ("legal_hold_lifted", "Order lifted.")]
    assert kinds(HEALTH) == [] and "legal_hold" not in files.file_view(deps, HEALTH, app_id)
    assert files.file_view(deps, IRSS, app_id)["legal_hold"] is None


def test_a_coordinator_of_another_service_cannot_learn_the_file_exists_through_a_hold():
    deps, _ = world()
    app_id = not_selected_file(deps)
    other = Actor("service_coordinator", "coord-x", "no-such-service")
    with pytest.raises(NotFound):
        holds.place(deps, other, app_id, {"reason": "x"})
    assert COORD.role not in retention.HOLD_ROLES


# --- records kept apart from any file ---------------------------------------------------------------------------

def test_a_staff_lockout_row_carries_its_time_to_live_two_years_on():
    # The period comes from the schedule (staff_security: 2 years from the event), as an epoch second for DynamoDB
    end = retention.period_end("staff_security", "2026-03-02T09:00:00.000000Z")
    assert end.isoformat() == "2028-03-02T09:00:00+00:00"
    assert retention.expires_at("staff_security", "2026-03-02T09:00:00.000000Z") == int(end.timestamp())
    assert retention.period_end("staff_security", "2024-02-29T12:00:00Z").date() == date(2026, 2, 28)


def test_a_lockout_and_an_ended_session_are_audited_with_their_expiry():
    from chalicelib.services import staff_sign_in

    deps, _ = world()
    staff_sign_in._audit_ended(deps, "u" * 64, "signed_out_everywhere", "irss-1", "irss", 2)
    rows = [e for (subject, _), e in deps.store.state.audit.items() if subject.startswith("staff-security#")]
    assert [r.expires_at for r in rows] == [retention.expires_at("staff_security", rows[0].at)]
    assert rows[0].expires_at - int(T0.timestamp()) > 365 * 2 * 86400 - 86400


def test_the_job_disposes_of_seat_notices_naming_no_file_and_old_suppressions_after_two_years():
    from chalicelib.domain.records import OutboxMessage, Suppression

    deps, _ = world()
    s = deps.store.state
    cap_id = sorted(deps.store.catalogue.caps())[0]

    def notice(message_id: str, created_at: str, status: str = "sent") -> None:
        s.outbox[message_id] = OutboxMessage(message_id=message_id, application_id=f"cap#{cap_id}",
                                             template="staff_seat_available", recipient="irss",
                                             to_address="irss@example.ca", language="en", params={},
                                             created_at=created_at, status=status)
    notice("old-sent", "2026-03-02T09:00:00.000000Z")
    notice("old-pending", "2026-03-02T09:00:00.000000Z", status="pending")  # never one still to be sent
    notice("newer", "2026-03-03T09:00:00.000000Z")
    s.suppression["a" * 64] = Suppression("a" * 64, "bounced", "2026-03-02T09:00:00.000000Z", "m-1")
    s.suppression["b" * 64] = Suppression("b" * 64, "complained", "2026-03-03T09:00:00.000000Z", None)

    # The day before two years have passed: nothing goes
    assert {k: v for k, v in job.run(deps, date(2028, 3, 1)).items() if k.endswith("s_disposed")} == \
        {"staff_notices_disposed": 0, "guide_requests_disposed": 0, "suppressions_disposed": 0}
    # On the day: the old sent notice and the old suppression go; the pending notice and the newer ones stay
    counts = job.run(deps, date(2028, 3, 2))
    assert (counts["staff_notices_disposed"], counts["suppressions_disposed"]) == (1, 1)
    assert sorted(s.outbox) == ["newer", "old-pending"] and sorted(s.suppression) == ["b" * 64]
    # A re-run finds nothing left; a day on, the newer ones go too
    assert job.run(deps, date(2028, 3, 2))["staff_notices_disposed"] == 0
    counts = job.run(deps, date(2028, 3, 3))
    assert (counts["staff_notices_disposed"], counts["suppressions_disposed"]) == (1, 1)
    assert sorted(s.outbox) == ["old-pending"] and s.suppression == {}
