"""SES's events about sent emails, from the configuration set's SNS topic (the ``on_ses_event`` function).

Each SNS message is one SES event (domain/feedback.py reads it). It is recorded on its email (the outbox
row the email's tag names) only over a lower-ranked status, so a duplicate or a late event changes
nothing. A permanent bounce or a complaint also puts the address on the suppression list (nothing more is
sent to it: services/notifications.py) and flags every file that still has that address, so staff see that
the applicant's address does not work and the applicant's status page asks them for another.

Every step is idempotent and conditional, so SNS's retries (and duplicates) are safe: the handler raises
only when storage fails, and Lambda retries the event (then the dead-letter queue, which alarms).
"""
from __future__ import annotations

import logging
from typing import Any

from ..domain import addresses, feedback, tokens
from ..domain.records import Suppression
from .deps import Deps

log = logging.getLogger(__name__)


def record(deps: Deps, body: Any) -> dict[str, Any]:
    """One SNS message's body; says what it did (for the function's log and the tests)."""
    try:
        event = feedback.parse(body)
    except feedback.NotAnEvent as exc:
        log.info("SES notification passed over", extra={"reason": str(exc)})
        return {"recorded": False, "reason": "not an event"}
    row = deps.store.outbox.get(event.message_id) if event.message_id else None
    if row is None:
        # An email sent before emails were tagged, or by something else through this configuration set.
        log.info("SES event for no known email", extra={"ses_message_id": event.ses_message_id,
                                                         "status": event.status})
        return {"recorded": False, "reason": "unknown email"}
    changed = deps.store.outbox.record_feedback(row.message_id, event.status, event.rank, event.at, event.detail)
    outcome: dict[str, Any] = {"recorded": changed, "status": event.status, "message_id": row.message_id,
                               "suppressed": False, "files_flagged": 0}
    problem = feedback.problem_for(event)
    if problem is not None:
        outcome.update(_suppress(deps, row.message_id, row.to_address, event, problem))
    log.info("SES event recorded", extra={"message_id": row.message_id, "status": event.status,
                                          "changed": changed, "suppressed": outcome["suppressed"]})
    return outcome


def _suppress(deps: Deps, message_id: str, address: str, event: feedback.DeliveryEvent,
              problem: dict[str, str]) -> dict[str, Any]:
    """The row's own address (never one read from the event: only our addresses are listed or flagged). A complaint
    lists the mailbox (every variant of the address), a permanent bounce the address itself; the files flagged
    are those with this very address."""
    key = tokens.email_key(address)
    listed = addresses.suppression_key(address, complained=event.status == feedback.COMPLAINED)
    deps.store.suppression.add(Suppression(listed, event.status, event.at, message_id))
    flagged = sum(deps.store.files.flag_email_problem(app_id, key, problem)
                  for app_id in deps.store.files.ids_for_email(key))
    return {"suppressed": True, "files_flagged": flagged}
