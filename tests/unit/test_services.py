"""Service unit tests, no AWS at all: submissions and the unit of work on MemoryStorage.

Every test reads Given / When / Then. The storage is ``adapters.memory.MemoryStorage``
(seeded with ``services.catalogue.seed``), the mailer a recording fake and the clock a
fixed one (tests/unit/fakes.py). "Writes nothing" is checked on the whole store: the
dicts of ``store.snapshot()`` before and after are equal.
"""
from __future__ import annotations

import copy
from dataclasses import replace
from datetime import timedelta

import pytest

from chalicelib.domain import tokens
from chalicelib.domain.deployments import Deployment
from chalicelib.domain.errors import (
    Conflict,
    IdempotencyMismatch,
    LinkExpired,
    MalformedRequest,
    NotFound,
    ValidationFailed,
)
from chalicelib.domain.records import AuditEntry, FileUpdate, OutboxMessage
from chalicelib.domain.workflow import load_workflow
from chalicelib.services import applicant, submissions
from chalicelib.services.ports import ConditionFailed

from .fakes import application, deliver_new, has_link, link_token, make_deps, state_dicts

SPVM_COORDINATOR = "peaceops-coordinator.spvm@example.ca"
CIVILIAN = dict(track="civilian_analyst", police_service=None, rank=None, years_operational_service=None,
                firearms_expiry=None, baton_expiry=None, oc_spray_expiry=None, missions=["west-bank-proteus"],
                preferred_language="en")


def stored(deps):
    """Everything stored once the outbox stream has delivered what was written (as in AWS, seconds after)."""
    deliver_new(deps)
    return state_dicts(deps.store.snapshot())


# --- submit: the happy path ----------------------------------------------------------

def test_a_valid_submission_stores_the_file_its_first_audit_row_and_its_outbox_rows():
    # Given a seeded catalogue and a working mailer
    deps = make_deps()
    doc = application()

    # When an SPVM officer applies to Haiti
    status, body = submissions.submit(deps, doc, None)

    # Then the answer is 201 at the workflow's first stage
    assert status == 201
    app_id = body["application_id"]
    assert body["stage"] == load_workflow().initial == "submitted"
    assert body["status_url"] == f"https://peaceops.test/fr/status/{app_id}"
    # and the file is stored, at version 1, with the form as sent
    f = deps.store.files.get(app_id)
    assert (f.stage, f.version, f.mission_id, f.cap_id, f.police_service) == (
        "submitted", 1, "haiti-minustah", "haiti", "spvm")
    assert dict(f.form) == doc
    # and its first audit row says the applicant submitted it
    trail = deps.store.audit.trail(f"application#{app_id}")
    assert [(e.seq, e.kind, e.actor_role, e.from_stage, e.to_stage) for e in trail] == [
        (1, "submitted", "applicant", None, "submitted")]
    # and one outbox row for the applicant, one for the coordinator (the workflow notifies on "submitted")
    assert load_workflow().notifies_coordinator("submitted")
    rows = {r.recipient: r for r in deps.store.outbox.for_application(app_id)}
    assert set(rows) == {"applicant", "coordinator"}
    assert (rows["applicant"].message_id, rows["applicant"].template, rows["applicant"].to_address) == (
        f"{app_id}:1:applicant", "submitted", "helene.cote@example.ca")
    assert (rows["coordinator"].message_id, rows["coordinator"].template, rows["coordinator"].to_address) == (
        f"{app_id}:1:coordinator", "coordinator_submitted", SPVM_COORDINATOR)
    # and both are sent by the stream's delivery, once each
    deliver_new(deps)
    rows = {r.recipient: r for r in deps.store.outbox.for_application(app_id)}
    assert {(r.status, r.attempts) for r in rows.values()} == {("sent", 1)}
    assert sorted(e.to for e in deps.mailer.sent) == sorted(["helene.cote@example.ca", SPVM_COORDINATOR])


