"""Applications in progress (issue 15): pages from the schema, branching, save and resume by an emailed link, one
file however often a draft is sent. Given / When / Then, on MemoryStorage."""
from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from chalicelib.domain import drafts as rules
from chalicelib.domain.errors import Conflict, NotFound, TooManyRequests, ValidationFailed
from chalicelib.services import drafts, submissions

from .fakes import FixedClock, application, make_deps

POLICE_ONLY = {"police_service", "police_service_name", "rank", "years_operational_service", "firearms_expiry",
               "baton_expiry", "oc_spray_expiry"}


def call_id(deps: Any, mission: str = "haiti-minustah") -> str:
    return next(s.bulletin.bulletin_id for s in deps.store.catalogue.bulletins()
                if s.bulletin.mission_id == mission and s.bulletin.is_open(deps.clock()))


def page_answers(page_id: str, doc: dict[str, Any]) -> dict[str, Any]:
    p = rules.page(page_id)
    assert p is not None
    return {k: v for k, v in doc.items() if k in p.fields}


def started(deps: Any, doc: dict[str, Any], key: str = "k" * 24) -> tuple[Any, str]:
    """A draft started from the first page, and the token of the link emailed to its address (the only way in)."""
    draft, made = drafts.start(deps, call_id(deps), key, "en", page_answers("about-you", doc))
    assert made
    return draft, draft_link(deps, draft.email)[1]


def filled(deps: Any, doc: dict[str, Any]) -> Any:
    draft, _ = started(deps, doc)
    while True:
        nxt = rules.first_unfinished(draft, draft.answers)
        if nxt is None:
            return draft
        draft = drafts.save_page(deps, draft, nxt.id, page_answers(nxt.id, doc), "en")


def draft_link(deps: Any, address: str) -> tuple[str, str]:
    mail = [m for m in deps.mailer.sent_to(address) if "/drafts/" in m.text][-1]
    found = re.search(r"/en/drafts/([a-z0-9-]+)\?token=([A-Za-z0-9_-]+)", mail.text)
    assert found, mail.text
    return found.group(1), found.group(2)


def test_the_pages_are_the_schemas_sections_and_cover_every_field_the_web_asks() -> None:
    ids = [p.id for p in rules.pages()]
    assert ids == ["about-you", "service", "languages", "experience", "qualifications", "missions", "consent"]
    asked = {f for p in rules.pages() for f in p.fields}
    assert "bulletin_id" not in asked and "track" in asked


def test_a_civilian_analyst_never_sees_the_police_only_questions_and_skips_the_service_page() -> None:
    civilian = {"track": "civilian_analyst"}
    assert "service" not in [p.id for p in rules.route(civilian)]
    quals = rules.page("qualifications")
    assert quals is not None
    assert rules.shown_fields(quals, civilian) == ("first_aid_cpr_expiry",)
    assert rules.asked(civilian).isdisjoint(POLICE_ONLY)
    police = {"track": "police_officer"}
    assert POLICE_ONLY <= rules.asked(police)


def test_a_same_page_condition_never_hides_its_field() -> None:
    # police_service_name is asked with police_service on the same page: shown, whatever was answered.
    service = rules.page("service")
    assert service is not None
    assert "police_service_name" in rules.shown_fields(service, {"track": "police_officer", "police_service": "spvm"})


def test_the_first_save_emails_a_private_link_that_resumes_the_draft_and_nothing_else() -> None:
    deps = make_deps()
    draft, token = started(deps, application())
    draft_id, emailed = draft_link(deps, "helene.cote@example.ca")
    assert draft_id == draft.draft_id
    assert token not in str(deps.store.state.outbox) and token not in str(draft)  # never stored, only its hash
    assert drafts.open_draft(deps, draft_id, [emailed]) == draft
    assert drafts.open_draft(deps, draft_id, [emailed[:-2] + "AA"]) is None
    assert rules.first_unfinished(draft, draft.answers).id == "service"


