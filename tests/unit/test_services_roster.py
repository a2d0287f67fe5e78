"""The roster through the services, on MemoryStorage (issue 12): deployments are records, a cap's deployed
figure is its active entries on every path, the rotation report's line, the seat-available notices."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from chalicelib.domain import deployments
from chalicelib.domain.errors import Conflict, GuardRefused, NotFound, StaleState, ValidationFailed
from chalicelib.domain.missions import seed_catalogue
from chalicelib.services import catalogue, roster

from .fakes import FixedClock, make_deps, state_dicts
from chalicelib.domain.workflow import Actor

from .test_services_workflow import IRSS, drive, file_of, move, new_file, withdraw

ADMIN = Actor("admin", "admin-1")
IRSS_EMAIL = "peaceops-irss@example.ca"
SPVM = "peaceops-coordinator.spvm@example.ca"
NOTE = {"note": "From the program's deployment list"}


def counts_agree(deps) -> None:
    """The invariant: every cap's deployed figure is the number of its active roster entries."""
    for cap_id, cap in deps.store.catalogue.caps().items():
        active = sum(1 for e in deps.store.catalogue.roster(cap_id) if e.active)
        assert cap.deployed == active, f"{cap_id}: deployed {cap.deployed}, active entries {active}"


def end(deps, entry_id, cap_id="ukraine", actor=IRSS, version=1, reason="rotation_completed", **extra):
    return roster.end_entry(deps, actor, cap_id, entry_id,
                            {"expected_version": version, "reason_code": reason, **NOTE, **extra})


# --- seeding ---------------------------------------------------------------------------

def test_every_seeded_cap_carries_one_existing_deployment_per_published_figure_and_a_restart_adds_none():
    # Given the seeded catalogue (Haiti 40, Ukraine 20, Iraq 3, West Bank 4 deployed on the pages)
    deps = make_deps()
    published = {c.cap_id: c.deployed for c in seed_catalogue()[0]}

    # Then each cap's roster holds that many anonymous, active existing deployments
    for cap_id, n in published.items():
        entries = deps.store.catalogue.roster(cap_id)
        assert [e.deployment_id for e in entries] == [f"existing-{cap_id}-{i:03d}" for i in range(1, n + 1)]
        assert all(e.anonymous and e.active and e.planned_end is None for e in entries)
    counts_agree(deps)
    assert roster.drift_report(deps)["in_agreement"] is True

    # When the service starts again (seeding a second time), after an existing deployment ended
    end(deps, "existing-ukraine-001")
    before = state_dicts(deps.store.snapshot())
    catalogue.seed(deps)

    # Then nothing is written: the ended entry stays ended, the count stays 19
    assert state_dicts(deps.store.snapshot()) == before
    assert deps.store.catalogue.cap("ukraine").deployed == 19


# --- the invariant on every path ----------------------------------------------------------

def test_every_path_that_changes_a_count_changes_the_roster_with_it():
    """Walk every way a seat is taken or freed, refused ones included, and compare after each step."""
    deps = make_deps()
    a, _ = new_file(deps, email="a@example.ca")
    b, token_b = new_file(deps, email="b@example.ca")
    c, _ = new_file(deps, email="c@example.ca")
    steps = [
        lambda: drive(deps, a, "deployed"),  # a file deploys
        lambda: move(deps, a, "returned", reason="rotation_completed"),  # and returns
        lambda: drive(deps, b, "deployed"),
        lambda: withdraw(deps, b, token_b),  # a deployed officer stops: an early return
        lambda: roster.add_entry(deps, IRSS, "haiti", {"reason_code": "existing_deployment", **NOTE}),
        lambda: end(deps, "existing-haiti-001", "haiti"),
        lambda: end(deps, "existing-ukraine-001"),
        lambda: roster.add_entry(deps, ADMIN, "ukraine", {"reason_code": "data_correction", **NOTE}),
        lambda: drive(deps, c, "training"),
    ]
    for step in steps:
        step()
        counts_agree(deps)
    # and the refused paths: a full cap refuses an add, and a deploy; an ended entry refuses a second end
    for refused, error in ((lambda: roster.add_entry(deps, IRSS, "ukraine", {"reason_code": "data_correction", **NOTE}),
                            GuardRefused),
                           (lambda: end(deps, "existing-ukraine-001"), StaleState)):
        before = state_dicts(deps.store.snapshot())
        with pytest.raises(error):
            refused()
        assert state_dicts(deps.store.snapshot()) == before
        counts_agree(deps)
    assert roster.drift_report(deps)["in_agreement"] is True


def test_the_drift_report_names_a_cap_whose_figure_and_roster_disagree():
    # Given a cap whose counter was changed outside the roster (a row from before it, a hand edit)
    from dataclasses import replace

    deps = make_deps()
    deps.store.state.caps["iraq"] = replace(deps.store.state.caps["iraq"], deployed=5)

    # Then the report shows it, and only it
    report = roster.drift_report(deps)
    assert report["in_agreement"] is False
    assert [(c["cap_id"], c["deployed"], c["active_entries"], c["drift"]) for c in report["caps"] if c["drift"]] == [
        ("iraq", 5, 3, 2)]
    assert roster.roster_view(deps, "iraq")["drift"] == 2


