"""The latency model (issue 13): a fixed delay added to each AWS call by a botocore event hook.

    .venv/bin/python -m benchmarks.run --only latency          # this table and the access-links timing

moto answers in-process in a fraction of a millisecond of network time but spends its own CPU emulating
the service; AWS answers over the network. The model replaces the first with the second: each call's
``after-call`` event sleeps a fixed delay (``DELAYS_MS``: 4 ms for DynamoDB, 60 ms for SES), and the time
moto spent handling the call (measured around its request handler) is taken out, since in AWS that work
is inside the round trip the delay stands for. What remains is our code (Chalice, validation, botocore's
serialization and parsing, PynamoDB) plus the modelled round trips. An operation's **floor** is its
sequential round trips, counted by the same hook, times their delay: a request makes its calls one after
the other, so it can never answer sooner.

How every client gets the hook: botocore builds each session's event handlers from
``botocore.handlers.BUILTIN_HANDLERS`` (moto registers its stubber the same way), and each client copies its
session's handlers when it is created. ``install()`` appends the hooks there; ``fresh_clients()`` drops the
clients made before (boto3's default session, the tables helper's clients, the adapters and PynamoDB's
per-model connections), so boto3's clients and PynamoDB's own (a botocore session per thread,
``pynamodb.connection.base``) all carry it. Each measured call is also counted at
``BaseClient._make_api_call`` (``run.counting``); a call the hook missed stops the benchmark.
"""
from __future__ import annotations

import statistics
import threading
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping

DELAYS_MS: dict[str, float] = {"dynamodb": 4.0, "ses": 60.0}  # any other service: no delay (none is on a request)
_BENCH_KEY = "peaceops.benchmark.call"


@dataclass(frozen=True)
class Call:
    service: str  # botocore's service name: "dynamodb", "ses", "dynamodbstreams"...
    operation: str
    what: str  # the tables (and index) it touched, for the listing of a path's round trips


@dataclass
class Watch:
    """One thread's calls inside ``watching()``, and the seconds moto spent answering them."""

    calls: list[Call] = field(default_factory=list)
    moto_s: float = 0.0
    moto_wait_s: float = 0.0  # waiting for moto's lock (``serialize_moto``)
    slept_s: float = 0.0

    def operations(self) -> Counter[str]:
        return Counter(c.operation for c in self.calls)


class VirtualClock:
    """Modelled time for a single-threaded run (the stream's delivery): the hook advances it instead of
    sleeping, and a ``Pacer`` given its ``sleep`` and ``monotonic`` paces against it."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)

    def at_least(self, t: float) -> None:
        self.now = max(self.now, t)


@dataclass
class Model:
    delays_ms: Mapping[str, float]
    virtual: VirtualClock | None = None  # None: real sleeps
    # On the virtual clock (one thread): every call's end, by operation ("when did the last email leave").
    ended_at: dict[str, list[float]] = field(default_factory=dict)

    def delay_s(self, service: str) -> float:
        return self.delays_ms.get(service, 0.0) / 1000


_active: Model | None = None
_local = threading.local()
_installed = False
_install_lock = threading.Lock()


def _table(name: str) -> str:
    """A table's logical name (the stage's prefix dropped; from the settings: Chalice's test client swaps the
    environment for the stage's during a request)."""
    from chalicelib.config import get_settings

    return name.removeprefix(get_settings().table_prefix + "-")


def describe(service: str, operation: str, params: Mapping[str, Any]) -> str:
    if service != "dynamodb":
        return ""
    if "TableName" in params:
        index = params.get("IndexName")
        return _table(str(params["TableName"])) + (f" ({index})" if index else "")
    if "RequestItems" in params:
        return ", ".join(_table(t) for t in params["RequestItems"])
    if "TransactItems" in params:
        items = Counter(f"{kind} {_table(body['TableName'])}" for item in params["TransactItems"]
                        for kind, body in item.items())
        return ", ".join(f"{what}{f' ×{n}' if n > 1 else ''}" for what, n in items.items())
    return ""