def test_a_draft_lives_30_days_after_its_last_save() -> None:
    clock = FixedClock()
    deps = make_deps(clock=clock)
    draft, token = started(deps, application())
    clock.advance(days=29)
    draft = drafts.save_page(deps, draft, "service", page_answers("service", application()), "en")
    clock.advance(days=29)
    assert drafts.open_draft(deps, draft.draft_id, [token]) is not None  # 58 days after it started
    clock.advance(days=1, seconds=1)
    assert drafts.open_draft(deps, draft.draft_id, [token]) is None


def test_a_page_is_checked_on_its_own_with_the_rules_across_pages() -> None:
    deps = make_deps()
    draft, _ = started(deps, application())
    with pytest.raises(ValidationFailed) as err:
        drafts.save_page(deps, draft, "service", {"police_service": "spvm"}, "en")
    fields = {e.pointer for e in err.value.errors}
    assert fields == {"/rank", "/years_operational_service"}  # police officers give them (the allOf), nothing else
    assert deps.store.drafts.get(draft.draft_id) == draft  # nothing written


def test_a_page_after_an_unfinished_one_cannot_be_saved_yet() -> None:
    deps = make_deps()
    draft, _ = started(deps, application())
    with pytest.raises(NotFound):
        drafts.save_page(deps, draft, "consent", {"privacy_consent": True}, "en")


def test_a_new_address_gets_a_fresh_link_and_the_old_link_stops_working() -> None:
    deps = make_deps()
    draft, old = started(deps, application())
    first = page_answers("about-you", application(email="h.cote@example.org"))
    draft = drafts.save_page(deps, draft, "about-you", first, "en")
    assert draft.link_number == 2
    _, new = draft_link(deps, "h.cote@example.org")
    assert new != old
    assert drafts.open_draft(deps, draft.draft_id, [old]) is None
    assert drafts.open_draft(deps, draft.draft_id, [new]) is not None


def test_posting_the_first_page_twice_opens_one_draft_and_sends_one_link() -> None:
    deps = make_deps()
    one, _ = started(deps, application(), key="same-key-" + "x" * 16)
    two, made = drafts.start(deps, call_id(deps), "same-key-" + "x" * 16, "en", page_answers("about-you", application()))
    assert one.draft_id == two.draft_id and made is False
    assert len([m for m in deps.mailer.sent_to("helene.cote@example.ca") if "/drafts/" in m.text]) == 1


def test_an_address_starts_at_most_ten_drafts_a_day() -> None:
    deps = make_deps()
    for i in range(drafts.MAX_DRAFTS_PER_DAY):
        started(deps, application(), key=f"key-{i:02d}-" + "x" * 16)
    with pytest.raises(TooManyRequests):
        started(deps, application(), key="key-last-" + "x" * 16)


def test_check_shows_the_pre_screen_before_sending() -> None:
    deps = make_deps()
    soon = (deps.today() + timedelta(days=10)).isoformat()
    draft = filled(deps, application(firearms_expiry=soon, years_operational_service=3))
    errors, findings = drafts.check(deps, draft)
    assert errors == []
    flagged = {f["criterion"] for f in findings if f["result"] != "met"}
    assert {"operational_service", "firearms"} <= flagged, flagged
    assert deps.store.state.files == {}  # checking writes nothing


def test_a_civilian_draft_sends_no_police_answers() -> None:
    deps = make_deps()
    doc = application(track="civilian_analyst", missions=["west-bank-proteus"])
    draft, _ = drafts.start(deps, call_id(deps, "west-bank-proteus"), "k" * 24, "en", page_answers("about-you", doc))
    # Typed as a police officer first, then changed track on the first page: the police answers are not sent.
    draft = drafts.save_page(deps, draft, "about-you", page_answers("about-you", application()), "en")
    draft = drafts.save_page(deps, draft, "service", page_answers("service", application()), "en")
    draft = drafts.save_page(deps, draft, "about-you", page_answers("about-you", doc), "en")
    while (nxt := rules.first_unfinished(draft, draft.answers)) is not None:
        draft = drafts.save_page(deps, draft, nxt.id, page_answers(nxt.id, doc), "en")
    assert POLICE_ONLY.isdisjoint(drafts.document(draft))


