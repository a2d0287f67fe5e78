"""Retention and disposition on moto, end to end: an officer's file walked from submission through deployment,
return and follow-up, then the scheduled job ten years later with an injected clock: every table and the bucket
hold nothing of it but its disposition record; a held file survives; a re-run is a no-op. And the routes: the
preview, placing and lifting a hold (422 without a reason)."""
from __future__ import annotations

import json
import os
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3

from .conftest import deliver_outbox, put_document, staff_call
from .test_reintegration import follow_up
from .test_workflow_paths import File, put_family_readiness, shortcut_to, step, submitted

TABLES = ("applications", "family-readiness", "audit", "outbox", "idempotency", "catalogue")


def _invoke(client: Any) -> dict[str, int]:
    event = client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={},
                                            resources=["arn:aws:events:ca-central-1:123456789012:rule/retention"])
    result: dict[str, int] = client.lambda_.invoke("apply_retention", event).payload
    return result


def _items(table: str) -> list[dict[str, Any]]:
    """Every item of a table (the test reads the whole table; the code never scans)."""
    from chalicelib.config import get_settings

    ddb = boto3.client("dynamodb", region_name="ca-central-1")
    name, out, start = get_settings().table(table), [], None
    while True:
        page = ddb.scan(TableName=name, **({"ExclusiveStartKey": start} if start else {}))
        out += page["Items"]
        start = page.get("LastEvaluatedKey")
        if not start:
            return out


def _naming(app_id: str) -> dict[str, list[dict[str, Any]]]:
    """Every item of every table that names the file anywhere, by table."""
    return {t: [i for i in _items(t) if app_id in json.dumps(i)] for t in TABLES}


def _versions(app_id: str) -> list[dict[str, Any]]:
    from chalicelib.config import get_settings

    s3 = boto3.client("s3", region_name="ca-central-1")
    page = s3.list_object_versions(Bucket=get_settings().bucket, Prefix=f"documents/{app_id}/")
    return [*page.get("Versions", []), *page.get("DeleteMarkers", [])]


def _officer(client: Any, tokens: dict[str, str], email: str) -> File:
    """An officer's file through the API: deployed, returned, followed up; a document of two versions and a
    deleted one; the family-readiness form (its guide tasks open)."""
    from chalicelib.config import get_settings

    f = submitted(client, tokens, email=email)
    shortcut_to(f, "training")
    put_family_readiness(f)
    doc = put_document(f.app_id, "first_aid_cpr")
    s3 = boto3.client("s3", region_name="ca-central-1")
    key = f"documents/{f.app_id}/first_aid_cpr/{doc}"
    s3.put_object(Bucket=get_settings().bucket, Key=key, Body=b"%PDF-1.7 again")  # a second version
    s3.put_object(Bucket=get_settings().bucket, Key=f"documents/{f.app_id}/cv/d-bbbbbbbbbbbbbbbb", Body=b"%PDF-")
    s3.delete_object(Bucket=get_settings().bucket, Key=f"documents/{f.app_id}/cv/d-bbbbbbbbbbbbbbbb")  # a marker
    step(f, "irss", "deployed")
    step(f, "irss", "returned", reason="rotation_completed")
    assert follow_up(f).status_code == 200
    deliver_outbox()
    return f


def _hold(client: Any, token: str, app_id: str, body: Any, lift: bool = False) -> Any:
    path = f"/admin/applications/{app_id}/hold" + ("/lift" if lift else "")
    return staff_call(client, "post" if lift else "put", path, token, body)


def _pipeline(client: Any, token: str) -> dict[str, int]:
    r = staff_call(client, "get", "/admin/reports/pipeline", token)
    assert r.status_code == 200, r.body
    totals: dict[str, int] = {}
    for mission in json.loads(r.body)["missions"]:
        for stage, n in mission["counts"].items():
            totals[stage] = totals.get(stage, 0) + n
    return totals


