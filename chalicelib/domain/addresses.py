"""Email addresses someone typed: which ones we accept, and the one mailbox a limit or the suppression list counts.

Two questions, kept apart:

- **May the address be used?** (``problem``) The shape of an address (one ``@``, a dotted domain, no spaces),
  and outside ASCII only a domain that is a valid IDNA 2008 name in one script per label, with an ASCII local
  part. So ``ｘ@example.ca`` (fullwidth: NFKC would fold it onto ``x@``) and ``x@exаmple.ca`` (a Cyrillic
  « а » among Latin letters: a look-alike of another domain) are refused, while ``x@québec.ca`` is accepted.
- **Which mailbox is it?** (``canonical``, ``key``) What every limit and the suppression list count: NFKC,
  lower case, the plus-tag dropped (``x+1@`` reaches ``x@``), the domain as its IDNA A-label, and for Gmail
  only, the dots of the local part dropped (Gmail documents that they do not matter; elsewhere, as at most
  employers, ``first.last@`` and ``firstlast@`` are two people, and merging them would let one use up the
  other's limits). The canonical form is for counting only: it is hashed, never stored, never written to.

The mail goes to the address as typed, except that an IDNA domain is sent as its A-label (``for_sending``):
SES takes only ASCII addresses. Plain Python, no AWS.

>>> canonical("X.Y+news@Example.CA"), canonical("x.y@gmail.com") == canonical("xy+a@googlemail.com")
('x.y@example.ca', True)
>>> problem("x@exаmple.ca"), problem("x@québec.ca"), for_sending("x@québec.ca")
('email-not-ascii', None, 'x@xn--qubec-csa.ca')
"""
from __future__ import annotations

import hashlib
import re
import unicodedata

from .tokens import email_key

NOT_AN_ADDRESS = "format-email"  # the forms' code for a value that is no address (domain/forms.py)
NOT_ASCII = "email-not-ascii"  # an address outside ASCII that we cannot take (its words: domain/forms.py)

_SHAPE = re.compile(r"^[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+$")
# Gmail ignores dots in the local part, and googlemail.com is the same service.
_DOTLESS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}
# Scripts that may share a label (Unicode TS 39's "highly restrictive" sets): Japanese, Chinese and Korean
# names mix these with each other and with Latin.
_MIXES = (frozenset({"LATIN", "CJK", "HIRAGANA", "KATAKANA"}), frozenset({"LATIN", "CJK", "BOPOMOFO"}),
          frozenset({"LATIN", "CJK", "HANGUL"}))
# Cyrillic letters that look like Latin ones: a label of only these under an ASCII top-level domain reads as
# a Latin name (``аре.ca``), the "whole-script" look-alike browsers also show as punycode.
_LATIN_LOOKALIKES = frozenset("аеорсухіјѕԁԛԝһӏ")


def problem(address: str) -> str | None:
    """None when the address may be used, else the error code saying why not (``NOT_AN_ADDRESS``, ``NOT_ASCII``)."""
    if not _SHAPE.match(address):
        return NOT_AN_ADDRESS
    if address.isascii():
        return None
    local, _, domain = address.rpartition("@")
    if not local.isascii() or _a_label(domain) is None:
        return NOT_ASCII
    return None


def canonical(address: str) -> str:
    """The mailbox an address reaches, for counting (limits, the suppression list); never stored, never mailed."""
    text = unicodedata.normalize("NFKC", address).strip().lower()
    local, at, domain = text.rpartition("@")
    if not at or not local:
        return text
    local = local.split("+", 1)[0] or local
    domain = domain.rstrip(".")
    if not domain.isascii():
        domain = _a_label(domain) or domain
    if domain in _DOTLESS:
        local, domain = local.replace(".", "") or local, _DOTLESS[domain]
    return f"{local}@{domain}"


def key(address: str) -> str:
    """The mailbox's key (a SHA-256 of ``canonical``): what limit counters and the suppression list are keyed by."""
    return hashlib.sha256(canonical(address).encode("utf-8")).hexdigest()


def suppression_key(address: str, complained: bool) -> str:
    """Where an address goes on the suppression list: a complaint is the mailbox's owner saying stop, so every
    variant of it stops (``key``); a permanent bounce is about this very address (a host without plus-tags
    refuses ``x+1@`` and still takes ``x@``), so only it stops (its exact key, tokens.email_key)."""
    return key(address) if complained else email_key(address)


def suppression_keys(address: str) -> tuple[str, ...]:
    """The keys whose listing stops mail to ``address`` (one, for an address with no variant part)."""
    return tuple(dict.fromkeys((key(address), email_key(address))))


def for_sending(address: str) -> str:
    """The address as typed, its domain as the IDNA A-label when it is not ASCII (what SES accepts)."""
    text = address.strip()
    local, at, domain = text.rpartition("@")
    if not at or domain.isascii():
        return text
    return f"{local}@{_a_label(domain) or domain}"


def _a_label(domain: str) -> str | None:
    """The domain's IDNA 2008 A-label form, or None when it is not a valid name or mixes scripts in a label."""
    import idna  # only a domain outside ASCII needs it: not loaded at a cold start

    lowered = domain.lower().rstrip(".")
    try:
        encoded = idna.encode(lowered, uts46=False).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        return None
    labels = lowered.split(".")
    if not all(_one_script(label) for label in labels):
        return None
    if labels[-1].isascii() and any(_looks_latin(label) for label in labels):
        return None
    return encoded


def _script(ch: str) -> str | None:
    """A letter's script, as the first word of its Unicode name (``CYRILLIC SMALL LETTER A``); None otherwise."""
    if not unicodedata.category(ch).startswith("L"):
        return None
    name = unicodedata.name(ch, "")
    return name.split(" ", 1)[0].split("-", 1)[0] or None


def _one_script(label: str) -> bool:
    scripts = {s for s in map(_script, label) if s}
    return len(scripts) <= 1 or any(scripts <= mix for mix in _MIXES)


def _looks_latin(label: str) -> bool:
    return not label.isascii() and all(ch in _LATIN_LOOKALIKES or not ch.isalpha() for ch in label)