def _before_parameter_build(params: Mapping[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
    if _active is not None:
        context[_BENCH_KEY] = describe(model.service_model.service_name, model.name, params)


def _after_call(model: Any, context: dict[str, Any], **_: Any) -> None:
    """Every API call's end (an error answer included): record it, then add the modelled round trip."""
    m = _active
    if m is None:
        return
    service = model.service_model.service_name
    watch: Watch | None = getattr(_local, "watch", None)
    if watch is not None:
        watch.calls.append(Call(service, model.name, str(context.get(_BENCH_KEY, ""))))
    delay = m.delay_s(service)
    if m.virtual is not None:
        m.virtual.sleep(delay)
        if delay:  # the event source's own stream reads are not the function's calls
            m.ended_at.setdefault(model.name, []).append(m.virtual.now)
    elif delay:
        start = time.perf_counter()
        time.sleep(delay)
        if watch is not None:
            watch.slept_s += time.perf_counter() - start


def install() -> None:
    """The hooks in botocore's built-in handlers, once: sessions created from now on carry them."""
    global _installed
    from botocore.handlers import BUILTIN_HANDLERS

    with _install_lock:
        if not _installed:
            BUILTIN_HANDLERS.append(("before-parameter-build", _before_parameter_build))
            BUILTIN_HANDLERS.append(("after-call", _after_call))
            _installed = True


def fresh_clients() -> None:
    """Drop the sessions and clients made before ``install()``: boto3's default session, the tables helper's
    clients, the adapters (``deps``) and every PynamoDB model's connection; the next ones carry the hooks."""
    import boto3
    from pynamodb.models import Model as PynamoModel

    from chalicelib.adapters import models, tables
    from chalicelib.api.wiring import deps

    boto3.DEFAULT_SESSION = None
    tables._client.cache_clear()
    deps.cache_clear()
    for value in vars(models).values():
        if isinstance(value, type) and issubclass(value, PynamoModel) and value is not PynamoModel:
            value._connection = None  # PynamoDB caches one per class


@contextmanager
def modelled(delays_ms: Mapping[str, float] = DELAYS_MS, virtual: VirtualClock | None = None,
             serialize_moto: bool = False) -> Iterator[Model]:
    """The model on for every thread; moto's time per call measured (and, with ``serialize_moto``, its
    request handling one call at a time: moto's tables are not thread-safe)."""
    global _active
    from moto.core.botocore_stubber import BotocoreStubber

    install()
    lock = threading.Lock()
    original = BotocoreStubber.__call__

    def timed(self: Any, *args: Any, **kwargs: Any) -> Any:
        watch: Watch | None = getattr(_local, "watch", None)
        asked = time.perf_counter()
        with lock if serialize_moto else _NO_LOCK:
            start = time.perf_counter()
            try:
                return original(self, *args, **kwargs)
            finally:
                if watch is not None:
                    watch.moto_s += time.perf_counter() - start
                    watch.moto_wait_s += start - asked

    model = Model(dict(delays_ms), virtual)
    BotocoreStubber.__call__ = timed  # type: ignore[method-assign]
    _active = model
    try:
        yield model
    finally:
        _active = None
        BotocoreStubber.__call__ = original  # type: ignore[method-assign]


class _NoLock:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: Any) -> None:
        return None


_NO_LOCK = _NoLock()


@contextmanager
def watching() -> Iterator[Watch]:
    """This thread's calls (and moto's time on them) inside the block."""
    watch = Watch()
    previous = getattr(_local, "watch", None)
    _local.watch = watch
    try:
        yield watch
    finally:
        _local.watch = previous


def floor_s(calls: list[Call], model: Model) -> float:
    """Sequential round trips times their delay: a request makes its calls one after the other."""
    return sum(model.delay_s(c.service) for c in calls)


# --- the table -----------------------------------------------------------------------------------

@dataclass
class Timed:
    name: str
    calls: list[Call]  # of the last run (every run makes the same calls; checked)
    measured_ms: float  # medians over the runs
    moto_ms: float
    modelled_ms: float  # each run's measured time less moto's, then the median
    floor_ms: float
    slept_over_ms: float  # the sleeps' overshoot past their nominal delay (kept in: not corrected)

    @property
    def ratio(self) -> float:
        return self.modelled_ms / self.floor_ms if self.floor_ms else float("nan")

    def count(self, service: str) -> int:
        return sum(1 for c in self.calls if c.service == service)


def time_operation(name: str, make: Callable[[], Callable[[], Any]], runs: int, model: Model,
                   fresh: bool = False, warmup: int = 2) -> Timed:
    """Median of ``runs`` runs (after ``warmup``) of the operation ``make`` prepares (again for each run
    with ``fresh``); each run's calls seen by the hook must be those botocore's entry point saw."""
    from benchmarks.run import counting

    operation = make()
    measured, moto, modelled_, floors, over = [], [], [], [], []
    signature: Counter[str] | None = None
    calls: list[Call] = []
    for i in range(warmup + runs):
        if fresh and i:
            operation = make()
        with counting() as counted, watching() as w:
            start = time.perf_counter()
            operation()
            elapsed = time.perf_counter() - start
        if w.operations() != counted:
            raise RuntimeError(f"{name}: the latency hook saw {dict(w.operations())}, botocore {dict(counted)}: "
                               "a client was built before the hook (see fresh_clients)")
        if signature is not None and w.operations() != signature:
            raise RuntimeError(f"{name}: runs made different calls: {dict(signature)} then {dict(w.operations())}")
        signature, calls = w.operations(), w.calls
        if i < warmup:
            continue
        floor = floor_s(w.calls, model)
        measured.append(elapsed)
        moto.append(w.moto_s)
        modelled_.append(elapsed - w.moto_s)
        floors.append(floor)
        over.append(w.slept_s - floor)
    ms = lambda xs: statistics.median(xs) * 1000  # noqa: E731
    return Timed(name, calls, ms(measured), ms(moto), ms(modelled_), ms(floors), ms(over))


def _path_text(t: Timed) -> str:
    return "; ".join(f"{c.operation} {c.what}".strip() for c in t.calls) or "none"


def latency_table(e: Any, runs: int) -> list[Timed]:
    """Submit (without and with an Idempotency-Key), status, a coordinator's list page, a move and a new-link
    request, with the model on. ``e`` is a ``run.emulated`` account built after ``install()``/``fresh_clients()``."""
    import itertools
    import json

    from benchmarks import run

    keys = itertools.count()

    def submit_with_key() -> Callable[[], Any]:
        return lambda: run._post(e.client, "/applications", run.application(), **{"Idempotency-Key": f"lat-{next(keys)}"})

    def coordinator_list() -> Callable[[], Any]:
        run._submit(e.client)  # at least one SPVM file on the page
        return lambda: run._ok(e.client.http.get("/admin/applications?limit=25",
                                                 headers=run._bearer(e.tokens["coordinator.spvm"])))

    def access_links() -> Callable[[], Any]:
        return lambda: run._ok(e.client.http.post("/access-links", headers=run.JSON,
                                                  body=json.dumps({"email": "someone@example.ca"})))

    scenarios: list[tuple[str, Callable[[], Callable[[], Any]], bool]] = [
        ("submit", lambda: run.SCENARIOS["submit"](e.client, e.tokens), False),
        ("submit with an Idempotency-Key", submit_with_key, False),
        ("applicant status", lambda: run.SCENARIOS["status"](e.client, e.tokens), False),
        ("coordinator list page (25)", coordinator_list, False),
        ("move", lambda: run.SCENARIOS["move"](e.client, e.tokens), True),
        ("POST /access-links", access_links, False),
    ]
    with modelled() as model:
        return [time_operation(name, make, runs, model, fresh) for name, make, fresh in scenarios]


def submit_parts(e: Any, runs: int) -> dict[str, float]:
    """Median ms of our own code (moto's time taken out, no delay) in three steps of a submission."""
    from chalicelib.api.wiring import deps
    from chalicelib.domain import forms

    from benchmarks import run

    d, doc = deps(), run.application()
    parts: dict[str, Callable[[], Any]] = {
        f"reading the calls for applications ({len(d.store.catalogue.bulletins())} stored, each read and checked "
        "against its schema)": d.store.catalogue.bulletins,
        "reading the chosen mission": lambda: d.store.catalogue.missions_by_id(doc["missions"]),
        "validating the form (JSON Schema)": lambda: forms.check("application", doc),
    }
    out = {}
    with modelled({}):
        for name, part in parts.items():
            times = []
            for i in range(runs + 2):
                with watching() as w:
                    start = time.perf_counter()
                    part()
                    elapsed = time.perf_counter() - start
                if i >= 2:
                    times.append(elapsed - w.moto_s)
            out[name] = statistics.median(times) * 1000
    return out


@dataclass
class AccessTiming:
    label: str
    known_ms: float
    unknown_ms: float

    @property
    def ratio(self) -> float:
        return self.known_ms / self.unknown_ms


def access_links_timing(e: Any, runs: int, files: int = 3) -> list[AccessTiming]:
    """POST /access-links for an address with ``files`` files against an unknown one, interleaved (drift hits
    both alike): on moto as it is, then with the model on (moto's time taken out)."""
    import json

    from benchmarks import run

    known, unknown = "three.files@example.ca", "nobody.here@example.ca"
    for _ in range(files):
        run._post(e.client, "/applications", {**run.application(), "email": known})

    def once(address: str) -> tuple[float, float]:
        with watching() as w:
            start = time.perf_counter()
            r = e.client.http.post("/access-links", headers=run.JSON, body=json.dumps({"email": address}))
            elapsed = time.perf_counter() - start
        assert r.status_code == 202, r.body
        return elapsed, w.moto_s

    out = []
    for label, model_on in (("on moto", False), ("latency model (moto's time taken out)", True)):
        times: dict[str, list[float]] = {known: [], unknown: []}
        with (modelled() if model_on else _nothing()):
            for i in range(runs + 2):
                for address in ((known, unknown) if i % 2 else (unknown, known)):
                    elapsed, moto_s = once(address)
                    if i >= 2:
                        times[address].append(elapsed - (moto_s if model_on else 0.0))
        out.append(AccessTiming(label, statistics.median(times[known]) * 1000,
                                statistics.median(times[unknown]) * 1000))
    return out


@contextmanager
def _nothing() -> Iterator[None]:
    yield None


def print_latency(rows: list[Timed], parts: dict[str, float], access: list[AccessTiming], runs: int,
                  access_runs: int, files: int = 3) -> None:
    from benchmarks.run import _x

    delays = ", ".join(f"{'DynamoDB' if s == 'dynamodb' else s.upper()} {ms:g} ms" for s, ms in DELAYS_MS.items())
    print(f"\nLatency model: each AWS call's after-call event sleeps {delays}; moto's own handling time "
          f"(measured around its request handler) is taken out, as in AWS it is inside the round trip. "
          f"Floor: the operation's sequential round trips, counted by the same hook, × their delay. "
          f"Medians of {runs} runs.\n")
    print("| operation | AWS calls (sequential) | SES calls | floor | measured | moto's part | modelled | "
          "modelled / floor |\n|---|---|---|---|---|---|---|---|")
    for t in rows:
        print(f"| {t.name} | {len(t.calls)}: {_path_text(t)} | {t.count('ses')} | {t.floor_ms:.1f} ms | "
              f"{t.measured_ms:.1f} ms | {t.moto_ms:.1f} ms | {t.modelled_ms:.1f} ms | {_x(t.ratio)} |")
    ses = sum(t.count("ses") for t in rows)
    print(f"\nSES calls on these request paths: {ses}. Sleeps overshot their nominal delay by "
          f"{max(t.slept_over_ms for t in rows):.2f} ms at most per request (kept in the measured time).")
    submit = next(t for t in rows if t.name == "submit")
    goal = 2 * DELAYS_MS["dynamodb"]
    ratio = submit.modelled_ms / goal
    verdict = "met" if ratio <= 1.2 else f"missed: {submit.modelled_ms / (1.2 * goal):.1f}× what it allows"
    print(f"Goal (issue 13): submit within 1.2× of two DynamoDB round trips ({goal:g} ms, so at most {1.2 * goal:.1f} ms): "
          f"{submit.modelled_ms:.1f} ms, {_x(ratio)}, {verdict}. It makes {len(submit.calls)} round trips, not 2 "
          f"({_path_text(submit)}): its own floor is {submit.floor_ms:g} ms, and our code adds "
          f"{submit.modelled_ms - submit.floor_ms:.1f} ms, of which (medians, moto's time taken out): "
          + "; ".join(f"{name} {ms:.1f} ms" for name, ms in parts.items()) + ".")
    print(f"\n| POST /access-links, median of {access_runs} each | address with {files} files | unknown address | ratio "
          "(goal ≤ 1.2×) |\n|---|---|---|---|")
    for a in access:
        print(f"| {a.label} | {a.known_ms:.2f} ms | {a.unknown_ms:.2f} ms | {_x(a.ratio)} |")
