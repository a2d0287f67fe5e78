"""The email outbox: rows written with the change that caused them, sent after.

A row's id is derived from its event (``<file>:<version>:<recipient>``), so a
retried change can never create a second email. Delivery is tried at once
after the change commits and again by the scheduled job with backoff; an SES
failure never touches the change itself.
"""
from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from ..adapters.mailer import Email, MailerError
from ..adapters.models import OutboxModel
from ..domain import emails, links, tokens
from ..domain.i18n import pick
from ..domain.missions import Mission, police_services
from ..domain.workflow import load_workflow
from .deps import Deps, iso

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
# Rows wait this long before the retry job may pick them, so the immediate
# attempt right after the change is never raced by the job.
IMMEDIATE_GRACE = timedelta(minutes=2)
LEASE = timedelta(minutes=5)
# Templates whose email carries a private link: the token is minted at send
# time (the outbox never stores a token).
LINK_TEMPLATES = {"submitted", "access_link"}


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 ... minutes, capped at 6 hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def message_id(application_id: str, version: int, recipient: str) -> str:
    return f"{application_id}:{version}:{recipient}"


def outbox_rows(deps: Deps, *, application_id: str, version: int, stage: str, template: str,
                language: str, to_address: str, mission: Mission, police_service: str | None,
                notify_coordinator: bool) -> list[OutboxModel]:
    """The applicant's email, and the coordinator's where the stage calls for one."""
    now = deps.clock()
    due = iso(now + IMMEDIATE_GRACE)
    params = {"mission_id": mission.mission_id, "stage": stage}
    rows = [OutboxModel(message_id(application_id, version, "applicant"), application_id=application_id,
                        template=template, recipient="applicant", to_address=to_address, language=language,
                        params=params, status="pending", attempts=0, queue="pending", due_at=due, created_at=iso(now))]
    service = police_services().get(police_service or "")
    if notify_coordinator and service:
        rows.append(OutboxModel(message_id(application_id, version, "coordinator"), application_id=application_id,
                                template=f"coordinator_{stage}", recipient="coordinator",
                                to_address=service["coordinator_email"], language=language, params=params,
                                status="pending", attempts=0, queue="pending", due_at=due, created_at=iso(now)))
    return rows


def _mission_name(deps: Deps, mission_id: str, lang: str) -> str:
    m = deps.repo.mission(mission_id)
    return pick(m.name, lang) if m else mission_id


def compose(deps: Deps, row: OutboxModel, token: str | None = None, mission_name: str | None = None) -> Email:
    """Render a row. Link templates get ``token`` or a freshly minted one."""
    lang, base = row.language, deps.settings.base_url
    stage = row.params.get("stage", "")
    wf = load_workflow()
    stage_def = wf.stages.get(stage, {})
    params: dict[str, Any] = {
        "reference": emails.reference(row.application_id),
        "mission": mission_name or _mission_name(deps, row.params.get("mission_id", ""), lang),
        "stage_label": pick(stage_def.get("label"), lang),
        "next_step": pick(stage_def.get("next_step"), lang),
        "status_url": links.status_url(base, lang, row.application_id),
        "access_url": links.access_url(base, lang),
    }
    if row.template in LINK_TEMPLATES:
        if token is None:
            token = tokens.new_token()
            deps.repo.add_token_hash(row.application_id, tokens.token_hash(token), tokens.MAX_ACTIVE_TOKENS)
        params["link_url"] = links.token_link(base, lang, row.application_id, token)
    subject, text, html = emails.render(row.template, lang, params)
    return Email(to=row.to_address, subject=subject, text=text, html=html)


def attempt(deps: Deps, row: OutboxModel, attempts: int, token: str | None = None,
            mission_name: str | None = None) -> bool:
    """Attempt number ``attempts`` of a row; records the outcome. Never raises for a mail failure."""
    try:
        ses_id = deps.mailer.send(compose(deps, row, token, mission_name))
    except MailerError as exc:
        final = exc.permanent or attempts >= MAX_ATTEMPTS
        due = None if final else iso(deps.clock() + backoff(attempts))
        deps.repo.mark_attempt_failed(row.message_id, str(exc), due, attempts)
        log.warning("email attempt failed", extra={"message_id": row.message_id, "attempts": attempts,
                                                   "error": str(exc), "final": final})
        return False
    deps.repo.mark_sent(row.message_id, ses_id, deps.now(), attempts)
    return True


def send_now(deps: Deps, rows: list[OutboxModel], token: str | None = None, mission_name: str | None = None) -> None:
    """Try the rows written by a change that has just committed."""
    for row in rows:
        try:
            attempt(deps, row, 1, token if row.recipient == "applicant" else None, mission_name)
        except Exception:  # noqa: BLE001 - the change is committed; the job will retry
            log.exception("immediate email attempt crashed", extra={"message_id": row.message_id})


def deliver_pending(deps: Deps, limit: int = 100) -> dict[str, int]:
    """The scheduled job: claim each due row, try it once. Returns counts."""
    now = deps.clock()
    counts = {"due": 0, "sent": 0, "failed": 0, "skipped": 0}
    for row in list(deps.repo.due_messages(iso(now), limit)):
        counts["due"] += 1
        if not deps.repo.claim_message(row, iso(now + LEASE)):
            counts["skipped"] += 1
            continue
        # Claiming counted this attempt on the row (the update refreshed it).
        if attempt(deps, row, int(row.attempts)):
            counts["sent"] += 1
        else:
            counts["failed"] += 1
    return counts
