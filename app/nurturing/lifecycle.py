"""Lifecycle from new lead to customer, the MQL threshold and the hand-off to sales."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.nurturing.calendar import WorkingHours, add_business_hours, require_aware
from app.nurturing.enums import EventKind, Lifecycle
from app.nurturing.errors import InvalidTransition
from app.nurturing.reasons import Reason
from app.nurturing.recycling import RecycleDecision
from app.nurturing.scoring import (
    INFLUENCE_TITLES,
    SUPPORTING_TITLES,
    LeadFacts,
    Score,
    Signal,
    matches_words,
)

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
    # The second of the three SAL criteria: the person influences the purchase. Whole words, any case.
    influence_titles: tuple[str, ...] = INFLUENCE_TITLES
    supporting_titles: tuple[str, ...] = SUPPORTING_TITLES
    influence_personas: tuple[str, ...] = ("executive", "it_leader", "operations_leader", "procurement")
    # Buyer-stage evidence older than this no longer counts: a lead cools down to what it shows now.
    stage_evidence_days: int = 90

    def __post_init__(self) -> None:
        if not 0 <= self.mql_score <= 100 or not 0 <= self.mql_min_engagement <= 100:
            raise ValueError("MQL thresholds are on the 0-100 score scale")
        if not 0 <= self.hand_off_fit_min <= 100 or not 0 <= self.hand_off_engagement_min <= 100:
            raise ValueError("hand-off thresholds are on the 0-100 score scale")
        if self.stage_evidence_days < 1:
            raise ValueError("stage_evidence_days must be at least 1")


def becomes_mql(current: Lifecycle, score: Score, thresholds: Thresholds) -> bool:
    """A new or recycled lead whose score reached the threshold through some engagement.

    For a recycled lead the caller passes the score of the engagement earned since the recycle, and only
    once its nurture-until date has passed (``may_return``)."""
    return (
        current in (Lifecycle.NEW, Lifecycle.RECYCLED)
        and score.total >= thresholds.mql_score
        and score.engagement >= thresholds.mql_min_engagement
    )


def may_return(nurture_until: datetime | None, now: datetime) -> bool:
    """A recycled lead comes back to sales only once the date its reason set has passed."""
    return nurture_until is None or require_aware(now) >= require_aware(nurture_until)


def since_recycle(signals: Sequence[Signal], recycled_at: datetime | None) -> list[Signal]:
    """The engagement a recycled lead earned after sales sent it back; older interest was already judged."""
    if recycled_at is None:
        return list(signals)
    return [s for s in signals if s.occurred_at > recycled_at]


def has_influence(facts: LeadFacts, thresholds: Thresholds) -> Reason | None:
    """Why the person influences the purchase (their title or persona), or None when nothing says so."""
    title = facts.properties.get("title")
    if (
        isinstance(title, str)
        and matches_words(thresholds.influence_titles, title)
        and not matches_words(thresholds.supporting_titles, title)
    ):
        return Reason("influence_title", {"title": title})
    persona = facts.properties.get("persona")
    wanted = {p.strip().casefold() for p in thresholds.influence_personas}
    if isinstance(persona, str) and persona.strip().casefold() in wanted:
        return Reason("influence_persona", {"persona": persona})
    return None


def is_intent(signal: Signal) -> bool:
    """Behaviour that says "I might buy", as opposed to reading."""
    if signal.kind in INTENT_KINDS:
        return True
    return signal.kind == EventKind.FORM_SUBMIT and signal.properties.get("form") == "contact_sales"


@dataclass(frozen=True, slots=True)
class HandOffProposal:
    evidence: tuple[Reason, ...]


def propose_hand_off(
    current: Lifecycle,
    score: Score,
    signals: Sequence[Signal],
    thresholds: Thresholds,
    now: datetime,
    facts: LeadFacts,
) -> HandOffProposal | None:
    """Propose the hand-off when all three SAL criteria hold: fit, influence and recent intent.

    Fit needs the company to match and enough engagement; influence comes from the person's title or
    persona; intent is a buying signal in the last 30 days. The evidence names all three."""
    require_aware(now)
    qualifies = current is Lifecycle.MQL or (
        current in (Lifecycle.NEW, Lifecycle.RECYCLED) and becomes_mql(current, score, thresholds)
    )
    if not qualifies:
        return None
    if score.fit < thresholds.hand_off_fit_min or score.engagement < thresholds.hand_off_engagement_min:
        return None
    influence = has_influence(facts, thresholds)
    if influence is None:
        return None
    intents = [s for s in signals if is_intent(s) and timedelta() <= now - s.occurred_at <= INTENT_WINDOW]
    if not intents:
        return None
    kinds = sorted({s.kind for s in intents})
    evidence = (
        Reason("fit", {"points": score.fit}),
        influence,
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


def reject_hand_off(current: Lifecycle, decision: RecycleDecision) -> HandOffDecision:
    """Sales rejects with a coded reason: back to nurturing until a date, or out when it is not a fit."""
    return HandOffDecision(
        lifecycle=transition(current, decision.lifecycle),
        follow_up_due=None,
        reason=decision.reason.value,
    )
