"""A lead's mail reaches the timeline through the real msal and msgraph-sdk, against the Graph and
identity doubles over TLS; a reply from the lead moves its score and pulls its cadence forward."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlmodel import func, select

from app.db import SessionMaker
from app.graph.mail import MailSyncReport, sync_lead_mail
from app.graph.tokens import ConsentRequired, GraphTokens
from app.models import ConversationMessage, EngagementEvent, Member
from tests.doubles.graph import GraphDouble
from tests.doubles.identity import IdentityDouble
from tests.factories import T0, Org, make_lead, make_org
from tests.graph.support import (
    CLIENT_ID,
    assert_the_reply_moved_the_lead,
    delegated_connection,
    graph_settings,
    lead_and_active_follow_up,
)

LEAD = "dana.weiss@fabrik.example"
NOW = T0 + timedelta(days=20)


async def _sync_as(
    member: Member,
    lead_id: uuid.UUID,
    sessions: SessionMaker,
    identity: IdentityDouble,
    graph: GraphDouble,
    page_size: int = 100,
) -> MailSyncReport:
    """One run of the lead's mail sync in ``member``'s mailbox, on their behalf, on a fresh connection."""
    connection, _ = delegated_connection(member, identity, graph)
    try:
        return await sync_lead_mail(
            sessions=sessions,
            client=connection.sdk,
            tenant_id=member.tenant_id,
            lead_id=lead_id,
            mailbox="me",
            now=NOW,
            page_size=page_size,
        )
    finally:
        await connection.close()


def _mail(graph: GraphDouble, org: Org, member: Member, *, replies: int, sent: int, base: int = 0) -> None:
    graph.add_user(member.aad_object_id or "", mail=member.email, tenant_id=org.tenant_id)
    for n in range(sent):
        graph.add_message(
            member.aad_object_id or "",
            folder="sentitems",
            subject=f"Angebot {n}",
            sender=member.email,
            to=[LEAD],
            body_preview="Anbei das Angebot für 40 Linien",
            sent=NOW - timedelta(days=3, minutes=n),
            internet_message_id=f"<sent-{base + n}@vendor.example>",
        )
    for n in range(replies):
        graph.add_message(
            member.aad_object_id or "",
            subject=f"Re: Angebot {n}",
            sender=("Dana Weiß", LEAD),
            to=[member.email],
            body_preview="Danke, wir prüfen das intern bis Freitag.",
            sent=NOW - timedelta(hours=2, minutes=n),
            internet_message_id=f"<reply-{base + n}@fabrik.example>",
        )
    graph.add_message(
        member.aad_object_id or "", subject="Newsletter", sender="news@else.example", to=[member.email]
    )


async def test_mail_syncs_in_pages_and_a_reply_moves_the_lead(
    sessions: SessionMaker, identity: IdentityDouble, graph: GraphDouble
) -> None:
    org = await make_org(sessions)
    rep = org.reps[0]
    lead_id = await make_lead(
        sessions, org, email=LEAD, owner=rep, first_name="Dana", last_name="Weiß", now=NOW - timedelta(days=1)
    )
    before = await lead_and_active_follow_up(sessions, lead_id)
    _mail(graph, org, rep, replies=3, sent=22)
    report = await _sync_as(rep, lead_id, sessions, identity, graph, page_size=10)
    again = await _sync_as(rep, lead_id, sessions, identity, graph, page_size=10)
    assert (report.stored, report.pages, report.replies) == (25, 3, 3)
    assert (again.stored, again.replies) == (0, 0), "a second run stores and signals nothing twice"
    searches = [r for r in graph.requests if r.path.endswith("/messages")]
    assert searches and all(r.mode == "delegated" and "Mail.Read" in r.scopes for r in searches)
    async with sessions() as session:
        stored = (
            await session.exec(select(ConversationMessage).where(ConversationMessage.lead_id == lead_id))
        ).all()
        events = (
            await session.exec(
                select(func.count()).select_from(EngagementEvent).where(EngagementEvent.kind == "email_reply")
            )
        ).one()
    assert {m.direction for m in stored} == {"inbound", "outbound"} and len(stored) == 25
    assert all(len(m.preview) <= 1000 and "Newsletter" != m.subject for m in stored)
    assert events == 3
    # Each mail names its Graph conversation as its thread, its subject as title, its sender by name.
    by_id = {m.graph_id: m for m in stored}
    reply = by_id["<reply-0@fabrik.example>"]
    sent = graph.messages(rep.aad_object_id or "")
    conversation = next(m["conversationId"] for m in sent if m["internetMessageId"] == reply.graph_id)
    assert (reply.thread_key, reply.thread_title, reply.sender_name) == (
        conversation,
        "Re: Angebot 0",
        "Dana Weiß",
    )
    assert reply.signal_id == "graph-mail:<reply-0@fabrik.example>"
    assert "Dana Weiß" in reply.participants
    assert by_id["<sent-0@vendor.example>"].signal_id is None
    assert_the_reply_moved_the_lead(before, await lead_and_active_follow_up(sessions, lead_id), NOW)


async def test_a_message_two_mailboxes_hold_is_stored_once(
    sessions: SessionMaker, identity: IdentityDouble, graph: GraphDouble
) -> None:
    org = await make_org(sessions)
    rep, lead_person = org.reps[0], org.lead_dach
    lead_id = await make_lead(sessions, org, email=LEAD, owner=rep)
    _mail(graph, org, rep, replies=2, sent=2)
    _mail(graph, org, lead_person, replies=2, sent=2)  # the team lead was on the same thread
    for member in (rep, lead_person):
        await _sync_as(member, lead_id, sessions, identity, graph)
    async with sessions() as session:
        count = (await session.exec(select(func.count()).select_from(ConversationMessage))).one()
        events = (
            await session.exec(
                select(func.count()).select_from(EngagementEvent).where(EngagementEvent.kind == "email_reply")
            )
        ).one()
    assert (count, events) == (4, 2)


async def test_throttling_loses_and_duplicates_nothing(
    sessions: SessionMaker, identity: IdentityDouble, graph: GraphDouble
) -> None:
    org = await make_org(sessions)
    rep = org.reps[0]
    lead_id = await make_lead(sessions, org, email=LEAD, owner=rep)
    _mail(graph, org, rep, replies=4, sent=16)
    graph.fail_next(1, 429, retry_after=1, match="/messages")
    graph.fail_next(1, 503, retry_after=1, match="/messages")
    report = await _sync_as(rep, lead_id, sessions, identity, graph, page_size=5)
    assert report.stored == 20
    assert graph.counters.get("status_429", 0) >= 1 and graph.counters.get("status_503", 0) >= 1
    async with sessions() as session:
        assert (await session.exec(select(func.count()).select_from(ConversationMessage))).one() == 20


async def test_missing_consent_is_a_clear_error_with_the_admin_consent_link(
    sessions: SessionMaker, identity: IdentityDouble, graph: GraphDouble
) -> None:
    org = await make_org(sessions, tenant_id=f"tenant-{uuid.uuid4().hex[:8]}")
    rep = org.reps[0]
    identity.withhold_consent(tenant_id=org.tenant_id)
    try:
        tokens = GraphTokens(graph_settings(identity, graph))
        sso = identity.token(tenant_id=rep.tenant_id, object_id=rep.aad_object_id or "", audience=CLIENT_ID)
        with pytest.raises(ConsentRequired) as refused:
            await tokens.on_behalf_of(tenant_id=org.tenant_id, user_assertion=sso)
    finally:
        identity.restore_consent(tenant_id=org.tenant_id)
    url = refused.value.admin_consent_url
    assert url.startswith(f"{identity.base_url}/{org.tenant_id}/adminconsent") and CLIENT_ID in url