# --- a file's deployment -----------------------------------------------------------------

@pytest.mark.parametrize("today, months, end_on", [
    (datetime(2026, 3, 2, 15, tzinfo=timezone.utc), 12, "2027-03-02"),
    (datetime(2027, 1, 31, 15, tzinfo=timezone.utc), 1, "2027-02-28"),  # by the calendar, not 30 days
    (datetime(2026, 6, 1, 3, tzinfo=timezone.utc), 36, "2029-05-31"),  # 03:00 UTC is still 31 May in Ottawa
])
def test_deploying_creates_the_files_entry_dated_from_today_for_the_missions_length(today, months, end_on):
    # Given a Haiti file at training, the mission's length set to ``months``
    from dataclasses import replace

    deps = make_deps(clock=FixedClock(today))
    app_id, _ = new_file(deps)
    drive(deps, app_id, "training")
    f = file_of(deps, app_id)
    deps.store.state.files[app_id] = replace(f, mission=replace(f.mission, deployment_months=months))

    # When IRSS deploys it
    move(deps, app_id, "deployed")

    # Then its roster entry starts today (Ottawa's day) and ends after the mission's length
    entry = deps.store.catalogue.deployment("haiti", deployments.deployment_id_for(app_id))
    assert (entry.application_id, entry.mission_id, entry.active) == (app_id, "haiti-minustah", True)
    assert entry.planned_end == end_on
    assert deployments.planned_end(date.fromisoformat(entry.started_on), months).isoformat() == end_on


def test_no_length_on_the_mission_means_twelve_months():
    assert deployments.planned_end(date(2026, 2, 28), None) == date(2027, 2, 28)
    assert deployments.planned_end(date(2028, 2, 29), 12) == date(2029, 2, 28)


# --- roster changes ------------------------------------------------------------------------

def test_a_correction_is_checked_audited_and_an_extension_tells_the_officer():
    # Given a deployed Haiti officer
    deps = make_deps()
    app_id, _ = new_file(deps)
    drive(deps, app_id, "deployed")
    entry_id = deployments.deployment_id_for(app_id)
    entry = deps.store.catalogue.deployment("haiti", entry_id)
    body = {"expected_version": entry.version, "reason_code": "extension_approved", "note": "Approved"}

    # When the correction puts the end before the start, moves the file's deployment to another mission,
    # or names an entry that does not exist: refused, nothing written
    before = state_dicts(deps.store.snapshot())
    for wrong, error in (({"planned_end": "2020-01-01"}, ValidationFailed), ({"mission_id": "haiti-binuh"}, ValidationFailed)):
        with pytest.raises(error):
            roster.correct_entry(deps, IRSS, "haiti", entry_id, {**body, **wrong})
    with pytest.raises(NotFound):
        roster.correct_entry(deps, IRSS, "haiti", "entry-none", {**body, "planned_end": "2030-01-01"})
    assert state_dicts(deps.store.snapshot()) == before

    # When IRSS extends the planned end by three months
    mails = len(deps.mailer.sent)
    out = roster.correct_entry(deps, IRSS, "haiti", entry_id, {**body, "planned_end": "2027-06-02"})

    # Then the entry has it (version + 1), the audit keeps before and after, and the officer is told, in French
    assert (out["planned_end"], out["version"]) == ("2027-06-02", 2)
    [row] = deps.store.audit.trail(f"deployment#{entry_id}")[-1:]
    assert (row.reason_code, row.details["before"]["planned_end"], row.details["entry"]["planned_end"]) == (
        "extension_approved", "2027-03-02", "2027-06-02")
    [mail] = deps.mailer.sent[mails:]
    assert mail.to == "helene.cote@example.ca" and "le 2 juin 2027" in mail.text and "prolongé" in mail.subject

    # When an anonymous entry's dates are filled in, nobody is emailed
    mails = len(deps.mailer.sent)
    roster.correct_entry(deps, IRSS, "haiti", "existing-haiti-001",
                         {"expected_version": 1, "started_on": "2026-01-10", "planned_end": "2027-01-10",
                          "mission_id": "haiti-minustah", "reason_code": "data_correction", "note": "Dates from the list"})
    assert len(deps.mailer.sent) == mails
    assert deps.store.catalogue.deployment("haiti", "existing-haiti-001").mission_id == "haiti-minustah"


