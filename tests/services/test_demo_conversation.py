"""The demo's mail and chat history: believable, in the lead's language, and true to the replayed events."""

from __future__ import annotations

import random
import re
import uuid
from collections import Counter, defaultdict
from datetime import UTC, datetime, time, timedelta

from sqlmodel import col, func, select

from app.db import SessionMaker
from app.models import ConversationMessage, EngagementEvent, Lead, Member, OwnershipChange, Touchpoint
from app.nurturing.calendar import WorkingHours, is_working_time
from app.nurturing.enums import Direction, TouchpointKind
from app.services.access import Caller
from app.services.demo_conversation import Content, LeadFacts, Moment, Person, lead_conversation
from app.services.demo_history import demo_messages
from app.services.demo_seed import DEMO_TENANT_ID, seed_demo_tenant
from app.services.lead_messages import store_messages
from app.services.tenant_config import working_hours
from app.services.timeline import EventItemOut, MessageItemOut, lead_timeline

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SEED = 4711
GERMAN = frozenset(
    "sie und die der das ihre ihnen für ist wir danke grüße mit zum ich ja gern es uns hallo guten tag vielen"
    " dank habe mir heute unser hat mich erst letzte woche gibt eine rufe gleich kurz hatten schon sich wenn"
    " passt bei von nach wie meist hier ein den noch soll".split()
)
ENGLISH = frozenset(
    "the you your and for is we thanks with to i on a it me us yes our my of about now quick call good any"
    " thoughts just look like after what would trying reach by phone be have did get chance at still".split()
)
OWNER = Person(
    name="Anna Müller",
    email="anna.mueller@fertigwerk.example",
    object_id=str(uuid.uuid4()),
    hours=WorkingHours(time_zone="Europe/Berlin", start=time(8, 30), end=time(17, 30)),
)


def _language_of(text: str) -> str:
    """German or English, by which language's common words the text uses more."""
    words = re.findall(r"\w+", text.lower())
    german = sum(word in GERMAN for word in words)
    english = sum(word in ENGLISH for word in words)
    return "de" if german > english else "en" if english > german else "?"


def _facts(email: str, language: str, chats: bool = True) -> LeadFacts:
    return LeadFacts(
        lead_id=uuid.uuid4(),
        email=email,
        first_name="Jana",
        last_name="Möller",
        language=language,
        persona="it_leader",
        title="IT-Leiter",
        company="Saar Logistik GmbH",
        industry="logistics",
        needs=None,
        topics=("integration", "security"),
        source="webinar",
        chats=chats,
    )


def _story(start: datetime) -> list[Moment]:
    guide = Content(title="Security and data residency whitepaper", url="https://example.com/s", kind="guide")
    return [
        Moment(at=start, kind="mail", owner=OWNER, content=guide),
        Moment(at=start + timedelta(days=2, hours=1), kind="email_reply", owner=OWNER, signal_id="demo-3-1"),
        Moment(at=start + timedelta(days=7), kind="call", owner=OWNER),
        Moment(at=start + timedelta(days=8, hours=2), kind="chat_reply", owner=OWNER, signal_id="demo-1-4"),
        Moment(at=start + timedelta(days=9), kind="meeting", owner=OWNER),
    ]


