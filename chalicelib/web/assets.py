"""The files the pages load, served by the app itself (Chalice serves no directory): the stylesheet,
the icon and the GC Design System's vendored files (chalicelib/web/static/gcds, scripts/vendor-gcds).

Only the names listed here are served, so no path can reach another file. Fonts are binary:
routes.py declares their type to Chalice (and so to API Gateway) as a binary media type.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from chalice import Response
from chalice.app import Request

from ..config import get_settings
from .pages import Visit

STATIC = Path(__file__).resolve().parent / "static"
CSS = "text/css; charset=utf-8"
SVG = "image/svg+xml"
WOFF2 = "font/woff2"
BINARY_TYPES = (WOFF2,)

# path under /static -> its Content-Type
FILES: dict[str, str] = {
    "site.css": CSS,
    "favicon.svg": SVG,
    "gcds/tokens.css": CSS,
    "gcds/fonts.css": CSS,
    **{f"gcds/{name}.svg": SVG for name in ("sig-blk-en", "sig-blk-fr", "wmms-spl-en", "wmms-spl-fr")},
    **{f"gcds/fonts/{name}.woff2": WOFF2 for name in ("gcds-lato", "gcds-noto-sans-regular",
                                                       "gcds-noto-sans-regular-italic", "gcds-noto-sans-semibold",
                                                       "gcds-noto-sans-bold")},
}


@lru_cache(maxsize=None)
def _read(path: str) -> bytes | str:
    data = (STATIC / path).read_bytes()
    return data if FILES[path] in BINARY_TYPES else data.decode("utf-8")


def serve(request: Request, path: str) -> Response:
    """The file at /static/<path>, or a plain 404 when it is not one of FILES."""
    v = Visit.start(request, get_settings())
    if path not in FILES:
        return v.finish(Response(body="Not found", status_code=404, headers={"Content-Type": "text/plain; charset=utf-8"}))
    return v.finish(Response(body=_read(path), status_code=200,
                             headers={"Content-Type": FILES[path], "Cache-Control": "public, max-age=3600"}))
