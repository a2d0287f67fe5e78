"""Issue 10, finding 7, through the admin API: the exported CSV quotes every cell and neutralizes
formula starts after a separator too (chalicelib/domain/csvexport.py, wired into services/files.py)."""
from __future__ import annotations

import csv
import io

from .conftest import staff_call, submit


def test_a_name_hiding_a_formula_after_a_semicolon_is_quoted_and_neutralized(client, tokens):
    # Given a file whose family name hides a formula after a ";" (French Canadian Excel's separator)
    app_id = submit(client, family_name="Tremblay;=1+1", given_name="x\n=2+2")["application_id"]
    # When IRSS exports the list
    r = staff_call(client, "get", "/admin/reports/applications.csv", tokens["irss"])
    assert r.status_code == 200, r.body
    text = r.body.decode("utf-8-sig") if isinstance(r.body, bytes) else r.body.removeprefix("\ufeff")
    # Then every cell of every line is quoted...
    header, line = text.split("\r\n")[0], next(row for row in text.split("\r\n") if app_id in row)
    assert header.startswith('"Reference",') and header.endswith('"Last change"')
    assert line.startswith('"') and f'"{app_id}"' in line
    # ...the cell is "Tremblay;'=1+1", and no cell a ";"-splitting reader sees starts a formula
    assert '"Tremblay;\'=1+1"' in text and "\"x\n'=2+2\"" in text
    for delimiter in (",", ";"):
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            assert not any(cell.strip(' "')[:1] in ("=", "+", "-", "@") for cell in row), row
