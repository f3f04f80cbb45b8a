"""A member who leaves leaves no orphaned work: their leads and follow-ups move to their team."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import FollowUp, Lead, Member, OwnershipChange
from app.nurturing.assignment import distribute
from app.nurturing.enums import ACTIVE_FOLLOW_UP_STATUSES, AssignmentMethod, FollowUpStatus
from app.services.access import Caller
from app.services.lead_context import load_contexts
from app.services.ownership import announce_unrouted, apply_ownership, fallback_owners, team_candidates
from app.services.planning import CLOSED_LIFECYCLES, cancel_active, notify_card_changed
from app.services.tenant_config import TenantConfig, load_config

REASON = "previous owner deactivated"


@dataclass(frozen=True, slots=True)
class HandOver:
    to_team: int  # leads given to the member's teammates
    to_fallback: int  # leads given to the tenant's routing fallback
    unowned: int  # leads nobody had room for; their team lead was told


async def hand_over_work(
    *,
    session: AsyncSession,
    caller: Caller,
    member: Member,
    config: TenantConfig | None = None,
) -> HandOver:
    """Give an inactive member's open leads to their team by capacity-weighted round-robin, the rest to
    the tenant's routing fallback, and move their active follow-ups with the leads.

    Each move is audited and announced to the new owner as a manual reassignment is; the member who
    left gets no cards. Leads nobody has room for lose their owner, and their team lead is told."""
    assert not member.active, "only an inactive member's work is handed over"
    tenant_id, now = caller.tenant_id, caller.now
    config = config or await load_config(session=session, tenant_id=tenant_id)
    # The hottest leads first, so that they find an owner when room runs short; the id keeps ties stable.
    leads = list(
        (
            await session.exec(
                select(Lead)
                .where(
                    Lead.tenant_id == tenant_id,
                    Lead.owner_id == member.id,
                    col(Lead.lifecycle).not_in(CLOSED_LIFECYCLES),
                )
                .order_by(col(Lead.total_score).desc(), col(Lead.id))
            )
        ).all()
    )
    to_team: list[OwnershipChange] = []
    if member.team_id is not None and leads:
        pool = await team_candidates(session=session, tenant_id=tenant_id, team_id=member.team_id)
        by_id = {str(mate.id): mate for mate, _ in pool}
        plan = distribute([str(lead.id) for lead in leads], [candidate for _, candidate in pool], now)
        owners = {lead.id: by_id[plan[str(lead.id)]] for lead in leads if str(lead.id) in plan}
        to_team = await apply_ownership(
            session=session,
            leads=[lead for lead in leads if lead.id in owners],
            owners=owners,
            method=AssignmentMethod.HANDOVER,
            caller=caller,
            reason=REASON,
            config=config,
            tell_previous=False,
        )
    left = [lead for lead in leads if lead.owner_id == member.id]
    owners = await fallback_owners(session=session, tenant_id=tenant_id, leads=left, config=config, now=now)
    owners = {lead_id: owner for lead_id, owner in owners.items() if owner.id != member.id}
    to_fallback = await apply_ownership(
        session=session,
        leads=[lead for lead in left if lead.id in owners],
        owners=owners,
        method=AssignmentMethod.FALLBACK,
        caller=caller,
        reason=REASON,
        config=config,
        tell_previous=False,
    )
    unowned = [lead for lead in leads if lead.owner_id == member.id]
    await _release(session=session, caller=caller, member=member, leads=unowned)
    await announce_unrouted(session=session, tenant_id=tenant_id, leads=unowned, cause="unowned", now=now)
    await _move_stray_follow_ups(session=session, tenant_id=tenant_id, member=member, now=now)
    await session.flush()
    return HandOver(to_team=len(to_team), to_fallback=len(to_fallback), unowned=len(unowned))


async def _release(
    *,
    session: AsyncSession,
    caller: Caller,
    member: Member,
    leads: list[Lead],
) -> None:
    """Leads nobody had room for: no owner rather than one who has left. Their follow-up waits for the
    owner the team lead picks, who gets a freshly planned one."""
    if not leads:
        return
    tenant_id, now = caller.tenant_id, caller.now
    contexts = await load_contexts(session=session, tenant_id=tenant_id, leads=leads, now=now)
    for lead in leads:
        session.add(
            OwnershipChange(
                tenant_id=tenant_id,
                lead_id=lead.id,
                from_member_id=member.id,
                to_member_id=None,
                changed_by=caller.member_id,
                method=AssignmentMethod.HANDOVER,
                reason=REASON,
                changed_at=now,
            )
        )
        lead.owner_id = None
        lead.updated_at = now
        session.add(lead)
        await cancel_active(session=session, context=contexts[lead.id], now=now)


async def _move_stray_follow_ups(
    *, session: AsyncSession, tenant_id: str, member: Member, now: datetime
) -> None:
    """Active follow-ups still in the member's name (on a lead someone else owns, or a closed one)."""
    rows = (
        await session.exec(
            select(FollowUp, Lead)
            .join(Lead, col(Lead.id) == col(FollowUp.lead_id))
            .where(
                FollowUp.tenant_id == tenant_id,
                FollowUp.owner_id == member.id,
                col(FollowUp.status).in_(ACTIVE_FOLLOW_UP_STATUSES),
            )
            .order_by(col(FollowUp.id))
        )
    ).all()
    for follow_up, lead in rows:
        if lead.lifecycle in CLOSED_LIFECYCLES or lead.owner_id is None:
            follow_up.status = FollowUpStatus.CANCELLED
            follow_up.completed_at = now
        else:
            follow_up.owner_id = lead.owner_id
        session.add(follow_up)
        await notify_card_changed(session=session, follow_up=follow_up, now=now)
