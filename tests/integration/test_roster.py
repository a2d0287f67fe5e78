"""Issue 12 on moto: the roster is the truth of a cap's deployed figure.

Ukraine (20 authorized, 20 deployed on the newer page) could never deploy anyone while its
figure was an undated number; now its 20 seeded existing deployments can end, and two
candidates deploy into the seats they free.
"""
from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from .conftest import sent_messages, staff_call, submit

MODULES = {"un-online-modules": 90}
IRSS_EMAIL = "peaceops-irss@example.ca"


def at_training(client: Any, n: int, mission: str = "ukraine-patrol-police", **overrides: Any) -> list[str]:
    """``n`` files at training (selected by IRSS, not yet deployed), the oldest first."""
    from chalicelib.adapters.models import ApplicationModel

    ids = []
    for i in range(n):
        created = submit(client, email=f"officer{i}@example.ca", missions=[mission], **overrides)
        ApplicationModel(created["application_id"]).update(actions=[
            ApplicationModel.stage.set("training"), ApplicationModel.modules.set(MODULES),
            ApplicationModel.stage_entered_at.set(f"2026-11-0{i + 1}T12:00:00.000000Z")])
        ids.append(created["application_id"])
    return ids


def roster(client: Any, token: str, cap_id: str, status: str = "active") -> dict[str, Any]:
    r = staff_call(client, "get", f"/admin/caps/{cap_id}/roster?status={status}", token)
    assert r.status_code == 200, r.body
    return dict(json.loads(r.body))


def end_entry(client: Any, token: str, cap_id: str, entry_id: str, version: int = 1) -> Any:
    return staff_call(client, "post", f"/admin/caps/{cap_id}/roster/{entry_id}/end", token,
                      {"expected_version": version, "reason_code": "rotation_completed", "note": "Rotation in November"})


def deploy(client: Any, token: str, app_id: str) -> Any:
    return staff_call(client, "post", f"/admin/applications/{app_id}/moves", token,
                      {"to_stage": "deployed", "expected_stage": "training"})


def test_ukraine_deploys_once_existing_deployments_end(client, tokens):
    # Given Ukraine as seeded: 20 of 20, its roster 20 anonymous existing deployments, and three candidates ready
    before = roster(client, tokens["irss"], "ukraine")
    assert (before["authorized"], before["deployed"], before["active_entries"], before["drift"]) == (20, 20, 20, 0)
    assert all(e["application_id"] is None and e["active"] for e in before["entries"])
    first, second, third = at_training(client, 3)
    assert deploy(client, tokens["irss"], first).status_code == 409  # no seat yet: nobody can deploy

    # When an administrator ends two of the existing deployments
    mails = len(sent_messages())
    for entry in ("existing-ukraine-001", "existing-ukraine-002"):
        r = end_entry(client, tokens["admin"], "ukraine", entry)
        assert r.status_code == 200, r.body
        assert (json.loads(r.body)["active"], json.loads(r.body)["end_reason"]) == (False, "rotation_completed")
    # Then IRSS and the first ready candidate's coordinator are told, naming the front of the line
    notices = sent_messages()[mails:]
    to_irss = [m for m in notices if m.destinations["ToAddresses"] == [IRSS_EMAIL]]
    to_coord = [m for m in notices if m.destinations["ToAddresses"] == ["peaceops-coordinator.spvm@example.ca"]]
    assert len(to_irss) == 2 and len(to_coord) == 2 and len(notices) == 4
    reference = json.loads(staff_call(client, "get", f"/admin/applications/{first}", tokens["irss"]).body)["reference"]
    assert all(reference in m.body and "Hélène Côté-Tremblay" in m.body for m in to_irss + to_coord)
    assert "Ukraine" in to_irss[0].subject

    # When two candidates deploy and a third tries
    assert deploy(client, tokens["irss"], first).status_code == 200
    assert deploy(client, tokens["irss"], second).status_code == 200
    r = deploy(client, tokens["irss"], third)

    # Then the third is refused for want of a seat; the cap reads 20 of 20 and the roster lists 20 active entries
    assert r.status_code == 409 and json.loads(r.body)["guard"] == "seat_available", r.body
    after = roster(client, tokens["irss"], "ukraine")
    assert (after["deployed"], after["authorized"], after["active_entries"], after["drift"]) == (20, 20, 20, 0)
    mine = {e["application_id"]: e for e in after["entries"] if e["application_id"]}
    assert set(mine) == {first, second}
    assert all(e["started_on"] and e["planned_end"] > e["started_on"] for e in mine.values())
    ended = roster(client, tokens["irss"], "ukraine", "ended")["entries"]
    assert [e["deployment_id"] for e in ended] == ["existing-ukraine-001", "existing-ukraine-002"]
    # and the rotation report shows the third waiting, first in line, with no seat for them
    rotation = json.loads(staff_call(client, "get", "/admin/caps/ukraine/rotation", tokens["irss"]).body)
    assert [(c["application_id"], c["place_in_line"], c["waiting"]) for c in rotation["candidates"]] == [
        (third, 1, True)]
    drift = json.loads(staff_call(client, "get", "/admin/reports/roster-drift", tokens["admin"]).body)
    assert drift["in_agreement"] is True


