"""Hypothesis strategies for the engine's inputs."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from hypothesis import strategies as st

from app.nurturing.calendar import WorkingHours
from app.nurturing.enums import EventKind
from app.nurturing.scoring import LeadFacts, Signal

ZONES = ["UTC", "Europe/Berlin", "Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"]
# Around DST changes in Europe and North America, where naive calendar code breaks.
DST_DAYS = [
    datetime(2026, 3, 8, tzinfo=UTC),
    datetime(2026, 3, 29, tzinfo=UTC),
    datetime(2026, 10, 25, tzinfo=UTC),
]

instants = st.one_of(
    st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)),
    st.builds(
        lambda day, minutes: day + timedelta(minutes=minutes),
        st.sampled_from(DST_DAYS),
        st.integers(min_value=-3 * 24 * 60, max_value=3 * 24 * 60),
    ),
)


@st.composite
def working_hours(draw: st.DrawFn) -> WorkingHours:
    start_hour = draw(st.integers(min_value=0, max_value=22))
    start_minute = draw(st.sampled_from([0, 15, 30, 45]))
    end_hour = draw(st.integers(min_value=start_hour + 1, max_value=23))
    workdays = draw(st.frozensets(st.integers(min_value=0, max_value=6), min_size=1))
    return WorkingHours(
        time_zone=draw(st.sampled_from(ZONES)),
        start=time(start_hour, start_minute),
        end=time(end_hour, draw(st.sampled_from([0, 30, 59]))),
        workdays=workdays,
    )


KINDS = [kind.value for kind in EventKind]


def signals_before(now: datetime, max_size: int = 25) -> st.SearchStrategy[list[Signal]]:
    """Signals in the 120 days up to ``now``."""
    return st.lists(
        st.builds(
            lambda kind, age, content_kind: Signal(
                kind=kind, occurred_at=now - timedelta(minutes=age), properties={"content_kind": content_kind}
            ),
            st.sampled_from(KINDS),
            st.integers(min_value=0, max_value=120 * 24 * 60),
            st.sampled_from(["guide", "comparison", "case_study"]),
        ),
        max_size=max_size,
    )


facts = st.builds(
    lambda email, country, industry, employees, title, persona: LeadFacts(
        email=email,
        properties={
            "country": country,
            "industry": industry,
            "employees": employees,
            "title": title,
            "persona": persona,
        },
    ),
    st.sampled_from(["a@kunde.example", "b@uni.edu", "c@rival.example"]),
    st.sampled_from(["DE", "FR", "US", "gb"]),
    st.sampled_from(["manufacturing", "retail", "Software"]),
    st.one_of(st.integers(min_value=0, max_value=20000), st.just("n/a")),
    st.sampled_from(["CTO", "Werkleiter", "Student assistant", "Analyst"]),
    st.sampled_from(["executive", "student", "it_leader", "other"]),
)
