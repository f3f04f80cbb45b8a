"""Hand-off to sales: proposed by the engine or a rep, accepted or rejected by the team lead."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import HandOff, Lead
from app.nurturing import lifecycle as lifecycle_rules
from app.nurturing.enums import FollowUpKind, FollowUpStatus, HandOffStatus, Lifecycle, RecycleReason, Role
from app.nurturing.reasons import Reason
from app.nurturing.recycling import on_hold
from app.services.access import Caller, ensure_can_decide_hand_off, ensure_can_work, ensure_role
from app.services.errors import Conflict, LeadNotFound, NotFound
from app.services.lead_context import load_contexts
from app.services.lead_history import change_lifecycle
from app.services.lead_queries import lead_for_action, visible_to
from app.services.outbox import Notice, enqueue
from app.services.planning import plan_follow_up
from app.services.recycling import apply_recycle, decide_recycle
from app.services.tenant_config import TenantConfig, load_config, working_hours

# Only a lead still in nurturing can be handed to sales; from SAL on it already is sales'.
PROPOSABLE = frozenset({Lifecycle.NEW, Lifecycle.MQL, Lifecycle.RECYCLED})
_DECIDERS = frozenset({Role.LEAD, Role.MANAGER, Role.ADMIN})


async def record_proposal(
    *,
    session: AsyncSession,
    lead: Lead,
    evidence: list[dict[str, object]],
    proposed_by: uuid.UUID | None,
    now: datetime,
) -> HandOff:
    """Store a proposed hand-off and tell the lead's team, whoever proposed it."""
    hand_off = HandOff(
        tenant_id=lead.tenant_id,
        lead_id=lead.id,
        status=HandOffStatus.PROPOSED,
        evidence=evidence,
        proposed_by=proposed_by,
        proposed_at=now,
    )
    session.add(hand_off)
    await enqueue(
        session=session,
        tenant_id=lead.tenant_id,
        kind=Notice.HAND_OFF_PROPOSED,
        dedupe_key=f"hand_off:{hand_off.id}:proposed",
        payload={"hand_off_id": str(hand_off.id), "lead_id": str(lead.id)},
        team_id=lead.team_id,
        now=now,
    )
    return hand_off


async def propose_hand_off(
    *,
    session: AsyncSession,
    caller: Caller,
    lead_id: uuid.UUID,
    note: str | None = None,
    expected_version: int | None = None,
) -> HandOff:
    """A rep sees buying signals the engine has not: propose the hand-off with the score as evidence.

    A lead sales sent back, before its nurture-until date or after repeated rejections, needs a team
    lead's decision to be proposed again: a rep alone cannot start the ping-pong."""
    tenant_id, now = caller.tenant_id, caller.now
    lead = await lead_for_action(
        session=session,
        caller=caller,
        lead_id=lead_id,
        allowed=ensure_can_work,
        expected_version=expected_version,
    )
    existing = (
        await session.exec(
            select(HandOff).where(
                HandOff.tenant_id == tenant_id,
                HandOff.lead_id == lead.id,
                HandOff.status == HandOffStatus.PROPOSED,
            )
        )
    ).first()
    if existing is not None:
        return existing
    if lead.lifecycle not in PROPOSABLE:
        raise Conflict(f"a {lead.lifecycle.value} lead is no longer in nurturing and cannot be handed off")
    if not caller.is_system and caller.role not in _DECIDERS:
        config = await load_config(session=session, tenant_id=tenant_id)
        policy = config.recycling
        if not lifecycle_rules.may_return(lead.nurture_until, now):
            raise Conflict("sales sent this lead back until a later date; ask your team lead to propose it")
        context = (await load_contexts(session=session, tenant_id=tenant_id, leads=[lead], now=now))[lead.id]
        if on_hold(policy, context.recent_rejections, now):
            raise Conflict("sales rejected this lead repeatedly; ask your team lead to propose it")
    evidence = [Reason("rep_proposed", {"note": note or ""}).to_dict()]
    evidence += [
        Reason("score_rule", {"label": item["label"], "points": item["points"]}).to_dict()
        for item in sorted(lead.score_explanation, key=lambda item: -abs(int(item["points"])))[:3]
    ]
    hand_off = await record_proposal(
        session=session,
        lead=lead,
        evidence=evidence,
        proposed_by=caller.member_id,
        now=now,
    )
    await session.flush()
    return hand_off


async def _open_hand_off(
    session: AsyncSession, caller: Caller, hand_off_id: uuid.UUID
) -> tuple[HandOff, Lead]:
    """A hand-off the caller may decide; whether it is still open counts only after that."""
    tenant_id = caller.tenant_id
    hand_off = (
        await session.exec(select(HandOff).where(HandOff.tenant_id == tenant_id, HandOff.id == hand_off_id))
    ).first()
    if hand_off is None:
        raise NotFound("hand-off", hand_off_id)
    try:
        lead = await lead_for_action(
            session=session,
            caller=caller,
            lead_id=hand_off.lead_id,
            allowed=ensure_can_decide_hand_off,
            expected_version=None,
        )
    except LeadNotFound as hidden:
        raise NotFound("hand-off", hand_off_id) from hidden
    if hand_off.status != HandOffStatus.PROPOSED:
        raise Conflict(f"hand-off was already {hand_off.status}")
    return hand_off, lead


