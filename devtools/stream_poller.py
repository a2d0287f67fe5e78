"""Reads the outbox table's DynamoDB stream off moto, as Lambda's event source mapping does in AWS.

`chalice local` runs no event sources and Chalice's test client generates no DynamoDB-stream
events, so scripts/local.py (a poller next to `chalice local`) and tests/integration/conftest.py
read the stream with GetShardIterator/GetRecords here and hand the records, as the Lambda event
(``adapters.stream.event_of``), to the real ``app.deliver_emails`` handler. The caller invokes the
handler itself: this module only reads (its calls are set-up, not the function's, for tests/infra).
"""
from __future__ import annotations

from typing import Any

import boto3

from chalicelib.adapters.stream import event_of


class StreamReader:
    """The records written since the last ``read``, in order, from every shard of one stream."""

    def __init__(self, stream_arn: str, region: str, endpoint: str | None = None, client: Any = None) -> None:
        self.stream_arn = stream_arn
        self.client = client or boto3.client("dynamodbstreams", region_name=region, endpoint_url=endpoint)
        self._after: dict[str, str] = {}  # shard id -> last sequence number read

    def read(self, limit: int = 1000) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        shards = self.client.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]["Shards"]
        for shard in shards:
            sid = shard["ShardId"]
            where = ({"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": self._after[sid]}
                     if sid in self._after else {"ShardIteratorType": "TRIM_HORIZON"})
            iterator = self.client.get_shard_iterator(StreamArn=self.stream_arn, ShardId=sid, **where)["ShardIterator"]
            while iterator:
                page = self.client.get_records(ShardIterator=iterator, Limit=limit)
                if not page["Records"]:
                    break
                out.extend(page["Records"])
                self._after[sid] = page["Records"][-1]["dynamodb"]["SequenceNumber"]
                iterator = page.get("NextShardIterator")
        return out

    def events(self, batch_size: int = 25) -> list[dict[str, Any]]:
        """What was written since the last read, as Lambda events of at most ``batch_size`` records."""
        records = self.read()
        return [event_of(records[i:i + batch_size]) for i in range(0, len(records), batch_size)]
