"""Everything the engine needs to know about a set of leads, loaded in a fixed number of queries."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import String, Uuid, any_, bindparam, cast, literal_column, null, union_all
from sqlalchemy import select as sa_select
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm.util import identity_key
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db_types import JsonType, UTCDateTime
from app.models import Company, EngagementEvent, FollowUp, HandOff, Lead, Member, Touchpoint
from app.nurturing.enums import ACTIVE_FOLLOW_UP_STATUSES, TOUCH_KINDS, FollowUpStatus, HandOffStatus
from app.nurturing.scoring import LeadFacts, Score, Signal
from app.services.batches import one_of, pieces

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
    # The lead's score as of the refresh running on this context, set only while it runs: planning within
    # that refresh reuses it instead of scoring the same facts and signals again.
    score: Score | None = None

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
    """Contexts for the given leads, keyed by lead id; every query is filtered by tenant.

    Companies, owners, follow-ups and hand-offs the session already holds are taken from it; the rest of
    a lead's history comes in one round trip per chunk of leads."""
    contexts = {lead.id: LeadContext(lead=lead) for lead in leads}
    if not contexts:
        return contexts
    companies = await _held_or_loaded(
        session, Company, tenant_id, {lead.company_id for lead in leads if lead.company_id is not None}
    )
    owners = await _held_or_loaded(
        session, Member, tenant_id, {lead.owner_id for lead in leads if lead.owner_id is not None}
    )
    for context in contexts.values():
        if context.lead.company_id is not None:
            context.company = companies.get(context.lead.company_id)
        if context.lead.owner_id is not None:
            context.owner = owners.get(context.lead.owner_id)

    follow_up_ids: set[uuid.UUID] = set()
    hand_off_ids: set[uuid.UUID] = set()
    for chunk in pieces(session, list(contexts)):
        params = {
            "tenant_id": tenant_id,
            "lead_ids": chunk,
            "signals_since": now - SIGNAL_HORIZON,
            "touches_after": now - TOUCH_WINDOW,
            "rejections_since": now - REJECTION_HORIZON,
        }
        for tag, lead_id, label, at, ref, document in await session.exec(_history(session), params=params):
            context = contexts[lead_id]
            if tag == _SIGNAL:
                properties = {k: str(v) for k, v in (document or {}).items()}
                context.signals.append(Signal(kind=label, occurred_at=at, properties=properties))
            elif tag == _SENT:
                context.sent_content.add(str(label))
            elif tag == _TOUCH:
                context.recent_touches.append(at)
            elif tag == _REJECTION:
                context.recent_rejections.append(at)
            elif tag == _ACTIVE:
                follow_up_ids.add(ref)
            elif tag == _PROPOSED:
                hand_off_ids.add(ref)
    for follow_up in (await _held_or_loaded(session, FollowUp, tenant_id, follow_up_ids)).values():
        contexts[follow_up.lead_id].active_follow_up = follow_up
    for hand_off in (await _held_or_loaded(session, HandOff, tenant_id, hand_off_ids)).values():
        contexts[hand_off.lead_id].open_hand_off = hand_off
    for context in contexts.values():
        context.signals.sort(key=lambda signal: signal.occurred_at)
    return contexts


_SIGNAL, _SENT, _TOUCH, _REJECTION, _ACTIVE, _PROPOSED = (
    "signal",
    "sent",
    "touch",
    "rejection",
    "active",
    "proposed",
)


# Built once per dialect with every value bound: building the six-part union and its cache key on each call
# cost more than running it, on every card click and every ingested batch.
_HISTORY: dict[str, Any] = {}


