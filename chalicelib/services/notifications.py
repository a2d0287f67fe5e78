"""The email outbox: rows written with the change that caused them, sent after.

A row's id is derived from its event (``<file>:<version>:<recipient>``), so a
retried change can never create a second email. No request calls SES: a request
writes its rows in its own transaction (due at once) and answers. The outbox
table's stream feeds ``deliver_stream`` (the ``deliver_emails`` function), which
sends each new row within seconds; the scheduled job (``deliver_pending``) retries
with backoff what the stream did not deliver. An SES failure never touches the change.

Who may send a row, and when (so that no two senders send the same attempt): only
a worker that has claimed it, with a conditional update on its status and attempts
as read that moves it ``LEASE`` ahead. A claim outlasts its one SES attempt (the SES
client makes one try, bounded by its timeouts in adapters/mailer.py; the functions'
Lambda timeouts in .chalice/config.json; tests/unit/test_delivery_bounds.py keeps both).
SES takes no idempotency key, so one window remains: SES accepts an email and the
process dies before the row is marked sent. That email goes out once more after the
lease (at least once, not exactly once); every other path, an SES outage shorter than
``GIVE_UP_AFTER`` and throttling included, sends each email once.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, Callable

from ..adapters.mailer import Email, MailerError
from ..adapters.stream import stream_record
from ..domain import addresses, drafts, email_change, emails, feedback, links, reminders, tokens
from ..domain.i18n import pick
from ..domain.limits import Counter
from ..domain.localtime import shown_day
from ..domain.missions import Mission, contact_for
from ..domain.records import OutboxMessage
from ..domain.workflow import Stage, load_workflow
from .deps import Deps, iso, parse_iso
from .ports import ConditionFailed

log = logging.getLogger(__name__)

# A transient failure is retried (1, 2, 4 ... minutes, then hourly) for this long after
# the change; only then, or when SES rejects the address, is the email failed for good
# (coordinators see it and may requeue it). An SES outage shorter than this loses nothing.
GIVE_UP_AFTER = timedelta(days=3)
MAX_BACKOFF = timedelta(hours=1)
LEASE = timedelta(minutes=5)
# The job stops claiming rows once it has run this long (its Lambda timeout is 300 s,
# and one attempt takes at most a minute), and after this many transient failures in a
# row (SES is down: the rest wait for the next run instead of each timing out now).
JOB_BUDGET = timedelta(minutes=3)
JOB_FAILURES_BEFORE_PAUSE = 3


# An outbox row that stands for one new-link request (no email of its own): its delivery writes the link
# emails of the address's files, at most one per file per window.
ACCESS_REQUEST = "access_request"
LINK_WINDOW_MINUTES = 10


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 ... minutes after attempt ``attempts``, then hourly."""
    return min(timedelta(minutes=2 ** min(max(attempts - 1, 0), 20)), MAX_BACKOFF)


def _gave_up(row: OutboxMessage, now: datetime) -> bool:
    """Its retry window is spent: GIVE_UP_AFTER since it was written, or since a coordinator queued it again."""
    start = row.requeued_at or row.created_at
    return not start or now - parse_iso(start) >= GIVE_UP_AFTER


def message_id(application_id: str, version: int, recipient: str) -> str:
    return f"{application_id}:{version}:{recipient}"


def carries_link(row: OutboxMessage) -> bool:
    """Every email to the applicant brings a fresh private link (tokens expire 90 days after issue)."""
    return row.recipient == "applicant" and emails.carries_private_link(row.template)


def new_message(deps: Deps, message_id: str, application_id: str, template: str, recipient: str, to_address: str,
                language: str, params: dict[str, Any]) -> OutboxMessage:
    now = deps.clock()
    return OutboxMessage(message_id=message_id, application_id=application_id, template=template, recipient=recipient,
                         to_address=to_address, language=language, params=params, created_at=iso(now),
                         status="pending", attempts=0, due_at=iso(now))


def send_counted(deps: Deps, counter: Counter, row: OutboxMessage) -> bool:
    """One email whose sending a per-mailbox limit counts: the counter and the outbox row in one transaction, so a
    burst cannot pass the limit and a refused request counts and sends nothing. False when the limit refused it."""
    uow = deps.store.unit_of_work()
    uow.count_within(counter)
    uow.add_outbox(row)
    try:
        uow.commit()
    except ConditionFailed:
        return False
    return True


