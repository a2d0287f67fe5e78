"""A mission's cap is fixed once created: the authorized figure cannot be escaped by re-pointing it."""
from __future__ import annotations

import json

from .conftest import staff_call


def test_a_mission_cannot_move_to_another_cap(client, tokens):
    admin = tokens["admin"]
    # Given a new cap with room for nobody, and the West Bank's PROTEUS counting against the shared cap of 12
    r = staff_call(client, "post", "/admin/caps", admin, {"cap_id": "tiny", "authorized": 0, "name": {"en": "T", "fr": "T"}})
    assert r.status_code == 201, r.body
    before = json.loads(client.http.get("/missions/west-bank-proteus").body)

    # When an administrator tries to move PROTEUS to it (in English, then in French)
    r = staff_call(client, "patch", "/admin/missions/west-bank-proteus", admin, {"cap_id": "tiny"})
    fr = staff_call(client, "patch", "/admin/missions/west-bank-proteus", admin, {"cap_id": "tiny"}, **{"Accept-Language": "fr"})

    # Then it is refused with a pointer at the field, and nothing changed
    assert r.status_code == 422, r.body
    errors = json.loads(r.body)["errors"]
    assert [(e["pointer"], e["code"]) for e in errors] == [("/cap_id", "immutable")]
    assert "ne peut pas changer" in json.loads(fr.body)["errors"][0]["message"]
    after = json.loads(client.http.get("/missions/west-bank-proteus").body)
    assert after == before


def test_repeating_the_current_cap_and_a_real_change_are_fine(client, tokens):
    admin = tokens["admin"]
    current = json.loads(client.http.get("/missions/philippines").body)
    r = staff_call(client, "patch", "/admin/missions/philippines", admin,
                   {"cap_id": current["cap"]["cap_id"], "deployment_months": 18})
    assert r.status_code == 200, r.body
    assert json.loads(client.http.get("/missions/philippines").body)["deployment_months"] == 18


def test_a_version_that_is_not_a_number_is_a_422_not_a_stale_409(client, tokens):
    r = staff_call(client, "patch", "/admin/missions/philippines", tokens["admin"], {"version": "1", "deployment_months": 6})
    assert r.status_code == 422, r.body
    assert [e["pointer"] for e in json.loads(r.body)["errors"]] == ["/version"]
