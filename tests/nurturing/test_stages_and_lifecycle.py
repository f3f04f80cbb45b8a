"""Stages follow fresh evidence and hold a rep's override; lifecycle follows its table; a hand-off needs
fit, influence and intent; a rejection recycles until a date."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.nurturing.calendar import WorkingHours, business_hours_between, is_working_time
from app.nurturing.enums import BuyerStage, Lifecycle, RecycleReason
from app.nurturing.errors import InvalidTransition, ReasonRequired
from app.nurturing.lifecycle import (
    ALLOWED_TRANSITIONS,
    Thresholds,
    accept_hand_off,
    becomes_mql,
    may_return,
    propose_hand_off,
    reject_hand_off,
    since_recycle,
    transition,
)
from app.nurturing.reasons import Reason, describe
from app.nurturing.recycling import RecyclePolicy, on_hold, recycle
from app.nurturing.scoring import Contribution, LeadFacts, Score, Signal
from app.nurturing.stages import StageOverride, infer_stage, override_stage, resolve_stage
from tests.nurturing.strategies import signals_before

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def _signal(kind: str, days_ago: float, **properties: str) -> Signal:
    return Signal(kind=kind, occurred_at=NOW - timedelta(days=days_ago), properties=properties)


def _score(fit: int, engagement: int) -> Score:
    return Score(
        fit=fit,
        engagement=engagement,
        contributions=(
            Contribution("f", "fit", "fit", fit),
            Contribution("e", "eng", "engagement", engagement),
        ),
    )


@pytest.mark.parametrize(
    ("signals", "stage", "first_reason"),
    [
        ([], BuyerStage.AWARENESS, "no_signals"),
        ([_signal("email_open", 1)], BuyerStage.AWARENESS, "no_signals"),
        ([_signal("page_view", d) for d in (1, 2, 3)], BuyerStage.EVALUATION, "page_views"),
        (
            [_signal("content_download", 2, content_kind="comparison")],
            BuyerStage.EVALUATION,
            "comparison_content",
        ),
        ([_signal("pricing_view", 30)], BuyerStage.EVALUATION, "pricing_viewed"),
        ([_signal("pricing_view", 1), _signal("pricing_view", 3)], BuyerStage.DECISION, "pricing_views"),
        ([_signal("demo_request", 40)], BuyerStage.DECISION, "demo_requested"),
        ([_signal("demo_request", 91)], BuyerStage.AWARENESS, "stage_cooled"),
        (
            [_signal("demo_request", 120), _signal("pricing_view", 60)],
            BuyerStage.EVALUATION,
            "pricing_viewed",
        ),
    ],
)
def test_stage_inference(signals: list[Signal], stage: BuyerStage, first_reason: str) -> None:
    inferred, reasons = infer_stage(signals, NOW)
    assert inferred is stage
    assert reasons[0].code == first_reason


def test_overrides_go_either_way_but_need_a_reason() -> None:
    change = override_stage(BuyerStage.DECISION, BuyerStage.AWARENESS, "  bought a competitor last year ")
    assert (change.to_stage, change.reason, change.automatic) == (
        BuyerStage.AWARENESS,
        "bought a competitor last year",
        False,
    )
    with pytest.raises(ReasonRequired):
        override_stage(BuyerStage.AWARENESS, BuyerStage.DECISION, "\t")


@settings(max_examples=200, deadline=None)
@given(signals_before(NOW, max_size=30), st.integers(min_value=0, max_value=400 * 24))
def test_the_stage_rests_only_on_evidence_of_the_window(signals: list[Signal], hours_later: int) -> None:
    """Whatever happened, the stage at any moment is what the last 90 days show; older signals never count."""
    moment = NOW + timedelta(hours=hours_later)
    fresh = [s for s in signals if moment - s.occurred_at <= timedelta(days=90)]
    assert infer_stage(signals, moment)[0] is infer_stage(fresh, moment)[0]
    if not fresh:
        assert infer_stage(signals, moment)[0] is BuyerStage.AWARENESS


def test_a_reps_override_holds_until_a_stronger_signal_after_it() -> None:
    demo_long_ago = [_signal("demo_request", 20)]
    override = StageOverride(stage=BuyerStage.AWARENESS, at=NOW - timedelta(days=10))
    # The next e-mail open does not undo the rep's judgement...
    opened = resolve_stage([*demo_long_ago, _signal("email_open", 1)], NOW, override=override)
    assert (opened.stage, opened.override_holds) == (BuyerStage.AWARENESS, True)
    # ...nor does the old demo request the rep already weighed...
    assert resolve_stage(demo_long_ago, NOW, override=override).stage is BuyerStage.AWARENESS
    # ...but a new demo request after the override does.
    asked = resolve_stage([*demo_long_ago, _signal("demo_request", 2)], NOW, override=override)
    assert (asked.stage, asked.override_holds) == (BuyerStage.DECISION, False)
    # An override is evidence too, and expires with the window.
    old = StageOverride(stage=BuyerStage.DECISION, at=NOW - timedelta(days=91))
    assert resolve_stage([], NOW, override=old).stage is BuyerStage.AWARENESS


def test_lifecycle_table() -> None:
    assert transition(Lifecycle.MQL, Lifecycle.SAL) is Lifecycle.SAL
    with pytest.raises(InvalidTransition) as refused:
        transition(Lifecycle.WON, Lifecycle.RECYCLED)
    assert (refused.value.current, refused.value.target) == (Lifecycle.WON, Lifecycle.RECYCLED)
    with pytest.raises(InvalidTransition):
        transition(Lifecycle.NEW, Lifecycle.WON)
    assert ALLOWED_TRANSITIONS[Lifecycle.WON] == frozenset()
    assert all(
        Lifecycle.RECYCLED in ALLOWED_TRANSITIONS[s] for s in (Lifecycle.MQL, Lifecycle.SAL, Lifecycle.SQL)
    )


def test_mql_needs_the_threshold_and_some_interest() -> None:
    thresholds = Thresholds(mql_score=40, mql_min_engagement=5)
    assert becomes_mql(Lifecycle.NEW, _score(30, 10), thresholds)
    assert not becomes_mql(Lifecycle.NEW, _score(45, 0), thresholds), "a perfect fit that never engaged"
    assert not becomes_mql(Lifecycle.NEW, _score(20, 10), thresholds)
    assert becomes_mql(Lifecycle.RECYCLED, _score(30, 15), thresholds)
    assert not becomes_mql(Lifecycle.SAL, _score(90, 90), thresholds)


DECIDER = LeadFacts("cto@kunde.example", {"title": "CTO"})


def test_hand_off_needs_fit_influence_and_recent_intent() -> None:
    thresholds = Thresholds()
    intent = [_signal("demo_request", 2)]
    proposal = propose_hand_off(Lifecycle.MQL, _score(25, 35), intent, thresholds, NOW, DECIDER)
    assert proposal is not None
    assert [r.code for r in proposal.evidence] == ["fit", "influence_title", "engagement", "intent"]
    assert proposal.evidence[1].params == {"title": "CTO"}
    assert proposal.evidence[3].params == {"kind": "demo_request", "count": 1}
    low_fit = propose_hand_off(Lifecycle.MQL, _score(10, 35), intent, thresholds, NOW, DECIDER)
    assert low_fit is None, "fit too low"
    low = propose_hand_off(Lifecycle.MQL, _score(25, 20), intent, thresholds, NOW, DECIDER)
    assert low is None, "engagement too low"
    reading = [_signal("email_open", 1)]
    assert propose_hand_off(Lifecycle.MQL, _score(25, 35), reading, thresholds, NOW, DECIDER) is None
    stale = [_signal("demo_request", 45)]
    assert propose_hand_off(Lifecycle.MQL, _score(25, 35), stale, thresholds, NOW, DECIDER) is None
    contact = [_signal("form_submit", 1, form="contact_sales")]
    assert propose_hand_off(Lifecycle.MQL, _score(25, 35), contact, thresholds, NOW, DECIDER) is not None
    assert propose_hand_off(Lifecycle.SAL, _score(25, 35), intent, thresholds, NOW, DECIDER) is None


@pytest.mark.parametrize(
    ("title", "persona", "influences"),
    [
        ("Software Engineer", None, False),
        ("Data Analyst", "analyst", False),
        ("Project Coordinator", None, False),
        ("Assistant to the CTO", None, False),
        ("Vice President Operations", None, True),
        ("Leiterin Einkauf", None, True),
        ("Einkaufsleiter", None, True),
        ("Engineer", "IT_Leader", True),
    ],
)
def test_influence_comes_from_the_title_in_whole_words_or_the_persona(
    title: str, persona: str | None, influences: bool
) -> None:
    facts = LeadFacts("x@kunde.example", {"title": title, **({"persona": persona} if persona else {})})
    proposal = propose_hand_off(
        Lifecycle.MQL, _score(40, 40), [_signal("demo_request", 1)], Thresholds(), NOW, facts
    )
    assert (proposal is not None) is influences


def test_accepting_makes_a_sal_with_a_discovery_call_within_one_business_day() -> None:
    hours = WorkingHours(time_zone="Europe/Berlin")
    friday_4pm = datetime(2026, 3, 13, 15, 0, tzinfo=UTC)
    decision = accept_hand_off(Lifecycle.MQL, hours, friday_4pm)
    assert decision.lifecycle is Lifecycle.SAL and decision.follow_up_due is not None
    assert decision.follow_up_due == datetime(2026, 3, 16, 15, 0, tzinfo=UTC)  # Monday 16:00 in Berlin
    assert business_hours_between(hours, friday_4pm, decision.follow_up_due) == 8
    assert is_working_time(hours, decision.follow_up_due)
    with pytest.raises(InvalidTransition):
        accept_hand_off(Lifecycle.WON, hours, friday_4pm)


def test_rejecting_recycles_until_the_date_its_reason_sets() -> None:
    policy = RecyclePolicy()
    contract = recycle(
        policy, RecycleReason.UNDER_CONTRACT, NOW, until=datetime(2028, 3, 31, tzinfo=UTC), note=" renewal "
    )
    decision = reject_hand_off(Lifecycle.MQL, contract)
    assert (decision.lifecycle, decision.reason, decision.follow_up_due) == (
        Lifecycle.RECYCLED,
        "under_contract",
        None,
    )
    assert contract.nurture_until == datetime(2028, 1, 1, tzinfo=UTC)  # 90 days before the contract ends
    assert contract.note == "renewal"
    with pytest.raises(ReasonRequired):
        recycle(policy, RecycleReason.UNDER_CONTRACT, NOW)
    budget = recycle(policy, RecycleReason.NO_BUDGET, NOW)
    assert budget.nurture_until == datetime(2027, 1, 1, tzinfo=ZoneInfo("UTC"))
    assert recycle(policy, RecycleReason.NO_AUTHORITY, NOW).nurture_until == NOW + timedelta(days=30)
    assert recycle(policy, RecycleReason.NO_RESPONSE, NOW).nurture_until == NOW + timedelta(days=90)
    soon = recycle(policy, RecycleReason.BAD_TIMING, NOW, until=NOW + timedelta(days=2))
    assert soon.nurture_until == NOW + timedelta(days=14), "sales never sees it again within two weeks"
    out = reject_hand_off(Lifecycle.MQL, recycle(policy, RecycleReason.NOT_A_FIT, NOW))
    assert out.lifecycle is Lifecycle.DISQUALIFIED


def test_two_rejections_in_ninety_days_put_the_lead_on_hold() -> None:
    policy = RecyclePolicy()
    assert not on_hold(policy, [NOW - timedelta(days=10)], NOW)
    assert on_hold(policy, [NOW - timedelta(days=80), NOW - timedelta(days=10)], NOW)
    assert not on_hold(policy, [NOW - timedelta(days=200), NOW - timedelta(days=10)], NOW)


def test_a_recycled_lead_returns_only_after_its_date_on_fresh_engagement() -> None:
    recycled_at = NOW - timedelta(days=20)
    signals = [_signal("demo_request", 30), _signal("email_open", 1)]
    assert [s.kind for s in since_recycle(signals, recycled_at)] == ["email_open"]
    assert not may_return(NOW + timedelta(days=1), NOW)
    assert may_return(NOW - timedelta(days=1), NOW) and may_return(None, NOW)


def test_intent_evidence_reads_as_words_in_both_languages() -> None:
    evidence = Reason("intent", {"kind": "meeting_booked", "count": 1})
    assert describe(evidence, "en") == "shows intent: a booked meeting"
    assert describe(evidence, "de-AT") == "zeigt Kaufabsicht: gebuchter Termin"
    assert describe(Reason("intent", {"kind": "webinar_ping"}), "en") == "shows intent: webinar_ping"
