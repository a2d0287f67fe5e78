"""One `chalice package` run per stage per test session, merged with infra/template.yaml.

Shared by tests/infra and tests/packaging (about 8 s: Chalice pip-downloads the
runtime wheels). The result lives in a temporary directory removed at exit.
"""
from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parents[2]
MERGE_TEMPLATE = "infra/template.yaml"


@lru_cache(maxsize=None)
def package(stage: str = "prod") -> Path:
    """The directory `chalice package --stage <stage> --merge-template infra/template.yaml` wrote."""
    work = Path(tempfile.mkdtemp(prefix=f"peaceops-package-{stage}-"))
    atexit.register(shutil.rmtree, work, True)
    out = work / "out"
    env = {**os.environ, "AWS_DEFAULT_REGION": "ca-central-1"}
    chalice = Path(sys.executable).parent / "chalice"
    result = subprocess.run([str(chalice), "package", "--stage", stage, "--merge-template", MERGE_TEMPLATE, str(out)],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr or result.stdout
    return out


def template_path(stage: str = "prod") -> Path:
    return package(stage) / "sam.yaml"  # a YAML merge template makes Chalice write YAML


@lru_cache(maxsize=None)
def template(stage: str = "prod") -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(template_path(stage).read_text())  # long-form intrinsics only
    return loaded