def test_a_draft_becomes_a_file_exactly_once() -> None:
    deps = make_deps()
    draft = filled(deps, application())
    again, body = drafts.submit(deps, draft)
    assert again is False and body["access_token"]
    # Back, reload, the stale page sent again: the same file, its token again, no second file or email.
    _, body2 = drafts.submit(deps, draft)
    assert body2["application_id"] == body["application_id"]
    assert body2["access_token"] == body["access_token"]
    stored = deps.store.drafts.get(draft.draft_id)
    assert stored.application_id == body["application_id"]
    again3, body3 = drafts.submit(deps, stored)
    assert again3 is True and body3["application_id"] == body["application_id"]
    assert len(deps.store.state.files) == 1
    confirmations = [m for m in deps.mailer.sent_to("helene.cote@example.ca") if "PO-" in m.subject]
    assert len(confirmations) == 1
    with pytest.raises(Conflict):
        drafts.save_page(deps, stored, "consent", {"privacy_consent": True}, "en")


def test_a_draft_sent_after_its_answer_record_expired_still_makes_no_second_file() -> None:
    clock = FixedClock()
    deps = make_deps(clock=clock)
    draft = filled(deps, application())
    _, body = drafts.submit(deps, draft)
    clock.advance(submissions.IDEMPOTENCY_TTL, seconds=1)
    again, body2 = drafts.submit(deps, deps.store.drafts.get(draft.draft_id))
    assert again is True and body2 == {"application_id": body["application_id"]}
    _, body3 = drafts.submit(deps, draft)  # a stale copy, as another window read it before the send: refused too
    assert body3 == {"application_id": body["application_id"]}
    assert len(deps.store.state.files) == 1


def test_an_unknown_or_closed_call_starts_nothing() -> None:
    deps = make_deps()
    with pytest.raises(NotFound):
        drafts.start(deps, "no-such-call", "k" * 24, "en", page_answers("about-you", application()))
    assert deps.store.state.drafts == {}


def test_a_page_saved_before_a_change_of_track_is_not_done_while_it_misses_a_new_question() -> None:
    # Found in review: a civilian's qualifications page stayed "completed" once the track became police officer.
    deps = make_deps()
    doc = application(track="civilian_analyst", missions=["west-bank-proteus"])
    draft, _ = drafts.start(deps, call_id(deps, "west-bank-proteus"), "k" * 24, "en", page_answers("about-you", doc))
    while (nxt := rules.first_unfinished(draft, draft.answers)) is not None:
        draft = drafts.save_page(deps, draft, nxt.id, page_answers(nxt.id, doc), "en")
    draft = drafts.save_page(deps, draft, "about-you", page_answers("about-you", application()), "en")
    states = dict((p.id, state) for p, state in rules.task_states(draft, draft.answers))
    assert states["service"] == "not_started" and states["qualifications"] == "cannot_start"
    draft = drafts.save_page(deps, draft, "service", page_answers("service", application()), "en")
    assert rules.first_unfinished(draft, draft.answers).id == "qualifications"  # firearms, baton, OC spray asked


def test_the_first_page_says_at_once_when_the_call_takes_no_civilian_analysts() -> None:
    deps = make_deps()
    with pytest.raises(ValidationFailed) as err:
        started(deps, application(track="civilian_analyst"))  # Haiti's call takes police officers only
    assert [e.pointer for e in err.value.errors] == ["/track"]


