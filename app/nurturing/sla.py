"""Speed-to-lead: how long a new MQL may wait for its first touch, in the owner's business hours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from app.nurturing.calendar import WorkingHours, business_hours_between, require_aware
from app.nurturing.enums import Lifecycle


@dataclass(frozen=True, slots=True)
class SlaPolicy:
    nudge_after_business_hours: float = 4.0
    escalate_after_business_hours: float = 8.0

    def __post_init__(self) -> None:
        if not 0 < self.nudge_after_business_hours <= self.escalate_after_business_hours:
            raise ValueError("nudge must come before escalation")


class SlaAction(StrEnum):
    NONE = "none"
    NUDGE = "nudge"
    ESCALATE = "escalate"


def speed_to_lead(
    policy: SlaPolicy,
    *,
    lifecycle: Lifecycle,
    mql_at: datetime | None,
    first_touch_at: datetime | None,
    wh: WorkingHours,
    now: datetime,
) -> SlaAction:
    """Nudge the owner, then escalate to the team lead, while an MQL waits for its first touch."""
    require_aware(now)
    if lifecycle is not Lifecycle.MQL or mql_at is None:
        return SlaAction.NONE
    # A touch from before the lead qualified does not answer the qualification.
    if first_touch_at is not None and first_touch_at >= mql_at:
        return SlaAction.NONE
    waited = business_hours_between(wh, mql_at, now)
    if waited >= policy.escalate_after_business_hours:
        return SlaAction.ESCALATE
    if waited >= policy.nudge_after_business_hours:
        return SlaAction.NUDGE
    return SlaAction.NONE
