"""Conversation previews are kept for a configurable time, then deleted."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, delete
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import ConversationMessage


async def purge_old_messages(*, session: AsyncSession, tenant_id: str, before: datetime) -> int:
    """Delete this tenant's stored mail and chat previews sent before ``before``."""
    result = await session.exec(
        delete(ConversationMessage).where(
            col(ConversationMessage.tenant_id) == tenant_id, col(ConversationMessage.sent_at) < before
        )
    )
    return int(result.rowcount or 0)
