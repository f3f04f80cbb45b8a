"""Who hears about a team's problems: its team leads, or the tenant's managers when it has none."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Member
from app.nurturing.enums import Role


async def _active(
    session: AsyncSession, tenant_id: str, role: Role, team_id: uuid.UUID | None
) -> list[Member]:
    statement = select(Member).where(
        Member.tenant_id == tenant_id, Member.role == role, col(Member.active).is_(True)
    )
    if team_id is not None:
        statement = statement.where(Member.team_id == team_id)
    return list((await session.exec(statement.order_by(col(Member.display_name), col(Member.id)))).all())


async def team_lead_recipients(
    *, session: AsyncSession, tenant_id: str, team_id: uuid.UUID | None
) -> Sequence[Member]:
    """The team's active leads; without any (or without a team), the active managers, then the admins.

    Empty only when the tenant has none of these: the caller then queues nothing rather than a notice
    addressed to nobody."""
    if team_id is not None:
        leads = await _active(session, tenant_id, Role.LEAD, team_id)
        if leads:
            return leads
    return await _active(session, tenant_id, Role.MANAGER, None) or await _active(
        session, tenant_id, Role.ADMIN, None
    )
