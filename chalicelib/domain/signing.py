"""The one signing helper: keys derived from the server secret per purpose.

Each use (CSRF tokens, list cursors, file tokens...) names its purpose, so a value
signed for one can never be replayed as another, and rotating the one secret
rotates them all.

- ``sign`` / ``verify``: HMAC-SHA256 over length-prefixed parts, verified in constant time.
- ``fernet``: a Fernet (AES-128-CBC + HMAC-SHA256, from ``cryptography``) whose key is
  derived with HKDF-SHA256, for values that must be opaque as well as authentic.
"""
from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_LABEL = b"peaceops/"


def b64(raw: bytes) -> str:
    """URL-safe base64 without padding (fits a query string or a cookie as is)."""
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _key(secret: str, purpose: str) -> bytes:
    return hmac.new(secret.encode("utf-8"), _LABEL + purpose.encode("utf-8"), hashlib.sha256).digest()


def mac(secret: str, purpose: str, *parts: str) -> bytes:
    """HMAC-SHA256 of ``parts`` under the key for ``purpose``.

    Each part is length-prefixed, so ("ab", "c") and ("a", "bc") never share a MAC.
    """
    message = b"".join(len(p.encode("utf-8")).to_bytes(4, "big") + p.encode("utf-8") for p in parts)
    return hmac.new(_key(secret, purpose), message, hashlib.sha256).digest()


def sign(secret: str, purpose: str, *parts: str) -> str:
    """The MAC as text (43 URL-safe characters).

    >>> sign("s" * 32, "csrf", "a") == sign("s" * 32, "csrf", "a") != sign("s" * 32, "cursor", "a")
    True
    """
    return b64(mac(secret, purpose, *parts))


def verify(secret: str, purpose: str, signature: str | None, *parts: str) -> bool:
    """Whether ``signature`` is ``sign(secret, purpose, *parts)``, compared in constant time.

    Any text is safe to pass: a value that is not ASCII is simply not a match.
    """
    if not signature:
        return False
    # Compare bytes: compare_digest refuses str holding non-ASCII characters (a TypeError).
    return hmac.compare_digest(sign(secret, purpose, *parts).encode("ascii"), signature.encode("utf-8"))


def fernet(secret: str, purpose: str) -> Fernet:
    """A Fernet keyed by HKDF-SHA256(secret, info="peaceops/<purpose>")."""
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_LABEL + purpose.encode("utf-8"))
    return Fernet(base64.urlsafe_b64encode(key.derive(secret.encode("utf-8"))))
