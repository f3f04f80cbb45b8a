"""Working time: DST, weekends and business-hour arithmetic."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.nurturing.calendar import (
    WorkingHours,
    add_business_hours,
    align_to_working_hours,
    business_hours_between,
    is_working_time,
    next_business_day_at,
)
from tests.nurturing.strategies import instants, working_hours

BERLIN = WorkingHours(time_zone="Europe/Berlin")


def test_friday_evening_aligns_to_monday_morning() -> None:
    friday_evening = datetime(2026, 3, 13, 17, 0, tzinfo=UTC)  # 18:00 in Berlin
    assert align_to_working_hours(BERLIN, friday_evening) == datetime(2026, 3, 16, 8, 0, tzinfo=UTC)


def test_working_time_is_kept_as_is() -> None:
    tuesday = datetime(2026, 3, 10, 10, 15, tzinfo=UTC)
    assert is_working_time(BERLIN, tuesday)
    assert align_to_working_hours(BERLIN, tuesday) == tuesday


def test_the_start_follows_daylight_saving_time() -> None:
    # Europe moves to summer time on 29 March 2026: 09:00 in Berlin is 08:00 UTC before, 07:00 UTC after.
    assert align_to_working_hours(BERLIN, datetime(2026, 3, 27, 5, tzinfo=UTC)).hour == 8
    assert align_to_working_hours(BERLIN, datetime(2026, 3, 30, 5, tzinfo=UTC)).hour == 7


def test_business_hours_skip_nights_and_weekends() -> None:
    friday_3pm = datetime(2026, 3, 13, 14, 0, tzinfo=UTC)  # 15:00 in Berlin
    assert add_business_hours(BERLIN, friday_3pm, 4) == datetime(2026, 3, 16, 10, 0, tzinfo=UTC)
    assert business_hours_between(BERLIN, friday_3pm, datetime(2026, 3, 16, 10, 0, tzinfo=UTC)) == 4.0
    assert business_hours_between(BERLIN, friday_3pm, friday_3pm - timedelta(hours=1)) == 0.0


def test_next_business_day_at_a_chosen_time() -> None:
    friday = datetime(2026, 3, 13, 10, tzinfo=UTC)
    assert next_business_day_at(BERLIN, friday) == datetime(2026, 3, 16, 8, 0, tzinfo=UTC)
    assert next_business_day_at(BERLIN, friday, time(14, 30)) == datetime(2026, 3, 16, 13, 30, tzinfo=UTC)


def test_bad_hours_and_naive_times_are_refused() -> None:
    with pytest.raises(ValueError):
        WorkingHours(start=time(17), end=time(9))
    with pytest.raises(ValueError):
        WorkingHours(workdays=frozenset())
    with pytest.raises(ValueError):
        WorkingHours(workdays=frozenset({7}))
    with pytest.raises(ValueError, match="time zone"):
        WorkingHours(time_zone="Mars/Olympus")
    with pytest.raises(ValueError, match="naive"):
        align_to_working_hours(BERLIN, datetime(2026, 3, 10, 10))


@settings(max_examples=300, deadline=None)
@given(working_hours(), instants)
def test_alignment_always_lands_in_working_time_and_never_earlier(hours: WorkingHours, at: datetime) -> None:
    aligned = align_to_working_hours(hours, at)
    assert aligned >= at
    assert is_working_time(hours, aligned)
    assert aligned.astimezone(hours.zone).weekday() in hours.workdays


@settings(max_examples=200, deadline=None)
@given(working_hours(), instants, st.floats(min_value=0, max_value=60))
def test_adding_business_hours_round_trips(hours: WorkingHours, at: datetime, amount: float) -> None:
    later = add_business_hours(hours, at, amount)
    assert is_working_time(hours, later)
    assert business_hours_between(hours, at, later) == pytest.approx(amount, abs=1e-6)


@pytest.mark.parametrize("name", ["Europe", "America", "Etc", "Europe/", "../etc/passwd", "", "zone.tab"])
def test_a_folder_or_a_file_of_the_zone_database_is_no_time_zone(name: str) -> None:
    # "Europe" is a directory of the tz database: zoneinfo raises IsADirectoryError, not ValueError.
    with pytest.raises(ValueError, match="time zone"):
        WorkingHours(time_zone=name)
    assert WorkingHours(time_zone="Europe/Vienna").zone.key == "Europe/Vienna"
