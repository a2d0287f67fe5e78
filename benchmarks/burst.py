"""A bulletin's opening burst (issue 13): many valid submissions at once, then their emails, reconciled.

    .venv/bin/python -m benchmarks.run --only burst            # 1,000 submissions (--quick: 100)
    .venv/bin/python -m benchmarks.run --only burst --burst 300

In-process against moto, through the app's own HTTP routes (Chalice's local gateway, as its test client
uses), from ``clients`` threads at once. Two things are made to hold for threads:

- moto's tables are not thread-safe (a failed transaction restores a deep copy of the table, undoing what
  other threads wrote meanwhile), so moto's request handling is serialized by a lock: each AWS call is
  atomic, as in DynamoDB, while the app's threads race freely between their calls;
- Chalice keeps the request being handled on the app object (``app.current_request``), one per Lambda
  execution environment; here each client thread gets its own (a per-thread property), as each concurrent
  request in AWS has its own environment.

The latency model (benchmarks/latency.py) is on during the burst: each DynamoDB call sleeps 4 ms outside
moto's lock, so the threads' waits overlap as network waits do.

Then delivery is drained as tests/integration do it (``deliver_outbox``): the outbox stream's records are
read off moto's stream and handed, as Lambda events of 25 records, to the real ``app.deliver_emails``.
The 14/s pace is **modelled**: the function's own ``Pacer`` runs at the stage's ``PEACEOPS_SES_RATE`` on a
virtual clock that starts with the burst, each batch is handled no sooner than its last row was written
(its request answered, as measured in the burst), and each of the function's AWS calls moves the clock by
its modelled delay (DynamoDB 4 ms, SES 60 ms): one instance (reserved concurrency 1) sending one email
after another. Lambda's own polling delay on the stream is left out.

Reconciled: every 201 stored exactly once (a retry with its key answered with the same file), exactly one
confirmation and one coordinator email per file (subject and address as the templates and the routing
rule make them), none for a refused request, every outbox row sent.
"""
from __future__ import annotations

import json
import statistics
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Iterator
from unittest import mock

from benchmarks import latency

OFFICER_MISSIONS = ("haiti-minustah", "ukraine-euam", "iraq-mlt", "drc-monusco")
ANALYST_MISSION = "west-bank-proteus"  # the seeded call that takes civilian analysts
SERVICES = ("spvm", "opp", "sq", "tps", "rcmp", "vpd")
SES_RATE = 14.0  # a new SES production account's sending rate


@dataclass(frozen=True)
class Planned:
    """One valid submission; ``retry``: "together" (a second client sends it at the same moment, same key),
    "after" (sent again once answered, as a client that lost the answer), or None."""

    index: int
    email: str
    language: str
    track: str
    key: str | None
    retry: str | None
    body: dict[str, Any] = field(compare=False, repr=False)


def plan(count: int) -> list[Planned]:
    """A third in French, a tenth civilian analysts, nine in ten with an Idempotency-Key; of those, one in
    twenty sent twice by two clients at once and one in twenty sent again after its answer."""
    from tests.integration.conftest import application

    out = []
    for i in range(count):
        language = "fr" if i % 3 == 0 else "en"
        analyst = i % 10 == 1
        email = f"burst-{i:05d}@example.ca"
        if analyst:
            body = application(track="civilian_analyst", police_service=None, rank=None,
                               years_operational_service=None, firearms_expiry=None, baton_expiry=None,
                               oc_spray_expiry=None, missions=[ANALYST_MISSION], preferred_language=language,
                               email=email)
        else:
            body = application(police_service=SERVICES[i % len(SERVICES)],
                               missions=[OFFICER_MISSIONS[i % len(OFFICER_MISSIONS)]], preferred_language=language,
                               email=email)
        key = None if i % 10 == 7 else f"burst-key-{i}"
        retry = None if key is None else "together" if i % 20 == 3 else "after" if i % 20 == 8 else None
        out.append(Planned(i, email, language, body["track"], key, retry, body))
    return out