def _package_lists_every_record(client: Any, irss: str, app_id: str) -> None:
    """Each item naming the file in each table, and each document in the bucket, is in IRSS's package."""
    held = _naming(app_id)
    r = staff_call(client, "get", f"/admin/applications/{app_id}/privacy-package", irss)
    assert r.status_code == 200, r.body
    package = json.loads(r.body)
    assert {i["application_id"]["S"] for i in held["applications"]} == {package["package"]["application_id"]}
    assert len(held["family-readiness"]) == 1 and package["family_readiness"]["form"]
    by_subject: dict[str, int] = {}
    for i in held["audit"]:
        by_subject[i["subject"]["S"].split("#")[0]] = by_subject.get(i["subject"]["S"].split("#")[0], 0) + 1
    trails = sum(len(d["history"]) for d in package["deployments"])
    # the read log counts the package's own production, recorded first
    assert by_subject == {"application": len(package["history"]), "reads": len(package["reads"]) - 1,
                          "deployment": trails}, (by_subject, len(package["reads"]))
    assert sorted(i["message_id"]["S"] for i in held["outbox"]) == sorted(e["message_id"] for e in package["emails"])
    catalogue = {i["sk"]["S"] if "sk" in i else "": i for i in held["catalogue"]}
    listed = {*(d["deployment_id"] for d in package["deployments"]), *(g["task_id"] for g in package["guide_tasks"])}
    assert all(any(name in key for name in listed) for key in catalogue), sorted(catalogue)
    assert len(package["guide_tasks"]) >= 1 and len(package["deployments"]) == 1
    recorded = {d["document_id"] for d in package["documents"]}
    assert {v["Key"].split("/")[3] for v in _versions(app_id) if v["Key"].split("/")[2] != "cv"} <= recorded


def test_a_file_from_submission_to_disposition_ten_years_later(client, tokens):
    from chalicelib.api.wiring import deps

    # Given an officer's file, returned and followed up, and another one IRSS put on legal hold
    f = _officer(client, tokens, "officer.gone@example.ca")
    held = _officer(client, tokens, "officer.held@example.ca")
    r = _hold(client, tokens["irss"], held.app_id, {"reason": "Privacy Act request P-2036-0042."})
    assert r.status_code == 200, r.body
    before = _naming(f.app_id)
    assert all(before[t] for t in ("applications", "family-readiness", "audit", "outbox", "catalogue")), before
    assert len(_versions(f.app_id)) == 4 and _pipeline(client, tokens["admin"]).get("returned") == 2

    # When the scheduled job runs nine years on: nothing is due yet
    now = datetime.now(timezone.utc)
    deps().clock = lambda: now + timedelta(days=365 * 9)
    assert _invoke(client)["disposed"] == 0 and _naming(f.app_id)["applications"]

    # When it runs ten years and a few days after the follow-up
    later = now + timedelta(days=365 * 10 + 5)
    deps().clock = lambda: later
    preview = staff_call(client, "get", "/admin/retention/preview", tokens["admin"])
    assert preview.status_code == 200, preview.body
    shown = json.loads(preview.body)
    assert [h["application_id"] for h in shown["held"]] == [held.app_id]
    assert next(r for r in shown["rules"] if r["rule"] == "returned")["references"] == [f.reference]
    # And the day before, the formal access-request package lists every record the file had (the idempotency
    # table's remembered answers and counters, past their time to live, are gone by then)
    _package_lists_every_record(client, tokens["irss"], f.app_id)
    counts = _invoke(client)

    # Then nothing of the file is left in any table or the bucket but its disposition record
    assert (counts["disposed"], counts["held"], counts["disposed_returned"]) == (1, 1, 1), counts
    left = _naming(f.app_id)
    assert {t: rows for t, rows in left.items() if rows and t != "audit"} == {}, json.dumps(left)[:6000]
    assert [(i["subject"]["S"], i["kind"]["S"]) for i in left["audit"]] == [(f"disposed#{f.app_id}", "disposed")]
    details = json.loads(left["audit"][0]["details"]["S"])
    assert set(details) == {"reference", "submitted_on", "closed_on", "disposed_on", "rule"}
    assert details["rule"] == "returned" and details["reference"] == f.reference
    assert f.email not in json.dumps(left) and "Côté" not in json.dumps(left)
    assert _versions(f.app_id) == []
    # what expires by time to live (limit counters, the idempotency table's rows) is past its time
    assert all(int(i["expires_at"]["N"]) < later.timestamp() for i in _items("idempotency") if "expires_at" in i)
    # the counters no longer count it (the cap's deployed count never did: its ended entry is gone with it)
    assert _pipeline(client, tokens["admin"]).get("returned") == 1
    # And the held file survives whole
    assert all(_naming(held.app_id)[t] for t in ("applications", "family-readiness", "outbox"))
    assert len(_versions(held.app_id)) == 4
    # And a second run the same day disposes of nothing
    assert _invoke(client)["disposed"] == 0

    # When the hold is lifted, the next day's run disposes of it too
    r = _hold(client, tokens["admin"], held.app_id, {"reason": "Request answered."}, lift=True)
    assert r.status_code == 200 and json.loads(r.body)["legal_hold"] is None
    deps().clock = lambda: later + timedelta(days=1)
    assert _invoke(client)["disposed"] == 1 and not _naming(held.app_id)["applications"]


