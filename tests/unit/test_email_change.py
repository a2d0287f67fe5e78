"""The applicant changes their file's email address (issue 13): a link to the new address confirms it, the
old address is told, the file keeps its history. Given / When / Then, on MemoryStorage.
"""
from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from chalicelib.domain import email_change as rules
from chalicelib.domain import tokens
from chalicelib.domain.errors import ConfirmationExpired, NotFound, TooManyRequests, ValidationFailed
from chalicelib.domain.records import Suppression
from chalicelib.services import applicant, email_change, submissions

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
    for _ in range(rules.MAX_REQUESTS_PER_DAY):
        email_change.request(deps, deps.store.files.get(file.application_id), {"email": NEW})
        clock.advance(timedelta(seconds=1))
    before = len(deps.mailer.sent_to(NEW))
    with pytest.raises(TooManyRequests):
        email_change.request(deps, deps.store.files.get(file.application_id), {"email": NEW})
    assert len(deps.mailer.sent_to(NEW)) == before


def test_the_confirmation_goes_even_to_an_address_on_the_suppression_list() -> None:
    # The applicant asked for it from their own file: it is how an address that bounced once comes back.
    deps = make_deps()
    file = filed(deps)
    deps.store.suppression.add(Suppression(tokens.email_key(NEW), "bounced", "2026-11-01T00:00:00Z", None))
    email_change.request(deps, file, {"email": NEW})
    assert deps.mailer.sent_to(NEW)
