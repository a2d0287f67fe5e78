"""Domain errors. The API layer maps each to one RFC 9457 problem answer."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FieldError:
    """One invalid field: a JSON Pointer into the request body, a code, messages."""

    pointer: str
    code: str
    message_en: str
    message_fr: str

    def as_dict(self, lang: str) -> dict[str, str]:
        return {
            "pointer": self.pointer,
            "code": self.code,
            "message": self.message_fr if lang == "fr" else self.message_en,
        }


class DomainError(Exception):
    """Base of every error the service answers on purpose (never a 500)."""

    status = 400
    code = "bad-request"
    title_en = "Bad request"
    title_fr = "Requête invalide"

    def __init__(self, detail_en: str = "", detail_fr: str = "", **extra: Any) -> None:
        super().__init__(detail_en or self.title_en)
        self.detail_en = detail_en or self.title_en
        self.detail_fr = detail_fr or self.title_fr
        self.extra = extra


class MalformedRequest(DomainError):
    status = 400
    code = "malformed-request"
    title_en = "Malformed request"
    title_fr = "Requête mal formée"


class Unauthenticated(DomainError):
    status = 401
    code = "unauthenticated"
    title_en = "Authentication required"
    title_fr = "Authentification requise"


class LinkExpired(Unauthenticated):
    """A real link to the file, issued more than 90 days ago: a new one is a request away."""

    code = "link-expired"
    title_en = "This link has expired"
    title_fr = "Ce lien est expiré"


class ConfirmationExpired(DomainError):
    """A confirmation link past its time (a change of address: domain/email_change.py)."""

    status = 410
    code = "confirmation-expired"
    title_en = "This confirmation link has expired"
    title_fr = "Ce lien de confirmation est expiré"


class MissionUnavailable(DomainError):
    """A stored mission the schema refuses (written by an older version): that mission only."""

    status = 503
    code = "mission-unavailable"
    title_en = "Mission unavailable"
    title_fr = "Mission non disponible"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"
    title_en = "Not allowed"
    title_fr = "Action non permise"


class NotFound(DomainError):
    status = 404
    code = "not-found"
    title_en = "Not found"
    title_fr = "Introuvable"


class Conflict(DomainError):
    status = 409
    code = "conflict"
    title_en = "Conflict"
    title_fr = "Conflit"


class StaleState(Conflict):
    code = "stale-state"
    title_en = "The file has changed"
    title_fr = "Le dossier a changé"


class GuardRefused(Conflict):
    code = "guard-refused"
    title_en = "Move refused"
    title_fr = "Changement refusé"


class IdempotencyMismatch(DomainError):
    status = 422
    code = "idempotency-key-reused"
    title_en = "Idempotency key already used with another request"
    title_fr = "Clé d'idempotence déjà utilisée pour une autre requête"


class PayloadTooLarge(DomainError):
    status = 413
    code = "payload-too-large"
    title_en = "Request body too large"
    title_fr = "Corps de la requête trop volumineux"


class UnsupportedMediaType(DomainError):
    status = 415
    code = "unsupported-media-type"
    title_en = "Unsupported media type"
    title_fr = "Type de média non pris en charge"


class TooManyRequests(DomainError):
    status = 429
    code = "too-many-requests"
    title_en = "Too many requests"
    title_fr = "Trop de demandes"


class ValidationFailed(DomainError):
    """The body parsed but broke the form's rules: one FieldError per problem."""

    status = 422
    code = "validation-failed"
    title_en = "The form has errors"
    title_fr = "Le formulaire contient des erreurs"

    def __init__(self, errors: list[FieldError]) -> None:
        n = len(errors)
        super().__init__(f"{n} field(s) need attention.", f"{n} champ(s) à corriger.")
        self.errors = errors


class InvalidQuery(ValidationFailed):
    """Query parameters that cannot be used: 400, with one error per parameter."""

    status = 400
    code = "invalid-query"
    title_en = "Invalid query parameters"
    title_fr = "Paramètres de requête invalides"
