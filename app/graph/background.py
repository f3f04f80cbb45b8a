"""Graph housekeeping in the background: retention always, and in application mode a periodic sync of
every member's mailbox (delta) and mailbox settings. One instance does a tenant's run per interval: the
claim is written under the tenant's advisory lock, so a second instance sees it and skips."""

from __future__ import annotations

import asyncio
import logging
import ssl
from datetime import datetime, timedelta

from sqlmodel import func, select

from app.config import Settings
from app.db import SessionMaker, transaction
from app.graph.availability import sync_availability
from app.graph.batch_sync import sync_tenant
from app.graph.client import connect
from app.graph.tokens import GraphAuthError, GraphTokens
from app.keys import Clock
from app.models import TenantSetting
from app.services.retention import purge_old_messages
from app.services.tenants import tenant_ids

log = logging.getLogger(__name__)
CLAIM_KEY = "graph.background"


async def _claim(sessions: SessionMaker, tenant_id: str, now: datetime, every: timedelta) -> bool:
    async with transaction(sessions) as session:
        if session.bind is not None and session.bind.dialect.name == "postgresql":
            locked = await session.exec(
                select(
                    func.pg_try_advisory_xact_lock(func.hashtext("nurture.graph"), func.hashtext(tenant_id))
                )
            )
            if not locked.one():
                return False
        row = await session.get(TenantSetting, (tenant_id, CLAIM_KEY))
        if row is not None and now - row.updated_at < every:
            return False
        row = row or TenantSetting(tenant_id=tenant_id, key=CLAIM_KEY, value={})
        row.value = {"claimed_at": now.isoformat()}
        row.updated_at = now
        session.add(row)
        return True


async def housekeeping_pass(
    *, settings: Settings, sessions: SessionMaker, tokens: GraphTokens, tls: ssl.SSLContext, now: datetime
) -> dict[str, int]:
    """One pass over every tenant; returns counts for the log."""
    counts = {"purged": 0, "synced_tenants": 0, "stored": 0}
    async with sessions() as session:
        tenants = list(await tenant_ids(session=session))
    cutoff = now - timedelta(days=settings.graph_retention_days)
    for tenant_id in tenants:
        async with transaction(sessions) as session:
            counts["purged"] += await purge_old_messages(session=session, tenant_id=tenant_id, before=cutoff)
        if not (settings.graph_background_sync and tokens.configured):
            continue
        if not await _claim(sessions, tenant_id, now, timedelta(minutes=settings.graph_background_minutes)):
            continue
        try:
            summary = await sync_tenant(
                settings=settings, sessions=sessions, tokens=tokens, tls=tls, tenant_id=tenant_id, now=now
            )

            async def source(tenant: str = tenant_id) -> str:
                return await tokens.for_application(tenant_id=tenant)

            connection = connect(settings, source, tls=tls, limiter=tokens.limiter)
            try:
                await sync_availability(
                    sessions=sessions, client=connection.sdk, tenant_id=tenant_id, now=now
                )
            finally:
                await connection.close()
        except GraphAuthError as error:
            log.warning("graph background sync refused: %s", error.code, extra={"tenant": tenant_id})
            continue
        counts["synced_tenants"] += 1
        counts["stored"] += summary.stored
    return counts


async def run_forever(
    *, settings: Settings, sessions: SessionMaker, tokens: GraphTokens, tls: ssl.SSLContext, clock: Clock
) -> None:
    """Housekeeping every few minutes until cancelled; a failing pass is logged and the loop goes on."""
    while True:
        try:
            counts = await housekeeping_pass(
                settings=settings, sessions=sessions, tokens=tokens, tls=tls, now=clock()
            )
            if any(counts.values()):
                log.info("graph housekeeping", extra=counts)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("graph housekeeping failed")
        await asyncio.sleep(60)
