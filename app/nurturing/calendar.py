"""Working time in an owner's time zone: every due time and SLA clock is measured in it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# Far enough to cross any holiday-free calendar; a loop that runs longer means the hours are unusable.
_MAX_DAYS = 3700


def require_aware(at: datetime) -> datetime:
    """Refuse naive datetimes: the engine cannot guess a time zone."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("naive datetime: pass an aware UTC datetime")
    return at


def zone_named(name: str) -> ZoneInfo:
    """The IANA zone of that name; ValueError for anything else, a folder of the database included.

    The one check every time zone a user or Graph hands us goes through."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as error:
        # "Europe" names a folder of the tz database: zoneinfo raises IsADirectoryError for it, and
        # a file that is no zone (zone.tab) raises ValueError.
        raise ValueError(f"unknown time zone {name!r}") from error


@dataclass(frozen=True, slots=True)
class WorkingHours:
    time_zone: str = "UTC"
    start: time = time(9, 0)
    end: time = time(17, 0)
    workdays: frozenset[int] = field(default_factory=lambda: frozenset({0, 1, 2, 3, 4}))  # Monday = 0

    def __post_init__(self) -> None:
        zone_named(self.time_zone)
        if not self.start < self.end:
            raise ValueError("working hours must start before they end")
        if not self.workdays or not set(self.workdays) <= set(range(7)):
            raise ValueError("workdays must be a non-empty subset of 0..6")
        object.__setattr__(self, "workdays", frozenset(self.workdays))

    @property
    def zone(self) -> ZoneInfo:
        """The owner's time zone."""
        return ZoneInfo(self.time_zone)


def _local_date(wh: WorkingHours, at: datetime) -> date:
    return require_aware(at).astimezone(wh.zone).date()


def _window(wh: WorkingHours, day: date) -> tuple[datetime, datetime] | None:
    """The working window of one local day as UTC instants, or None on a day off.

    Converting through UTC resolves wall times that a DST change skips or repeats."""
    if day.weekday() not in wh.workdays:
        return None
    start = datetime.combine(day, wh.start, tzinfo=wh.zone).astimezone(UTC)
    end = datetime.combine(day, wh.end, tzinfo=wh.zone).astimezone(UTC)
    return (start, end) if start < end else None


def is_working_time(wh: WorkingHours, at: datetime) -> bool:
    """Whether ``at`` falls inside the owner's working hours on a workday."""
    window = _window(wh, _local_date(wh, at))
    return window is not None and window[0] <= at < window[1]


def align_to_working_hours(wh: WorkingHours, at: datetime) -> datetime:
    """``at`` itself when it is working time, else the start of the next working window (UTC)."""
    day = _local_date(wh, at)
    for offset in range(_MAX_DAYS):
        window = _window(wh, day + timedelta(days=offset))
        if window is not None and at < window[1]:
            return max(at, window[0]).astimezone(UTC)
    raise ValueError("no working time found")


def add_business_hours(wh: WorkingHours, start: datetime, hours: float) -> datetime:
    """The working-time instant ``hours`` of working time after ``start``."""
    remaining = timedelta(hours=max(hours, 0.0))
    current = align_to_working_hours(wh, start)
    for _ in range(_MAX_DAYS):
        window = _window(wh, _local_date(wh, current))
        assert window is not None  # current is working time
        available = window[1] - current
        if remaining < available:
            return current + remaining
        remaining -= available
        current = align_to_working_hours(wh, window[1])
    raise ValueError("business hours exceed the calendar")


def business_hours_between(wh: WorkingHours, start: datetime, end: datetime) -> float:
    """Working hours elapsed from ``start`` to ``end`` (0 when end is not after start)."""
    require_aware(start)
    if require_aware(end) <= start:
        return 0.0
    total = timedelta()
    day = _local_date(wh, start)
    last = _local_date(wh, end)
    while day <= last:
        window = _window(wh, day)
        if window is not None:
            overlap = min(end, window[1]) - max(start, window[0])
            if overlap > timedelta():
                total += overlap
        day += timedelta(days=1)
    return total.total_seconds() / 3600


def next_business_day_at(wh: WorkingHours, at: datetime, local_time: time | None = None) -> datetime:
    """The next workday after ``at``'s local date, at ``local_time`` (default: the start of work), in UTC."""
    day = _local_date(wh, at) + timedelta(days=1)
    while day.weekday() not in wh.workdays:
        day += timedelta(days=1)
    moment = datetime.combine(day, local_time or wh.start, tzinfo=wh.zone).astimezone(UTC)
    return align_to_working_hours(wh, moment)
