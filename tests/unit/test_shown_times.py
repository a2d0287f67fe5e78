"""Dates and times as the Translation Bureau and the Canadian Style write them, from one module
(chalicelib/domain/localtime.py): « le 7 mars 2027 à 23 h 59 (heure d'Ottawa) », "March 7, 2027, 11:59 p.m. (Ottawa
time)", never « 2027-03-07 23:59 » where a person reads; machine formats (CSV) stay ISO 8601."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from chalicelib.domain import emails
from chalicelib.domain.bulletins import Bulletin
from chalicelib.domain.localtime import clock_time, local_time, shown_day, table_time, written_day
from chalicelib.services.bulletins import deadline_text

NBSP = "\u00a0"


def _call(closes_at: str) -> Bulletin:
    return Bulletin.from_dict({
        "bulletin_id": "haiti-2027", "mission_id": "haiti-minustah", "positions": 4,
        "opens_at": "2027-01-04T09:00:00-05:00", "closes_at": closes_at, "expected_start": None,
        "title": {"en": "Call", "fr": "Appel"}, "description": {"en": "A call.", "fr": "Un appel."},
        "contact": {"name": {"en": "IRSS", "fr": "RPSI"}, "email": "peacekeeping@rcmp-grc.gc.ca"}, "criteria": {}})


def plain(text: str) -> str:
    return text.replace(NBSP, " ")


def test_a_calls_deadline_reads_as_the_bureau_and_the_canadian_style_write_it() -> None:
    # Given a call that closes at 23:59 in Ottawa on 7 March 2027
    call = _call("2027-03-07T23:59:00-05:00")
    # When its deadline is written in each language
    fr, en = deadline_text(call, "fr"), deadline_text(call, "en")
    # Then French reads « 7 mars 2027 à 23 h 59 (heure d'Ottawa) », its spaces inside the time non-breaking, and
    # English "March 7, 2027, 11:59 p.m. (Ottawa time)"
    assert fr == f"7 mars 2027 à 23{NBSP}h{NBSP}59 (heure d'Ottawa)"
    assert en == f"March 7, 2027, 11:59{NBSP}p.m. (Ottawa time)"
    assert "2027-03-07" not in fr + en and "23:59" not in fr + en


def test_the_deadline_sits_in_its_sentence_in_an_email() -> None:
    # Given the email that tells a draft's holder the call's deadline moved
    call = _call("2027-03-07T23:59:00-05:00")
    params = {"reference": "PO-ABCD", "mission": "Haïti\u00a0: MINUSTAH", "status_url": "https://x.test/s",
              "access_url": "https://x.test/a", "draft_url": "https://x.test/d"}
    # When it is rendered in each language
    _, fr, _ = emails.render("draft_deadline_extended", "fr", {**params, "deadline": deadline_text(call, "fr")})
    _, en, _ = emails.render("draft_deadline_extended", "en", {**params, "deadline": deadline_text(call, "en")})
    # Then the sentence reads as the Bureau writes it
    assert "se termine maintenant le 7 mars 2027 à 23 h 59 (heure d'Ottawa)" in plain(fr)
    assert "now closes on March 7, 2027, 11:59 p.m. (Ottawa time)" in plain(en)


@pytest.mark.parametrize("utc, fr, en", [
    ("2027-03-08T04:59:00Z", "7 mars 2027 à 23 h 59 (heure d'Ottawa)", "March 7, 2027, 11:59 p.m. (Ottawa time)"),
    ("2027-07-01T13:00:00Z", "1er juillet 2027 à 9 h (heure d'Ottawa)", "July 1, 2027, 9:00 a.m. (Ottawa time)"),
    ("2027-07-01T16:00:00Z", "1er juillet 2027 à 12 h (heure d'Ottawa)", "July 1, 2027, noon (Ottawa time)"),
    ("2027-01-15T05:00:00Z", "15 janvier 2027 à 0 h (heure d'Ottawa)", "January 15, 2027, midnight (Ottawa time)"),
    ("2027-01-15T17:05:00Z", "15 janvier 2027 à 12 h 05 (heure d'Ottawa)", "January 15, 2027, 12:05 p.m. (Ottawa time)"),
])
def test_times_of_day_in_ottawa_as_each_language_writes_them(utc: str, fr: str, en: str) -> None:
    at = datetime.fromisoformat(utc.replace("Z", "+00:00"))
    assert (plain(local_time(at, "fr")), plain(local_time(at, "en"))) == (fr, en)


def test_a_day_a_clock_and_a_spreadsheet_cell() -> None:
    at = datetime(2027, 3, 8, 4, 59, tzinfo=timezone.utc)
    assert plain(clock_time(at, "fr")) == "23 h 59 (heure d'Ottawa)" and plain(clock_time(at, "en")) == "11:59 p.m. (Ottawa time)"
    assert written_day(date(2027, 3, 1), "fr") == "1er mars 2027" and shown_day("2027-06-02", "en") == "June 2, 2027"
    assert table_time(at, "fr") == "2027-03-07 23:59 HNE"  # a spreadsheet's cell stays sortable, ISO 8601