@dataclass(frozen=True)
class Answer:
    index: int
    attempt: int  # 1, or 2 for a retry
    status: int
    application_id: str | None
    problem: str | None  # a refusal's problem type
    seconds: float
    moto_wait_s: float  # of which waiting for moto's lock
    moto_s: float  # and moto's own handling, under the lock
    answered_at: float  # seconds after the burst began
    ses_calls: int = 0  # SES calls the request made (none: its emails go through the outbox)


# --- the app, per thread --------------------------------------------------------------------------

@contextmanager
def per_thread_requests(app: Any) -> Iterator[None]:
    """The app's ``current_request`` (and ``lambda_context``) kept per thread while the burst runs."""
    local = threading.local()
    original = type(app)

    def slot(name: str) -> property:
        return property(lambda self: getattr(local, name, None), lambda self, value: setattr(local, name, value))

    app.__class__ = type("PerThreadChalice", (original,), {"current_request": slot("current_request"),
                                                           "lambda_context": slot("lambda_context")})
    try:
        yield
    finally:
        app.__class__ = original


def _gateway(app: Any) -> Any:
    """Chalice's local API Gateway for the app (what its test client calls), without the test client's
    per-request swap of ``os.environ``, which is not thread-safe (the settings are read once anyway)."""
    from chalice.config import Config
    from chalice.local import LocalGateway

    return LocalGateway(app, Config.create(chalice_stage="dev", app_name=app.app_name))


# --- moto's transactions, backed up by the items they touch ----------------------------------------

@contextmanager
def transactions_undone_by_item() -> Iterator[Counter[str]]:
    """moto backs up every table a TransactWriteItems touches with a deep copy (the whole table and its
    stream, once per item of the transaction) and puts the copies back if it is cancelled: the N-th
    submission of a burst copies N files, N audit rows and 2N outbox rows several times, so a burst of 1,000
    spends minutes copying. With moto serialized (``latency.modelled(serialize_moto=True)``) the same undo
    is done with the items alone: before the transaction, a copy of each item it names (or that it was
    absent) and the length of each touched table's stream; on cancellation those items are put back and the
    stream records it wrote dropped (DynamoDB emits none for a cancelled transaction). The reconcile checks
    the outcome: a lost undo would leave a file or an email of a refused request."""
    from moto.dynamodb import models as ddb
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import Table

    real_copy = ddb.copy

    class _Copy:
        """moto's ``copy`` in its DynamoDB backend: a Table is kept by reference (the undo log restores it)."""

        @staticmethod
        def deepcopy(x: Any, memo: Any = None) -> Any:
            return x if isinstance(x, Table) else real_copy.deepcopy(x, memo)

    original = ddb.DynamoDBBackend.transact_write_items
    outcomes: Counter[str] = Counter()

    def transact(self: Any, transact_items: list[dict[str, Any]]) -> None:
        undo: list[tuple[Any, Any, Any, Any]] = []
        streams: dict[str, tuple[Any, int]] = {}
        for entry in transact_items:
            _, op = next(iter(entry.items()))
            table = self.tables.get(op.get("TableName"))
            if table is None:
                continue  # moto answers ResourceNotFound: nothing written
            attrs = op.get("Key") or op.get("Item") or {}
            h = DynamoType(attrs[table.hash_key_attr])
            r = DynamoType(attrs[table.range_key_attr]) if table.range_key_attr else None
            undo.append((table, h, r, real_copy.deepcopy(table.get_item(h, r))))
            if table.stream_shard is not None:
                streams.setdefault(table.name, (table.stream_shard, len(table.stream_shard.items)))
        try:
            answer = original(self, transact_items)
        except Exception as exc:
            outcomes[_cancelled_by(exc, transact_items)] += 1
            for table, h, r, old in reversed(undo):
                _put_back(table, h, r, old)
            for shard, n in streams.values():
                del shard.items[n:]
            raise
        outcomes["committed"] += 1
        return answer

    with mock.patch.object(ddb, "copy", _Copy), mock.patch.object(ddb.DynamoDBBackend, "transact_write_items", transact):
        yield outcomes


