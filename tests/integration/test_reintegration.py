"""Return and reintegration through the HTTP API on moto: the guide tasks of the readiness staff, health's
post-mission follow-up, the file's completion and what the applicant sees of it."""
from __future__ import annotations

import json
from typing import Any

from .conftest import sent_messages, staff_call
from .test_workflow_paths import (File, applicant_status, file_view, mails_to, put_family_readiness, shortcut_to,
                                  step, submitted)


def tasks(f: File, status: str | None = None) -> list[dict[str, Any]]:
    r = staff_call(f.client, "get", "/admin/guide-tasks" + (f"?status={status}" if status else ""), f.tokens["irss"])
    assert r.status_code == 200, r.body
    return [t for t in json.loads(r.body)["tasks"] if t["application_id"] == f.app_id]


def mark_sent(f: File, task_id: str) -> Any:
    return staff_call(f.client, "post", f"/admin/guide-tasks/{task_id}/sent", f.tokens["irss"], {})


def follow_up(f: File, body: Any = None) -> Any:
    return staff_call(f.client, "post", f"/admin/applications/{f.app_id}/post-mission-follow-up", f.tokens["health"],
                      {"done": True} if body is None else body)


def audit_kinds(f: File) -> list[str]:
    return [a["kind"] for a in file_view(f)["audit"]]


def test_from_deployment_to_a_complete_file(client, tokens):
    # Given an SPVM officer at training whose family-readiness form asks for both guides
    f = submitted(client, tokens)
    shortcut_to(f, "training")
    put_family_readiness(f)

    # Then "Before the Mission" is a task for IRSS, with whom to send it to, and the applicant sees it on its way
    [before] = tasks(f)
    assert (before["guide"], before["status"], before["language"], before["email"]) == (
        "before_the_mission", "open", "fr", f.email)
    assert [g["state"] for g in applicant_status(f)["guides"]] == ["on_its_way"]

    # When IRSS deploy the officer, then the status gives the deployment's start and planned end
    step(f, "irss", "deployed")
    deployment = applicant_status(f)["deployment"]
    assert deployment["started_on"] and deployment["planned_end"] > deployment["started_on"]
    assert deployment["ended_on"] is None
    # and health cannot record a follow-up before the return
    assert follow_up(f).status_code == 409

    # When the officer returns
    coordinator_mails = len(mails_to(f.coordinator))
    step(f, "irss", "returned", reason="rotation_completed")

    # Then the return day is the roster entry's end, the reintegration guide is a task, the coordinator was told
    s = applicant_status(f)
    assert s["follow_up"] == {"returned_on": s["deployment"]["ended_on"], "post_mission_follow_up": "to_come",
                              "guides_pending": 2, "complete": False, "completed_at": None}
    assert {t["guide"] for t in tasks(f)} == {"before_the_mission", "reintegration_guide"}
    assert len(mails_to(f.coordinator)) == coordinator_mails + 1
    assert "Retour de mission" in mails_to(f.coordinator)[-1].subject

    # When IRSS mark "Before the Mission" sent, twice
    first = mark_sent(f, before["task_id"])
    trail_after_first, mails_after_first = audit_kinds(f), len(sent_messages())
    again = mark_sent(f, before["task_id"])
    # Then both answers are the same, the second wrote nothing and sent nothing
    assert first.status_code == again.status_code == 200
    assert json.loads(first.body) == json.loads(again.body)
    assert json.loads(first.body)["status"] == "done" and json.loads(first.body)["sent_by"]
    assert audit_kinds(f) == trail_after_first and len(sent_messages()) == mails_after_first
    assert trail_after_first[-1] == "guide_sent"

    # When health record the follow-up, the file waits for the last guide
    r = follow_up(f)
    assert r.status_code == 200, r.body
    assert json.loads(r.body)["complete"] is False
    assert follow_up(f).status_code == 409  # once
    assert applicant_status(f)["follow_up"]["post_mission_follow_up"] == "done"

    # When IRSS send the reintegration guide
    mails_before = len(sent_messages())
    [guide] = [t for t in tasks(f) if t["guide"] == "reintegration_guide"]
    assert mark_sent(f, guide["task_id"]).status_code == 200

    # Then the file is complete and the applicant is told, in French, with their link
    s = applicant_status(f)
    assert s["follow_up"]["complete"] is True and s["follow_up"]["guides_pending"] == 0
    assert [g["state"] for g in s["guides"]] == ["sent", "sent"]
    [mail] = [m for m in sent_messages()[mails_before:] if m.destinations["ToAddresses"] == [f.email]]
    assert mail.subject.startswith("Votre dossier est complet") and "?token=" in mail.body
    # and the open list no longer holds the file's tasks, the done list holds both
    assert tasks(f) == [] and len(tasks(f, "done")) == 2 and len(tasks(f, "all")) == 2
    assert audit_kinds(f)[-3:] == ["guide_sent", "post_mission_follow_up", "guide_sent"]


def test_the_task_list_takes_only_a_known_status_and_an_unknown_task_is_404(client, tokens):
    r = staff_call(client, "get", "/admin/guide-tasks?status=pending", tokens["irss"])
    assert r.status_code == 400, r.body
    r = staff_call(client, "post", "/admin/guide-tasks/po-none.reintegration_guide/sent", tokens["irss"], {})
    assert r.status_code == 404, r.body


def test_health_record_done_and_nothing_more(client, tokens):
    f = submitted(client, tokens)
    shortcut_to(f, "returned")
    for body in ({}, {"done": True, "note": "Tout va bien"}, {"done": False}):
        assert follow_up(f, body).status_code == 422
    assert follow_up(f).status_code == 200
