"""Publishing a call for applications: what a call must say before applicants may see it.

A call is written as a draft (``Bulletin.published`` false: never public, never takes applications) and
published once it passes ``publish_problems``: both official languages filled in, a real contact (a name in
both languages and an address outside the reserved example domains of RFC 2606/6761, which no write of a call,
draft or not, may give: ``reserved_contact``), a closing after its
opening, and nothing asked of applicants that the call's pathway never uses. The last is ``stage_documents``:
a document that is a stage of the workflow (the UN modules' results, the Preliminary Instructions forms) is
asked only when the mission's pathway has that stage and the stage's own condition (``when``, e.g.
``un_mission``) holds for the mission; an EU or bilateral deployment never reaches ``un_modules``.
"""
from __future__ import annotations

from typing import Any, Mapping

from . import requirements
from .bulletins import Bulletin
from .errors import FieldError
from .missions import Mission
from .workflow import Pathway

# Reserved for documentation and testing, never a real mailbox (RFC 2606 section 3 and 2, RFC 6761).
RESERVED_DOMAINS = ("example.ca", "example.com", "example.org", "example.net")
RESERVED_SUFFIXES = (".example", ".test", ".invalid", ".localhost")
TEXTS = ("title", "description")
LANGS = ("en", "fr")
LANG_NAMES = {"en": ("English", "anglais"), "fr": ("French", "français")}



def reserved_email(address: str) -> bool:
    """An address in a domain reserved for examples (example.ca, *.test, ...).

    >>> reserved_email("peaceops-irss@example.ca"), reserved_email("a@b.invalid"), reserved_email("x@rcmp-grc.gc.ca")
    (True, True, False)
    """
    domain = address.rpartition("@")[2].strip().lower().rstrip(".")
    return any(domain == d or domain.endswith("." + d) for d in RESERVED_DOMAINS) or \
        domain.endswith(RESERVED_SUFFIXES) or domain in {s.lstrip(".") for s in RESERVED_SUFFIXES}


def stage_documents(pathway: Pathway, mission: Mission, stage_names: set[str], asked: tuple[str, ...]) -> list[str]:
    """The documents ``asked`` that name a workflow stage this mission's files never reach (domain/requirements.py,
    the one rule)."""
    return requirements.unreached_documents(pathway, mission, stage_names, asked)


def _err(pointer: str, code: str, en: str, fr: str) -> FieldError:
    return FieldError(pointer, code, en, fr)


def _texts(b: Bulletin) -> list[FieldError]:
    out = []
    names = {"title": ("title", "titre"), "description": ("description", "description")}
    for field in TEXTS:
        text: Mapping[str, str] = getattr(b, field)
        for lang in LANGS:
            if not str(text.get(lang) or "").strip():
                en, fr = LANG_NAMES[lang]
                out.append(_err(f"/{field}/{lang}", "missing-text", f"Write the {en} {names[field][0]}.",
                                f"Écrivez le {names[field][1]} en {fr}." if field == "title"
                                else f"Écrivez la {names[field][1]} en {fr}."))
    return out


def _contact(contact: Mapping[str, Any]) -> list[FieldError]:
    out = []
    name = contact.get("name") or {}
    for lang in LANGS:
        if not str(name.get(lang) or "").strip():
            en, fr = LANG_NAMES[lang]
            out.append(_err(f"/contact/name/{lang}", "missing-contact", f"Give the contact's name in {en}.",
                            f"Donnez le nom de la personne-ressource en {fr}."))
    if not str(contact.get("email") or "").strip():
        out.append(_err("/contact/email", "missing-contact", "Give the contact's email address.",
                        "Donnez l'adresse courriel de la personne-ressource."))
    return out + reserved_contact(contact)


def reserved_contact(contact: Mapping[str, Any]) -> list[FieldError]:
    """The contact's address is in a reserved example domain: refused on every write of a call, draft or not."""
    email = str(contact.get("email") or "").strip()
    if not email or not reserved_email(email):
        return []
    return [_err("/contact/email", "reserved-domain",
                 "This address is in a domain reserved for examples; give a real mailbox applicants can write to.",
                 "Cette adresse est d'un domaine réservé aux exemples\u00a0; donnez une vraie boîte aux lettres "
                 "où écrire.")]


def publish_problems(b: Bulletin, mission: Mission, pathway: Pathway, stage_names: set[str],
                     document_labels: Mapping[str, Mapping[str, str]]) -> list[FieldError]:
    """Why ``b`` may not be published (empty when it may), one error per field.

    ``stage_names`` are the workflow's stages; ``document_labels`` the documents' labels by code.
    """
    out = _texts(b) + _contact(b.contact)
    if b.closes <= b.opens:
        out.append(_err("/closes_at", "closes-before-it-opens", "The call must close after it opens.",
                        "L'appel doit se terminer après son ouverture."))
    for code in stage_documents(pathway, mission, stage_names, b.criteria.required_documents):
        label = document_labels.get(code) or {"en": code, "fr": code}
        out.append(_err("/criteria/required_documents", "not-in-pathway",
                        f"“{label['en']}” is not part of this opportunity's process; do not ask for it.",
                        f"«\u00a0{label['fr']}\u00a0» ne fait pas partie du processus de cette possibilité\u00a0; "
                        "ne le demandez pas."))
    return out  # whether it takes civilian analysts is the call's to say (seed 004: analysts deploy beyond PROTEUS)
