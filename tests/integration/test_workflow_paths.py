"""Whole selection paths through the HTTP API with real coordinator tokens.

Given a file, when each role makes its move, then at every step: the answer,
one new audit row in the coordinators' view, exactly the new emails (the
applicant's in their language with the status link and no medical or family
detail, the coordinator's where workflow.json says so), the seat count, and
one more entry in the applicant's plain-language timeline.

Expected subjects, labels and recipients are read from the data files
(workflow.json, emails.json, police_services.json), not from the code that
renders them.
"""
from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .conftest import (application, bearer, deliver_outbox, family_readiness, link_token, move, post_json, sent_messages,
                       staff_call)

DATA = Path(__file__).resolve().parents[2] / "chalicelib" / "data"
WORKFLOW = json.loads((DATA / "workflow.json").read_text(encoding="utf-8"))
EMAILS = json.loads((DATA / "emails.json").read_text(encoding="utf-8"))
COORDINATOR_EMAIL = {s["code"]: s["coordinator_email"]
                     for s in json.loads((DATA / "police_services.json").read_text(encoding="utf-8"))["services"]}
NOTIFY_COORDINATOR = set(WORKFLOW["notify_coordinator_on"])
IRSS_EMAIL = json.loads((DATA / "police_services.json").read_text(encoding="utf-8"))["program_contacts"]["irss"]["email"]


def template_for(stage: str, reason: str | None) -> str:
    """The applicant's email for a move: the reason's own template where it names one, else the stage's."""
    code = WORKFLOW["reasons"].get(stage, {}).get("codes", {}).get(reason or "", {})
    return code.get("email_template") or WORKFLOW["stages"][stage]["email_template"]
PATHWAY_OF_KIND = WORKFLOW["kinds"]
FORMS = list(WORKFLOW["preliminary_forms"])

# What must never reach an email: the family-readiness form and medical outcomes.
FAMILY = family_readiness()
PRIVATE_TEXT = (FAMILY["support_details"], FAMILY["emergency_contact_name"], FAMILY["emergency_contact_phone"],
                "needs_consultation", "consultation")
PRIVATE_WORD = re.compile(r"\b(fit|unfit|apte|inapte)\b", re.IGNORECASE)


@dataclass
class File:
    """An applicant's file as the test follows it."""

    client: Any
    tokens: dict[str, str]
    app_id: str
    access_token: str
    email: str
    lang: str
    coordinator: str
    reference: str = ""
    stage: str = "submitted"
    base_url: str = field(default="")
    pathway: str = "deployment"

    @property
    def status_url(self) -> str:
        return f"{self.base_url}/{self.lang}/status/{self.app_id}"


def role(who: str) -> str:
    return "service_coordinator" if who.startswith("coordinator.") else who


def file_view(f: File) -> dict[str, Any]:
    """The coordinators' view of the file (an IRSS token sees every row)."""
    r = staff_call(f.client, "get", f"/admin/applications/{f.app_id}", f.tokens["irss"])
    assert r.status_code == 200, r.body
    return json.loads(r.body)


def applicant_status(f: File) -> dict[str, Any]:
    r = f.client.http.get(f"/applications/{f.app_id}", headers=bearer(f.access_token))
    assert r.status_code == 200, r.body
    return json.loads(r.body)


def mails_to(address: str) -> list[Any]:
    return [m for m in sent_messages() if m.destinations["ToAddresses"] == [address]]


def cap(f: File, cap_id: str) -> int:
    return int(json.loads(staff_call(f.client, "get", f"/admin/caps/{cap_id}", f.tokens["admin"]).body)["deployed"])


def expected_subject(template: str, stage: str, f: File) -> str:
    label = WORKFLOW["stages"][stage]["label"][f.lang]
    return EMAILS[template]["subject"][f.lang].format(reference=f.reference, stage_label=label)


def assert_private(mail: Any, hidden: tuple[str, ...]) -> None:
    for text in PRIVATE_TEXT + hidden:
        assert text not in mail.body and text not in mail.subject, f"{text!r} in {mail.subject!r}"
    assert not PRIVATE_WORD.search(mail.body), mail.body


