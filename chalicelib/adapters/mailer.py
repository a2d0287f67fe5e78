"""SES mailer: sends one rendered email; knows nothing of templates or files."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from ..config import Settings


class MailerError(Exception):
    """Sending failed. ``permanent`` when retrying cannot help (address rejected)."""

    def __init__(self, message: str, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    text: str
    html: str


class Mailer(Protocol):
    def send(self, email: Email) -> str: ...


PERMANENT_CODES = {"MessageRejected", "InvalidParameterValue"}

# Every send is bounded: at most ATTEMPTS tries of CONNECT + READ seconds each (about 30 s),
# well inside the outbox's IMMEDIATE_GRACE, so a request's own attempt has always ended
# before the retry job may take its row (tests/unit/test_delivery_bounds.py).
CONNECT_TIMEOUT, READ_TIMEOUT, ATTEMPTS = 3, 10, 2
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
        try:
            return str(self.client.send_email(**kwargs)["MessageId"])
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            # An unverified sender is a set-up fault that a later retry can survive.
            permanent = code in PERMANENT_CODES and "not verified" not in str(exc)
            raise MailerError(code or "ClientError", permanent=permanent) from exc
        except BotoCoreError as exc:
            raise MailerError(type(exc).__name__) from exc
