"""Keeps each owned lead's single active follow-up planned by the cadence and the playbook."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import FollowUp
from app.nurturing.cadence import CadenceInput, intent_reason, next_follow_up, pull_forward
from app.nurturing.calendar import add_business_hours, align_to_working_hours
from app.nurturing.enums import (
    TOUCH_KINDS,
    FollowUpKind,
    FollowUpOutcome,
    FollowUpStatus,
    Lifecycle,
    TouchpointKind,
)
from app.nurturing.playbook import suggest_touchpoint
from app.nurturing.reasons import Reason
from app.nurturing.scoring import Signal, engagement_trend
from app.services.lead_context import LeadContext
from app.services.outbox import Notice, enqueue
from app.services.tenant_config import TenantConfig, working_hours

CLOSED_LIFECYCLES = frozenset({Lifecycle.WON, Lifecycle.LOST, Lifecycle.DISQUALIFIED})
# From SAL on, sales owns the conversation: the marketing cadence stops and follow-ups are sales steps.
SALES_LIFECYCLES = frozenset({Lifecycle.SAL, Lifecycle.SQL, Lifecycle.OPPORTUNITY})
# Follow-ups the cadence plans, and may plan again; a discovery call comes from an accepted hand-off.
CADENCE_KINDS = TOUCH_KINDS
SALES_KINDS = frozenset({FollowUpKind.DISCOVERY_CALL, FollowUpKind.SALES_STEP})


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


def _write(
    session: AsyncSession,
    context: LeadContext,
    *,
    kind: FollowUpKind,
    due_at: datetime,
    reasons: list[dict[str, object]],
    channel: TouchpointKind | None,
    content_key: str | None,
    now: datetime,
) -> FollowUp:
    """Create the lead's one active follow-up, or re-plan the waiting one in place."""
    lead = context.lead
    planned: dict[str, Any] = {
        "owner_id": lead.owner_id,
        "due_at": due_at,
        "kind": kind,
        "status": FollowUpStatus.OPEN,
        "notified_at": None,
        "planned_at": now,
        "reasons": reasons,
        "suggested_channel": channel,
        "suggested_content_key": content_key,
    }
    follow_up = context.active_follow_up
    if follow_up is None:
        # Every column given at once: a table model's constructor calls each missing column's default
        # factory (pydantic inspects its signature each time) and every later assignment goes through
        # both pydantic and the ORM, which together cost more than the rest of planning a lead.
        follow_up = FollowUp(
            id=uuid.uuid4(),
            tenant_id=lead.tenant_id,
            lead_id=lead.id,
            outcome=None,
            note=None,
            activity_id=None,
            conversation_id=None,
            created_at=now,
            completed_at=None,
            completed_by=None,
            **planned,
        )
        context.active_follow_up = follow_up
    else:
        for name, value in planned.items():
            # Only what changed: an unchanged value assigned still records history for the flush.
            if getattr(follow_up, name) != value:
                setattr(follow_up, name, value)
    if follow_up not in session:
        session.add(follow_up)
    return follow_up


async def _plan_fix_address(
    *, session: AsyncSession, context: LeadContext, config: TenantConfig, now: datetime
) -> FollowUp:
    active = context.active_follow_up
    if active is not None and active.kind is FollowUpKind.FIX_ADDRESS:
        return active
    due = add_business_hours(working_hours(context.owner), now, config.cadence.reply_pull_forward_hours)
    follow_up = _write(
        session,
        context,
        kind=FollowUpKind.FIX_ADDRESS,
        due_at=due,
        reasons=[Reason("fix_address").to_dict()],
        channel=None,
        content_key=None,
        now=now,
    )
    await notify_card_changed(session=session, follow_up=follow_up, now=now)
    return follow_up


async def _plan_sales_step(
    *, session: AsyncSession, context: LeadContext, config: TenantConfig, now: datetime
) -> FollowUp:
    """From SAL on the marketing cadence is over: the rep's next step with the buyer, by phone."""
    active = context.active_follow_up
    if active is not None and active.kind in SALES_KINDS:
        return active
    hours = working_hours(context.owner)
    due = align_to_working_hours(hours, now + timedelta(days=config.cadence.sales_step_interval_days))
    follow_up = _write(
        session,
        context,
        kind=FollowUpKind.SALES_STEP,
        due_at=due,
        reasons=[Reason("sales_step").to_dict()],
        channel=TouchpointKind.CALL,
        content_key=None,
        now=now,
    )
    await notify_card_changed(session=session, follow_up=follow_up, now=now)
    return follow_up


