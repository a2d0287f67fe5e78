"""Cold start: importing app.py registers every route (the web pages' included) and loads none of what only
some requests need: the web views and their templates (Jinja2), PyJWT, jsonschema and its format checkers."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAZY = ("jinja2", "jwt", "jsonschema", "referencing", "requests", "chalicelib.web.views", "chalicelib.web.render",
        "chalicelib.adapters.cognito")
PROBE = ("import json, sys; import app; "
         "print(json.dumps({'loaded': sorted(m for m in %r if m in sys.modules), 'routes': sorted(app.app.routes)}))")


def test_importing_the_app_registers_every_route_and_loads_nothing_a_request_may_not_need() -> None:
    env = {**os.environ, "AWS_DEFAULT_REGION": "ca-central-1", "PEACEOPS_STAGE": "test",
           "PEACEOPS_TOKEN_SECRET": "cold-start-test", "PEACEOPS_BASE_URL": "https://peaceops.test"}
    out = subprocess.run([sys.executable, "-c", PROBE % (LAZY,)], cwd=ROOT, env=env, capture_output=True, text=True,
                         check=True, timeout=120)
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["loaded"] == []
    # Chalice saw the web pages at import, both languages, and the API's routes
    for path in ("/", "/en/apply", "/fr/apply", "/fr/status/{application_id}/withdraw", "/static/site.css",
                 "/applications", "/admin/reports/pipeline"):
        assert path in seen["routes"], path
