"""The daily reminders job on MemoryStorage, with an injected clock: each threshold of data/workflow.json's
``reminders``, each run twice (the second writes and sends nothing), and an SES outage then recovery.

Files are driven through the services (``drive`` of test_services_workflow); a day is "run the job at noon
UTC on that day" (07:00 or 08:00 in Ottawa, the same calendar day).
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest

from chalicelib.domain import reminders as rules_of
from chalicelib.domain.deployments import deployment_id_for
from chalicelib.domain.localtime import written_day
from chalicelib.domain.workflow import Actor
from chalicelib.services import files, notifications, reminders, roster

from .fakes import FakeMailer, FixedClock, has_link, make_deps
from .test_services_workflow import COORD, drive, move, new_file

IRSS = Actor("irss", "irss-1")
IRSS_EMAIL = "peaceops-irss@example.ca"
SPVM = "peaceops-coordinator.spvm@example.ca"
RULES = rules_of.rules()
START = date(2026, 3, 2)  # fakes.T0's day
FAR = "2031-01-01"  # a qualification current through any deployment here


def noon(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=timezone.utc)


def at(deps, day: date) -> dict[str, int]:
    """Run the job on ``day``."""
    deps.clock.set(noon(day))
    return reminders.run(deps)


def reminder_rows(deps, kind: str | None = None) -> list:
    rows = [r for r in deps.store.snapshot().outbox.values() if ":reminder:" in r.message_id]
    return sorted((r for r in rows if kind is None or f":reminder:{kind}" in r.message_id), key=lambda r: r.message_id)


def deployed_file(deps, **form):
    """A Haiti file deployed on START (its planned end: START + 12 months), qualifications current unless given."""
    deps.clock.set(noon(START))
    app_id, _ = new_file(deps, **{"first_aid_cpr_expiry": FAR, "firearms_expiry": FAR, "baton_expiry": FAR,
                                  "oc_spray_expiry": FAR, **form})
    drive(deps, app_id, "deployed")
    entry = deps.store.catalogue.deployment("haiti", deployment_id_for(app_id))
    assert entry is not None and entry.active
    return app_id, date.fromisoformat(entry.planned_end)


def twice(deps, day: date) -> list:
    """Run the job twice on ``day``; the second run writes and sends nothing. Returns the rows the first wrote."""
    before = set(deps.store.snapshot().outbox)
    sent = len(deps.mailer.attempted)
    first = at(deps, day)
    written = [r for k, r in deps.store.snapshot().outbox.items() if k not in before]
    assert first["written"] == len(written)
    attempts = len(deps.mailer.attempted)
    assert attempts - sent == len(written)  # each new row tried once
    second = at(deps, day)
    assert second["written"] == 0 and len(deps.mailer.attempted) == attempts, "a second run sent again"
    return sorted(written, key=lambda r: r.message_id)


# --- the rules ----------------------------------------------------------------------------

def test_the_thresholds_are_the_data_files():
    # Given data/workflow.json's reminders section
    # Then the rules read it, the furthest threshold first
    assert RULES.planned_end_days == (60, 30)
    assert RULES.qualification_days == (60, 14)
    assert (RULES.waiting_days, RULES.waiting_role) == (30, "service_coordinator")


@pytest.mark.parametrize("days_left,due", [(61, None), (60, 60), (31, 60), (30, 30), (0, 30), (-1, None)])
def test_only_the_nearest_threshold_reached_is_due(days_left, due):
    assert rules_of.nearest_due(days_left, (60, 30)) == due


# --- 1. planned ends, to IRSS ---------------------------------------------------------------

def test_irss_is_reminded_60_then_30_days_before_a_planned_end_once_each():
    # Given a file deployed on START
    deps = make_deps(FixedClock(noon(START)))
    app_id, end = deployed_file(deps)

    # When the job runs every threshold's eve and day, twice each
    assert twice(deps, end - timedelta(days=61)) == []
    at60 = twice(deps, end - timedelta(days=60))
    assert twice(deps, end - timedelta(days=45)) == []
    at30 = twice(deps, end - timedelta(days=30))
    assert twice(deps, end - timedelta(days=1)) == [] and twice(deps, end + timedelta(days=1)) == []

    # Then IRSS got one reminder at 60 days and one at 30, each sent, in IRSS's language, on the file
    for rows, days in ((at60, 60), (at30, 30)):
        (row,) = rows
        assert row.message_id == f"{deployment_id_for(app_id)}:reminder:planned_end:{days}:{end.isoformat()}:irss"
        assert (row.template, row.recipient, row.to_address, row.status) == (
            "staff_planned_end_reminder", "irss", IRSS_EMAIL, "sent")
        assert row.application_id == app_id
    to_irss = deps.mailer.sent_to(IRSS_EMAIL)
    assert len(to_irss) == 2 and "within 60 days" in to_irss[0].subject and "within 30 days" in to_irss[1].subject
    assert all(written_day(end, "en") in m.text and "?token=" not in m.text for m in to_irss)  # as people write a day


def test_when_both_thresholds_have_passed_at_the_first_run_only_the_nearest_is_sent():
    # Given a file deployed on START, and a job that first runs 20 days before its planned end
    deps = make_deps(FixedClock(noon(START)))
    _, end = deployed_file(deps)

    # When it runs then, and every day after until the end
    twice(deps, end - timedelta(days=20))
    for d in range(19, -1, -1):
        at(deps, end - timedelta(days=d))

    # Then IRSS got the 30-day reminder only, once
    assert [r.message_id.split(":reminder:")[1] for r in reminder_rows(deps, "planned_end")] == [
        f"planned_end:30:{end.isoformat()}:irss"]
    assert len(deps.mailer.sent_to(IRSS_EMAIL)) == 1


def test_an_extended_planned_end_is_a_new_date_and_its_reminders_come_again():
    # Given a deployment whose 30-day reminder went out
    deps = make_deps(FixedClock(noon(START)))
    app_id, end = deployed_file(deps)
    twice(deps, end - timedelta(days=30))

    # When IRSS extends it by three months and the job runs up to the new date
    entry = deps.store.catalogue.deployment("haiti", deployment_id_for(app_id))
    new_end = end + timedelta(days=91)
    roster.correct_entry(deps, IRSS, "haiti", entry.deployment_id, {
        "expected_version": entry.version, "planned_end": new_end.isoformat(), "reason_code": "extension_approved",
        "note": "Prolongation approuvée."})
    assert twice(deps, end - timedelta(days=29)) == []  # the old date's 30-day reminder is not sent twice
    at60 = twice(deps, new_end - timedelta(days=60))
    at30 = twice(deps, new_end - timedelta(days=30))

    # Then the new date has its own 60- and 30-day reminders
    assert [r.message_id.rsplit(":", 3)[1:] for r in at60 + at30] == [
        ["60", new_end.isoformat(), "irss"], ["30", new_end.isoformat(), "irss"]]
    assert len(deps.mailer.sent_to(IRSS_EMAIL)) == 3


def test_an_existing_deployment_with_a_planned_end_is_reminded_by_its_roster_id():
    # Given a seeded anonymous Haiti entry given a planned end 45 days away (the others have none)
    deps = make_deps(FixedClock(noon(START)))
    end = START + timedelta(days=45)
    roster.correct_entry(deps, IRSS, "haiti", "existing-haiti-001", {
        "expected_version": 1, "planned_end": end.isoformat(), "reason_code": "data_correction",
        "note": "Date from the program's records."})

    # When the job runs
    (row,) = twice(deps, START)

    # Then IRSS is reminded at the 60-day threshold, the email naming the entry and the cap
    assert row.message_id == f"existing-haiti-001:reminder:planned_end:60:{end.isoformat()}:irss"
    assert row.application_id == "deployment#existing-haiti-001"
    (mail,) = deps.mailer.sent_to(IRSS_EMAIL)
    assert "existing-haiti-001" in mail.text and "Haiti" in mail.subject


# --- 2. qualifications, to the applicant and their coordinator ----------------------------------

def test_a_deployed_officer_and_their_coordinator_are_reminded_60_then_14_days_before_a_qualification_expires():
    # Given a deployed SPVM officer (French) whose firearms qualification expires 100 days before the planned end
    deps = make_deps(FixedClock(noon(START)))
    deps.clock.set(noon(START))
    expiry = START + timedelta(days=365 - 100)
    app_id, end = deployed_file(deps, firearms_expiry=expiry.isoformat())
    assert expiry < end

    # When the job runs around each threshold, twice each
    assert twice(deps, expiry - timedelta(days=61)) == []
    at60 = twice(deps, expiry - timedelta(days=60))
    assert twice(deps, expiry - timedelta(days=15)) == []
    at14 = twice(deps, expiry - timedelta(days=14))
    assert twice(deps, expiry) == [] and twice(deps, expiry + timedelta(days=1)) == []

    # Then the officer and the coordinator got one reminder each at 60 and at 14 days
    for rows, days in ((at60, 60), (at14, 14)):
        assert [(r.recipient, r.template, r.to_address, r.status) for r in rows] == [
            ("applicant", "qualification_reminder", "helene.cote@example.ca", "sent"),
            ("coordinator", "coordinator_qualification_reminder", SPVM, "sent")]
        assert all(f":reminder:qualification_firearms:{days}:{expiry.isoformat()}:" in r.message_id for r in rows)
    officer, coordinator = deps.mailer.sent_to("helene.cote@example.ca")[-2:], deps.mailer.sent_to(SPVM)
    # in the officer's language (French), with their private link; the coordinator's in French, no link
    assert all("qualification au tir" in m.text and written_day(expiry, "fr") in m.text and written_day(end, "fr") in m.text
               and has_link(m) for m in officer)
    reminders_to_coord = [m for m in coordinator if "qualification au tir" in m.text]
    assert len(reminders_to_coord) == 2 and not any(has_link(m) for m in reminders_to_coord)


def test_a_file_ready_to_deploy_is_measured_against_today_plus_the_mission_s_length():
    # Given a file at training (ready to deploy) whose First Aid/CPR expires in 50 days, well before today + 12 months
    deps = make_deps(FixedClock(noon(START)))
    app_id, _ = new_file(deps, first_aid_cpr_expiry=(START + timedelta(days=50)).isoformat(), firearms_expiry=FAR,
                         baton_expiry=FAR, oc_spray_expiry=FAR)
    drive(deps, app_id, "training")

    # When the job runs
    rows = twice(deps, deps.today())

    # Then the applicant and coordinator are reminded (60-day threshold), and the file shows the flag
    quals = [r for r in rows if ":reminder:qualification" in r.message_id]
    assert {r.recipient for r in quals} == {"applicant", "coordinator"}
    assert all(":qualification_first_aid_cpr:60:" in r.message_id for r in quals)
    view = files.file_view(deps, COORD, app_id)
    planned = date(deps.today().year + 1, deps.today().month, deps.today().day).isoformat()
    assert view["qualification_flags"] == [{"qualification": "first_aid_cpr",
                                            "expiry": (START + timedelta(days=50)).isoformat(), "planned_end": planned}]


def test_a_file_not_selected_a_missing_date_or_a_civilian_s_police_qualification_is_no_reminder():
    # Given a file at IRSS review (not selected yet) with a qualification about to expire,
    deps = make_deps(FixedClock(noon(START)))
    soon = (START + timedelta(days=20)).isoformat()
    early, _ = new_file(deps, firearms_expiry=soon)
    drive(deps, early, "irss_review")
    # a civilian analyst at training whose police qualifications (not theirs) expire soon and First Aid is far,
    civilian, _ = new_file(deps, "west-bank-proteus", track="civilian_analyst", police_service=None, rank=None,
                           years_operational_service=None, first_aid_cpr_expiry=FAR, firearms_expiry=soon,
                           baton_expiry=soon, oc_spray_expiry=soon)
    # and a civilian analyst at training with no police qualification dates at all (a missing date)
    no_dates, _ = new_file(deps, "west-bank-proteus", track="civilian_analyst", police_service=None, rank=None,
                           years_operational_service=None, email="analyst@example.ca", first_aid_cpr_expiry=FAR,
                           firearms_expiry=None, baton_expiry=None, oc_spray_expiry=None)
    for app_id in (civilian, no_dates):  # IRSS makes a civilian's initial selection
        move(deps, app_id, "service_review", IRSS)
        move(deps, app_id, "irss_review", IRSS)
        drive(deps, app_id, "training")

    # When the job runs
    twice(deps, START + timedelta(days=1))

    # Then no qualification reminder is written, and no file shows a flag
    assert reminder_rows(deps, "qualification") == []
    for app_id in (early, civilian, no_dates):
        assert files.file_view(deps, IRSS, app_id)["qualification_flags"] == []
    # (nor a police officer's missing date, as a file stored before the form required it would have)
    assert rules_of.qualification_flags({"first_aid_cpr_expiry": FAR}, "police_officer", date(2030, 1, 1)) == []


def test_the_deployed_file_view_flags_the_qualification_against_its_roster_entry():
    # Given a deployed officer whose OC spray expires before the planned end
    deps = make_deps(FixedClock(noon(START)))
    expiry = (START + timedelta(days=200)).isoformat()
    app_id, end = deployed_file(deps, oc_spray_expiry=expiry)

    # When a coordinator opens the file
    view = files.file_view(deps, COORD, app_id)

    # Then it shows which qualification, its expiry, and the planned end it falls before
    assert view["qualification_flags"] == [{"qualification": "oc_spray", "expiry": expiry,
                                            "planned_end": end.isoformat()}]


# --- 3. files waiting, to the coordinator -----------------------------------------------------

def test_a_file_waiting_more_than_30_days_at_a_coordinator_s_stage_is_reminded_once_per_stage_entry():
    # Given a file submitted on START (the SPVM coordinator moves it on from submitted)
    deps = make_deps(FixedClock(noon(START)))
    app_id, _ = new_file(deps, first_aid_cpr_expiry=FAR, firearms_expiry=FAR, baton_expiry=FAR, oc_spray_expiry=FAR)

    # When the job runs on day 30 and day 31, twice each
    assert twice(deps, START + timedelta(days=30)) == []
    (first,) = twice(deps, START + timedelta(days=31))
    assert twice(deps, START + timedelta(days=50)) == []

    # Then the coordinator is reminded once, in the coordinator's language, without a link
    assert (first.template, first.to_address, first.recipient, first.status) == (
        "coordinator_waiting_reminder", SPVM, "coordinator", "sent")
    assert first.message_id.startswith(f"{app_id}:reminder:waiting:30:")
    (mail,) = deps.mailer.sent_to(SPVM)[-1:]
    assert "depuis le 2 mars 2026" in mail.text and not has_link(mail)

    # When the coordinator moves it to service review (another of their stages) and it waits again
    deps.clock.set(noon(START + timedelta(days=50)))
    move(deps, app_id, "service_review", COORD)
    assert twice(deps, START + timedelta(days=80)) == []
    (second,) = twice(deps, START + timedelta(days=81))

    # Then the new stage entry has its own reminder; and once at IRSS review (IRSS moves it) none comes
    assert second.message_id != first.message_id and second.params["stage"] == "service_review"
    deps.clock.set(noon(START + timedelta(days=82)))
    move(deps, app_id, "irss_review", COORD)
    assert twice(deps, START + timedelta(days=200)) == []


def test_the_waiting_reminder_counts_the_coordinator_s_own_stages_only():
    # Given the workflow table
    from chalicelib.domain.workflow import load_workflow

    wf = load_workflow()
    # Then the coordinators' stages are those they move files on from, not the withdrawal from '*'
    assert rules_of.waited_stages(wf.pathways["deployment"], "service_coordinator") == {"submitted", "service_review"}
    assert rules_of.waited_stages(wf.pathways["nomination"], "service_coordinator") == {"submitted", "service_nomination"}


# --- SES outage ------------------------------------------------------------------------------

def test_an_ses_outage_loses_no_reminder_and_doubles_none():
    # Given four files submitted on START, each of which will be waiting on day 31
    mailer = FakeMailer()
    deps = make_deps(FixedClock(noon(START)), mailer)
    ids = [new_file(deps, email=f"o{i}@example.ca", first_aid_cpr_expiry=FAR, firearms_expiry=FAR,
                    baton_expiry=FAR, oc_spray_expiry=FAR)[0] for i in range(4)]

    # When SES is down on day 31 and the job runs (then again, as a retried Lambda would)
    mailer.fail_transiently()
    first = at(deps, START + timedelta(days=31))
    again = at(deps, START + timedelta(days=31))

    # Then four rows are written once; three attempts fail and the run pauses, leaving the fourth untried
    assert (first["written"], first["failed"], first["deferred"], first["sent"]) == (4, 3, 1, 0)
    assert again["written"] == 0 and again["due"] == 0
    rows = reminder_rows(deps, "waiting")
    assert len(rows) == 4 and {r.status for r in rows} == {"pending"}
    assert sorted(r.attempts for r in rows) == [0, 1, 1, 1]

    # When SES is back and the retry job runs (twice, as its schedule would), and the reminders job again
    mailer.recover()
    deps.clock.advance(hours=1)
    notifications.deliver_pending(deps)
    notifications.deliver_pending(deps)
    at(deps, START + timedelta(days=32))

    # Then every reminder went out exactly once
    assert {r.status for r in reminder_rows(deps, "waiting")} == {"sent"}
    waiting = [m for m in mailer.sent_to(SPVM) if "attend une décision" in m.subject]
    assert len(waiting) == 4
    assert sorted(m.subject.rsplit(" ", 1)[1] for m in waiting) == sorted(
        files.file_view(deps, IRSS, i)["reference"] for i in ids)