def check_emails(f: File, new: list[Any], stage: str, hidden: tuple[str, ...] = (), reason: str | None = None) -> Any:
    """Exactly the new emails: the applicant's, plus the coordinator's where the stage calls for one, plus IRSS's
    seat-available notice when the move frees a seat."""
    mine = [m for m in new if m.destinations["ToAddresses"] == [f.email]]
    theirs = [m for m in new if m.destinations["ToAddresses"] == [f.coordinator]]
    program = [m for m in new if m.destinations["ToAddresses"] == [IRSS_EMAIL]]
    want_coordinator = 1 if stage in NOTIFY_COORDINATOR else 0
    want_program = 1 if f.stage == "deployed" else 0
    assert (len(mine), len(theirs), len(program), len(new)) == (
        1, want_coordinator, want_program, 1 + want_coordinator + want_program), [m.subject for m in new]
    mail = mine[0]
    assert mail.subject == expected_subject(template_for(stage, reason), stage, f)
    assert f.status_url in mail.body
    # says what comes next, its figures filled ("at least 80 %", never "{pass_mark}")
    own = WORKFLOW["pathways"][f.pathway].get("next_steps", {})
    next_step = (own.get(stage) or WORKFLOW["stages"][stage]["next_step"])[f.lang]
    next_step = next_step.replace("{pass_mark}", str(WORKFLOW["module_pass_mark"]))
    assert html.escape(next_step) in mail.body and "{" not in mail.body
    assert_private(mail, hidden)
    if theirs:
        assert theirs[0].subject == expected_subject(f"coordinator_{stage}", stage, f)
        assert f.reference in theirs[0].body
        assert_private(theirs[0], hidden)
    return mail


def check_timeline(f: File, before: list[dict[str, Any]], stage: str, hidden: tuple[str, ...]) -> None:
    """One more plain-language entry, nothing earlier changed, no code or note anywhere."""
    status = applicant_status(f)
    assert status["history"][:-1] == before
    last = status["history"][-1]
    assert (last["stage"], last["label"]) == (stage, WORKFLOW["stages"][stage]["label"])
    assert status["stage"] == stage and status["closed"] is WORKFLOW["stages"][stage]["terminal"]
    # and the status page shows where the file is on its own pathway
    assert status["pathway"]["name"] == f.pathway
    assert [s["stage"] for s in status["pathway"]["stages"] if s["state"] == "current"] == [stage]
    shown = json.dumps(status, ensure_ascii=False)
    for text in hidden:
        assert text not in shown, text


def check_audit(f: File, version: int, who: str, to: str, reason: str | None, note: str | None,
                before: list[dict[str, Any]]) -> dict[str, Any]:
    """One row appended at the file's new version; earlier rows untouched; its emails recorded as sent (once the
    stream's delivery has run, seconds after the move in AWS)."""
    deliver_outbox()
    view = file_view(f)
    rows = view["audit"]
    assert rows[:-1] == before and rows[-1]["seq"] == version
    row = rows[-1]
    assert (row["kind"], row["from_stage"], row["to_stage"], row["actor_role"]) == ("stage_change", f.stage, to, role(who))
    assert (row["reason_code"], row["note"]) == (reason, note)
    assert row["initiated_by"] == (role(who) if to == "withdrawn" else None)
    outbox = {e["recipient"]: e["status"] for e in view["emails"] if e["message_id"].startswith(f"{f.app_id}:{version}:")}
    assert outbox == {"applicant": "sent", **({"coordinator": "sent"} if to in NOTIFY_COORDINATOR else {})}
    return row


def request_move(f: File, who: str, to: str, reason: str | None, note: str | None) -> Any:
    given = {k: v for k, v in (("expected_stage", f.stage), ("reason_code", reason), ("note", note)) if v is not None}
    if who == "applicant":
        return post_json(f.client, f"/applications/{f.app_id}/withdrawal", given, **bearer(f.access_token))
    return staff_call(f.client, "post", f"/admin/applications/{f.app_id}/moves", f.tokens[who], {"to_stage": to, **given})


def step(f: File, who: str, to: str, reason: str | None = None, note: str | None = None) -> Any:
    """Given the file where the test left it, when ``who`` moves it to ``to``, then every trace follows.

    Returns the applicant's email for this step.
    """
    audit_before, history_before = file_view(f)["audit"], applicant_status(f)["history"]
    mails_before = len(sent_messages())
    r = request_move(f, who, to, reason, note)
    assert r.status_code == 200, r.body
    answer = json.loads(r.body)
    assert (answer["previous_stage"], answer["stage"]) == (f.stage, to)
    hidden = tuple(t for t in (reason, note) if t)
    check_audit(f, answer["version"], who, to, reason, note, audit_before)
    mail = check_emails(f, sent_messages()[mails_before:], to, hidden, reason)
    check_timeline(f, history_before, to, hidden)
    f.stage = to
    return mail


