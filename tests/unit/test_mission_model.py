"""The mission schema and the Mission dataclass are one source (issue 10, finding 1)."""
from __future__ import annotations

import dataclasses

import pytest

from chalicelib.domain import forms
from chalicelib.domain.missions import Mission, UnreadableMission, kinds, seed_catalogue


def test_the_dataclass_has_exactly_the_schemas_fields_required_ones_without_a_default():
    schema = forms.load_schema("mission")
    fields = {f.name: f for f in dataclasses.fields(Mission)}
    assert set(fields) == set(schema["properties"])
    no_default = {n for n, f in fields.items()
                  if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING}
    assert no_default == set(schema["required"])


def test_a_document_the_schema_accepts_always_builds_and_round_trips():
    _, missions = seed_catalogue()
    for m in missions:
        assert Mission.from_dict(m.as_dict()) == m
    minimal = {k: v for k, v in missions[0].as_dict().items() if k in forms.load_schema("mission")["required"]}
    assert Mission.from_dict(minimal).participation_since is None


@pytest.mark.parametrize("change", [{"kind": "operatoin"}, {"armed": "yes"}, {"currently_deployed": 3},
                                    {"name": {"en": "only English"}}])
def test_a_document_the_schema_refuses_never_builds(change):
    doc = {**seed_catalogue()[1][0].as_dict(), **change}
    with pytest.raises(UnreadableMission):
        Mission.from_dict(doc)


def test_kinds_come_from_the_schema():
    assert kinds() == tuple(forms.load_schema("mission")["properties"]["kind"]["enum"])
