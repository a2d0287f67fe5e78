"""What the property-based run found, kept as plain tests (in-process, moto).

Given a coordinator's real token, when a bulk move names a file by an empty
id, or a module result names its module by an object, then the answer is the
refusal it should be (404 for that move, 422), not a 500.
"""
from __future__ import annotations

import json
from typing import Any

from tests.integration.conftest import staff_call, submit


def test_a_bulk_move_of_an_empty_id_is_refused_not_a_500(client: Any, tokens: dict[str, str]) -> None:
    r = staff_call(client, "post", "/admin/moves", tokens["irss"],
                   {"moves": [{"application_id": "", "to_stage": "medical", "expected_stage": "medical"}]})
    assert r.status_code == 200, r.body
    assert json.loads(r.body)["results"] == [
        {"application_id": "", "status": 404, "code": "not-found",
         "detail": {"en": "No such file.", "fr": "Dossier introuvable."}}]


def test_a_module_named_by_an_object_is_a_422(client: Any, tokens: dict[str, str]) -> None:
    app_id = submit(client)["application_id"]
    r = staff_call(client, "post", f"/admin/applications/{app_id}/module-results", tokens["irss"],
                   {"module": {}, "score": 85})
    assert r.status_code == 422, r.body
    assert [e["pointer"] for e in json.loads(r.body)["errors"]] == ["/module"]
