"""Staff accounts of the coordinators' user pool, as an administrator manages them: the rules, no Cognito.

An account's user name is its email address in lower case (the pool's user names are not case-sensitive): the
person signs in with the address their invitation went to. One role (one group of the pool) per account; a
service coordinator has exactly one police service (``custom:police_service``), every other role none.

The temporary password of an invitation is made here (``temporary_password``) to the pool's policy
(infra/template.yaml: 14 characters or more, a lower- and an upper-case letter, a digit and a symbol); it is
never audited, never logged, and the outbox holds it only sealed until the email is sent
(services/staff_accounts.py).
"""
from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from typing import Any, Mapping

from . import addresses
from .access import STAFF_ROLES
from .errors import Conflict, FieldError, ValidationFailed
from .i18n import LANGUAGES
from .missions import police_services

ROLES = tuple(STAFF_ROLES)
COORDINATOR = "service_coordinator"
NAME_MAX = 100
EMAIL_MAX = 128  # Cognito's user-name limit, and the address is the user name
PASSWORD_LENGTH = 20
PASSWORD_SYMBOLS = "!#$%*+-=?@^_"
TEMPORARY_PASSWORD_DAYS = 3  # the pool's TemporaryPasswordValidityDays (infra/template.yaml): the email says it
# The audit subject of an account's changes: the sign-in's own (domain/sign_in_limits.py), so that one account's
# trail (its invitation, roles, locks, sessions ended) is read in one place.
AUDIT_KINDS = ("account_invited", "account_role_changed", "account_disabled", "account_enabled",
               "account_invitation_resent")


@dataclass(frozen=True)
class StaffAccount:
    """One account as the pool holds it."""

    username: str
    name: str
    email: str
    role: str | None  # None: in no console group (signs in to nothing)
    police_service: str | None
    enabled: bool
    status: str  # Cognito's: FORCE_CHANGE_PASSWORD (invited, not signed in yet), CONFIRMED ...
    created_at: str
    language: str = "en"
    sub: str = ""  # the pool's immutable id (an Actor's actor_id)

    @property
    def invited(self) -> bool:
        """Invited and not signed in yet (the temporary password is still the one to use)."""
        return self.status == "FORCE_CHANGE_PASSWORD"


@dataclass(frozen=True)
class Invitation:
    name: str
    email: str
    role: str
    police_service: str | None
    language: str

    @property
    def username(self) -> str:
        return username_for(self.email)


def username_for(email: str) -> str:
    return email.strip().lower()


class AccountExists(Conflict):
    code = "account-exists"
    title_en = "An account already has this address"
    title_fr = "Un compte a déjà cette adresse"


class SelfChangeRefused(Conflict):
    code = "own-account"
    title_en = "Not on your own account"
    title_fr = "Pas sur votre propre compte"


class Unchanged(Conflict):
    code = "unchanged"
    title_en = "Nothing to change"
    title_fr = "Rien à changer"


def _text(body: Mapping[str, Any], name: str) -> str:
    value = body.get(name)
    return value.strip() if isinstance(value, str) else ""


def _error(field: str, code: str, en: str, fr: str) -> FieldError:
    return FieldError(f"/{field}", code, en, fr)


def role_errors(role: str, service: str | None) -> list[FieldError]:
    """A role of the console, and a police service exactly when the role is a service coordinator's."""
    out = []
    if role not in ROLES:
        out.append(_error("role", "unknown-role", "Choose one of the console's roles.",
                          "Choisissez l'un des rôles de la console."))
    if role == COORDINATOR and not service:
        out.append(_error("police_service", "service-required", "A service coordinator needs their police service.",
                          "Une coordonnatrice ou un coordonnateur de service doit avoir son service de police."))
    elif service and service not in police_services():
        out.append(_error("police_service", "unknown-service", "Choose a police service from the list.",
                          "Choisissez un service de police dans la liste."))
    elif service and role in ROLES and role != COORDINATOR:
        out.append(_error("police_service", "service-not-allowed",
                          "Only a service coordinator has a police service.",
                          "Seul le rôle de coordination de service a un service de police."))
    return out


def invitation(body: Mapping[str, Any]) -> Invitation:
    """The invitation a form or a request body asks for; ``ValidationFailed`` with one error per field."""
    name, email = _text(body, "name"), _text(body, "email")
    role, service = _text(body, "role"), _text(body, "police_service") or None
    language = _text(body, "language") or "en"
    errors: list[FieldError] = []
    if not name or len(name) > NAME_MAX or any(ord(c) < 32 for c in name):
        errors.append(_error("name", "invalid-name", f"Give the person's name ({NAME_MAX} characters at most).",
                             f"Donnez le nom de la personne ({NAME_MAX} caractères au plus)."))
    if not email or len(email) > EMAIL_MAX or addresses.problem(email) is not None or not email.isascii():
        errors.append(_error("email", "invalid-email", "Give the person's work email address.",
                             "Donnez l'adresse courriel de travail de la personne."))
    errors += role_errors(role, service)
    if language not in LANGUAGES:
        errors.append(_error("language", "invalid-language", "Choose English or French.",
                             "Choisissez le français ou l'anglais."))
    if errors:
        raise ValidationFailed(errors)
    return Invitation(name=name, email=email.lower(), role=role, police_service=service, language=language)


def role_change(body: Mapping[str, Any]) -> tuple[str, str | None]:
    role, service = _text(body, "role"), _text(body, "police_service") or None
    errors = role_errors(role, service)
    if errors:
        raise ValidationFailed(errors)
    return role, service


def temporary_password(length: int = PASSWORD_LENGTH) -> str:
    """A random password meeting the pool's policy (one of each kind of character, the rest from all of them)."""
    kinds = (string.ascii_lowercase, string.ascii_uppercase, string.digits, PASSWORD_SYMBOLS)
    chars = [secrets.choice(k) for k in kinds]
    every = "".join(kinds)
    chars += [secrets.choice(every) for _ in range(length - len(chars))]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


def is_own(actor_id: str, actor_username: str | None, account: StaffAccount) -> bool:
    """The account is the acting administrator's own (by the pool's id, or by the user name)."""
    return bool((account.sub and actor_id == account.sub)
                or (actor_username and username_for(actor_username) == account.username))
