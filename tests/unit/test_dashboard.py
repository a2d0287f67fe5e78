"""The dashboard's data (services/dashboard.py) on MemoryStorage: a funnel per mission from the pipeline counters,
a coordinator's counting only their service's files, the caps' seats with the roster's planned ends, in English
or French; a role without the pipeline report is refused. Given / When / Then."""
from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.domain.errors import Forbidden
from chalicelib.domain.workflow import Actor, MoveRequest
from chalicelib.services import dashboard, roster, submissions, workflow

from .fakes import application, make_deps

IRSS, ADMIN = Actor("irss", "irss-1"), Actor("admin", "admin-1")
SPVM = Actor("service_coordinator", "coord-spvm", "spvm")


@pytest.fixture(scope="module")
def deps():
    # Given Haiti: three SPVM files (one moved to service review) and one OPP file; an Iraq deployment planned to
    # end in 40 days
    deps = make_deps()
    ids = [submissions.submit(deps, application(email=f"dash-{n}@example.ca"), None)[1]["application_id"]
           for n in range(3)]
    submissions.submit(deps, application(email="dash-opp@example.ca", police_service="opp"), None)
    workflow.move(deps, ids[0], SPVM, MoveRequest("service_review", "submitted", None, None))
    end = (deps.today() + timedelta(days=40)).isoformat()
    roster.add_entry(deps, IRSS, "iraq", {"reason_code": "existing_deployment", "note": "From the list",
                                          "planned_end": end})
    return deps


def _haiti(view):
    return next(f for f in view["funnels"] if f["mission_id"] == "haiti-minustah")


def test_each_mission_has_a_funnel_of_its_files_by_stage_in_the_pathways_order(deps):
    view = dashboard.dashboard(deps, IRSS, "en")
    haiti = _haiti(view)
    # Then Haiti's rows follow the pathway: received 3 (2 SPVM + 1 OPP), initial selection 1, then the rest, the
    # ends last and closed
    assert haiti["rows"][:3] == [["Application received", "3", "Open"],
                                 ["Initial selection by your police service", "1", "Open"],
                                 ["RCMP screening", "0", "Open"]]
    assert haiti["rows"][-3:] == [["Not selected", "0", "Closed"], ["Medical requirements not met", "0", "Closed"],
                                  ["Withdrawn", "0", "Closed"]]
    assert haiti["total"] == 4 and haiti["summary"] == (
        "Haiti: MINUSTAH: 4 files: 4 open, 0 closed. The most are at Application received (3).")
    assert haiti["svg"].startswith("<svg") and 'role="img"' in haiti["svg"]
    # And every seeded mission has its chart
    assert len(view["funnels"]) == len(deps.store.catalogue.missions())
    # And the administrators, who may not read medical information, have no medical end to count
    admin_rows = _haiti(dashboard.dashboard(deps, ADMIN, "en"))["rows"]
    assert [r[0] for r in admin_rows] == [r[0] for r in haiti["rows"] if r[0] != "Medical requirements not met"]


def test_a_coordinator_counts_only_their_own_services_files(deps):
    view = dashboard.dashboard(deps, SPVM, "en")
    haiti = _haiti(view)
    assert view["scope"] == "spvm" and haiti["total"] == 3
    assert haiti["rows"][0][1] == "2"  # OPP's file is not counted


def test_the_seats_chart_counts_the_rosters_planned_ends_within_each_horizon(deps):
    seats = dashboard.dashboard(deps, IRSS, "en")["seats"]
    iraq = next(r for r in seats["rows"] if r[0].startswith("Iraq"))
    # Iraq: 3 seeded deployments without a planned end and the one added: it ends in 40 days (not within 30)
    assert iraq[2] == "4" and iraq[-3:] == ["0", "1", "1"]
    assert "Iraq" in seats["summary"] and "1 planned to end within 90 days" in seats["summary"]


def test_the_dashboard_in_french(deps):
    view = dashboard.dashboard(deps, IRSS, "fr")
    haiti = _haiti(view)
    assert view["lang"] == "fr" and haiti["rows"][0] == ["Demande reçue", "3", "Ouvert"]
    assert haiti["summary"].startswith("Haïti") and view["seats"]["columns"][0] == "Plafond"


def test_a_role_without_the_pipeline_report_is_refused(deps):
    with pytest.raises(Forbidden):
        dashboard.dashboard(deps, Actor("health", "health-1"), "en")
