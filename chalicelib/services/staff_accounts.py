"""Staff accounts, run by an administrator: invite, list, change a role, disable, enable (README "Staff accounts").

Each change goes to the pool first (services/ports.StaffDirectory), then, for a change that takes access away
(a role changed, an account disabled), the person's refresh tokens are revoked (AdminUserGlobalSignOut) and
every console session of theirs ends at once (services/staff_sign_in.end_sessions_of): their next console request
is the sign-in page. Then one unit of work writes the audit entry (under the account's ``staff-security#`` subject,
with who did it and what changed, never a password) and the email to the person, in their language.

The invitation's temporary password is made here (domain/staff_accounts.temporary_password), given to the pool
and sealed in the outbox row (Fernet, a key derived from the server secret); the email shows it, and the sealed
value is dropped from the row once the email is sent (services/notifications.py). Cognito's own invitation is
suppressed. The password expires as the pool says (TemporaryPasswordValidityDays); a lost one is replaced by
sending the invitation again (``resend_invitation``), while the account is still invited.

The pool and the tables are not one transaction: a change made in the pool whose audit could not be written is
reported as an error (500) and the pool keeps the change; doing it again answers "unchanged" (409). Never half an
invitation: the account exists only if the pool made it, and its email and audit are written together.
"""
from __future__ import annotations

from typing import Any, Mapping

from ..domain import signing
from ..domain import sign_in_limits as sl
from ..domain import staff_accounts as sa
from ..domain.errors import FieldError, InvalidQuery, NotFound
from ..domain.records import AuditEntry
from ..domain.staff_accounts import StaffAccount
from ..domain.workflow import Actor
from . import notifications, staff_sign_in
from .deps import Deps
from .ports import StaffDirectory

SEAL_PURPOSE = "staff-invitation"
SEALED = "sealed_password"  # the outbox row's extra value, dropped once sent
TEMPLATES = {"account_invited": "staff_account_invited", "account_invitation_resent": "staff_account_invited",
             "account_role_changed": "staff_account_role_changed", "account_disabled": "staff_account_disabled",
             "account_enabled": "staff_account_enabled"}


def seal_password(secret: str, password: str) -> str:
    return signing.fernet(secret, SEAL_PURPOSE).encrypt(password.encode("utf-8")).decode("ascii")


def unseal_password(secret: str, sealed: str) -> str:
    return signing.fernet(secret, SEAL_PURPOSE).decrypt(sealed.encode("ascii")).decode("utf-8")


def view(account: StaffAccount) -> dict[str, Any]:
    """What an administrator sees of an account (never a password)."""
    return {"username": account.username, "name": account.name, "email": account.email, "role": account.role,
            "police_service": account.police_service, "enabled": account.enabled, "invited": account.invited,
            "created_at": account.created_at, "language": account.language}


def list_accounts(directory: StaffDirectory, role: str | None = None) -> list[dict[str, Any]]:
    """Every account, or those of one role ("none": in no console group)."""
    if role is not None and role not in (*sa.ROLES, "none"):
        raise InvalidQuery([FieldError("/role", "enum", "Filter by one of the console's roles, or none.",
                                       "Filtrez par l'un des rôles de la console, ou aucun.")])
    accounts = directory.list_accounts()
    if role:
        accounts = [a for a in accounts if (a.role or "none") == role]
    return [view(a) for a in accounts]


def get_account(directory: StaffDirectory, username: str) -> StaffAccount:
    account = directory.get(username) if username.strip() and len(username) <= sa.EMAIL_MAX else None
    if account is None:
        raise NotFound("No such staff account.", "Compte du personnel introuvable.")
    return account


def _record(deps: Deps, actor: Actor, account: StaffAccount, kind: str, details: Mapping[str, Any],
            password: str | None = None) -> None:
    """The audit entry and the email to the person, written whole."""
    user_key = sl.user_key(account.username)
    subject = sl.AUDIT_SUBJECT + user_key
    # The time in ms, and after the subject's last entry (two changes within one ms, or a clock behind).
    seq = max([int(deps.clock().timestamp() * 1000), *(e.seq + 1 for e in deps.store.audit.trail(subject)[-1:])])
    extra: dict[str, Any] = {"name": account.name, "username": account.username,
                             "role": details.get("role") or account.role or ""}
    if password is not None:
        extra[SEALED] = seal_password(deps.settings.token_secret, password)
        extra["days"] = sa.TEMPORARY_PASSWORD_DAYS
    uow = deps.store.unit_of_work()
    uow.append_audit(AuditEntry(subject=subject, seq=seq, at=deps.now(), kind=kind,
                                actor_id=actor.actor_id, actor_role=actor.role,
                                details={"account": account.username, **details}))
    uow.add_outbox(notifications.staff_message(deps, f"staff:{user_key}:{kind}:{seq}", f"staff#{user_key}",
                                               TEMPLATES[kind], "staff", account.email, account.language, extra))
    uow.commit()


# A change reaches Cognito first, then its audit row and email are written whole. Should that write fail (the
# request answers 5xx), the same change asked again finds Cognito already changed and writes the missing record
# then, marked as such, instead of answering "unchanged": nothing is lost, nothing is doubled.
ROLE_KINDS = ("account_invited", "account_role_changed")
ENABLED_KINDS = ("account_disabled", "account_enabled")


