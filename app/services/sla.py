"""Speed-to-lead: a new MQL nobody has touched nudges its owner, then escalates to the team lead."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Lead, Member
from app.nurturing.enums import Lifecycle
from app.nurturing.sla import SlaAction, speed_to_lead
from app.services.outbox import Notice, enqueue
from app.services.tenant_config import TenantConfig, load_config, working_hours

_RANK = {SlaAction.NONE: 0, SlaAction.NUDGE: 1, SlaAction.ESCALATE: 2}


async def check_speed_to_lead(
    *,
    session: AsyncSession,
    tenant_id: str,
    now: datetime,
    config: TenantConfig | None = None,
    limit: int = 1000,
) -> dict[SlaAction, int]:
    """Queue each nudge and escalation once per qualification; returns how many of each were queued."""
    config = config or await load_config(session=session, tenant_id=tenant_id)
    leads = (
        await session.exec(
            select(Lead)
            .where(
                Lead.tenant_id == tenant_id,
                Lead.lifecycle == Lifecycle.MQL,
                col(Lead.mql_at).is_not(None),
                Lead.sla_state != SlaAction.ESCALATE.value,
            )
            .order_by(col(Lead.mql_at))
            .limit(limit)
        )
    ).all()
    owner_ids = list({lead.owner_id for lead in leads if lead.owner_id is not None})
    owners = (
        {
            member.id: member
            for member in (
                await session.exec(
                    select(Member).where(Member.tenant_id == tenant_id, col(Member.id).in_(owner_ids))
                )
            ).all()
        }
        if owner_ids
        else {}
    )
    counts = {SlaAction.NUDGE: 0, SlaAction.ESCALATE: 0}
    for lead in leads:
        owner = owners.get(lead.owner_id) if lead.owner_id else None
        action = speed_to_lead(
            config.sla,
            lifecycle=lead.lifecycle,
            mql_at=lead.mql_at,
            first_touch_at=lead.first_touch_at,
            wh=working_hours(owner),
            now=now,
        )
        if _RANK[action] <= _RANK[SlaAction(lead.sla_state)]:
            continue
        assert lead.mql_at is not None
        await enqueue(
            session=session,
            tenant_id=tenant_id,
            kind=Notice.SLA_NUDGE if action is SlaAction.NUDGE else Notice.SLA_ESCALATE,
            dedupe_key=f"sla:{lead.id}:{lead.mql_at.isoformat()}:{action.value}",
            payload={"lead_id": str(lead.id)},
            member_id=lead.owner_id if action is SlaAction.NUDGE else None,
            team_id=lead.team_id if action is SlaAction.ESCALATE else None,
            now=now,
        )
        lead.sla_state = action.value
        session.add(lead)
        counts[action] += 1
    await session.flush()
    return counts
