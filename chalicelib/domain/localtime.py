"""Dates and times as people read them, the program's one formatting module for shown times: in America/Toronto
(Ottawa, where the program runs), the zone named, as the Translation Bureau and the Canadian Style write them.

French: « 7 mars 2027 à 23 h 59 (heure d'Ottawa) » (the article, « le » or « jusqu'au », is the sentence's own),
the first of the month « 1er », the hour on the hour « 9 h », never « 2027-03-07 23:59 »; English: « March 7, 2027,
11:59 p.m. (Ottawa time) », « noon » and « midnight ». The spaces inside a time are non-breaking (U+00A0): the line
never breaks between « 23 » and « h ». Machine formats (CSV, the JSON API, a ``<time datetime>`` attribute) stay
ISO 8601: ``table_time`` for a spreadsheet, the stored value for the API.

>>> from datetime import date, datetime, timezone
>>> at = datetime(2027, 3, 8, 4, 59, tzinfo=timezone.utc)
>>> [s.replace("\u00a0", " ") for s in (local_time(at, "fr"), local_time(at, "en"))]
["7 mars 2027 à 23 h 59 (heure d'Ottawa)", 'March 7, 2027, 11:59 p.m. (Ottawa time)']
>>> [clock_time(datetime(2026, 7, 1, 16, 0, tzinfo=timezone.utc), lang).replace("\u00a0", " ") for lang in ("fr", "en")]
["12 h (heure d'Ottawa)", 'noon (Ottawa time)']
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


# The zone as a sentence names it (Canada.ca: « heure d'Ottawa », "Ottawa time"): Ottawa keeps one clock, EST or EDT.
ZONE_WORDS = {"en": "(Ottawa time)", "fr": "(heure d'Ottawa)"}
_NBSP = "\u00a0"


def _clock(at: datetime, lang: str) -> str:
    """The time of day in Ottawa, no zone: « 23 h 59 », « 9 h »; "11:59 p.m.", "9:05 a.m.", "noon", "midnight"."""
    t = _local(at)
    if lang == "fr":
        return f"{t.hour}{_NBSP}h{_NBSP}{t.minute:02d}" if t.minute else f"{t.hour}{_NBSP}h"
    if t.minute == 0 and t.hour in (0, 12):
        return "midnight" if t.hour == 0 else "noon"
    return f"{(t.hour - 1) % 12 + 1}:{t.minute:02d}{_NBSP}{'a.m.' if t.hour < 12 else 'p.m.'}"


def clock_time(at: datetime, lang: str) -> str:
    """The time of day with its zone: « 14 h 05 (heure d'Ottawa) », "2:05 p.m. (Ottawa time)"."""
    return f"{_clock(at, lang)} {ZONE_WORDS['fr' if lang == 'fr' else 'en']}"


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
    """Day and time with the zone named, no seconds: « 7 mars 2027 à 23 h 59 (heure d'Ottawa) », "March 7, 2027,
    11:59 p.m. (Ottawa time)"."""
    return f"{local_day(at, lang)}{' à ' if lang == 'fr' else ', '}{clock_time(at, lang)}"


def shown_day(value: str | date | None, lang: str) -> str:
    """A calendar day (a date, or YYYY-MM-DD, or a timestamp's day in Ottawa) as people write it; anything else as
    it is.

    >>> shown_day("2027-03-01", "fr"), shown_day(date(2027, 3, 2), "en"), shown_day("2027-03-01T03:00:00Z", "en")
    ('1er mars 2027', 'March 2, 2027', 'February 28, 2027')
    >>> shown_day("soon", "fr"), shown_day(None, "fr")
    ('soon', '')
    """
    if isinstance(value, date):
        return written_day(value, lang)
    text = str(value or "")
    if len(text) > 10 and (at := from_iso(text)) is not None:
        return local_day(at, lang)
    try:
        return written_day(date.fromisoformat(text), lang)
    except ValueError:
        return text


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
