"""The daily reminders job on moto, end to end: the scheduled function itself, invoked with a scheduled
event, reads the caps, rosters and files through DynamoDB, writes each reminder once and sends it through
SES; a second run sends nothing."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

from chalicelib.domain.localtime import shown_day

from .conftest import bearer, link_token, sent_messages, staff_call, submit

MODULES = {"un-online-modules": 90}
IRSS_EMAIL = "peaceops-irss@example.ca"
SPVM = "peaceops-coordinator.spvm@example.ca"


def _invoke(client: Any) -> dict[str, int]:
    event = client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={},
                                            resources=["arn:aws:events:ca-central-1:123456789012:rule/send-reminders"])
    result: dict[str, int] = client.lambda_.invoke("send_reminders", event).payload
    return result


def _to(address: str, messages: list[Any]) -> list[Any]:
    return [m for m in messages if m.destinations["ToAddresses"] == [address]]


def test_the_scheduled_job_sends_each_reminder_once(client, tokens):
    from chalicelib.adapters.models import ApplicationModel, OutboxModel
    from chalicelib.api.wiring import deps
    from chalicelib.services.deps import iso

    now = datetime.now(timezone.utc)
    today = deps().today()
    # Given a Haiti file at training (ready to deploy) whose firearms qualification expires in 40 days,
    expiry = (today + timedelta(days=40)).isoformat()
    ready = submit(client, email="ready@example.ca", firearms_expiry=expiry)["application_id"]
    ApplicationModel(ready).update(actions=[ApplicationModel.stage.set("training"),
                                            ApplicationModel.modules.set(MODULES),
                                            ApplicationModel.stage_entered_at.set(iso(now))])
    # a file waiting at "submitted" for 40 days,
    waiting = submit(client, email="waiting@example.ca")["application_id"]
    ApplicationModel(waiting).update(actions=[ApplicationModel.stage_entered_at.set(iso(now - timedelta(days=40)))])
    # and an existing Haiti deployment whose planned end IRSS recorded 20 days away
    end = (today + timedelta(days=20)).isoformat()
    r = staff_call(client, "patch", "/admin/caps/haiti/roster/existing-haiti-001", tokens["irss"],
                   {"expected_version": 1, "planned_end": end, "reason_code": "data_correction",
                    "note": "Date from the program's records."})
    assert r.status_code == 200, r.body
    baseline = len(sent_messages())

    # When EventBridge invokes the scheduled function, twice (a second run, or Lambda's retry)
    first = _invoke(client)
    second = _invoke(client)

    # Then the four reminders were written once and sent once
    assert (first["written"], first["sent"], second["written"], second["due"]) == (4, 4, 0, 0), (first, second)
    new = sent_messages()[baseline:]
    assert len(new) == 4
    (officer,) = _to("ready@example.ca", new)
    expiry_fr = shown_day(expiry, "fr")  # the day as the Translation Bureau writes it (domain/localtime.py)
    assert "qualification au tir" in officer.body and expiry_fr in officer.body and "?token=" in officer.body
    coordinator = _to(SPVM, new)
    assert len(coordinator) == 2 and not any("?token=" in m.body for m in coordinator)
    (irss,) = _to(IRSS_EMAIL, new)
    assert "existing-haiti-001" in irss.body and any(shown_day(end, lang) in irss.body for lang in ("en", "fr"))
    assert not [r for r in OutboxModel.pending.query("pending")]
    # and the coordinator sees the flag on the file
    view = json.loads(staff_call(client, "get", f"/admin/applications/{ready}", tokens["coordinator.spvm"]).body)
    assert [(f["qualification"], f["expiry"]) for f in view["qualification_flags"]] == [("firearms", expiry)]
    # the applicant's link opens the file
    assert client.http.get(f"/applications/{ready}", headers=bearer(link_token(officer.body))).status_code == 200
    # and the waiting file's reminder is on that file
    assert [r.template for r in OutboxModel.by_application.query(waiting) if ":reminder:" in r.message_id] == [
        "coordinator_waiting_reminder"]