def staff_message(deps: Deps, message_id: str, subject_id: str, template: str, recipient: str, to_address: str,
                  language: str, extra: dict[str, Any]) -> OutboxMessage:
    """A notice to staff (IRSS or a coordinator) about the roster: no private link; ``extra`` holds the values
    its template shows beyond the common ones (emails.EXTRA_PARAMS), rendered in its language when sent."""
    params = {"mission_id": extra.pop("mission_id", None), "police_service": extra.pop("police_service", None),
              "extra": extra}
    return new_message(deps, message_id, subject_id, template, recipient, to_address, language, params)


def outbox_rows(deps: Deps, *, application_id: str, version: int, stage: str, language: str, to_address: str,
                mission: Mission, police_service: str | None, reason_code: str | None = None,
                by_role: str | None = None) -> list[OutboxMessage]:
    """The applicant's email for entering ``stage``, and the coordinator's where the workflow calls for one.

    Which template a stage sends is the workflow table's (``Workflow.email_template``: the reason's, the one for
    the role that made the move, ``by_role``, or the stage's): the one rule, for submissions and moves alike.
    """
    wf = load_workflow()
    params: dict[str, Any] = {"mission_id": mission.mission_id, "stage": stage, "pathway": wf.pathway_of(mission).name,
                              "police_service": police_service}
    if reason_code is not None:
        params["reason_code"] = reason_code
    rows = [new_message(deps, message_id(application_id, version, "applicant"), application_id,
                        wf.email_template(stage, reason_code, by_role), "applicant", to_address, language, params)]
    # The file's contact (domain/missions.contact_for): its coordinator, the RCMP's advisor or office, or IRSS.
    contact = contact_for(police_service, mission.mission_id)
    if wf.notifies_coordinator(stage):
        rows.append(new_message(deps, message_id(application_id, version, "coordinator"), application_id,
                                f"coordinator_{stage}", "coordinator", contact.email, contact.language or language,
                                params))
    return rows


def _mission_name(deps: Deps, mission_id: str, lang: str) -> str:
    try:
        m = deps.store.catalogue.mission(mission_id)
    except ValueError:  # an unreadable row: the email still goes, with the identifier
        m = None
    return pick(m.name, lang) if m else mission_id


def _stage_of(row: OutboxMessage) -> Stage | None:
    """The stage an email announces, with its pathway's next step (a row written before pathways: the shared one)."""
    wf, name = load_workflow(), str(row.params.get("stage", ""))
    path = wf.pathways.get(str(row.params.get("pathway", "")))
    if path is not None and path.current(name) in path.stages:
        return path.stage(name)
    return wf.stages.get(name)


def _temporary_password(deps: Deps, raw: dict[str, Any], lang: str) -> str:
    """Sealed in the row until sent (services/staff_accounts.py), then dropped from it."""
    from .staff_accounts import SEALED, unseal_password

    return unseal_password(deps.settings.token_secret, str(raw.get(SEALED, "")))


# The days an email names (stored as YYYY-MM-DD): « 1er mars 2027 », "March 1, 2027" (domain/localtime.py).
DAY_VALUES = frozenset({"planned_end", "expiry", "since"})

# A staff account's email (services/staff_accounts.py): values derived when it is sent.
_STAFF_VALUES: dict[str, Callable[[Deps, dict[str, Any], str], str]] = {
    "temporary_password": _temporary_password,
    "role": lambda deps, raw, lang: pick(emails.ROLE_LABELS.get(str(raw.get("role", "")), {"en": ""}), lang),
    "console_url": lambda deps, raw, lang: links.console_url(deps.settings.base_url, lang),
}


