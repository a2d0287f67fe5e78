"""CSV a spreadsheet opens as text: every cell quoted, every formula start neutralized.

Quoting alone is not enough: French Canadian Excel splits on ``;``, and a reader
that splits on another separator than the writer's (``;``, tab, a line break)
ignores the quotes around a cell and starts a new cell inside it. So a formula
start is neutralized (prefixed with ``'``, OWASP's advice) at the start of the
cell *and* at the start of every part that follows one of those separators:
``Tremblay;=1+1`` is written ``"Tremblay;'=1+1"``, which opens as text whichever
separator the spreadsheet picks.
"""
from __future__ import annotations

import csv
import io
from typing import Any, Iterable, Sequence

# What a spreadsheet reads as the start of a formula (tab and CR too: some strip them first).
FORMULA_START = frozenset("=+-@\t\r")
# Where a spreadsheet may start a new cell, whatever our own separator is.
SEPARATORS = frozenset(",;\t\r\n")


def neutralize(value: Any) -> str:
    """The cell's text with a ``'`` before each formula start of the cell or of any part of it.

    Spaces after a separator are skipped over (some readers trim them), not counted as text.

    >>> neutralize("Tremblay;=1+1")
    "Tremblay;'=1+1"
    >>> neutralize("x\\n@SUM(A1)")
    "x\\n'@SUM(A1)"
    >>> neutralize(-2), neutralize(None), neutralize("L'Écuyer"), neutralize("613-555-0199")
    ("'-2", '', "L'Écuyer", '613-555-0199')
    """
    text = "" if value is None else str(value)
    out: list[str] = []
    at_start = True  # at the start of the cell, or of a part after a separator
    for char in text:
        if at_start and char in FORMULA_START:
            out.append("'")
        out.append(char)
        if char in SEPARATORS:
            at_start = True
        elif char != " ":
            at_start = False
    return "".join(out)


def write_csv(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A whole CSV document: the header, then one line per row; every cell quoted and neutralized.

    ``rows`` may be a generator (a paged query): it is read once, in order.

    >>> write_csv(["name"], [["Tremblay;=1+1"]])
    '"name"\\r\\n"Tremblay;\\'=1+1"\\r\\n'
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow([neutralize(c) for c in columns])
    for row in rows:
        writer.writerow([neutralize(v) for v in row])
    return buffer.getvalue()
