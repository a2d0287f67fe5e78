"""`chalice package` (offline: no AWS account) must ship the schemas and data."""
from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("package") / "out"
    env = {**os.environ, "AWS_DEFAULT_REGION": "ca-central-1"}
    chalice = Path(sys.executable).parent / "chalice"
    subprocess.run([str(chalice), "package", "--stage", "prod", str(out)], cwd=ROOT, env=env, check=True,
                   capture_output=True, timeout=300)
    return out


def test_schemas_and_data_are_in_the_deployment_zip(package: Path) -> None:
    with zipfile.ZipFile(package / "deployment.zip") as z:
        names = set(z.namelist())
        for schema in sorted((ROOT / "schemas").glob("*.json")):
            arcname = f"schemas/{schema.name}"
            assert arcname in names, arcname
            assert z.read(arcname) == schema.read_bytes()
        for data in sorted((ROOT / "chalicelib" / "data").glob("*.json")):
            assert f"chalicelib/data/{data.name}" in names
        assert "app.py" in names
        # Test and dev tooling never ships.
        assert not any(n.startswith(("tests/", "moto/", "pytest/", "scripts/")) for n in names)


def test_the_packaged_code_finds_its_schemas_where_it_looks(package: Path, tmp_path: Path) -> None:
    """Unzip and load the validators from the unzipped tree, as Lambda would."""
    with zipfile.ZipFile(package / "deployment.zip") as z:
        z.extractall(tmp_path)
    code = ("import sys; sys.path.insert(0, '.'); from chalicelib.domain import forms; "
            "print(forms.SCHEMA_DIR); forms.validator('application'); forms.validator('family-readiness')")
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(tmp_path / "schemas")
