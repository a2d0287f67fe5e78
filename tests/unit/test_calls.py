"""Calls for applications on the in-memory fake: the draft status (never public, never open), the publish rule
with each of its reasons, publish, extend (each draft holder told once), close early and copy."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from chalicelib.domain import call_rules
from chalicelib.domain.bulletins import Bulletin
from chalicelib.domain.errors import Conflict, StaleState, ValidationFailed
from chalicelib.domain.workflow import Actor
from chalicelib.services import bulletins, drafts

from .fakes import application, make_deps
from .test_drafts import page_answers

ADMIN = Actor("admin", "admin-1")
CALL: dict[str, Any] = {
    "bulletin_id": "italy-2099", "mission_id": "italy-spc-brindisi", "positions": 2,
    "opens_at": "2020-01-05T09:00:00-05:00", "closes_at": "2099-02-05T23:59:00-05:00",
    "title": {"en": "Brindisi", "fr": "Brindisi"}, "description": {"en": "Advisers.", "fr": "Conseillers."},
    "contact": {"name": {"en": "IRSS", "fr": "RPSI"}, "email": "peacekeeping@rcmp-grc.gc.ca"},
    "criteria": {"required_documents": ["un_modules"]}, "published": False,
}


def codes(err: ValidationFailed) -> set[tuple[str, str]]:
    return {(e.pointer, e.code) for e in err.errors}


def test_a_draft_is_never_open_nor_public_and_an_old_call_reads_as_published() -> None:
    deps = make_deps()
    made = bulletins.create_bulletin(deps, ADMIN, CALL)
    assert made["status"] == "draft"
    b = Bulletin.from_dict(CALL)
    assert not b.is_open(deps.clock()) and b.status(deps.clock()) == "draft"
    assert all(c["bulletin_id"] != "italy-2099" for c in bulletins.list_open(deps))
    with pytest.raises(Exception, match="No such call"):
        bulletins.get_bulletin(deps, "italy-2099")
    old = {k: v for k, v in CALL.items() if k != "published"}
    assert Bulletin.from_dict(old).published and Bulletin.from_dict(old).status(deps.clock()) == "open"


@pytest.mark.parametrize("change, expected", [
    ({"title": {"en": "Brindisi", "fr": ""}}, ("/title/fr", "missing-text")),
    ({"description": {"en": " ", "fr": "x"}}, ("/description/en", "missing-text")),
    ({"contact": {"name": {"en": "", "fr": "RPSI"}, "email": "peacekeeping@rcmp-grc.gc.ca"}}, ("/contact/name/en", "missing-contact")),
    ({"contact": {"name": {"en": "IRSS", "fr": "RPSI"}, "email": ""}}, ("/contact/email", "missing-contact")),
    ({"mission_id": "ukraine-euam"}, ("/criteria/required_documents", "not-in-pathway")),
    ({"mission_id": "un-saat-instructors", "criteria": {"required_documents": ["preliminary_instructions"]}},
     ("/criteria/required_documents", "not-in-pathway")),
])
def test_publishing_is_refused_with_the_reason_by_field(change: dict[str, Any], expected: tuple[str, str]) -> None:
    deps = make_deps()
    bulletins.create_bulletin(deps, ADMIN, {**CALL, **change})
    with pytest.raises(ValidationFailed) as err:
        bulletins.publish_bulletin(deps, ADMIN, "italy-2099", {"version": 1})
    assert expected in codes(err.value)
    assert bulletins.get_bulletin(deps, "italy-2099", staff=True)["status"] == "draft"  # nothing half-written


def test_the_un_modules_belong_to_a_un_deployment_only() -> None:
    from chalicelib.domain.workflow import load_workflow

    deps = make_deps()
    wf = load_workflow()
    un, eu = deps.store.catalogue.mission("drc-monusco"), deps.store.catalogue.mission("ukraine-euam")
    assert call_rules.stage_documents(wf.pathway_of(un), un, set(wf.stages), ("un_modules", "firearms")) == []
    assert call_rules.stage_documents(wf.pathway_of(eu), eu, set(wf.stages), ("un_modules", "firearms")) == ["un_modules"]


def test_an_api_create_of_a_published_call_keeps_the_rule_and_an_edit_of_a_seeded_call_is_not_refused() -> None:
    deps = make_deps()
    with pytest.raises(ValidationFailed) as err:
        bulletins.create_bulletin(deps, ADMIN, {**CALL, "published": True, "title": {"en": "Brindisi", "fr": ""}})
    assert ("/title/fr", "missing-text") in codes(err.value)
    # An edit of a seeded call that leaves its contact alone is not refused for it
    seeded = next(s for s in deps.store.catalogue.bulletins() if s.bulletin.mission_id == "haiti-minustah")
    assert bulletins.update_bulletin(deps, ADMIN, seeded.bulletin.bulletin_id, {"positions": 7})["positions"] == 7


def test_publish_extend_close_and_copy() -> None:
    deps = make_deps()
    bulletins.create_bulletin(deps, ADMIN, CALL)
    with pytest.raises(StaleState):
        bulletins.publish_bulletin(deps, ADMIN, "italy-2099", {"version": 7})
    assert bulletins.publish_bulletin(deps, ADMIN, "italy-2099", {"version": 1})["status"] == "open"
    assert bulletins.publish_bulletin(deps, ADMIN, "italy-2099", {"version": 1})["version"] == 2  # a retry
    with pytest.raises(ValidationFailed):
        bulletins.extend_deadline(deps, ADMIN, "italy-2099", {"version": 2, "closes_at": "2099-01-01T00:00:00-05:00"})
    out = bulletins.extend_deadline(deps, ADMIN, "italy-2099", {"version": 2, "closes_at": "2099-03-01T23:59:00-05:00"})
    assert out["status"] == "open" and out["closes_at"] == "2099-03-01T23:59:00-05:00"
    closed = bulletins.close_early(deps, ADMIN, "italy-2099", {"version": 3})
    assert closed["status"] == "closed"
    with pytest.raises(Conflict):
        bulletins.close_early(deps, ADMIN, "italy-2099", {"version": 4})
    copy = bulletins.copy_bulletin(deps, ADMIN, "italy-2099", {"bulletin_id": "italy-2100",
                                                               "opens_at": "2100-01-05T09:00:00-05:00",
                                                               "closes_at": "2100-02-05T09:00:00-05:00"})
    assert copy["status"] == "draft" and copy["title"] == CALL["title"] and copy["criteria"]["required_documents"] == ["un_modules"]
    trail = [e.details["change"] for e in deps.store.audit.trail("bulletin#italy-2099")]
    assert trail == ["created:draft", "published", "extended", "closed-early"]


def test_extending_tells_each_draft_holder_once_in_their_language() -> None:
    deps = make_deps()
    call = next(s.bulletin for s in deps.store.catalogue.bulletins() if s.bulletin.mission_id == "haiti-minustah")
    doc = application(email="drafter@example.ca")
    drafts.start(deps, call.bulletin_id, "k-" + "x" * 20, "fr", page_answers("about-you", doc))
    sent = drafts.start(deps, call.bulletin_id, "k-" + "y" * 20, "en", page_answers("about-you", {**doc, "email": "sent@example.ca"}))[0]
    deps.store.state.drafts[sent.draft_id] = replace(sent, application_id="PO-X")
    body = {"version": 1, "closes_at": (call.closes + timedelta(days=10)).isoformat()}
    out = bulletins.extend_deadline(deps, ADMIN, call.bulletin_id, body)
    assert out["drafts_told"] == 1
    again = bulletins.extend_deadline(deps, ADMIN, call.bulletin_id, body)  # the same request retried
    assert "drafts_told" not in again
    told = [m for m in deps.store.state.outbox.values() if m.template == "draft_deadline_extended"]
    assert [(m.to_address, m.language) for m in told] == [("drafter@example.ca", "fr")]
