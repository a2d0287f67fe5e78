"""Twenty simultaneous moves into deployed at a cap with five seats left.

moto's DynamoDB is not thread-safe: a failed transaction restores a deep copy
of the table, which would undo writes other threads made meanwhile. So this
test serializes moto's request handling with a lock (each AWS call is atomic,
as it is in DynamoDB) while the application's threads race freely between
their read and their transactional write. A barrier makes every thread read
the file and plan its move before any of them writes: the worst interleaving.
"""
from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

from .conftest import staff_call, submit


def race(monkeypatch, ids, request):
    """Every file's move by IRSS at once: each reads its file, then all wait until everyone has read
    and planned, then all write. Returns 200 or (status, guard) per file, in order."""
    from chalicelib.api.wiring import deps
    from chalicelib.domain.errors import DomainError
    from chalicelib.domain.workflow import Actor
    from chalicelib.services import workflow

    barrier = threading.Barrier(len(ids), timeout=30)
    d = deps()
    real_read = d.store.files.get

    def read_then_wait(application_id):
        app = real_read(application_id)
        barrier.wait()
        return app

    def attempt(app_id):
        try:
            workflow.move(d, app_id, Actor("irss", "irss-user"), request)
            return 200
        except DomainError as err:
            return (err.status, err.extra.get("guard"))

    monkeypatch.setattr(d.store.files, "get", read_then_wait)
    try:
        with ThreadPoolExecutor(max_workers=len(ids)) as pool:
            return list(pool.map(attempt, ids))
    finally:
        monkeypatch.setattr(d.store.files, "get", real_read)


def test_twenty_moves_five_seats(client, tokens, serialized_moto, monkeypatch):
    from chalicelib.adapters.models import ApplicationModel, CapModel
    from chalicelib.domain.workflow import MoveRequest

    # Given: Cambodia's cap set to 5 with none deployed, and 20 files in training.
    CapModel("cap", "cambodia").update(actions=[CapModel.authorized.set(5), CapModel.deployed.set(0)])
    ids = []
    for i in range(20):
        created = submit(client, email=f"officer{i}@example.ca", missions=["cambodia-eccc"])
        ApplicationModel(created["application_id"]).update(actions=[
            ApplicationModel.stage.set("training"),
            ApplicationModel.modules.set({"un-online-modules": 90})])
        ids.append(created["application_id"])

    # When: all twenty moves run at once.
    outcomes = race(monkeypatch, ids, MoveRequest("deployed", "training"))

    # Then: exactly five deployed, fifteen refused for want of a seat, count right.
    assert outcomes.count(200) == 5
    assert outcomes.count((409, "seat_available")) == 15
    assert int(CapModel.get("cap", "cambodia").deployed) == 5
    stages = [ApplicationModel.get(i).stage for i in ids]
    assert stages.count("deployed") == 5 and stages.count("training") == 15


def test_a_nomination_session_fills_to_its_last_place_under_simultaneous_moves(client, tokens, serialized_moto,
                                                                             monkeypatch):
    """Issue 11: a session's places are its call's positions, taken atomically like seats."""
    from chalicelib.adapters.models import ApplicationModel, BulletinModel
    from chalicelib.domain.workflow import MoveRequest

    # Given: the Justice Rapid Response call with 3 places, and 12 files at IRSS's review answering it.
    call = next(c for c in json.loads(client.http.get("/bulletins").body)["bulletins"]
                if c["mission_id"] == "justice-rapid-response")
    r = staff_call(client, "patch", f"/admin/bulletins/{call['bulletin_id']}", tokens["admin"], {"positions": 3})
    assert r.status_code == 200, r.body
    ids = []
    for i in range(12):
        created = submit(client, email=f"jrr{i}@example.ca", missions=["justice-rapid-response"])
        ApplicationModel(created["application_id"]).update(actions=[ApplicationModel.stage.set("irss_review")])
        ids.append(created["application_id"])

    # When: all twelve nominations run at once.
    outcomes = race(monkeypatch, ids, MoveRequest("nominated", "irss_review"))

    # Then: exactly three nominated, nine refused for want of a place, the count right.
    assert outcomes.count(200) == 3, outcomes
    assert outcomes.count((409, "place_available")) == 9, outcomes
    assert int(BulletinModel.get("bulletin", call["bulletin_id"]).places_taken) == 3
    stages = [ApplicationModel.get(i).stage for i in ids]
    assert stages.count("nominated") == 3 and stages.count("irss_review") == 9
