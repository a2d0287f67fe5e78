"""One `chalice package` run per stage per test session (per scripts/test run), merged with infra/template.yaml.

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


# scripts/test sets this to a directory of its own for the whole run (both pytest phases and every xdist
# worker): the first to package a stage leaves it there and the others read that one, since the sources they
# would package are the same files. Unset (a plain pytest run), each session packages for itself.
SHARED_ENV = "PEACEOPS_PACKAGE_DIR"


@lru_cache(maxsize=None)
def package(stage: str = "prod") -> Path:
    """The directory `chalice package --stage <stage> --merge-template infra/template.yaml` wrote."""
    shared = os.environ.get(SHARED_ENV)
    if shared and (Path(shared) / stage / "sam.yaml").is_file():
        return Path(shared) / stage
    work = Path(tempfile.mkdtemp(prefix=f"peaceops-package-{stage}-", dir=shared or None))
    if not shared:
        atexit.register(shutil.rmtree, work, True)
    out = work / "out"
    env = {**os.environ, "AWS_DEFAULT_REGION": "ca-central-1"}
    chalice = Path(sys.executable).parent / "chalice"
    result = subprocess.run([str(chalice), "package", "--stage", stage, "--merge-template", MERGE_TEMPLATE, str(out)],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr or result.stdout
    if shared:
        try:
            out.rename(Path(shared) / stage)  # atomic: another worker's complete package, or this one
        except OSError:
            pass  # another worker got there first: use this session's own output
        else:
            return Path(shared) / stage
    return out


def template_path(stage: str = "prod") -> Path:
    return package(stage) / "sam.yaml"  # a YAML merge template makes Chalice write YAML


@lru_cache(maxsize=None)
def template(stage: str = "prod") -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(template_path(stage).read_text())  # long-form intrinsics only
    return loaded
