"""The console's roster rules on MemoryStorage (issue 22): recording an officer on a seeded placeholder, the
rotation (a ready candidate takes an outgoing entry's seat on the handover day, in one write), and the CSV
import (every row checked first, nothing half-imported, the same file twice writes nothing the second time)."""
from __future__ import annotations

import pytest

from chalicelib.domain.errors import Conflict, StaleState, ValidationFailed
from chalicelib.services import roster, roster_import

from .fakes import make_deps, state_dicts
from .test_services_roster import NOTE, counts_agree, end
from .test_services_workflow import IRSS, drive, file_of, new_file

HEADER = ",".join(roster_import.COLUMNS)


def record(deps, entry_id, service="spvm", start="2026-01-05", planned="2027-01-05", version=1):
    return roster.correct_entry(deps, IRSS, "ukraine", entry_id, {
        "expected_version": version, "reason_code": "data_correction", "police_service": service,
        "started_on": start, "planned_end": planned, **NOTE})


def test_recording_an_officer_on_a_placeholder_sets_service_and_dates_and_an_unknown_service_is_refused():
    deps = make_deps()
    assert deps.store.catalogue.deployment("ukraine", "existing-ukraine-001").placeholder
    written = record(deps, "existing-ukraine-001")
    assert (written["police_service"], written["started_on"], written["planned_end"], written["version"]) == (
        "spvm", "2026-01-05", "2027-01-05", 2)
    assert not deps.store.catalogue.deployment("ukraine", "existing-ukraine-001").placeholder
    with pytest.raises(ValidationFailed) as err:
        record(deps, "existing-ukraine-002", service="not-a-service")
    assert [e.pointer for e in err.value.errors] == ["/police_service"]
    with pytest.raises(StaleState):  # the form of version 1, sent again after the change
        record(deps, "existing-ukraine-001")


def _ready(deps):
    app_id, _ = new_file(deps, mission="ukraine-patrol-police", email="r@example.ca")
    drive(deps, app_id, "training")
    return app_id


def rotate(deps, app_id, entry="existing-ukraine-003", handover="2026-03-01", version=2):
    return roster.rotate(deps, IRSS, "ukraine", entry, {"expected_version": version, "application_id": app_id,
                                                        "handover_on": handover, **NOTE})


def test_a_rotation_passes_the_outgoing_seat_to_the_ready_candidate_on_the_handover_day_in_one_write():
    # Given Ukraine full (20 of 20), an officer recorded on a placeholder, and a candidate ready at training
    deps = make_deps()
    record(deps, "existing-ukraine-003", start="2025-03-01", planned="2026-03-01")
    app_id = _ready(deps)

    # When IRSS records the rotation with the handover on 1 March (today is 2 March)
    result = rotate(deps, app_id)

    # Then the outgoing entry ended that day, the file is deployed on an entry starting that day, the count unchanged
    out = deps.store.catalogue.deployment("ukraine", "existing-ukraine-003")
    assert (out.active, out.ended_on, out.end_reason) == (False, "2026-03-01", "rotation_completed")
    incoming = deps.store.catalogue.deployment("ukraine", f"file-{app_id}")
    assert (incoming.started_on, incoming.planned_end) == ("2026-03-01", "2027-03-01")
    assert result["stage"] == "deployed" and file_of(deps, app_id).stage == "deployed"
    assert deps.store.catalogue.cap("ukraine").deployed == 20
    counts_agree(deps)
    # and both changes are audited
    changes = [a.details["change"] for a in deps.store.state.audit.values() if a.kind == "roster_change"]
    assert "rotated_out" in changes and "started" in changes


def test_a_rotation_is_refused_for_a_future_day_a_day_before_the_start_a_file_not_in_line_or_a_stale_form():
    deps = make_deps()
    record(deps, "existing-ukraine-003", start="2025-03-01", planned="2026-03-01")
    app_id = _ready(deps)
    other, _ = new_file(deps, mission="ukraine-patrol-police", email="o@example.ca")  # submitted, not ready
    before = state_dicts(deps.store.snapshot())
    for kwargs, pointer in ((dict(handover="2026-03-03"), "/handover_on"), (dict(handover="2025-02-01"), "/handover_on")):
        with pytest.raises(ValidationFailed) as err:
            rotate(deps, app_id, **kwargs)
        assert [e.pointer for e in err.value.errors] == [pointer]
    with pytest.raises(ValidationFailed) as err:
        rotate(deps, other)
    assert [e.code for e in err.value.errors] == ["not-ready"]
    with pytest.raises(StaleState):
        rotate(deps, app_id, version=1)
    assert state_dicts(deps.store.snapshot()) == before  # nothing written by any refusal


