"""Tenants: the Entra ID directories Nurture serves."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Tenant


async def ensure_tenant(*, session: AsyncSession, tenant_id: str, name: str, now: datetime) -> Tenant:
    """The tenant row, created on first sight (installation, sign-in or the CLI)."""
    tenant = await session.get(Tenant, tenant_id)
    if tenant is None:
        tenant = Tenant(id=tenant_id, tenant_id=tenant_id, name=name, created_at=now)
        session.add(tenant)
        await session.flush()
    return tenant


async def tenant_ids(*, session: AsyncSession) -> Sequence[str]:
    """Every tenant id. The one query without a tenant filter: background jobs use it to visit each tenant."""
    return (await session.exec(select(Tenant.id).order_by(col(Tenant.id)))).all()
