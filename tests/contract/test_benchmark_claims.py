"""The benchmarks' claims that can be checked on every test run (timings are never tests:
benchmarks/run.py prints them).

Given a submitted file and a coordinator's real token, when the benchmark's
counter watches one move, then it sees one read and one transactional write
(the file, its audit row and its email's outbox row) and no SES call: the
outbox stream's delivery function sends the email after the request.

The burst's cheaper undo of moto's transactions leaves no trace of a cancelled
one; a small burst reconciles (every 201 stored once, one confirmation and one
coordinator email per file, the pace kept, the latency hook on every client), and
the reconcile names what does not add up.
"""
from __future__ import annotations

from typing import Any, Iterator

import pytest

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


# --- the latency model and the burst (benchmarks/latency.py, benchmarks/burst.py) ----------------------

@pytest.fixture
def hooked(aws: Any) -> Iterator[None]:
    """The latency hooks installed and every client built afresh, so each carries them (as run.py does)."""
    from benchmarks import latency

    latency.install()
    latency.fresh_clients()
    yield  # the clients built meanwhile stay for the next tests: the hooks do nothing while no model is on


def test_a_cancelled_transaction_under_the_undo_log_leaves_no_trace() -> None:
    """Given a streamed table holding one item and the burst's cheaper undo of moto's transactions, when a
    transaction that updates that item and puts a new one is cancelled by a failed condition, then the item is
    as it was, the new one absent, and the stream has no record of it (DynamoDB emits none for a cancelled
    transaction)."""
    import boto3
    from botocore.exceptions import ClientError
    from moto import mock_aws

    from benchmarks.burst import transactions_undone_by_item
    from devtools.stream_poller import StreamReader

    with mock_aws():
        ddb = boto3.client("dynamodb", region_name="ca-central-1")
        ddb.create_table(TableName="undo", BillingMode="PAY_PER_REQUEST",
                         KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                         StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
        ddb.put_item(TableName="undo", Item={"id": {"S": "kept"}, "status": {"S": "pending"}})
        reader = StreamReader(ddb.describe_table(TableName="undo")["Table"]["LatestStreamArn"], "ca-central-1")
        before = reader.read()
        with transactions_undone_by_item() as outcomes, pytest.raises(ClientError, match="TransactionCanceled"):
            ddb.transact_write_items(TransactItems=[
                {"Update": {"TableName": "undo", "Key": {"id": {"S": "kept"}}, "UpdateExpression": "SET #s = :sent",
                            "ExpressionAttributeNames": {"#s": "status"},
                            "ExpressionAttributeValues": {":sent": {"S": "sent"}}}},
                {"Put": {"TableName": "undo", "Item": {"id": {"S": "new"}, "status": {"S": "pending"}}}},
                {"ConditionCheck": {"TableName": "undo", "Key": {"id": {"S": "absent"}},
                                    "ConditionExpression": "attribute_exists(id)"}},
            ])
        assert outcomes == {"cancelled: ConditionalCheckFailed on ConditionCheck undo": 1}
        assert ddb.get_item(TableName="undo", Key={"id": {"S": "kept"}})["Item"]["status"] == {"S": "pending"}
        assert "Item" not in ddb.get_item(TableName="undo", Key={"id": {"S": "new"}})
        assert len(before) == 1 and reader.read() == []


def test_a_small_burst_reconciles(hooked: None) -> None:
    """Given 10 valid submissions (French, an analyst, keys, one sent by two clients at once and one sent again
    after its answer), when they run through the app's route from 4 threads with moto serialized and the
    outbox stream is drained on the modelled clock, then every 201 is stored once, each file has one
    confirmation and one coordinator email, every outbox row is sent, and the sends kept the pace; the latency
    hook saw PynamoDB's client and boto3's SES client alike (else the model would time nothing)."""
    from benchmarks.burst import burst

    report = burst(10, clients=4)
    assert report.problems == []
    assert sorted(p.retry or "" for p in report.run.planned if p.retry) == ["after", "together"]
    assert [a.status for a in report.run.answers] == [201] * 12 and len(report.stored) == 10
    assert sum(a.ses_calls for a in report.run.answers) == 0  # a request writes its emails to the outbox
    d = report.delivery
    assert d.sends == len(report.sent) == 20 and d.batch_failures == 0
    assert {"GetItem", "UpdateItem", "SendEmail"} <= set(d.calls)
    assert d.last_s is not None and d.first_s is not None
    assert d.last_s - d.first_s >= (d.sends - 1) / d.rate - 1e-9  # the function's Pacer, on the modelled clock


def test_reconcile_names_what_does_not_add_up() -> None:
    """Given a refused submission that still got an email and a file whose confirmation went twice, when the
    burst is reconciled, then both are named (a reconcile that cannot fail would prove nothing)."""
    from benchmarks.burst import Answer, Planned, Stored, reconcile

    planned = [Planned(0, "a@example.ca", "en", "police_officer", "k0", None, {}),
               Planned(1, "b@example.ca", "fr", "police_officer", None, None, {})]
    answers = [Answer(0, 1, 201, "po-a", None, 0.1, 0.0, 0.0, 0.1),
               Answer(1, 1, 409, None, "conflict", 0.1, 0.0, 0.0, 0.1)]
    confirmation, coordinator = ("a@example.ca", "Application received – PO-A"), ("c@example.ca", "New – PO-A")
    stored = [Stored("po-a", 0, "PO-A", (confirmation, coordinator), ("sent", "sent"))]
    sent = [confirmation, confirmation, coordinator, ("b@example.ca", "Demande reçue – PO-B")]
    problems = reconcile(planned, answers, stored, sent)
    assert any("refused, yet 1 email" in p for p in problems)
    assert any("2 copies of “Application received – PO-A”" in p for p in problems)
    assert reconcile(planned, answers, stored, [confirmation, coordinator]) == []