def test_the_answers_token_opens_the_file_and_is_stored_only_as_a_hash():
    # Given a submission
    deps = make_deps()
    _, body = submissions.submit(deps, application(), None)
    app_id, token = body["application_id"], body["access_token"]

    # When the applicant opens the file with the token
    opened = applicant.authorize(deps, app_id, token)

    # Then it is the stored file, which holds the token's hash and never the token
    assert opened == deps.store.files.get(app_id)
    assert opened.token_hashes == (tokens.token_hash(token),)
    assert token not in repr(stored(deps))
    # and the applicant's email carries a link of its own (minted when it is sent, its hash stored once SES
    # accepted it), which opens the file as the answer's token still does; the coordinator's carries none
    (to_applicant,) = deps.mailer.sent_to("helene.cote@example.ca")
    (to_coordinator,) = deps.mailer.sent_to(SPVM_COORDINATOR)
    emailed = link_token(to_applicant)
    assert emailed != token and deps.store.files.get(app_id).token_hashes == (tokens.token_hash(token),
                                                                               tokens.token_hash(emailed))
    assert applicant.authorize(deps, app_id, emailed) == applicant.authorize(deps, app_id, token)
    assert not has_link(to_coordinator)


def test_a_wrong_token_opens_nothing_and_an_old_one_has_expired():
    # Given a submission
    deps = make_deps()
    _, body = submissions.submit(deps, application(), None)
    app_id, token = body["application_id"], body["access_token"]

    # When someone tries another token, or the right one on another file
    # Then both answer 404 alike
    with pytest.raises(NotFound):
        applicant.authorize(deps, app_id, tokens.new_token(deps.clock()))
    with pytest.raises(NotFound):
        applicant.authorize(deps, "po-doesnotexist", token)

    # When the applicant comes back 91 days later with the same link
    deps.clock.advance(days=91)
    # Then the link has expired (401), it is not "no such file"
    with pytest.raises(LinkExpired) as err:
        applicant.authorize(deps, app_id, token)
    assert err.value.status == 401


def test_a_file_without_a_police_service_tells_irss():
    # Given a civilian analyst, who names no police service
    deps = make_deps()

    # When they apply
    status, body = submissions.submit(deps, application(**CIVILIAN), None)

    # Then the applicant is written to, and IRSS (who makes their initial selection) is told
    assert status == 201
    rows = deps.store.outbox.for_application(body["application_id"])
    assert [(r.recipient, r.template) for r in rows] == [("applicant", "submitted"), ("coordinator", "coordinator_submitted")]
    assert rows[1].to_address == "peaceops-irss@example.ca"
    assert [e.to for e in deps.mailer.sent] == ["helene.cote@example.ca", "peaceops-irss@example.ca"]


