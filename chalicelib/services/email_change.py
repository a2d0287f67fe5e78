"""The applicant changes the email address of their file (issue 13): asked from the status page, confirmed
by a link sent to the new address; the old address is told; the file keeps its history (audited).

Asking writes, in one transaction: the change the file waits on (``pending_email``), the day's counters of
changes (domain/limits.py: per file, and per recipient mailbox whatever the file), an audit entry and the
confirmation email to the new address. An address on the suppression list gets nothing: the applicant is asked
for another, in the same words as when the address has had its confirmations for the day. Confirming
writes the new address (and its index key) on the file, clears its delivery problem, and in the same
transaction audits the change, tells the old address and sends a fresh private link to the new one.
"""
from __future__ import annotations

from typing import Any

from ..domain import addresses, bodies, email_change, emails, limits, tokens
from ..domain.access import APPLICANT as APPLICANT_ROLE
from ..domain.errors import Conflict, FieldError, ConfirmationExpired, NotFound, TooManyRequests, ValidationFailed
from ..domain.records import ApplicationFile, AuditEntry, FileUpdate
from . import notifications
from .deps import Deps, parse_iso
from .ports import ConditionFailed


def _subject(file: ApplicationFile) -> str:
    return f"application#{file.application_id}"


def request(deps: Deps, file: ApplicationFile, body: Any) -> dict[str, Any]:
    """Ask for ``body["email"]`` to become the file's address; 202-style answer naming where the link went."""
    doc = bodies.require_valid("EmailChangeRequest", body)
    address = str(doc["email"]).strip()
    if tokens.email_key(address) == file.email_key:
        raise ValidationFailed([FieldError("/email", "same_address",
                                           "This is already the address of your file.",
                                           "C'est déjà l'adresse de votre dossier.")])
    if notifications.is_suppressed(deps, address):
        raise ValidationFailed([email_change.unavailable()])  # never mailed again (a complaint, a hard bounce)
    now = deps.now()
    waiting = email_change.pending(address, now)
    update = FileUpdate(file.application_id, file.version, now, pending_email=waiting)
    row = notifications.new_message(
        deps, f"{file.application_id}:{update.version}:email-change", file.application_id,
        emails.EMAIL_CHANGE_CONFIRM, "applicant", address, file.language,
        {"mission_id": file.mission_id, "stage": file.stage, "police_service": file.police_service,
         "extra": {"requested_at": now, "hours": email_change.CONFIRM_HOURS}})
    uow = deps.store.unit_of_work()
    uow.count_within(limits.email_changes_today(file.application_id, deps.today(), email_change.MAX_REQUESTS_PER_DAY))
    # and per mailbox, whatever the file: one address's inbox is not bombed from many files
    uow.count_within(limits.confirmations_to_today(address, deps.today(),
                                                   email_change.MAX_CONFIRMATIONS_PER_ADDRESS_PER_DAY))
    uow.update_file(update)
    uow.append_audit(AuditEntry(_subject(file), update.version, at=now, kind="email_change_requested",
                                actor_id="applicant", actor_role=APPLICANT_ROLE,
                                details={"new_address": email_change.masked(address)}))
    uow.add_outbox(row)
    try:
        uow.commit()
    except ConditionFailed as exc:
        if "limit" in exc.failed:
            n = email_change.MAX_REQUESTS_PER_DAY
            raise TooManyRequests(
                f"A change of address was asked for {n} times today on this file, the most in a day; try again "
                "tomorrow.",
                f"Un changement d'adresse a été demandé {n} fois aujourd'hui pour ce dossier, le maximum en une "
                "journée; réessayez demain.") from exc
        if "limit:recipient" in exc.failed:
            raise ValidationFailed([email_change.unavailable()]) from exc
        raise Conflict("The file changed meanwhile; try again.", "Le dossier a changé entre-temps; réessayez.") from exc
    return {"application_id": file.application_id, "status": "confirmation_sent", "sent_to": address,
            "expires_at": email_change.expires_at(parse_iso(now)).isoformat()}


def pending_view(deps: Deps, application_id: str, code: str) -> dict[str, Any]:
    """What the confirmation page shows before anything changes (the new address), or why it cannot."""
    file = _check(deps, application_id, code)
    return {"application_id": file.application_id, "reference": emails.reference(file.application_id),
            "new_address": str((file.pending_email or {}).get("address", ""))}


def _check(deps: Deps, application_id: str, code: str) -> ApplicationFile:
    file = deps.store.files.get(application_id)
    if file is None:
        raise NotFound("No such file.", "Dossier introuvable.")
    outcome = email_change.check(deps.settings.token_secret, file.application_id, file.pending_email, code,
                                 deps.clock())
    if outcome == email_change.EXPIRED:
        raise ConfirmationExpired("This confirmation link has expired. Ask for the change again from your file.",
                          "Ce lien de confirmation a expiré. Demandez de nouveau le changement depuis votre dossier.")
    if outcome != email_change.OK:
        # A wrong code and no change waiting look alike: the page tells nothing of the file.
        raise NotFound("This confirmation link does not work: it may have been replaced by a newer one, or already "
                       "used.",
                       "Ce lien de confirmation ne fonctionne pas\u00a0: il a peut-être été remplacé par un plus récent, "
                       "ou déjà utilisé.")
    return file


def confirm(deps: Deps, application_id: str, body: Any) -> dict[str, Any]:
    """The new address confirmed by the code its email carried: the file takes it, whole or not at all."""
    doc = bodies.require_valid("EmailChangeConfirmation", body)
    file = _check(deps, application_id, str(doc["code"]))
    address = str((file.pending_email or {})["address"])
    new_key, now = tokens.email_key(address), deps.now()
    # The address just proved it receives mail: off the suppression list before anything is sent to it (a
    # complaint or bounce that came after its confirmation was sent; none is sent to a listed address).
    for listed in addresses.suppression_keys(address):
        deps.store.suppression.remove(listed)
    update = FileUpdate(file.application_id, file.version, now, new_email=(address, new_key))
    params = {"mission_id": file.mission_id, "stage": file.stage, "police_service": file.police_service}
    to_old = notifications.new_message(
        deps, f"{file.application_id}:{update.version}:email-changed", file.application_id,
        emails.EMAIL_CHANGED_NOTICE, "applicant", file.email, file.language,
        {**params, "extra": {"new_address": email_change.masked(address)}})
    link = notifications.new_message(
        deps, f"{file.application_id}:{update.version}:link", file.application_id, emails.ACCESS_LINK, "applicant",
        address, file.language, params)
    uow = deps.store.unit_of_work()
    uow.update_file(update)
    uow.append_audit(AuditEntry(_subject(file), update.version, at=now, kind="email_changed", actor_id="applicant",
                                actor_role=APPLICANT_ROLE,
                                details={"from_address": file.email, "to_address": address}))
    uow.add_outbox(to_old)
    uow.add_outbox(link)
    try:
        uow.commit()
    except ConditionFailed as exc:
        raise Conflict("The file changed meanwhile; open the link again.",
                       "Le dossier a changé entre-temps; ouvrez le lien de nouveau.") from exc
    return {"application_id": file.application_id, "status": "changed", "email": address}
