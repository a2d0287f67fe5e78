"""What SES says happened to an email after it accepted it (issue 13, feedback from SES).

The stage's configuration set publishes its delivery, bounce, complaint and reject events to an
SNS topic (infra/template.yaml); each SNS message's body is one SES event, as SES documents it:
https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html
(identity notifications, the older format, say ``notificationType`` where events say ``eventType``:
both are read). Plain Python: parsing and the rules, no AWS.

The rules:
- an email's delivery status only moves up the ranks below, so a duplicate event, or one that
  arrives after a later one (SNS does not keep order), never undoes what a later event said;
- a permanent bounce or a complaint puts the address on the suppression list: nothing more is
  sent to it (the email is marked ``suppressed``) until the applicant gives another address.
  A transient bounce (mailbox full, a server down) is recorded and suppresses nothing.
"""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any, Mapping

# The message tag our emails carry (set by the mailer), whose value names the outbox row.
TAG = "peaceops_message"

DELIVERED, BOUNCED, COMPLAINED, REJECTED, SUPPRESSED = "delivered", "bounced", "complained", "rejected", "suppressed"
# A later event never lowers an email's status: a delivery is outranked by a bounce (an
# asynchronous bounce after SES's delivery), both by a complaint (the person said "spam").
RANK = {DELIVERED: 1, REJECTED: 2, BOUNCED: 2, COMPLAINED: 3}
EVENT_TYPES = {"Delivery": DELIVERED, "Bounce": BOUNCED, "Complaint": COMPLAINED, "Reject": REJECTED}
DETAIL_MAX = 300  # SES's diagnostic, as kept on the email (an SMTP answer, never the message)


class NotAnEvent(ValueError):
    """The SNS message is not an SES event we read (a subscription note, another event type)."""


@dataclass(frozen=True)
class DeliveryEvent:
    """One SES event about one email."""

    status: str  # delivered | bounced | complained | rejected
    ses_message_id: str
    message_id: str | None  # our outbox row, from the email's tag (None: an email sent without one)
    at: str  # when it happened, as SES says (ISO 8601)
    recipients: tuple[str, ...]  # the addresses it is about (bounced or complaining ones; all for a delivery)
    detail: str  # SES's diagnostic: bounce type and SMTP status, complaint type, reject reason
    suppress: bool  # the address must get nothing more

    @property
    def rank(self) -> int:
        return RANK[self.status]


def tag_value(message_id: str) -> str:
    """Our outbox id as an SES tag value (tag values allow only letters, digits, ``_`` and ``-``)."""
    return base64.urlsafe_b64encode(message_id.encode("utf-8")).decode("ascii").rstrip("=")


def message_id_of(tag: str) -> str | None:
    try:
        return base64.urlsafe_b64decode(tag + "=" * (-len(tag) % 4)).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None


def _addresses(items: Any, key: str = "emailAddress") -> tuple[str, ...]:
    found = []
    for item in items or []:
        value = item.get(key) if isinstance(item, Mapping) else item
        if isinstance(value, str) and value:
            found.append(value)
    return tuple(found)


def _clip(text: str) -> str:
    return " ".join(text.split())[:DETAIL_MAX]


def parse(body: str | Mapping[str, Any]) -> DeliveryEvent:
    """One SNS message's body (SES's JSON) as a ``DeliveryEvent``; ``NotAnEvent`` for anything else."""
    try:
        doc = json.loads(body) if isinstance(body, str) else dict(body)
    except (TypeError, ValueError) as exc:
        raise NotAnEvent("not JSON") from exc
    if not isinstance(doc, Mapping):
        raise NotAnEvent("not an object")
    kind = str(doc.get("eventType") or doc.get("notificationType") or "")
    status = EVENT_TYPES.get(kind)
    mail = doc.get("mail")
    if status is None or not isinstance(mail, Mapping) or not mail.get("messageId"):
        raise NotAnEvent(f"not an event we read: {kind!r}")
    raw_tags = mail.get("tags")
    tags: Mapping[str, Any] = raw_tags if isinstance(raw_tags, Mapping) else {}
    tag = next(iter(tags.get(TAG) or []), None)
    part = doc.get(kind[0].lower() + kind[1:]) or {}
    if not isinstance(part, Mapping):
        part = {}
    at = str(part.get("timestamp") or mail.get("timestamp") or "")
    suppress, recipients = False, _addresses(mail.get("destination"), key="")
    if status == DELIVERED:
        recipients = _addresses(part.get("recipients"), key="") or recipients
        detail = _clip(str(part.get("smtpResponse", "")))
    elif status == BOUNCED:
        bounced = [b for b in part.get("bouncedRecipients") or [] if isinstance(b, Mapping)]
        recipients = _addresses(bounced) or recipients
        kind_detail = f"{part.get('bounceType', '')}/{part.get('bounceSubType', '')}"
        codes = "; ".join(str(b.get("diagnosticCode") or b.get("status") or "") for b in bounced).strip("; ")
        detail = _clip(f"{kind_detail} {codes}".strip())
        suppress = part.get("bounceType") == "Permanent"
    elif status == COMPLAINED:
        recipients = _addresses(part.get("complainedRecipients")) or recipients
        detail = _clip(str(part.get("complaintFeedbackType") or "complaint"))
        suppress = True
    else:
        detail = _clip(str(part.get("reason", "")))
    return DeliveryEvent(status=status, ses_message_id=str(mail["messageId"]),
                         message_id=message_id_of(str(tag)) if tag else None, at=at,
                         recipients=recipients, detail=detail, suppress=suppress)


def problem_for(event: DeliveryEvent) -> dict[str, str] | None:
    """What the file records when its address stops working: None unless the event suppresses it."""
    if not event.suppress:
        return None
    return {"status": event.status, "at": event.at}
