"""A list filtered on the pre-screen's flag alone reads the flag's index (no post-filter over every file), page by
page through the same signed cursor as any list."""
from __future__ import annotations

from dataclasses import replace
from typing import Any
from unittest import mock

from .conftest import application


def _files(n: int) -> list[str]:
    """``n`` files written through the adapter's rows: one in five flagged not_met."""
    from chalicelib.adapters.dynamo import file_row
    from chalicelib.adapters.models import ApplicationModel
    from chalicelib.api.wiring import deps
    from chalicelib.services import submissions

    _, body = submissions.submit(deps(), application(email="list-index@example.ca"), None)
    template = deps().store.files.get(body["application_id"])
    flagged = []
    with ApplicationModel.batch_write() as batch:
        for i in range(n):
            flag = "not_met" if i % 5 == 0 else "all_met"
            f = replace(template, application_id=f"po-list{i:04d}", eligibility_flag=flag,
                        submitted_at=f"2026-05-{1 + i % 28:02d}T10:00:{i % 60:02d}.000000Z")
            batch.save(file_row(f))
            if flag == "not_met":
                flagged.append(f.application_id)
    return flagged


def test_a_flag_filter_queries_the_flag_index_and_pages_through_every_flagged_file(client: Any, tokens: Any) -> None:
    import json

    import botocore.client

    from .conftest import staff_call

    flagged = _files(40)
    queries: list[dict[str, Any]] = []
    original = botocore.client.BaseClient._make_api_call

    def seen(self: Any, op: str, params: Any) -> Any:
        if op == "Query":
            queries.append(params)
        return original(self, op, params)

    got: list[str] = []
    cursor = None
    with mock.patch.object(botocore.client.BaseClient, "_make_api_call", seen):
        while True:
            path = "/admin/applications?flag=not_met&limit=3" + (f"&cursor={cursor}" if cursor else "")
            page = json.loads(staff_call(client, "get", path, tokens["irss"]).body)
            got += [row["application_id"] for row in page["items"]]
            assert {row["eligibility_flag"] for row in page["items"]} <= {"not_met"}
            cursor = page["next_cursor"]
            if not cursor:
                break
    assert sorted(got) == sorted(flagged) and len(got) == len(set(got))
    assert {q.get("IndexName") for q in queries} == {"by_flag"}
    assert not any("FilterExpression" in q for q in queries), "the flag is the index's key, not a post-filter"


def _items_read(client: Any, token: str, path: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The raw items the list's Query brought back from DynamoDB (moto), and the page the API answered."""
    import json

    import botocore.client

    from .conftest import staff_call

    raw: list[dict[str, Any]] = []
    original = botocore.client.BaseClient._make_api_call

    def seen(self: Any, op: str, params: Any) -> Any:
        answer = original(self, op, params)
        if op == "Query" and params.get("TableName", "").endswith("-applications"):
            raw.extend(answer.get("Items", []))
        return answer

    with mock.patch.object(botocore.client.BaseClient, "_make_api_call", seen):
        page = json.loads(staff_call(client, "get", path, token).body)
    return raw, page


def test_a_list_page_reads_what_its_rows_show_never_the_form(client: Any, tokens: Any) -> None:
    from chalicelib.adapters.models import ROW_ATTRIBUTES

    _files(6)
    for path, who in (("/admin/applications?limit=5", "irss"), ("/admin/applications?mission=haiti-minustah", "irss"),
                      ("/admin/applications?flag=not_met", "irss"), ("/admin/applications", "coordinator.spvm")):
        raw, page = _items_read(client, tokens[who], path)
        assert raw and page["items"], path
        allowed = set(ROW_ATTRIBUTES) | {"application_id", "list_pk", "name_initial", "name_key", "email_key"}
        for item in raw:
            assert "form" not in item and "mission" not in item and "findings" not in item, path
            assert set(item) <= allowed, (path, set(item) - allowed)
        # and the rows still show the names, from the file's own copies of them
        assert {(r["given_name"], r["family_name"]) for r in page["items"]} == {("Hélène", "Côté-Tremblay")}


def test_files_stored_before_the_rows_copies_get_them_from_the_seeds_upgrade(client: Any, tokens: Any) -> None:
    from chalicelib.adapters.models import ApplicationModel, MarkModel
    from chalicelib.api.wiring import deps
    from chalicelib.services import catalogue

    _files(3)
    # Given files as an earlier version wrote them: no names or kind of their own, and no upgrade mark
    for a in ApplicationModel.scan():  # tests only
        a.update(actions=[ApplicationModel.given_name.remove(), ApplicationModel.family_name.remove(),
                          ApplicationModel.mission_kind.remove()])
    MarkModel("upgrade", "name_index").delete()
    _, before = _items_read(client, tokens["irss"], "/admin/applications")
    assert {r["family_name"] for r in before["items"]} == {None}
    # When the seed runs (an upgrade's first start), then the rows show the names again
    catalogue.seed(deps())
    _, after = _items_read(client, tokens["irss"], "/admin/applications")
    assert {r["family_name"] for r in after["items"]} == {"Côté-Tremblay"}
