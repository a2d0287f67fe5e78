"""Dates and times as staff read them: in America/Toronto (Ottawa, where the program runs), the zone named.

>>> from datetime import date, datetime, timezone
>>> at = datetime(2026, 11, 23, 19, 5, tzinfo=timezone.utc)
>>> local_time(at, "en"), local_time(at, "fr")
('November 23, 2026, 14:05 EST', '23 novembre 2026, 14 h 05 HNE')
>>> clock_time(datetime(2026, 7, 1, 16, 0, tzinfo=timezone.utc), "fr")
'12 h 00 HAE'
"""
from __future__ import annotations

from datetime import date, datetime, timezone

from .bulletins import PROGRAM_TIME

_MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"),
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
           "octobre", "novembre", "décembre"),
}
# The zone's abbreviation in each language (Canada.ca: EST/EDT, HNE/HAE).
_ZONE = {"en": {"EST": "EST", "EDT": "EDT"}, "fr": {"EST": "HNE", "EDT": "HAE"}}


def _local(at: datetime) -> datetime:
    return (at if at.tzinfo else at.replace(tzinfo=timezone.utc)).astimezone(PROGRAM_TIME)


def zone_name(at: datetime, lang: str) -> str:
    abbr = _local(at).tzname() or "EST"
    return _ZONE["fr" if lang == "fr" else "en"].get(abbr, abbr)


def clock_time(at: datetime, lang: str) -> str:
    """The time of day with its zone: "14:05 EST", "14 h 05 HNE"."""
    t = _local(at)
    clock = f"{t.hour} h {t.minute:02d}" if lang == "fr" else f"{t.hour:02d}:{t.minute:02d}"
    return f"{clock} {zone_name(at, lang)}"


def written_day(d: date, lang: str) -> str:
    """A calendar day as people write it; French writes the first of the month as an ordinal.

    >>> written_day(date(2027, 7, 1), "fr"), written_day(date(2027, 7, 2), "fr"), written_day(date(2027, 7, 1), "en")
    ('1er juillet 2027', '2 juillet 2027', 'July 1, 2027')
    """
    month = _MONTHS["fr" if lang == "fr" else "en"][d.month - 1]
    return f"{'1er' if d.day == 1 else d.day} {month} {d.year}" if lang == "fr" else f"{month} {d.day}, {d.year}"


def local_day(at: datetime, lang: str) -> str:
    return written_day(_local(at).date(), lang)


def local_time(at: datetime, lang: str) -> str:
    """Day and time with the zone named, no seconds."""
    return f"{local_day(at, lang)}, {clock_time(at, lang)}"


def table_time(value: str | datetime | None, lang: str) -> str:
    """A stored timestamp for a table or a spreadsheet: sortable, to the minute, the zone named ("" for none).

    >>> table_time("2026-11-23T19:05:42.123456Z", "en"), table_time("2026-07-01T16:00:00Z", "fr")
    ('2026-11-23 14:05 EST', '2026-07-01 12:00 HAE')
    """
    at = value if isinstance(value, datetime) else from_iso(value) if value else None
    if at is None:
        return "" if not value else str(value)
    return f"{_local(at):%Y-%m-%d %H:%M} {zone_name(at, lang)}"


def from_iso(value: str | None) -> datetime | None:
    """A stored timestamp (``2026-11-23T19:05:00.000000Z``), or None when it is not one."""
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
