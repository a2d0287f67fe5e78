"""Every environment variable the service reads, read here and only here.

Table names, the sender address and the region come from the environment
(set per stage in ``.chalice/config.json``), never from code.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Settings:
    stage: str
    region: str
    table_prefix: str
    sender: str
    base_url: str
    token_secret: str
    dynamodb_endpoint: str | None
    ses_endpoint: str | None
    cognito_endpoint: str | None
    cognito_user_pool_id: str
    cognito_client_id: str
    cognito_region: str
    ses_configuration_set: str | None
    max_body_bytes: int
    page_size: int
    # Emails a second the stream's delivery function sends at most: under the account's SES rate
    # (a new production account: 14), per stage in .chalice/config.json.
    ses_rate: float = 10.0
    # Limits on abuse, per address (chalicelib/domain/limits.py): new files a day, new-link requests an hour.
    max_files_per_day: int = 3
    max_link_requests_per_hour: int = 5
    # "Before the Mission" sent to one mailbox a day at most this often (services/guide_requests.py).
    max_guide_requests_per_day: int = 2
    # The applicants' documents (chalicelib/domain/documents.py): the bucket, and an S3 endpoint for a local
    # emulator (scripts/dev: moto's server; None: AWS's own).
    documents_bucket: str = ""
    s3_endpoint: str | None = None

    @property
    def bucket(self) -> str:
        """The documents' bucket: set per stage by the template, else named after the tables' prefix."""
        return self.documents_bucket or f"{self.table_prefix}-documents"

    def table(self, name: str) -> str:
        """Physical table name for a logical one, e.g. ``applications``."""
        return f"{self.table_prefix}-{name}"


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


DEFAULT_SECRET = "local-development-secret-not-for-production"
# Stages where the built-in development secret is acceptable.
SECRET_OPTIONAL_STAGES = ("local", "test")


class ConfigurationError(RuntimeError):
    """The deployment is missing a setting it must have."""


# HMAC-SHA256 keys (file tokens, CSRF, cursors) are derived from the secret: fewer than 32 bytes
# is fewer than the 256 bits every derived key claims.
MIN_SECRET_BYTES = 32


def require_production_ready(settings: "Settings") -> None:
    """Refuse to serve a deployed stage with the development token secret or a short one."""
    if settings.stage in SECRET_OPTIONAL_STAGES:
        return
    if settings.token_secret == DEFAULT_SECRET:
        raise ConfigurationError("PEACEOPS_TOKEN_SECRET must be set for stage " + settings.stage)
    if len(settings.token_secret.encode("utf-8")) < MIN_SECRET_BYTES:
        raise ConfigurationError(f"PEACEOPS_TOKEN_SECRET must be at least {MIN_SECRET_BYTES} bytes for stage "
                                 + settings.stage)


def outbox_stream_arn() -> str:
    """The outbox stream the delivery function reads, as Chalice needs it at import (a string).

    The packaged template replaces it with the table's own ``StreamArn`` (infra/template.yaml); locally
    and in tests the stream is read off moto (scripts/local.py, tests/integration/conftest.py), so
    this placeholder, named after the stage's table, is all they need.
    """
    prefix = _env("PEACEOPS_TABLE_PREFIX", "peaceops-dev") or "peaceops-dev"
    return _env("PEACEOPS_OUTBOX_STREAM_ARN") or (
        f"arn:aws:dynamodb:ca-central-1:000000000000:table/{prefix}-outbox/stream/set-by-the-template")


def ses_events_topic() -> str:
    """The SNS topic the configuration set publishes SES's events to, as Chalice needs it at import.

    The packaged template replaces it with the stack's own topic (infra/template.yaml SesEventsTopic);
    tests feed the handler SNS events built by Chalice's test client (tests/integration/test_feedback.py).
    """
    prefix = _env("PEACEOPS_TABLE_PREFIX", "peaceops-dev") or "peaceops-dev"
    return _env("PEACEOPS_SES_EVENTS_TOPIC") or f"arn:aws:sns:ca-central-1:000000000000:{prefix}-ses-events"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    region = _env("AWS_DEFAULT_REGION", _env("AWS_REGION", "ca-central-1")) or "ca-central-1"
    return Settings(
        stage=_env("PEACEOPS_STAGE", "dev") or "dev",
        region=region,
        table_prefix=_env("PEACEOPS_TABLE_PREFIX", "peaceops-dev") or "peaceops-dev",
        sender=_env("PEACEOPS_SENDER", "no-reply@peaceops.example.ca") or "",
        base_url=(_env("PEACEOPS_BASE_URL", "http://127.0.0.1:8000") or "").rstrip("/"),
        token_secret=_env("PEACEOPS_TOKEN_SECRET", DEFAULT_SECRET) or "",
        dynamodb_endpoint=_env("PEACEOPS_DYNAMODB_ENDPOINT"),
        ses_endpoint=_env("PEACEOPS_SES_ENDPOINT"),
        cognito_endpoint=_env("PEACEOPS_COGNITO_ENDPOINT"),
        cognito_user_pool_id=_env("PEACEOPS_COGNITO_USER_POOL_ID", "") or "",
        cognito_client_id=_env("PEACEOPS_COGNITO_CLIENT_ID", "") or "",
        cognito_region=_env("PEACEOPS_COGNITO_REGION", region) or region,
        ses_configuration_set=_env("PEACEOPS_SES_CONFIGURATION_SET"),
        max_body_bytes=int(_env("PEACEOPS_MAX_BODY_BYTES", "65536") or 65536),
        page_size=int(_env("PEACEOPS_PAGE_SIZE", "25") or 25),
        ses_rate=float(_env("PEACEOPS_SES_RATE", "10") or 10),
        max_files_per_day=int(_env("PEACEOPS_MAX_FILES_PER_DAY", "3") or 3),
        max_link_requests_per_hour=int(_env("PEACEOPS_MAX_LINK_REQUESTS_PER_HOUR", "5") or 5),
        max_guide_requests_per_day=int(_env("PEACEOPS_MAX_GUIDE_REQUESTS_PER_DAY", "2") or 2),
        documents_bucket=_env("PEACEOPS_DOCUMENTS_BUCKET", "") or "",
        s3_endpoint=_env("PEACEOPS_S3_ENDPOINT"),
    )