def test_only_an_anonymous_entry_ends_through_the_roster():
    # Given a deployed Haiti officer
    deps = make_deps()
    app_id, _ = new_file(deps)
    drive(deps, app_id, "deployed")
    # When an administrator ends the file's entry through the roster: refused (the return ends it)
    with pytest.raises(Conflict):
        end(deps, deployments.deployment_id_for(app_id), "haiti", actor=ADMIN, version=1)
    # When the ended date is before the start: refused at /ended_on
    roster.correct_entry(deps, IRSS, "haiti", "existing-haiti-002",
                         {"expected_version": 1, "started_on": "2026-02-01", "reason_code": "data_correction", **NOTE})
    with pytest.raises(ValidationFailed) as err:
        end(deps, "existing-haiti-002", "haiti", version=2, ended_on="2026-01-15")
    assert [e.pointer for e in err.value.errors] == ["/ended_on"]
    counts_agree(deps)


# --- who is next ---------------------------------------------------------------------------

def test_the_line_is_by_stage_reached_then_by_how_long_they_have_waited():
    # Given four Ukraine candidates: two reach joining instructions, then two training, on different days
    deps = make_deps()
    clock = deps.clock
    ids = [new_file(deps, mission="ukraine-patrol-police", email=f"o{i}@example.ca")[0] for i in range(4)]
    for app_id in ids:
        drive(deps, app_id, "joining_instructions")
        clock.advance(days=1)
    for app_id in (ids[3], ids[1]):  # the later of them reaches training first
        move(deps, app_id, "training")
        clock.advance(days=1)

    # Then the line is training (oldest first) then joining instructions (oldest first), all waiting:
    # Ukraine is full
    report = roster.rotation(deps, "ukraine")
    assert [c["application_id"] for c in report["candidates"]] == [ids[3], ids[1], ids[0], ids[2]]
    assert [(c["place_in_line"], c["waiting"]) for c in report["candidates"]] == [
        (1, True), (2, True), (3, True), (4, True)]
    assert (report["seats_left"], report["active"], report["without_planned_end"]) == (0, 20, 20)

    # When two existing deployments end, the first two in line have a seat; the others wait
    end(deps, "existing-ukraine-001")
    end(deps, "existing-ukraine-002")
    assert [c["waiting"] for c in roster.rotation(deps, "ukraine")["candidates"]] == [False, False, True, True]


def test_planned_ends_fall_in_the_report_s_horizons():
    # Given Iraq's three existing deployments, two with planned ends, on 2 March 2026
    deps = make_deps()
    for entry_id, end_on in (("existing-iraq-001", "2026-03-20"), ("existing-iraq-002", "2026-07-15")):
        roster.correct_entry(deps, IRSS, "iraq", entry_id,
                             {"expected_version": 1, "planned_end": end_on, "reason_code": "data_correction", **NOTE})
    # Then 30 days holds the March end, 90 none more, 180 both; the third has no planned end
    report = roster.rotation(deps, "iraq")
    assert [(h["days"], h["ending"]) for h in report["horizons"]] == [(30, 1), (90, 1), (180, 2)]
    assert report["horizons"][0]["until"] == "2026-04-01"
    assert report["without_planned_end"] == 1


def test_a_freed_seat_tells_irss_and_the_first_candidates_coordinator_once():
    # Given an SPVM candidate at training for Ukraine (full)
    deps = make_deps()
    app_id, _ = new_file(deps, mission="ukraine-patrol-police")
    drive(deps, app_id, "training")

    # When an existing deployment ends
    mails = len(deps.mailer.sent)
    end(deps, "existing-ukraine-001")

    # Then IRSS and SPVM's coordinator are told a seat is available, naming the candidate
    notices = deps.mailer.sent[mails:]
    assert sorted(m.to for m in notices) == sorted([IRSS_EMAIL, SPVM])
    assert all("Hélène Côté-Tremblay" in m.text and "Ukraine" in m.subject for m in notices)
    # and the rows' ids derive from the entry's end, so the same event can never be written twice
    ids = {r.message_id for r in deps.store.state.outbox.values() if r.template.endswith("seat_available")}
    assert ids == {"existing-ukraine-001:2:seat_available:irss", "existing-ukraine-001:2:seat_available:coordinator"}


def test_a_freed_seat_with_nobody_ready_tells_irss_only():
    deps = make_deps()
    mails = len(deps.mailer.sent)
    end(deps, "existing-iraq-001", "iraq")
    [notice] = deps.mailer.sent[mails:]
    assert notice.to == IRSS_EMAIL and "no candidate is ready yet" in notice.text


def test_the_roster_list_takes_only_a_known_status():
    deps = make_deps()
    assert roster.status_filter({}) == "active" and roster.status_filter({"status": "all"}) == "all"
    for bad in ({"status": "open"}, {"cap": "haiti"}):
        with pytest.raises(ValidationFailed):
            roster.status_filter(bad)
    end(deps, "existing-iraq-001", "iraq")
    assert [len(roster.roster_view(deps, "iraq", s)["entries"]) for s in ("active", "ended", "all")] == [2, 1, 3]
    with pytest.raises(NotFound):
        roster.roster_view(deps, "atlantis")
