"""Limits every request model states, so a refused value is refused before any session is opened.

Strings are held to the length of the column they are stored in; maps and lists to sizes a person or a
marketing tool really sends. Moments are held to ranges that make sense for what they mean; ranges that
depend on the current time read it from the validation context (``{"now": ...}``) that transports pass."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from pydantic import Field, StringConstraints, ValidationInfo

MAP_KEYS = 50  # properties of one event, custom fields of one lead
MAP_KEY_CHARS = 60
MAP_TEXT_CHARS = 2000
LIST_ITEMS = 50
TOPIC_CHARS = 80
LONG_TEXT_CHARS = 20_000  # free text stored in TEXT columns (needs, notes, summaries)

EVENT_PAST = timedelta(days=5 * 365 + 1)  # engagement older than five years says nothing today
EVENT_AHEAD = timedelta(days=1)  # clocks differ; a day is plenty
FOLLOW_UP_AHEAD = timedelta(days=2 * 365 + 1)
RECYCLE_AHEAD = timedelta(days=5 * 365 + 2)  # a contract's end or a budget round, as sales names it
REPORT_PAST = timedelta(days=10 * 365 + 2)  # how far back a pipeline report may start

MapKey = Annotated[str, StringConstraints(min_length=1, max_length=MAP_KEY_CHARS)]
MapText = Annotated[str, StringConstraints(max_length=MAP_TEXT_CHARS)]
FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]
Scalar = MapText | bool | int | FiniteFloat
ScalarMap = Annotated[dict[MapKey, Scalar], Field(max_length=MAP_KEYS)]
NullableScalarMap = Annotated[dict[MapKey, Scalar | None], Field(max_length=MAP_KEYS)]
Topics = Annotated[
    list[Annotated[str, StringConstraints(max_length=TOPIC_CHARS)]], Field(max_length=LIST_ITEMS)
]


def now_of(info: ValidationInfo) -> datetime | None:
    """The request's moment, when the transport passed one."""
    context = info.context if isinstance(info.context, dict) else {}
    now = context.get("now")
    return now if isinstance(now, datetime) else None


def in_utc(value: datetime, name: str) -> datetime:
    """An aware moment in UTC; a naive one, or one whose UTC falls outside the calendar, is refused."""
    if value.tzinfo is None:
        raise ValueError(f"{name} needs a time zone offset")
    try:
        return value.astimezone(UTC)
    except OverflowError as error:
        raise ValueError(f"{name} is out of range") from error


def within(value: datetime, *, earliest: datetime, latest: datetime, name: str, what: str) -> datetime:
    """``value`` if it lies in [earliest, latest]; otherwise a ValueError that says the range in words."""
    if not earliest <= value <= latest:
        raise ValueError(f"{name} must lie {what}")
    return value


def day_within(value: date, *, today: date, ahead: timedelta, name: str, what: str) -> date:
    """A day no earlier than yesterday (time zones) and no later than ``ahead`` from today."""
    if not today - timedelta(days=1) <= value <= today + ahead:
        raise ValueError(f"{name} must lie {what}")
    return value
