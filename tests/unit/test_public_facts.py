"""Every fact the public surface tells comes from the seeds or the call, and nothing internal is public (issue 23).

Given / When / Then, on the data files and the domain rules (no AWS).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _openapi() -> dict[str, Any]:
    return json.loads((ROOT / "chalicelib" / "data" / "openapi.json").read_text(encoding="utf-8"))


def test_the_public_cap_of_get_missions_admits_no_internal_note() -> None:
    # Given the contract of the public GET /missions: each mission's cap is a CapSummary
    doc = _openapi()
    mission = doc["components"]["schemas"]["Mission"]
    assert mission["properties"]["cap"] == {"$ref": "#/components/schemas/CapSummary"}
    summary = doc["components"]["schemas"]["CapSummary"]
    # Then a cap as the public reads it names no note and admits no other field: the note is staff-only
    assert "note" not in summary["properties"] and summary["additionalProperties"] is False
    # While the staff's listing of caps still carries it
    listing = doc["components"]["schemas"]["CapListing"]["properties"]["caps"]["items"]["properties"]
    assert "note" in listing


# --- the calls' contact ---------------------------------------------------------------------------

def test_the_seeded_calls_give_the_programs_published_contact_the_one_the_contact_page_gives() -> None:
    from chalicelib.domain import call_rules, program
    from chalicelib.web import present

    from .fakes import make_deps

    # Given the store as the seed leaves it
    deps = make_deps()
    seeded = [s.bulletin for s in deps.store.catalogue.bulletins()]
    assert seeded
    # Then every call's public contact is the program's published address (seed 002), never a placeholder
    assert {b.contact["email"] for b in seeded} == {"peacekeeping@rcmp-grc.gc.ca"}
    assert all(not call_rules.reserved_email(b.contact["email"]) for b in seeded)
    # And it is the one constant the contact page reads
    assert present.PROGRAM_CONTACT is program.CONTACT and program.CONTACT["email"] == "peacekeeping@rcmp-grc.gc.ca"


@pytest.mark.parametrize("address", ["irss@example.com", "irss@example.net", "irss@example.org", "irss@example.ca",
                                     "a@mail.example", "a@mail.test", "a@x.invalid", "a@host.localhost",
                                     "a@Example.CA", "a@sub.example.org"])
def test_a_call_whose_contact_is_a_reserved_example_domain_is_refused_draft_or_not(address: str) -> None:
    from chalicelib.domain.errors import ValidationFailed
    from chalicelib.domain.workflow import Actor
    from chalicelib.services import bulletins

    from .fakes import make_deps
    from .test_calls import CALL

    deps, admin = make_deps(), Actor("admin", "admin-1")
    contact = {"name": {"en": "IRSS", "fr": "RPSI"}, "email": address}
    for published in (False, True):
        # When an administrator creates a call (a draft, or published at once) with that contact
        with pytest.raises(ValidationFailed) as err:
            bulletins.create_bulletin(deps, admin, {**CALL, "published": published, "contact": contact})
        # Then it is refused at the contact's address, in both languages, and nothing is written
        [e] = [e for e in err.value.errors if e.pointer == "/contact/email"]
        assert e.code == "reserved-domain" and "reserved for examples" in e.message_en
        assert "domaine réservé aux exemples" in e.message_fr
        assert deps.store.catalogue.bulletin(CALL["bulletin_id"]) is None
    # And an edit giving a draft that contact is refused too
    bulletins.create_bulletin(deps, admin, CALL)
    with pytest.raises(ValidationFailed) as err:
        bulletins.update_bulletin(deps, admin, CALL["bulletin_id"], {"contact": contact})
    assert ("/contact/email", "reserved-domain") in {(e.pointer, e.code) for e in err.value.errors}
    assert bulletins.get_bulletin(deps, CALL["bulletin_id"], staff=True)["contact"] == CALL["contact"]