def test_one_leads_story_is_told_in_order_with_each_reply_tied_to_its_event() -> None:
    start = datetime(2026, 10, 5, 9, 15, tzinfo=UTC)  # a Monday, 11:15 in Berlin
    facts = _facts("jana.moeller@saar-1.example", "de")
    messages = lead_conversation(facts, _story(start), seed=SEED, tenant_id="t", vendor_domain="v.example")
    again = lead_conversation(facts, _story(start), seed=SEED, tenant_id="t", vendor_domain="v.example")
    assert messages == again, "a pure function of its inputs"
    inbound = [m for m in messages if m.from_lead]
    assert [(m.source.value, m.signal_id, m.sent_at) for m in inbound] == [
        ("mail", "demo-3-1", start + timedelta(days=2, hours=1)),
        ("chat", "demo-1-4", start + timedelta(days=8, hours=2)),
    ]
    first_mail, reply = messages[0], inbound[0]
    assert first_mail.sent_at == start and not first_mail.from_lead and first_mail.sender_name == OWNER.name
    assert (
        reply.thread_key == first_mail.thread_key and reply.thread_title == f"AW: {first_mail.thread_title}"
    )
    assert "Security and data residency whitepaper" in first_mail.preview
    assert all(m.sent_at == sorted(x.sent_at for x in messages)[i] for i, m in enumerate(messages))
    assert any(m.source.value == "chat" and not m.from_lead for m in messages), (
        "the call is announced in chat"
    )
    confirmation = messages[-1]
    assert confirmation.sent_at == start + timedelta(days=9) and not confirmation.from_lead
    assert any(
        day in confirmation.preview for day in ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag")
    )
    assert all(_language_of(m.preview) == "de" for m in messages), [m.preview for m in messages]
    for message in messages:
        if not message.from_lead:
            assert is_working_time(OWNER.hours, message.sent_at), message


def test_different_leads_and_languages_read_differently() -> None:
    start = datetime(2026, 10, 5, 9, 15, tzinfo=UTC)
    texts = set()
    for index in range(40):
        language = "de" if index % 2 else "en"
        facts = _facts(f"lead{index}@example.com", language)
        messages = lead_conversation(
            facts, _story(start), seed=SEED, tenant_id="t", vendor_domain="v.example"
        )
        texts.add(tuple(m.preview for m in messages))
        assert all(_language_of(m.preview) == language for m in messages), [m.preview for m in messages]
    assert len(texts) == 40, "no two leads get the same conversation"


def test_a_lead_without_chat_gets_no_chat_and_a_call_leaves_no_message() -> None:
    start = datetime(2026, 10, 5, 9, 15, tzinfo=UTC)
    facts = _facts("noah.smith@atlas-2.example", "en", chats=False)
    story = [Moment(at=start, kind="call", owner=OWNER), Moment(at=start, kind="mail", owner=OWNER)]
    messages = lead_conversation(facts, story, seed=SEED, tenant_id="t", vendor_domain="v.example")
    assert [(m.source.value, m.from_lead) for m in messages] == [("mail", False)]