def submitted(client: Any, tokens: dict[str, str], **overrides: Any) -> File:
    """Given a valid application, when it is submitted, then the file, its first row and its emails exist."""
    from chalicelib.config import get_settings

    doc = application(**overrides)
    mails_before = len(sent_messages())
    r = post_json(client, "/applications", doc)
    assert r.status_code == 201, r.body
    created = json.loads(r.body)
    from chalicelib.domain.missions import seed_catalogue

    kind = {m.mission_id: m.kind for m in seed_catalogue()[1]}[doc["missions"][0]]
    f = File(client, tokens, created["application_id"], created["access_token"], doc["email"],
             doc["preferred_language"], COORDINATOR_EMAIL[doc["police_service"]], base_url=get_settings().base_url,
             pathway=PATHWAY_OF_KIND[kind])
    view = file_view(f)
    f.reference = view["reference"]
    assert [(a["seq"], a["kind"], a["to_stage"], a["actor_role"]) for a in view["audit"]] == [
        (1, "submitted", "submitted", "applicant")]
    mail = check_emails(f, sent_messages()[mails_before:], "submitted")
    f.access_token = link_token(mail.body)  # the private link in the email opens the file
    check_timeline(f, [], "submitted", ())
    return f


def put_family_readiness(f: File) -> None:
    r = f.client.http.put(f"/applications/{f.app_id}/family-readiness",
                          headers={"Content-Type": "application/json", **bearer(f.access_token)},
                          body=json.dumps(family_readiness()))
    assert r.status_code == 200, r.body


def record(f: File, who: str, method: str, what: str, body: dict[str, Any]) -> None:
    r = staff_call(f.client, method, f"/admin/applications/{f.app_id}/{what}", f.tokens[who], body)
    assert r.status_code == 200, r.body


def return_forms(f: File, forms: list[str]) -> None:
    """IRSS records Preliminary Instructions forms as returned (through the service until the route exists)."""
    from chalicelib.api.wiring import deps
    from chalicelib.domain.workflow import Actor
    from chalicelib.services import workflow

    workflow.record_forms_returned(deps(), f.app_id, Actor("irss", "irss-test"), {"forms": forms})


def refused(f: File, who: str, to: str, guard: str) -> dict[str, Any]:
    """The guard answers 409 in both languages; the file, its trail and the outbox stay as they were."""
    view_before, mails_before = file_view(f), len(sent_messages())
    r = move(f.client, f.tokens[who], f.app_id, to, f.stage)
    assert r.status_code == 409, r.body
    body = json.loads(r.body)
    assert body["guard"] == guard and body["reason"]["en"] and body["reason"]["fr"]
    view = file_view(f)
    assert (view["stage"], view["audit"], view["emails"]) == (f.stage, view_before["audit"], view_before["emails"])
    assert len(sent_messages()) == mails_before
    return body


def shortcut_to(f: File, stage: str, **facts: Any) -> None:
    """Put a file straight into ``stage`` (for tests about one move, not the path), as a file stored by an earlier
    version: the pipeline's counters are rebuilt as an upgrade's seed does."""
    from chalicelib.adapters.models import ApplicationModel
    from chalicelib.api.wiring import deps
    from chalicelib.services import counts

    actions = [ApplicationModel.stage.set(stage)] + [getattr(ApplicationModel, k).set(v) for k, v in facts.items()]
    ApplicationModel(f.app_id).update(actions=actions)
    counts.rebuild(deps())
    f.stage = stage


