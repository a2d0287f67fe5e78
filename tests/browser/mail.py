"""Reading what the service emailed, as a person would: the private link in a message."""
from __future__ import annotations

import re
from html import unescape
from typing import Any


def private_link(message: dict[str, Any]) -> str:
    """The private status link in an email (moto keeps the HTML part, escaped)."""
    match = re.search(r'href="([^"]+\?token=[^"]+)"', message.get("body") or "")
    assert match, "no private link in this email"
    return unescape(match.group(1))
