"""Lifecycle from new lead to customer, the MQL threshold and the hand-off to sales."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.nurturing.calendar import WorkingHours, add_business_hours, require_aware
from app.nurturing.enums import EventKind, Lifecycle
from app.nurturing.errors import InvalidTransition, ReasonRequired
from app.nurturing.reasons import Reason
from app.nurturing.scoring import Score, Signal

L = Lifecycle
# Forward along the funnel, back to nurturing (recycled) from any open stage, and out (disqualified, lost).
# Won is final; a disqualified or lost lead can only come back through recycling.
ALLOWED_TRANSITIONS: Mapping[Lifecycle, frozenset[Lifecycle]] = {
    L.NEW: frozenset({L.MQL, L.SAL, L.RECYCLED, L.DISQUALIFIED}),
    L.MQL: frozenset({L.SAL, L.RECYCLED, L.DISQUALIFIED}),
    L.SAL: frozenset({L.SQL, L.RECYCLED, L.DISQUALIFIED}),
    L.SQL: frozenset({L.OPPORTUNITY, L.RECYCLED, L.LOST, L.DISQUALIFIED}),
    L.OPPORTUNITY: frozenset({L.WON, L.LOST, L.RECYCLED}),
    L.WON: frozenset(),
    L.LOST: frozenset({L.RECYCLED}),
    L.RECYCLED: frozenset({L.MQL, L.SAL, L.DISQUALIFIED}),
    L.DISQUALIFIED: frozenset({L.RECYCLED}),
}

# A discovery call "within one business day" means within the next 8 working hours of the owner.
DISCOVERY_CALL_BUSINESS_HOURS = 8.0
INTENT_WINDOW = timedelta(days=30)
INTENT_KINDS: frozenset[str] = frozenset(
    {
        EventKind.DEMO_REQUEST,
        EventKind.TRIAL_SIGNUP,
        EventKind.PRICING_VIEW,
        EventKind.MEETING_BOOKED,
        EventKind.EMAIL_REPLY,
        EventKind.CHAT_REPLY,
    }
)


def transition(current: Lifecycle, target: Lifecycle) -> Lifecycle:
    """The target, when the table allows the move."""
    if target not in ALLOWED_TRANSITIONS[current]:
        raise InvalidTransition(current, target)
    return target


@dataclass(frozen=True, slots=True)
class Thresholds:
    mql_score: int = 40
    # An MQL has shown interest; a perfect fit that never engaged is not marketing qualified.
    mql_min_engagement: int = 5
    hand_off_fit_min: int = 20
    hand_off_engagement_min: int = 30


def becomes_mql(current: Lifecycle, score: Score, thresholds: Thresholds) -> bool:
    """A new or recycled lead whose score reached the threshold through some engagement."""
    return (
        current in (Lifecycle.NEW, Lifecycle.RECYCLED)
        and score.total >= thresholds.mql_score
        and score.engagement >= thresholds.mql_min_engagement
    )


def is_intent(signal: Signal) -> bool:
    """Behaviour that says "I might buy", as opposed to reading."""
    if signal.kind in INTENT_KINDS:
        return True
    return signal.kind == EventKind.FORM_SUBMIT and signal.properties.get("form") == "contact_sales"


@dataclass(frozen=True, slots=True)
class HandOffProposal:
    evidence: tuple[Reason, ...]


def propose_hand_off(
    current: Lifecycle, score: Score, signals: Sequence[Signal], thresholds: Thresholds, now: datetime
) -> HandOffProposal | None:
    """Propose the hand-off when fit, engagement and recent intent all hold, with that evidence."""
    require_aware(now)
    qualifies = current is Lifecycle.MQL or (
        current in (Lifecycle.NEW, Lifecycle.RECYCLED) and becomes_mql(current, score, thresholds)
    )
    if not qualifies:
        return None
    if score.fit < thresholds.hand_off_fit_min or score.engagement < thresholds.hand_off_engagement_min:
        return None
    intents = [s for s in signals if is_intent(s) and timedelta() <= now - s.occurred_at <= INTENT_WINDOW]
    if not intents:
        return None
    kinds = sorted({s.kind for s in intents})
    evidence = (
        Reason("fit", {"points": score.fit}),
        Reason("engagement", {"points": score.engagement}),
        *(
            Reason("intent", {"kind": kind, "count": sum(1 for s in intents if s.kind == kind)})
            for kind in kinds
        ),
    )
    return HandOffProposal(evidence=evidence)


@dataclass(frozen=True, slots=True)
class HandOffDecision:
    lifecycle: Lifecycle
    follow_up_due: datetime | None
    reason: str | None


def accept_hand_off(current: Lifecycle, wh: WorkingHours, now: datetime) -> HandOffDecision:
    """Sales accepts: SAL, with a discovery call due within one business day of the owner."""
    lifecycle = transition(current, Lifecycle.SAL)
    due = add_business_hours(wh, now, DISCOVERY_CALL_BUSINESS_HOURS)
    return HandOffDecision(lifecycle=lifecycle, follow_up_due=due, reason=None)


def reject_hand_off(current: Lifecycle, reason: str) -> HandOffDecision:
    """Sales rejects, saying why: the lead goes back to nurturing."""
    if not reason or not reason.strip():
        raise ReasonRequired("rejecting a hand-off needs a reason")
    return HandOffDecision(
        lifecycle=transition(current, Lifecycle.RECYCLED), follow_up_due=None, reason=reason.strip()
    )
