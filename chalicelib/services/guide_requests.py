""""Before the Mission" on request (seed 003: "Read Before the Mission ... Email to ask for a copy").

Anyone may ask for the guide on its public page, before applying: the request writes, in one transaction, the
day's counter of the mailbox it is for (domain/limits.guide_requests_today: the canonical address, whoever asks,
``Settings.max_guide_requests_per_day``) and the guide's email in the outbox; the outbox sends it off the request
path like every email, and never to an address on the suppression list (services/notifications checks every row
when it sends). Past the limit nothing is written and the page says so (429).

The row is the only record kept: under ``guide#<day>`` (Ottawa's day it was asked for), so the daily retention job
finds a day's rows and disposes of them once retention.json's ``guide_requests`` period has passed
(services/retention.sweep). Its address is the only personal information it holds; nothing else is kept.
"""
from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from ..domain import bodies, limits
from ..domain.emails import BEFORE_THE_MISSION_GUIDE
from ..domain.i18n import LANGUAGES
from . import notifications
from .deps import Deps

SUBJECT_PREFIX = "guide#"


def subject_for(day: date) -> str:
    """The outbox partition of the guide requests of one (Ottawa) day."""
    return f"{SUBJECT_PREFIX}{day.isoformat()}"


def request_guide(deps: Deps, body: Any, lang: str) -> bool:
    """Validate the address (422 naming /email), then write the guide's email in ``lang``; False past the mailbox's
    daily limit (nothing written)."""
    doc = bodies.require_valid("GuideRequest", body)
    address = str(doc["email"]).strip()
    language = lang if lang in LANGUAGES else "en"
    row = notifications.new_message(deps, f"guide:{uuid.uuid4().hex}", subject_for(deps.today()),
                                    BEFORE_THE_MISSION_GUIDE, "requester", address, language, {})
    counter = limits.guide_requests_today(address, deps.today(), deps.settings.max_guide_requests_per_day)
    return notifications.send_counted(deps, counter, row)