async def _notify_owner(session: AsyncSession, hand_off: HandOff, lead: Lead, now: datetime) -> None:
    await enqueue(
        session=session,
        tenant_id=lead.tenant_id,
        kind=Notice.HAND_OFF_DECIDED,
        dedupe_key=f"hand_off:{hand_off.id}:{hand_off.status}",
        payload={"hand_off_id": str(hand_off.id), "lead_id": str(lead.id)},
        member_id=lead.owner_id,
        now=now,
    )


async def accept_hand_off(
    *, session: AsyncSession, caller: Caller, hand_off_id: uuid.UUID, config: TenantConfig | None = None
) -> HandOff:
    """Sales accepts: the lead becomes SAL and a discovery call is due within one business day."""
    tenant_id, now = caller.tenant_id, caller.now
    hand_off, lead = await _open_hand_off(session, caller, hand_off_id)
    context = (await load_contexts(session=session, tenant_id=tenant_id, leads=[lead], now=now))[lead.id]
    decision = lifecycle_rules.accept_hand_off(lead.lifecycle, working_hours(context.owner), now)
    actor_id = caller.member_id
    await change_lifecycle(
        session=session,
        lead=lead,
        to_lifecycle=decision.lifecycle,
        now=now,
        automatic=False,
        reason="hand-off accepted",
        actor_id=actor_id,
        withdraw_hand_offs=False,  # this one is being decided, not withdrawn
    )
    hand_off.status = HandOffStatus.ACCEPTED
    hand_off.decided_by = actor_id
    hand_off.decided_at = now
    session.add(hand_off)
    config = config or await load_config(session=session, tenant_id=tenant_id)
    follow_up = await plan_follow_up(session=session, context=context, config=config, now=now)
    if follow_up is not None and decision.follow_up_due is not None:
        follow_up.kind = FollowUpKind.DISCOVERY_CALL
        follow_up.due_at = decision.follow_up_due
        follow_up.status = FollowUpStatus.OPEN
        follow_up.reasons = [Reason("discovery_call").to_dict()]
        follow_up.suggested_content_key = None
        session.add(follow_up)
    lead.updated_at = now
    session.add(lead)
    await _notify_owner(session, hand_off, lead, now)
    await session.flush()
    return hand_off


async def reject_hand_off(
    *,
    session: AsyncSession,
    caller: Caller,
    hand_off_id: uuid.UUID,
    reason_code: RecycleReason | None,
    note: str | None = None,
    until: datetime | None = None,
    config: TenantConfig | None = None,
) -> HandOff:
    """Sales rejects with a coded reason: nurtured until the date the reason sets, or disqualified."""
    tenant_id, now = caller.tenant_id, caller.now
    hand_off, lead = await _open_hand_off(session, caller, hand_off_id)
    config = config or await load_config(session=session, tenant_id=tenant_id)
    context = (await load_contexts(session=session, tenant_id=tenant_id, leads=[lead], now=now))[lead.id]
    decision = decide_recycle(
        config=config, reason_code=reason_code, note=note, until=until, owner=context.owner, now=now
    )
    lifecycle_rules.reject_hand_off(lead.lifecycle, decision)
    actor_id = caller.member_id
    await apply_recycle(
        session=session,
        lead=lead,
        decision=decision,
        now=now,
        actor_id=actor_id,
        withdraw_hand_offs=False,  # this one is being decided, not withdrawn
    )
    hand_off.status = HandOffStatus.REJECTED
    hand_off.decided_by = actor_id
    hand_off.decided_at = now
    hand_off.reason_code = decision.reason
    hand_off.nurture_until = decision.nurture_until
    hand_off.reason = decision.note[:500] if decision.note else None
    session.add(hand_off)
    # Back to nurturing means back on the cadence, paced by the date; out of the funnel means no more work.
    await session.flush()
    await plan_follow_up(session=session, context=context, config=config, now=now)
    await _notify_owner(session, hand_off, lead, now)
    await session.flush()
    return hand_off


async def waiting_hand_offs(*, session: AsyncSession, caller: Caller, limit: int = 200) -> Sequence[HandOff]:
    """Hand-offs waiting for a decision on leads the caller may see, oldest first (team leads and up)."""
    ensure_role(caller, Role.LEAD, Role.MANAGER, Role.ADMIN)
    statement = (
        select(HandOff)
        .join(Lead, col(Lead.id) == col(HandOff.lead_id))
        .where(
            HandOff.tenant_id == caller.tenant_id,
            HandOff.status == HandOffStatus.PROPOSED,
            visible_to(caller),
        )
        .order_by(col(HandOff.proposed_at))
        .limit(limit)
    )
    return (await session.exec(statement)).all()


async def decidable_hand_off(*, session: AsyncSession, caller: Caller, hand_off_id: uuid.UUID) -> HandOff:
    """The hand-off, once the caller is known to be allowed to decide it; whatever its state."""
    hand_off = await session.get(HandOff, hand_off_id)
    if hand_off is None or hand_off.tenant_id != caller.tenant_id:
        raise NotFound("hand-off", hand_off_id)
    lead = await session.get(Lead, hand_off.lead_id)
    if lead is None or lead.tenant_id != caller.tenant_id:
        raise NotFound("lead", hand_off.lead_id)
    ensure_can_decide_hand_off(caller, lead)
    return hand_off
