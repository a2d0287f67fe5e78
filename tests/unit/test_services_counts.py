"""The pipeline's counters (services/counts.py) on MemoryStorage: kept in the transaction of every change of stage
or mission, they equal a full recount of the files after any seeded random sequence of submissions, moves,
facts and redirects; the one-off rebuild counts a store written before them; the report reads them.

Given / When / Then, as the other service tests.
"""
from __future__ import annotations

import pytest

from chalicelib.domain.workflow import Actor, load_workflow
from chalicelib.services import catalogue, counts, files

from ..counting import assert_counters_match, walk
from .fakes import application, family_readiness, make_deps


def _ids(deps):
    return lambda: sorted(deps.store.state.files)


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_after_a_random_sequence_of_changes_the_counters_equal_a_recount_of_the_files(seed):
    # Given the seeded catalogue
    deps = make_deps()
    # When a seeded random sequence of submissions, moves, facts and redirects runs (refusals included)
    ran = walk(deps, seed, 150, application, family_readiness, _ids(deps))
    # Then it did every kind of change, and the counters equal the files counted one by one
    assert ran["submit"] and ran["move"] > 20 and ran["redirect"], ran
    assert_counters_match(deps, sorted(deps.store.state.files))


def test_a_move_changes_two_counters_and_a_refused_one_none():
    deps = make_deps()
    _, body = __import__("chalicelib.services.submissions", fromlist=["submit"]).submit(deps, application(), None)
    app_id = body["application_id"]
    before = dict(deps.store.state.counts)
    assert before == {("haiti-minustah", "submitted", "spvm"): 1}
    from chalicelib.domain.errors import StaleState
    from chalicelib.domain.workflow import MoveRequest
    from chalicelib.services import workflow

    coord = Actor("service_coordinator", "coord-spvm", "spvm")
    with pytest.raises(StaleState):
        workflow.move(deps, app_id, coord, MoveRequest("service_review", "irss_review", None, None))
    assert deps.store.state.counts == before
    workflow.move(deps, app_id, coord, MoveRequest("service_review", "submitted", None, None))
    assert deps.store.state.counts == {("haiti-minustah", "submitted", "spvm"): 0,
                                       ("haiti-minustah", "service_review", "spvm"): 1}


def test_the_rebuild_counts_files_stored_before_the_counters_and_the_seed_runs_it_once():
    # Given files stored before the counters existed (their counters wiped, never built)
    deps = make_deps()
    walk(deps, 7, 60, application, family_readiness, _ids(deps))
    deps.store.state.counts, deps.store.state.counts_built = {("haiti-minustah", "medical", "opp"): 9}, False
    # When the seed runs (an upgrade's first start)
    catalogue.seed(deps)
    # Then the counters are the files' (the stray one reads 0), and a second seed rebuilds nothing
    assert_counters_match(deps, sorted(deps.store.state.files))
    assert counts.rebuild_if_absent(deps) is None


def test_a_counter_kept_under_a_renamed_stage_reads_under_its_new_name():
    deps = make_deps()
    old, new = next(iter(load_workflow().pathways["deployment"].renamed.items()))
    deps.store.state.counts[("haiti-minustah", old, "spvm")] = 2
    deps.store.state.counts[("haiti-minustah", new, "spvm")] = -1  # a file read at the new name moved on
    row = next(r for r in files.pipeline(deps, Actor("irss", "irss-1"))["missions"] if r["mission_id"] == "haiti-minustah")
    assert row["counts"][new] == 1 and old not in row["counts"]
