"""Who read what (domain/reads.py, services/reads.py) on the in-memory storage: who sees which reads, what the
applicant is told, and that a read is refused when it cannot be recorded."""
from __future__ import annotations

import doctest
from datetime import datetime, timezone
from typing import Any

import pytest

from chalicelib.domain import reads
from chalicelib.domain.reads import Origin, ReadNotRecorded
from chalicelib.domain.workflow import Actor
from chalicelib.services import reads as read_log
from chalicelib.services.ports import ConditionFailed

from .fakes import make_deps

IRSS = Actor("irss", "sub-irss", username="irss.one")
ADMIN = Actor("admin", "sub-admin", username="admin.one")
HEALTH = Actor("health", "sub-health", username="health.one")
COORDINATOR = Actor("service_coordinator", "sub-coord", "spvm", username="coord.one")
WHERE = Origin.of("console", "198.51.100.7", "Firefox\nInjected")


def test_the_module_examples_hold():
    assert doctest.testmod(reads).failed == 0


def test_reads_are_recorded_under_their_own_subject_in_order_with_who_and_from_where():
    # Given a fresh store, when IRSS read a file and its family-readiness form, then health staff read it
    deps = make_deps()
    read_log.record(deps, IRSS, "po-a", reads.FILE_READ, WHERE, also=(reads.FAMILY_READINESS_READ,))
    deps.clock.advance(seconds=1)
    read_log.record(deps, HEALTH, "po-a", reads.FILE_READ, None)
    # Then the rows are the file's reads, oldest first, none of them on the file's own trail
    rows = deps.store.audit.trail("reads#po-a")
    assert [(r.kind, r.actor_role) for r in rows] == [("file_read", "irss"), ("family_readiness_read", "irss"),
                                                       ("file_read", "health")]
    assert rows[0].details == {"username": "irss.one", "channel": "console", "source_ip": "198.51.100.7",
                               "user_agent": "Firefox Injected"}  # a header's line break never reaches the record
    assert rows[2].details["channel"] == "api" and rows[2].details["source_ip"] is None
    assert deps.store.audit.trail("application#po-a") == []


def test_the_log_is_irss_and_admin_only_and_admin_sees_no_medical_read():
    deps = make_deps()
    read_log.record(deps, COORDINATOR, "po-a", reads.FILE_READ, WHERE)
    deps.clock.advance(seconds=1)
    read_log.record(deps, HEALTH, "po-a", reads.DOCUMENT_READ, WHERE,
                    {"document_id": "d-aaaaaaaaaaaaaaaa", "document_kind": "medical_questionnaire"})
    deps.clock.advance(seconds=1)
    read_log.record(deps, IRSS, "po-a", reads.DOCUMENT_READ, WHERE,
                    {"document_id": "d-bbbbbbbbbbbbbbbb", "document_kind": "medical_questionnaire"})
    deps.clock.advance(seconds=1)
    read_log.record_export(deps, IRSS, ["po-a"], WHERE, {"filters": {"stage": "medically_unfit"}, "rows": 1})

    def seen(actor: Actor) -> Any:
        found = read_log.log_for(deps, actor, "po-a")
        return None if found is None else [(r["username"], r["kind"], r["filters"]) for r in found]

    assert seen(COORDINATOR) is None and seen(HEALTH) is None
    assert seen(IRSS) == [("irss.one", "export_read", {"stage": "medically_unfit"}),
                          ("irss.one", "document_read", None), ("health.one", "document_read", None),
                          ("coord.one", "file_read", None)]
    # An administrator: no read by health staff, none of a medical document, the medical end's filter as they see it
    assert seen(ADMIN) == [("irss.one", "export_read", {"stage": "not_selected"}), ("coord.one", "file_read", None)]


def test_the_applicant_is_told_the_days_in_ottawa_never_who():
    rows = [reads.entry("po-a", reads.FILE_READ, who, WHERE, at, i) for i, (who, at) in enumerate((
        (HEALTH, "2026-03-02T03:00:00.000000Z"),   # 22:00 the day before in Ottawa
        (IRSS, "2026-03-02T15:00:00.000000Z"), (COORDINATOR, "2026-03-02T16:00:00.000000Z")))]
    assert reads.consulted_on(rows) == ["2026-03-01", "2026-03-02"]


def test_a_read_that_cannot_be_recorded_is_refused():
    # Given a store whose every write is refused (the in-memory fake of our own UnitOfWork, refusing)
    deps = make_deps()
    real = deps.store.unit_of_work

    def refusing() -> Any:
        uow = real()
        uow.commit = lambda: (_ for _ in ()).throw(ConditionFailed({"audit"}))
        return uow

    deps.store.unit_of_work = refusing
    # When a read is recorded, then it is refused (503), and nothing was written
    with pytest.raises(ReadNotRecorded) as refused:
        read_log.record(deps, IRSS, "po-a", reads.FILE_READ, WHERE)
    assert refused.value.status == 503 and "consignée" in refused.value.detail_fr
    assert deps.store.audit.trail("reads#po-a") == []


def test_sequence_numbers_order_by_time():
    early = reads.seq_for(datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc), reads.SEQ_SPREAD - 1)
    late = reads.seq_for(datetime(2026, 3, 2, 9, 0, 0, 1, tzinfo=timezone.utc), 0)
    assert early < late
