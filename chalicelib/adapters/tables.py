"""Create the tables (local run and tests; AWS gets them from infra/)."""
from __future__ import annotations

import boto3

from ..config import Settings
from .models import ALL_MODELS, IdempotencyModel

TTL = {IdempotencyModel: "expires_at"}


def create_all(settings: Settings) -> list[str]:
    created = []
    for model in ALL_MODELS:
        if not model.exists():
            model.create_table(wait=True, billing_mode="PAY_PER_REQUEST")
            created.append(model.Meta.table_name)
    client = boto3.client("dynamodb", region_name=settings.region, endpoint_url=settings.dynamodb_endpoint)
    for model, attr in TTL.items():
        client.update_time_to_live(TableName=model.Meta.table_name,
                                   TimeToLiveSpecification={"Enabled": True, "AttributeName": attr})
    return created


def verify_sender(settings: Settings) -> None:
    """SES refuses unverified senders; locally we verify the configured one."""
    ses = boto3.client("ses", region_name=settings.region, endpoint_url=settings.ses_endpoint)
    ses.verify_email_identity(EmailAddress=settings.sender)