def _last_of(deps: Deps, account: StaffAccount, kinds: tuple[str, ...]) -> AuditEntry | None:
    return next((e for e in reversed(trail(deps, account.username)) if e.kind in kinds), None)


def _said(deps: Deps, account: StaffAccount, kind: str) -> bool:
    """Whether the account's trail already records its present enabled state (an account never disabled here
    reads as enabled)."""
    last = _last_of(deps, account, ENABLED_KINDS)
    return (last.kind if last else "account_enabled") == kind


def _repair(repairing: bool) -> dict[str, Any]:
    return {"recorded_after_a_failure": True} if repairing else {}


def invite(deps: Deps, directory: StaffDirectory, actor: Actor, body: Mapping[str, Any]) -> dict[str, Any]:
    """A new account for a person; ``AccountExists`` (409) when any account has the address already."""
    inv = sa.invitation(body)
    if directory.find_by_email(inv.email) is not None or directory.get(inv.username) is not None:
        raise sa.AccountExists("An account already has this email address: change that account instead.",
                               "Un compte a déjà cette adresse courriel\u00a0: modifiez plutôt ce compte.")
    password = sa.temporary_password()
    account = directory.invite(inv.username, inv.name, inv.email, inv.role, inv.police_service, inv.language,
                               password)
    _record(deps, actor, account, "account_invited",
            {"role": inv.role, "police_service": inv.police_service, "language": inv.language}, password)
    return view(account)


def resend_invitation(deps: Deps, directory: StaffDirectory, actor: Actor, username: str) -> dict[str, Any]:
    """A new temporary password, emailed again, for an account not signed in yet (a lost or expired one)."""
    account = get_account(directory, username)
    if not account.invited:
        raise sa.Unchanged("This person has already signed in: they can reset their own password.",
                           "Cette personne s'est déjà connectée\u00a0: elle peut changer elle-même son mot de passe.")
    password = sa.temporary_password()
    directory.reset_temporary_password(account.username, password)
    _record(deps, actor, account, "account_invitation_resent", {}, password)
    return view(account)


def _cut_off(deps: Deps, directory: StaffDirectory, account: StaffAccount) -> int:
    directory.sign_out_everywhere(account.username)
    return staff_sign_in.end_sessions_of(deps, account.username)


def change_role(deps: Deps, directory: StaffDirectory, actor: Actor, username: str,
                body: Mapping[str, Any]) -> dict[str, Any]:
    """Another role (and service), then every session of the person ends: they sign in again under it."""
    account = get_account(directory, username)
    role, service = sa.role_change(body)
    if sa.is_own(actor.actor_id, actor.username, account):
        raise sa.SelfChangeRefused("You cannot change your own role: ask another administrator.",
                                   "Vous ne pouvez pas changer votre propre rôle\u00a0: demandez-le à un autre "
                                   "administrateur.")
    before = (account.role, account.police_service)
    repairing = before == (role, service)
    if repairing:
        last = _last_of(deps, account, ROLE_KINDS)
        said = dict((last.details or {}) if last else {})
        if last is None or (said.get("role"), said.get("police_service")) == (role, service):
            raise sa.Unchanged("The account already has this role.", "Le compte a déjà ce rôle.")
        before = (said.get("role"), said.get("police_service"))  # its record failed: write it now
    else:
        directory.set_role(account.username, role, service)
    ended = _cut_off(deps, directory, account)
    _record(deps, actor, account, "account_role_changed",
            {"from_role": before[0], "role": role, "from_police_service": before[1],
             "police_service": service, "sessions_ended": ended, **_repair(repairing)})
    return {**view(account), "role": role, "police_service": service, "sessions_ended": ended}


def disable(deps: Deps, directory: StaffDirectory, actor: Actor, username: str) -> dict[str, Any]:
    """No more sign-in, and every session of the person ends now."""
    account = get_account(directory, username)
    if sa.is_own(actor.actor_id, actor.username, account):
        raise sa.SelfChangeRefused("You cannot disable your own account.",
                                   "Vous ne pouvez pas désactiver votre propre compte.")
    repair = not account.enabled
    if repair and _said(deps, account, "account_disabled"):
        raise sa.Unchanged("The account is already disabled.", "Le compte est déjà désactivé.")
    if not repair:
        directory.set_enabled(account.username, False)
    ended = _cut_off(deps, directory, account)
    _record(deps, actor, account, "account_disabled", {"sessions_ended": ended, **_repair(repair)})
    return {**view(account), "enabled": False, "sessions_ended": ended}


def enable(deps: Deps, directory: StaffDirectory, actor: Actor, username: str) -> dict[str, Any]:
    account = get_account(directory, username)
    repair = account.enabled
    if repair and _said(deps, account, "account_enabled"):
        raise sa.Unchanged("The account is already enabled.", "Le compte est déjà activé.")
    if not repair:
        directory.set_enabled(account.username, True)
    _record(deps, actor, account, "account_enabled", _repair(repair))
    return {**view(account), "enabled": True}


def trail(deps: Deps, username: str) -> list[AuditEntry]:
    """The account's audit trail (its changes, locks and sessions ended), oldest first."""
    return deps.store.audit.trail(sl.AUDIT_SUBJECT + sl.user_key(username))
