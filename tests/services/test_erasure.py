"""Erasing a lead leaves no row, in any table, that mentions their address or id."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import String, cast, select, text
from sqlmodel import SQLModel

from app.db import SessionMaker, transaction
from app.models import Company, ConversationMessage, Lead
from app.nurturing.enums import Direction
from app.services.access import Caller
from app.services.erasure import erase_lead
from app.services.errors import NotAllowed, NotFound
from app.services.events import EventIn, ingest_events
from app.services.hand_offs import propose_hand_off
from tests.factories import T0, make_lead, make_org

ADDRESS = "jana.weiss@werk.example"


async def _mentions(sessions: SessionMaker, needle: str) -> list[str]:
    """Every table.column whose text holds ``needle``, across the whole schema."""
    found = []
    async with sessions() as session:
        connection = await session.connection()
        for table in SQLModel.metadata.sorted_tables:
            for column in table.columns:
                hits = (
                    await connection.execute(
                        select(text("1"))
                        .select_from(table)
                        .where(cast(column, String).contains(needle))
                        .limit(1)
                    )
                ).first()
                if hits:
                    found.append(f"{table.name}.{column.name}")
    return found


async def test_erasure_leaves_nothing_that_names_the_lead(sessions: SessionMaker) -> None:
    org = await make_org(sessions)
    rep = org.reps[0]
    lead_id = await make_lead(sessions, org, email=ADDRESS, owner=rep, first_name="Jana", last_name="Weiß")
    other_id = await make_lead(sessions, org, email="kollege@werk.example", owner=rep)
    async with transaction(sessions) as session:
        await ingest_events(
            session=session,
            tenant_id=org.tenant_id,
            events=[EventIn(external_id="e1", kind="pricing_view", occurred_at=T0, email=ADDRESS)],
            now=T0,
        )
        await propose_hand_off(
            session=session,
            lead_id=lead_id,
            caller=Caller.system(org.tenant_id, T0),
        )
        people = ["Anna Rep", "Jana Weiß", "Kai Kollege"]
        for owner, sender, name, recipients, thread in (
            (lead_id, ADDRESS, "Jana Weiß", [rep.email], "conv-1"),
            (other_id, "kollege@werk.example", "Kai Kollege", [rep.email, ADDRESS], "conv-1"),  # both leads
            # A group chat stored under the colleague, where Graph gave Jana no address: named only.
            (other_id, None, "Jana Weiß", [rep.email], "19:group@thread.v2"),
            (other_id, "kollege@werk.example", "Kai Kollege", [rep.email], "19:group@thread.v2"),
        ):
            session.add(
                ConversationMessage(
                    tenant_id=org.tenant_id,
                    lead_id=owner,
                    graph_id=f"AAMk{uuid.uuid4().hex}",
                    source="mail",
                    subject="Angebot",
                    preview="Danke für das Angebot",
                    from_address=sender,
                    to_addresses=recipients,
                    direction=Direction.INBOUND,
                    sent_at=T0 + timedelta(hours=1),
                    thread_key=thread,
                    participants=people,
                    sender_name=name,
                )
            )
        # Jana's own message in the group chat names the thread, so its other messages are found.
        session.add(
            ConversationMessage(
                tenant_id=org.tenant_id,
                lead_id=lead_id,
                graph_id="chat:19:group@thread.v2:1",
                source="chat",
                preview="Passt",
                from_address=ADDRESS,
                to_addresses=[rep.email],
                direction=Direction.INBOUND,
                sent_at=T0 + timedelta(hours=2),
                thread_key="19:group@thread.v2",
                participants=people,
                sender_name="Jana Weiß",
            )
        )
    assert await _mentions(sessions, ADDRESS), "the address is on record before"
    assert await _mentions(sessions, "Jana"), "and the name"

    async with transaction(sessions) as session:
        erased = await erase_lead(session=session, caller=org.caller(org.admin, T0), email=ADDRESS)
    assert erased.rows["leads"] == 1 and erased.rows["engagement_events"] == 1
    assert erased.rows["conversation_messages_redacted"] == 3
    assert await _mentions(sessions, ADDRESS) == []
    assert await _mentions(sessions, "Jana") == []
    async with sessions() as session:
        kept = (await session.exec(select(ConversationMessage))).scalars().all()  # type: ignore[call-overload]
    assert {tuple(m.participants) for m in kept} == {("Anna Rep", "Kai Kollege")}
    assert sorted(m.sender_name or "-" for m in kept) == ["-", "Kai Kollege", "Kai Kollege"]
    assert await _mentions(sessions, str(lead_id)) == []
    async with sessions() as session:
        assert (await session.get(Lead, other_id)) is not None, "the colleague's lead stays"
        assert (await (await session.connection()).execute(select(Company))).first() is not None, (
            "firmographics stay"
        )


async def test_only_an_admin_erases_and_a_missing_lead_is_not_found(sessions: SessionMaker) -> None:
    org = await make_org(sessions)
    await make_lead(sessions, org, email=ADDRESS, owner=org.reps[0])
    async with transaction(sessions) as session:
        with pytest.raises(NotAllowed):
            await erase_lead(session=session, caller=org.caller(org.manager, T0), email=ADDRESS)
    async with transaction(sessions) as session:
        with pytest.raises(NotFound):
            await erase_lead(
                session=session, caller=Caller.system(org.tenant_id, T0), email="nobody@werk.example"
            )
    assert await _mentions(sessions, ADDRESS), "a refused erasure erased nothing"