def test_un_mission_whole_path_in_french(client, tokens):
    # Given a French-speaking SPVM officer applying to Haiti (UN: interview and online modules)
    f = submitted(client, tokens)
    assert cap(f, "haiti") == 40

    step(f, "coordinator.spvm", "service_review", note="Sgte en congé jusqu'en mai; libérée par l'inspecteur")
    step(f, "coordinator.spvm", "irss_review")
    refused(f, "irss", "preliminary_instructions", "no_interview_required")  # UN: interview first
    step(f, "irss", "interview")
    step(f, "irss", "preliminary_instructions")
    refused(f, "irss", "medical", "preliminary_forms_returned")
    return_forms(f, FORMS)
    refused(f, "irss", "medical", "family_readiness_on_file")
    put_family_readiness(f)
    step(f, "irss", "medical")
    refused(f, "irss", "un_modules", "medically_fit")
    record(f, "health", "put", "medical-outcome", {"outcome": "needs_consultation"})
    refused(f, "irss", "un_modules", "medically_fit")
    record(f, "health", "put", "medical-outcome", {"outcome": "fit"})
    refused(f, "irss", "final_recommendation", "not_un_mission")
    step(f, "irss", "un_modules")
    refused(f, "irss", "final_recommendation", "un_modules_passed")
    record(f, "irss", "post", "module-results", {"module": "un-online-modules", "score": 79})
    refused(f, "irss", "final_recommendation", "un_modules_passed")  # 79 < 80
    record(f, "irss", "post", "module-results", {"module": "un-online-modules", "score": 85})
    step(f, "irss", "final_recommendation")
    step(f, "irss", "joining_instructions")
    step(f, "irss", "training")
    step(f, "irss", "deployed")
    assert cap(f, "haiti") == 41
    step(f, "irss", "returned", reason="rotation_completed")
    assert cap(f, "haiti") == 40

    # Then the coordinators' trail holds every move and every fact, in order
    view = file_view(f)
    moves = ["service_review", "irss_review", "interview", "preliminary_instructions", "medical", "un_modules",
             "final_recommendation", "joining_instructions", "training", "deployed", "returned"]
    assert [a["to_stage"] for a in view["audit"] if a["kind"] == "stage_change"] == moves
    kinds = [a["kind"] for a in view["audit"]]
    assert [kinds.count(k) for k in ("forms_returned", "family_readiness", "medical_outcome", "module_result")] == [
        1, 1, 2, 2]  # the modules recorded at 79, then 85
    status = applicant_status(f)
    assert status["closed"] is True and status["can_withdraw"] is False
    assert [s["state"] for s in status["pathway"]["stages"]] == ["done"] * 11 + ["current"]
    # submitted, deployed, returned
    assert len(mails_to(f.email)) == 1 + len(moves) and len(mails_to(f.coordinator)) == 3


def test_non_un_mission_skips_interview_and_modules(client, tokens):
    # Given an English-speaking OPP officer applying to Iraq (not UN: no interview, no UN modules)
    f = submitted(client, tokens, email="sam.lee@example.ca", preferred_language="en", police_service="opp",
                  missions=["iraq-mlt"])
    assert cap(f, "iraq") == 3
    assert [s["stage"] for s in applicant_status(f)["pathway"]["stages"]] == [
        "submitted", "service_review", "irss_review", "preliminary_instructions", "medical", "final_recommendation",
        "joining_instructions", "training", "deployed", "returned"]

    step(f, "coordinator.opp", "service_review")
    step(f, "irss", "irss_review")
    refused(f, "irss", "interview", "interview_required")
    step(f, "irss", "preliminary_instructions")
    put_family_readiness(f)
    return_forms(f, FORMS)
    step(f, "irss", "medical")
    record(f, "health", "put", "medical-outcome", {"outcome": "fit"})
    r = move(client, tokens["health"], f.app_id, "final_recommendation", "medical")  # health records; IRSS moves on
    assert r.status_code == 403
    refused(f, "irss", "un_modules", "un_mission")
    step(f, "irss", "final_recommendation")
    step(f, "irss", "joining_instructions")
    step(f, "irss", "training")  # no module results on file, and none needed
    step(f, "irss", "deployed", note="Arrival in Baghdad confirmed by the contingent commander")
    assert cap(f, "iraq") == 4
    step(f, "irss", "returned", reason="rotation_completed")
    assert cap(f, "iraq") == 3
    # received and 9 moves; submitted, deployed and returned
    assert len(mails_to(f.email)) == 10 and len(mails_to(f.coordinator)) == 3


def _call_of(f: File) -> dict[str, Any]:
    from chalicelib.adapters.models import ApplicationModel

    bulletin_id = ApplicationModel.get(f.app_id).bulletin_id
    r = f.client.http.get(f"/bulletins/{bulletin_id}")
    assert r.status_code == 200, r.body
    return {"bulletin_id": bulletin_id, **json.loads(r.body)}


