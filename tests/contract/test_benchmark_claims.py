"""The benchmark's AWS-call claim for a move, checked on every test run.

Given a submitted file and a coordinator's real token, when the benchmark's
counter watches one move, then it sees one read and one transactional write,
plus the applicant's email: SES SendEmail and one UpdateItem marking it sent.
(Timings are never tests: benchmarks/run.py prints them.)
"""
from __future__ import annotations

from typing import Any

from benchmarks.run import calls_for, counting


def test_a_move_is_one_read_one_transaction_and_its_email(client: Any, tokens: dict[str, str]) -> None:
    calls = calls_for("move", client, tokens)
    # UpdateItem: the email's fresh link (its hash, conditional on the hashes the one read saw) and the email marked sent.
    at_most = {"GetItem": 1, "TransactWriteItems": 1, "SendEmail": 1, "UpdateItem": 2}
    assert set(calls) <= set(at_most) and all(calls[op] <= n for op, n in at_most.items()), dict(calls)
    assert calls["TransactWriteItems"] == 1 and calls["SendEmail"] == 1  # it did move, and did mail


def test_the_counter_sees_every_client(client: Any, tokens: dict[str, str]) -> None:
    """PynamoDB's own botocore client and boto3's are both counted (else the claim above proves nothing)."""
    from chalicelib.adapters.models import MissionModel

    import boto3

    with counting() as calls:
        MissionModel.get("mission", "haiti-minustah")
        boto3.client("ses", region_name="ca-central-1").list_identities()
    assert calls == {"GetItem": 1, "ListIdentities": 1}
