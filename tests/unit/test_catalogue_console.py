"""Missions and seats, the cap cards and the audit listing on MemoryStorage (services/catalogue_admin.py,
domain/seats.py, services/audit_log.py, domain/audit_list.py). Given / When / Then."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from chalicelib.domain import audit_list, seats
from chalicelib.domain.deployments import Deployment
from chalicelib.domain.errors import Conflict, Forbidden, StaleState, ValidationFailed
from chalicelib.domain.missions import Cap
from chalicelib.domain.records import AuditEntry
from chalicelib.domain.workflow import Actor
from chalicelib.services import audit_log, catalogue, catalogue_admin, dashboard, roster

from .fakes import FixedClock, make_deps

ADMIN, IRSS = Actor("admin", "admin-1"), Actor("irss", "irss-1")
HEALTH = Actor("health", "health-1")


# --- the figures ----------------------------------------------------------------------------------------------

def _entry(n: int, planned_end: str | None, ended: bool = False) -> Deployment:
    e = Deployment(f"d{n}", "haiti", "2026-01-01", planned_end)
    return e.ended("2026-06-01", "rotation_completed", "2026-06-01T00:00:00.000000Z") if ended else e


def test_freeing_in_ninety_days_counts_a_planned_end_on_the_ninetieth_ottawa_day_and_not_the_ninety_first() -> None:
    today = date(2026, 12, 7)
    cap = Cap("haiti", 90, 4, {"en": "Haiti", "fr": "Haïti"})
    roster_rows = [_entry(1, (today + timedelta(days=90)).isoformat()),   # the 90th day: counts
                   _entry(2, (today + timedelta(days=91)).isoformat()),   # the 91st: does not
                   _entry(3, (today - timedelta(days=3)).isoformat()),    # overdue: counts
                   _entry(4, None),                                       # no planned end: does not
                   _entry(5, today.isoformat(), ended=True)]              # ended: not active at all
    card = seats.cap_card(cap, roster_rows, 2, today)
    assert (card.authorized, card.deployed, card.active, card.seats_left, card.freeing, card.ready) == (
        90, 4, 4, 86, 2, 2)
    assert card.seats_left == cap.seats_left  # the one rule, never a second computation


def test_the_ottawa_day_decides_the_boundary_not_the_utc_day() -> None:
    # Given 02:00 UTC on 8 December, still 7 December in Ottawa
    clock = FixedClock(datetime(2026, 12, 8, 2, 0, tzinfo=timezone.utc))
    deps = make_deps(clock)
    end = (date(2026, 12, 7) + timedelta(days=90)).isoformat()
    roster.add_entry(deps, IRSS, "iraq", {"reason_code": "existing_deployment", "note": "n", "planned_end": end})
    # When IRSS reads the dashboard, then the entry ending on Ottawa's 90th day counts
    card = next(c for c in dashboard.dashboard(deps, IRSS, "en")["cards"] if c["cap_id"] == "iraq")
    assert (card["active"], card["freeing"], card["ready"]) == (4, 1, 0)
    clock.advance(hours=4)  # 06:00 UTC, 8 December in Ottawa too: now the 89th day, still counts
    card = next(c for c in dashboard.dashboard(deps, IRSS, "en")["cards"] if c["cap_id"] == "iraq")
    assert card["freeing"] == 1
    # A coordinator's dashboard has no cards
    assert dashboard.dashboard(deps, Actor("service_coordinator", "c", "spvm"), "en")["cards"] == []


# --- missions and seats ---------------------------------------------------------------------------------------

def test_a_figure_below_the_active_roster_is_refused_naming_the_cap_and_a_stale_version_too() -> None:
    deps = make_deps()
    with pytest.raises(Conflict) as refused:
        catalogue_admin.set_authorized(deps, ADMIN, "ukraine", {"authorized": 19}, expected_version=1)
    assert refused.value.detail_en == ("Ukraine (both operations) has 20 officers deployed: the figure cannot be "
                                       "below 20 until deployments end.")
    assert "\u00a0:" in refused.value.detail_fr
    assert deps.store.catalogue.cap("ukraine").authorized == 20
    with pytest.raises(StaleState):
        catalogue_admin.set_authorized(deps, ADMIN, "ukraine", {"authorized": 25}, expected_version=7)
    assert catalogue_admin.set_authorized(deps, ADMIN, "ukraine", {"authorized": 20}, expected_version=1)[
        "authorized"] == 20


def test_the_overview_carries_the_notes_and_missions_and_the_public_view_no_note() -> None:
    deps = make_deps()
    caps = {c["cap_id"]: c for c in catalogue_admin.overview(deps)}
    assert caps["ukraine"]["note"]["en"] and caps["ukraine"]["active_entries"] == 20
    assert [m["mission_id"] for m in caps["ukraine"]["missions"]] == ["ukraine-euam", "ukraine-patrol-police"]
    assert all("note" not in m["cap"] for m in catalogue.list_missions(deps))


def test_a_description_needs_both_languages_and_the_version_read() -> None:
    deps = make_deps()
    version = catalogue_admin.mission_admin_view(deps, "haiti-minustah")["version"]
    with pytest.raises(ValidationFailed) as refused:
        catalogue_admin.set_description(deps, ADMIN, "haiti-minustah", "English.", " ", version)
    assert [e.pointer for e in refused.value.errors] == ["/description/fr"]
    catalogue_admin.set_description(deps, ADMIN, "haiti-minustah", "English.", "Français.", version)
    assert catalogue.get_mission(deps, "haiti-minustah")["description"] == {"en": "English.", "fr": "Français."}
    with pytest.raises(StaleState):
        catalogue_admin.set_open_at(deps, ADMIN, "haiti-minustah", False, version)


# --- the audit listing ----------------------------------------------------------------------------------------

def _row(subject: str, seq: int, at: str, kind: str = "catalogue_change", actor: Actor = ADMIN,
         **fields: object) -> AuditEntry:
    return AuditEntry(subject, seq, at=at, kind=kind, actor_id=actor.actor_id, actor_role=actor.role,
                      **fields)  # type: ignore[arg-type]


def _audit_deps():  # noqa: ANN202 - Deps
    deps = make_deps(FixedClock(datetime(2026, 12, 7, 15, 0, tzinfo=timezone.utc)))
    uow = deps.store.unit_of_work()
    for row in (_row("cap#haiti", 2, "2026-10-31T12:00:00.000000Z", details={"change": "authorized", "to": 95}),
                _row("mission#iraq-mlt", 2, "2026-11-01T03:30:00.000000Z", details={"change": "updated:x"}),
                _row("application#po-a", 3, "2026-12-01T12:00:00.000000Z", kind="stage_change", actor=HEALTH,
                     from_stage="medical", to_stage="medically_unfit", reason_code="medical_requirements_not_met",
                     note="Cardiac results"),
                _row("application#po-a", 2, "2026-11-30T12:00:00.000000Z", kind="medical_outcome", actor=HEALTH,
                     details={"outcome": "unfit"}),
                _row("reads#po-a", 1, "2026-11-30T13:00:00.000000Z", kind="file_read", actor=HEALTH),
                _row("application#po-b", 2, "2026-12-02T12:00:00.000000Z", kind="note", actor=IRSS,
                     note="Called the family")):
        uow.append_audit(row)
    uow.commit()
    return deps


def test_the_listing_is_newest_first_across_subjects_and_pages_with_a_cursor(monkeypatch: pytest.MonkeyPatch) -> None:
    deps = _audit_deps()
    monkeypatch.setattr(audit_log, "PAGE", 2)
    first = audit_log.listing(deps, IRSS, {})
    assert [r["subject"] for r in first["items"]] == ["application#po-b", "application#po-a"]
    second = audit_log.listing(deps, IRSS, {"cursor": first["next_cursor"]})
    assert [r["subject"] for r in second["items"]] == ["reads#po-a", "application#po-a"]
    # A cursor is bound to its filters
    with pytest.raises(Exception):  # noqa: B017 - MalformedRequest
        audit_log.listing(deps, IRSS, {"cursor": first["next_cursor"], "kind": "note"})


def test_filters_by_actor_kind_subject_and_ottawa_days() -> None:
    deps = _audit_deps()

    def subjects(**params: str) -> list[str]:
        return [r["subject"] for r in audit_log.listing(deps, IRSS, params)["items"]
                if r["kind"] != audit_list.READS_KIND]

    assert subjects(kind="catalogue_change") == ["mission#iraq-mlt", "cap#haiti"]
    assert subjects(subject="CAP#HAITI") == ["cap#haiti"]
    assert subjects(actor="irss-1") == ["application#po-b"]
    # 03:30 UTC on 1 November is 31 October in Ottawa (23:30 EDT): the day filter is Ottawa's
    assert subjects(**{"from": "2026-10-31", "to": "2026-10-31"}) == ["mission#iraq-mlt", "cap#haiti"]
    assert subjects(**{"from": "2026-11-01", "to": "2026-11-30"})[-1] == "application#po-a"
    with pytest.raises(ValidationFailed):
        audit_list_bad = {"from": "31/10/2026"}
        audit_log.listing(deps, IRSS, audit_list_bad)


def test_an_administrator_reads_no_medical_detail_no_note_and_no_health_read() -> None:
    deps = _audit_deps()
    rows = [r for r in audit_log.listing(deps, ADMIN, {"subject": "po-a"})["items"]]
    assert [(r["subject"], r["kind"]) for r in rows] == [("application#po-a", "stage_change"),
                                                         ("application#po-a", "medical_outcome")]
    closing = rows[0]
    assert (closing["actor_id"], closing["actor_role"], closing["to_stage"], closing["reason_code"]) == (
        None, "selection_team", "not_selected", "selection_decision")
    assert not [v for r in rows for v in r.values() if isinstance(v, str) and ("unfit" in v or "Cardiac" in v)]
    # Filtering on the health staff member's identifier never finds the closing (it shows the selection team);
    # the outcome's row, which every file at the health assessment has whatever the outcome, is theirs
    found = audit_log.listing(deps, ADMIN, {"actor": "health-1"})["items"]
    assert [r["kind"] for r in found] == ["medical_outcome"]
    # IRSS (a medical reader) reads the truth, and never a note's text
    truth = audit_log.listing(deps, IRSS, {"subject": "po-a"})["items"]
    assert truth[0]["to_stage"] == "medically_unfit" and len(truth) == 3
    assert all("note" not in r and "details" not in r for r in truth)


def test_reading_and_exporting_are_recorded_and_only_irss_and_admins_may() -> None:
    deps = _audit_deps()
    audit_log.listing(deps, IRSS, {"kind": "note"})
    body, truncated = audit_log.export_csv(deps, ADMIN, {"subject": "cap#", "lang": "fr"})
    assert body.startswith("\ufeff") and '"cap#haiti"' in body and not truncated
    recorded = [(r.actor_role, (r.details or {})["change"], dict((r.details or {})["filters"]))
                for r in deps.store.audit.trail(audit_list.SUBJECT)]
    assert sorted(recorded, key=str) == sorted([("irss", "search", {"kind": "note"}),
                                                ("admin", "export", {"subject": "cap#"})], key=str)
    for role in ("service_coordinator", "health"):
        with pytest.raises(Forbidden):
            audit_log.listing(deps, Actor(role, "x", "spvm"), {})


def test_the_export_neutralises_formulas() -> None:
    deps = _audit_deps()
    uow = deps.store.unit_of_work()
    uow.append_audit(_row("cap#=HYPERLINK(1)", 1, "2026-12-03T12:00:00.000000Z", actor=Actor("admin", "=cmd|x")))
    uow.commit()
    body, _ = audit_log.export_csv(deps, ADMIN, {"subject": "hyperlink"})
    assert "\"'=cmd|x\"" in body and '"cap#=HYPERLINK(1)"' in body
