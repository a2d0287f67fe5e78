"""The OpenAPI 3.1 document of the whole HTTP API, served at /openapi.json.

The document is built in the domain (chalicelib/domain/openapi.py), where the request-body
validator (chalicelib/domain/bodies.py) reads it too; this module re-exports it for the routes
and tests/contract, which checks the document against the routes Chalice registered.
"""
from __future__ import annotations

from ..domain.openapi import DOCUMENT, build, document, form_schemas

__all__ = ["DOCUMENT", "build", "document", "form_schemas"]