def test_a_roster_change_is_audited_and_a_files_deployment_ends_only_by_its_return(client, tokens):
    # Given a Ukraine seat freed and a candidate deployed into it
    assert end_entry(client, tokens["irss"], "ukraine", "existing-ukraine-003").status_code == 200
    [app_id] = at_training(client, 1)
    assert deploy(client, tokens["irss"], app_id).status_code == 200
    entry_id = f"file-{app_id}"

    # When an administrator tries to end the file's deployment through the roster
    r = end_entry(client, tokens["admin"], "ukraine", entry_id)
    # Then it is refused: the file's move to returned ends it
    assert r.status_code == 409, r.body

    # When IRSS extends its planned end
    entry = next(e for e in roster(client, tokens["irss"], "ukraine")["entries"] if e["deployment_id"] == entry_id)
    mails = len(sent_messages())
    r = staff_call(client, "patch", f"/admin/caps/ukraine/roster/{entry_id}", tokens["irss"],
                   {"expected_version": entry["version"], "planned_end": "2028-01-31", "reason_code": "extension_approved",
                    "note": "Extension approved by the mission"})
    # Then the entry says so and the officer is told, in their language
    assert r.status_code == 200, r.body
    assert json.loads(r.body)["planned_end"] == "2028-01-31"
    [mail] = sent_messages()[mails:]
    assert mail.destinations["ToAddresses"] == ["officer0@example.ca"] and any(d in mail.body for d in ("31 janvier 2028", "January 31, 2028"))
    assert "prolongé" in mail.subject  # Hélène writes in French
    # and the same request again is stale (the version moved on), writing nothing
    r = staff_call(client, "patch", f"/admin/caps/ukraine/roster/{entry_id}", tokens["irss"],
                   {"expected_version": entry["version"], "planned_end": "2028-02-28", "reason_code": "data_correction",
                    "note": "Again"})
    assert r.status_code == 409, r.body

    # When IRSS records the officer's return
    r = staff_call(client, "post", f"/admin/applications/{app_id}/moves", tokens["irss"],
                   {"to_stage": "returned", "expected_stage": "deployed", "reason_code": "repatriated",
                    "note": "Medical repatriation"})
    assert r.status_code == 200, r.body
    # Then the entry ended with that reason, and the audit holds every roster change with its reason and note
    ended = {e["deployment_id"]: e for e in roster(client, tokens["irss"], "ukraine", "all")["entries"]}
    assert (ended[entry_id]["active"], ended[entry_id]["end_reason"]) == (False, "repatriated")
    from chalicelib.adapters.models import AuditModel

    trail = [(a.details["change"], a.reason_code, a.actor_role) for a in AuditModel.query(f"deployment#{entry_id}")]
    assert trail == [("started", None, "irss"), ("corrected", "extension_approved", "irss"),
                     ("ended", "repatriated", "irss")]


def test_adding_an_existing_deployment_takes_a_seat_once_per_idempotency_key(client, tokens):
    # Given the Philippines: 2 authorized, none deployed
    body = {"mission_id": "philippines", "started_on": "2026-05-01", "planned_end": "2027-05-01",
            "reason_code": "existing_deployment", "note": "Deployed before peaceops"}
    key = {"Idempotency-Key": "philippines-add-1"}
    # When IRSS adds an existing deployment, and the request is retried with the same key
    first = staff_call(client, "post", "/admin/caps/philippines/roster", tokens["irss"], body, **key)
    again = staff_call(client, "post", "/admin/caps/philippines/roster", tokens["irss"], body, **key)
    # Then one entry is added (201, then 200 with the same entry) and one seat is taken
    assert (first.status_code, again.status_code) == (201, 200), (first.body, again.body)
    assert json.loads(first.body) == json.loads(again.body)
    view = roster(client, tokens["irss"], "philippines")
    assert (view["deployed"], view["active_entries"]) == (1, 1)
    # When the cap is full, another is refused with the seat rule, writing nothing
    assert staff_call(client, "post", "/admin/caps/philippines/roster", tokens["admin"], body).status_code == 201
    r = staff_call(client, "post", "/admin/caps/philippines/roster", tokens["admin"], body)
    assert r.status_code == 409 and json.loads(r.body)["guard"] == "seat_available", r.body
    view = roster(client, tokens["irss"], "philippines")
    assert (view["deployed"], view["active_entries"]) == (2, 2)
    # and a mission of another cap, a planned end before the start, or no note, is a 422 with its pointer
    for wrong, pointer in (({"mission_id": "haiti-minustah"}, "/mission_id"),
                           ({"started_on": "2027-06-01", "planned_end": "2027-01-01"}, "/planned_end"),
                           ({"note": ""}, "/note")):
        r = staff_call(client, "post", "/admin/caps/philippines/roster", tokens["irss"], {**body, **wrong})
        assert r.status_code == 422 and [e["pointer"] for e in json.loads(r.body)["errors"]] == [pointer], r.body


