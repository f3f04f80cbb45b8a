"""Everything the engine needs to know about a set of leads, loaded in a fixed number of queries."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Company, EngagementEvent, FollowUp, HandOff, Lead, Member, Touchpoint
from app.nurturing.enums import ACTIVE_FOLLOW_UP_STATUSES, TOUCH_KINDS, FollowUpStatus, HandOffStatus
from app.nurturing.scoring import LeadFacts, Signal
from app.services.batches import batches

# Older engagement has decayed to nothing under any sensible half-life; not loading it keeps refresh cheap.
SIGNAL_HORIZON = timedelta(days=365)
TOUCH_WINDOW = timedelta(days=7)
# Longer than any rejection window a tenant would set; the loop guard reads within it.
REJECTION_HORIZON = timedelta(days=365)


@dataclass(slots=True)
class LeadContext:
    lead: Lead
    company: Company | None = None
    owner: Member | None = None
    signals: list[Signal] = field(default_factory=list)
    active_follow_up: FollowUp | None = None
    sent_content: set[str] = field(default_factory=set)
    open_hand_off: HandOff | None = None
    # Cadence touches worked in the last seven days (the weekly cap counts them) and recent rejections.
    recent_touches: list[datetime] = field(default_factory=list)
    recent_rejections: list[datetime] = field(default_factory=list)

    def facts(self) -> LeadFacts:
        """The lead as scoring sees it: person, company and custom fields in one flat mapping."""
        lead, company = self.lead, self.company
        properties: dict[str, object] = dict(lead.custom_fields)
        properties.update(
            title=lead.title,
            persona=lead.persona,
            source=lead.source,
            language=lead.language,
            unsubscribed=lead.unsubscribed,
            bounced=lead.bounced,
        )
        if company is not None:
            properties.update(
                company=company.name,
                company_domain=company.domain,
                industry=company.industry,
                country=company.country,
                employees=company.employees,
                annual_revenue_eur=company.annual_revenue_eur,
            )
        return LeadFacts(email=lead.email, properties={k: v for k, v in properties.items() if v is not None})


async def load_contexts(
    *, session: AsyncSession, tenant_id: str, leads: Sequence[Lead], now: datetime
) -> dict[uuid.UUID, LeadContext]:
    """Contexts for the given leads, keyed by lead id; every query is filtered by tenant."""
    contexts = {lead.id: LeadContext(lead=lead) for lead in leads}
    if not contexts:
        return contexts
    company_ids = list({lead.company_id for lead in leads if lead.company_id is not None})
    owner_ids = list({lead.owner_id for lead in leads if lead.owner_id is not None})
    companies: dict[uuid.UUID, Company] = {}
    for chunk in batches(company_ids):
        rows = await session.exec(
            select(Company).where(Company.tenant_id == tenant_id, col(Company.id).in_(chunk))
        )
        companies.update({row.id: row for row in rows})
    owners: dict[uuid.UUID, Member] = {}
    for chunk in batches(owner_ids):
        members = await session.exec(
            select(Member).where(Member.tenant_id == tenant_id, col(Member.id).in_(chunk))
        )
        owners.update({member.id: member for member in members})
    for context in contexts.values():
        if context.lead.company_id is not None:
            context.company = companies.get(context.lead.company_id)
        if context.lead.owner_id is not None:
            context.owner = owners.get(context.lead.owner_id)

    signals: dict[uuid.UUID, list[Signal]] = defaultdict(list)
    since = now - SIGNAL_HORIZON
    for chunk in batches(list(contexts)):
        events = await session.exec(
            select(
                EngagementEvent.lead_id,
                EngagementEvent.kind,
                EngagementEvent.occurred_at,
                EngagementEvent.properties,
            )
            .where(
                EngagementEvent.tenant_id == tenant_id,
                col(EngagementEvent.lead_id).in_(chunk),
                EngagementEvent.occurred_at >= since,
            )
            .order_by(col(EngagementEvent.occurred_at))
        )
        for lead_id, kind, occurred_at, properties in events:
            signals[lead_id].append(
                Signal(
                    kind=kind, occurred_at=occurred_at, properties={k: str(v) for k, v in properties.items()}
                )
            )
        follow_ups = await session.exec(
            select(FollowUp).where(
                FollowUp.tenant_id == tenant_id,
                col(FollowUp.lead_id).in_(chunk),
                col(FollowUp.status).in_(ACTIVE_FOLLOW_UP_STATUSES),
            )
        )
        for follow_up in follow_ups:
            contexts[follow_up.lead_id].active_follow_up = follow_up
        sent = await session.exec(
            select(Touchpoint.lead_id, Touchpoint.content_key).where(
                Touchpoint.tenant_id == tenant_id,
                col(Touchpoint.lead_id).in_(chunk),
                col(Touchpoint.content_key).is_not(None),
            )
        )
        for lead_id, content_key in sent:
            contexts[lead_id].sent_content.add(str(content_key))
        hand_offs = await session.exec(
            select(HandOff).where(
                HandOff.tenant_id == tenant_id,
                col(HandOff.lead_id).in_(chunk),
                HandOff.status == HandOffStatus.PROPOSED,
            )
        )
        for hand_off in hand_offs:
            contexts[hand_off.lead_id].open_hand_off = hand_off
        touches = await session.exec(
            select(FollowUp.lead_id, FollowUp.completed_at).where(
                FollowUp.tenant_id == tenant_id,
                col(FollowUp.lead_id).in_(chunk),
                FollowUp.status == FollowUpStatus.DONE,
                col(FollowUp.kind).in_(TOUCH_KINDS),
                col(FollowUp.completed_at) > now - TOUCH_WINDOW,
            )
        )
        for lead_id, completed_at in touches:
            if completed_at is not None:
                contexts[lead_id].recent_touches.append(completed_at)
        rejections = await session.exec(
            select(HandOff.lead_id, HandOff.decided_at).where(
                HandOff.tenant_id == tenant_id,
                col(HandOff.lead_id).in_(chunk),
                HandOff.status == HandOffStatus.REJECTED,
                col(HandOff.decided_at) >= now - REJECTION_HORIZON,
            )
        )
        for lead_id, decided_at in rejections:
            if decided_at is not None:
                contexts[lead_id].recent_rejections.append(decided_at)
    for lead_id, lead_signals in signals.items():
        contexts[lead_id].signals = lead_signals
    return contexts
