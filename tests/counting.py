"""A seeded random walk of submissions, moves, facts and redirects through the services, and a full recount.

Shared by tests/unit/test_services_counts.py (MemoryStorage) and tests/integration/test_counts.py (moto): after
any sequence, the pipeline's counters must equal the files counted one by one.
"""
from __future__ import annotations

import random
from collections import Counter
from typing import Any, Callable

from chalicelib.domain import access
from chalicelib.domain.errors import DomainError
from chalicelib.domain.workflow import Actor, MoveRequest, load_workflow
from chalicelib.services import applicant, counts, files, redirect, submissions, workflow

SERVICES = ("spvm", "opp")
ACTORS = {"irss": Actor("irss", "irss-1"), "health": Actor("health", "ihs-1"), "admin": Actor("admin", "admin-1"),
          **{s: Actor("service_coordinator", f"coord-{s}", s) for s in SERVICES}}
MISSIONS = ("haiti-minustah", "iraq-mlt", "justice-rapid-response")


def _submit(deps: Any, rnd: random.Random, n: int, application: Callable[..., dict[str, Any]]) -> str:
    missions = rnd.sample(MISSIONS, k=rnd.choice((1, 2)))
    doc = application(missions=missions, police_service=rnd.choice(SERVICES), email=f"walk-{n}@example.ca",
                      preferred_language=rnd.choice(("en", "fr")))
    return submissions.submit(deps, doc, None)[1]["application_id"]


def _move(deps: Any, rnd: random.Random, f: Any) -> None:
    wf = load_workflow()
    path = wf.pathway_of(f.mission)
    actor = rnd.choice([a for a in ACTORS.values() if a.police_service in (None, f.police_service)])
    choices = path.next_stages(f.stage, actor.role)
    if not choices:
        return
    to = rnd.choice(choices)
    rule = wf.reason_rule(to)
    codes = [c.code for c in rule.codes_for(actor.role, path.current(f.stage))] if rule else []
    reason = rnd.choice(codes) if codes else None
    workflow.move(deps, f.application_id, actor, MoveRequest(to, f.stage, reason, None))


def _fact(deps: Any, rnd: random.Random, f: Any, family_readiness: Callable[[], dict[str, Any]]) -> None:
    wf = load_workflow()
    stage = wf.pathway_of(f.mission).current(f.stage)
    if stage == wf.medical_stage:
        workflow.record_medical_outcome(deps, f.application_id, ACTORS["health"], {"outcome": "fit"})
    elif stage == wf.forms_stage:
        workflow.record_forms_returned(deps, f.application_id, ACTORS["irss"], {"forms": list(wf.preliminary_forms)})
        applicant.save_family_readiness(deps, f, family_readiness())
    else:
        for module in wf.un_modules:
            workflow.record_module(deps, f.application_id, ACTORS["irss"], {"module": module, "score": 90})


def _has_next_choice(f: Any) -> bool:
    choices = list(f.form.get("missions", []))
    return not load_workflow().is_terminal(f.stage) and f.mission_id in choices[:-1]


def walk(deps: Any, seed: int, steps: int, application: Callable[..., dict[str, Any]],
         family_readiness: Callable[[], dict[str, Any]], ids: Callable[[], list[str]]) -> Counter[str]:
    """``steps`` random operations (each refused one is fine: it must change no counter); returns what ran.

    Files are picked from the ids in the order this walk submitted them (plus any ``ids()`` already held, in their
    order), never in the order of their random ids, so a seed always walks the same way."""
    rnd, ran = random.Random(seed), Counter[str]()
    mine: list[str] = list(ids())
    for n in range(steps):
        known = mine
        kind = "submit" if len(known) < 3 else rnd.choices(("submit", "move", "fact", "redirect"), (2, 6, 2, 1))[0]
        try:
            if kind == "submit":
                mine.append(_submit(deps, rnd, n, application))
            else:
                pool = known
                if kind == "redirect":  # mostly files that name a further choice, so redirects are tried, not just refused
                    pool = [i for i in known if _has_next_choice(deps.store.files.get(i))] or known
                f = deps.store.files.get(rnd.choice(pool))
                if kind == "move":
                    _move(deps, rnd, f)
                elif kind == "fact":
                    _fact(deps, rnd, f, family_readiness)
                else:
                    redirect.redirect(deps, ACTORS["irss"], f.application_id, {"expected_stage": f.stage})
            ran[kind] += 1
        except DomainError:
            ran[f"{kind} refused"] += 1
    return ran


def recounted(deps: Any, ids: list[str]) -> Counter[tuple[str, str, str | None]]:
    """Every file, read one by one (not through the list the rebuild uses)."""
    return Counter(counts.key(deps.store.files.get(i)) for i in ids)


def assert_counters_match(deps: Any, ids: list[str]) -> None:
    """The counters, per mission and per service, and the pipeline report as IRSS and a coordinator see it,
    equal the recount."""
    truth = recounted(deps, ids)
    for mission in {m.mission_id: m for m in deps.store.catalogue.missions()}.values():
        for service in (None, *SERVICES):
            expected = Counter[str]()
            for (mid, stage, svc), n in truth.items():
                if mid == mission.mission_id and service in (None, svc):
                    expected[stage] += n
            got = +counts.per_stage(deps, mission.mission_id, mission.kind, service)  # + drops zeros
            assert got == expected, (mission.mission_id, service, got, expected)
    for who, service in (("irss", None), ("spvm", "spvm")):
        actor = ACTORS[who]
        report = files.pipeline(deps, actor)
        for row in report["missions"]:
            expected = Counter[str]()
            for (mid, stage, svc), n in truth.items():
                if mid == row["mission_id"] and service in (None, svc):
                    expected[access.stage_seen_by(actor, stage)] += n
            assert +Counter(row["counts"]) == expected, (who, row["mission_id"])
            assert row["total"] == sum(expected.values())