async def test_the_seeded_demo_has_a_conversation_true_to_its_replay(sessions: SessionMaker) -> None:
    summary = await seed_demo_tenant(
        sessions=sessions, now=NOW, rng=random.Random(11), leads=80, conversation_seed=SEED
    )
    async with sessions() as session:
        leads = {lead.id: lead for lead in (await session.exec(select(Lead))).all()}
        members = {m.id: m for m in (await session.exec(select(Member))).all()}
        rows = (await session.exec(select(ConversationMessage))).all()
        replies = (
            await session.exec(
                select(EngagementEvent).where(col(EngagementEvent.kind).in_(["email_reply", "chat_reply"]))
            )
        ).all()
        touches = (await session.exec(select(Touchpoint))).all()
        changes = (
            await session.exec(select(OwnershipChange).order_by(col(OwnershipChange.changed_at)))
        ).all()
    assert summary.messages == len(rows) > 0
    by_lead: dict[uuid.UUID, list[ConversationMessage]] = defaultdict(list)
    for row in rows:
        by_lead[row.lead_id].append(row)
    assert len(by_lead) > len(leads) / 2, "most leads have a conversation"
    assert Counter(row.source for row in rows).keys() == {"mail", "chat"}

    # Every reply event is the lead's own message, and every message from the lead is a reply event.
    inbound = {row.signal_id: row for row in rows if row.direction is Direction.INBOUND}
    assert len(inbound) == sum(1 for row in rows if row.direction is Direction.INBOUND)
    assert set(inbound) == {event.external_id for event in replies}
    for event in replies:
        message = inbound[event.external_id]
        assert message.lead_id == event.lead_id and message.sent_at == event.occurred_at
        assert message.source == ("chat" if event.kind == "chat_reply" else "mail")
        assert message.from_address == leads[event.lead_id].email

    # Every mail touchpoint has the owner's mail, sent by whoever owned the lead at that moment.
    def owner_at(lead_id: uuid.UUID, at: datetime) -> Member | None:
        owner = None
        for change in changes:
            if change.lead_id == lead_id and change.changed_at <= at:
                owner = members.get(change.to_member_id) if change.to_member_id else None
        return owner

    outbound_mail = [r for r in rows if r.source == "mail" and r.direction is Direction.OUTBOUND]
    for touch in touches:
        if touch.kind is not TouchpointKind.MAIL:
            continue
        owner = owner_at(touch.lead_id, touch.occurred_at)
        assert owner is not None
        assert any(
            r.lead_id == touch.lead_id
            and r.from_address == owner.email
            and r.sender_name == owner.display_name
            and timedelta(0) <= touch.occurred_at - r.sent_at < timedelta(hours=6)
            for r in outbound_mail
        ), f"no mail for the touchpoint at {touch.occurred_at}"
    meetings = [t for t in touches if t.kind is TouchpointKind.MEETING]
    assert meetings and all(
        any(r.lead_id == t.lead_id and abs(r.sent_at - t.occurred_at) < timedelta(seconds=2) for r in rows)
        for t in meetings
    ), "every booked meeting has its confirmation"

    # The owner writes in their working hours; everything is in the lead's language; no two leads alike.
    by_address = {m.email: m for m in members.values()}
    for row in rows:
        if row.direction is Direction.OUTBOUND:
            sender = by_address[row.from_address or ""]
            assert is_working_time(working_hours(sender), row.sent_at), (sender.display_name, row.sent_at)
        assert _language_of(row.preview) == leads[row.lead_id].language, row.preview
        assert row.web_link and row.web_link.startswith(
            "https://outlook.office365.com/owa/?ItemID="
            if row.source == "mail"
            else "https://teams.microsoft.com/l/chat/"
        )
    stories = {tuple(sorted(r.preview for r in messages)) for messages in by_lead.values()}
    assert len(stories) == len(by_lead)

    # The rows are exactly what the Graph sync's storage path makes of these messages: storing them again
    # finds every one already there, unchanged.
    async with sessions() as session:
        again = await demo_messages(session=session, tenant_id=DEMO_TENANT_ID, seed=SEED)
        report = await store_messages(
            session, tenant_id=DEMO_TENANT_ID, items=again, now=NOW, signal_replies=False
        )
        stored = {row.graph_id: row for row in (await session.exec(select(ConversationMessage))).all()}
        total = (await session.exec(select(func.count()).select_from(ConversationMessage))).one()
    assert (report.stored, report.updated, report.replies) == (0, 0, 0) and total == len(rows) == len(again)
    for item in again:
        row = stored[item.key]
        assert (row.lead_id, row.from_address, row.to_addresses, row.sent_at, row.thread_key) == (
            item.lead_id,
            item.sender_address,
            list(item.recipients),
            item.sent_at,
            item.thread_key,
        )

    # The lead page, read as each lead's owner, shows the replies as the lead's messages, with what they
    # changed; the reply events are folded into them, not listed twice.
    replied = sorted({row.lead_id for row in inbound.values()}, key=str)
    effects = 0
    async with sessions() as session:
        for lead_id in replied:
            owner_id = leads[lead_id].owner_id
            owner = members.get(owner_id) if owner_id else None
            if owner is None or not owner.active:
                continue
            page = await lead_timeline(
                session=session, caller=Caller.of(owner, NOW), lead_id=lead_id, limit=100
            )
            lead_replies = [i for i in page.items if isinstance(i, MessageItemOut) and i.is_lead_reply]
            assert lead_replies, f"no reply shown for lead {lead_id}"
            assert not [
                i
                for i in page.items
                if isinstance(i, EventItemOut) and i.event in ("email_reply", "chat_reply")
            ]
            effects += sum(1 for i in lead_replies if i.effect is not None and i.effect.score_delta != 0)
    assert effects > 0, "some replies say what they moved"
