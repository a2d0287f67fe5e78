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


# Medical information (the outcome International Health Services record, and a file closed on
# medical grounds with its reason) is for IRSS and health staff only.
MEDICAL_READERS = ("irss", "health")
MODULE_READERS = ("irss", "health", "admin")
MEDICAL_END = "medically_unfit"
# What that end reads as to everyone else: closed, not selected; its row, reason and note (and those of any other
# closing at the health assessment) read as domain/medical_view.py's one neutral presentation.
MEDICAL_END_SHOWN_AS = "not_selected"


def can_read_medical(actor: Actor) -> bool:
    return actor.role in MEDICAL_READERS


def can_read_modules(actor: Actor) -> bool:
    return actor.role in MODULE_READERS


def stage_seen_by(actor: Actor, stage: str) -> str:
    """The stage as this actor may see it: a medical end reads as not selected to non-medical staff."""
    if stage == MEDICAL_END and actor.role != APPLICANT and not can_read_medical(actor):
        return MEDICAL_END_SHOWN_AS
    return stage


def stages_seen_by(actor: Actor, stages: list[str]) -> list[str]:
    """The stages this actor may filter on or count by."""
    return [s for s in stages if stage_seen_by(actor, s) == s]


# Documents (domain/documents.py) follow the file's rules (can_see_file) and then these: the police service's
# coordinator checks qualifications for the initial selection and IRSS runs readiness, so both read the file's
# documents; a medical document (the medical questionnaire) only the medical readers (IRSS and health); health
# staff read nothing else of them, and administrators (who run the catalogue) none.
DOCUMENT_ROLES = ("service_coordinator", "irss", "health")


def can_read_document(actor: Actor, medical: bool) -> bool:
    if medical:
        return can_read_medical(actor)
    return actor.role in ("service_coordinator", "irss")


# Who read what (domain/reads.py): the read log of a file is for IRSS (who also answer formal Privacy Act
# requests) and administrators (who oversee the service); never coordinators or health staff. A viewer without
# medical access sees no read by health staff and no read of a medical document: a medical end must not be told
# by who consulted the file, or what. The applicant sees only that program staff consulted it, and when.
READ_LOG_READERS = ("irss", "admin")
# The complete package for a formal Privacy Act request: IRSS only (it holds the family-readiness form, the medical
# outcome and every staff note, which administrators read nowhere else).
PRIVACY_PACKAGE_ROLES = ("irss",)


def can_read_read_log(actor: Actor) -> bool:
    return actor.role in READ_LOG_READERS
