"""Tooling for local runs and tests (never packaged: Chalice ships app.py, chalicelib/ and vendor/ only)."""
