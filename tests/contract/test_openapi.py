"""The OpenAPI document against the app itself.

Given the routes Chalice registered (the JSON API and the web blueprint), the
document served at /openapi.json names every one of them and nothing else,
is a valid OpenAPI 3.1 document, bundles the form schemas of schemas/ as they
are, and lists for each coordinators' operation exactly the roles its route admits.
"""
from __future__ import annotations

import json
from typing import Any, Iterator

import pytest
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for v in node.values():
            yield from _refs(v)
    elif isinstance(node, list):
        for v in node:
            yield from _refs(v)


@pytest.fixture(scope="module")
def app() -> Any:
    from app import app as chalice_app

    return chalice_app


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    from chalicelib.api.contract import document

    return document()


def _routes(app: Any) -> set[tuple[str, str]]:
    """Chalice's route table once every blueprint is registered: (path, METHOD)."""
    return {(path, method.upper()) for path, methods in app.routes.items() for method in methods}


def _documented(doc: dict[str, Any]) -> set[tuple[str, str]]:
    return {(path, method.upper()) for path, item in doc["paths"].items() for method in item if method in METHODS}


def test_every_route_is_documented_and_every_documented_route_exists(app: Any, doc: dict[str, Any]) -> None:
    routes, documented = _routes(app), _documented(doc)
    undocumented = sorted(routes - documented)
    missing = sorted(documented - routes)
    assert not undocumented, f"routes missing from chalicelib/data/openapi.json: {undocumented}"
    assert not missing, f"documented but not routed: {missing}"
    assert any(p.startswith("/fr/") for p, _ in routes) and ("/applications", "POST") in routes  # both halves seen


def test_the_document_is_valid_openapi_3_1(doc: dict[str, Any]) -> None:
    assert doc["openapi"].startswith("3.1.")
    validate(doc)  # raises on any error
    broken = json.loads(json.dumps(doc))
    del broken["paths"]["/missions"]["get"]["responses"]["200"]["description"]  # required by 3.1
    with pytest.raises(OpenAPIValidationError):
        validate(broken)


def test_served_at_openapi_json_self_contained(app: Any, doc: dict[str, Any]) -> None:
    from chalice.test import Client

    with Client(app) as client:
        r = client.http.get("/openapi.json")
    headers = {k.lower(): v for k, v in r.headers.items()}
    # Chalice answers a dict body as JSON; API Gateway and `chalice local` name it application/json.
    assert r.status_code == 200 and headers.get("content-type", "application/json").startswith("application/json")
    assert json.loads(r.body) == doc
    outside = sorted({ref for ref in _refs(doc) if not ref.startswith("#/")})
    assert not outside, f"references that leave the document: {outside}"


@pytest.mark.parametrize("component, form", [("ApplicationForm", "application"),
                                             ("FamilyReadinessForm", "family-readiness"), ("MissionForm", "mission")])
def test_form_bodies_are_the_schemas_of_schemas_dir(doc: dict[str, Any], component: str, form: str) -> None:
    from chalicelib.domain.forms import load_schema

    from chalicelib.api.contract import DOCUMENT

    raw = json.loads(DOCUMENT.read_text(encoding="utf-8"))
    source = load_schema(form)
    assert raw["components"]["schemas"][component] == {"$ref": source["$id"]}  # referenced, not copied
    bundled = doc["components"]["schemas"][component]
    assert bundled["properties"].keys() == source["properties"].keys()
    assert bundled["required"] == source["required"]
    assert json.dumps(bundled).replace(f"#/components/schemas/{component}/", "#/") == \
        json.dumps({k: v for k, v in source.items() if k not in ("$schema", "$id")})


def test_coordinator_operations_list_the_roles_their_routes_admit(app: Any, doc: dict[str, Any]) -> None:
    checked = 0
    for path, methods in app.routes.items():
        for method, entry in methods.items():
            roles = getattr(entry.view_function, "allowed_roles", None)
            security = doc["paths"][path][method.lower()].get("security", [])
            if roles is None:
                assert all("cognitoIdToken" not in s for s in security), (method, path)
                continue
            assert security == [{"cognitoIdToken": list(roles)}], (method, path)
            checked += 1
    assert checked >= 15


def test_applicant_operations_need_the_file_token(doc: dict[str, Any]) -> None:
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if path.startswith("/applications/{application_id}"):
                assert operation["security"] == [{"applicantToken": []}], (method, path)
                assert "401" in operation["responses"] and "404" in operation["responses"]