def test_a_hold_needs_a_reason_and_is_shown_to_irss_and_admin_only(client, tokens):
    f = submitted(client, tokens, email="hold.reason@example.ca")
    r = _hold(client, tokens["irss"], f.app_id, {})
    assert r.status_code == 422 and r.headers["Content-Type"] == "application/problem+json"
    assert [e["pointer"] for e in json.loads(r.body)["errors"]] == ["/reason"]
    fr = staff_call(client, "put", f"/admin/applications/{f.app_id}/hold", tokens["irss"], {"reason": " "},
                    **{"Accept-Language": "fr"})
    assert fr.status_code == 422 and "motif" in json.loads(fr.body)["errors"][0]["message"]
    assert _hold(client, tokens["admin"], f.app_id, {"reason": "Litigation."}).status_code == 200
    assert _hold(client, tokens["irss"], f.app_id, {"reason": "Again."}).status_code == 409
    views = {who: json.loads(staff_call(client, "get", f"/admin/applications/{f.app_id}", tokens[who]).body)
             for who in ("irss", "coordinator.spvm")}
    assert views["irss"]["legal_hold"]["reason"] == "Litigation."
    assert "legal_hold" not in views["coordinator.spvm"]
    assert not [a for a in views["coordinator.spvm"]["audit"] if a["kind"].startswith("legal_hold")]


def test_the_preview_refuses_a_day_it_cannot_read(client, tokens):
    r = staff_call(client, "get", "/admin/retention/preview?as_of=2036-02-30", tokens["irss"])
    assert r.status_code == 400 and [e["pointer"] for e in json.loads(r.body)["errors"]] == ["/as_of"]


def test_the_local_command_runs_the_job_for_a_given_day_and_prints_counts_only(client, tokens, capsys):
    import runpy
    from pathlib import Path

    # Given a file closed as not selected today (scripts/local.py, its environment already the test's)
    f = submitted(client, tokens, email="local.retain@example.ca")
    step(f, "coordinator.spvm", "service_review")
    step(f, "coordinator.spvm", "not_selected", reason="criteria_not_met")
    local = runpy.run_path(str(Path(__file__).resolve().parents[2] / "scripts" / "local.py"))
    # The script's own globals (run_path answers a copy): its _apply_env would set the local run's environment over
    # the test's, for every later test of this worker
    local["main"].__globals__["_apply_env"] = lambda: {}
    env_before = dict(os.environ)
    as_of = (datetime.now(timezone.utc) + timedelta(days=365 * 2 + 2)).date().isoformat()

    # When an operator previews, then runs, the job for a day two years on
    def run(*argv: str) -> dict[str, Any]:
        local["sys"].argv = ["local.py", "retain", *argv]
        local["main"]()
        out = capsys.readouterr().out
        assert f.reference not in out and f.email not in out and f.app_id not in out  # counts only
        return json.loads(out)

    preview = run("--as-of", as_of, "--preview")
    done = run("--as-of", as_of)
    again = run("--as-of", as_of)
    assert dict(os.environ) == env_before  # the test's environment untouched

    # Then the preview counted it, the run disposed of it, the second run nothing
    assert (preview["due"], preview["due_not_selected"]) == (1, 1)
    assert (done["as_of"], done["disposed"], done["disposed_not_selected"]) == (as_of, 1, 1)
    assert again["disposed"] == 0 and not _naming(f.app_id)["applications"]
