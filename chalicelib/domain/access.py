"""Who may see what: the role list and the visibility rules of files and forms, in one place.

Every other module (the routes' ``@staff`` rules, the workflow table's checks,
the views and exports) reads the roles and rules from here.
"""
from __future__ import annotations

from .workflow import Actor

APPLICANT = "applicant"
STAFF_ROLES = ("service_coordinator", "irss", "health", "admin")
# Every role that may act on a file: the applicant and the staff roles (Cognito groups).
ROLES = (APPLICANT, *STAFF_ROLES)
# Family-readiness content is confidential: the applicant and the readiness
# staff (IRSS runs deployment readiness) read it; others see it is on file.
FAMILY_READINESS_READERS = (APPLICANT, "irss")


def can_see_file(actor: Actor, police_service: str | None) -> bool:
    """A service coordinator sees only their own service's files; out of scope answers 404."""
    if actor.role == "service_coordinator":
        return bool(actor.police_service) and actor.police_service == police_service
    return actor.role in ("irss", "health", "admin")


def can_read_family_readiness(actor: Actor) -> bool:
    return actor.role in FAMILY_READINESS_READERS
