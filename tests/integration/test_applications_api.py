"""The applicant endpoints, end to end through Chalice's test client and moto."""
from __future__ import annotations

import json

import pytest

from .conftest import (JSON, application, bearer, deliver_outbox, family_readiness, link_token, post_json, sent_messages,
                       submit)


def _problem(r, status):
    assert r.status_code == status, r.body
    assert r.headers["Content-Type"] == "application/problem+json"
    body = json.loads(r.body)
    assert body["status"] == status and body["type"].startswith("/problems/")
    return body


# --- submission --------------------------------------------------------------

def test_submit_creates_file_token_and_confirmation_email(client):
    created = submit(client)
    assert created["stage"] == "submitted"
    assert created["application_id"].startswith("po-") and created["reference"].startswith("PO-")
    assert len(created["access_token"]) >= 40
    mails = sent_messages()
    applicant_mail = [m for m in mails if m.destinations["ToAddresses"] == ["helene.cote@example.ca"]]
    coordinator_mail = [m for m in mails if m.destinations["ToAddresses"] == ["peaceops-coordinator.spvm@example.ca"]]
    assert len(applicant_mail) == 1 and len(coordinator_mail) == 1
    mail = applicant_mail[0]
    assert mail.subject.startswith("Demande reçue")  # the applicant chose French
    assert created["reference"] in mail.body and "?token=" in mail.body
    for secret in ("Hélène", "Côté", "Sergente", "613-555-0199", "Superviseure"):
        assert secret not in mail.body and secret not in mail.subject
    assert "?token=" not in coordinator_mail[0].body


@pytest.mark.parametrize("service, applicant_lang, coordinator_subject", [
    ("spvm", "en", "Nouvelle demande"),   # a Montréal coordinator reads French, whatever the applicant chose
    ("opp", "fr", "New application"),     # an Ontario coordinator reads English
])
def test_the_coordinator_is_written_to_in_the_services_language(client, service, applicant_lang, coordinator_subject):
    created = submit(client, police_service=service, preferred_language=applicant_lang)
    by_address = {m.destinations["ToAddresses"][0]: m for m in sent_messages()}
    assert by_address[f"peaceops-coordinator.{service}@example.ca"].subject.startswith(coordinator_subject)
    applicant = by_address["helene.cote@example.ca"]
    assert applicant.subject.startswith("Application received" if applicant_lang == "en" else "Demande reçue")
    assert created["reference"] in applicant.subject


def test_token_is_stored_only_as_a_hash(client):
    from chalicelib.adapters.models import ApplicationModel

    created = submit(client)
    raw = ApplicationModel.get(created["application_id"]).serialize()
    assert created["access_token"] not in json.dumps(raw)


def test_eligibility_findings_flag_but_do_not_reject(client):
    created = submit(client, years_operational_service=3, french_proficiency="basic", four_by_four_experience=False)
    results = {f["criterion"]: f["result"] for f in created["eligibility"]}
    assert results == {"operational_service": "not_met", "language_of_operation": "not_met",
                       "first_aid_cpr": "met", "firearms": "met", "baton": "met", "oc_spray": "met",
                       "four_by_four": "unknown",  # Haiti's 4x4: not known (seed 003), its call sets none
                       "official_language": "met", "leadership_coaching": "met", "computer_literacy": "met"}
    assert created["stage"] == "submitted"
    reason = next(f for f in created["eligibility"] if f["criterion"] == "language_of_operation")
    assert "French" in reason["reason_en"] and "français" in reason["reason_fr"]


def test_civilian_analyst_need_not_give_service_or_years(client):
    created = submit(client, track="civilian_analyst", police_service=None, rank=None,
                     years_operational_service=None, firearms_expiry=None, baton_expiry=None,
                     oc_spray_expiry=None, missions=["west-bank-proteus"], preferred_language="en")
    results = {f["criterion"]: f["result"] for f in created["eligibility"]}
    assert results["operational_service"] == "unknown"


def test_police_officer_must_give_service_and_years(client):
    r = post_json(client, "/applications", application(police_service=None, years_operational_service=None))
    body = _problem(r, 422)
    pointers = {e["pointer"] for e in body["errors"]}
    assert {"/police_service", "/years_operational_service"} <= pointers


