"""Addresses someone typed (issue 21, finding 4): one canonical mailbox for every limit and the suppression list,
and addresses outside ASCII refused unless an ASCII local part at a valid IDNA domain. Given / When / Then; the
services on MemoryStorage."""
from __future__ import annotations

import string
from datetime import datetime, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain import addresses, forms, limits, tokens
from chalicelib.domain.errors import TooManyRequests, ValidationFailed
from chalicelib.domain.records import Suppression
from chalicelib.services import applicant, drafts, notifications, submissions

from .fakes import FixedClock, application, make_deps
from .test_drafts import started

NOON = datetime(2026, 3, 2, 17, 0, tzinfo=timezone.utc)
VICTIM = "helene.cote@example.ca"
# The variants the attacker used after the victim's address hit its limits.
PLUS, FULLWIDTH, HOMOGLYPH = "helene.cote+1@example.ca", "ｈelene.cote@example.ca", "helene.cote@exаmple.ca"


# --- the canonical address -----------------------------------------------------------------------------------

@pytest.mark.parametrize("typed, mailbox", [
    ("Helene.Cote@Example.CA", "helene.cote@example.ca"),
    (" helene.cote+news@example.ca ", "helene.cote@example.ca"),
    ("helene.cote+a+b@example.ca", "helene.cote@example.ca"),
    ("+only@example.ca", "+only@example.ca"),  # nothing before the plus: the whole local part is the mailbox
    ("h.e.l.e.n.e@gmail.com", "helene@gmail.com"),  # Gmail ignores dots
    ("Helene+x@GoogleMail.com", "helene@gmail.com"),
    ("h.cote@outlook.com", "h.cote@outlook.com"),  # elsewhere a dot is part of the name
    ("ｈelene@example.ca", "helene@example.ca"),  # NFKC folds fullwidth letters (and such an address is refused)
    ("helene@QUÉBEC.ca", "helene@xn--qubec-csa.ca"),
    ("helene@xn--qubec-csa.ca", "helene@xn--qubec-csa.ca"),
    ("helene@example.ca.", "helene@example.ca"),
])
def test_the_canonical_address_is_the_mailbox_it_reaches(typed: str, mailbox: str) -> None:
    assert addresses.canonical(typed) == mailbox
    assert addresses.key(typed) == addresses.key(mailbox)


def test_dots_count_only_at_gmail() -> None:
    # first.last and firstlast are two people at most employers: merging them would let one use the other's limits
    assert addresses.key("h.cote@rcmp-grc.gc.ca") != addresses.key("hcote@rcmp-grc.gc.ca")
    assert addresses.key("h.cote@gmail.com") == addresses.key("hcote@gmail.com")


_LOCAL = st.text(string.ascii_lowercase + string.digits + "._-", min_size=1, max_size=20).filter(
    lambda s: s.strip("."))
_DOMAIN = st.sampled_from(["example.ca", "rcmp-grc.gc.ca", "exemple.qc.ca", "québec.ca"])


@given(_LOCAL, st.text(string.ascii_letters + string.digits, max_size=10), _DOMAIN, st.booleans())
def test_case_and_plus_tags_never_make_a_new_mailbox(local: str, tag: str, domain: str, upper: bool) -> None:
    # Given an address, and the same with a plus-tag and its letters in another case
    plain = f"{local}@{domain}"
    variant = f"{local}+{tag}@{domain}"
    variant = variant.upper() if upper else variant
    # Then both are the same mailbox, whose canonical form is canonical again
    assert addresses.key(variant) == addresses.key(plain)
    assert addresses.canonical(addresses.canonical(variant)) == addresses.canonical(plain)


@given(st.text(min_size=1, max_size=40))
def test_an_accepted_address_is_ascii_but_for_an_idna_domain_and_is_mailed_in_ascii(text: str) -> None:
    address = f"{text}@example.ca"
    if addresses.problem(address) is None:
        assert address.isascii()
        assert addresses.for_sending(address).isascii()


@pytest.mark.parametrize("typed, problem", [
    ("helene@example.ca", None), ("helene+x@example.ca", None), ("helene@québec.ca", None),
    ("helene@пример.рф", None), ("helene@例え.jp", None), ("helene@xn--qubec-csa.ca", None),
    (FULLWIDTH, addresses.NOT_ASCII), (HOMOGLYPH, addresses.NOT_ASCII), ("hélène@example.ca", addresses.NOT_ASCII),
    ("helene@ｅxample.ca", addresses.NOT_ASCII),  # fullwidth in the domain: not an IDNA 2008 name
    ("helene@аре.ca", addresses.NOT_ASCII),  # Cyrillic letters that all look Latin, under .ca
    ("helene@exa\u200dmple.ca", addresses.NOT_ASCII),  # an invisible joiner
    ("helene＠example.ca", addresses.NOT_AN_ADDRESS), ("helene", addresses.NOT_AN_ADDRESS),
    ("helene@example", addresses.NOT_AN_ADDRESS), ("a b@example.ca", addresses.NOT_AN_ADDRESS),
])
def test_which_addresses_are_refused(typed: str, problem: str | None) -> None:
    assert addresses.problem(typed) == problem


