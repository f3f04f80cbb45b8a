"""Whether a lead's conversation history could be synced: the marks the Graph sync leaves, read back for
the lead page (synced, not yet, consent needed, or Graph not connected at all)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import ConversationMessage, Member, TenantSetting

CONSENT_KEY = "graph.consent"
HistoryStatus = Literal["synced", "not_synced", "consent_required", "unavailable"]


def lead_sync_key(lead_id: uuid.UUID, object_id: str) -> str:
    """The mark of one viewer's on-demand sync of one lead (each mailbox holds its own part of the
    history); hashed to fit the key column."""
    return f"graph.lead-sync:{uuid.uuid5(lead_id, object_id).hex}"


async def record_consent(
    session: AsyncSession, *, tenant_id: str, admin_consent_url: str | None, now: datetime
) -> None:
    """Remember that a sync was refused for want of admin consent (a URL), or that one succeeded (None)."""
    row = await session.get(TenantSetting, (tenant_id, CONSENT_KEY))
    value = (
        {"status": "consent_required", "admin_consent_url": admin_consent_url}
        if admin_consent_url is not None
        else {"status": "granted"}
    )
    if row is None:
        session.add(TenantSetting(tenant_id=tenant_id, key=CONSENT_KEY, value=value, updated_at=now))
    elif row.value != value:
        row.value = value
        row.updated_at = now
        session.add(row)


@dataclass(frozen=True, slots=True)
class HistoryState:
    status: HistoryStatus
    last_synced_at: datetime | None
    admin_consent_url: str | None
    messages: int


async def history_state(
    session: AsyncSession,
    *,
    tenant_id: str,
    lead_id: uuid.UUID,
    viewer_id: uuid.UUID,
    graph_connected: bool,
) -> HistoryState:
    """What the lead page says about the history behind it. The caller has already been allowed to see
    the lead."""
    count, newest = (
        await session.exec(
            select(func.count(), func.max(ConversationMessage.created_at)).where(
                ConversationMessage.tenant_id == tenant_id, ConversationMessage.lead_id == lead_id
            )
        )
    ).one()
    object_id = (
        await session.exec(
            select(Member.aad_object_id).where(Member.tenant_id == tenant_id, Member.id == viewer_id)
        )
    ).first()
    wanted = [CONSENT_KEY] + ([lead_sync_key(lead_id, object_id)] if object_id else [])
    rows = {
        row.key: row
        for row in await session.exec(
            select(TenantSetting).where(
                TenantSetting.tenant_id == tenant_id, col(TenantSetting.key).in_(wanted)
            )
        )
    }
    consent, mark = rows.get(CONSENT_KEY), rows.get(wanted[-1]) if object_id else None
    value = consent.value if consent is not None and isinstance(consent.value, dict) else {}
    synced_at = mark.updated_at if mark is not None else newest
    status: HistoryStatus
    url = None
    if value.get("status") == "consent_required":
        status, url = "consent_required", value.get("admin_consent_url")
    elif count or mark is not None:
        status = "synced"
    elif graph_connected:
        status = "not_synced"
    else:
        status = "unavailable"
    return HistoryState(
        status=status,
        last_synced_at=synced_at,
        admin_consent_url=url if isinstance(url, str) else None,
        messages=int(count),
    )
