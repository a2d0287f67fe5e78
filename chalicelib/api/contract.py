"""The OpenAPI 3.1 document of the whole HTTP API, served at /openapi.json.

The document is data (chalicelib/data/openapi.json). Its form bodies name the
JSON Schemas of schemas/ by their ``$id`` instead of copying them; serving
bundles each one into ``components/schemas`` (its ``$defs`` references
rewritten to their new place), so the answer is self-contained and the form
schemas stay the one source of truth. tests/contract checks the document
against the routes Chalice registered.
"""
from __future__ import annotations

import copy
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..domain import forms

DOCUMENT = Path(__file__).resolve().parent.parent / "data" / "openapi.json"


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


def form_schemas() -> dict[str, dict[str, Any]]:
    """Every form schema of schemas/, by its ``$id``."""
    found = {}
    for name in forms.FORM_NAMES + forms.ADMIN_SCHEMAS:
        schema = forms.load_schema(name)
        found[str(schema["$id"])] = schema
    return found


@lru_cache(maxsize=1)
def document() -> dict[str, Any]:
    """The document, with the form schemas bundled in (built once per cold start)."""
    doc: dict[str, Any] = json.loads(DOCUMENT.read_text(encoding="utf-8"))
    by_id = form_schemas()
    schemas = doc["components"]["schemas"]
    for name, entry in schemas.items():
        ref = entry.get("$ref", "") if isinstance(entry, dict) else ""
        if ref in by_id:
            schema = {k: v for k, v in copy.deepcopy(by_id[ref]).items() if k not in ("$schema", "$id")}
            schemas[name] = _rebase(schema, f"#/components/schemas/{name}")
    return doc
