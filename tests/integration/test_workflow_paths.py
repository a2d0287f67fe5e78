"""Whole selection paths through the HTTP API with real coordinator tokens.

Given a file, when each role makes its move, then the stage, the audit trail,
the cap and the applicant's emails follow at every step.
"""
from __future__ import annotations

import json

from .conftest import bearer, family_readiness, move, sent_messages, staff_call, submit


def audit(client, token, app_id):
    r = staff_call(client, "get", f"/admin/applications/{app_id}", token)
    assert r.status_code == 200, r.body
    return json.loads(r.body)


def mails_to(address):
    return [m for m in sent_messages() if m.destinations["ToAddresses"] == [address]]


def cap(client, tokens, cap_id):
    return json.loads(staff_call(client, "get", f"/admin/caps/{cap_id}", tokens["admin"]).body)


def step(client, token, app_id, to, expected, applicant_email, subject_start, reason=None):
    before = len(mails_to(applicant_email))
    r = move(client, token, app_id, to, expected, reason)
    assert r.status_code == 200, r.body
    assert json.loads(r.body)["stage"] == to
    new = mails_to(applicant_email)[before:]
    assert len(new) == 1, f"one email for {to}"
    assert new[0].subject.startswith(subject_start), new[0].subject
    return new[0]


def refused(client, token, app_id, to, expected, guard):
    r = move(client, token, app_id, to, expected)
    assert r.status_code == 409, r.body
    body = json.loads(r.body)
    assert body["guard"] == guard and body["reason"]["en"] and body["reason"]["fr"]
    return body


def test_un_mission_whole_path_in_french(client, tokens):
    me = "helene.cote@example.ca"
    created = submit(client)  # Haiti (UN, French), SPVM, French-speaking applicant
    app_id, coord, irss, health = created["application_id"], tokens["coordinator.spvm"], tokens["irss"], tokens["health"]
    assert cap(client, tokens, "haiti")["deployed"] == 40

    step(client, coord, app_id, "service_review", "submitted", me, "Votre dossier a progressé : Examen par le service de police")
    step(client, coord, app_id, "irss_review", "service_review", me, "Votre dossier a progressé : Examen de sélection de la GRC")
    refused(client, irss, app_id, "interview", "irss_review", "family_readiness_on_file")
    r = client.http.put(f"/applications/{app_id}/family-readiness", headers={"Content-Type": "application/json", **bearer(created["access_token"])},
                        body=json.dumps(family_readiness()))
    assert r.status_code == 200
    refused(client, irss, app_id, "medical", "irss_review", "no_interview_required")  # UN: interview first
    step(client, irss, app_id, "interview", "irss_review", me, "Votre dossier a progressé : Entrevue")
    step(client, irss, app_id, "medical", "interview", me, "Votre dossier a progressé : Évaluation médicale")
    refused(client, health, app_id, "pre_deployment", "medical", "medically_fit")
    r = staff_call(client, "put", f"/admin/applications/{app_id}/medical-outcome", health, {"outcome": "needs_consultation"})
    assert r.status_code == 200
    refused(client, health, app_id, "pre_deployment", "medical", "medically_fit")
    staff_call(client, "put", f"/admin/applications/{app_id}/medical-outcome", health, {"outcome": "fit"})
    step(client, health, app_id, "pre_deployment", "medical", me, "Votre dossier a progressé : Préparation au déploiement")
    refused(client, irss, app_id, "training", "pre_deployment", "un_modules_passed")
    for module, score in (("un-core-pre-deployment", 92), ("un-bsafe", 79), ("un-psea", 88)):
        assert staff_call(client, "post", f"/admin/applications/{app_id}/module-results", irss,
                          {"module": module, "score": score}).status_code == 200
    refused(client, irss, app_id, "training", "pre_deployment", "un_modules_passed")  # 79 < 80
    staff_call(client, "post", f"/admin/applications/{app_id}/module-results", irss, {"module": "un-bsafe", "score": 85})
    step(client, irss, app_id, "training", "pre_deployment", me, "Votre dossier a progressé : Formation")
    coord_before = len(mails_to("peaceops-coordinator.spvm@example.ca"))
    step(client, irss, app_id, "deployed", "training", me, "Votre dossier a progressé : Déployé")
    assert cap(client, tokens, "haiti")["deployed"] == 41
    assert len(mails_to("peaceops-coordinator.spvm@example.ca")) == coord_before + 1
    step(client, irss, app_id, "returned", "deployed", me, "Votre dossier a progressé : Retour de mission")
    assert cap(client, tokens, "haiti")["deployed"] == 40

    view = audit(client, irss, app_id)
    stage_changes = [(a["from_stage"], a["to_stage"], a["actor_role"]) for a in view["audit"] if a["kind"] == "stage_change"]
    assert stage_changes == [
        ("submitted", "service_review", "service_coordinator"), ("service_review", "irss_review", "service_coordinator"),
        ("irss_review", "interview", "irss"), ("interview", "medical", "irss"), ("medical", "pre_deployment", "health"),
        ("pre_deployment", "training", "irss"), ("training", "deployed", "irss"), ("deployed", "returned", "irss")]
    seqs = [a["seq"] for a in view["audit"]]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    kinds = [a["kind"] for a in view["audit"]]
    assert kinds.count("medical_outcome") == 2 and kinds.count("module_result") == 4 and kinds[0] == "submitted"
    assert all(e["status"] == "sent" for e in view["emails"])
    # No medical or family detail in any email to the applicant.
    for m in mails_to(me):
        for word in ("needs_consultation", "consultation", "Ma sœur", "François", "apte"):
            assert word not in m.body

    status = json.loads(client.http.get(f"/applications/{app_id}", headers=bearer(created["access_token"])).body)
    assert [h["stage"] for h in status["history"] if h["stage"]] == [
        "submitted", "service_review", "irss_review", "interview", "medical", "pre_deployment", "training", "deployed", "returned"]
    assert status["closed"] is True and status["can_withdraw"] is False