def _places_taken(bulletin_id: str) -> int:
    from chalicelib.adapters.models import BulletinModel

    return int(BulletinModel.get("bulletin", bulletin_id).places_taken or 0)


def test_nomination_path_fills_a_session_to_its_last_place(client, tokens):
    # Given JRR roster-training applications (a nomination: no medical, no modules, no seat), in both languages
    first = submitted(client, tokens, missions=["justice-rapid-response"])
    assert first.pathway == "nomination"
    call = _call_of(first)
    positions = int(call["positions"])
    cap_before = cap(first, "jrr")

    # When the coordinator nominates, IRSS reviews and nominates, and the nominee is certified on the roster
    step(first, "coordinator.spvm", "service_nomination")
    step(first, "coordinator.spvm", "irss_review")
    refused(first, "irss", "medical", "transition")
    step(first, "irss", "nominated")  # the coordinator is told (notify_coordinator_on)
    refused(first, "irss", "attended", "no_roster_certification")  # a roster's training ends on the roster
    step(first, "irss", "roster_certified")
    assert [s["state"] for s in applicant_status(first)["pathway"]["stages"]] == ["done"] * 4 + ["current"]
    assert _places_taken(call["bulletin_id"]) == 1 and cap(first, "jrr") == cap_before

    # and as many more as the session has places left, in English, and one more
    others = [submitted(client, tokens, email=f"nominee{i}@example.ca", preferred_language="en", police_service="opp",
                        missions=["justice-rapid-response"]) for i in range(positions)]
    for f in others:
        step(f, "irss", "service_nomination")
        step(f, "irss", "irss_review")
    for f in others[:-1]:
        step(f, "irss", "nominated")

    # Then exactly the positions are taken; the last file is refused with nothing changed
    assert _places_taken(call["bulletin_id"]) == positions
    body = refused(others[-1], "irss", "nominated", "place_available")
    assert f"{positions} positions" in body["reason"]["en"] and f"{positions} postes" in body["reason"]["fr"]
    assert _places_taken(call["bulletin_id"]) == positions

    # When a nominee withdraws, their place is freed in the same write, and the last file takes it
    step(others[0], "applicant", "withdrawn", reason="career_timing")
    assert _places_taken(call["bulletin_id"]) == positions - 1
    step(others[-1], "irss", "nominated")
    assert _places_taken(call["bulletin_id"]) == positions
    assert len(mails_to(first.email)) == 5  # received, 4 moves


def test_not_nominated_needs_a_coded_reason(client, tokens):
    f = submitted(client, tokens, email="sam.lee@example.ca", preferred_language="en", police_service="opp",
                  missions=["senior-strategic-advisors-master-class"])
    step(f, "irss", "service_nomination")  # IRSS may nominate for the senior courses
    r = move(client, tokens["coordinator.opp"], f.app_id, "not_nominated", "service_nomination")
    assert r.status_code == 422 and json.loads(r.body)["errors"][0]["pointer"] == "/reason_code"
    step(f, "coordinator.opp", "not_nominated", reason="service_operational_needs")


def test_a_stored_file_at_a_stage_that_no_longer_exists_moves_on(client, tokens):
    # Given a Haiti file stored at pre_deployment (the old stage after the medical), modules passed
    f = submitted(client, tokens, missions=["haiti-minustah"])
    shortcut_to(f, "pre_deployment", medical_outcome="fit",
                modules={"un-online-modules": 90})
    # Then every view reads it under its new name (the adapter applies workflow.json's renamed_stages)
    assert file_view(f)["stage"] == "joining_instructions"
    report = json.loads(staff_call(client, "get", "/admin/reports/pipeline", tokens["irss"]).body)
    haiti = next(m for m in report["missions"] if m["mission_id"] == "haiti-minustah")
    assert haiti["counts"]["joining_instructions"] == 1 and "pre_deployment" not in haiti["counts"]
    # When IRSS moves it to training, as before
    r = move(client, tokens["irss"], f.app_id, "training", "joining_instructions")
    # Then it holds: the file read as joining_instructions, and its new stage is written
    assert r.status_code == 200, r.body
    assert (json.loads(r.body)["previous_stage"], file_view(f)["stage"]) == ("joining_instructions", "training")


