"""The outbox table's DynamoDB stream records, as the domain's outbox rows.

Lambda hands the stream function records in DynamoDB's JSON (``NewImage``, the table's
``NEW_IMAGE`` view); tests and the local poller build the same shape from GetRecords.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..domain.records import OutboxMessage
from .dynamo import outbox_from_row, outbox_row
from .models import OutboxModel


@dataclass(frozen=True)
class StreamRecord:
    sequence_number: str
    event_name: str  # INSERT | MODIFY | REMOVE
    message: OutboxMessage | None  # the row as written (None for a REMOVE)


def stream_record(raw: dict[str, Any]) -> StreamRecord:
    """One record of a Lambda DynamoDB-stream event; raises if its image is not an outbox row."""
    body = raw.get("dynamodb") or {}
    image = body.get("NewImage")
    message = outbox_from_row(OutboxModel.from_raw_data(image)) if image else None
    if message is not None and None in (message.application_id, message.template, message.to_address, message.status):
        raise ValueError(f"not an outbox row: {sorted(image or {})}")
    return StreamRecord(str(body.get("SequenceNumber", "")), str(raw.get("eventName", "")), message)


def image_of(message: OutboxMessage) -> dict[str, Any]:
    """A row as its stream image (DynamoDB JSON): what the unit tests' in-memory stream carries."""
    return dict(outbox_row(message).serialize())


def event_of(records: list[dict[str, Any]]) -> dict[str, Any]:
    """GetRecords' records as the Lambda event the stream function receives (the same ``dynamodb`` body)."""
    return {"Records": [{"eventID": r.get("eventID", ""), "eventName": r["eventName"], "eventSource": "aws:dynamodb",
                         "awsRegion": r.get("awsRegion", ""), "dynamodb": r["dynamodb"]} for r in records]}