def test_twenty_simultaneous_deploys_and_five_roster_ends_keep_the_count_to_the_roster(client, tokens, serialized_moto,
                                                                                    monkeypatch):
    """moto's DynamoDB is not thread-safe (a failed transaction restores a deep copy of the table), so moto's
    request handling is serialized (each AWS call atomic, as in DynamoDB) while our threads race between their
    reads and their transactional writes; a barrier makes all 25 read and plan before any writes."""
    from chalicelib.adapters.models import CapModel
    from chalicelib.api.wiring import deps
    from chalicelib.domain.errors import DomainError
    from chalicelib.domain.workflow import Actor, MoveRequest
    from chalicelib.services import roster as roster_service
    from chalicelib.services import workflow

    # Given Ukraine full (20 of 20, 20 existing deployments) and 20 candidates at training
    ids = at_training(client, 20)
    irss = Actor("irss", "irss-user")
    d = deps()
    barrier = threading.Barrier(25, timeout=60)
    real_get, real_deployment = d.store.files.get, d.store.catalogue.deployment

    first_reads: set[str] = set()

    def file_then_wait(application_id: str) -> Any:
        """Each move's first read waits for everyone; a refused move's second read (to explain itself) does not."""
        found = real_get(application_id)
        if application_id not in first_reads:
            first_reads.add(application_id)
            barrier.wait()
        return found

    def entry_then_wait(cap_id: str, deployment_id: str) -> Any:
        found = real_deployment(cap_id, deployment_id)
        barrier.wait()
        return found

    def deploy_one(app_id: str) -> Any:
        try:
            workflow.move(d, app_id, irss, MoveRequest("deployed", "training"))
            return "deployed"
        except DomainError as err:
            return (err.status, err.extra.get("guard") or err.code)

    def end_one(n: int) -> Any:
        try:
            roster_service.end_entry(d, irss, "ukraine", f"existing-ukraine-{n:03d}",
                                     {"expected_version": 1, "reason_code": "rotation_completed", "note": "Home"})
            return "ended"
        except DomainError as err:
            return err.status

    # When all 25 run at once
    monkeypatch.setattr(d.store.files, "get", file_then_wait)
    monkeypatch.setattr(d.store.catalogue, "deployment", entry_then_wait)
    try:
        with ThreadPoolExecutor(max_workers=25) as pool:
            deploys = [pool.submit(deploy_one, i) for i in ids]
            ends = [pool.submit(end_one, n) for n in range(1, 6)]
            outcomes, ended = [f.result() for f in deploys], [f.result() for f in ends]
    finally:
        monkeypatch.setattr(d.store.files, "get", real_get)
        monkeypatch.setattr(d.store.catalogue, "deployment", real_deployment)

    # Then every end held, at most five deploys did (one per freed seat), and the rest were refused: for want of
    # a seat, or (when a seat freed between their refused write and its explanation) as stale, to be tried again
    assert ended == ["ended"] * 5
    deployed = outcomes.count("deployed")
    refused = [o for o in outcomes if o != "deployed"]
    assert deployed <= 5 and len(refused) == 20 - deployed, outcomes
    assert set(refused) <= {(409, "seat_available"), (409, "stale-state")}, outcomes
    # and the cap's count is its active entries, never above the authorized figure
    view = roster(client, tokens["irss"], "ukraine")
    assert view["deployed"] == view["active_entries"] == 15 + deployed <= view["authorized"] == 20
    assert int(CapModel.get("cap", "ukraine").deployed) == view["deployed"]
    assert sum(1 for e in view["entries"] if e["application_id"]) == deployed
