"""Recomputing scores for a whole tenant, after rules change or as a nightly decay pass."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import SessionMaker, transaction
from app.models import Lead
from app.services.assignment import route_unassigned
from app.services.lead_context import load_contexts
from app.services.refresh import refresh_leads
from app.services.tenant_config import load_config


async def recompute_scores(
    *,
    sessions: SessionMaker,
    tenant_id: str,
    now: datetime,
    batch_size: int = 500,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Refresh every lead in batches, one transaction each, so a big tenant never holds a long lock."""
    async with sessions() as session:
        total = int(
            (
                await session.exec(select(func.count()).select_from(Lead).where(Lead.tenant_id == tenant_id))
            ).one()
        )
        config = await load_config(session=session, tenant_id=tenant_id)
    done = 0
    after: uuid.UUID | None = None
    while True:
        async with transaction(sessions) as session:
            statement = (
                select(Lead).where(Lead.tenant_id == tenant_id).order_by(col(Lead.id)).limit(batch_size)
            )
            if after is not None:
                statement = statement.where(col(Lead.id) > after)
            leads = (await session.exec(statement)).all()
            if not leads:
                break
            contexts = await load_contexts(session=session, tenant_id=tenant_id, leads=leads, now=now)
            await refresh_leads(session=session, contexts=contexts, config=config, now=now)
        after = leads[-1].id
        done += len(leads)
        if progress is not None:
            progress(done, total)
    return done


async def settle_new_leads(
    *,
    session: AsyncSession,
    tenant_id: str,
    lead_ids: Sequence[uuid.UUID],
    now: datetime,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """After a bulk import: route unowned leads to their team, then score them and plan their follow-ups."""
    config = await load_config(session=session, tenant_id=tenant_id)
    done = 0
    for start in range(0, len(lead_ids), 500):
        chunk = list(lead_ids[start : start + 500])
        await route_unassigned(
            session=session, tenant_id=tenant_id, lead_ids=chunk, actor=None, now=now, config=config
        )
        leads = (
            await session.exec(select(Lead).where(Lead.tenant_id == tenant_id, col(Lead.id).in_(chunk)))
        ).all()
        contexts = await load_contexts(session=session, tenant_id=tenant_id, leads=leads, now=now)
        await refresh_leads(session=session, contexts=contexts, config=config, now=now)
        await session.flush()
        done += len(chunk)
        if progress is not None:
            progress(done, len(lead_ids))
    return done