def test_schema_violations_list_a_pointer_per_field_in_french(client):
    doc = application(email="pas-une-adresse", first_aid_cpr_expiry="2026-02-30", years_operational_service=-1,
                      preferred_language="de", privacy_consent=False, missions=[], extra_field="x")
    doc.pop("given_name")
    r = client.http.post("/applications", headers={**JSON, "Accept-Language": "fr"}, body=json.dumps(doc))
    body = _problem(r, 422)
    errors = {e["pointer"]: e for e in body["errors"]}
    assert set(errors) == {"/email", "/first_aid_cpr_expiry", "/years_operational_service", "/preferred_language",
                           "/privacy_consent", "/missions", "/extra_field", "/given_name"}
    assert errors["/given_name"]["code"] == "required"
    assert errors["/extra_field"]["code"] == "unknown-field"
    assert errors["/email"]["code"] == "format-email"
    assert errors["/first_aid_cpr_expiry"]["code"] == "format-date"
    assert errors["/given_name"]["message"] == "Prénom\u00a0: ce champ est obligatoire."
    assert body["title"] == "Le formulaire contient des erreurs"


def test_unknown_and_closed_missions_are_refused(client):
    r = post_json(client, "/applications", application(missions=["haiti-minustah", "atlantis", "italy-spc-brindisi"]))
    body = _problem(r, 422)
    assert [(e["pointer"], e["code"]) for e in body["errors"]] == [("/missions/1", "unknown-mission"),
                                                                   ("/missions/2", "mission-closed")]


@pytest.mark.parametrize("payload", ["[1, 2]", '"text"', "null"])
def test_non_object_json_is_a_422_at_the_root(client, payload):
    r = client.http.post("/applications", headers=JSON, body=payload)
    body = _problem(r, 422)
    assert body["errors"][0]["pointer"] == ""


def test_malformed_json_is_400(client):
    body = _problem(client.http.post("/applications", headers=JSON, body='{"given_name": "x",'), 400)
    assert body["code"] == "malformed-request"


def test_invalid_utf8_is_400(client):
    _problem(client.http.post("/applications", headers=JSON, body=b'{"given_name": "\xff"}'), 400)


def test_wrong_content_type_is_415(client):
    body = _problem(client.http.post("/applications", headers={"Content-Type": "text/plain"}, body="hello"), 415)
    assert body["code"] == "unsupported-media-type"


def test_oversized_body_is_413_and_nothing_written(client):
    doc = application(leadership_details="x" * 70_000)
    _problem(post_json(client, "/applications", doc), 413)
    assert sent_messages() == []


def test_wrong_method_is_a_problem_405(client):
    r = client.http.delete("/missions")
    _problem(r, 405)


def test_nothing_half_written_when_the_transaction_fails(client, monkeypatch):
    from chalicelib.adapters.models import ApplicationModel, AuditModel, OutboxModel
    from chalicelib.domain import tokens

    monkeypatch.setattr(tokens, "new_application_id", lambda: "po-fixed")
    # A row already holds the id the confirmation email would take: the transaction must cancel.
    OutboxModel("po-fixed:1:coordinator", application_id="x", template="t", recipient="coordinator",
                to_address="a@b.ca", language="en", status="sent", created_at="2026").save()
    r = post_json(client, "/applications", application())
    _problem(r, 409)
    assert ApplicationModel.count("po-fixed") == 0
    assert AuditModel.count("application#po-fixed") == 0
    assert OutboxModel.count("po-fixed:1:applicant") == 0
    assert sent_messages() == []


# --- idempotency ---------------------------------------------------------------

def test_same_key_and_body_give_the_same_answer_and_one_record(client):
    from chalicelib.adapters.models import ApplicationModel

    doc = application()
    first = post_json(client, "/applications", doc, **{"Idempotency-Key": "k-123"})
    # Same body, keys reordered: the same request.
    again = client.http.post("/applications", headers={**JSON, "Idempotency-Key": "k-123"},
                             body=json.dumps(dict(reversed(list(doc.items())))))
    assert first.status_code == again.status_code == 201
    assert json.loads(first.body) == json.loads(again.body)
    app_id = json.loads(first.body)["application_id"]
    assert len(list(ApplicationModel.by_email.query(ApplicationModel.get(app_id).email_key))) == 1
    assert len(sent_messages()) == 2  # one confirmation, one coordinator notice: not four
    # The replayed token still opens the file.
    r = client.http.get(f"/applications/{app_id}", headers=bearer(json.loads(again.body)["access_token"]))
    assert r.status_code == 200