def _extra(deps: Deps, row: OutboxMessage, lang: str) -> dict[str, Any]:
    """The values a template shows beyond the common ones (emails.EXTRA_PARAMS), in the email's language."""
    wanted, raw = emails.EXTRA_PARAMS.get(row.template, ()), dict(row.params.get("extra") or {})
    out: dict[str, Any] = {}
    for name in wanted:
        if name == "return_reason":
            rule = load_workflow().reason_rule("returned")
            code = rule.codes.get(str(row.params.get("reason_code"))) if rule else None
            out[name] = pick(code.label, lang).lower() if code else ""
        elif name == "cap":
            cap = deps.store.catalogue.cap(str(raw.get("cap_id", "")))
            out[name] = pick(cap.name, lang) if cap else str(raw.get("cap_id", ""))
        elif name == "candidate":
            out[name] = raw.get("candidate") or pick(emails.NO_CANDIDATE, lang)
        elif name == "confirm_url":  # derived when sent: the outbox holds no code (domain/email_change.py)
            confirm = email_change.code(deps.settings.token_secret, row.application_id, row.to_address,
                                        str(raw.get("requested_at", "")))
            out[name] = links.email_change_url(deps.settings.base_url, lang, row.application_id, confirm)
        elif name == "draft_url":  # derived when sent: the outbox holds no token (domain/drafts.py)
            issued = parse_iso(str(raw.get("issued_at", "")))
            token = drafts.link_token(deps.settings.token_secret, row.application_id, issued, int(raw.get("number", 0)))
            out[name] = links.draft_url(deps.settings.base_url, lang, row.application_id, token)
        elif name == "qualification":
            label = reminders.rules().qualification_labels.get(str(raw.get("qualification", "")))
            out[name] = pick(label, lang) if label else str(raw.get("qualification", ""))
        elif name in _STAFF_VALUES:
            out[name] = _STAFF_VALUES[name](deps, raw, lang)
        elif name in raw:  # a day is stored ISO 8601, shown as people write it
            out[name] = shown_day(raw[name], lang) if name in DAY_VALUES else raw[name]
    return out


def compose(deps: Deps, row: OutboxMessage, token: str | None = None, mission_name: str | None = None) -> Email:
    """Render a row; an applicant's email carries ``token`` in its private link (the caller mints and stores it)."""
    lang, base = row.language, deps.settings.base_url
    stage = _stage_of(row)
    params: dict[str, Any] = {
        "reference": emails.reference(row.application_id),
        "mission": mission_name or _mission_name(deps, str(row.params.get("mission_id", "")), lang),
        "stage_label": pick(stage.label, lang) if stage else "",
        "next_step": pick(contact_for(row.params.get("police_service"), row.params.get("mission_id"))
                          .next_step(stage.name, stage.next_step), lang)
        if stage else "",
        "status_url": links.status_url(base, lang, row.application_id),
        "access_url": links.access_url(base, lang),
    }
    if token is not None and emails.carries_private_link(row.template):
        params["link_url"] = links.token_link(base, lang, row.application_id, token)
    params.update(_extra(deps, row, lang))
    subject, text, html = emails.render(row.template, lang, params)
    # The tag names the row in SES's events (services/feedback.py reads it back): no lookup by SES id.
    return Email(to=addresses.for_sending(row.to_address), subject=subject, text=text, html=html, tag=feedback.tag_value(row.message_id))


def attempt(deps: Deps, row: OutboxMessage, attempts: int, token: str | None = None,
            mission_name: str | None = None, known_hashes: tuple[str, ...] | None = None) -> bool:
    """Attempt number ``attempts`` of a row; records the outcome. Never raises for a mail failure.

    An applicant's email without ``token`` (a stage email, or any retry: the outbox never stores
    a token) gets a fresh token, stored only once SES has accepted the email, so failed attempts
    never retire the applicant's earlier links.
    """
    return attempt_outcome(deps, row, attempts, token, mission_name, known_hashes) == "sent"


def expand_access_request(deps: Deps, row: OutboxMessage, attempts: int) -> str:
    """A new-link request's delivery: a link email for each file of the address, at most one per file per
    ``LINK_WINDOW_MINUTES`` (its id names the window, so a second request in it writes nothing), then the
    request is done. The request itself did no lookup (services/applicant.request_links)."""
    now = deps.clock()
    window = now.replace(second=0, microsecond=0)
    window -= timedelta(minutes=window.minute % LINK_WINDOW_MINUTES)
    written = 0
    for app_id in deps.store.files.ids_for_email(tokens.email_key(row.to_address)):
        file = deps.store.files.get(app_id)
        if file is None:
            continue
        link = new_message(deps, f"{app_id}:link:{iso(window)}", app_id, emails.ACCESS_LINK, "applicant", file.email,
                           file.language, {"mission_id": file.mission_id, "stage": file.stage})
        written += deps.store.outbox.add_once(link)  # delivered like every new row
    # The request row is done: "sent" with no SES id of its own (it names how many emails it wrote).
    deps.store.outbox.mark_sent(row.message_id, f"expanded:{written}", iso(now), attempts)
    return "sent"


