"""Staff search (services/search.py, domain/search.py) on MemoryStorage: by reference as printed, by email address,
by the start of a family name ignoring accents and case; a coordinator finds only their service's files; files
stored before the name index are found once the upgrade has run. Given / When / Then."""
from __future__ import annotations

import pytest

from chalicelib.domain import search as rules
from chalicelib.domain.emails import reference
from chalicelib.domain.errors import InvalidQuery, MalformedRequest
from chalicelib.domain.workflow import Actor
from chalicelib.services import catalogue, search, submissions

from .fakes import application, make_deps

IRSS = Actor("irss", "irss-1")
SPVM = Actor("service_coordinator", "coord-spvm", "spvm")
OPP = Actor("service_coordinator", "coord-opp", "opp")


def _submit(deps, n, **overrides):
    doc = application(email=overrides.pop("email", f"search-{n}@example.ca"), **overrides)
    return submissions.submit(deps, doc, None)[1]["application_id"]


@pytest.fixture(scope="module")
def world():
    deps = make_deps()
    ids = {
        "cote": _submit(deps, 1, family_name="Côté", given_name="Hélène"),
        "cote_tremblay": _submit(deps, 2, family_name="Côté-Tremblay"),
        "costa_opp": _submit(deps, 3, family_name="Costa", police_service="opp"),
        "obrien": _submit(deps, 4, family_name="O'Brien"),
    }
    return deps, ids


def test_a_reference_as_printed_finds_the_file_in_any_case_with_or_without_dashes(world):
    deps, ids = world
    printed = reference(ids["cote"])  # PO-XXXX-XXXX-XXXX-XXXX
    for q in (printed, printed.lower(), printed.replace("-", ""), " " + printed.replace("-", " ") + " ", ids["cote"]):
        # When IRSS searches for it, then that one file is the answer, found as a reference, as a list row
        found = search.search(deps, IRSS, {"q": q})
        assert (found["by"], [f["application_id"] for f in found["items"]]) == ("reference", [ids["cote"]]), q
        assert found["items"][0]["reference"] == printed and found["items"][0]["family_name"] == "Côté"


def test_an_unknown_reference_finds_nothing(world):
    deps, _ = world
    assert search.search(deps, IRSS, {"q": "PO-AAAA-BBBB-CCCC-2222"})["items"] == []


def test_an_email_address_finds_its_files_whatever_its_case(world):
    deps, ids = world
    found = search.search(deps, IRSS, {"q": "  SEARCH-2@Example.CA "})
    assert (found["by"], [f["application_id"] for f in found["items"]]) == ("email", [ids["cote_tremblay"]])
    assert search.search(deps, IRSS, {"q": "nobody@example.ca"})["items"] == []


def test_a_family_name_prefix_ignores_accents_case_and_punctuation(world):
    deps, ids = world
    # When IRSS searches "cote", then both Côté files are found, in name order
    found = search.search(deps, IRSS, {"q": "cote"})
    assert found["by"] == "name"
    assert [f["application_id"] for f in found["items"]] == [ids["cote"], ids["cote_tremblay"]]
    # And "CÔTÉ-T" finds only the second, "obri" O'Brien, "co" the Costa file too
    assert [f["application_id"] for f in search.search(deps, IRSS, {"q": "CÔTÉ-T"})["items"]] == [ids["cote_tremblay"]]
    assert [f["application_id"] for f in search.search(deps, IRSS, {"q": "obri"})["items"]] == [ids["obrien"]]
    assert len(search.search(deps, IRSS, {"q": "co"})["items"]) == 3
    assert search.search(deps, IRSS, {"q": "tremblay"})["items"] == []  # a prefix, not a substring


def test_a_coordinator_finds_only_their_services_files_by_every_kind_of_search(world):
    deps, ids = world
    # Given OPP's Costa file and SPVM's others, when SPVM's coordinator searches each way...
    assert [f["application_id"] for f in search.search(deps, SPVM, {"q": "co"})["items"]] == [
        ids["cote"], ids["cote_tremblay"]]
    for q in (reference(ids["costa_opp"]), "search-3@example.ca", "costa"):
        # ...then OPP's file is never found, as if it did not exist
        assert search.search(deps, SPVM, {"q": q})["items"] == [], q
        # and OPP's coordinator finds it
        assert [f["application_id"] for f in search.search(deps, OPP, {"q": q})["items"]] == [ids["costa_opp"]], q


def test_a_name_search_pages_with_a_cursor_bound_to_the_query(world):
    deps, ids = world
    first = search.search(deps, IRSS, {"q": "co", "limit": "2"})
    assert len(first["items"]) == 2 and first["next_cursor"]
    second = search.search(deps, IRSS, {"q": "co", "limit": "2", "cursor": first["next_cursor"]})
    assert [f["application_id"] for f in second["items"]] == [ids["cote_tremblay"]] and second["next_cursor"] is None
    # A cursor of one query does not page another
    with pytest.raises(MalformedRequest):
        search.search(deps, IRSS, {"q": "cost", "limit": "2", "cursor": first["next_cursor"]})


@pytest.mark.parametrize("params", [{}, {"q": "  "}, {"q": "--"}, {"q": "x" * 101}, {"q": "cote", "limit": "0"},
                                    {"q": "cote", "stage": "submitted"}, {"q": "a\x00@example.ca"},
                                    {"q": "co\u202ete"}, {"q": "x\udc80@example.ca"}])
def test_an_unusable_query_is_refused(world, params):
    deps, _ = world
    with pytest.raises(InvalidQuery):
        search.search(deps, IRSS, params)


def test_files_stored_before_the_name_index_are_found_once_the_upgrade_runs():
    # Given two files stored before the index existed (no keys, the upgrade never run)
    deps = make_deps()
    ids = [_submit(deps, n, family_name=name) for n, name in ((1, "Lévesque"), (2, "Levy"))]
    deps.store.state.names.clear()
    deps.store.state.names_built = False
    assert search.search(deps, IRSS, {"q": "lev"})["items"] == []
    # When the seed runs (an upgrade's first start), then both are found; a second seed indexes nothing more
    catalogue.seed(deps)
    assert [f["application_id"] for f in search.search(deps, IRSS, {"q": "lev"})["items"]] == ids
    assert search.index_names_if_absent(deps) is None


def test_the_rules_read_each_kind_of_query():
    assert rules.parse("PO-GR2Q-5UPV-RRLC-2275") == rules.Query("reference", "po-gr2q5upvrrlc2275")
    assert rules.parse("gr2q5upvrrlc2275").by == "reference"  # the core alone, with a digit
    # 16 letters without "po" or a digit is a name; with "po", a reference that may also be a long name
    assert rules.parse("Abcdefghijklmnop").by == "name"
    assert rules.parse("Poabcdefghijklmnop").also_name == "poabcdefghijklmnop"
    assert rules.fold("Ødegård-Lønn") == "odegardlonn" and rules.fold("Ìñigo") == "inigo"
    assert rules.name_index({"family_name": "Côté"}) == ("c", "cote") and rules.name_index({}) is None
