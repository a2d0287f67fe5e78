"""SES mailer: sends one rendered email; knows nothing of templates or files."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from ..config import Settings
from ..domain.feedback import TAG


class MailerError(Exception):
    """Sending failed. ``permanent`` when retrying cannot help (address rejected)."""

    def __init__(self, message: str, permanent: bool = False, throttled: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.throttled = throttled  # SES refused for the rate: nothing was accepted, a retry soon is safe


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    text: str
    html: str
    tag: str | None = None  # the outbox row, as an SES message tag (domain/feedback.py tag_value)


class Mailer(Protocol):
    def send(self, email: Email) -> str: ...


PERMANENT_CODES = {"MessageRejected", "InvalidParameterValue"}
THROTTLING_CODES = {"Throttling", "ThrottlingException", "TooManyRequestsException"}

# One attempt per send, bounded by CONNECT + READ seconds. SES takes no idempotency key: botocore's
# own retry after a read timeout re-sends what SES may already have accepted (three copies were
# measured when SES answered after 11 s), so retries belong to the outbox, which records each attempt
# and claims its row with a lease longer than this (tests/unit/test_delivery_bounds.py). No request
# waits on SES any more, so the read timeout can be long: a slow answer is an email sent once, where
# a timeout would have it sent again.
CONNECT_TIMEOUT, READ_TIMEOUT, ATTEMPTS = 3, 30, 1
CLIENT_CONFIG = Config(connect_timeout=CONNECT_TIMEOUT, read_timeout=READ_TIMEOUT,
                       retries={"total_max_attempts": ATTEMPTS, "mode": "standard"})


class SesMailer:
    def __init__(self, settings: Settings, client: Any | None = None) -> None:
        self._settings = settings
        self._client = client

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = boto3.client("ses", region_name=self._settings.region,
                                        endpoint_url=self._settings.ses_endpoint, config=CLIENT_CONFIG)
        return self._client

    def send(self, email: Email) -> str:
        kwargs: dict[str, Any] = {
            "Source": self._settings.sender,
            "Destination": {"ToAddresses": [email.to]},
            "Message": {
                "Subject": {"Data": email.subject, "Charset": "UTF-8"},
                "Body": {"Text": {"Data": email.text, "Charset": "UTF-8"},
                         "Html": {"Data": email.html, "Charset": "UTF-8"}},
            },
        }
        if self._settings.ses_configuration_set:
            kwargs["ConfigurationSetName"] = self._settings.ses_configuration_set
        if email.tag:
            kwargs["Tags"] = [{"Name": TAG, "Value": email.tag}]
        try:
            return str(self.client.send_email(**kwargs)["MessageId"])
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            # An unverified sender is a set-up fault that a later retry can survive.
            permanent = code in PERMANENT_CODES and "not verified" not in str(exc)
            raise MailerError(code or "ClientError", permanent=permanent, throttled=code in THROTTLING_CODES) from exc
        except BotoCoreError as exc:
            raise MailerError(type(exc).__name__) from exc
