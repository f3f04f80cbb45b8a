"""Buyer stage: inferred from behaviour, moved forward automatically, overridden by a rep with a reason."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.nurturing.calendar import require_aware
from app.nurturing.enums import BuyerStage, EventKind
from app.nurturing.errors import ReasonRequired
from app.nurturing.reasons import Reason
from app.nurturing.scoring import Signal

RECENT = timedelta(days=14)
_DECISION_KINDS = {
    EventKind.DEMO_REQUEST: "demo_requested",
    EventKind.TRIAL_SIGNUP: "trial_started",
    EventKind.MEETING_BOOKED: "meeting_booked",
}
_EVALUATION_CONTENT = frozenset({"comparison", "case_study"})


def infer_stage(
    signals: Sequence[Signal], now: datetime, evidence_days: int = 90
) -> tuple[BuyerStage, tuple[Reason, ...]]:
    """The stage the behaviour of the last ``evidence_days`` points to, with the signals that point there.

    Older evidence has expired: a demo request from last spring does not make a lead "deciding" today."""
    require_aware(now)
    window = timedelta(days=evidence_days)
    past = [s for s in signals if timedelta() <= now - s.occurred_at <= window]
    recent = [s for s in past if now - s.occurred_at <= RECENT]
    decision = [Reason(code) for kind, code in _DECISION_KINDS.items() if any(s.kind == kind for s in past)]
    pricing_recent = sum(1 for s in recent if s.kind == EventKind.PRICING_VIEW)
    if pricing_recent >= 2:
        decision.append(Reason("pricing_views", {"count": pricing_recent, "days": RECENT.days}))
    if decision:
        return BuyerStage.DECISION, tuple(decision)
    evaluation: list[Reason] = []
    if any(s.kind == EventKind.PRICING_VIEW for s in past):
        evaluation.append(Reason("pricing_viewed"))
    if any(s.kind == EventKind.WEBINAR_ATTENDED for s in past):
        evaluation.append(Reason("webinar_attended"))
    if any(s.kind in (EventKind.EMAIL_REPLY, EventKind.CHAT_REPLY) for s in past):
        evaluation.append(Reason("replied"))
    if any(
        s.kind == EventKind.CONTENT_DOWNLOAD and s.properties.get("content_kind") in _EVALUATION_CONTENT
        for s in past
    ):
        evaluation.append(Reason("comparison_content"))
    page_views = sum(1 for s in recent if s.kind == EventKind.PAGE_VIEW)
    if page_views >= 3:
        evaluation.append(Reason("page_views", {"count": page_views, "days": RECENT.days}))
    if evaluation:
        return BuyerStage.EVALUATION, tuple(evaluation)
    if any(s.occurred_at < now - window for s in signals):
        return BuyerStage.AWARENESS, (Reason("stage_cooled", {"days": evidence_days}),)
    return BuyerStage.AWARENESS, (Reason("no_signals"),)


@dataclass(frozen=True, slots=True)
class StageOverride:
    stage: BuyerStage
    at: datetime


@dataclass(frozen=True, slots=True)
class StageResolution:
    stage: BuyerStage
    reasons: tuple[Reason, ...]
    override_holds: bool  # False once newer, stronger evidence or age has ended the rep's override


def resolve_stage(
    signals: Sequence[Signal],
    now: datetime,
    *,
    evidence_days: int = 90,
    override: StageOverride | None = None,
) -> StageResolution:
    """The stage today: the evidence of the window, or a rep's override until a stronger signal follows it.

    An override is evidence of its own, dated when the rep set it. Signals before it were what the rep
    judged, so only later signals can move the stage, and only to a later stage. It expires like any
    other evidence."""
    require_aware(now)
    window = timedelta(days=evidence_days)
    if override is not None and now - override.at <= window:
        later = [s for s in signals if s.occurred_at > override.at]
        inferred, reasons = infer_stage(later, now, evidence_days)
        if inferred.rank > override.stage.rank:
            return StageResolution(inferred, reasons, override_holds=False)
        return StageResolution(override.stage, (Reason("rep_override"),), override_holds=True)
    stage, reasons = infer_stage(signals, now, evidence_days)
    return StageResolution(stage, reasons, override_holds=False)


@dataclass(frozen=True, slots=True)
class StageChange:
    from_stage: BuyerStage
    to_stage: BuyerStage
    reason: Reason | str
    automatic: bool


def override_stage(current: BuyerStage, target: BuyerStage, reason: str) -> StageChange:
    """A rep's override, in either direction; it must say why."""
    if not reason or not reason.strip():
        raise ReasonRequired("a stage override needs a reason")
    return StageChange(from_stage=current, to_stage=target, reason=reason.strip(), automatic=False)
