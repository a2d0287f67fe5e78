"""What staff type in French gets the Bureau's spacing on save (domain/typography.py): a call's and a mission's
French texts, never their English ones, never an address or a time."""
from __future__ import annotations

from chalicelib.domain import typography
from chalicelib.domain.workflow import Actor
from chalicelib.services import catalogue_admin

from .fakes import make_deps
from ..typography import spacing_problems

ADMIN = Actor("admin", "admin-1")


def test_plain_spaces_become_the_bureaus_and_addresses_times_and_escapes_stay() -> None:
    typed = "Appel : Haïti, 80 % des postes « armés » ; voir https://canada.ca à 14:05 ? Oui:"
    spaced = typography.french(typed)
    assert spaced == "Appel\u00a0: Haïti, 80\u00a0% des postes «\u00a0armés\u00a0»; voir https://canada.ca à 14:05? Oui\u00a0:"
    assert typography.french("https://canada.ca/a%20b") == "https://canada.ca/a%20b"  # an address's escape stays
    assert spacing_problems(spaced) == [] != spacing_problems(typed)
    assert typography.french(spaced) == spaced  # twice is once


def test_only_the_french_side_of_a_bilingual_text_changes() -> None:
    doc = {"title": {"en": "Call : Haiti", "fr": "Appel : Haïti"}, "contact": {"email": "a@b.ca"},
           "items": [{"en": "80 %", "fr": "80 %"}], "code": "x : y"}
    assert typography.french_sides(doc) == {"title": {"en": "Call : Haiti", "fr": "Appel\u00a0: Haïti"},
                                            "contact": {"email": "a@b.ca"},
                                            "items": [{"en": "80 %", "fr": "80\u00a0%"}], "code": "x : y"}
    assert doc["title"]["fr"] == "Appel : Haïti"  # the argument is left as it was


def test_a_mission_description_typed_with_plain_spaces_is_stored_with_the_bureaus() -> None:
    deps = make_deps()
    version = catalogue_admin.mission_admin_view(deps, "haiti-minustah")["version"]
    catalogue_admin.set_description(deps, ADMIN, "haiti-minustah", "Policing : advice.",
                                    "Police : conseils « sur place ».", version)
    stored = catalogue_admin.mission_admin_view(deps, "haiti-minustah")
    assert stored["mission"]["description"] == {"en": "Policing : advice.",
                                                "fr": "Police\u00a0: conseils «\u00a0sur place\u00a0»."}


def test_a_calls_french_title_typed_with_a_plain_space_is_stored_with_the_bureaus() -> None:
    from chalicelib.services import bulletins

    from .test_calls import ADMIN as CALL_ADMIN, CALL

    deps = make_deps()
    typed = {**CALL, "title": {"en": "Call: Brindisi", "fr": "Appel de candidatures : Brindisi"},
             "description": {"en": "Advisers (80 %).", "fr": "Conseillers « aguerris » (80 %) ?"}}
    made = bulletins.create_bulletin(deps, CALL_ADMIN, typed)
    stored = deps.store.catalogue.bulletin(made["bulletin_id"]).bulletin
    assert stored.title == {"en": "Call: Brindisi", "fr": "Appel de candidatures\u00a0: Brindisi"}
    assert stored.description == {"en": "Advisers (80 %).", "fr": "Conseillers «\u00a0aguerris\u00a0» (80\u00a0%)?"}
    # and an edit of the French side is spaced the same way
    bulletins.update_bulletin(deps, CALL_ADMIN, made["bulletin_id"],
                              {"title": {"en": "Call: Brindisi", "fr": "Appel : Brindisi"}})
    assert deps.store.catalogue.bulletin(made["bulletin_id"]).bulletin.title["fr"] == "Appel\u00a0: Brindisi"
