"""The app registration the Graph tests sign in as, and a delegated Graph connection for a member."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from app.config import Settings
from app.db import SessionMaker
from app.graph.client import GraphConnection, connect
from app.graph.tokens import GraphTokens
from app.models import FollowUp, Lead, Member
from tests.doubles.graph import GraphDouble
from tests.doubles.identity import IdentityDouble

CLIENT_ID = "5b1b0a9e-0000-4000-8000-00000000c11e"
SECRET = "graph-secret"


def registered_identity(directory: Path) -> IdentityDouble:
    """The identity double, started, with Nurture's app registration: the delegated consent and the
    application roles Nurture asks for."""
    double = IdentityDouble(directory).start()
    double.add_client(CLIENT_ID, SECRET)
    double.consent(CLIENT_ID, ["Mail.Read", "Chat.Read", "User.Read", "MailboxSettings.Read"])
    double.grant_app_roles(CLIENT_ID, ["Mail.Read", "Chat.ReadBasic.All", "MailboxSettings.Read"])
    return double


def graph_settings(identity: IdentityDouble, graph: GraphDouble, **overrides: Any) -> Settings:
    """Settings pointing Nurture's Graph code at the two doubles."""
    return Settings(
        entra_client_id=CLIENT_ID,
        graph_client_secret=SECRET,
        graph_authority=identity.base_url,
        graph_base_url=graph.base_url,
        tls_ca_file=str(identity.ca_file),
        **overrides,
    )


def delegated_connection(
    member: Member, identity: IdentityDouble, graph: GraphDouble
) -> tuple[GraphConnection, GraphTokens]:
    """msgraph-sdk acting for ``member``: their Teams SSO token exchanged on their behalf."""
    settings = graph_settings(identity, graph)
    tokens = GraphTokens(settings)
    sso = identity.token(tenant_id=member.tenant_id, object_id=member.aad_object_id or "", audience=CLIENT_ID)

    async def source() -> str:
        return await tokens.on_behalf_of(tenant_id=member.tenant_id, user_assertion=sso)

    return connect(settings, source, tls=graph.client_ssl_context(), limiter=tokens.limiter), tokens


def application_connection(tenant_id: str, identity: IdentityDouble, graph: GraphDouble) -> GraphConnection:
    """msgraph-sdk acting as Nurture itself in ``tenant_id`` (client credentials)."""
    settings = graph_settings(identity, graph)
    tokens = GraphTokens(settings)

    async def source() -> str:
        return await tokens.for_application(tenant_id=tenant_id)

    return connect(settings, source, tls=graph.client_ssl_context(), limiter=tokens.limiter)


async def lead_and_active_follow_up(sessions: SessionMaker, lead_id: uuid.UUID) -> tuple[Lead, FollowUp]:
    """The lead and its one active follow-up as they stand, to compare before and after a sync."""
    async with sessions() as session:
        lead = (await session.exec(select(Lead).where(Lead.id == lead_id))).one()
        active = (
            await session.exec(
                select(FollowUp).where(
                    FollowUp.lead_id == lead_id, col(FollowUp.status).in_(["open", "snoozed"])
                )
            )
        ).one()
    return lead, active


def assert_the_reply_moved_the_lead(
    before: tuple[Lead, FollowUp], after: tuple[Lead, FollowUp], now: datetime
) -> None:
    """A reply raised engagement and pulled a touch that was days away to within a working day."""
    (lead_before, planned), (lead_after, active) = before, after
    assert lead_after.engagement_score > lead_before.engagement_score and lead_after.last_reply_at is not None
    assert planned.due_at > now + timedelta(days=3), "the next touch was days away"
    assert active.due_at <= now + timedelta(days=1), "the reply pulled it forward to within a working day"
