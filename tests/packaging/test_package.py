"""`chalice package` (offline: no AWS account) must ship the schemas and data."""
from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.infra.package import package as chalice_package

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def package() -> Path:
    """The deploy package (merged with infra/template.yaml), built once per session and shared with tests/infra."""
    return chalice_package("prod")


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
