"""Keeps each owned lead's single active follow-up planned by the cadence and the playbook."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import FollowUp
from app.nurturing.cadence import CadenceInput, next_follow_up, pull_forward
from app.nurturing.enums import FollowUpKind, FollowUpOutcome, FollowUpStatus, Lifecycle
from app.nurturing.playbook import suggest_touchpoint
from app.nurturing.scoring import engagement_trend
from app.services.lead_context import LeadContext
from app.services.outbox import Notice, enqueue
from app.services.tenant_config import TenantConfig, working_hours

CLOSED_LIFECYCLES = frozenset({Lifecycle.WON, Lifecycle.LOST, Lifecycle.DISQUALIFIED})
# Follow-ups the cadence plans, and may plan again; a discovery call comes from an accepted hand-off.
CADENCE_KINDS = frozenset({FollowUpKind.NURTURE, FollowUpKind.REMINDER, FollowUpKind.LONG_TERM})


def card_changed_key(follow_up: FollowUp, now: datetime) -> str:
    """The dedupe key of the "update the sent card" notice for a change made at ``now``."""
    return f"follow_up:{follow_up.id}:changed:{now.isoformat()}"


async def notify_card_changed(*, session: AsyncSession, follow_up: FollowUp, now: datetime) -> None:
    """A card already sent for this follow-up is stale now; ask the dispatcher to update it in place."""
    if follow_up.activity_id is None:
        return
    await enqueue(
        session=session,
        tenant_id=follow_up.tenant_id,
        kind=Notice.FOLLOW_UP_CHANGED,
        dedupe_key=card_changed_key(follow_up, now),
        payload={"follow_up_id": str(follow_up.id)},
        member_id=follow_up.owner_id,
        now=now,
    )


async def cancel_active(*, session: AsyncSession, context: LeadContext, now: datetime) -> None:
    """Closed leads wait on nobody."""
    follow_up = context.active_follow_up
    if follow_up is None:
        return
    follow_up.status = FollowUpStatus.CANCELLED
    follow_up.completed_at = now
    session.add(follow_up)
    context.active_follow_up = None
    await notify_card_changed(session=session, follow_up=follow_up, now=now)


async def plan_follow_up(
    *,
    session: AsyncSession,
    context: LeadContext,
    config: TenantConfig,
    now: datetime,
    replied_at: datetime | None = None,
) -> FollowUp | None:
    """Create or re-plan the lead's one active follow-up from the cadence; None when nobody owns the lead."""
    lead = context.lead
    if lead.lifecycle in CLOSED_LIFECYCLES or lead.owner_id is None:
        await cancel_active(session=session, context=context, now=now)
        return None
    hours = working_hours(context.owner)
    facts = context.facts()
    decision = next_follow_up(
        config.cadence,
        CadenceInput(
            stage=lead.stage,
            engagement_trend=engagement_trend(config.scoring, facts, context.signals, now),
            unanswered_touches=lead.unanswered_touches,
            last_touch_at=lead.last_touch_at,
            replied_at=replied_at,
        ),
        hours,
        now,
    )
    suggestion = suggest_touchpoint(
        config.library,
        stage=lead.stage,
        persona=lead.persona,
        topics=lead.topics,
        already_sent=context.sent_content,
        signals=context.signals,
        now=now,
        language=lead.language,
    )
    follow_up = context.active_follow_up
    if follow_up is None:
        follow_up = FollowUp(
            tenant_id=lead.tenant_id, lead_id=lead.id, due_at=decision.due_at, created_at=now
        )
        context.active_follow_up = follow_up
    follow_up.owner_id = lead.owner_id
    follow_up.due_at = decision.due_at
    follow_up.kind = decision.kind
    follow_up.status = FollowUpStatus.OPEN
    follow_up.notified_at = None
    follow_up.reasons = [reason.to_dict() for reason in (*decision.reasons, *suggestion.reasons)]
    follow_up.suggested_channel = suggestion.channel
    follow_up.suggested_content_key = suggestion.content.id if suggestion.content else None
    session.add(follow_up)
    await notify_card_changed(session=session, follow_up=follow_up, now=now)
    return follow_up


async def pull_active_forward(
    *, session: AsyncSession, context: LeadContext, config: TenantConfig, now: datetime
) -> None:
    """A reply from the lead: finish an awaiting-reply follow-up, and bring the next touch forward."""
    follow_up = context.active_follow_up
    if follow_up is None or follow_up.kind is FollowUpKind.AWAITING_REPLY:
        if follow_up is not None:
            follow_up.status = FollowUpStatus.DONE
            follow_up.outcome = FollowUpOutcome.REPLIED
            follow_up.completed_at = now
            session.add(follow_up)
            context.active_follow_up = None
            await notify_card_changed(session=session, follow_up=follow_up, now=now)
            # The done row must leave the partial unique index before its successor is inserted.
            await session.flush()
        await plan_follow_up(session=session, context=context, config=config, now=now, replied_at=now)
        return
    planned_due, notified_at = follow_up.due_at, follow_up.notified_at
    earlier = pull_forward(config.cadence, planned_due, working_hours(context.owner), now)
    if follow_up.kind in CADENCE_KINDS:
        # Re-plan, so that the kind, the reasons and the suggested content fit the stage the reply may
        # have moved the lead to; the reply never delays a touch that was due sooner.
        await plan_follow_up(session=session, context=context, config=config, now=now, replied_at=now)
        follow_up.due_at = earlier
        if earlier == planned_due:
            follow_up.notified_at = notified_at  # same time as before: the rep was reminded already
        return
    if earlier != planned_due:
        # A discovery call stays what the hand-off made it; only its time comes sooner.
        follow_up.due_at = earlier
        follow_up.notified_at = None
        follow_up.status = FollowUpStatus.OPEN
        session.add(follow_up)
        await notify_card_changed(session=session, follow_up=follow_up, now=now)