def test_non_un_mission_skips_interview_and_modules(client, tokens):
    me = "sam.lee@example.ca"
    created = submit(client, email=me, preferred_language="en", police_service="opp", missions=["iraq-mlt"])
    app_id, coord, irss, health = created["application_id"], tokens["coordinator.opp"], tokens["irss"], tokens["health"]
    step(client, coord, app_id, "service_review", "submitted", me, "Your file has moved: Police service review")
    step(client, irss, app_id, "irss_review", "service_review", me, "Your file has moved: RCMP selection review")
    client.http.put(f"/applications/{app_id}/family-readiness", headers={"Content-Type": "application/json", **bearer(created["access_token"])},
                    body=json.dumps(family_readiness()))
    refused(client, irss, app_id, "interview", "irss_review", "interview_required")
    step(client, irss, app_id, "medical", "irss_review", me, "Your file has moved: Medical")
    staff_call(client, "put", f"/admin/applications/{app_id}/medical-outcome", health, {"outcome": "fit"})
    step(client, health, app_id, "pre_deployment", "medical", me, "Your file has moved: Pre-deployment")
    step(client, irss, app_id, "training", "pre_deployment", me, "Your file has moved: International Policing")
    step(client, irss, app_id, "deployed", "training", me, "Your file has moved: Deployed")
    assert cap(client, tokens, "iraq")["deployed"] == 4
    # A deployed officer may end the mission early: the seat is freed.
    step(client, irss, app_id, "withdrawn", "deployed", me, "Your file is withdrawn", reason="ended_mission_early")
    assert cap(client, tokens, "iraq")["deployed"] == 3
    last = audit(client, irss, app_id)["audit"][-1]
    assert (last["to_stage"], last["reason_code"], last["initiated_by"]) == ("withdrawn", "ended_mission_early", "irss")


def test_ends_need_coded_reasons(client, tokens):
    created = submit(client)
    app_id = created["application_id"]
    move(client, tokens["coordinator.spvm"], app_id, "service_review", "submitted")
    r = move(client, tokens["coordinator.spvm"], app_id, "not_selected", "service_review")
    assert r.status_code == 422 and json.loads(r.body)["errors"][0]["pointer"] == "/reason_code"
    r = move(client, tokens["coordinator.spvm"], app_id, "not_selected", "service_review", "criteria_not_met")
    assert r.status_code == 200
    assert mails_to("helene.cote@example.ca")[-1].subject.startswith("Mise à jour de votre dossier")


def test_medically_unfit_keeps_no_detail(client, tokens):
    created = submit(client, missions=["iraq-mlt"])
    app_id = created["application_id"]
    from chalicelib.adapters.models import ApplicationModel

    ApplicationModel(app_id).update(actions=[ApplicationModel.stage.set("medical")])
    r = staff_call(client, "put", f"/admin/applications/{app_id}/medical-outcome", tokens["health"],
                   {"outcome": "unfit", "diagnosis": "should not be stored"})
    assert r.status_code == 200
    r = move(client, tokens["health"], app_id, "medically_unfit", "medical", "medical_requirements_not_met")
    assert r.status_code == 200
    raw = json.dumps(ApplicationModel.get(app_id).serialize())
    assert "should not be stored" not in raw
    bad = staff_call(client, "put", f"/admin/applications/{app_id}/medical-outcome", tokens["health"], {"outcome": "broken leg"})
    assert bad.status_code == 422


def test_stale_move_gets_409_with_current_state(client, tokens):
    created = submit(client)
    app_id = created["application_id"]
    assert move(client, tokens["irss"], app_id, "service_review", "submitted").status_code == 200
    r = move(client, tokens["irss"], app_id, "service_review", "submitted")  # a retry of the same move
    assert r.status_code == 409
    body = json.loads(r.body)
    assert body["code"] == "stale-state" and body["current_stage"] == "service_review"
    view = audit(client, tokens["irss"], app_id)
    assert [a["to_stage"] for a in view["audit"]].count("service_review") == 1  # no duplicate record
    assert len(mails_to("helene.cote@example.ca")) == 2  # confirmation + one stage email


def test_deploying_without_authorized_figure_is_refused(client, tokens):
    created = submit(client, missions=["drc-monusco"])
    from chalicelib.adapters.models import ApplicationModel

    ApplicationModel(created["application_id"]).update(actions=[ApplicationModel.stage.set("training"),
                                                                ApplicationModel.modules.set({"un-core-pre-deployment": 90, "un-bsafe": 90, "un-psea": 90})])
    refused(client, tokens["irss"], created["application_id"], "deployed", "training", "seat_available")


def test_full_cap_refuses_deployment(client, tokens):
    created = submit(client, missions=["ukraine-euam"])  # Ukraine: 20 of 20 deployed
    from chalicelib.adapters.models import ApplicationModel

    ApplicationModel(created["application_id"]).update(actions=[ApplicationModel.stage.set("training")])
    body = refused(client, tokens["irss"], created["application_id"], "deployed", "training", "seat_available")
    assert "No seat left" in body["reason"]["en"] and "Aucune place" in body["reason"]["fr"]
    assert cap(client, tokens, "ukraine")["deployed"] == 20
