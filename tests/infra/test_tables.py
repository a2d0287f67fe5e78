"""The template's tables are the PynamoDB models' tables: they cannot drift.

Given every Model class in chalicelib/adapters/models.py (found by inspection,
so a new model is checked without being listed here) and the tables of the
packaged template, then each model's table exists with the same key schema,
attribute types, indexes (keys and projections) and billing mode; models that
share a table agree (the one that creates it, in ALL_MODELS, declares it whole; the others
the keys and the indexes they read); the template has no table no model uses; the TTL
attributes are the ones tables.py enables locally. And each table is protected:
point-in-time recovery, the customer-managed key, deletion protection, retained.
"""
from __future__ import annotations

import inspect
import os
from collections import defaultdict
from typing import Any

import pytest
from pynamodb.models import Model

from tests.infra.cfn import Resolver

TEST_PREFIX = os.environ["PEACEOPS_TABLE_PREFIX"] + "-"


def _models() -> list[type[Model]]:
    from chalicelib.adapters import models

    found = [cls for _, cls in inspect.getmembers(models, inspect.isclass)
             if issubclass(cls, Model) and cls is not Model and cls.__module__ == models.__name__]
    assert set(models.ALL_MODELS) <= set(found)
    return found


def _logical(model: type[Model]) -> str:
    name = str(model.Meta.table_name)
    assert name.startswith(TEST_PREFIX), name
    return name[len(TEST_PREFIX):]


def _keys(key_schema: list[dict[str, str]]) -> dict[str, str]:
    return {k["AttributeName"]: k["KeyType"] for k in key_schema}