def _recent_touches(context: LeadContext, now: datetime) -> tuple[datetime, ...]:
    return tuple(at for at in context.recent_touches if now - at < timedelta(days=7))


async def plan_follow_up(
    *,
    session: AsyncSession,
    context: LeadContext,
    config: TenantConfig,
    now: datetime,
    replied_at: datetime | None = None,
    intent: Signal | None = None,
) -> FollowUp | None:
    """Create or re-plan the lead's one active follow-up; None when nobody owns the lead or nothing is due.

    The order is the practice's: a bounced address is fixed first; from SAL on the follow-ups are sales
    steps; a dormant lead, or an unsubscribed one where the tenant allows no other channel, gets none."""
    lead = context.lead
    if lead.lifecycle in CLOSED_LIFECYCLES or lead.owner_id is None:
        await cancel_active(session=session, context=context, now=now)
        return None
    if lead.bounced:
        return await _plan_fix_address(session=session, context=context, config=config, now=now)
    if lead.lifecycle in SALES_LIFECYCLES:
        return await _plan_sales_step(session=session, context=context, config=config, now=now)
    no_channel = lead.unsubscribed and config.cadence.unsubscribed_contact == "none"
    if lead.dormant_since is not None or no_channel:
        await cancel_active(session=session, context=context, now=now)
        return None
    hours = working_hours(context.owner)
    facts = context.facts()
    decision = next_follow_up(
        config.cadence,
        CadenceInput(
            stage=lead.stage,
            engagement_trend=engagement_trend(
                config.scoring, facts, context.signals, now, current=context.score
            ),
            unanswered_touches=lead.unanswered_touches,
            last_touch_at=lead.last_touch_at,
            replied_at=replied_at,
            intent_at=intent.occurred_at if intent is not None else None,
            intent_reason=intent_reason(intent) if intent is not None else None,
            recent_touches=_recent_touches(context, now),
            parked_until=lead.nurture_until if lead.lifecycle is Lifecycle.RECYCLED else None,
        ),
        hours,
        now,
    )
    if decision.dormant:
        lead.dormant_since = now
        session.add(lead)
        await cancel_active(session=session, context=context, now=now)
        return None
    suggestion = suggest_touchpoint(
        config.library,
        stage=lead.stage,
        persona=lead.persona,
        topics=lead.topics,
        already_sent=context.sent_content,
        signals=context.signals,
        now=now,
        language=lead.language,
        mail_allowed=not lead.unsubscribed,
    )
    follow_up = _write(
        session,
        context,
        kind=decision.kind,
        due_at=decision.due_at,
        # Consent comes first: whatever else the card has room for, the rep sees why not to mail.
        reasons=[
            reason.to_dict()
            for reason in sorted(
                (*decision.reasons, *suggestion.reasons), key=lambda r: r.code != "no_marketing_mail"
            )
        ],
        channel=suggestion.channel,
        content_key=suggestion.content.id if suggestion.content else None,
        now=now,
    )
    await notify_card_changed(session=session, follow_up=follow_up, now=now)
    return follow_up


def waiting_on_cadence(context: LeadContext) -> bool:
    """Whether the lead's next touch is the cadence's to move (not a discovery call or a sales step)."""
    active = context.active_follow_up
    return active is None or active.kind in CADENCE_KINDS


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
            # The done row must leave the partial unique index before its successor is inserted: no flush
            # needed for that, since a flush emits a table's UPDATEs before its INSERTs (and a bulk writer
            # updates before it flushes), so a whole batch of replies is still written together.
        await plan_follow_up(session=session, context=context, config=config, now=now, replied_at=now)
        return
    planned_due, notified_at = follow_up.due_at, follow_up.notified_at
    earlier = pull_forward(config.cadence, planned_due, working_hours(context.owner), now)
    if follow_up.kind in CADENCE_KINDS:
        # Re-plan, so that the kind, the reasons and the suggested content fit the stage the reply may
        # have moved the lead to; the reply never delays a touch that was due sooner.
        planned = await plan_follow_up(
            session=session, context=context, config=config, now=now, replied_at=now
        )
        if planned is not follow_up or planned.kind not in CADENCE_KINDS:
            return
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