def test_deployed_officer_ends_mission_early(client, tokens):
    # Given an officer deployed to Iraq
    f = submitted(client, tokens, email="sam.lee@example.ca", preferred_language="en", police_service="opp",
                  missions=["iraq-mlt"])
    shortcut_to(f, "training")
    step(f, "irss", "deployed")
    assert cap(f, "iraq") == 4
    assert applicant_status(f)["can_end_mission_early"] is True and applicant_status(f)["can_withdraw"] is False
    # When the officer ends the mission from their status page (the same "stop" as a withdrawal)
    mails_before = len(sent_messages())
    r = post_json(f.client, f"/applications/{f.app_id}/withdrawal",
                  {"expected_stage": "deployed", "note": "My father is in hospital"}, **bearer(f.access_token))
    assert r.status_code == 200, r.body
    # Then the file is returned, ended early at the officer's request (not withdrawn), the seat is freed
    assert json.loads(r.body)["stage"] == "returned"
    assert cap(f, "iraq") == 3
    [last] = [a for a in file_view(f)["audit"] if a["kind"] == "stage_change"][-1:]
    assert (last["to_stage"], last["reason_code"], last["actor_role"]) == ("returned", "ended_early", "applicant")
    # and the officer is thanked (never told to "apply again"), the coordinator and IRSS are told
    mail = check_emails(f, sent_messages()[mails_before:], "returned", ("My father is in hospital",), "ended_early")
    assert "Thank you for your service" in mail.body and "apply again" not in mail.body
    [notice] = mails_to(f.coordinator)[-1:]
    assert "(ended early at the officer" in notice.body
    status = applicant_status(f)
    assert status["stage"] == "returned" and status["can_withdraw"] is False and status["can_end_mission_early"] is False


def test_ends_need_coded_reasons(client, tokens):
    f = submitted(client, tokens)
    step(f, "coordinator.spvm", "service_review")
    r = move(client, tokens["coordinator.spvm"], f.app_id, "not_selected", "service_review")
    assert r.status_code == 422 and json.loads(r.body)["errors"][0]["pointer"] == "/reason_code"
    step(f, "coordinator.spvm", "not_selected", reason="criteria_not_met", note="Fewer than 5 years in patrol")


def test_medically_unfit_keeps_no_detail(client, tokens):
    from chalicelib.adapters.models import ApplicationModel

    f = submitted(client, tokens, missions=["iraq-mlt"])
    shortcut_to(f, "medical")
    detail = staff_call(client, "put", f"/admin/applications/{f.app_id}/medical-outcome", tokens["health"],
                        {"outcome": "unfit", "diagnosis": "should not be stored"})
    assert detail.status_code == 422 and json.loads(detail.body)["errors"][0]["pointer"] == "/diagnosis"
    record(f, "health", "put", "medical-outcome", {"outcome": "unfit"})
    step(f, "health", "medically_unfit", reason="medical_requirements_not_met")
    assert "should not be stored" not in json.dumps(ApplicationModel.get(f.app_id).serialize())
    bad = staff_call(client, "put", f"/admin/applications/{f.app_id}/medical-outcome", tokens["health"], {"outcome": "broken leg"})
    assert bad.status_code == 422


def test_stale_move_gets_409_with_current_state(client, tokens):
    f = submitted(client, tokens)
    step(f, "irss", "service_review")
    r = move(client, tokens["irss"], f.app_id, "service_review", "submitted")  # a retry of the same move
    assert r.status_code == 409
    body = json.loads(r.body)
    assert body["code"] == "stale-state" and body["current_stage"] == "service_review"
    assert [a["to_stage"] for a in file_view(f)["audit"]].count("service_review") == 1  # no duplicate record
    assert len(mails_to(f.email)) == 2  # confirmation + one stage email


def test_deploying_without_authorized_figure_is_refused(client, tokens):
    f = submitted(client, tokens, missions=["drc-monusco"])
    shortcut_to(f, "training", modules={"un-online-modules": 90})
    refused(f, "irss", "deployed", "seat_available")


def test_full_cap_refuses_deployment(client, tokens):
    f = submitted(client, tokens, missions=["ukraine-euam"])  # Ukraine: 20 of 20 deployed
    shortcut_to(f, "training")
    body = refused(f, "irss", "deployed", "seat_available")
    assert "No seat left" in body["reason"]["en"] and "Aucune place" in body["reason"]["fr"]
    assert cap(f, "ukraine") == 20
