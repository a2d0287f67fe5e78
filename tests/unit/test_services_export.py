"""The CSV export streams: pages are read as the CSV is written (one page in memory with the text), and it stops
at its limit saying so. Given / When / Then, on MemoryStorage."""
from __future__ import annotations

from chalicelib.domain import csvexport
from chalicelib.domain.workflow import Actor
from chalicelib.services import files, submissions

from .fakes import application, make_deps

IRSS = Actor("irss", "irss-1")


def test_the_export_reads_a_page_only_when_the_csv_reaches_it_and_stops_at_its_limit(monkeypatch):
    # Given 150 files (two pages of 100)
    deps = make_deps()
    for n in range(150):
        submissions.submit(deps, application(email=f"export-{n}@example.ca"), None)
    pages = []
    real_page = deps.store.files.page
    monkeypatch.setattr(deps.store.files, "page", lambda *a: pages.append(a) or real_page(*a))
    real_write = csvexport.write_csv

    def write(columns, rows, **options):
        assert not isinstance(rows, list), "rows must come from a generator, not a list held whole"
        rows = iter(rows)
        first = next(rows)
        assert len(pages) == 1, "the first row is written after one page only"
        return real_write(columns, [first, *rows], **options)

    monkeypatch.setattr(csvexport, "write_csv", write)
    # When the whole list is exported, then every file is there, from two page reads
    body, truncated = files.export_csv(deps, IRSS, {})
    assert (body.count("\r\n") - 1, truncated, len(pages)) == (150, False, 2)
    # And with a limit of 120: 120 rows, truncated
    pages.clear()
    monkeypatch.setattr(files, "EXPORT_MAX_ROWS", 120)
    body, truncated = files.export_csv(deps, IRSS, {})
    assert (body.count("\r\n") - 1, truncated) == (120, True)
    # And at exactly a page boundary with nothing after: not truncated
    pages.clear()
    monkeypatch.setattr(files, "EXPORT_MAX_ROWS", 150)
    assert files.export_csv(deps, IRSS, {})[1] is False
