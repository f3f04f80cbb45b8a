"""Adaptive cadence: consistent, never overwhelming, faster when engagement rises, slower when it falls."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from app.nurturing.calendar import WorkingHours, add_business_hours, align_to_working_hours, require_aware
from app.nurturing.enums import BuyerStage, FollowUpKind
from app.nurturing.reasons import Reason


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


@dataclass(frozen=True, slots=True)
class CadenceDecision:
    due_at: datetime
    kind: FollowUpKind
    reasons: tuple[Reason, ...]
    long_term: bool


def _reply_due(policy: CadencePolicy, wh: WorkingHours, now: datetime) -> datetime:
    return add_business_hours(wh, now, policy.reply_pull_forward_hours)


def next_follow_up(
    policy: CadencePolicy, inp: CadenceInput, wh: WorkingHours, now: datetime
) -> CadenceDecision:
    """When and what kind the next touch is; always inside the owner's working time, never before now."""
    require_aware(now)
    if inp.replied_at is not None:
        return CadenceDecision(
            _reply_due(policy, wh, now), FollowUpKind.NURTURE, (Reason("reply_pull_forward"),), False
        )
    base_time = max(now, inp.last_touch_at) if inp.last_touch_at is not None else now
    if inp.unanswered_touches >= policy.max_unanswered_touches:
        due = align_to_working_hours(wh, base_time + timedelta(days=policy.long_term_interval_days))
        reason = Reason("long_term_nurture", {"touches": inp.unanswered_touches})
        return CadenceDecision(due, FollowUpKind.LONG_TERM, (reason,), True)
    interval = policy.base_interval_days.get(inp.stage, 7.0)
    reasons = [Reason("cadence", {"stage": inp.stage.value, "days": round(interval, 1)})]
    if inp.engagement_trend >= policy.trend_threshold:
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
    due = align_to_working_hours(wh, base_time + timedelta(days=interval))
    return CadenceDecision(due, kind, tuple(reasons), False)


def pull_forward(policy: CadencePolicy, current_due: datetime, wh: WorkingHours, now: datetime) -> datetime:
    """After a reply the open follow-up comes within a few business hours, never later than planned."""
    soon = _reply_due(policy, wh, now)
    planned = align_to_working_hours(wh, max(current_due, now))
    return min(planned, soon)
