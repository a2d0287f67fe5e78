"""The applicant changes their file's email address (issue 13): a link to the new address confirms it, the
old address is told, the file keeps its history. Given / When / Then, on MemoryStorage.
"""
from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from chalicelib.domain import addresses, emails, tokens
from chalicelib.domain import email_change as rules
from chalicelib.domain import feedback as fb_rules
from chalicelib.domain.errors import ConfirmationExpired, NotFound, TooManyRequests, ValidationFailed
from chalicelib.domain.records import Suppression
from chalicelib.services import applicant, email_change, feedback, notifications, submissions

from .fakes import FixedClock, application, make_deps

OLD, NEW = "helene.cote@example.ca", "h.cote@example.org"


def filed(deps: Any) -> Any:
    _, body = submissions.submit(deps, application(email=OLD), None)
    return deps.store.files.get(body["application_id"])


def confirm_code(deps: Any) -> str:
    """The code in the confirmation email sent to the new address (the only place it exists)."""
    mail = deps.mailer.sent_to(NEW)[-1]
    match = re.search(r"/email-change/[^?\s]+\?code=([A-Za-z0-9_-]+)", mail.text)
    assert match, mail.text
    return match.group(1)


def test_asking_sends_a_confirmation_to_the_new_address_and_changes_nothing_yet() -> None:
    deps = make_deps()
    file = filed(deps)
    answer = email_change.request(deps, file, {"email": NEW})
    assert answer["sent_to"] == NEW and answer["status"] == "confirmation_sent"
    mail = deps.mailer.sent_to(NEW)[-1]
    assert "?token=" not in mail.text  # no private link to the file before the address is confirmed
    assert "24" in mail.text and "Confirm" in mail.subject
    now = deps.store.files.get(file.application_id)
    assert now.email == OLD and now.pending_email["address"] == NEW
    assert applicant.status(deps, now)["pending_email"]["address"] == NEW
    assert deps.store.audit.trail(f"application#{file.application_id}")[-1].kind == "email_change_requested"


def test_confirming_moves_the_file_to_the_new_address_tells_the_old_one_and_sends_a_link_to_the_new() -> None:
    deps = make_deps()
    file = filed(deps)
    email_change.request(deps, file, {"email": NEW})
    sent_to_old = len(deps.mailer.sent_to(OLD))
    # Given the address had bounced before (flagged and suppressed)
    deps.store.suppression.add(Suppression(tokens.email_key(NEW), "bounced", "2026-11-01T00:00:00Z", None))
    deps.store.files.flag_email_problem(file.application_id, file.email_key, {"status": "bounced", "at": "x"})
    # When the link's code confirms it
    out = email_change.confirm(deps, file.application_id, {"code": confirm_code(deps)})
    # Then the file has the new address (and its index key), no problem, no change waiting
    now = deps.store.files.get(file.application_id)
    assert out["email"] == NEW and now.email == NEW and now.email_key == tokens.email_key(NEW)
    assert now.pending_email is None and now.email_problem is None
    assert deps.store.files.ids_for_email(tokens.email_key(NEW)) == [file.application_id]
    assert deps.store.files.ids_for_email(tokens.email_key(OLD)) == []
    assert deps.store.suppression.get(tokens.email_key(NEW)) is None
    # the old address is told (masked), the new one gets a private link, the history keeps both
    notice = deps.mailer.sent_to(OLD)[sent_to_old:]
    assert len(notice) == 1 and "h***@example.org" in notice[0].text and NEW not in notice[0].text
    assert "?token=" in deps.mailer.sent_to(NEW)[-1].text
    changed = deps.store.audit.trail(f"application#{file.application_id}")[-1]
    assert changed.kind == "email_changed" and changed.details == {"from_address": OLD, "to_address": NEW}


def test_a_code_works_once() -> None:
    deps = make_deps()
    file = filed(deps)
    email_change.request(deps, file, {"email": NEW})
    code = confirm_code(deps)
    email_change.confirm(deps, file.application_id, {"code": code})
    with pytest.raises(NotFound):
        email_change.confirm(deps, file.application_id, {"code": code})


def test_a_second_request_replaces_the_first_whose_code_no_longer_works() -> None:
    clock = FixedClock()
    deps = make_deps(clock=clock)
    file = filed(deps)
    email_change.request(deps, file, {"email": NEW})
    first = confirm_code(deps)
    clock.advance(timedelta(minutes=5))
    email_change.request(deps, deps.store.files.get(file.application_id), {"email": NEW})
    assert confirm_code(deps) != first
    with pytest.raises(NotFound):
        email_change.confirm(deps, file.application_id, {"code": first})


