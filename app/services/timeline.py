"""One lead's history in one stream: messages, touches, engagement, stage and lifecycle moves, owners."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, true
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import ConversationMessage, EngagementEvent, LeadStateChange, OwnershipChange, Touchpoint
from app.services.access import Actor
from app.services.lead_queries import read_lead

MAX_PAGE = 100


@dataclass(frozen=True, slots=True)
class TimelineItem:
    at: datetime
    id: uuid.UUID
    kind: str  # message, touchpoint, event, stage, lifecycle, ownership
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TimelinePage:
    items: list[TimelineItem]
    next_before: tuple[datetime, uuid.UUID] | None


def _before(at_column: Any, id_column: Any, before: tuple[datetime, uuid.UUID] | None) -> Any:
    if before is None:
        return true()
    at, last = before
    return or_(at_column < at, and_(at_column == at, id_column < last))


async def lead_timeline(
    *,
    session: AsyncSession,
    actor: Actor,
    lead_id: uuid.UUID,
    before: tuple[datetime, uuid.UUID] | None = None,
    limit: int = 50,
) -> TimelinePage:
    """Newest first; each source is read up to ``limit`` rows past the cursor, then merged."""
    lead = await read_lead(session=session, actor=actor, lead_id=lead_id)
    limit = max(1, min(limit, MAX_PAGE))
    tenant = actor.tenant_id
    items: list[TimelineItem] = []

    rows_m = await session.exec(
        select(ConversationMessage)
        .where(
            ConversationMessage.tenant_id == tenant,
            ConversationMessage.lead_id == lead.id,
            _before(col(ConversationMessage.sent_at), col(ConversationMessage.id), before),
        )
        .order_by(col(ConversationMessage.sent_at).desc(), col(ConversationMessage.id).desc())
        .limit(limit)
    )
    items += [
        TimelineItem(
            m.sent_at,
            m.id,
            "message",
            {
                "source": m.source,
                "direction": m.direction,
                "subject": m.subject,
                "preview": m.preview,
                "web_link": m.web_link,
            },
        )
        for m in rows_m
    ]
    rows_t = await session.exec(
        select(Touchpoint)
        .where(
            Touchpoint.tenant_id == tenant,
            Touchpoint.lead_id == lead.id,
            _before(col(Touchpoint.occurred_at), col(Touchpoint.id), before),
        )
        .order_by(col(Touchpoint.occurred_at).desc(), col(Touchpoint.id).desc())
        .limit(limit)
    )
    items += [
        TimelineItem(
            t.occurred_at,
            t.id,
            "touchpoint",
            {
                "channel": t.kind,
                "direction": t.direction,
                "summary": t.summary,
                "member_id": str(t.member_id or ""),
                "content_key": t.content_key,
            },
        )
        for t in rows_t
    ]
    rows_e = await session.exec(
        select(EngagementEvent)
        .where(
            EngagementEvent.tenant_id == tenant,
            EngagementEvent.lead_id == lead.id,
            _before(col(EngagementEvent.occurred_at), col(EngagementEvent.id), before),
        )
        .order_by(col(EngagementEvent.occurred_at).desc(), col(EngagementEvent.id).desc())
        .limit(limit)
    )
    items += [
        TimelineItem(e.occurred_at, e.id, "event", {"event": e.kind, "properties": e.properties})
        for e in rows_e
    ]
    rows_s = await session.exec(
        select(LeadStateChange)
        .where(
            LeadStateChange.tenant_id == tenant,
            LeadStateChange.lead_id == lead.id,
            _before(col(LeadStateChange.changed_at), col(LeadStateChange.id), before),
        )
        .order_by(col(LeadStateChange.changed_at).desc(), col(LeadStateChange.id).desc())
        .limit(limit)
    )
    items += [
        TimelineItem(
            s.changed_at,
            s.id,
            s.field,
            {"from": s.from_value, "to": s.to_value, "automatic": s.automatic, "reason": s.reason},
        )
        for s in rows_s
    ]
    rows_o = await session.exec(
        select(OwnershipChange)
        .where(
            OwnershipChange.tenant_id == tenant,
            OwnershipChange.lead_id == lead.id,
            _before(col(OwnershipChange.changed_at), col(OwnershipChange.id), before),
        )
        .order_by(col(OwnershipChange.changed_at).desc(), col(OwnershipChange.id).desc())
        .limit(limit)
    )
    items += [
        TimelineItem(
            o.changed_at,
            o.id,
            "ownership",
            {
                "from": str(o.from_member_id or ""),
                "to": str(o.to_member_id or ""),
                "method": o.method,
                "reason": o.reason,
            },
        )
        for o in rows_o
    ]
    items.sort(key=lambda item: (item.at, item.id), reverse=True)
    page = items[:limit]
    more = len(items) > limit
    return TimelinePage(items=page, next_before=(page[-1].at, page[-1].id) if more and page else None)