def test_a_files_own_deployment_is_not_an_outgoing_entry():
    deps = make_deps()
    end(deps, "existing-ukraine-001")
    first = _ready(deps)
    drive(deps, first, "deployed")
    second, _ = new_file(deps, mission="ukraine-patrol-police", email="s@example.ca")
    drive(deps, second, "training")
    with pytest.raises(Conflict):
        rotate(deps, second, entry=f"file-{first}", version=1)


# --- the CSV import -----------------------------------------------------------------------------

def csv(*rows: str) -> str:
    return "\n".join((HEADER, *rows)) + "\n"


def test_the_template_is_the_header_and_one_example_row_that_itself_imports():
    deps = make_deps()
    text = roster_import.template()
    assert text.splitlines()[0] == HEADER and len(text.splitlines()) == 2
    assert roster_import.import_csv(deps, IRSS, text, "n") == 1


def test_every_row_is_checked_and_each_problem_named_by_line_and_column_and_nothing_is_written():
    deps = make_deps()
    before = state_dicts(deps.store.snapshot())
    text = csv("ukraine,,spvm,2026-01-05,2027-01-05",  # line 2: good
               "nowhere,,spvm,2026-01-05,2027-01-05",  # line 3: unknown cap
               "ukraine,haiti-minustah,xx,2026-13-01,2026-01-01",  # line 4: mission of another cap, service, date
               "ukraine,,spvm,2026-05-01,2026-04-01",  # line 5: end before start
               "ukraine,spvm")  # line 6: columns
    with pytest.raises(roster_import.ImportRefused) as err:
        roster_import.import_csv(deps, IRSS, text, "n")
    assert [(r["row"], r["column"]) for r in err.value.rows] == [
        (3, "cap_id"), (4, "mission_id"), (4, "police_service"), (4, "started_on"), (5, "planned_end"), (6, "")]
    assert all(r["message_en"] and r["message_fr"] for r in err.value.rows)
    assert state_dicts(deps.store.snapshot()) == before


def test_a_bad_header_is_refused_on_line_one():
    with pytest.raises(roster_import.ImportRefused) as err:
        roster_import.import_csv(make_deps(), IRSS, "cap,service\nukraine,spvm\n", "n")
    assert err.value.rows[0]["row"] == 1


def test_a_good_import_names_placeholders_then_free_seats_and_the_same_file_twice_writes_nothing_more():
    deps = make_deps()
    text = csv("ukraine,,spvm,2026-01-05,2027-01-05", "ukraine,,spvm,2026-01-05,2027-01-05",
               "iraq,,rcmp,2025-09-01,2026-09-01", *(f"cambodia,,opp,2026-02-0{d},2027-02-01" for d in (1, 2)))
    assert roster_import.import_csv(deps, IRSS, text, "n") == 5
    ukraine = {e.deployment_id: e for e in deps.store.catalogue.roster("ukraine")}
    assert ukraine["existing-ukraine-001"].police_service == ukraine["existing-ukraine-002"].police_service == "spvm"
    assert ukraine["existing-ukraine-003"].placeholder
    assert deps.store.catalogue.cap("cambodia").deployed == 2  # no placeholder there: two free seats taken
    counts_agree(deps)
    snapshot = state_dicts(deps.store.snapshot())
    assert roster_import.import_csv(deps, IRSS, text, "n") == 0
    assert state_dicts(deps.store.snapshot()) == snapshot


def test_an_import_past_a_caps_authorized_figure_is_refused_with_its_row_and_writes_nothing():
    deps = make_deps()
    before = state_dicts(deps.store.snapshot())
    text = csv(*(f"cambodia,,opp,2026-02-0{d},2027-02-01" for d in (1, 2, 3)))  # Cambodia: 2 authorized
    with pytest.raises(roster_import.ImportRefused) as err:
        roster_import.import_csv(deps, IRSS, text, "n")
    assert [(r["row"], r["column"]) for r in err.value.rows] == [(4, "cap_id")]
    assert state_dicts(deps.store.snapshot()) == before


def test_a_file_too_large_for_one_transaction_is_refused():
    deps = make_deps()
    text = csv(*(f"haiti,,spvm,2026-01-{1 + d % 28:02d},2027-0{1 + d // 28}-01" for d in range(roster_import.MAX_ROWS + 1)))
    with pytest.raises(roster_import.ImportRefused) as err:
        roster_import.import_csv(deps, IRSS, text, "n")
    assert "transaction" in err.value.detail_en
