from __future__ import annotations

from sqlmodel import select

from app.db import SessionMaker, transaction
from app.models import Tenant


async def test_migrated_database_accepts_a_tenant(sessions: SessionMaker) -> None:
    async with transaction(sessions) as session:
        session.add(Tenant(id="t1", tenant_id="t1", name="Contoso"))
    async with sessions() as session:
        tenants = (await session.exec(select(Tenant).where(Tenant.tenant_id == "t1"))).all()
    assert [t.name for t in tenants] == ["Contoso"]
