"""Every fact the public surface tells comes from the seeds or the call, and nothing internal is public (issue 23).

Given / When / Then, on the data files and the domain rules (no AWS).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def _openapi() -> dict[str, Any]:
    return json.loads((ROOT / "chalicelib" / "data" / "openapi.json").read_text(encoding="utf-8"))


def test_the_public_cap_of_get_missions_admits_no_internal_note() -> None:
    # Given the contract of the public GET /missions: each mission's cap is a CapSummary
    doc = _openapi()
    mission = doc["components"]["schemas"]["Mission"]
    assert mission["properties"]["cap"] == {"$ref": "#/components/schemas/CapSummary"}
    summary = doc["components"]["schemas"]["CapSummary"]
    # Then a cap as the public reads it names no note and admits no other field: the note is staff-only
    assert "note" not in summary["properties"] and summary["additionalProperties"] is False
    # While the staff's listing of caps still carries it
    listing = doc["components"]["schemas"]["CapListing"]["properties"]["caps"]["items"]["properties"]
    assert "note" in listing
