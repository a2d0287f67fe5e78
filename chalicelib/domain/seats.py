"""A cap's figures as the console's cards show them: one function over the cap and its roster.

Seats left are the cap's own rule (``Cap.seats_left``: authorized minus deployed); freeing in 90 days counts the
active deployments whose planned end falls within 90 Ottawa days of today (an overdue end counts:
deployments.ending_within); candidates ready is the length of the roster's line (services/roster.ready_candidates).

>>> from datetime import date
>>> from .deployments import Deployment
>>> cap = Cap("haiti", 90, 2, {"en": "Haiti", "fr": "Haïti"})
>>> roster = [Deployment("d1", "haiti", None, "2027-03-07"), Deployment("d2", "haiti", None, "2027-03-08")]
>>> card = cap_card(cap, roster, 3, date(2026, 12, 7))
>>> card.authorized, card.active, card.seats_left, card.freeing, card.ready
(90, 2, 88, 1, 3)
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Iterable, Mapping

from . import deployments
from .deployments import Deployment
from .missions import Cap

FREEING_DAYS = 90


@dataclass(frozen=True)
class CapCard:
    cap_id: str
    name: Mapping[str, str]
    authorized: int | None
    deployed: int
    active: int
    seats_left: int | None
    freeing: int
    ready: int


def cap_card(cap: Cap, roster: Iterable[Deployment], ready: int, today: date, days: int = FREEING_DAYS) -> CapCard:
    """The card of ``cap``: its figure, its active entries, seats left, those freeing within ``days``, ready."""
    active = [e for e in roster if e.active]
    return CapCard(cap.cap_id, dict(cap.name), cap.authorized, cap.deployed, len(active), cap.seats_left,
                   len(deployments.ending_within(active, today, days)), ready)
