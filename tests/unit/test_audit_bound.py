"""A search of the audit looks at a bounded number of rows per request (services/audit_log.EXAMINE_MAX): one that
matches little answers with what it found so far and a cursor that goes on from the last row it looked at, so no
request reads the whole table; the next page finds what lies further back."""
from __future__ import annotations

import pytest

from chalicelib.services import audit_log

from .test_catalogue_console import IRSS, _audit_deps


def test_a_search_matching_little_stops_at_its_bound_and_its_cursor_goes_on(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given six rows, one note (the oldest but one), and a bound of two rows looked at per page
    deps = _audit_deps()
    monkeypatch.setattr(audit_log, "EXAMINE_MAX", 2)
    # When IRSS searches for medical outcomes (the fourth row from the newest)
    first = audit_log.listing(deps, IRSS, {"kind": "medical_outcome"})
    # Then the first page looked at two rows only: nothing found yet, and a cursor to go on
    assert first["items"] == [] and first["next_cursor"]
    second = audit_log.listing(deps, IRSS, {"kind": "medical_outcome", "cursor": first["next_cursor"]})
    assert [r["kind"] for r in second["items"]] == ["medical_outcome"]
    # And without the bound the same search finds it on its first page
    monkeypatch.setattr(audit_log, "EXAMINE_MAX", 1000)
    assert [r["kind"] for r in audit_log.listing(deps, IRSS, {"kind": "medical_outcome"})["items"]] == \
        ["medical_outcome"]


def test_an_export_that_reaches_its_bound_says_it_was_cut_short(monkeypatch: pytest.MonkeyPatch) -> None:
    deps = _audit_deps()
    monkeypatch.setattr(audit_log, "EXPORT_EXAMINE_MAX", 2)
    body, truncated = audit_log.export_csv(deps, IRSS, {})
    assert truncated and body.count("\n") == 3  # the header and the two rows looked at
    monkeypatch.setattr(audit_log, "EXPORT_EXAMINE_MAX", 20000)
    assert audit_log.export_csv(deps, IRSS, {})[1] is False


@pytest.mark.parametrize("params,pointer", [({"from": "2026-06-03", "to": "0155-10-12"}, "/to"),
                                            ({"from": "0155-10-12"}, "/from"), ({"to": "3000-01-01"}, "/to")])
def test_a_day_outside_the_program_s_years_is_a_clear_refusal_never_a_500(params: dict[str, str],
                                                                           pointer: str) -> None:
    # Found by the fuzz run: a year written with fewer than four digits broke the month arithmetic (500)
    from chalicelib.domain.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as refused:
        audit_log.listing(_audit_deps(), IRSS, params)
    assert [e.pointer for e in refused.value.errors] == [pointer]
