"""The pipeline's counters on DynamoDB (moto): kept in each change's one transaction, they equal a full recount
after a seeded random sequence of submissions, moves, facts and redirects; the rebuild counts files stored
before them (what an upgrade's first seed does).
"""
from __future__ import annotations

from typing import Any

from ..counting import assert_counters_match, walk
from .conftest import application, family_readiness


def _ids() -> list[str]:
    from chalicelib.adapters.models import ApplicationModel

    return sorted(a.application_id for a in ApplicationModel.scan(attributes_to_get=["application_id"]))  # tests only


def test_after_a_random_sequence_on_dynamodb_the_counters_equal_a_recount(aws: Any) -> None:
    from chalicelib.api.wiring import deps

    # Given the seeded account, when a seeded random sequence of changes runs through the DynamoDB adapter
    ran = walk(deps(), 11, 45, application, family_readiness, _ids)
    # Then the counters (one Query per mission) equal the files counted one by one
    assert ran["submit"] and ran["move"] > 5, ran
    assert_counters_match(deps(), _ids())


def test_files_stored_before_the_counters_are_counted_by_the_seed_once(aws: Any) -> None:
    from chalicelib.adapters.models import CountModel
    from chalicelib.api.wiring import deps
    from chalicelib.services import catalogue, counts

    walk(deps(), 12, 20, application, family_readiness, _ids)
    # Given a store as an earlier version left it: files, no counters and no "built" mark
    for row in CountModel.scan(CountModel.pk.startswith("count")):
        row.delete()
    assert not deps().store.catalogue.file_counts_built()
    # When the seed runs, then the counters are the files', and a second seed counts nothing again
    catalogue.seed(deps())
    assert_counters_match(deps(), _ids())
    assert counts.rebuild_if_absent(deps()) is None