def test_same_key_other_body_is_refused(client):
    post_json(client, "/applications", application(), **{"Idempotency-Key": "k-9"})
    r = post_json(client, "/applications", application(rank="Caporal"), **{"Idempotency-Key": "k-9"})
    body = _problem(r, 422)
    assert body["code"] == "idempotency-key-reused"
    assert len(sent_messages()) == 2


def test_different_keys_make_different_files(client):
    a = json.loads(post_json(client, "/applications", application(), **{"Idempotency-Key": "a"}).body)
    b = json.loads(post_json(client, "/applications", application(), **{"Idempotency-Key": "b"}).body)
    assert a["application_id"] != b["application_id"]


# --- the applicant's token ----------------------------------------------------------

def test_status_shows_stage_history_forms_and_findings(client):
    created = submit(client)
    r = client.http.get(f"/applications/{created['application_id']}", headers=bearer(created["access_token"]))
    body = json.loads(r.body)
    assert body["emails"][0]["status"] == "pending"  # the request wrote it; the stream delivers it
    deliver_outbox()
    r = client.http.get(f"/applications/{created['application_id']}", headers=bearer(created["access_token"]))
    body = json.loads(r.body)
    assert body["stage"] == "submitted" and body["stage_label"]["fr"] == "Demande reçue"
    assert body["forms_on_file"] == {"application": True, "family_readiness": False}
    assert [h["stage"] for h in body["history"]] == ["submitted"]
    assert len(body["eligibility"]) == 10  # seed 003's general criteria the form asks, and the mission's language
    assert body["emails"][0]["status"] == "sent"
    assert r.headers["Cache-Control"] == "no-store"


def test_a_token_never_opens_another_file_and_reveals_nothing(client):
    a = submit(client)
    b = submit(client, email="other@example.ca")
    cross = client.http.get(f"/applications/{b['application_id']}", headers=bearer(a["access_token"]))
    missing = client.http.get("/applications/po-doesnotexist", headers=bearer(a["access_token"]))
    assert cross.status_code == missing.status_code == 404
    cross_body, missing_body = json.loads(cross.body), json.loads(missing.body)
    cross_body.pop("instance"), missing_body.pop("instance")
    assert cross_body == missing_body
    for method, path in (("put", "family-readiness"), ("get", "family-readiness"), ("post", "withdrawal")):
        r = getattr(client.http, method)(f"/applications/{b['application_id']}/{path}",
                                         headers={**JSON, **bearer(a["access_token"])}, body=json.dumps(family_readiness()))
        assert r.status_code == 404, (method, path)


def test_no_token_is_401(client):
    created = submit(client)
    r = client.http.get(f"/applications/{created['application_id']}")
    body = _problem(r, 401)
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    assert body["code"] == "unauthenticated"
    _problem(client.http.get(f"/applications/{created['application_id']}", headers={"Authorization": "Basic abc"}), 401)


def test_family_readiness_round_trips_accents(client):
    created = submit(client)
    path = f"/applications/{created['application_id']}/family-readiness"
    doc = family_readiness(considerations_notes="Élodie commence l'école en août; « déménagement » prévu — ça ira.")
    r = client.http.put(path, headers={**JSON, **bearer(created["access_token"])}, body=json.dumps(doc))
    assert r.status_code == 200, r.body
    got = json.loads(client.http.get(path, headers=bearer(created["access_token"])).body)
    assert got["form"] == doc
    status = json.loads(client.http.get(f"/applications/{created['application_id']}",
                                        headers=bearer(created["access_token"])).body)
    assert status["forms_on_file"]["family_readiness"] is True
    assert "Formulaire de préparation de la famille reçu." in [h["summary"]["fr"] for h in status["history"]]


