"""Adaptive cadence: consistent, never overwhelming, faster when engagement rises, slower when it falls."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from app.nurturing.calendar import WorkingHours, add_business_hours, align_to_working_hours, require_aware
from app.nurturing.enums import BuyerStage, EventKind, FollowUpKind
from app.nurturing.reasons import Reason
from app.nurturing.scoring import Signal


def _default_intervals() -> dict[BuyerStage, float]:
    return {BuyerStage.AWARENESS: 14.0, BuyerStage.EVALUATION: 5.0, BuyerStage.DECISION: 2.0}


@dataclass(frozen=True, slots=True)
class CadencePolicy:
    base_interval_days: Mapping[BuyerStage, float] = field(default_factory=_default_intervals)
    min_interval_days: float = 1.0
    max_interval_days: float = 30.0
    rising_factor: float = 0.5
    falling_factor: float = 1.5
    trend_threshold: float = 5.0
    max_unanswered_touches: int = 4
    long_term_interval_days: float = 45.0
    reply_pull_forward_hours: float = 4.0
    # Buying intent (a demo request, pricing visits, a booked meeting) brings the next touch this close.
    intent_pull_forward_hours: float = 8.0
    # Contact pressure: at most this many marketing touches per lead in any rolling seven days.
    weekly_touch_cap: int = 2
    # After this many unanswered long-term touches the lead goes dormant until it engages again.
    dormant_after_long_term_touches: int = 4
    # What an unsubscribed lead gets instead of mail: a call, or no marketing touches at all.
    unsubscribed_contact: Literal["call", "none"] = "call"
    # Sales steps from SAL on: the default gap when the rep has not named the next step's date.
    sales_step_interval_days: float = 7.0

    def __post_init__(self) -> None:
        if not 0 < self.min_interval_days <= self.max_interval_days:
            raise ValueError("interval bounds must satisfy 0 < min <= max")
        if self.max_unanswered_touches < 1:
            raise ValueError("max_unanswered_touches must be at least 1")
        if self.weekly_touch_cap < 1:
            raise ValueError("weekly_touch_cap must be at least 1")
        if self.dormant_after_long_term_touches < 1:
            raise ValueError("dormant_after_long_term_touches must be at least 1")


def default_cadence_policy() -> CadencePolicy:
    """Two weeks in awareness, five days in evaluation, two in decision."""
    return CadencePolicy()


@dataclass(frozen=True, slots=True)
class CadenceInput:
    stage: BuyerStage
    engagement_trend: float
    unanswered_touches: int
    last_touch_at: datetime | None
    replied_at: datetime | None = None
    # The latest buying signal (demo request, pricing visits, booked meeting, MQL) since the last plan.
    intent_at: datetime | None = None
    intent_reason: Reason | None = None
    # When the recent touches happened; the weekly cap counts them.
    recent_touches: tuple[datetime, ...] = ()
    # A recycled lead is nurtured at the long-term pace until the date its reason set.
    parked_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class CadenceDecision:
    due_at: datetime
    kind: FollowUpKind
    reasons: tuple[Reason, ...]
    long_term: bool
    dormant: bool = False  # silent through long-term nurture: plan nothing until the lead engages


_INTENT_REASONS: dict[str, str] = {
    EventKind.DEMO_REQUEST: "demo_requested",
    EventKind.TRIAL_SIGNUP: "trial_started",
    EventKind.MEETING_BOOKED: "meeting_booked",
    EventKind.PRICING_VIEW: "pricing_viewed",
    EventKind.FORM_SUBMIT: "contact_sales_form",
}


def intent_reason(signal: Signal) -> Reason:
    """Why a buying signal pulled the next touch forward, in the words the cards already know."""
    return Reason(_INTENT_REASONS.get(signal.kind, "became_mql"))


def _reply_due(policy: CadencePolicy, wh: WorkingHours, now: datetime) -> datetime:
    return add_business_hours(wh, now, policy.reply_pull_forward_hours)


def is_dormant(policy: CadencePolicy, unanswered_touches: int) -> bool:
    """Long-term nurture has had its last unanswered touch: stop until the lead engages again."""
    return unanswered_touches >= policy.max_unanswered_touches + policy.dormant_after_long_term_touches


def _first_decision(
    policy: CadencePolicy, inp: CadenceInput, wh: WorkingHours, now: datetime
) -> CadenceDecision:
    if inp.replied_at is not None:
        return CadenceDecision(
            _reply_due(policy, wh, now), FollowUpKind.ANSWER, (Reason("reply_pull_forward"),), False
        )
    if inp.intent_at is not None:
        # Intent wins over silence, even for a lead parked in long-term nurture.
        due = add_business_hours(wh, max(now, inp.intent_at), policy.intent_pull_forward_hours)
        reason = inp.intent_reason or Reason("intent_pull_forward")
        return CadenceDecision(due, FollowUpKind.SIGNAL, (reason, Reason("intent_pull_forward")), False)
    # Intervals count from the last touch, so re-planning (a new stage, say) never pushes a touch back by a
    # whole interval; never before now.
    base_time = min(inp.last_touch_at, now) if inp.last_touch_at is not None else now

    def after(days: float) -> datetime:
        return max(base_time + timedelta(days=days), now)

    if inp.parked_until is not None and now < inp.parked_until:
        # Sales said "not now" with a date: value content at the long-term pace, and be there on the date.
        due = align_to_working_hours(
            wh, min(after(policy.long_term_interval_days), max(inp.parked_until, now))
        )
        reason = Reason("recycled_until", {"date": inp.parked_until.date().isoformat()})
        return CadenceDecision(due, FollowUpKind.LONG_TERM, (reason,), True)
    rising = inp.engagement_trend >= policy.trend_threshold
    # Rising engagement counts before the unanswered counter: a lead that reads everything but has not
    # answered yet is warming up, not gone.
    if inp.unanswered_touches >= policy.max_unanswered_touches and not rising:
        long_term_touches = inp.unanswered_touches - policy.max_unanswered_touches
        reason = Reason("long_term_nurture", {"touches": inp.unanswered_touches})
        due = align_to_working_hours(wh, after(policy.long_term_interval_days))
        if is_dormant(policy, inp.unanswered_touches):
            dormant = Reason("dormant", {"touches": long_term_touches})
            return CadenceDecision(due, FollowUpKind.LONG_TERM, (dormant,), True, dormant=True)
        return CadenceDecision(due, FollowUpKind.LONG_TERM, (reason,), True)
    interval = policy.base_interval_days.get(inp.stage, 7.0)
    reasons = [Reason("cadence", {"stage": inp.stage.value, "days": round(interval, 1)})]
    if rising:
        interval *= policy.rising_factor
        reasons.append(Reason("engagement_rising"))
    elif inp.engagement_trend <= -policy.trend_threshold:
        interval *= policy.falling_factor
        reasons.append(Reason("engagement_falling"))
    interval = min(max(interval, policy.min_interval_days), policy.max_interval_days)
    kind = FollowUpKind.NURTURE
    if inp.unanswered_touches >= 1:
        kind = FollowUpKind.REMINDER
        reasons.append(Reason("no_reply_after", {"touches": inp.unanswered_touches}))
    due = align_to_working_hours(wh, after(interval))
    return CadenceDecision(due, kind, tuple(reasons), False)


def capped_due(
    policy: CadencePolicy, due: datetime, touches: tuple[datetime, ...], wh: WorkingHours
) -> datetime | None:
    """The earliest time at or after ``due`` that keeps the lead within the weekly touch cap.

    None when ``due`` is already within the cap. A touch over the cap is moved, never dropped."""
    week = timedelta(days=7)
    candidate = due
    for _ in range(len(touches) + 1):
        in_window = sorted(t for t in touches if candidate - week < t <= candidate)
        if len(in_window) < policy.weekly_touch_cap:
            return None if candidate == due else candidate
        # The oldest touch of the window must leave it before another one fits.
        candidate = align_to_working_hours(wh, in_window[len(in_window) - policy.weekly_touch_cap] + week)
    return candidate


def next_follow_up(
    policy: CadencePolicy, inp: CadenceInput, wh: WorkingHours, now: datetime
) -> CadenceDecision:
    """When and what kind the next touch is; inside the owner's working time, never before now, and never
    more than the weekly cap of unsolicited touches in any seven days."""
    require_aware(now)
    decision = _first_decision(policy, inp, wh, now)
    # Answering a lead who wrote, or who just showed intent, responds to their move: the cap does not
    # delay it (it counts in the week before the next unsolicited touch).
    if decision.dormant or decision.kind in (FollowUpKind.ANSWER, FollowUpKind.SIGNAL):
        return decision
    moved = capped_due(policy, decision.due_at, inp.recent_touches, wh)
    if moved is None:
        return decision
    reason = Reason("contact_cap", {"cap": policy.weekly_touch_cap})
    return CadenceDecision(moved, decision.kind, (*decision.reasons, reason), decision.long_term)


def pull_forward(policy: CadencePolicy, current_due: datetime, wh: WorkingHours, now: datetime) -> datetime:
    """After a reply the open follow-up comes within a few business hours, never later than planned."""
    soon = _reply_due(policy, wh, now)
    planned = align_to_working_hours(wh, max(current_due, now))
    return min(planned, soon)
