"""Fetching one row of a tenant by id; another tenant's id is simply not found."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Lead, Member
from app.services.access import Caller
from app.services.errors import LeadNotFound, MemberNotFound


async def get_lead(*, session: AsyncSession, tenant_id: str, lead_id: uuid.UUID) -> Lead:
    """One lead of this tenant, or LeadNotFound (also for another tenant's id)."""
    lead = (await session.exec(select(Lead).where(Lead.tenant_id == tenant_id, Lead.id == lead_id))).first()
    if lead is None:
        raise LeadNotFound(lead_id)
    return lead


async def get_member(*, session: AsyncSession, tenant_id: str, member_id: uuid.UUID) -> Member:
    """One member of this tenant, or MemberNotFound."""
    member = (
        await session.exec(select(Member).where(Member.tenant_id == tenant_id, Member.id == member_id))
    ).first()
    if member is None:
        raise MemberNotFound(member_id)
    return member


async def list_members(*, session: AsyncSession, caller: Caller) -> Sequence[Member]:
    """Everyone in the caller's tenant, by name (the member picker)."""
    statement = select(Member).where(Member.tenant_id == caller.tenant_id).order_by(col(Member.display_name))
    return (await session.exec(statement)).all()


async def member_by_object_id(*, session: AsyncSession, tenant_id: str, object_id: str) -> Member | None:
    """The member with this Entra ID object id in this tenant, if any."""
    statement = select(Member).where(Member.tenant_id == tenant_id, Member.aad_object_id == object_id)
    return (await session.exec(statement)).first()


async def member_by_email(*, session: AsyncSession, tenant_id: str, email: str) -> Member | None:
    """The member with this address (stored lower-case) in this tenant, if any."""
    statement = select(Member).where(Member.tenant_id == tenant_id, Member.email == email.strip().lower())
    return (await session.exec(statement)).first()
