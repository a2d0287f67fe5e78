"""Issue 16: checkov, the infrastructure-as-code scanner, finds nothing left unjustified.

Given the packaged template (`chalice package --stage prod --merge-template infra/template.yaml`,
shared with the other infra tests), checkov (pinned in requirements-checkov.txt, in its own
virtualenv .venv/checkov made by scripts/setup) scans it offline: no API key, no download of
external checks (--skip-download), no update check, and every proxy pointed at a closed port so
that any attempt to reach the network fails here instead of leaving the machine. Then: no check
fails; every check skipped is skipped in place (the resource's ``Metadata: checkov: skip``, which
Chalice merges from infra/template.yaml) with a reason, and the skips are exactly the ones
README.md's "Deploying" section lists. The same scan of a copy with two fixes undone does fail,
so a green run means checkov read the template.
"""
from __future__ import annotations

import copy
import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]

from tests.infra import package as packaging

ROOT = Path(__file__).resolve().parents[2]
CHECKOV = ROOT / ".venv" / "checkov" / "bin" / "checkov"
CLOSED_PORT = "http://127.0.0.1:9"  # discard: nothing listens, a connection is refused at once
# Undone in the broken copy: (resource, property) removed, and the check that must then fail.
UNDONE = {("APIHandler", "KmsKeyArn"): ("CKV_AWS_173", "AWS::Serverless::Function.APIHandler"),
          ("RestAPI", "TracingEnabled"): ("CKV_AWS_73", "AWS::Serverless::Api.RestAPI")}


def _pinned_version() -> str:
    (line,) = [ln for ln in (ROOT / "requirements-checkov.txt").read_text().splitlines() if ln.startswith("checkov==")]
    return line.split("==", 1)[1].strip()


def _offline_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("BC_", "PRISMA_", "CKV_")) and k.lower() not in ("http_proxy", "https_proxy", "no_proxy")}
    env.update({"CKV_SKIP_PACKAGE_UPDATE_CHECK": "true", "HTTP_PROXY": CLOSED_PORT, "HTTPS_PROXY": CLOSED_PORT,
                "http_proxy": CLOSED_PORT, "https_proxy": CLOSED_PORT, "NO_PROXY": "", "no_proxy": ""})
    return env


def _scan(work: Path, *names: str) -> dict[str, Any]:
    """checkov's JSON report of the files ``names`` (relative to ``work``, where it runs)."""
    assert CHECKOV.is_file(), f"{CHECKOV} is missing: run scripts/setup"
    files = [arg for name in names for arg in ("--file", name)]
    result = subprocess.run([str(CHECKOV), *files, "--framework", "cloudformation", "--skip-download",
                             "--output", "json", "--compact"],
                            capture_output=True, text=True, timeout=300, env=_offline_env(), cwd=work)
    assert result.returncode in (0, 1), result.stderr[-3000:]  # 1: some check failed
    report: dict[str, Any] = json.loads(result.stdout)
    return report


@pytest.fixture(scope="module")
def scans(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """{"packaged": its report, "broken": the report of a copy with two fixes undone}, from one run."""
    work = tmp_path_factory.mktemp("checkov")
    packaged = work / "packaged" / "sam.yaml"
    broken = work / "broken" / "sam.yaml"
    packaged.parent.mkdir()
    broken.parent.mkdir()
    packaged.write_text(packaging.template_path("prod").read_text())
    undone = copy.deepcopy(packaging.template("prod"))
    for resource, prop in UNDONE:
        del undone["Resources"][resource]["Properties"][prop]
    broken.write_text(yaml.safe_dump(undone, sort_keys=False))
    report = _scan(work, "packaged/sam.yaml", "broken/sam.yaml")
    assert report["summary"]["checkov_version"] == _pinned_version()
    assert report["summary"]["parsing_errors"] == 0
    by_file: dict[str, dict[str, Any]] = {"packaged": {}, "broken": {}}
    for outcome in ("passed_checks", "failed_checks", "skipped_checks"):
        for check in report["results"][outcome]:
            which = check["file_path"].strip("/").split("/")[0]
            by_file[which].setdefault(outcome, []).append(check)
    return by_file


def _ids(checks: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(c["check_id"], c["resource"]) for c in checks}


def test_checkov_finds_no_failed_check_in_the_packaged_template(scans: dict[str, dict[str, Any]]) -> None:
    packaged = scans["packaged"]
    failed = sorted(f"{c['check_id']} {c['resource']}: {c['check_name']}" for c in packaged.get("failed_checks", []))
    assert failed == []
    assert len(packaged["passed_checks"]) >= 50  # issue 16 measured 42 passed before the fixes


def _readme_skips() -> set[tuple[str, str]]:
    """The table of README.md's "Deploying" section: | `CKV_...` (what) | `Resource`, `Resource` | reason |."""
    readme = (ROOT / "README.md").read_text()
    deploying = readme.split("## Deploying", 1)[1].split("\n## ", 1)[0]
    found = set()
    for row in re.findall(r"^\| `(CKV_[A-Z0-9_]+)`[^|]*\| ([^|]+) \|", deploying, flags=re.M):
        check, resources = row
        found |= {(check, r) for r in re.findall(r"`([^`]+)`", resources)}
    return found


def test_every_skip_is_in_place_with_a_reason_and_listed_in_the_readme(scans: dict[str, dict[str, Any]],
                                                                       template: dict[str, Any]) -> None:
    skipped = scans["packaged"].get("skipped_checks", [])
    for check in skipped:
        assert len(check["check_result"]["suppress_comment"]) > 20, check  # a reason, not just the id
    in_template = {(s["id"], f"{r['Type']}.{rid}") for rid, r in template["Resources"].items()
                   for s in r.get("Metadata", {}).get("checkov", {}).get("skip", [])}
    assert _ids(skipped) == in_template
    listed = {(check, next(r for r in in_template if r[0] == check and r[1].endswith(f".{rid}"))[1])
              for check, rid in _readme_skips()}
    assert listed == in_template, "README.md's list of checkov skips and the template's differ"


def test_the_only_skips_are_the_decided_ones(scans: dict[str, dict[str, Any]]) -> None:
    """A VPC for functions that only reach AWS's public endpoints, caching of personal data, and for the
    API's handler (invoked synchronously, left to the account's pool): a dead-letter queue and reserved
    concurrency; for the stream's DeliverEmails (never invoked asynchronously: its failed batches go to its
    event source's on-failure destination) a dead-letter queue. A scheduled function may skip the VPC only; the
    documents bucket, server access logs (each access is the API's, logged and audited, or GuardDuty's)."""
    skipped = _ids(scans["packaged"].get("skipped_checks", []))
    assert {check for check, _ in skipped} <= {"CKV_AWS_117", "CKV_AWS_120", "CKV_AWS_116", "CKV_AWS_115",
                                                "CKV_AWS_18"}
    assert {r for c, r in skipped if c == "CKV_AWS_18"} <= {"AWS::S3::Bucket.DocumentsBucket"}
    assert {r for c, r in skipped if c == "CKV_AWS_115"} == {"AWS::Serverless::Function.APIHandler"}
    assert {r for c, r in skipped if c == "CKV_AWS_116"} == {"AWS::Serverless::Function.APIHandler",
                                                             "AWS::Serverless::Function.DeliverEmails"}
    assert {r for c, r in skipped if c == "CKV_AWS_120"} == {"AWS::Serverless::Api.RestAPI"}


def test_the_same_scan_fails_a_template_with_fixes_undone(scans: dict[str, dict[str, Any]]) -> None:
    assert set(UNDONE.values()) <= _ids(scans["broken"].get("failed_checks", []))
