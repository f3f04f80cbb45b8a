"""Background work: announce due follow-ups and speed-to-lead breaches by writing outbox rows."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import SessionMaker, transaction
from app.keys import Clock
from app.services.follow_ups import due_follow_ups
from app.services.outbox import Notice, enqueue
from app.services.sla import check_speed_to_lead
from app.services.tenants import tenant_ids

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TickReport:
    tenants: int
    follow_ups_announced: int
    sla_notices: int


async def _tenant_lock(session: AsyncSession, tenant_id: str) -> bool:
    """On PostgreSQL only one instance works a tenant per tick; SQLite has one writer anyway."""
    if session.bind is None or session.bind.dialect.name != "postgresql":
        return True
    statement = select(
        func.pg_try_advisory_xact_lock(func.hashtext("nurture.scheduler"), func.hashtext(tenant_id))
    )
    return bool((await session.exec(statement)).one())


async def announce_due_follow_ups(
    *, sessions: SessionMaker, tenant_id: str, now: datetime, batch: int = 200
) -> int:
    """Write one outbox row per due follow-up and mark it announced, in batches."""
    announced = 0
    while True:
        async with transaction(sessions) as session:
            if not await _tenant_lock(session, tenant_id):
                return announced
            due = await due_follow_ups(session=session, tenant_id=tenant_id, now=now, limit=batch)
            for follow_up in due:
                await enqueue(
                    session=session,
                    tenant_id=tenant_id,
                    kind=Notice.FOLLOW_UP_DUE,
                    dedupe_key=f"follow_up:{follow_up.id}:due:{follow_up.due_at.isoformat()}",
                    payload={"follow_up_id": str(follow_up.id), "lead_id": str(follow_up.lead_id)},
                    member_id=follow_up.owner_id,
                    now=now,
                )
                follow_up.notified_at = now
                session.add(follow_up)
        announced += len(due)
        if len(due) < batch:
            return announced


async def run_tick(*, sessions: SessionMaker, now: datetime) -> TickReport:
    """One pass over every tenant."""
    async with sessions() as session:
        tenants = list(await tenant_ids(session=session))
    announced = sla = 0
    for tenant_id in tenants:
        announced += await announce_due_follow_ups(sessions=sessions, tenant_id=tenant_id, now=now)
        async with transaction(sessions) as session:
            if await _tenant_lock(session, tenant_id):
                counts = await check_speed_to_lead(session=session, tenant_id=tenant_id, now=now)
                sla += sum(counts.values())
    return TickReport(len(tenants), announced, sla)


async def run_forever(*, sessions: SessionMaker, clock: Clock, interval: float) -> None:
    """Tick until cancelled; one failing tick is logged and the loop goes on."""
    while True:
        try:
            report = await run_tick(sessions=sessions, now=clock())
            if report.follow_ups_announced or report.sla_notices:
                log.info(
                    "scheduler tick",
                    extra={"announced": report.follow_ups_announced, "sla_notices": report.sla_notices},
                )
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("scheduler tick failed")
        await asyncio.sleep(interval)
