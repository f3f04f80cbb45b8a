"""The one storage path for mail and chat: stored once per key, refreshed on edits, replies signalled once,
and what a reply changed recorded on its event."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlmodel import col, select

from app.db import SessionMaker, transaction
from app.models import ConversationMessage, EngagementEvent, Lead
from app.nurturing.enums import Direction, MessageSource
from app.services.lead_messages import (
    PARTICIPANTS_KEPT,
    MessageIn,
    chat_key,
    remove_messages,
    store_messages,
)
from tests.factories import T0, make_lead, make_org

CHAT = "19:3f0c8e@thread.v2"


def _mail(lead_id: uuid.UUID, key: str, *, from_lead: bool, minutes: int, **extra: object) -> MessageIn:
    fields: dict[str, object] = {
        "lead_id": lead_id,
        "key": key,
        "source": MessageSource.MAIL,
        "thread_key": "AAQkAGVmMDEzthread1=",
        "thread_title": "Re: Pilot for the Berlin site" if from_lead else "Pilot for the Berlin site",
        "participants": ["Anna Rep", "Paula Prospect"],
        "sender_address": "paula@kunde.example" if from_lead else "anna.rep@vendor.example",
        "sender_name": "Paula Prospect" if from_lead else "Anna Rep",
        "recipients": ["anna.rep@vendor.example"] if from_lead else ["paula@kunde.example"],
        "from_lead": from_lead,
        "preview": "Could we start in May?" if from_lead else "Here is the pilot plan.",
        "sent_at": T0 + timedelta(minutes=minutes),
        "web_link": f"https://outlook.office365.com/owa/?ItemID={key}&exvsurl=1&viewmodel=ReadMessageItem",
    }
    fields.update(extra)
    return MessageIn(**fields)  # type: ignore[arg-type]


def _chat(lead_id: uuid.UUID, message_id: str, *, preview: str, minutes: int) -> MessageIn:
    return MessageIn(
        lead_id=lead_id,
        key=chat_key(CHAT, message_id),
        source=MessageSource.CHAT,
        thread_key=CHAT,
        thread_title="Pilot Berlin",
        participants=["Anna Rep", "Paula Prospect"],
        sender_address="paula@kunde.example",
        sender_name="Paula Prospect",
        recipients=["anna.rep@vendor.example"],
        from_lead=True,
        preview=preview,
        sent_at=T0 + timedelta(minutes=minutes),
        web_link=f"https://teams.microsoft.com/l/chat/{CHAT}/0",
    )


async def test_messages_are_stored_once_and_replies_signalled_once(sessions: SessionMaker) -> None:
    org = await make_org(sessions)
    lead_id = await make_lead(sessions, org, email="paula@kunde.example", owner=org.reps[0])
    batch = [
        _mail(lead_id, "<out-1@vendor.example>", from_lead=False, minutes=10),
        _mail(lead_id, "<in-1@kunde.example>", from_lead=True, minutes=60),
        _chat(lead_id, "1700000000001", preview="Passt Dienstag?", minutes=90),
    ]
    now = T0 + timedelta(hours=2)
    async with transaction(sessions) as session:
        first = await store_messages(session, tenant_id=org.tenant_id, items=batch, now=now)
    async with transaction(sessions) as session:
        again = await store_messages(session, tenant_id=org.tenant_id, items=batch, now=now)
    assert (first.stored, first.updated, first.replies) == (3, 0, 2)
    assert (again.stored, again.updated, again.replies) == (0, 0, 0)

    async with sessions() as session:
        rows = {
            r.graph_id: r
            for r in await session.exec(
                select(ConversationMessage).where(ConversationMessage.tenant_id == org.tenant_id)
            )
        }
        events = {
            e.external_id: e
            for e in await session.exec(
                select(EngagementEvent).where(EngagementEvent.tenant_id == org.tenant_id)
            )
        }
    reply = rows["<in-1@kunde.example>"]
    assert reply.direction is Direction.INBOUND and reply.sender_name == "Paula Prospect"
    assert (
        reply.thread_key == "AAQkAGVmMDEzthread1=" and reply.thread_title == "Re: Pilot for the Berlin site"
    )
    assert reply.signal_id == "graph-mail:<in-1@kunde.example>"
    assert rows["<out-1@vendor.example>"].direction is Direction.OUTBOUND
    assert rows["<out-1@vendor.example>"].signal_id is None
    chat_row = rows[chat_key(CHAT, "1700000000001")]
    assert chat_row.signal_id == f"graph-chat:{CHAT}:1700000000001"
    assert {events[reply.signal_id].kind, events[chat_row.signal_id].kind} == {"email_reply", "chat_reply"}


async def test_an_edit_refreshes_the_row_and_a_deletion_removes_it(sessions: SessionMaker) -> None:
    org = await make_org(sessions)
    lead_id = await make_lead(sessions, org, email="paula@kunde.example")
    now = T0 + timedelta(hours=2)
    async with transaction(sessions) as session:
        await store_messages(
            session,
            tenant_id=org.tenant_id,
            items=[_chat(lead_id, "7", preview="Dienstag?", minutes=5)],
            now=now,
        )
    async with transaction(sessions) as session:
        edited = await store_messages(
            session,
            tenant_id=org.tenant_id,
            items=[_chat(lead_id, "7", preview="Mittwoch?", minutes=5)],
            now=now,
        )
    assert (edited.stored, edited.updated, edited.replies) == (0, 1, 0)
    async with sessions() as session:
        row = (
            await session.exec(select(ConversationMessage).where(ConversationMessage.lead_id == lead_id))
        ).one()
    assert row.preview == "Mittwoch?"
    async with transaction(sessions) as session:
        removed = await remove_messages(
            session, tenant_id=org.tenant_id, keys=[chat_key(CHAT, "7"), "unknown"]
        )
    assert removed == 1
    async with sessions() as session:
        left = (
            await session.exec(select(ConversationMessage).where(ConversationMessage.lead_id == lead_id))
        ).all()
        signals = (
            await session.exec(select(EngagementEvent).where(EngagementEvent.lead_id == lead_id))
        ).all()
    assert left == [] and [e.kind for e in signals] == ["chat_reply"]


async def test_a_reply_records_what_it_changed_on_its_event(sessions: SessionMaker) -> None:
    org = await make_org(sessions)
    lead_id = await make_lead(sessions, org, email="paula@kunde.example", owner=org.reps[0])
    async with sessions() as session:
        before = (await session.exec(select(Lead).where(Lead.id == lead_id))).one().total_score
    reply = _mail(lead_id, "<in-2@kunde.example>", from_lead=True, minutes=30)
    async with transaction(sessions) as session:
        report = await store_messages(
            session, tenant_id=org.tenant_id, items=[reply], now=T0 + timedelta(hours=1)
        )
    assert report.replies == 1
    async with sessions() as session:
        lead = (await session.exec(select(Lead).where(Lead.id == lead_id))).one()
        event = (
            await session.exec(
                select(EngagementEvent).where(
                    EngagementEvent.external_id == "graph-mail:<in-2@kunde.example>"
                )
            )
        ).one()
    assert lead.total_score > before, "a reply is engagement"
    assert event.effect is not None
    assert (event.effect["score_before"], event.effect["score_after"]) == (before, lead.total_score)


async def test_without_signals_nothing_is_ingested_and_the_named_event_is_kept(
    sessions: SessionMaker,
) -> None:
    org = await make_org(sessions)
    lead_id = await make_lead(sessions, org, email="paula@kunde.example")
    names = [f"Person {n}" for n in range(PARTICIPANTS_KEPT + 5)] + ["Person 1"]
    reply = _mail(
        lead_id,
        "<in-3@kunde.example>",
        from_lead=True,
        minutes=30,
        signal_id="demo-reply-42",
        participants=names,
        preview="x" * 1500,
    )
    async with transaction(sessions) as session:
        report = await store_messages(
            session, tenant_id=org.tenant_id, items=[reply], now=T0 + timedelta(hours=1), signal_replies=False
        )
    assert (report.stored, report.replies) == (1, 0)
    async with sessions() as session:
        row = (
            await session.exec(select(ConversationMessage).where(ConversationMessage.lead_id == lead_id))
        ).one()
        events = (
            await session.exec(select(EngagementEvent).where(col(EngagementEvent.lead_id) == lead_id))
        ).all()
    assert events == []
    assert row.signal_id == "demo-reply-42"
    assert row.participants == names[:PARTICIPANTS_KEPT] and len(row.preview) == 1000
