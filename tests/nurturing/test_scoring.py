"""Scoring: fit, decaying engagement, negatives, and an explanation that always adds up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.nurturing.scoring import (
    BehaviourRule,
    FitRule,
    LeadFacts,
    NegativeRule,
    Score,
    ScoringModel,
    Signal,
    default_scoring_model,
    engagement_score,
    engagement_trend,
    fit_rule_matches,
    score_lead,
)
from tests.nurturing.strategies import facts, signals_before

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
MODEL = default_scoring_model()


def _signal(kind: str, days_ago: float, **properties: str) -> Signal:
    return Signal(kind=kind, occurred_at=NOW - timedelta(days=days_ago), properties=properties)


def test_fit_rules_match_by_operator() -> None:
    lead = LeadFacts(
        email="jana@werk.example",
        properties={
            "employees": "1200",
            "industry": "Manufacturing",
            "country": "DE",
            "title": "Head of Ops",
        },
    )
    score = score_lead(MODEL, lead, [], NOW)
    assert {c.rule_id: c.points for c in score.contributions} == {
        "size_mid": 10,
        "size_large": 5,
        "icp_industry": 15,
        "icp_country": 10,
        "decision_maker": 10,
    }
    assert (score.fit, score.engagement, score.total) == (50, 0, 50)


def test_unparsable_numbers_and_missing_properties_match_nothing() -> None:
    rules = (
        FitRule("big", "big", "employees", "gte", 50, 10),
        FitRule("not_fr", "not French", "country", "neq", "FR", 3),
        FitRule("any", "has phone", "phone", "exists", None, 1),
    )
    model = ScoringModel(fit_rules=rules, behaviour_rules=(), negative_rules=())
    assert score_lead(model, LeadFacts("a@b.example", {"employees": "many"}), [], NOW).total == 0
    assert score_lead(model, LeadFacts("a@b.example", {"country": "de", "phone": "+49"}), [], NOW).total == 4


def test_engagement_decays_by_half_life_and_is_capped_per_rule() -> None:
    model = ScoringModel(
        fit_rules=(),
        behaviour_rules=(BehaviourRule("pricing", "pricing", "pricing_view", 10, 25, half_life_days=7),),
        negative_rules=(),
    )
    lead = LeadFacts("a@b.example")
    assert score_lead(model, lead, [_signal("pricing_view", 0)], NOW).engagement == 10
    assert score_lead(model, lead, [_signal("pricing_view", 7)], NOW).engagement == 5
    assert score_lead(model, lead, [_signal("pricing_view", 14)], NOW).engagement == 2  # 2.5 floored
    assert score_lead(model, lead, [_signal("pricing_view", 0)] * 5, NOW).engagement == 25
    assert score_lead(model, lead, [_signal("pricing_view", -1)], NOW).engagement == 0, (
        "future signals ignored"
    )


def test_a_property_filter_narrows_a_behaviour_rule() -> None:
    model = ScoringModel(
        fit_rules=(),
        behaviour_rules=(
            BehaviourRule(
                "contact", "contact form", "form_submit", 20, 20, 30, property_filter={"form": "contact"}
            ),
        ),
        negative_rules=(),
    )
    lead = LeadFacts("a@b.example")
    assert score_lead(model, lead, [_signal("form_submit", 0, form="newsletter")], NOW).total == 0
    assert score_lead(model, lead, [_signal("form_submit", 0, form="contact")], NOW).total == 20


def test_negative_signals_subtract() -> None:
    model = ScoringModel(
        fit_rules=(FitRule("all", "everyone", "country", "exists", None, 50),),
        behaviour_rules=(BehaviourRule("reads", "reads", "page_view", 10, 40, 1000),),
        negative_rules=(
            NegativeRule("unsub", "unsubscribed", "unsubscribed", -30),
            NegativeRule("bounce", "bounced", "bounced", -20),
            NegativeRule("rival", "competitor", "competitor", -50),
            NegativeRule("student", "student", "student", -40),
        ),
        competitor_domains=frozenset({"rival.example"}),
    )
    plain = LeadFacts("a@kunde.example", {"country": "DE"})
    reading = [_signal("page_view", 0) for _ in range(4)]
    assert score_lead(model, plain, reading, NOW).total == 90
    assert score_lead(model, plain, [*reading, _signal("unsubscribed", 3)], NOW).total == 60
    bounced = LeadFacts("a@kunde.example", {"country": "DE", "bounced": True})
    assert score_lead(model, bounced, reading, NOW).total == 70
    assert score_lead(model, LeadFacts("x@rival.example", {"country": "DE"}), [], NOW).fit == 0
    assert score_lead(model, LeadFacts("x@mit.edu", {"country": "US"}), [], NOW).fit == 10


def test_each_part_is_capped_before_its_penalties_and_never_below_zero() -> None:
    model = ScoringModel(
        fit_rules=(FitRule("all", "everyone", "country", "exists", None, 80),),
        behaviour_rules=(BehaviourRule("reads", "reads", "page_view", 30, 90, 1000),),
        negative_rules=(NegativeRule("unsub", "unsubscribed", "unsubscribed", -30),),
        fit_max=40,
        engagement_max=60,
    )
    lead = LeadFacts("a@kunde.example", {"country": "DE"})
    score = score_lead(model, lead, [_signal("page_view", 0) for _ in range(3)], NOW)
    assert (score.fit, score.engagement) == (40, 60)
    assert {c.rule_id: c.points for c in score.contributions} == {
        "all": 80,
        "reads": 90,
        "fit_cap": -40,
        "engagement_cap": -30,
    }
    # 90 earned, capped to 60, minus 30: the penalty still bites a lead far above the cap.
    penalised = score_lead(model, lead, [*[_signal("page_view", 0)] * 3, _signal("unsubscribed", 0)], NOW)
    assert penalised.engagement == 30
    silent = score_lead(model, lead, [_signal("unsubscribed", 0)], NOW)
    assert silent.engagement == 0
    assert [c.rule_id for c in silent.contributions if c.category == "engagement"] == [
        "unsub",
        "engagement_floor",
    ]
    with pytest.raises(ValueError):
        ScoringModel(fit_rules=(), behaviour_rules=(), negative_rules=(), fit_max=60, engagement_max=50)


def test_role_words_match_whole_words_in_english_and_german() -> None:
    rule = next(r for r in MODEL.fit_rules if r.id == "decision_maker")
    deciders = [
        "Vice President Operations",
        "Head of IT",
        "Vertriebsleiter",
        "Leiter Einkauf",
        "CTO",
        "Geschäftsführerin",
        "Director, Supply Chain",
        "VP Sales",
    ]
    others = [
        "Project Coordinator",
        "Assistant to the CTO",
        "Data Analyst",
        "Software Engineer",
        "Directory Services Admin",
        "Werkstudent Einkauf",
    ]
    assert [t for t in deciders if not fit_rule_matches(rule, {"title": t})] == []
    assert [t for t in others if fit_rule_matches(rule, {"title": t})] == []


def test_rules_that_would_break_decay_are_refused() -> None:
    with pytest.raises(ValueError):
        BehaviourRule("bad", "bad", "page_view", -5, 10, 7)
    with pytest.raises(ValueError):
        BehaviourRule("bad", "bad", "page_view", 5, 10, 0)
    with pytest.raises(ValueError):
        NegativeRule("bad", "bad", "student", 10)


def test_score_round_trips_and_names_its_top_reasons() -> None:
    lead = LeadFacts("cto@werk.example", {"title": "CTO", "employees": 300})
    score = score_lead(MODEL, lead, [_signal("demo_request", 1), _signal("email_open", 2)], NOW)
    assert Score.from_dict(score.to_dict()) == score
    assert [c.rule_id for c in score.top(2)] == ["demo_request", "decision_maker"]


def test_trend_is_positive_when_engagement_grows() -> None:
    lead = LeadFacts("a@b.example")
    rising = [_signal("pricing_view", 1), _signal("demo_request", 2)]
    falling = [_signal("pricing_view", 20), _signal("demo_request", 21)]
    assert engagement_trend(MODEL, lead, rising, NOW) > 5
    assert engagement_trend(MODEL, lead, falling, NOW) < -5


@settings(max_examples=200, deadline=None)
@given(facts, signals_before(NOW), st.integers(min_value=0, max_value=400 * 24))
def test_decay_only_ever_lowers_the_score(lead: LeadFacts, signals: list[Signal], hours_later: int) -> None:
    earlier = score_lead(MODEL, lead, signals, NOW)
    later = score_lead(MODEL, lead, signals, NOW + timedelta(hours=hours_later))
    assert later.engagement <= earlier.engagement
    assert later.total <= earlier.total


@settings(max_examples=200, deadline=None)
@given(facts, signals_before(NOW))
def test_the_explanation_always_sums_to_the_score(lead: LeadFacts, signals: list[Signal]) -> None:
    score = score_lead(MODEL, lead, signals, NOW)
    assert sum(c.points for c in score.contributions) == score.total
    assert sum(c.points for c in score.contributions if c.category == "fit") == score.fit
    assert sum(c.points for c in score.contributions if c.category == "engagement") == score.engagement
    assert all(c.points != 0 for c in score.contributions)
    assert 0 <= score.fit <= MODEL.fit_max and 0 <= score.engagement <= MODEL.engagement_max
    assert 0 <= score.total <= 100


@settings(max_examples=100, deadline=None)
@given(facts, signals_before(NOW), st.sampled_from(["pricing_view", "demo_request", "webinar_attended"]))
def test_a_new_positive_signal_never_lowers_the_score(
    lead: LeadFacts, signals: list[Signal], kind: str
) -> None:
    before = score_lead(MODEL, lead, signals, NOW).total
    after = score_lead(MODEL, lead, [*signals, _signal(kind, 0)], NOW).total
    assert after >= before


def test_zero_employees_is_a_known_size_not_a_missing_one() -> None:
    known = FitRule("size_known", "size known", "employees", "exists", None, 5)
    tiny = FitRule("size_tiny", "under 10 employees", "employees", "lte", 9, 3)
    model = ScoringModel(fit_rules=(known, tiny), behaviour_rules=(), negative_rules=())
    founder = LeadFacts(email="solo@start.example", properties={"employees": 0})
    assert score_lead(model, founder, [], NOW).fit == 8
    unknown = LeadFacts(email="who@start.example", properties={})
    assert score_lead(model, unknown, [], NOW).fit == 0


@given(facts, signals_before(NOW), st.integers(min_value=-30 * 24, max_value=30 * 24))
def test_engagement_alone_is_the_full_scores_engagement(
    lead: LeadFacts, signals: list[Signal], hours: int
) -> None:
    moment = NOW + timedelta(hours=hours)
    assert (
        engagement_score(MODEL, lead, signals, moment) == score_lead(MODEL, lead, signals, moment).engagement
    )
