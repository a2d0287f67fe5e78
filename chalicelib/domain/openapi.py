"""The OpenAPI 3.1 document of the whole HTTP API, built once from the data files.

The document is data (chalicelib/data/openapi.json), completed in two ways when it is built:

* Its form bodies name the JSON Schemas of schemas/ by their ``$id`` instead of copying them;
  each one is bundled into ``components/schemas`` (its ``$defs`` references rewritten to their
  new place), so the answer is self-contained and the form schemas stay the one source of truth.
* A schema that says ``"x-enum-from": "<source>"`` gets its ``enum`` from the workflow table
  (chalicelib/data/workflow.json): the stages, the reason codes, the medical outcomes, the UN
  modules. Adding a stage or an outcome changes workflow.json only. A schema whose ``type``
  admits ``null`` admits it in the enum too.

The request bodies' components are what chalicelib/domain/bodies.py validates against; the API
layer serves the same document at /openapi.json. workflow.json is read here as plain JSON, on
purpose: the document describes the data file, not the engine's view of it.
"""
from __future__ import annotations

import copy
import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Mapping

from . import forms

DATA = Path(__file__).resolve().parent.parent / "data"
DOCUMENT = DATA / "openapi.json"
WORKFLOW = DATA / "workflow.json"
ENUM_MARK = "x-enum-from"


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _reason_codes(workflow: Mapping[str, Any]) -> list[str]:
    return _unique([code for rule in workflow["reasons"].values() for code in rule["codes"]])


def _reasons_of(stage: str) -> Callable[[Mapping[str, Any]], list[str]]:
    return lambda workflow: list(workflow["reasons"][stage]["codes"])


ENUM_SOURCES: dict[str, Callable[[Mapping[str, Any]], list[str]]] = {
    "workflow.stages": lambda workflow: list(workflow["stages"]),
    "workflow.reason_codes": _reason_codes,
    "workflow.reasons.withdrawn": _reasons_of("withdrawn"),
    "workflow.reasons.returned": _reasons_of("returned"),
    "workflow.roster.add_reasons": lambda workflow: list(workflow["roster"]["add_reasons"]),
    "workflow.roster.correct_reasons": lambda workflow: list(workflow["roster"]["correct_reasons"]),
    "workflow.medical_outcomes": lambda workflow: list(workflow["medical_outcomes"]),
    "workflow.un_required_modules": lambda workflow: list(workflow["un_required_modules"]),
    "workflow.preliminary_forms": lambda workflow: list(workflow["preliminary_forms"]),
}
"""Every value ``x-enum-from`` may name, and how its enum is read from workflow.json."""


def _rebase(node: Any, base: str) -> Any:
    """Point a schema's internal references (``#/$defs/x``) at its place in the document."""
    if isinstance(node, dict):
        out = {k: _rebase(v, base) for k, v in node.items()}
        ref = out.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            out["$ref"] = base + ref[1:]
        return out
    if isinstance(node, list):
        return [_rebase(v, base) for v in node]
    return node


def fill_enums(node: Any, workflow: Mapping[str, Any]) -> Any:
    """A copy of ``node`` where each ``x-enum-from`` marker has its ``enum`` (an unknown source is a KeyError)."""
    if isinstance(node, list):
        return [fill_enums(v, workflow) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: fill_enums(v, workflow) for k, v in node.items()}
    source = out.get(ENUM_MARK)
    if isinstance(source, str):
        if source not in ENUM_SOURCES:
            raise KeyError(f"chalicelib/data/openapi.json: unknown {ENUM_MARK} {source!r} "
                           f"(known: {', '.join(sorted(ENUM_SOURCES))})")
        values: list[Any] = ENUM_SOURCES[source](workflow)
        kinds = out.get("type")
        if kinds == "null" or (isinstance(kinds, list) and "null" in kinds):
            values = [*values, None]
        out["enum"] = values
    return out


def form_schemas() -> dict[str, dict[str, Any]]:
    """Every form schema of schemas/, by its ``$id``."""
    found = {}
    for name in forms.FORM_NAMES + forms.ADMIN_SCHEMAS:
        schema = forms.load_schema(name)
        found[str(schema["$id"])] = schema
    return found


def build(openapi: Mapping[str, Any], workflow: Mapping[str, Any],
          schemas_by_id: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The served document from its parts, as parsed JSON (pure: the arguments are not changed)."""
    doc: dict[str, Any] = fill_enums(copy.deepcopy(dict(openapi)), workflow)
    schemas = doc["components"]["schemas"]
    for name, entry in schemas.items():
        ref = entry.get("$ref", "") if isinstance(entry, dict) else ""
        if ref in schemas_by_id:
            schema = {k: v for k, v in copy.deepcopy(dict(schemas_by_id[ref])).items() if k not in ("$schema", "$id")}
            schemas[name] = _rebase(schema, f"#/components/schemas/{name}")
    return doc


def _read(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


@lru_cache(maxsize=1)
def document() -> dict[str, Any]:
    """The document, form schemas bundled and enums filled (built once per cold start)."""
    return build(_read(DOCUMENT), _read(WORKFLOW), form_schemas())
