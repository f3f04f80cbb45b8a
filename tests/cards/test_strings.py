"""The string tables and formatting helpers behind every card."""

from __future__ import annotations

import string
from datetime import UTC, date, datetime, timedelta

import pytest

from app.nurturing import reasons
from app.nurturing.reasons import Reason, describe, describe_en
from cards import format as fmt
from cards.strings import all_texts, is_german, label


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("key", sorted(all_texts()))
def test_both_languages_take_the_same_placeholders(key: str) -> None:
    english, german = all_texts()[key]
    assert english.strip()
    assert german.strip()
    assert _fields(english) == _fields(german)


def test_german_reasons_cover_every_english_code_with_the_same_placeholders() -> None:
    assert reasons._GERMAN.keys() == reasons._ENGLISH.keys()
    for code, english in reasons._ENGLISH.items():
        assert _fields(reasons._GERMAN[code]) == _fields(english), code


def test_describe_picks_german_for_de_locales_and_translates_stages() -> None:
    reason = Reason("cadence", {"stage": "evaluation", "days": 7})
    assert describe(reason, "de-CH") == "regelmäßiger Kontakt in der Phase Evaluierung, alle 7 Tage"
    assert describe(reason, "en-GB") == describe_en(reason) == "regular evaluation touch, every 7 days"
    assert describe(reason, "fr-FR") == describe_en(reason)
    assert describe(Reason("unknown_code"), "de") == "unknown_code"
    assert describe(Reason("pricing_views", {"count": 3}), "de") == "pricing_views"


@pytest.mark.parametrize(
    ("locale", "german"), [("de", True), ("de-DE", True), ("DE-at", True), ("en-US", False)]
)
def test_is_german(locale: str, german: bool) -> None:
    assert is_german(locale) is german


def test_unknown_codes_show_as_themselves() -> None:
    assert label("de", "stage", "decision") == "Entscheidung"
    assert label("de", "stage", "negotiation") == "negotiation"


def test_day_formats() -> None:
    assert fmt.day(date(2026, 3, 10), "en") == "Tue 10 Mar"
    assert fmt.day(date(2026, 3, 10), "de") == "Di., 10.03."


def test_naive_datetimes_are_taken_as_utc() -> None:
    assert fmt.day_time(datetime(2026, 7, 1, 12, 0), "Europe/Berlin", "de") == "Mi., 01.07. 14:00"
    assert fmt.day_time(datetime(2026, 7, 1, 12, 0, tzinfo=UTC), None, "en") == "Wed 1 Jul, 12:00"


@pytest.mark.parametrize(
    ("share", "locale", "expected"),
    [
        (0.25, "en", "25%"),
        (0.0512, "en", "5.1%"),
        (1.0, "de", "100\u00a0%"),
        (0.405, "de", "41\u00a0%"),
        (0.0125, "de", "1,3\u00a0%"),
        (None, "en", "–"),
    ],
)
def test_percent(share: float | None, locale: str, expected: str) -> None:
    assert fmt.percent(share, locale) == expected


def test_ago_and_hours() -> None:
    now = datetime(2026, 3, 10, 13, 0, tzinfo=UTC)
    assert fmt.ago(now - timedelta(days=1, hours=2), now, "en") == "1\u00a0day ago"
    assert fmt.ago(now - timedelta(minutes=30), now, "de") == "vor 30\u00a0Min."
    assert fmt.ago(now + timedelta(hours=1), now, "en") == "just now"
    assert fmt.hours(72, "de") == "3\u00a0Tage"
    assert fmt.hours(24.0, "en") == "24\u00a0h"
