"""What staff type into the search box, read as a reference, an email address or the start of a family name.

Plain rules, no storage: ``parse`` says which of the three a query is and the key each is looked up by (the file's
id for a reference, the address's hash for an email, the folded prefix for a name); ``name_index`` is the pair a
file is indexed under by its family name (``by_name``: partition = the folded name's first character, sort key =
the folded name; docs/data-model.md says why).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Mapping

from .errors import FieldError, InvalidQuery
from .text import FORBIDDEN
from .tokens import email_key

# Letters NFKD does not take apart into a base letter and its accent.
_LETTERS = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"})
MAX_QUERY = 100  # characters; longer is no name, address or reference
NAME_KEY_MAX = 200  # characters of a folded name kept in the index (DynamoDB's sort key allows 1,024 bytes)
# A reference as printed (PO-GR2Q-5UPV-RRLC-2275): "po" and 16 base-32 characters (domain/tokens.py), in any case,
# with or without its dashes or spaces.
_REFERENCE = re.compile(r"^(po)?([a-z2-7]{16})$")

REFERENCE, EMAIL, NAME = "reference", "email", "name"


def fold(text: str) -> str:
    """``text`` lower-cased, without accents, spaces or punctuation: how a family name is indexed and searched.

    >>> fold("Côté-Tremblay"), fold("  O'Brien "), fold("Ødegård"), fold("STRAUß")
    ('cotetremblay', 'obrien', 'odegard', 'strauss')
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_LETTERS))
    return "".join(c for c in decomposed if c.isalnum() and not unicodedata.combining(c)).translate(_LETTERS)


def name_index(form: Mapping[str, Any]) -> tuple[str, str] | None:
    """(partition, sort key) a file is indexed under by its family name; None when it has none to fold.

    >>> name_index({"family_name": "Côté"}), name_index({"family_name": " - "})
    (('c', 'cote'), None)
    """
    key = fold(str(form.get("family_name") or ""))[:NAME_KEY_MAX]
    return (key[0], key) if key else None


@dataclass(frozen=True)
class Query:
    by: str  # reference | email | name
    key: str  # the file's id, the address's hash, or the folded name's prefix
    # A reference-shaped query made of letters only might be a long family name too.
    also_name: str | None = None


def _invalid(en: str, fr: str) -> InvalidQuery:
    return InvalidQuery([FieldError("/q", "invalid-parameter", en, fr)])


def parse(q: str | None) -> Query:
    """Which search ``q`` asks for.

    >>> parse("PO-GR2Q-5UPV-RRLC-2275"), parse(" Helene.Cote@Example.ca ").by, parse("côté")
    (Query(by='reference', key='po-gr2q5upvrrlc2275', also_name=None), 'email', Query(by='name', key='cote', also_name=None))
    """
    text = (q or "").strip()
    if not text:
        raise _invalid("q: a reference, an email address or the start of a family name.",
                       "q\u00a0: un numéro de référence, une adresse courriel ou le début d'un nom de famille.")
    if len(text) > MAX_QUERY:
        raise _invalid(f"q: at most {MAX_QUERY} characters.", f"q\u00a0: au plus {MAX_QUERY} caractères.")
    if FORBIDDEN.search(text) or any("\ud800" <= c <= "\udfff" for c in text):
        raise _invalid("q: remove NUL, bidirectional control and unpaired surrogate characters.",
                       "q\u00a0: retirez les caractères NUL, de contrôle bidirectionnel et les substituts isolés.")
    if "@" in text:
        return Query(EMAIL, email_key(text))
    compact = re.sub(r"[\s\-]", "", text).lower()
    found = _REFERENCE.match(compact)
    if found and (found.group(1) or any(c.isdigit() for c in compact)):
        return Query(REFERENCE, "po-" + found.group(2), also_name=fold(text) if compact.isalpha() else None)
    key = fold(text)
    if not key:
        raise _invalid("q: a name needs at least one letter.", "q\u00a0: un nom compte au moins une lettre.")
    return Query(NAME, key[:NAME_KEY_MAX])
