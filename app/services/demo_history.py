"""The demo's conversation history: read what the replay did, write it, store it as a Graph sync would."""

from __future__ import annotations

import bisect
import uuid
from collections import defaultdict
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import SessionMaker, transaction
from app.models import Company, ContentItemRow, EngagementEvent, Lead, Member, OwnershipChange, Touchpoint
from app.nurturing.enums import EventKind, TouchpointKind
from app.services.demo_conversation import (
    Content,
    LeadFacts,
    Moment,
    MomentKind,
    Person,
    chats_with_owner,
    lead_conversation,
)
from app.services.demo_data import VENDOR_DOMAIN
from app.services.lead_messages import MessageIn, StoreReport, store_messages
from app.services.tenant_config import working_hours

_EVENT_MOMENTS: dict[str, MomentKind] = {
    EventKind.EMAIL_REPLY.value: "email_reply",
    EventKind.CHAT_REPLY.value: "chat_reply",
    EventKind.DEMO_REQUEST.value: "demo_request",
}
_TOUCH_MOMENTS: dict[TouchpointKind, MomentKind] = {
    TouchpointKind.MAIL: "mail",
    TouchpointKind.CALL: "call",
    TouchpointKind.MEETING: "meeting",
}


class _Owners:
    """Who owned each lead when, from the ownership audit trail."""

    def __init__(self, changes: list[tuple[uuid.UUID, uuid.UUID | None, datetime]]) -> None:
        self._times: dict[uuid.UUID, list[datetime]] = defaultdict(list)
        self._owners: dict[uuid.UUID, list[uuid.UUID | None]] = defaultdict(list)
        for lead_id, owner_id, at in sorted(changes, key=lambda change: change[2]):
            self._times[lead_id].append(at)
            self._owners[lead_id].append(owner_id)

    def at(self, lead_id: uuid.UUID, moment: datetime) -> uuid.UUID | None:
        index = bisect.bisect_right(self._times[lead_id], moment) - 1
        return self._owners[lead_id][index] if index >= 0 else None


async def demo_messages(*, session: AsyncSession, tenant_id: str, seed: int) -> list[MessageIn]:
    """Every demo lead's messages, written from its stored touchpoints, reply events and owners."""
    members = {
        member.id: Person(
            name=member.display_name,
            email=member.email or f"{member.id}@{VENDOR_DOMAIN}",
            object_id=member.aad_object_id or str(member.id),
            hours=working_hours(member),
        )
        for member in (await session.exec(select(Member).where(Member.tenant_id == tenant_id))).all()
    }
    content = {
        row.key: Content(title=row.title, url=row.url, kind=str(row.kind))
        for row in (
            await session.exec(select(ContentItemRow).where(ContentItemRow.tenant_id == tenant_id))
        ).all()
    }
    owners = _Owners(
        [
            (lead_id, owner_id, at)
            for lead_id, owner_id, at in (
                await session.exec(
                    select(
                        OwnershipChange.lead_id, OwnershipChange.to_member_id, OwnershipChange.changed_at
                    ).where(OwnershipChange.tenant_id == tenant_id)
                )
            ).all()
        ]
    )

    def person(lead_id: uuid.UUID, at: datetime) -> Person | None:
        owner_id = owners.at(lead_id, at)
        return members.get(owner_id) if owner_id is not None else None

    moments: dict[uuid.UUID, list[Moment]] = defaultdict(list)
    touches = await session.exec(
        select(Touchpoint.lead_id, Touchpoint.kind, Touchpoint.content_key, Touchpoint.occurred_at).where(
            Touchpoint.tenant_id == tenant_id
        )
    )
    for lead_id, kind, content_key, at in touches.all():
        if (moment_kind := _TOUCH_MOMENTS.get(TouchpointKind(kind))) is None:
            continue
        moments[lead_id].append(
            Moment(
                at=at,
                kind=moment_kind,
                owner=person(lead_id, at),
                content=content.get(content_key) if content_key else None,
            )
        )
    events = await session.exec(
        select(
            EngagementEvent.lead_id,
            EngagementEvent.kind,
            EngagementEvent.external_id,
            EngagementEvent.occurred_at,
        ).where(EngagementEvent.tenant_id == tenant_id, col(EngagementEvent.kind).in_(list(_EVENT_MOMENTS)))
    )
    for lead_id, kind, external_id, at in events.all():
        moments[lead_id].append(
            Moment(at=at, kind=_EVENT_MOMENTS[kind], owner=person(lead_id, at), signal_id=external_id)
        )
    leads = await session.exec(
        select(Lead, Company)
        .join(Company, col(Company.id) == col(Lead.company_id), isouter=True)
        .where(Lead.tenant_id == tenant_id)
        .order_by(col(Lead.created_at), col(Lead.email))
    )
    messages: list[MessageIn] = []
    for lead, company in leads.all():
        facts = LeadFacts(
            lead_id=lead.id,
            email=lead.email,
            first_name=lead.first_name or "",
            last_name=lead.last_name or "",
            language=lead.language or "en",
            persona=lead.persona,
            title=lead.title,
            company=company.name if company else None,
            industry=company.industry if company else None,
            needs=lead.needs,
            topics=tuple(lead.topics or ()),
            source=lead.source,
            chats=chats_with_owner(lead.email),
        )
        messages.extend(
            lead_conversation(
                facts, moments.get(lead.id, []), seed=seed, tenant_id=tenant_id, vendor_domain=VENDOR_DOMAIN
            )
        )
    return messages


async def seed_conversations(
    *, sessions: SessionMaker, tenant_id: str, now: datetime, seed: int
) -> StoreReport:
    """Write the demo's mail and chat history and store it through the Graph sync's own storage path.

    The replay has already ingested every reply event, so storing raises none: each of the lead's messages
    names its event instead."""
    async with transaction(sessions) as session:
        messages = await demo_messages(session=session, tenant_id=tenant_id, seed=seed)
        return await store_messages(
            session, tenant_id=tenant_id, items=messages, now=now, signal_replies=False
        )