def test_a_code_past_its_24_hours_is_refused_as_expired_and_changes_nothing() -> None:
    clock = FixedClock()
    deps = make_deps(clock=clock)
    file = filed(deps)
    email_change.request(deps, file, {"email": NEW})
    code = confirm_code(deps)
    clock.advance(timedelta(hours=rules.CONFIRM_HOURS, seconds=1))
    with pytest.raises(ConfirmationExpired):
        email_change.confirm(deps, file.application_id, {"code": code})
    assert deps.store.files.get(file.application_id).email == OLD
    assert applicant.status(deps, deps.store.files.get(file.application_id))["pending_email"] is None


@pytest.mark.parametrize("code", ["", "x" * 32, "A" * 65, "../etc"])
def test_a_wrong_or_malformed_code_is_refused(code: str) -> None:
    deps = make_deps()
    file = filed(deps)
    email_change.request(deps, file, {"email": NEW})
    with pytest.raises((NotFound, ValidationFailed)):
        email_change.confirm(deps, file.application_id, {"code": code})
    assert deps.store.files.get(file.application_id).email == OLD


@pytest.mark.parametrize("body, pointer", [({"email": "not an address"}, "/email"), ({}, "/email"),
                                           ({"email": " Helene.Cote@Example.ca "}, "/email")])
def test_a_bad_or_unchanged_address_is_a_422_naming_the_field(body: dict[str, str], pointer: str) -> None:
    deps = make_deps()
    file = filed(deps)
    with pytest.raises(ValidationFailed) as err:
        email_change.request(deps, file, body)
    assert [e.pointer for e in err.value.errors] == [pointer]


def test_at_most_five_requests_a_day_per_file() -> None:
    clock = FixedClock()
    deps = make_deps(clock=clock)
    file = filed(deps)
    # Given five changes asked today, each to another address (the per-recipient limit is not the one tested)
    for n in range(rules.MAX_REQUESTS_PER_DAY):
        email_change.request(deps, deps.store.files.get(file.application_id), {"email": f"new{n}@example.org"})
        clock.advance(timedelta(seconds=1))
    before = len(deps.mailer.sent_to(NEW))
    # When a sixth is asked, to a fresh address
    # Then it is refused with a 429, and nothing is sent
    with pytest.raises(TooManyRequests):
        email_change.request(deps, deps.store.files.get(file.application_id), {"email": NEW})
    assert len(deps.mailer.sent_to(NEW)) == before


@pytest.mark.parametrize("status", ["complained", "bounced"])
def test_no_confirmation_goes_to_an_address_on_the_suppression_list_and_the_answer_says_use_another(
        status: str) -> None:
    # Given the victim's address on the suppression list (a complaint, or a permanent bounce of that very address)
    deps = make_deps()
    file = filed(deps)
    deps.store.suppression.add(Suppression(addresses.suppression_key(NEW, status == "complained"), status,
                                           "2026-11-01T00:00:00Z", None))
    # When a file asks to move to it
    with pytest.raises(ValidationFailed) as err:
        email_change.request(deps, file, {"email": NEW})
    # Then nothing is sent, nothing changes, and the answer names the field in both languages without saying why
    assert deps.mailer.sent_to(NEW) == []
    assert deps.store.files.get(file.application_id).pending_email is None
    (e,) = err.value.errors
    assert (e.pointer, e.code) == ("/email", "address-unavailable")
    assert "another address" in e.message_en and "autre adresse" in e.message_fr
    assert status not in e.message_en and "plainte" not in e.message_fr


def test_a_confirmation_already_written_is_not_sent_once_the_address_is_suppressed() -> None:
    # Given a change asked while the address was fine, its email not sent yet
    deps = make_deps()
    file = filed(deps)
    deps.store.suppression.add(Suppression(addresses.key(NEW), "complained", "2026-11-01T00:00:00Z", None))
    row = notifications.new_message(deps, "m-1", file.application_id, emails.EMAIL_CHANGE_CONFIRM, "applicant",
                                    NEW, "en", {"mission_id": file.mission_id, "extra": {}})
    deps.store.outbox.add_once(row)
    # When its delivery is attempted after the victim complained
    outcome = notifications.attempt_outcome(deps, row, 1)
    # Then it is suppressed, not sent
    assert outcome == "suppressed" and deps.mailer.sent_to(NEW) == []


