"""Locale-aware formatting of times, durations and numbers, with the time zone always passed in."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cards.strings import is_german

_DAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_DAYS_DE = ("Mo.", "Di.", "Mi.", "Do.", "Fr.", "Sa.", "So.")
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def zone(name: str | None) -> tzinfo:
    """The named IANA zone; a missing or unknown name falls back to UTC rather than failing the card."""
    if not name:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def _aware(moment: datetime) -> datetime:
    # The database layer hands out UTC; a naive value is taken as UTC instead of the server's local zone.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def local(moment: datetime, time_zone: str | None) -> datetime:
    """``moment`` converted to the given zone."""
    return _aware(moment).astimezone(zone(time_zone))


def day(value: date, locale: str) -> str:
    """A short day: ``Tue 10 Mar`` or ``Di., 10.03.``."""
    if is_german(locale):
        return f"{_DAYS_DE[value.weekday()]}, {value.day:02d}.{value.month:02d}."
    return f"{_DAYS_EN[value.weekday()]} {value.day} {_MONTHS_EN[value.month - 1]}"


def long_day(value: date, locale: str) -> str:
    """A day with its year, for dates months ahead: ``10 Mar 2027`` or ``10.03.2027``."""
    if is_german(locale):
        return f"{value.day:02d}.{value.month:02d}.{value.year}"
    return f"{value.day} {_MONTHS_EN[value.month - 1]} {value.year}"


def day_time(moment: datetime, time_zone: str | None, locale: str) -> str:
    """Day and time in the zone: ``Tue 10 Mar, 14:00`` or ``Di., 10.03. 14:00``."""
    when = local(moment, time_zone)
    separator = " " if is_german(locale) else ", "
    return f"{day(when.date(), locale)}{separator}{when:%H:%M}"


def time_of_day(moment: datetime, time_zone: str | None) -> str:
    """``14:00`` in the zone."""
    return f"{local(moment, time_zone):%H:%M}"


def iso_date(moment: datetime, time_zone: str | None) -> str:
    """``YYYY-MM-DD`` in the zone, the value format of Input.Date."""
    return local(moment, time_zone).date().isoformat()


def number(value: float, locale: str, digits: int = 1) -> str:
    """A number with a decimal comma in German; whole numbers lose the fraction."""
    # Half-up, as people round: Python's round() would show 40.5 % as 40 %.
    rounded = Decimal(repr(value)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    text = str(int(rounded)) if rounded == rounded.to_integral_value() else str(rounded)
    return text.replace(".", ",") if is_german(locale) else text


def percent(share: float | None, locale: str) -> str:
    """A share between 0 and 1 as ``42%`` (English) or ``42 %`` (German); None shows a dash."""
    if share is None:
        return "–"
    value = number(share * 100, locale, 0 if share * 100 >= 10 else 1)
    return f"{value}\u00a0%" if is_german(locale) else f"{value}%"


def hours(value: float, locale: str) -> str:
    """A duration in hours, switching to days from two days on: ``6.5 h``, ``3 days``."""
    german = is_german(locale)
    if value < 48:
        return f"{number(value, locale)}\u00a0{'Std.' if german else 'h'}"
    days = value / 24
    unit = ("Tage" if german else "days") if round(days, 1) != 1 else ("Tag" if german else "day")
    return f"{number(days, locale)}\u00a0{unit}"


def duration(delta: timedelta, locale: str) -> str:
    """A coarse positive duration: minutes, hours or days."""
    german = is_german(locale)
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 3600:
        count, unit = max(1, seconds // 60), ("Min." if german else "min")
        return f"{count}\u00a0{unit}"
    if seconds < 86400:
        count = seconds // 3600
        unit = ("Stunde" if count == 1 else "Stunden") if german else ("hour" if count == 1 else "hours")
        return f"{count}\u00a0{unit}"
    count = seconds // 86400
    if german:
        # "seit 2 Tagen", "vor 2 Tagen": German takes the dative after both prepositions.
        return f"{count}\u00a0{'Tag' if count == 1 else 'Tagen'}"
    return f"{count}\u00a0{'day' if count == 1 else 'days'}"


def ago(moment: datetime, now: datetime, locale: str) -> str:
    """How long ago: ``3 days ago`` or ``vor 3 Tagen``; the future counts as now."""
    delta = _aware(now) - _aware(moment)
    if delta < timedelta(minutes=1):
        return "gerade eben" if is_german(locale) else "just now"
    span = duration(delta, locale)
    if is_german(locale):
        # Dative plural of Stunde is unchanged; Tag was already put in the dative by duration().
        return f"vor {span}"
    return f"{span} ago"
