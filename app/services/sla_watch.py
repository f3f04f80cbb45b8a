"""Speed-to-lead: a new MQL nobody has touched nudges its owner, then escalates to the team lead."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Lead, Member
from app.nurturing.enums import Lifecycle
from app.nurturing.sla import SlaAction, speed_to_lead
from app.services.outbox import Notice, enqueue
from app.services.recipients import team_lead_recipients
from app.services.tenant_config import TenantConfig, load_config, working_hours

log = logging.getLogger(__name__)

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
        key = f"sla:{lead.id}:{lead.mql_at.isoformat()}:{action.value}"
        if action is SlaAction.NUDGE:
            await enqueue(
                session=session,
                tenant_id=tenant_id,
                kind=Notice.SLA_NUDGE,
                dedupe_key=key,
                payload={"lead_id": str(lead.id)},
                member_id=lead.owner_id,
                now=now,
            )
        else:
            # Addressed to people, not to a team: a team without a lead escalates to the managers.
            recipients = await team_lead_recipients(
                session=session, tenant_id=tenant_id, team_id=lead.team_id
            )
            if not recipients:
                # Nobody to tell yet; the state stays, so the next run escalates once someone is there.
                log.warning("SLA escalation has no recipient", extra={"tenant_id": tenant_id})
                continue
            for recipient in recipients:
                await enqueue(
                    session=session,
                    tenant_id=tenant_id,
                    kind=Notice.SLA_ESCALATE,
                    dedupe_key=f"{key}:{recipient.id}",
                    payload={"lead_id": str(lead.id)},
                    member_id=recipient.id,
                    team_id=lead.team_id,
                    now=now,
                )
        lead.sla_state = action.value
        session.add(lead)
        counts[action] += 1
    await session.flush()
    return counts
