"""The adapters a use case is given: real ones in api/wiring.py, in-memory ones in unit tests."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Callable

from ..adapters.mailer import Mailer
from ..config import Settings
from ..domain.bulletins import PROGRAM_TIME
from .ports import ObjectStore, Storage


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def iso(dt: datetime) -> str:
    """Sortable UTC timestamp, e.g. 2026-11-23T01:45:00.123456Z."""
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_iso(value: str) -> datetime:
    """The inverse of ``iso``."""
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(timezone.utc)


@dataclass
class Deps:
    settings: Settings
    store: Storage
    mailer: Mailer
    clock: Callable[[], datetime] = utc_now
    objects: ObjectStore | None = None  # the documents' bucket (services/documents.py); None where none is used

    def now(self) -> str:
        return iso(self.clock())

    def today(self) -> date:
        """The calendar day in Ottawa, where the program runs (a deployment's dates are such days)."""
        return self.clock().astimezone(PROGRAM_TIME).date()
