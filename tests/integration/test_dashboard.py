"""The dashboard's data on moto (services/dashboard.py through the DynamoDB adapter): the funnels come from the
pipeline counters and the seats from each cap's roster, one Query each, never a Scan and never a read of the
files; a coordinator counts only their service's files. Given / When / Then."""
from __future__ import annotations

from typing import Any
from unittest import mock

from chalicelib.domain.workflow import Actor

from .conftest import move, submit


def test_the_dashboard_reads_counters_and_rosters_only_and_keeps_a_coordinator_to_their_service(
        client: Any, tokens: Any) -> None:
    import botocore.client

    from chalicelib.api.wiring import deps
    from chalicelib.services import dashboard

    # Given two SPVM files (one moved on) and one OPP file for Haiti
    first = submit(client)["application_id"]
    submit(client, email="second@example.ca")
    submit(client, email="opp@example.ca", police_service="opp")
    assert move(client, tokens["coordinator.spvm"], first, "service_review", "submitted").status_code == 200
    calls: list[tuple[str, dict[str, Any]]] = []
    original = botocore.client.BaseClient._make_api_call

    def record(self: Any, op: str, params: Any) -> Any:
        calls.append((op, params))
        return original(self, op, params)

    # When SPVM's coordinator and IRSS read the dashboard, in French and in English
    with mock.patch.object(botocore.client.BaseClient, "_make_api_call", record):
        spvm = dashboard.dashboard(deps(), Actor("service_coordinator", "c", "spvm"), "fr")
    irss = dashboard.dashboard(deps(), Actor("irss", "i"), "en")
    # Then the coordinator's Haiti funnel counts their two files only; IRSS's all three
    haiti = {v["lang"]: next(f for f in v["funnels"] if f["mission_id"] == "haiti-minustah") for v in (spvm, irss)}
    assert (haiti["fr"]["total"], haiti["fr"]["rows"][:2]) == (
        2, [["Demande reçue", "1", "Ouvert"], ["Sélection initiale par votre service de police", "1", "Ouvert"]])
    assert haiti["en"]["total"] == 3 and haiti["en"]["rows"][0] == ["Application received", "2", "Open"]
    # And every read was a Query on the catalogue (missions, caps, counters, rosters): no Scan, no file read
    missions, caps = len(spvm["funnels"]), len(spvm["seats"]["rows"])
    assert {op for op, _ in calls} == {"Query"}
    assert all(p["TableName"].endswith("-catalogue") for _, p in calls)
    assert len(calls) == 3 + missions + caps  # missions, caps and missions again; a counter Query per mission and
    # a roster Query per cap
    assert "<svg" in spvm["seats"]["svg"] and spvm["seats"]["columns"][0] == "Plafond"
