"""Apply the nurturing engine to leads: score, buyer stage, MQL, hand-off proposals and the next follow-up."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import HandOff
from app.nurturing.enums import HandOffStatus, Lifecycle
from app.nurturing.lifecycle import becomes_mql, propose_hand_off
from app.nurturing.scoring import score_lead
from app.nurturing.stages import advance_stage, infer_stage
from app.services.lead_context import LeadContext
from app.services.lead_history import change_lifecycle, change_stage
from app.services.outbox import Notice, enqueue
from app.services.planning import plan_follow_up, pull_active_forward
from app.services.tenant_config import TenantConfig


@dataclass(frozen=True, slots=True)
class RefreshResult:
    lead_id: uuid.UUID
    score_before: int
    score_after: int
    became_mql: bool
    hand_off_proposed: bool


def _requalifies(context: LeadContext) -> bool:
    """A recycled lead returns only on engagement after recycling, or it would bounce straight back."""
    lead = context.lead
    if lead.lifecycle is not Lifecycle.RECYCLED or lead.lifecycle_changed_at is None:
        return True
    return any(signal.occurred_at > lead.lifecycle_changed_at for signal in context.signals)


async def refresh_lead(
    *,
    session: AsyncSession,
    context: LeadContext,
    config: TenantConfig,
    now: datetime,
    replied_at: datetime | None = None,
) -> RefreshResult:
    """Re-derive everything the engine decides about one lead from its facts and signals."""
    lead = context.lead
    before = lead.total_score
    score = score_lead(config.scoring, context.facts(), context.signals, now)
    lead.fit_score, lead.engagement_score, lead.total_score = score.fit, score.engagement, score.total
    lead.score_explanation = [
        {"rule_id": c.rule_id, "label": c.label, "category": c.category, "points": c.points}
        for c in score.contributions
    ]
    lead.scored_at = now

    inferred, stage_reasons = infer_stage(context.signals, now)
    change_stage(
        session=session,
        lead=lead,
        to_stage=advance_stage(lead.stage, inferred),
        now=now,
        automatic=True,
        reason=stage_reasons[0] if stage_reasons else None,
    )

    became_mql = False
    if becomes_mql(lead.lifecycle, score, config.thresholds) and _requalifies(context):
        await change_lifecycle(
            session=session,
            lead=lead,
            to_lifecycle=Lifecycle.MQL,
            now=now,
            automatic=True,
            reason="score_threshold",
        )
        became_mql = True

    proposed = False
    if lead.lifecycle is Lifecycle.MQL and context.open_hand_off is None:
        proposal = propose_hand_off(lead.lifecycle, score, context.signals, config.thresholds, now)
        if proposal is not None:
            hand_off = HandOff(
                tenant_id=lead.tenant_id,
                lead_id=lead.id,
                status=HandOffStatus.PROPOSED,
                evidence=[reason.to_dict() for reason in proposal.evidence],
                proposed_at=now,
            )
            session.add(hand_off)
            context.open_hand_off = hand_off
            await enqueue(
                session=session,
                tenant_id=lead.tenant_id,
                kind=Notice.HAND_OFF_PROPOSED,
                dedupe_key=f"hand_off:{hand_off.id}:proposed",
                payload={"hand_off_id": str(hand_off.id), "lead_id": str(lead.id)},
                team_id=lead.team_id,
                now=now,
            )
            proposed = True

    if replied_at is not None:
        lead.last_reply_at = max(replied_at, lead.last_reply_at) if lead.last_reply_at else replied_at
        lead.unanswered_touches = 0
        await pull_active_forward(session=session, context=context, config=config, now=now)
    elif context.active_follow_up is None:
        await plan_follow_up(session=session, context=context, config=config, now=now)

    lead.updated_at = now
    session.add(lead)
    return RefreshResult(lead.id, before, lead.total_score, became_mql, proposed)


async def refresh_leads(
    *,
    session: AsyncSession,
    contexts: Mapping[uuid.UUID, LeadContext],
    config: TenantConfig,
    now: datetime,
    replies: Mapping[uuid.UUID, datetime] | None = None,
) -> list[RefreshResult]:
    """Refresh many leads whose contexts were loaded together."""
    replies = replies or {}
    return [
        await refresh_lead(
            session=session, context=context, config=config, now=now, replied_at=replies.get(lead_id)
        )
        for lead_id, context in contexts.items()
    ]
