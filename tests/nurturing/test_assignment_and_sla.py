"""Round-robin by capacity, routing rules, and the speed-to-lead clock."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.nurturing.assignment import (
    Candidate,
    RoutingFallback,
    RoutingRule,
    distribute,
    eligible,
    pick_round_robin,
    route,
)
from app.nurturing.calendar import WorkingHours
from app.nurturing.enums import Lifecycle
from app.nurturing.sla import SlaAction, SlaPolicy, speed_to_lead

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def _rep(
    name: str,
    *,
    capacity: int = 10,
    load: int = 0,
    active: bool = True,
    away: datetime | None = None,
    last: datetime | None = None,
) -> Candidate:
    return Candidate(name, "team", active, away, capacity, load, last)


def test_eligibility() -> None:
    assert eligible(_rep("a"), NOW)
    assert not eligible(_rep("a", active=False), NOW)
    assert not eligible(_rep("a", away=NOW + timedelta(hours=1)), NOW)
    assert eligible(_rep("a", away=NOW - timedelta(hours=1)), NOW), "back from holiday"
    assert not eligible(_rep("a", capacity=5, load=5), NOW)
    assert not eligible(_rep("a", capacity=0), NOW)


def test_round_robin_prefers_free_capacity_then_who_waited_longest() -> None:
    big = _rep("big", capacity=20, load=5)
    small = _rep("small", capacity=5, load=2)
    assert pick_round_robin([big, small], NOW) == big
    waited = _rep("waited", load=1, last=NOW - timedelta(days=2))
    recent = _rep("recent", load=1, last=NOW - timedelta(hours=1))
    assert pick_round_robin([recent, waited], NOW) == waited
    assert pick_round_robin([_rep("x", active=False)], NOW) is None


def test_distribution_is_weighted_by_capacity() -> None:
    plan = distribute([f"l{i}" for i in range(30)], [_rep("a", capacity=20), _rep("b", capacity=10)], NOW)
    assert Counter(plan.values()) == {"a": 20, "b": 10}


@settings(max_examples=200, deadline=None)
@given(
    st.integers(min_value=0, max_value=80),
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=15),
            st.integers(min_value=0, max_value=10),
            st.booleans(),
            st.booleans(),
        ),
        min_size=1,
        max_size=6,
    ),
)
def test_distribution_respects_capacity_and_availability(
    leads: int, reps: list[tuple[int, int, bool, bool]]
) -> None:
    candidates = [
        _rep(
            f"r{i}",
            capacity=cap,
            load=min(load, cap),
            active=active,
            away=NOW + timedelta(days=1) if away else None,
        )
        for i, (cap, load, active, away) in enumerate(reps)
    ]
    plan = distribute([f"l{i}" for i in range(leads)], candidates, NOW)
    given_out = Counter(plan.values())
    room = 0
    for c in candidates:
        if not eligible(c, NOW):
            assert given_out[c.member_id] == 0
        else:
            assert c.open_leads + given_out[c.member_id] <= c.capacity
            room += c.capacity - c.open_leads
    assert len(plan) == min(leads, room), "nobody with room is skipped while leads wait"


def test_equal_capacities_stay_within_one() -> None:
    plan = distribute([f"l{i}" for i in range(10)], [_rep("a"), _rep("b"), _rep("c")], NOW)
    counts = Counter(plan.values())
    assert max(counts.values()) - min(counts.values()) <= 1 and sum(counts.values()) == 10


def test_a_lead_listed_twice_takes_one_place_in_capacity() -> None:
    plan = distribute(["x", "x", "y"], [_rep("a", capacity=2)], NOW)
    assert plan == {"x": "a", "y": "a"}


def test_ties_go_to_who_waited_longest_then_by_name_never_by_id() -> None:
    # Member ids are random uuids: a tie must not depend on them.
    anna = Candidate("ffff", "team", True, None, 10, 3, None, name="Anna Rep")
    ben = Candidate("0000", "team", True, None, 10, 3, None, name="ben Rep")
    assert pick_round_robin([ben, anna], NOW) == anna
    assert pick_round_robin([anna, ben], NOW) == anna
    waited = Candidate("0001", "team", True, None, 10, 3, NOW - timedelta(days=3), name="Zoe Rep")
    recent = Candidate("0002", "team", True, None, 10, 3, NOW - timedelta(days=1), name="Adam Rep")
    assert pick_round_robin([recent, waited], NOW) == waited
    plan = distribute(["l1", "l2", "l3", "l4"], [ben, anna], NOW)
    assert plan == {"l1": "ffff", "l2": "0000", "l3": "ffff", "l4": "0000"}


def test_a_routing_fallback_is_a_team_or_a_member() -> None:
    assert RoutingFallback(team_id="t").member_id is None
    with pytest.raises(ValueError):
        RoutingFallback()
    with pytest.raises(ValueError):
        RoutingFallback(team_id="t", member_id="m")


def test_routing_takes_the_first_matching_rule_by_priority() -> None:
    rules = [
        RoutingRule("z-source", 5, "source", frozenset({"Trade_Fair"}), "events"),
        RoutingRule("a-dach", 10, "country", frozenset({"DE", "AT", "CH"}), "dach"),
        RoutingRule("b-mfg", 10, "industry", frozenset({"manufacturing"}), "industry"),
    ]
    assert route(rules, {"country": "de"}).team_id == "dach"  # type: ignore[union-attr]
    assert route(rules, {"country": "DE", "source": "trade_fair"}).team_id == "events"  # type: ignore[union-attr]
    assert route(rules, {"country": "DE", "industry": "Manufacturing"}).id == "a-dach"  # type: ignore[union-attr]
    assert route(rules, {"country": "FR"}) is None


def test_speed_to_lead_nudges_then_escalates_in_business_hours() -> None:
    hours = WorkingHours(time_zone="Europe/Berlin")
    policy = SlaPolicy(nudge_after_business_hours=4, escalate_after_business_hours=8)
    friday_3pm = datetime(2026, 3, 13, 14, 0, tzinfo=UTC)

    def action(
        after: timedelta, first_touch: datetime | None = None, lifecycle: Lifecycle = Lifecycle.MQL
    ) -> SlaAction:
        return speed_to_lead(
            policy,
            lifecycle=lifecycle,
            mql_at=friday_3pm,
            first_touch_at=first_touch,
            wh=hours,
            now=friday_3pm + after,
        )

    assert action(timedelta(hours=1)) is SlaAction.NONE
    assert action(timedelta(days=2)) is SlaAction.NONE, "the weekend does not count"
    assert action(timedelta(days=3, hours=-4)) is SlaAction.NUDGE  # Monday 11:00: 2 + 2 hours
    assert action(timedelta(days=3, hours=2)) is SlaAction.ESCALATE  # Monday 17:00 reached
    assert action(timedelta(days=4), first_touch=friday_3pm + timedelta(hours=1)) is SlaAction.NONE
    assert action(timedelta(days=4), first_touch=friday_3pm - timedelta(days=9)) is SlaAction.ESCALATE
    assert action(timedelta(days=4), lifecycle=Lifecycle.SAL) is SlaAction.NONE