def _cancelled_by(exc: Exception, transact_items: list[dict[str, Any]]) -> str:
    """"cancelled: <reason> on <operation> <table>" for each item DynamoDB names (moto's cancellation reasons)."""
    try:
        reasons = json.loads(getattr(exc, "description", ""))["CancellationReasons"]
    except (ValueError, KeyError, TypeError):
        return f"cancelled: {type(exc).__name__}"
    named = [f"{reason['Code']} on {kind} {latency._table(str(op.get('TableName')))}"
             for reason, item in zip(reasons, transact_items, strict=False) if reason.get("Code") not in (None, "None")
             for kind, op in item.items()]
    return "cancelled: " + (", ".join(named) or type(exc).__name__)


def _put_back(table: Any, h: Any, r: Any, old: Any) -> None:
    """An item of a moto table as it was (``old`` None: absent), without a stream record."""
    if r is None:
        if old is None:
            table.items.pop(h, None)
        else:
            table.items[h] = old
        return
    row = table.items[h]
    if old is None:
        row.pop(r, None)
    else:
        row[r] = old
    if not row:
        del table.items[h]


# --- the burst ------------------------------------------------------------------------------------

@dataclass
class BurstRun:
    planned: list[Planned]
    answers: list[Answer]
    wall_s: float
    clients: int
    transactions: Counter[str] = field(default_factory=Counter)  # committed / cancelled, as moto answered


def warm_up(gateway: Any) -> None:
    """Build the clients the burst's requests use before it starts (botocore's client creation is not
    thread-safe, and the first requests of 32 threads would each build their own): the figures are of warm
    functions (cold starts: run.py). Reads through the ports, and one new-link request for an address
    with no file (its transaction's connection; its delivery writes no email)."""
    from chalicelib.api.wiring import deps

    store = deps().store
    store.idempotency.get("burst-warm-up")
    store.files.get("po-burstwarmup")
    store.catalogue.bulletins()
    store.catalogue.missions_by_id(list(OFFICER_MISSIONS))
    r = gateway.handle_request(method="POST", path="/access-links", headers={"Content-Type": "application/json"},
                               body=json.dumps({"email": "burst-warm-up@example.ca"}).encode("utf-8"))
    assert r["statusCode"] == 202, r


def run_burst(planned: list[Planned], clients: int, gateway: Any) -> BurstRun:
    """Every planned submission (and its retry) from ``clients`` threads at once, through the app's route."""
    from app import app
    answers: list[Answer] = []
    answers_lock = threading.Lock()
    t0 = time.perf_counter()

    def send(p: Planned, attempt: int) -> None:
        headers = {"Content-Type": "application/json", **({"Idempotency-Key": p.key} if p.key else {})}
        with latency.watching() as w:
            start = time.perf_counter()
            r = gateway.handle_request(method="POST", path="/applications", headers=headers,
                                       body=json.dumps(p.body).encode("utf-8"))
            end = time.perf_counter()
        raw = r.get("body") or b"{}"
        body = json.loads(raw.decode("utf-8") if isinstance(raw, bytes) else raw)
        status = int(r["statusCode"])
        a = Answer(p.index, attempt, status, body.get("application_id") if status == 201 else None,
                   None if status == 201 else str(body.get("type", body.get("message", ""))), end - start,
                   w.moto_wait_s, w.moto_s, end - t0, sum(1 for c in w.calls if c.service == "ses"))
        with answers_lock:
            answers.append(a)

    barriers = {p.index: threading.Barrier(2, timeout=5) for p in planned if p.retry == "together"}

    def together(p: Planned, attempt: int) -> None:
        try:
            barriers[p.index].wait()  # both clients start at the same moment
        except threading.BrokenBarrierError:
            pass
        send(p, attempt)

    def task(p: Planned) -> None:
        send(p, 1)
        if p.retry == "after":
            send(p, 2)

    with per_thread_requests(app), ThreadPoolExecutor(max_workers=clients) as pool:
        futures = []
        for p in planned:
            if p.retry == "together":
                futures += [pool.submit(together, p, 1), pool.submit(together, p, 2)]
            else:
                futures.append(pool.submit(task, p))
        for f in futures:
            f.result()
    return BurstRun(planned, answers, time.perf_counter() - t0, clients)


# --- delivery, on the modelled clock --------------------------------------------------------------

@dataclass
class Delivery:
    rate: float
    batches: int
    batch_failures: int
    sends: int
    first_s: float | None
    last_s: float | None  # the last SendEmail's answer, seconds after the burst began (modelled)
    wall_s: float
    calls: dict[str, int]  # the function's AWS calls, by operation