def test_a_kept_form_key_changes_nothing_sends_nothing_and_mints_no_token() -> None:
    # Issue 21, finding 2: the first page posted again with a kept key saved its answers on the draft (a new
    # address took the draft's link) and handed back the newest link's token.
    deps = make_deps()
    key = "same-key-" + "x" * 16
    one, token = started(deps, application(), key=key)
    one = drafts.save_page(deps, one, "service", page_answers("service", application()), "en")
    mails = len(deps.mailer.sent)
    # When someone who kept the form posts its first page again, with the same answers or another address
    for doc in (application(), application(email="mallory@example.org", given_name="Mallory")):
        answer = drafts.start(deps, call_id(deps), key, "en", page_answers("about-you", doc))
        # Then it is the same draft, nothing is written or sent, and no token comes back
        assert token not in str(answer) and answer == (one, False)
        assert deps.store.drafts.get(one.draft_id) == one
    assert len(deps.mailer.sent) == mails and deps.mailer.sent_to("mallory@example.org") == []
    assert drafts.open_draft(deps, one.draft_id, [token]) == one  # the owner's link still opens it


def test_starting_a_draft_hands_back_no_token() -> None:
    # Issue 21, finding 2: the first page's answer carried the newest link's token (this browser's cookie).
    deps = make_deps()
    answer = drafts.start(deps, call_id(deps), "k" * 24, "en", page_answers("about-you", application()))
    _, emailed = draft_link(deps, "helene.cote@example.ca")
    assert emailed not in str(answer)
    assert answer == (deps.store.drafts.get(answer[0].draft_id), True)


def test_a_new_address_hands_this_browser_no_token_and_ends_its_own() -> None:
    # Issue 21, finding 2: a new address on the first page gave the browser that typed it the new link's token.
    deps = make_deps()
    draft, old = started(deps, application())
    answer = drafts.save_page(deps, draft, "about-you", page_answers("about-you", application(email="m@example.org")),
                              "en")
    _, new = draft_link(deps, "m@example.org")
    assert new not in str(answer) and answer == deps.store.drafts.get(draft.draft_id)
    assert drafts.open_draft(deps, draft.draft_id, [old]) is None  # this browser's cookie: the old link's token
    assert drafts.open_draft(deps, draft.draft_id, [new]) is not None


def test_a_draft_sends_at_most_five_links_and_each_new_address_counts_as_a_start_for_it() -> None:
    deps = make_deps()
    draft, _ = started(deps, application())
    for i in range(drafts.MAX_LINKS_PER_DRAFT - 1):
        draft = drafts.save_page(deps, draft, "about-you", page_answers("about-you", application(
            email=f"n{i}@example.org")), "en")
    with pytest.raises(TooManyRequests):
        drafts.save_page(deps, draft, "about-you", page_answers("about-you", application(email="x@example.org")), "en")
    other = make_deps()
    for i in range(drafts.MAX_DRAFTS_PER_DAY):
        started(other, application(email="busy@example.org"), key=f"key-{i:02d}-" + "x" * 16)
    mine, _ = started(other, application(), key="mine-" + "x" * 20)
    with pytest.raises(TooManyRequests):  # a draft cannot email an address past its day's limit
        drafts.save_page(other, mine, "about-you", page_answers("about-you", application(email="busy@example.org")),
                         "en")


def test_a_sent_draft_keeps_no_answers_and_an_api_key_cannot_take_its_send() -> None:
    deps = make_deps()
    draft = filled(deps, application())
    # An API caller who read the draft's id in a URL uses it as an Idempotency-Key first: the draft still sends.
    submissions.submit(deps, application(email="autre@example.ca"), draft.draft_id)
    submissions.submit(deps, application(email="autre2@example.ca"), f"draft:{draft.draft_id}")
    _, body = drafts.submit(deps, draft)
    stored = deps.store.drafts.get(draft.draft_id)
    assert stored.application_id == body["application_id"]
    assert stored.answers == {} and stored.email == ""  # the file holds them, under its own rules