def _projection(p: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    return p["ProjectionType"], tuple(sorted(p.get("NonKeyAttributes", [])))


def spec_of_model(model: type[Model]) -> dict[str, Any]:
    """The table a model needs, in the template's terms."""
    schema: Any = model._get_schema()
    indexes: dict[str, dict[str, Any]] = {"global": {}, "local": {}}
    types = {a["AttributeName"]: a["AttributeType"] for a in schema["attribute_definitions"]}
    for kind in ("global", "local"):
        for index in schema[f"{kind}_secondary_indexes"]:
            indexes[kind][index["index_name"]] = {"keys": _keys(index["key_schema"]),
                                                  "projection": _projection(index["projection"])}
            types.update({a["AttributeName"]: a["AttributeType"] for a in index["attribute_definitions"]})
    return {"keys": _keys(schema["key_schema"]), "types": types, "gsi": indexes["global"],
            "lsi": indexes["local"], "billing": getattr(model.Meta, "billing_mode", None)}


def spec_of_resource(props: dict[str, Any]) -> dict[str, Any]:
    def index_specs(key: str) -> dict[str, Any]:
        return {i["IndexName"]: {"keys": _keys(i["KeySchema"]), "projection": _projection(i["Projection"])}
                for i in props.get(key, [])}

    return {"keys": _keys(props["KeySchema"]),
            "types": {a["AttributeName"]: a["AttributeType"] for a in props["AttributeDefinitions"]},
            "gsi": index_specs("GlobalSecondaryIndexes"), "lsi": index_specs("LocalSecondaryIndexes"),
            "billing": props.get("BillingMode")}


@pytest.fixture(scope="module")
def tables(template: dict[str, Any], resolve: Resolver) -> dict[str, tuple[str, dict[str, Any]]]:
    """logical table name -> (resource id, resolved properties), named by the stage's prefix."""
    prefix = resolve({"Fn::FindInMap": ["Stages", {"Ref": "Stage"}, "TablePrefix"]}) + "-"
    found = {}
    for rid, res in template["Resources"].items():
        if res["Type"] == "AWS::DynamoDB::Table":
            props = resolve(res["Properties"])
            assert props["TableName"].startswith(prefix), props["TableName"]
            found[props["TableName"][len(prefix):]] = (rid, props)
    return found


def test_every_model_has_its_table_with_the_same_keys_types_and_indexes(tables: dict[str, Any]) -> None:
    from chalicelib.adapters.models import ALL_MODELS

    by_table: dict[str, list[type[Model]]] = defaultdict(list)
    for model in _models():
        by_table[_logical(model)].append(model)
    assert set(by_table) == set(tables), "tables without a model, or models without a table"
    compared_indexes = 0
    for logical, models in by_table.items():
        actual = spec_of_resource(tables[logical][1])
        for model in models:
            expected = spec_of_model(model)
            if model in ALL_MODELS:  # the table's creator (tables.create_all) declares it whole
                assert actual == expected, f"{logical} ({model.__name__}): template {actual} != model {expected}"
                continue
            # A model sharing the table has its keys, and declares only indexes it has, as the template has them.
            assert (expected["keys"], expected["billing"]) == (actual["keys"], actual["billing"]), model.__name__
            assert expected["types"].items() <= actual["types"].items(), model.__name__
            for kind in ("gsi", "lsi"):
                assert expected[kind].items() <= actual[kind].items(), (model.__name__, kind)
        compared_indexes += len(actual["gsi"]) + len(actual["lsi"])
    # The data model as documented: 6 tables (missions and caps share one), 11 indexes (the audit's by_month,
    # the drafts' by_call).
    assert (len(by_table), compared_indexes) == (6, 11)


def test_the_index_the_code_reads_keys_from_projects_keys_only(tables: dict[str, Any]) -> None:
    from chalicelib.adapters.models import ApplicationModel

    gsi = {i["IndexName"]: i for i in tables["applications"][1]["GlobalSecondaryIndexes"]}
    assert gsi["by_email"]["Projection"] == {"ProjectionType": "KEYS_ONLY"}
    assert ApplicationModel.by_email.Meta.projection.projection_type == "KEYS_ONLY"


def test_records_that_expire_have_time_to_live_on_the_same_attribute(tables: dict[str, Any]) -> None:
    from chalicelib.adapters.tables import TTL

    expected = {_logical(model): attr for model, attr in TTL.items()}
    actual = {logical: props["TimeToLiveSpecification"]["AttributeName"]
              for logical, (_rid, props) in tables.items()
              if props.get("TimeToLiveSpecification", {}).get("Enabled")}
    assert actual == expected == {"idempotency": "expires_at", "audit": "expires_at"}


def test_every_table_is_recoverable_encrypted_with_our_key_and_protected(
        tables: dict[str, Any], template: dict[str, Any]) -> None:
    for logical, (rid, props) in tables.items():
        assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}, logical
        assert props["SSESpecification"] == {"SSEEnabled": True, "SSEType": "KMS", "KMSMasterKeyId": "<DataKey>"}, logical
        assert props["DeletionProtectionEnabled"] is True, logical
        resource = template["Resources"][rid]
        assert resource["DeletionPolicy"] == resource["UpdateReplacePolicy"] == "Retain", logical
    key = template["Resources"]["DataKey"]
    assert key["Properties"]["EnableKeyRotation"] is True
    assert key["DeletionPolicy"] == "Retain"


@pytest.mark.parametrize("mutation", ["projection", "attribute type", "key role", "index name", "extra index"])
def test_the_comparison_catches_each_kind_of_drift(mutation: str, tables: dict[str, Any]) -> None:
    """Given the applications table as packaged, when one thing in it changes, it no longer matches the model."""
    import copy

    from chalicelib.adapters.models import ApplicationModel

    props = copy.deepcopy(tables["applications"][1])
    assert spec_of_resource(props) == spec_of_model(ApplicationModel)
    gsi = props["GlobalSecondaryIndexes"]
    if mutation == "projection":
        next(i for i in gsi if i["IndexName"] == "by_email")["Projection"] = {"ProjectionType": "ALL"}
    elif mutation == "attribute type":
        next(a for a in props["AttributeDefinitions"] if a["AttributeName"] == "submitted_at")["AttributeType"] = "N"
    elif mutation == "key role":
        gsi[0]["KeySchema"] = [{"AttributeName": k["AttributeName"], "KeyType": "RANGE" if k["KeyType"] == "HASH" else "HASH"}
                               for k in gsi[0]["KeySchema"]]
    elif mutation == "index name":
        gsi[0]["IndexName"] += "_v2"
    else:
        gsi.append({**gsi[0], "IndexName": "by_anything"})
    assert spec_of_resource(props) != spec_of_model(ApplicationModel)
