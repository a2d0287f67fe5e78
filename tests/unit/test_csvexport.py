"""Issue 10, finding 7: the CSV export opens as text in any spreadsheet, whatever separator it splits on."""
from __future__ import annotations

import csv
import io
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.csvexport import FORMULA_START, SEPARATORS, neutralize, write_csv

HOSTILE = ["Tremblay;=1+1", "Tremblay,=1+1", "x\n=1+1", "x\r\n+1", "a\t@SUM(A1)", "Côté; -2", "=1", "\t=1+1",
           "\r=2+2", "@cmd", "+SUM(1)", "-2"]


@pytest.mark.parametrize("value, expected", [
    ("Tremblay;=1+1", "Tremblay;'=1+1"),
    ("Tremblay,=1+1", "Tremblay,'=1+1"),
    ("x\n=1+1", "x\n'=1+1"),
    ("Côté; -2", "Côté; '-2"),
    ("\t=1+1", "'\t'=1+1"),  # a tab is both a formula start and a separator
    ("=HYPERLINK(\"http://evil\")", "'=HYPERLINK(\"http://evil\")"),
    ("Zoë", "Zoë"), ("L'Écuyer", "L'Écuyer"), ("613-555-0199", "613-555-0199"), ("a=b", "a=b"),
    (None, ""), (12, "12"), (-3, "'-3"), (True, "True"),
])
def test_neutralize(value, expected):
    assert neutralize(value) == expected


def _cells(document: str, delimiter: str) -> list[str]:
    """Every cell a spreadsheet splitting on ``delimiter`` could see, with or without honouring quotes."""
    honoured = [c for row in csv.reader(io.StringIO(document, newline=""), delimiter=delimiter) for c in row]
    naive = [c for line in re.split(r"[\r\n]", document) for c in line.split(delimiter)]
    return honoured + naive


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_no_cell_starts_a_formula_whatever_the_separator(delimiter):
    # Given rows with names a spreadsheet would run
    document = write_csv(["given_name", "family_name"], [["Hélène", v] for v in HOSTILE])
    # When a spreadsheet splits the file on , or ; (French Canadian Excel) or tab
    for cell in _cells(document, delimiter):
        # Then no cell it sees starts a formula (a leading quote or spaces are not a formula)
        assert not cell.strip(' "')[:1] in FORMULA_START, (delimiter, cell)


def test_every_cell_is_quoted_and_reads_back_as_written_plus_the_quote():
    document = write_csv(["name", "n"], [["Tremblay;=1+1", 3], ["", None]])
    assert document == '"name","n"\r\n"Tremblay;\'=1+1","3"\r\n"",""\r\n'
    assert list(csv.reader(io.StringIO(document, newline=""))) == [["name", "n"], ["Tremblay;'=1+1", "3"], ["", ""]]


def test_rows_may_be_a_generator():
    assert write_csv(["a"], ([str(i)] for i in range(3))).count("\r\n") == 4


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("=+-@\t\r\n,; ab'é")), max_size=20))
def test_no_part_starts_a_formula_and_only_quotes_are_added(text):
    out = neutralize(text)
    assert out.replace("'", "") == text.replace("'", "")
    at_start = True
    for char in out:
        assert not (at_start and char in FORMULA_START), (text, out)
        at_start = char in SEPARATORS or (at_start and char == " ")
