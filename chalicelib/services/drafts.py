"""Applications in progress: start one from a call, save it page by page, check it, send it once.

The pages and who sees which are domain/drafts.py's (from the application schema). A draft is written whole
with what its save causes (the link's email) through a unit of work. The first save emails a private link to
the address given (its token derived when the email is sent: the outbox holds none); a new address on the
first page sends a fresh link there, and only the newest link opens the draft. Sending a draft is
services/submissions.submit with the draft: the file and the draft's mark are one write, so Back, a reload or
a double click after sending makes no second file and no second email.

Whoever can type an address must not gain its owner's powers: starting a draft hands back no token (the draft
opens only from the emailed link, so only the address's owner, or whoever they give the link to, reads or sends
it); the first page posted again with its form's key writes, sends and mints nothing; and a new address on the
first page takes the draft away from this browser until that address's link is opened.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Mapping

from ..domain import drafts, emails, forms, limits, tokens
from ..domain.drafts import Draft, Page
from ..domain.errors import Conflict, FieldError, NotFound, TooManyRequests, ValidationFailed
from ..domain.records import OutboxMessage
from . import bulletins, notifications, submissions
from .deps import Deps, iso
from .ports import ConditionFailed

FIRST_PAGE = "about-you"
MAX_DRAFTS_PER_DAY = 10  # drafts started from one address in a day (each emails that address once)
MAX_LINKS_PER_DRAFT = 5  # the first link and four new addresses: a draft cannot be made to email anyone at will


def _call(deps: Deps, bulletin_id: str) -> Any:
    """The open call a draft answers; NotFound for one that is unknown or not open now."""
    stored = deps.store.catalogue.bulletin(bulletin_id)
    if stored is None or not stored.bulletin.is_open(deps.clock()):
        raise NotFound("This call for applications is not open.", "Cet appel de candidatures n'est pas ouvert.")
    return stored.bulletin


def page_errors(draft_answers: Mapping[str, Any], p: Page, page_answers: Mapping[str, Any],
                call: Any = None) -> list[FieldError]:
    """The schema's errors for one page's answers, read with the answers saved on the other pages (so a rule
    across pages, such as "police officers give their rank", applies), and only those of this page's fields;
    on the first page, whether the call takes the track chosen (bulletins.analyst_errors, the one rule)."""
    document = {k: v for k, v in draft_answers.items() if k not in p.fields}
    document.update(page_answers)
    shown = set(drafts.shown_fields(p, document))
    errors = [e for e in forms.check(drafts.FORM, document) if forms.top_field(e.pointer) in shown]
    if call is not None and "track" in shown and "track" in page_answers:
        errors += bulletins.analyst_errors("/track", call, str(page_answers["track"]))
    return errors


def _link_email(deps: Deps, draft: Draft, lang: str) -> OutboxMessage:
    """The email with the draft's newest link (its token is derived again when it is sent)."""
    return notifications.new_message(
        deps, f"{draft.draft_id}:link:{draft.link_number}", draft.draft_id, emails.DRAFT_LINK, "applicant",
        draft.email, lang, {"mission_id": draft.mission_id,
                            "extra": {"issued_at": draft.link_issued_at, "number": draft.link_number,
                                      "days": drafts.LIFETIME.days}})


def start(deps: Deps, bulletin_id: str, form_key: str, lang: str,
          page_answers: Mapping[str, Any]) -> tuple[Draft, bool]:
    """A new draft from the first page's answers (ValidationFailed if they do not do), its link emailed to the
    address given; returns it and True. No token comes back: the draft opens only from that link, so typing
    someone's address gives no access to what they write. The same form key makes the same draft: posting the
    page again (a double click, Back, or someone who kept the form) returns that draft and False, having
    written, sent and minted nothing."""
    call = _call(deps, bulletin_id)
    p = drafts.page(FIRST_PAGE)
    assert p is not None
    errors = page_errors({}, p, page_answers, call)
    if errors:
        raise ValidationFailed(errors)
    draft_id = drafts.key_draft_id(deps.settings.token_secret, f"{bulletin_id}\x1f{form_key}")
    existing = deps.store.drafts.get(draft_id)
    if existing is not None:
        return existing, False
    now = deps.clock()
    link = drafts.new_link(deps.settings.token_secret, draft_id, now, 1)
    blank = Draft(draft_id=draft_id, bulletin_id=call.bulletin_id, mission_id=call.mission_id,
                  answers={"missions": [call.mission_id]}, done=(), email=str(page_answers["email"]),
                  token_hash=link.token_hash, link_issued_at=iso(now), link_number=1, created_at=iso(now),
                  saved_at=iso(now), expires_at=drafts.expires(now), version=0, language=lang)
    draft = drafts.saved(blank, FIRST_PAGE, page_answers, now, iso(now))
    uow = deps.store.unit_of_work()
    uow.put_draft(draft, None)
    uow.add_outbox(_link_email(deps, draft, lang))
    uow.count_within(limits.drafts_today(draft.email, deps.today(), MAX_DRAFTS_PER_DAY))
    try:
        uow.commit()
    except ConditionFailed as exc:
        again = deps.store.drafts.get(draft_id)  # the same page posted twice at once: the first one made it
        if again is not None:
            return again, False
        if "limit" in exc.failed:
            raise TooManyRequests(
                f"This address has started {MAX_DRAFTS_PER_DAY} applications today, the most in a day; try again "
                "tomorrow, or write to the contact named in the call for applications.",
                f"Cette adresse a commencé {MAX_DRAFTS_PER_DAY} demandes aujourd'hui, le maximum en une journée; "
                "réessayez demain, ou écrivez à la personne-ressource nommée dans l'appel de candidatures.") from exc
        raise Conflict("The application could not be saved; try again.",
                       "La demande n'a pas pu être enregistrée; réessayez.") from exc
    return draft, True