def _history(session: AsyncSession) -> Any:
    """The leads' signals, sent content, recent touches and rejections, and the ids of their active
    follow-up and open hand-off, as one UNION ALL of rows shaped (tag, lead, label, at, ref, document).

    Bound: ``tenant_id``, ``lead_ids`` and the cut-offs ``signals_since``, ``touches_after`` and
    ``rejections_since``."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    statement = _HISTORY.get(dialect)
    if statement is None:
        statement = _HISTORY[dialect] = _build_history(dialect)
    return statement


def _build_history(dialect: str) -> Any:
    def tag(name: str) -> Any:
        return literal_column(f"'{name}'", String).label("tag")

    def of_leads(column: Any) -> Any:
        if dialect == "postgresql":
            return column == any_(bindparam("lead_ids", type_=postgresql.ARRAY(Uuid())))
        return column.in_(bindparam("lead_ids", expanding=True))

    tenant = bindparam("tenant_id", type_=String())
    no_text = cast(null(), String)
    no_time = cast(null(), UTCDateTime)
    no_ref = cast(null(), Uuid)
    no_document = cast(null(), JsonType)
    signals = sa_select(
        tag(_SIGNAL),
        col(EngagementEvent.lead_id),
        cast(col(EngagementEvent.kind), String).label("label"),
        col(EngagementEvent.occurred_at).label("at"),
        no_ref.label("ref"),
        col(EngagementEvent.properties).label("document"),
    ).where(
        col(EngagementEvent.tenant_id) == tenant,
        of_leads(col(EngagementEvent.lead_id)),
        col(EngagementEvent.occurred_at) >= bindparam("signals_since", type_=UTCDateTime()),
    )
    sent = sa_select(
        tag(_SENT), col(Touchpoint.lead_id), col(Touchpoint.content_key), no_time, no_ref, no_document
    ).where(
        col(Touchpoint.tenant_id) == tenant,
        of_leads(col(Touchpoint.lead_id)),
        col(Touchpoint.content_key).is_not(None),
    )
    touches = sa_select(
        tag(_TOUCH), col(FollowUp.lead_id), no_text, col(FollowUp.completed_at), no_ref, no_document
    ).where(
        col(FollowUp.tenant_id) == tenant,
        of_leads(col(FollowUp.lead_id)),
        col(FollowUp.status) == FollowUpStatus.DONE,
        col(FollowUp.kind).in_(TOUCH_KINDS),
        col(FollowUp.completed_at) > bindparam("touches_after", type_=UTCDateTime()),
    )
    rejections = sa_select(
        tag(_REJECTION), col(HandOff.lead_id), no_text, col(HandOff.decided_at), no_ref, no_document
    ).where(
        col(HandOff.tenant_id) == tenant,
        of_leads(col(HandOff.lead_id)),
        col(HandOff.status) == HandOffStatus.REJECTED,
        col(HandOff.decided_at) >= bindparam("rejections_since", type_=UTCDateTime()),
    )
    active = sa_select(
        tag(_ACTIVE), col(FollowUp.lead_id), no_text, no_time, col(FollowUp.id), no_document
    ).where(
        col(FollowUp.tenant_id) == tenant,
        of_leads(col(FollowUp.lead_id)),
        col(FollowUp.status).in_(ACTIVE_FOLLOW_UP_STATUSES),
    )
    proposed = sa_select(
        tag(_PROPOSED), col(HandOff.lead_id), no_text, no_time, col(HandOff.id), no_document
    ).where(
        col(HandOff.tenant_id) == tenant,
        of_leads(col(HandOff.lead_id)),
        col(HandOff.status) == HandOffStatus.PROPOSED,
    )
    return union_all(signals, sent, touches, rejections, active, proposed)


Row = TypeVar("Row", Company, Member, FollowUp, HandOff)


async def _held_or_loaded(
    session: AsyncSession, kind: type[Row], tenant_id: str, ids: set[uuid.UUID]
) -> dict[uuid.UUID, Row]:
    """Rows by id: those this session already holds as they are, the others in one query per chunk."""
    found: dict[uuid.UUID, Row] = {}
    for row_id in ids:
        held = session.identity_map.get(identity_key(kind, row_id))
        if isinstance(held, kind) and held.tenant_id == tenant_id:
            found[row_id] = held
    missing = [row_id for row_id in ids if row_id not in found]
    for chunk in pieces(session, missing):
        rows = await session.exec(
            select(kind).where(kind.tenant_id == tenant_id, one_of(session, col(kind.id), chunk))
        )
        found.update({row.id: row for row in rows})
    return found
