"""Notifications written for the dispatcher. A repeated enqueue with the same dedupe key is a no-op."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import OutboxMessage


class Notice(StrEnum):
    FOLLOW_UP_DUE = "follow_up.due"
    FOLLOW_UP_CHANGED = "follow_up.changed"  # update the sent card in place
    OWNER_ASSIGNED = "ownership.assigned"
    OWNER_RELEASED = "ownership.released"  # FYI to the previous owner
    HAND_OFF_PROPOSED = "hand_off.proposed"
    HAND_OFF_DECIDED = "hand_off.decided"
    SLA_NUDGE = "sla.nudge"
    SLA_ESCALATE = "sla.escalate"


async def enqueue(
    *,
    session: AsyncSession,
    tenant_id: str,
    kind: Notice,
    dedupe_key: str,
    payload: dict[str, Any],
    now: datetime,
    member_id: uuid.UUID | None = None,
    team_id: uuid.UUID | None = None,
) -> None:
    """Queue one notification; the payload holds ids, so the card is built from fresh data when sent."""
    values = {
        "id": uuid.uuid4(),
        "tenant_id": tenant_id,
        "dedupe_key": dedupe_key,
        "kind": kind.value,
        "payload": payload,
        "member_id": member_id,
        "team_id": team_id,
        "status": "pending",
        "attempts": 0,
        "not_before": now,
        "created_at": now,
    }
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(OutboxMessage)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["tenant_id", "dedupe_key"])
    )
    await session.exec(statement)