def test_family_readiness_is_validated(client):
    created = submit(client)
    path = f"/applications/{created['application_id']}/family-readiness"
    doc = family_readiness(dependants=[3, "four"], joint_decision="maybe")
    del doc["emergency_contact_phone"]
    r = client.http.put(path, headers={**JSON, **bearer(created["access_token"])}, body=json.dumps(doc))
    body = _problem(r, 422)
    assert {e["pointer"] for e in body["errors"]} == {"/dependants/1", "/joint_decision", "/emergency_contact_phone"}
    assert _problem(client.http.get(path, headers=bearer(created["access_token"])), 404)


def test_application_form_round_trips_accents(client):
    from chalicelib.adapters.models import ApplicationModel

    created = submit(client)
    stored = ApplicationModel.get(created["application_id"]).form
    assert stored["given_name"] == "Hélène" and stored["family_name"] == "Côté-Tremblay"
    assert stored["leadership_details"] == "Superviseure d'équipe de patrouille; formatrice sur le terrain."


def test_withdrawal(client):
    created = submit(client)
    path = f"/applications/{created['application_id']}/withdrawal"
    r = client.http.post(path, headers={**JSON, **bearer(created["access_token"])}, body=json.dumps({"note": "Raisons familiales"}))
    assert r.status_code == 200, r.body
    assert json.loads(r.body)["stage"] == "withdrawn"
    again = client.http.post(path, headers={**JSON, **bearer(created["access_token"])}, body="{}")
    _problem(again, 409)
    subjects = [m.subject for m in sent_messages()]
    assert any(s.startswith("Votre dossier est retiré") for s in subjects)
    assert any(s.startswith("Application withdrawn") or s.startswith("Demande retirée") for s in subjects)


# --- access links -----------------------------------------------------------------

def test_access_links_always_202_and_mail_only_known_addresses(client):
    created = submit(client)
    before = len(sent_messages())
    unknown = post_json(client, "/access-links", {"email": "nobody@example.ca"})
    assert unknown.status_code == 202 and len(sent_messages()) == before
    known = post_json(client, "/access-links", {"email": "HELENE.cote@example.ca"})
    assert known.status_code == 202 and json.loads(known.body) == json.loads(unknown.body)
    mails = sent_messages()[before:]
    assert len(mails) == 1 and "?token=" in mails[0].body
    token = link_token(mails[0].body)
    r = client.http.get(f"/applications/{created['application_id']}", headers=bearer(token))
    assert r.status_code == 200
    # The first token still works too.
    assert client.http.get(f"/applications/{created['application_id']}",
                           headers=bearer(created["access_token"])).status_code == 200
    # A retry within the window sends nothing more.
    post_json(client, "/access-links", {"email": "helene.cote@example.ca"})
    assert len(sent_messages()) == before + 1


def test_access_links_validate_the_address(client):
    body = _problem(post_json(client, "/access-links", {"email": "nope", "x": 1}), 422)
    assert {e["pointer"] for e in body["errors"]} == {"/email", "/x"}


def test_withdrawal_body_is_checked(client):
    created = submit(client)
    path = f"/applications/{created['application_id']}/withdrawal"
    r = client.http.post(path, headers={**JSON, **bearer(created["access_token"])}, body=json.dumps({"why": 1, "note": 5}))
    body = _problem(r, 422)
    assert {e["pointer"] for e in body["errors"]} == {"/why", "/note"}
    status = json.loads(client.http.get(f"/applications/{created['application_id']}", headers=bearer(created["access_token"])).body)
    assert status["stage"] == "submitted"


def test_an_expired_idempotency_record_still_stored_is_replaced(client, monkeypatch):
    """DynamoDB's TTL deletes lazily: a record past its 24 hours must not answer for the key any more."""
    from datetime import timedelta

    from chalicelib.adapters.models import IdempotencyModel
    from chalicelib.api.wiring import deps

    first = json.loads(post_json(client, "/applications", application(), **{"Idempotency-Key": "k-ttl"}).body)
    real = deps().clock
    monkeypatch.setattr(deps(), "clock", lambda: real() + timedelta(hours=25))
    r = post_json(client, "/applications", application(), **{"Idempotency-Key": "k-ttl"})
    assert r.status_code == 201 and json.loads(r.body)["application_id"] != first["application_id"]
    # (the table also holds the per-address limits' counters, chalicelib/domain/limits.py)
    (row,) = [r for r in IdempotencyModel.scan() if not r.key.startswith("limit#")]
    assert row.response["application_id"] == json.loads(r.body)["application_id"]