def open_draft(deps: Deps, draft_id: str, candidates: list[str]) -> Draft | None:
    """The draft one of these tokens opens (its newest link, while it lives), or None."""
    draft = deps.store.drafts.get(draft_id)
    if draft is None:
        return None
    now = deps.clock()
    return draft if any(drafts.opens(draft, token, now) for token in candidates) else None


def save_page(deps: Deps, draft: Draft, page_id: str, page_answers: Mapping[str, Any], lang: str) -> Draft:
    """Save one page (ValidationFailed if its answers do not do) and return the draft. A new address on the first
    page is a new proof to make: a fresh link goes there (its ``link_number`` one more) and the draft opens only
    from it; the old link, and the cookie of the browser that changed the address, no longer open it."""
    if draft.submitted:
        raise Conflict("This application was sent already; it can no longer be changed here.",
                       "Cette demande a déjà été envoyée; elle ne peut plus être modifiée ici.")
    p = drafts.page(page_id)
    if p is None or not drafts.may_open(draft, draft.answers, page_id):
        raise NotFound("No such page.", "Page introuvable.")
    stored = deps.store.catalogue.bulletin(draft.bulletin_id) if page_id == FIRST_PAGE else None
    errors = page_errors(draft.answers, p, page_answers, stored.bulletin if stored else None)
    if errors:
        raise ValidationFailed(errors)
    now = deps.clock()
    updated = drafts.saved(draft, page_id, page_answers, now, iso(now))
    uow = deps.store.unit_of_work()
    new_email = str(page_answers.get("email") or draft.email)
    if page_id == FIRST_PAGE and tokens.email_key(new_email) != tokens.email_key(draft.email):
        if draft.link_number >= MAX_LINKS_PER_DRAFT:
            raise TooManyRequests(
                f"This application's link was sent to {MAX_LINKS_PER_DRAFT} addresses, the most it may be; "
                "start a new application with the right address.",
                f"Le lien de cette demande a été envoyé à {MAX_LINKS_PER_DRAFT}\u00a0adresses, le maximum "
                "permis; commencez une nouvelle demande avec la bonne adresse.")
        # The new address counts as a start for it: a draft cannot be made to email past an address's limit.
        uow.count_within(limits.drafts_today(new_email, deps.today(), MAX_DRAFTS_PER_DAY))
        link = drafts.new_link(deps.settings.token_secret, draft.draft_id, now, draft.link_number + 1)
        updated = replace(updated, email=new_email, token_hash=link.token_hash, link_issued_at=iso(now),
                          link_number=link.number)
        uow.add_outbox(_link_email(deps, updated, lang))
    uow.put_draft(updated, draft.version)
    try:
        uow.commit()
    except ConditionFailed as exc:
        if "limit" in exc.failed:
            raise TooManyRequests(
                f"This address has started {MAX_DRAFTS_PER_DAY} applications today, the most in a day; try again "
                "tomorrow.", f"Cette adresse a commencé {MAX_DRAFTS_PER_DAY} demandes aujourd'hui, le maximum en "
                "une journée; réessayez demain.") from exc
        raise Conflict("This application was saved from another window or sent meanwhile; open it again.",
                       "Cette demande a été enregistrée dans une autre fenêtre ou envoyée entre-temps; "
                       "ouvrez-la de nouveau.") from exc
    return updated


def document(draft: Draft) -> dict[str, Any]:
    """The application as it would be sent: the answers to the questions this person is asked, to the call the
    draft was started from (while its mission stays the first choice: a closed call is then named, never
    swapped for another call of the mission)."""
    doc = drafts.answered(draft.answers)
    if (doc.get("missions") or [None])[0] == draft.mission_id:
        doc["bulletin_id"] = draft.bulletin_id
    return doc


def check(deps: Deps, draft: Draft) -> tuple[list[FieldError], list[dict[str, Any]]]:
    """What sending would find now: the errors that would refuse it, else the pre-screen's findings."""
    return submissions.preview(deps, document(draft))


def submit(deps: Deps, draft: Draft) -> tuple[bool, dict[str, Any]]:
    """Send the draft. Returns (sent before, the answer). The answer has the file's token when it is known:
    a first send, or a second within the submission's 24 hours (it is derived again, never stored)."""
    if draft.submitted:  # sent before: its answers are gone from the draft, only the file's id is kept
        return True, {"application_id": draft.application_id}
    try:
        _, body = submissions.submit(deps, document(draft), draft.draft_id, draft=draft)
    except submissions.AlreadySubmitted as exc:
        app_id = exc.application_id or _sent_as(deps, draft.draft_id)
        return True, {"application_id": app_id}
    return draft.submitted, body


def _sent_as(deps: Deps, draft_id: str) -> str:
    again = deps.store.drafts.get(draft_id)
    if again is None or again.application_id is None:
        raise Conflict("The application could not be sent; try again.", "La demande n'a pas pu être envoyée; réessayez.")
    return again.application_id