def test_an_idna_domain_is_mailed_as_its_a_label_and_the_rest_as_typed() -> None:
    assert addresses.for_sending("Helene.Cote+x@Québec.ca") == "Helene.Cote+x@xn--qubec-csa.ca"
    assert addresses.for_sending(" Helene.Cote+x@Example.ca ") == "Helene.Cote+x@Example.ca"


def test_a_complaint_lists_the_mailbox_and_a_bounce_only_the_address() -> None:
    assert addresses.suppression_key(PLUS, complained=True) == addresses.key(VICTIM)
    assert addresses.suppression_key(PLUS, complained=False) == tokens.email_key(PLUS) != addresses.key(VICTIM)
    assert addresses.suppression_keys(VICTIM) == (addresses.key(VICTIM),)


def test_a_limit_refuses_a_key_in_place_of_an_address() -> None:
    # A caller passing a hash (the old signature) would count a string, not a mailbox: said loudly
    with pytest.raises(ValueError):
        limits.drafts_today(tokens.email_key(VICTIM), NOON.date(), 10)


# --- the forms and bodies: a clear 422 in both languages ------------------------------------------------------

@pytest.mark.parametrize("typed", [FULLWIDTH, HOMOGLYPH])
@pytest.mark.parametrize("component", ["AccessLinksRequest", "EmailChangeRequest"])
def test_a_body_with_an_address_outside_ascii_names_the_field_in_both_languages(component: str, typed: str) -> None:
    from chalicelib.domain import bodies

    (e,) = bodies.check(component, {"email": typed})
    assert (e.pointer, e.code) == ("/email", addresses.NOT_ASCII)
    assert "before the @" in e.message_en and "avant le @" in e.message_fr


def test_the_application_form_refuses_an_address_outside_ascii_at_its_field() -> None:
    errors = forms.check("application", application(email=HOMOGLYPH))
    assert [(e.pointer, e.code) for e in errors] == [("/email", addresses.NOT_ASCII)]
    assert errors[0].message_en.startswith("Email address: ") and "\u00a0: " in errors[0].message_fr


# --- each limit counts the mailbox: the variants are refused or counted as the victim's -----------------------

def test_a_new_file_from_a_variant_counts_against_the_address(  # finding 4: POST /applications
) -> None:
    # Given an address that has sent its files of the day
    deps = make_deps(clock=FixedClock(NOON))
    for _ in range(deps.settings.max_files_per_day):
        submissions.submit(deps, application(email=VICTIM), None)
    # When a plus-tagged or upper-case variant sends one more
    # Then it is refused as the same address; fullwidth and homoglyph variants are refused as addresses
    for variant in (PLUS, "HELENE.COTE@EXAMPLE.CA"):
        with pytest.raises(TooManyRequests):
            submissions.submit(deps, application(email=variant), None)
    for variant in (FULLWIDTH, HOMOGLYPH):
        with pytest.raises(ValidationFailed) as err:
            submissions.submit(deps, application(email=variant), None)
        assert [e.code for e in err.value.errors] == [addresses.NOT_ASCII]
    assert {f.email for f in deps.store.state.files.values()} == {VICTIM}


def test_a_new_link_request_from_a_variant_counts_against_the_address() -> None:  # POST /access-links
    deps = make_deps(clock=FixedClock(NOON))
    n = deps.settings.max_link_requests_per_hour
    assert [applicant.request_links(deps, VICTIM) for _ in range(n)] == [1] * n
    # the variant writes nothing past the address's hourly limit
    assert applicant.request_links(deps, PLUS) == 0
    with pytest.raises(ValidationFailed):
        applicant.request_links_for(deps, {"email": FULLWIDTH})


def test_a_draft_started_from_a_variant_counts_against_the_address() -> None:  # the application's first page
    deps = make_deps()
    for i in range(drafts.MAX_DRAFTS_PER_DAY):
        started(deps, application(email=VICTIM), key=f"key-{i:02d}-" + "x" * 16)
    with pytest.raises(TooManyRequests):
        started(deps, application(email="Helene.Cote+2@Example.ca"), key="key-plus-" + "x" * 16)
    with pytest.raises(ValidationFailed):
        started(deps, application(email=HOMOGLYPH), key="key-glyph-" + "x" * 16)


def _mail_to(deps: Any, address: str) -> list[Any]:
    return [e for e in deps.mailer.sent if e.to == address]


def test_a_complaint_stops_mail_to_every_variant_of_the_mailbox() -> None:
    # Given the victim's mailbox complained
    deps = make_deps(clock=FixedClock(NOON))
    deps.store.suppression.add(Suppression(addresses.key(VICTIM), "complained", "2026-03-01T00:00:00Z", None))
    # When someone applies with a plus-tagged variant
    submissions.submit(deps, application(email=PLUS), None)
    notifications.deliver_pending(deps)
    # Then nothing is sent to it: the outbox rows are suppressed
    assert _mail_to(deps, PLUS) == []
    assert {r.status for r in deps.store.state.outbox.values() if r.to_address == PLUS} == {"suppressed"}