def attempt_outcome(deps: Deps, row: OutboxMessage, attempts: int, token: str | None = None,
                    mission_name: str | None = None, known_hashes: tuple[str, ...] | None = None) -> str:
    """``attempt``, saying how it ended: "sent", "failed" or "throttled" (will be retried), "rejected" (for good),
    "suppressed" (not sent: the address is on the suppression list)."""
    if row.template == ACCESS_REQUEST:
        return expand_access_request(deps, row, attempts)
    if _suppressed(deps, row):
        deps.store.outbox.mark_suppressed(row.message_id, deps.now(), attempts)
        _forget_secret(deps, row)
        log.info("email suppressed", extra={"message_id": row.message_id, "template": row.template})
        return "suppressed"
    fresh = tokens.new_token(deps.clock()) if carries_link(row) and token is None else None
    try:
        ses_id = deps.mailer.send(compose(deps, row, token or fresh, mission_name))
    except MailerError as exc:
        if _failed(deps, row, attempts, str(exc), exc.permanent):
            return "rejected"
        return "throttled" if exc.throttled else "failed"
    if fresh is not None:
        deps.store.files.add_token_hash(row.application_id, tokens.token_hash(fresh), tokens.MAX_ACTIVE_TOKENS,
                                        known=known_hashes)
    deps.store.outbox.mark_sent(row.message_id, ses_id, deps.now(), attempts)
    _forget_secret(deps, row)
    return "sent"


def _forget_secret(deps: Deps, row: OutboxMessage) -> None:
    """An invitation's sealed temporary password leaves the row once the row is done (sent, or never to be)."""
    if "sealed_password" in (row.params.get("extra") or {}):
        deps.store.outbox.forget_param(row.message_id, "sealed_password")


def is_suppressed(deps: Deps, address: str) -> bool:
    """The address bounced for good, or its mailbox complained (services/feedback.py): nothing more goes to it.
    Every email is checked, a confirmation of a change of address too (a complained address is never mailed
    again, whoever asks; domain/addresses.suppression_key)."""
    return any(deps.store.suppression.get(k) is not None for k in addresses.suppression_keys(address))


def _suppressed(deps: Deps, row: OutboxMessage) -> bool:
    return is_suppressed(deps, row.to_address)


def _failed(deps: Deps, row: OutboxMessage, attempts: int, error: str, permanent: bool) -> bool:
    """Record a failed attempt; True when the email is failed for good."""
    final = permanent or _gave_up(row, deps.clock())
    due = None if final else iso(deps.clock() + backoff(attempts))
    deps.store.outbox.mark_attempt_failed(row.message_id, error, due, attempts)
    if final:
        _forget_secret(deps, row)
    log.warning("email attempt failed", extra={"message_id": row.message_id, "attempts": attempts,
                                               "error": error, "final": final})
    return final


def deliver_pending(deps: Deps, limit: int = 100) -> dict[str, int]:
    """The scheduled job: claim each due row, try it once. Returns counts.

    One row's crash (a template or data fault) is recorded on that row and never stops the
    others; the run pauses when SES keeps failing or its time budget is spent, and the rows
    it did not reach stay due for the next run.
    """
    return _deliver(deps, deps.store.outbox.due(iso(deps.clock()), limit))


def deliver_written(deps: Deps, rows: list[OutboxMessage]) -> dict[str, int]:
    """A job's own rows, just written: each claimed, then tried once, as the retry job does.

    The stream sees these rows too: each is claimed first, so whoever claims it sends it.
    What SES refuses, or what the run's budget leaves, stays pending for ``retry_emails``.
    """
    return _deliver(deps, rows)


def _deliver(deps: Deps, rows: list[OutboxMessage]) -> dict[str, int]:
    start = now = deps.clock()
    counts = {"due": 0, "sent": 0, "failed": 0, "skipped": 0, "crashed": 0, "deferred": 0, "suppressed": 0}
    failures_in_a_row = 0
    for row in rows:
        counts["due"] += 1
        if failures_in_a_row >= JOB_FAILURES_BEFORE_PAUSE or deps.clock() - start >= JOB_BUDGET:
            counts["deferred"] += 1
            continue
        outcome = _try_claimed(deps, row, iso(now + LEASE))
        counts["failed" if outcome in ("rejected", "throttled") else outcome] += 1
        # Only transient failures say SES is down; a rejected address says nothing of the rest.
        if outcome in ("failed", "throttled", "crashed"):
            failures_in_a_row += 1
        elif outcome != "rejected":
            failures_in_a_row = 0
    return counts


