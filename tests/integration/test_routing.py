"""Who is told of a file and makes its initial selection (issue 11): a partner service's coordinator,
the RCMP's International Policing Career Development and Resourcing Advisor, or IRSS (civilian
analysts, officers of a service not in the list)."""
from __future__ import annotations

import json

import pytest

from .conftest import bearer, sent_messages, submit

PROTEUS = "west-bank-proteus"  # its calls accept civilian analysts (seed 004)


def _told(app_id_email: str) -> list[str]:
    return [m.destinations["ToAddresses"][0] for m in sent_messages()
            if m.destinations["ToAddresses"][0] != app_id_email]


@pytest.mark.parametrize("overrides, told, next_en", [
    ({"police_service": "spvm"}, "peaceops-coordinator.spvm@example.ca", "Your police service's peace operations coordinator"),
    ({"police_service": "rcmp"}, "peaceops-ipcdra.rcmp@example.ca", "International Policing Career Development"),
    ({"police_service": "other", "police_service_name": "Service de police de Laval"}, "peaceops-irss@example.ca",
     "International Recruitment, Screening and Selection"),
])
def test_each_file_goes_to_its_own_contact(client, overrides, told, next_en):
    before = len(sent_messages())
    created = submit(client, email="routing@example.ca", preferred_language="en", **overrides)
    new = sent_messages()[before:]
    assert sorted(m.destinations["ToAddresses"][0] for m in new) == sorted(["routing@example.ca", told])
    status = json.loads(client.http.get(f"/applications/{created['application_id']}",
                                        headers=bearer(created["access_token"])).body)
    assert next_en in status["next_step"]["en"] and status["next_step"]["fr"]


def test_a_civilian_analyst_is_routed_to_irss(client):
    missions = json.loads(client.http.get("/missions").body)["missions"]
    proteus = next(m for m in missions if m["mission_id"] == PROTEUS)
    assert proteus["civilian_analysts"] and proteus["taking_applications"], "the seed must open PROTEUS to analysts"
    before = len(sent_messages())
    created = submit(client, track="civilian_analyst", police_service=None, rank=None, years_operational_service=None,
                     firearms_expiry=None, baton_expiry=None, oc_spray_expiry=None, missions=[PROTEUS],
                     email="analyst@example.ca")
    told = [m.destinations["ToAddresses"][0] for m in sent_messages()[before:]]
    assert sorted(told) == ["analyst@example.ca", "peaceops-irss@example.ca"]
    status = json.loads(client.http.get(f"/applications/{created['application_id']}",
                                        headers=bearer(created["access_token"])).body)
    assert "police service" not in status["next_step"]["en"]
