"""Sync a lead's mail when someone opens it in the tab, if its history is older than a few minutes."""

from __future__ import annotations

import ssl
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.config import Settings
from app.db import SessionMaker, transaction
from app.graph.client import connect
from app.graph.mail import sync_lead_mail
from app.graph.tokens import ConsentRequired, GraphTokens
from app.models import TenantSetting
from app.services.history_state import lead_sync_key, record_consent


@dataclass(frozen=True, slots=True)
class OnDemandResult:
    status: str  # synced, fresh, unavailable
    stored: int = 0


async def sync_if_stale(
    *,
    settings: Settings,
    sessions: SessionMaker,
    tokens: GraphTokens,
    tls: ssl.SSLContext,
    tenant_id: str,
    object_id: str,
    lead_id: uuid.UUID,
    user_assertion: str,
    now: datetime,
) -> OnDemandResult:
    """Pull the viewer's mail with this lead on their behalf, unless that was done recently.

    ConsentRequired and GraphAuthError pass through to the caller, which tells the user what to do."""
    if not tokens.configured:
        return OnDemandResult("unavailable")
    key = lead_sync_key(lead_id, object_id)
    async with sessions() as session:
        mark = await session.get(TenantSetting, (tenant_id, key))
    if mark is not None and now - mark.updated_at < timedelta(minutes=settings.graph_sync_stale_minutes):
        return OnDemandResult("fresh")

    async def source() -> str:
        return await tokens.on_behalf_of(tenant_id=tenant_id, user_assertion=user_assertion)

    connection = connect(settings, source, tls=tls, limiter=tokens.limiter)
    try:
        report = await sync_lead_mail(
            sessions=sessions,
            client=connection.sdk,
            tenant_id=tenant_id,
            lead_id=lead_id,
            mailbox="me",
            now=now,
        )
    except ConsentRequired as missing:
        # Kept for the lead page, which then says why the history is empty without asking Graph again.
        async with transaction(sessions) as session:
            await record_consent(
                session, tenant_id=tenant_id, admin_consent_url=missing.admin_consent_url, now=now
            )
        raise
    finally:
        await connection.close()
    async with transaction(sessions) as session:
        await record_consent(session, tenant_id=tenant_id, admin_consent_url=None, now=now)
        row = await session.get(TenantSetting, (tenant_id, key))
        if row is None:
            row = TenantSetting(tenant_id=tenant_id, key=key, value={})
        row.value = {"stored": report.stored}
        row.updated_at = now
        session.add(row)
    return OnDemandResult("synced", report.stored)
