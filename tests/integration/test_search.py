"""Staff search through the API on moto (GET /admin/search): a reference as printed is one GetItem, an email address
one Query on by_email, a family name's start one Query on by_name (never a Scan); a coordinator finds only their
service's files; files stored before the name index are found once the upgrade (the seed) has run."""
from __future__ import annotations

import json
from dataclasses import replace
from typing import Any
from unittest import mock
from urllib.parse import quote

from chalicelib.domain.emails import reference

from .conftest import application, staff_call, submit


def _search(client: Any, token: str, q: str, **more: str) -> dict[str, Any]:
    extra = "".join(f"&{k}={v}" for k, v in more.items())
    r = staff_call(client, "get", f"/admin/search?q={quote(q)}{extra}", token)
    assert r.status_code == 200, r.body
    return json.loads(r.body)


def _calls(fn: Any) -> tuple[Any, list[tuple[str, dict[str, Any]]]]:
    import botocore.client

    seen: list[tuple[str, dict[str, Any]]] = []
    original = botocore.client.BaseClient._make_api_call

    def record(self: Any, op: str, params: Any) -> Any:
        seen.append((op, params))
        return original(self, op, params)

    with mock.patch.object(botocore.client.BaseClient, "_make_api_call", record):
        result = fn()
    return result, seen


def test_each_kind_of_search_is_one_keyed_read_and_a_coordinator_sees_only_their_service(client: Any,
                                                                                         tokens: Any) -> None:
    # Given SPVM's Côté-Tremblay, SPVM's Côté and OPP's Costa
    spvm = submit(client)["application_id"]
    cote = submit(client, family_name="Côté", email="cote@example.ca")["application_id"]
    opp = submit(client, family_name="Costa", email="costa@example.ca", police_service="opp")["application_id"]
    irss = tokens["irss"]
    # When IRSS searches the reference as printed, in lower case without dashes: one GetItem, the file as a list row
    found, calls = _calls(lambda: _search(client, irss, reference(spvm).lower().replace("-", "")))
    assert (found["by"], [f["application_id"] for f in found["items"]]) == ("reference", [spvm])
    assert found["items"][0]["family_name"] == "Côté-Tremblay" and found["items"][0]["stage"] == "submitted"
    assert [op for op, _ in calls] == ["GetItem"]
    # By email address (any case): one Query on by_email, then the file
    found, calls = _calls(lambda: _search(client, irss, "Helene.Cote@Example.ca"))
    assert [f["application_id"] for f in found["items"]] == [spvm]
    assert [(op, p.get("IndexName")) for op, p in calls] == [("Query", "by_email"), ("GetItem", None)]
    # By the start of a family name without its accents: one Query on by_name, in name order
    found, calls = _calls(lambda: _search(client, irss, "cote"))
    assert [f["application_id"] for f in found["items"]] == [cote, spvm]
    assert [(op, p.get("IndexName")) for op, p in calls] == [("Query", "by_name")]
    assert not any(op == "Scan" for op, _ in calls)
    # A coordinator: SPVM's finds "co" as its two files, OPP's only Costa, and neither the other's reference
    assert [f["application_id"] for f in _search(client, tokens["coordinator.spvm"], "CO")["items"]] == [cote, spvm]
    assert [f["application_id"] for f in _search(client, tokens["coordinator.opp"], "co")["items"]] == [opp]
    assert _search(client, tokens["coordinator.opp"], reference(spvm))["items"] == []
    assert _search(client, tokens["coordinator.spvm"], "costa@example.ca")["items"] == []


def test_a_name_search_pages_and_an_unusable_query_is_a_bilingual_400(client: Any, tokens: Any) -> None:
    # Given three Tremblay files
    ids = [submit(client, family_name=f"Tremblay {n}", email=f"t{n}@example.ca")["application_id"] for n in "abc"]
    # When IRSS pages through "trem" two at a time, then every file comes once, in name order
    first = _search(client, tokens["irss"], "trem", limit="2")
    second = _search(client, tokens["irss"], "trem", limit="2", cursor=first["next_cursor"])
    assert [f["application_id"] for f in first["items"] + second["items"]] == ids and second["next_cursor"] is None
    # And a query with no letter is refused, in the caller's language
    r = staff_call(client, "get", "/admin/search?q=--", tokens["irss"], **{"Accept-Language": "fr"})
    assert r.status_code == 400 and r.headers["Content-Type"] == "application/problem+json"
    assert json.loads(r.body)["code"] == "invalid-query" and "lettre" in r.body.decode()


def test_files_stored_before_the_name_index_are_found_after_the_seed(client: Any, tokens: Any) -> None:
    from chalicelib.adapters.dynamo import NAME_INDEX_BUILT, file_row
    from chalicelib.adapters.models import ApplicationModel, MarkModel
    from chalicelib.api.wiring import deps
    from chalicelib.services import catalogue

    # Given two files written as before the index (rows without its keys) and no upgrade mark
    template = deps().store.files.get(submit(client, family_name="Zed", email="zed@example.ca")["application_id"])
    old = [replace(template, application_id=f"po-old{i}", form={**template.form, "family_name": name})
           for i, name in enumerate(("Lévesque", "Levy"))]
    with ApplicationModel.batch_write() as batch:
        for f in old:
            batch.save(file_row(f))
    MarkModel(*NAME_INDEX_BUILT).delete()
    assert _search(client, tokens["irss"], "lev")["items"] == []
    # When the seed runs (the upgrade's first start), then both are found by name, and the mark is back
    catalogue.seed(deps())
    assert [f["application_id"] for f in _search(client, tokens["irss"], "lev")["items"]] == ["po-old0", "po-old1"]
    assert deps().store.files.name_index_built()
    assert application()["family_name"] == "Côté-Tremblay"