def drain(answered_at: dict[str, float]) -> Delivery:
    """The outbox stream's records so far, read off moto's stream, handed to the real ``app.deliver_emails``
    until a read brings nothing new; the pace and the calls' delays on a virtual clock (module docstring)."""
    from app import deliver_emails
    from chalicelib.adapters.stream import stream_record
    from chalicelib.adapters.tables import stream_arn
    from chalicelib.api.wiring import deps
    from chalicelib.services import notifications
    from devtools.stream_poller import StreamReader

    d = deps()
    rate = d.settings.ses_rate
    reader = StreamReader(stream_arn(d.settings), d.settings.region)
    clock = latency.VirtualClock()
    pacer = notifications.Pacer(rate, sleep=clock.sleep, monotonic=clock.monotonic)
    batches = failures = 0
    start = time.perf_counter()

    def written_by(event: dict[str, Any]) -> float:
        """When the batch's last row existed: its request's answer (rows this delivery wrote: now)."""
        latest = 0.0
        for raw in event.get("Records") or []:
            message = stream_record(raw).message
            if message is not None:
                latest = max(latest, answered_at.get(message.application_id, 0.0))
        return latest

    with mock.patch.dict(notifications._pacers, {rate: pacer}), latency.modelled(virtual=clock) as model:
        for _ in range(20):  # its own claims and marks are records too: read until nothing new
            events = reader.events()
            if not events:
                break
            for event in events:
                clock.at_least(written_by(event))
                batches += 1
                failures += len(deliver_emails(event, None)["batchItemFailures"])
    sent = model.ended_at.get("SendEmail", [])
    return Delivery(rate, batches, failures, len(sent), min(sent, default=None), max(sent, default=None),
                    time.perf_counter() - start, {op: len(ends) for op, ends in sorted(model.ended_at.items())})


# --- reconcile --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Stored:
    """A file found under a planned submission's address, with the emails it must have caused."""

    application_id: str
    index: int
    reference: str
    expected: tuple[tuple[str, str], ...]  # (to, subject): the confirmation, the coordinator's email
    outbox_statuses: tuple[str, ...]


def stored_files(planned: list[Planned]) -> list[Stored]:
    """What the store holds under each planned address (through the adapters' ports), and the emails each file
    should have caused: the templates' subjects, to the file's address and to its contact (the routing rule)."""
    from chalicelib.api.wiring import deps
    from chalicelib.domain import emails, tokens
    from chalicelib.domain.missions import contact_for
    from chalicelib.domain.workflow import load_workflow

    d, wf = deps(), load_workflow()
    subjects = emails.templates()

    def subject(template: str, lang: str, ref: str) -> str:
        return str(subjects[template]["subject"][lang]).replace("{reference}", ref)

    out = []
    for p in planned:
        for app_id in d.store.files.ids_for_email(tokens.email_key(p.email)):
            f = d.store.files.get(app_id)
            assert f is not None, app_id
            ref = emails.reference(app_id)
            expected = [(f.email, subject(wf.email_template(f.stage, None), f.language, ref))]
            if wf.notifies_coordinator(f.stage):
                contact = contact_for(f.police_service, f.mission_id)
                expected.append((contact.email, subject(f"coordinator_{f.stage}", contact.language or f.language, ref)))
            statuses = tuple(r.status for r in d.store.outbox.for_application(app_id))
            out.append(Stored(app_id, p.index, ref, tuple(expected), statuses))
    return out


