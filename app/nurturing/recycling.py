"""Recycling with a reason and a date: how long a lead sales sent back is nurtured before it may return."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.nurturing.calendar import require_aware
from app.nurturing.enums import Lifecycle, RecycleReason
from app.nurturing.errors import ReasonRequired


@dataclass(frozen=True, slots=True)
class RecyclePolicy:
    # Bad timing, not interested, no response: nurture this long unless the rep names a date.
    default_nurture_days: int = 90
    # No authority: a short nurture while the rep finds the person who decides.
    no_authority_days: int = 30
    # No budget: nurture until the buyer's next fiscal year starts (month 1 = January).
    fiscal_year_start_month: int = 1
    # Under contract: come back this many days before the contract ends, to be there for the renewal.
    contract_lead_days: int = 90
    # However soon a date falls, sales does not see the same lead again within this many days.
    minimum_nurture_days: int = 14
    # Loop guard: this many rejections within the window stop automatic proposals until a team lead decides.
    rejections_before_hold: int = 2
    rejection_window_days: int = 90

    def __post_init__(self) -> None:
        if not 1 <= self.fiscal_year_start_month <= 12:
            raise ValueError("fiscal_year_start_month must be 1-12")
        if min(self.default_nurture_days, self.no_authority_days, self.minimum_nurture_days) < 1:
            raise ValueError("nurture periods must be at least one day")
        if self.contract_lead_days < 0 or self.rejections_before_hold < 1 or self.rejection_window_days < 1:
            raise ValueError("contract lead days >= 0, rejections before hold and window >= 1")


@dataclass(frozen=True, slots=True)
class RecycleDecision:
    lifecycle: Lifecycle  # recycled, or disqualified for "not a fit"
    reason: RecycleReason
    nurture_until: datetime | None  # None only when disqualified
    note: str | None


def _next_fiscal_year(policy: RecyclePolicy, now: datetime, zone: ZoneInfo) -> datetime:
    local = now.astimezone(zone).date()
    start = date(local.year, policy.fiscal_year_start_month, 1)
    if start <= local:
        start = date(local.year + 1, policy.fiscal_year_start_month, 1)
    return datetime.combine(start, time(0, 0), tzinfo=zone)


def nurture_until(
    policy: RecyclePolicy,
    reason: RecycleReason,
    now: datetime,
    *,
    until: datetime | None = None,
    time_zone: str = "UTC",
) -> datetime | None:
    """The date a recycled lead may come back to sales; None when the reason disqualifies it."""
    require_aware(now)
    if reason.disqualifies:
        return None
    zone = ZoneInfo(time_zone)
    earliest = now + timedelta(days=policy.minimum_nurture_days)
    if reason is RecycleReason.UNDER_CONTRACT:
        if until is None:
            raise ReasonRequired("under contract needs the date the contract ends")
        target = require_aware(until) - timedelta(days=policy.contract_lead_days)
    elif reason is RecycleReason.NO_BUDGET:
        target = until if until is not None else _next_fiscal_year(policy, now, zone)
    elif reason is RecycleReason.NO_AUTHORITY:
        target = until if until is not None else now + timedelta(days=policy.no_authority_days)
    else:
        target = until if until is not None else now + timedelta(days=policy.default_nurture_days)
    return max(require_aware(target), earliest)


def recycle(
    policy: RecyclePolicy,
    reason: RecycleReason,
    now: datetime,
    *,
    note: str | None = None,
    until: datetime | None = None,
    time_zone: str = "UTC",
) -> RecycleDecision:
    """Where a lead goes when sales sends it back, and until when it is nurtured."""
    cleaned = note.strip() if note and note.strip() else None
    if reason.disqualifies:
        return RecycleDecision(Lifecycle.DISQUALIFIED, reason, None, cleaned)
    when = nurture_until(policy, reason, now, until=until, time_zone=time_zone)
    return RecycleDecision(Lifecycle.RECYCLED, reason, when, cleaned)


def on_hold(policy: RecyclePolicy, rejections: list[datetime], now: datetime) -> bool:
    """Rejected too often lately: the engine stops proposing this lead until a team lead decides."""
    window = timedelta(days=policy.rejection_window_days)
    return sum(1 for at in rejections if timedelta() <= now - at <= window) >= policy.rejections_before_hold
