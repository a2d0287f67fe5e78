"""The benchmark's AWS-call claim for a move, checked on every test run.

Given a submitted file and a coordinator's real token, when the benchmark's
counter watches one move, then it sees one read and one transactional write
(the file, its audit row and its email's outbox row) and no SES call: the
outbox stream's delivery function sends the email after the request.
(Timings are never tests: benchmarks/run.py prints them.)
"""
from __future__ import annotations

from typing import Any

from benchmarks.run import calls_for, counting


def test_a_move_is_one_read_one_transaction_and_no_email_call(client: Any, tokens: dict[str, str]) -> None:
    calls = calls_for("move", client, tokens)
    assert dict(calls) == {"GetItem": 1, "TransactWriteItems": 1}  # it did move; its email waits in the outbox


def test_the_counter_sees_every_client(client: Any, tokens: dict[str, str]) -> None:
    """PynamoDB's own botocore client and boto3's are both counted (else the claim above proves nothing)."""
    from chalicelib.adapters.models import MissionModel

    import boto3

    with counting() as calls:
        MissionModel.get("mission", "haiti-minustah")
        boto3.client("ses", region_name="ca-central-1").list_identities()
    assert calls == {"GetItem": 1, "ListIdentities": 1}
