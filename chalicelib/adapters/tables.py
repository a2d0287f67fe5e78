"""Create the tables (local run and tests; AWS gets them from infra/)."""
from __future__ import annotations

from functools import lru_cache
from typing import Any

import boto3

from ..config import Settings
from .models import ALL_MODELS, AuditModel, IdempotencyModel, OutboxModel

# The rows of these tables that carry the attribute expire (drafts, sessions, counters; a staff lockout's audit row).
TTL = {IdempotencyModel: "expires_at", AuditModel: "expires_at"}
# The outbox's stream feeds the delivery function (infra/template.yaml has the same specification).
STREAMS = {OutboxModel: "NEW_IMAGE"}


@lru_cache(maxsize=None)
def _client(service: str, region: str, endpoint: str | None) -> Any:
    return boto3.client(service, region_name=region, endpoint_url=endpoint)  # built once: ~0.2 s each


def create_all(settings: Settings) -> list[str]:
    created = []
    for model in ALL_MODELS:
        if not model.exists():
            model.create_table(wait=True, billing_mode="PAY_PER_REQUEST")
            created.append(model.Meta.table_name)
    client = _client("dynamodb", settings.region, settings.dynamodb_endpoint)
    for model, attr in TTL.items():
        client.update_time_to_live(TableName=model.Meta.table_name,
                                   TimeToLiveSpecification={"Enabled": True, "AttributeName": attr})
    for model, view in STREAMS.items():
        if model.Meta.table_name in created:
            client.update_table(TableName=model.Meta.table_name,
                                StreamSpecification={"StreamEnabled": True, "StreamViewType": view})
    return created


def stream_arn(settings: Settings, model: Any = OutboxModel) -> str:
    """The table's latest stream (the local poller and the tests read it off moto)."""
    client = _client("dynamodb", settings.region, settings.dynamodb_endpoint)
    return str(client.describe_table(TableName=model.Meta.table_name)["Table"]["LatestStreamArn"])


def verify_sender(settings: Settings) -> None:
    """SES refuses unverified senders; locally we verify the configured one."""
    ses = _client("ses", settings.region, settings.ses_endpoint)
    ses.verify_email_identity(EmailAddress=settings.sender)


def create_documents_bucket(settings: Settings) -> bool:
    """The documents' bucket, private and versioned like the template's (the KMS key is AWS's: moto's S3 does not
    encrypt). True when it was created; an existing one (a second run against the same emulator) is kept."""
    s3 = _client("s3", settings.region, settings.s3_endpoint)
    names = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    if settings.bucket in names:
        return False
    s3.create_bucket(Bucket=settings.bucket, CreateBucketConfiguration={"LocationConstraint": settings.region})
    s3.put_public_access_block(Bucket=settings.bucket, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    s3.put_bucket_versioning(Bucket=settings.bucket, VersioningConfiguration={"Status": "Enabled"})
    return True
