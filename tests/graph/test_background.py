"""Graph housekeeping: retention always; in application mode, one background sync per tenant and interval."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlmodel import func, select

from app.config import Settings
from app.db import SessionMaker, transaction
from app.graph.background import housekeeping_pass
from app.graph.client import tls_context
from app.graph.tokens import GraphTokens
from app.models import ConversationMessage, Member
from app.nurturing.enums import Direction
from tests.doubles.graph import GraphDouble
from tests.doubles.identity import IdentityDouble
from tests.factories import make_lead, make_org
from tests.graph.support import graph_settings

LEAD = "dana@fabrik.example"


async def test_previews_past_the_retention_period_are_deleted(sessions: SessionMaker) -> None:
    org = await make_org(sessions)
    lead_id = await make_lead(sessions, org, email=LEAD, owner=org.reps[0])
    now = datetime(2026, 6, 1, tzinfo=UTC)
    async with transaction(sessions) as session:
        for age in (10, 400):
            session.add(
                ConversationMessage(
                    tenant_id=org.tenant_id,
                    lead_id=lead_id,
                    graph_id=f"<{uuid.uuid4().hex}@x>",
                    source="mail",
                    preview=f"{age} days old",
                    direction=Direction.INBOUND,
                    sent_at=now - timedelta(days=age),
                )
            )
    settings = Settings(graph_retention_days=365)
    counts = await housekeeping_pass(
        settings=settings,
        sessions=sessions,
        tokens=GraphTokens(settings),
        tls=await tls_context(settings),
        now=now,
    )
    assert counts["purged"] == 1 and counts["synced_tenants"] == 0, "no Graph configured: retention only"
    async with sessions() as session:
        left = (await session.exec(select(ConversationMessage.preview))).all()
    assert left == ["10 days old"]


async def test_application_mode_syncs_each_tenant_once_per_interval(
    sessions: SessionMaker, identity: IdentityDouble, graph: GraphDouble
) -> None:
    org = await make_org(sessions)
    rep = org.reps[0]
    await make_lead(sessions, org, email=LEAD, owner=rep)
    now = datetime.now(UTC)
    async with sessions() as session:
        members = (await session.exec(select(Member).where(Member.tenant_id == org.tenant_id))).all()
    for member in members:
        graph.add_user(member.aad_object_id or "", mail=member.email, tenant_id=org.tenant_id)
    graph.add_message(rep.aad_object_id or "", subject="Re", sender=LEAD, to=[rep.email], received=now)
    graph.set_mailbox_settings(
        rep.aad_object_id or "", automatic_replies=GraphDouble.automatic_replies("alwaysEnabled")
    )
    settings = graph_settings(identity, graph, graph_background_sync=True, graph_background_minutes=30)
    tokens, tls = GraphTokens(settings), await tls_context(settings)
    first = await housekeeping_pass(settings=settings, sessions=sessions, tokens=tokens, tls=tls, now=now)
    requests = len(graph.requests)
    again = await housekeeping_pass(
        settings=settings, sessions=sessions, tokens=tokens, tls=tls, now=now + timedelta(minutes=5)
    )
    later = await housekeeping_pass(
        settings=settings, sessions=sessions, tokens=tokens, tls=tls, now=now + timedelta(minutes=31)
    )
    assert first["synced_tenants"] >= 1 and first["stored"] == 1
    assert again["synced_tenants"] == 0, "claimed within the interval: no second run"
    assert len(graph.requests) > requests, "the later pass went to Graph again"
    assert later["synced_tenants"] >= 1, "after the interval the tenant is synced again"
    async with sessions() as session:
        stored = (await session.exec(select(func.count()).select_from(ConversationMessage))).one()
        away = await session.get(Member, rep.id)
    assert stored == 1 and away is not None and away.away_until is not None, "mail and out-of-office arrived"