def _try_claimed(deps: Deps, row: OutboxMessage, lease_until: str) -> str:
    """"sent", "failed", "throttled", "rejected", "crashed" or "skipped" (another worker holds the row)."""
    claimed: OutboxMessage | None = None
    try:
        claimed = deps.store.outbox.claim(row, lease_until)
        if claimed is None:
            return "skipped"
        return attempt_outcome(deps, claimed, claimed.attempts)
    except Exception as exc:  # noqa: BLE001 - one bad row must not stop the others
        log.exception("email attempt crashed", extra={"message_id": row.message_id})
        try:
            _failed(deps, row, (claimed or row).attempts, type(exc).__name__, permanent=False)
        except Exception:  # noqa: BLE001 - the lease expires and the next run tries again
            log.exception("could not record the crash", extra={"message_id": row.message_id})
        return "crashed"


# --- the stream: new rows, sent within seconds --------------------------------------------------

# The stream function stops starting sends after this (its Lambda timeout is 180 s: the budget, a
# throttling pause and one attempt fit); what it leaves stays due for retry_emails.
STREAM_BUDGET = timedelta(seconds=60)
# A throttled row is tried again after 0.5, 1, 2, 4 ... s (at most 8 s) for this long, then left
# due (at its recorded backoff) for the job.
THROTTLE_RETRY_FOR = timedelta(seconds=30)
THROTTLE_FIRST_WAIT, THROTTLE_MAX_WAIT = 0.5, 8.0


class Pacer:
    """At most ``rate`` sends a second from this process. The function runs with reserved
    concurrency 1, so this pace is the stream's whole pace (kept under the account's SES rate)."""

    def __init__(self, rate: float, sleep: Callable[[float], None] = time.sleep,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.sleep, self.monotonic = sleep, monotonic
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = self.monotonic()
            if self._next > now:
                self.sleep(self._next - now)
                now = self._next
            self._next = now + self.interval


_pacers: dict[float, Pacer] = {}


def pacer_for(rate: float) -> Pacer:
    """One pacer per process and rate: the pace holds across the invocations of a warm function."""
    return _pacers.setdefault(rate, Pacer(rate))


def deliver_stream(deps: Deps, event: dict[str, Any], pacer: Pacer | None = None) -> dict[str, Any]:
    """The outbox stream's batch: send each new pending row (an INSERT, or a MODIFY that requeued a
    failed row: pending with no attempt yet); every other change (a claim, a mark) is passed over.

    Each row is claimed (conditional on its status and attempts, moved ``LEASE`` ahead), tried once,
    and throttling answers are tried again after a pause for ``THROTTLE_RETRY_FOR``. Returns the
    partial batch failures (``ReportBatchItemFailures``): the records whose row could not be claimed
    or recorded, so Lambda retries those and one bad row never holds back the others.
    """
    pacer = pacer or pacer_for(deps.settings.ses_rate)
    failures: list[dict[str, str]] = []
    started = pacer.monotonic()
    for raw in event.get("Records") or []:
        sequence_number = str((raw.get("dynamodb") or {}).get("SequenceNumber", ""))
        try:
            record = stream_record(raw)
            if record.message is None or not _is_new(record.message):
                continue
            if pacer.monotonic() - started >= STREAM_BUDGET.total_seconds():
                continue  # due now: the job sends it
            if _deliver_new(deps, record.message, pacer) == "crashed":
                failures.append({"itemIdentifier": sequence_number})
        except Exception:  # noqa: BLE001 - an unreadable record must not stop the others
            log.exception("stream record not delivered", extra={"sequence_number": sequence_number})
            failures.append({"itemIdentifier": sequence_number})
    return {"batchItemFailures": failures}


def _is_new(row: OutboxMessage) -> bool:
    return row.status == "pending" and row.attempts == 0


def _deliver_new(deps: Deps, row: OutboxMessage, pacer: Pacer) -> str:
    """One row: claimed and tried; tried again (claimed again) while SES answers with throttling."""
    wait, give_up = THROTTLE_FIRST_WAIT, pacer.monotonic() + THROTTLE_RETRY_FOR.total_seconds()
    while True:
        pacer.wait()
        outcome = _try_claimed(deps, row, iso(deps.clock() + LEASE))
        if outcome != "throttled" or pacer.monotonic() + wait > give_up:
            return outcome
        pacer.sleep(wait)
        wait = min(wait * 2, THROTTLE_MAX_WAIT)
        # The throttled attempt is recorded (attempts + 1, due at its backoff for the job); claim it again.
        row = replace(row, attempts=row.attempts + 1)

