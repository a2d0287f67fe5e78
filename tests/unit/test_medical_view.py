"""domain/medical_view.py's one rule, on the in-memory store: a closing at the health assessment reads alike to a
role without medical access, and a "not selected" filter lists the medical end's files too (issue 21, finding 1)."""
from __future__ import annotations

import doctest

from chalicelib.domain import medical_view
from chalicelib.domain.records import FileUpdate
from chalicelib.domain.workflow import Actor
from chalicelib.services import files, submissions

from .fakes import application, make_deps

IRSS, ADMIN = Actor("irss", "irss-1"), Actor("admin", "admin-1")
SPVM = Actor("service_coordinator", "coord-spvm", "spvm")


def test_the_rules_examples_hold() -> None:
    assert doctest.testmod(medical_view).failed == 0


def _closed(deps, email: str, stage: str, reason: str) -> str:
    app_id = submissions.submit(deps, application(email=email), None)[1]["application_id"]
    f = deps.store.files.get(app_id)
    uow = deps.store.unit_of_work()
    uow.update_file(FileUpdate(app_id, f.version, f.updated_at, stage=stage, stage_reason=reason, from_stage="medical"))
    uow.commit()
    return app_id


def test_a_not_selected_filter_lists_both_closings_at_the_health_assessment_to_roles_without_medical_access() -> None:
    # Given a file closed on medical grounds and one IRSS closed as not selected from the health assessment
    deps = make_deps()
    unfit = _closed(deps, "m1@example.ca", "medically_unfit", "medical_requirements_not_met")
    by_irss = _closed(deps, "m2@example.ca", "not_selected", "criteria_not_met")
    # When a coordinator or an administrator lists "not selected", and IRSS does
    for actor in (SPVM, ADMIN):
        listed = files.list_files(deps, actor, {"stage": "not_selected"})
        # Then both are listed, alike, and the answer names no other stage
        assert {i["application_id"] for i in listed["items"]} == {unfit, by_irss}
        assert {i["stage"] for i in listed["items"]} == {"not_selected"}
        assert listed["filters"] == {"stage": "not_selected", **({"service": "spvm"} if actor is SPVM else {})}
    assert [i["application_id"] for i in files.list_files(deps, IRSS, {"stage": "not_selected"})["items"]] == [by_irss]