def sent_emails() -> list[tuple[str, str]]:
    """(to, subject) of every email moto's SES accepted."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    from chalicelib.api.wiring import deps

    return [(m.destinations["ToAddresses"][0], m.subject)
            for m in ses_backends[DEFAULT_ACCOUNT_ID][deps().settings.region].sent_messages]


def reconcile(planned: list[Planned], answers: list[Answer], stored: list[Stored],
              sent: list[tuple[str, str]]) -> list[str]:
    """What does not add up (empty: everything does)."""
    copies = Counter(sent)
    problems = _check_submissions(planned, answers, stored, copies)
    for s in stored:
        problems += _check_file(s, copies)
    expected_total = sum(len(s.expected) for s in stored)
    if len(sent) != expected_total:
        problems.append(f"{len(sent)} emails sent, {expected_total} expected")
    return problems


def _check_submissions(planned: list[Planned], answers: list[Answer], stored: list[Stored],
                       copies: Counter[tuple[str, str]]) -> list[str]:
    """Each accepted submission stored once, under the file its answers named; a refused one not at all, and
    no email to its address."""
    problems = []
    accepted: dict[int, set[str]] = {}
    for a in answers:
        if a.status == 201 and a.application_id:
            accepted.setdefault(a.index, set()).add(a.application_id)
    files: dict[int, list[str]] = {}
    for s in stored:
        files.setdefault(s.index, []).append(s.application_id)
    for p in planned:
        ids, mine = accepted.get(p.index, set()), files.get(p.index, [])
        if len(ids) > 1:
            problems.append(f"submission {p.index}: its requests answered {len(ids)} different files")
        elif ids and mine != sorted(ids):
            problems.append(f"submission {p.index}: answered 201 ({sorted(ids)}), stored {mine}")
        if not ids:
            to_it = sum(n for (to, _), n in copies.items() if to == p.email)
            if mine:
                problems.append(f"submission {p.index}: refused, yet stored as {mine}")
            if to_it:
                problems.append(f"submission {p.index}: refused, yet {to_it} email(s) went to its address")
    return problems


def _check_file(s: Stored, copies: Counter[tuple[str, str]]) -> list[str]:
    """One copy of each email the file caused, no other email naming it, each outbox row sent."""
    problems = [f"{s.reference}: {copies[(to, subject)]} copies of “{subject}” to {to}"
                for to, subject in s.expected if copies[(to, subject)] != 1]
    about = sum(n for (_, subject), n in copies.items() if s.reference in subject)
    if about != len(s.expected):
        problems.append(f"{s.reference}: {about} emails name it, {len(s.expected)} expected")
    if len(s.outbox_statuses) != len(s.expected) or set(s.outbox_statuses) != {"sent"}:
        problems.append(f"{s.reference}: outbox rows {list(s.outbox_statuses)}")
    return problems


# --- the whole benchmark --------------------------------------------------------------------------

@dataclass
class BurstReport:
    run: BurstRun
    delivery: Delivery
    stored: list[Stored]
    sent: list[tuple[str, str]]
    problems: list[str]


def burst(count: int, clients: int = 32) -> BurstReport:
    """Inside an emulated account (fresh: its stream read from the start), with the latency hooks installed."""
    from app import app

    planned, gateway = plan(count), _gateway(app)
    warm_up(gateway)
    with latency.modelled(serialize_moto=True), transactions_undone_by_item() as transactions:
        run = run_burst(planned, clients, gateway)
    run.transactions = transactions
    answered_at: dict[str, float] = {}
    for a in run.answers:
        if a.application_id:
            answered_at[a.application_id] = min(answered_at.get(a.application_id, a.answered_at), a.answered_at)
    delivery = drain(answered_at)
    stored = stored_files(planned)
    sent = sent_emails()
    return BurstReport(run, delivery, stored, sent, reconcile(planned, run.answers, stored, sent))


def _ms(xs: list[float]) -> str:
    if len(xs) < 2:
        return " / ".join(f"{x * 1000:.0f}" for x in xs) + " ms"
    q = statistics.quantiles(xs, n=100, method="inclusive")
    return f"{q[49] * 1000:.0f} / {q[94] * 1000:.0f} / {q[98] * 1000:.0f} ms"


def print_burst(r: BurstReport) -> None:
    planned, answers = r.run.planned, r.run.answers
    retried = [p for p in planned if p.retry]
    print(f"\nBurst: {len(planned):,} valid submissions ({sum(p.language == 'fr' for p in planned)} in French, "
          f"{sum(p.track == 'civilian_analyst' for p in planned)} civilian analysts, "
          f"{sum(p.key is not None for p in planned)} with an Idempotency-Key; {len(retried)} sent twice with their "
          f"key: {sum(p.retry == 'together' for p in retried)} by two clients at once, "
          f"{sum(p.retry == 'after' for p in retried)} again once answered) from {r.run.clients} concurrent clients, "
          "in-process through the app's route (Chalice's local gateway; the app's current request kept per "
          "thread, as each Lambda environment has its own; warm: its clients built before). moto's tables are not thread-safe (a failed "
          "transaction restores a deep copy of the table), so its request handling is serialized by a lock, each "
          "call atomic as in DynamoDB, while the app's threads race between their calls; the latency model's "
          f"{latency.DELAYS_MS['dynamodb']:g} ms per DynamoDB call is slept outside the lock.\n")
    first = {a.index: a for a in answers if a.attempt == 1}
    created = [a for a in answers if a.status == 201]
    new = len({a.application_id for a in created})
    replays = len(created) - new
    refused = Counter((a.status, a.problem) for a in answers if a.status != 201)
    print("| burst | value |\n|---|---|")
    print(f"| requests | {len(answers):,} ({len(first):,} submissions, {len(answers) - len(first)} retries) |")
    print(f"| 201 Created, a new file | {new:,} |")
    print(f"| 201 Created, a retry with its key answered with the same file | {replays} |")
    if refused:
        for (status, problem), n in sorted(refused.items(), key=lambda kv: (kv[0][0], str(kv[0][1]))):
            print(f"| refused {status} {problem} | {n} |")
    else:
        print("| refused (any status) | 0 |")
    times = [a.seconds for a in answers]
    print(f"| latency p50 / p95 / p99 (every request) | {_ms(times)} |")
    print(f"| of which waiting for moto's lock, p50 / p95 / p99 | {_ms([a.moto_wait_s for a in answers])} |")
    print(f"| and moto's own handling, p50 / p95 / p99 | {_ms([a.moto_s for a in answers])} |")
    print(f"| latency with moto's lock and handling taken out, p50 / p95 / p99 | "
          f"{_ms([a.seconds - a.moto_wait_s - a.moto_s for a in answers])} |")
    for outcome, n in sorted(r.run.transactions.items()):
        print(f"| TransactWriteItems {outcome} | {n:,} |")
    print(f"| SES calls made by the burst's requests | {sum(a.ses_calls for a in answers)} |")
    print(f"| burst wall time | {r.run.wall_s:.1f} s ({len(answers) / r.run.wall_s:.0f} requests/s in-process) |")
    sent = Counter(r.sent)
    confirmations = [s for s in r.stored if sent[s.expected[0]] == 1]
    coordinator = sum(1 for s in r.stored for e in s.expected[1:] if sent[e] == 1)
    french = sum(1 for s in confirmations if planned[s.index].language == "fr")
    print(f"| emails sent | {len(r.sent):,}: {len(confirmations):,} confirmations ({french} in French), "
          f"{coordinator:,} coordinator emails |")
    d = r.delivery
    print(f"| delivery batches / partial batch failures | {d.batches} / {d.batch_failures} |")
    verdict = ("ok: every 201 stored exactly once, one confirmation and one coordinator email per file, none for "
               "a refused request, every outbox row sent") if not r.problems else \
        f"{len(r.problems)} problems: " + "; ".join(r.problems[:5])
    print(f"| reconcile | {verdict} |")
    if d.last_s is not None and d.first_s is not None:
        span = d.last_s - d.first_s
        print(f"| last email left (modelled, {d.rate:g}/s pace) | {d.last_s:.1f} s after the burst began (first "
              f"at {d.first_s:.2f} s; {(d.sends - 1) / span if span else 0:.1f} emails/s; at the pace alone "
              f"{d.sends / d.rate:.1f} s) |")
    if d.sends:
        per = ", ".join(f"{op} {n / d.sends:.2f}" for op, n in d.calls.items())
        modelled = sum(n * latency.DELAYS_MS["ses" if op == "SendEmail" else "dynamodb"] for op, n in d.calls.items())
        print(f"| the delivery function's AWS calls per email | {per} ({modelled / d.sends:.0f} ms of modelled round "
              f"trips each, against {1000 / d.rate:.0f} ms between sends at {d.rate:g}/s) |")
    print(f"| delivery drain wall time (in-process) | {d.wall_s:.1f} s |")
