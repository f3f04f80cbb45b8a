"""Stage moves forward by itself; lifecycle follows its table; a hand-off needs all three signs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.nurturing.calendar import WorkingHours, business_hours_between, is_working_time
from app.nurturing.enums import BuyerStage, Lifecycle
from app.nurturing.errors import InvalidTransition, ReasonRequired
from app.nurturing.lifecycle import (
    ALLOWED_TRANSITIONS,
    Thresholds,
    accept_hand_off,
    becomes_mql,
    propose_hand_off,
    reject_hand_off,
    transition,
)
from app.nurturing.scoring import Contribution, Score, Signal
from app.nurturing.stages import advance_stage, infer_stage, override_stage
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
@given(signals_before(NOW, max_size=30), st.lists(st.integers(min_value=0, max_value=120 * 24), max_size=8))
def test_automatic_stage_changes_only_move_forward(signals: list[Signal], checkpoints: list[int]) -> None:
    """Replaying a lead's history at any sequence of moments, the stage never goes back."""
    stage = BuyerStage.AWARENESS
    for hours_ago in sorted(checkpoints, reverse=True):
        moment = NOW - timedelta(hours=hours_ago)
        inferred, _ = infer_stage([s for s in signals if s.occurred_at <= moment], moment)
        advanced = advance_stage(stage, inferred)
        assert advanced.rank >= stage.rank
        stage = advanced


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


def test_hand_off_needs_fit_engagement_and_recent_intent() -> None:
    thresholds = Thresholds()
    intent = [_signal("demo_request", 2)]
    proposal = propose_hand_off(Lifecycle.MQL, _score(25, 35), intent, thresholds, NOW)
    assert proposal is not None
    assert [r.code for r in proposal.evidence] == ["fit", "engagement", "intent"]
    assert proposal.evidence[2].params == {"kind": "demo_request", "count": 1}
    assert propose_hand_off(Lifecycle.MQL, _score(10, 35), intent, thresholds, NOW) is None, "fit too low"
    assert propose_hand_off(Lifecycle.MQL, _score(25, 20), intent, thresholds, NOW) is None, (
        "engagement too low"
    )
    assert (
        propose_hand_off(Lifecycle.MQL, _score(25, 35), [_signal("email_open", 1)], thresholds, NOW) is None
    )
    assert (
        propose_hand_off(Lifecycle.MQL, _score(25, 35), [_signal("demo_request", 45)], thresholds, NOW)
        is None
    )
    contact = [_signal("form_submit", 1, form="contact_sales")]
    assert propose_hand_off(Lifecycle.MQL, _score(25, 35), contact, thresholds, NOW) is not None
    assert propose_hand_off(Lifecycle.SAL, _score(25, 35), intent, thresholds, NOW) is None


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


def test_rejecting_needs_a_reason_and_recycles() -> None:
    with pytest.raises(ReasonRequired):
        reject_hand_off(Lifecycle.MQL, " ")
    decision = reject_hand_off(Lifecycle.MQL, " no budget this year ")
    assert (decision.lifecycle, decision.reason, decision.follow_up_due) == (
        Lifecycle.RECYCLED,
        "no budget this year",
        None,
    )
