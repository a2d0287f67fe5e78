"""Issue 10, finding 6: list cursors are opaque (encrypted and authenticated) and bound to their query."""
from __future__ import annotations

import base64
import re

import pytest

from chalicelib.domain import cursors
from chalicelib.domain.errors import MalformedRequest

SECRET = "s" * 32
KEY = {"application_id": {"S": "po-k5uxs3tmpoygq5t2"}, "police_service": {"S": "spvm"},
       "submitted_at": {"S": "2026-05-01T12:00:00Z"}, "stage": {"S": "submitted"}}
SECRETS_IN_KEY = ["po-k5uxs3tmpoygq5t2", "k5uxs3tmpoygq5t2", "spvm", "2026-05-01", "submitted", "application_id"]


def _decodings(text: str) -> list[bytes]:
    """The cursor read as base64 (both alphabets, any padding) from every offset, as a curious coordinator would."""
    out = [text.encode()]
    for start in range(4):
        chunk = text[start:]
        chunk += "=" * (-len(chunk) % 4)
        for decode in (base64.urlsafe_b64decode, base64.b64decode):
            try:
                out.append(decode(chunk))
            except ValueError:
                pass
    return out


def test_a_cursor_reveals_no_key_value_even_base64_decoded():
    cursor = cursors.encode(SECRET, KEY, "irss|stage=submitted")
    assert re.fullmatch(r"[A-Za-z0-9_-]+", cursor)  # fits a query string as is
    for raw in _decodings(cursor):
        for value in SECRETS_IN_KEY:
            assert value.encode() not in raw, value


def test_a_cursor_reads_back_in_its_own_scope_only():
    cursor = cursors.encode(SECRET, KEY, "irss|stage=submitted")
    assert cursors.decode(SECRET, cursor, "irss|stage=submitted") == KEY
    with pytest.raises(MalformedRequest):
        cursors.decode(SECRET, cursor, "service_coordinator|spvm|stage=submitted")
    with pytest.raises(MalformedRequest):
        cursors.decode("t" * 32, cursor, "irss|stage=submitted")  # another deployment's secret


def test_two_cursors_for_the_same_position_differ():
    assert cursors.encode(SECRET, KEY, "a") != cursors.encode(SECRET, KEY, "a")  # random IV: no equality leak


def _flip_last_byte(cursor: str) -> str:
    """The cursor with its last byte (in its MAC) changed. Changing the last base64 character may only
    touch padding bits the decoder drops (it did, now and then, with a random IV): change a byte instead."""
    raw = bytearray(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    raw[-1] ^= 0x01
    return base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")


@pytest.mark.parametrize("mangle", [
    lambda c: c[:40] + ("A" if c[40] != "A" else "B") + c[41:],
    _flip_last_byte,
    lambda c: c[:-6], lambda c: c + "x", lambda c: "garbage", lambda c: "", lambda c: "é" * 40,
    lambda c: "gAAAAA" + c[6:].upper(),
])
def test_a_tampered_cursor_is_a_400(mangle):
    cursor = cursors.encode(SECRET, KEY, "irss")
    with pytest.raises(MalformedRequest) as caught:
        cursors.decode(SECRET, mangle(cursor), "irss")
    assert caught.value.status == 400 and "curseur" in caught.value.detail_fr


def test_a_cursor_signed_the_old_way_is_refused():
    # The former format (base64 JSON "." HMAC) named the key in clear; it is not accepted any more.
    old = base64.urlsafe_b64encode(b'{"k":{"application_id":{"S":"po-x"}},"s":"irss"}').decode().rstrip("=") + ".AAAA"
    with pytest.raises(MalformedRequest):
        cursors.decode(SECRET, old, "irss")