def test_a_mailer_outage_does_not_lose_the_submission():
    # Given SES is down
    deps = make_deps()
    deps.mailer.fail_transiently()

    # When an officer applies
    status, body = submissions.submit(deps, application(), None)

    # Then the file is recorded all the same and its emails wait in the outbox, due in a minute
    assert status == 201
    assert deps.store.files.get(body["application_id"]) is not None
    deliver_new(deps)
    rows = deps.store.outbox.for_application(body["application_id"])
    later = (deps.clock() + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert {(r.status, r.attempts, r.due_at) for r in rows} == {("pending", 1, later)}
    assert deps.mailer.sent == [] and len(deps.mailer.attempted) == 2


# --- submit: idempotency -------------------------------------------------------------

def test_an_idempotent_replay_returns_the_same_body_and_token_and_writes_nothing():
    # Given a submission made with an Idempotency-Key
    deps = make_deps()
    doc = application()
    first = submissions.submit(deps, doc, "key-1")
    before, mails_before = stored(deps), len(deps.mailer.attempted)

    # When the client retries half an hour later, same key, same body (its keys in another order)
    deps.clock.advance(minutes=30)
    again = submissions.submit(deps, dict(reversed(list(copy.deepcopy(doc).items()))), "key-1")

    # Then the answer is the same, token included, and nothing new is stored or sent
    assert again == first
    assert again[0] == 201
    assert stored(deps) == before
    assert len(deps.mailer.attempted) == mails_before
    assert len(deps.store.state.files) == 1
    # and the replayed token still opens the file
    assert applicant.authorize(deps, again[1]["application_id"], again[1]["access_token"])


def test_a_key_older_than_its_24_hours_is_gone_even_before_the_ttl_deletes_it():
    # Given a submission made with an Idempotency-Key, whose record is still stored (DynamoDB's TTL is lazy)
    deps = make_deps()
    _, first = submissions.submit(deps, application(), "key-1")

    # When the same key and body come 25 hours later
    deps.clock.advance(hours=25)
    status, again = submissions.submit(deps, application(), "key-1")

    # Then it is a new application, remembered afresh under the key
    assert status == 201 and again["application_id"] != first["application_id"]
    assert len(deps.store.state.files) == 2
    (record,) = deps.store.state.idempotency.values()
    assert record.response["application_id"] == again["application_id"]


def test_the_same_key_with_another_body_is_refused_and_writes_nothing():
    # Given a submission made with an Idempotency-Key
    deps = make_deps()
    submissions.submit(deps, application(), "key-1")
    before, mails_before = stored(deps), len(deps.mailer.attempted)

    # When the same key comes with another body
    with pytest.raises(IdempotencyMismatch) as err:
        submissions.submit(deps, application(years_operational_service=13), "key-1")

    # Then it is a 422 and nothing is written or sent
    assert err.value.status == 422 and err.value.code == "idempotency-key-reused"
    assert stored(deps) == before
    assert len(deps.mailer.attempted) == mails_before


def test_another_key_with_the_same_body_is_another_application():
    # Given a submission made with one key
    deps = make_deps()
    _, first = submissions.submit(deps, application(), "key-1")

    # When the same body comes with another key
    _, second = submissions.submit(deps, application(), "key-2")

    # Then it is a second file with its own token
    assert second["application_id"] != first["application_id"]
    assert second["access_token"] != first["access_token"]
    assert len(deps.store.state.files) == 2


def test_a_concurrent_retry_that_lost_the_race_answers_as_the_winner_and_writes_nothing():
    # Given a submission with a key, and a retry that read "no such key" before the first one committed
    deps = make_deps()
    doc = application()
    first = submissions.submit(deps, doc, "key-1")
    before = stored(deps)
    real_get, calls = deps.store.idempotency.get, []

    def get_missing_once(key):
        calls.append(key)
        return None if len(calls) == 1 else real_get(key)

    deps.store.idempotency.get = get_missing_once  # type: ignore[method-assign]

    # When that retry commits (its idempotency condition fails)
    again = submissions.submit(deps, copy.deepcopy(doc), "key-1")

    # Then it answers as the winner did, and its own file, audit and outbox rows were not written
    assert again == first
    assert len(calls) == 2
    assert stored(deps) == before


@pytest.mark.parametrize("key", ["", "k" * 256, "tab\tkey"])
def test_a_malformed_idempotency_key_is_refused_before_anything_is_written(key):
    # Given a seeded store
    deps = make_deps()
    before = stored(deps)

    # When a submission comes with an empty, too long or unprintable key
    with pytest.raises(MalformedRequest) as err:
        submissions.submit(deps, application(), key)

    # Then it is a 400 and nothing is written or sent
    assert err.value.status == 400
    assert stored(deps) == before and deps.mailer.attempted == []


# --- submit: refusals ----------------------------------------------------------------

def test_an_invalid_document_is_refused_with_a_pointer_per_field_and_writes_nothing():
    # Given a seeded store
    deps = make_deps()
    before = stored(deps)
    doc = application(email="pas-une-adresse", years_operational_service=-1, given_name=None, extra_field="x")

    # When the document breaks the form's rules
    with pytest.raises(ValidationFailed) as err:
        submissions.submit(deps, doc, "key-1")

    # Then each problem names its field, and nothing is written (the key is not remembered either)
    found = {(e.pointer, e.code) for e in err.value.errors}
    assert {("/email", "format-email"), ("/given_name", "required"), ("/extra_field", "unknown-field")} <= found
    assert "/years_operational_service" in {p for p, _ in found}
    assert err.value.status == 422
    assert stored(deps) == before and deps.mailer.attempted == []


def test_a_police_officer_must_name_a_service_and_years():
    # Given a seeded store
    deps = make_deps()
    before = stored(deps)

    # When an officer leaves out the service and years
    with pytest.raises(ValidationFailed) as err:
        submissions.submit(deps, application(police_service=None, years_operational_service=None), None)

    # Then both pointers are named and nothing is written
    assert {"/police_service", "/years_operational_service"} <= {e.pointer for e in err.value.errors}
    assert stored(deps) == before


@pytest.mark.parametrize("mission, code", [("italy-spc-brindisi", "mission-closed"), ("atlantis", "unknown-mission")])
def test_a_closed_or_unknown_mission_is_refused_at_its_pointer(mission, code):
    # Given the seeded catalogue (Brindisi is not accepting applications; there is no Atlantis)
    deps = make_deps()
    seeded = deps.store.catalogue.mission(mission)
    assert seeded is None if code == "unknown-mission" else not seeded.accepting_applications
    before = stored(deps)

    # When an officer applies to it
    with pytest.raises(ValidationFailed) as err:
        submissions.submit(deps, application(missions=[mission]), "key-1")

    # Then the refusal points at /missions/0 and nothing is written
    assert [(e.pointer, e.code) for e in err.value.errors] == [("/missions/0", code)]
    assert stored(deps) == before and deps.mailer.attempted == []


def test_a_mission_closed_after_seeding_is_refused_and_each_bad_mission_has_its_own_pointer():
    # Given an administrator has closed Haiti since the catalogue was seeded (written into the store directly)
    deps = make_deps()
    haiti, version = deps.store.state.missions["haiti-minustah"]
    deps.store.state.missions["haiti-minustah"] = (replace(haiti, accepting_applications=False), version + 1)
    before = stored(deps)

    # When an officer applies to Iraq, Haiti and Atlantis
    with pytest.raises(ValidationFailed) as err:
        submissions.submit(deps, application(missions=["iraq-mlt", "haiti-minustah", "atlantis"]), None)

    # Then Haiti and Atlantis are refused at their own positions, and nothing is written
    assert [(e.pointer, e.code) for e in err.value.errors] == [
        ("/missions/1", "mission-closed"), ("/missions/2", "unknown-mission")]
    assert stored(deps) == before


def test_the_first_mission_applied_to_is_the_files_mission():
    # Given a seeded store
    deps = make_deps()

    # When an officer applies to Iraq and then Haiti
    _, body = submissions.submit(deps, application(missions=["iraq-mlt", "haiti-minustah"]), None)

    # Then the file is on Iraq's mission and cap
    f = deps.store.files.get(body["application_id"])
    assert (f.mission_id, f.cap_id, f.mission.mission_id) == ("iraq-mlt", "iraq", "iraq-mlt")


# --- the unit of work on MemoryStorage -----------------------------------------------

def _submitted(deps):
    _, body = submissions.submit(deps, application(), None)
    return deps.store.files.get(body["application_id"])


def _entry(cap_id: str) -> Deployment:
    """A roster entry to start on ``cap_id`` (a new one each time)."""
    _entry.n = getattr(_entry, "n", 0) + 1  # type: ignore[attr-defined]
    return Deployment(f"entry-test-{_entry.n}", cap_id, "2026-03-02", "2027-03-02")  # type: ignore[attr-defined]


def _row(app_id, n):
    return OutboxMessage(message_id=f"{app_id}:{n}:applicant", application_id=app_id, template="service_review",
                         recipient="applicant", to_address="helene.cote@example.ca", language="fr",
                         params={"stage": "service_review"}, created_at="2026-03-02T09:00:00.000000Z")


def test_a_commit_with_one_failing_condition_writes_nothing_and_names_the_item():
    # Given a file at version 1 with its audit row seq 1
    deps = make_deps()
    f = _submitted(deps)
    before = stored(deps)

    # When one unit of work updates the file, writes an outbox row, takes a seat, and appends an
    # audit row whose key (seq 1) is already taken
    uow = deps.store.unit_of_work()
    uow.update_file(FileUpdate(f.application_id, 1, "2026-03-02T10:00:00.000000Z", expected_stage="submitted",
                               stage="service_review"))
    uow.add_outbox(_row(f.application_id, 2))
    uow.start_deployment(_entry("haiti"), "2026-03-02T10:00:00.000000Z")
    uow.append_audit(AuditEntry(f"application#{f.application_id}", 1, at="2026-03-02T10:00:00.000000Z",
                                kind="stage_change", actor_id="irss-1", actor_role="irss"))
    with pytest.raises(ConditionFailed) as err:
        uow.commit()

    # Then only the audit item is named, and none of the four intents was applied
    assert err.value.failed == {"audit"}
    assert stored(deps) == before


def test_a_stale_file_condition_keeps_the_seat_and_a_full_cap_keeps_the_file():
    # Given a file at version 1, Haiti's cap with seats and Ukraine's full
    deps = make_deps()
    f = _submitted(deps)
    assert deps.store.catalogue.cap("ukraine").seats_left == 0
    before = stored(deps)
    now = "2026-03-02T10:00:00.000000Z"

    # When a unit of work updates the file at a version it no longer has and takes a Haiti seat
    stale = deps.store.unit_of_work()
    stale.update_file(FileUpdate(f.application_id, 7, now, stage="service_review"))
    stale.start_deployment(_entry("haiti"), now)
    with pytest.raises(ConditionFailed) as err_file:
        stale.commit()
    # and another updates it at the right version but takes a seat on the full Ukraine cap
    full = deps.store.unit_of_work()
    full.update_file(FileUpdate(f.application_id, 1, now, stage="service_review"))
    full.start_deployment(_entry("ukraine"), now)
    with pytest.raises(ConditionFailed) as err_cap:
        full.commit()

    # Then each names its own failed item and neither wrote anything
    assert err_file.value.failed == {"file"}
    assert err_cap.value.failed == {"cap"}
    assert stored(deps) == before


def test_two_failing_conditions_are_both_named():
    # Given a file and the full Ukraine cap
    deps = make_deps()
    f = _submitted(deps)
    before = stored(deps)
    now = "2026-03-02T10:00:00.000000Z"

    # When one unit of work fails on both
    uow = deps.store.unit_of_work()
    uow.add_file(f)  # the id exists
    uow.start_deployment(_entry("ukraine"), now)
    uow.add_outbox(_row(f.application_id, 2))
    with pytest.raises(ConditionFailed) as err:
        uow.commit()

    # Then both items are named, and the message lists them
    assert err.value.failed == {"file", "cap"}
    assert str(err.value) == "cap, file"
    assert stored(deps) == before


def test_the_authorized_figure_never_goes_below_the_deployed_count():
    # Given Haiti's cap: 90 authorized, 40 deployed
    deps = make_deps()
    cap = deps.store.catalogue.cap("haiti")
    assert (cap.authorized, cap.deployed) == (90, 40)
    before = stored(deps)

    # When an administrator lowers the figure to 39, or writes at a stale version
    for authorized, version in ((39, cap.version), (50, cap.version + 1)):
        uow = deps.store.unit_of_work()
        uow.set_authorized("haiti", authorized, version, "2026-03-02T10:00:00.000000Z")
        with pytest.raises(ConditionFailed) as err:
            uow.commit()
        # Then the cap is named and nothing changes
        assert err.value.failed == {"cap"}
    assert stored(deps) == before

    # When the figure is lowered to exactly the deployed count
    uow = deps.store.unit_of_work()
    uow.set_authorized("haiti", 40, cap.version, "2026-03-02T10:00:00.000000Z")
    uow.commit()
    # Then it holds, with the next version
    assert (deps.store.catalogue.cap("haiti").authorized, deps.store.catalogue.cap("haiti").version) == (40, 2)


def test_a_commit_that_holds_applies_every_intent():
    # Given a file at version 1
    deps = make_deps()
    f = _submitted(deps)
    now = "2026-03-02T10:00:00.000000Z"

    # When a unit of work moves it, appends its audit row, writes an outbox row and takes a seat
    uow = deps.store.unit_of_work()
    uow.update_file(FileUpdate(f.application_id, 1, now, expected_stage="submitted", stage="service_review"))
    uow.append_audit(AuditEntry(f"application#{f.application_id}", 2, at=now, kind="stage_change",
                                actor_id="irss-1", actor_role="irss"))
    uow.add_outbox(_row(f.application_id, 2))
    uow.start_deployment(_entry("haiti"), now)
    uow.commit()

    # Then all four are written
    after = deps.store.files.get(f.application_id)
    assert (after.stage, after.version, after.updated_at) == ("service_review", 2, now)
    assert [e.seq for e in deps.store.audit.trail(f"application#{f.application_id}")] == [1, 2]
    assert deps.store.outbox.get(f"{f.application_id}:2:applicant") is not None
    assert deps.store.catalogue.cap("haiti").deployed == 41


def test_a_closed_file_keeps_its_family_readiness_form_unchanged():
    # Given a file closed by withdrawal
    from .fakes import family_readiness

    deps = make_deps()
    _, body = submissions.submit(deps, application(), None)
    f = applicant.authorize(deps, body["application_id"], body["access_token"])
    applicant.withdraw(deps, f, {})
    closed = applicant.authorize(deps, body["application_id"], body["access_token"])
    before = stored(deps)

    # When the applicant tries to save the family-readiness form
    with pytest.raises(Conflict):
        applicant.save_family_readiness(deps, closed, family_readiness())

    # Then nothing is written
    assert stored(deps) == before