def test_four_files_asking_six_times_each_send_one_victim_at_most_the_per_recipient_limit() -> None:
    # Given four files, each from its own address (an attacker's), all asking to move to one victim's address
    clock = FixedClock()
    deps = make_deps(clock=clock)
    files = [submissions.submit(deps, application(email=f"attacker{n}@example.net"), None)[1]["application_id"]
             for n in range(4)]
    refused = 0
    # When each asks six times
    for app_id in files:
        for _ in range(6):
            clock.advance(timedelta(seconds=1))
            try:
                email_change.request(deps, deps.store.files.get(app_id), {"email": NEW})
            except (ValidationFailed, TooManyRequests):
                refused += 1
    # Then the victim received at most the per-recipient limit, whatever the files
    assert len(deps.mailer.sent_to(NEW)) == rules.MAX_CONFIRMATIONS_PER_ADDRESS_PER_DAY
    assert refused == 24 - rules.MAX_CONFIRMATIONS_PER_ADDRESS_PER_DAY


@pytest.mark.parametrize("victim, variant", [(NEW, "H.Cote+1@example.org"), (NEW, "h.cote+spam@EXAMPLE.ORG"),
                                             (NEW, "H.COTE@Example.Org"), ("hcote@gmail.com", "h.c.o.t.e@gmail.com"),
                                             ("hcote@gmail.com", "HCote+x@googlemail.com")])
def test_address_variants_count_as_the_victims_mailbox(victim: str, variant: str) -> None:
    # Given the victim's address has had its confirmations for the day
    clock = FixedClock()
    deps = make_deps(clock=clock)
    for n in range(rules.MAX_CONFIRMATIONS_PER_ADDRESS_PER_DAY):
        _, body = submissions.submit(deps, application(email=f"attacker{n}@example.net"), None)
        email_change.request(deps, deps.store.files.get(body["application_id"]), {"email": victim})
    # When another file asks for a variant of it
    _, body = submissions.submit(deps, application(email="attacker9@example.net"), None)
    # Then it is refused as the same mailbox, and nothing more is sent
    with pytest.raises(ValidationFailed) as err:
        email_change.request(deps, deps.store.files.get(body["application_id"]), {"email": variant})
    assert [e.code for e in err.value.errors] == ["address-unavailable"]
    assert deps.mailer.sent_to(variant) == []


def test_a_complaint_suppresses_the_variants_of_the_mailbox_too() -> None:
    # Given a complaint from the victim's address (fed as SES's event, on the email the victim got)
    deps = make_deps()
    file = filed(deps)
    email_change.request(deps, file, {"email": NEW})
    (row,) = [r for r in deps.store.state.outbox.values() if r.to_address == NEW]
    feedback.record(deps, _complaint(row.message_id))
    # When another file asks for a plus-tagged variant of it
    _, body = submissions.submit(deps, application(email="attacker@example.net"), None)
    with pytest.raises(ValidationFailed) as err:
        email_change.request(deps, deps.store.files.get(body["application_id"]), {"email": "H.Cote+x@example.org"})
    # Then it is refused, nothing sent
    assert [e.code for e in err.value.errors] == ["address-unavailable"]
    assert deps.mailer.sent_to("H.Cote+x@example.org") == []


def _complaint(message_id: str) -> str:
    """SES's documented complaint (tests/fixtures/ses) about one of our emails to NEW, as the SNS message's body."""
    doc = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "ses" / "complaint.json").read_text("utf-8"))
    doc["mail"]["destination"] = [NEW]
    doc["mail"]["tags"][fb_rules.TAG] = [fb_rules.tag_value(message_id)]
    for r in doc["complaint"]["complainedRecipients"]:
        r["emailAddress"] = NEW
    return json.dumps(doc)


@pytest.mark.parametrize("typed", ["ｈ.cote@example.org", "h.cote@exаmple.org", "hé.cote@example.org"])
def test_an_address_outside_ascii_is_a_422_naming_the_field_in_both_languages(typed: str) -> None:
    deps = make_deps()
    file = filed(deps)
    with pytest.raises(ValidationFailed) as err:
        email_change.request(deps, file, {"email": typed})
    (e,) = err.value.errors
    assert (e.pointer, e.code) == ("/email", "email-not-ascii")
    assert "@" in e.message_en and "@" in e.message_fr and e.message_en != e.message_fr
    assert deps.store.state.outbox and all(r.to_address != typed for r in deps.store.state.outbox.values())


def test_an_idna_domain_is_accepted_and_mailed_as_its_a_label() -> None:
    deps = make_deps()
    file = filed(deps)
    email_change.request(deps, file, {"email": "h.cote@québec.ca"})
    assert deps.store.files.get(file.application_id).pending_email["address"] == "h.cote@québec.ca"
    assert deps.mailer.sent_to("h.cote@xn--qubec-csa.ca")
