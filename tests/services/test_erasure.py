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
from app.services.access import Actor
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
        await propose_hand_off(session=session, tenant_id=org.tenant_id, lead_id=lead_id, actor=None, now=T0)
        for owner, sender, recipients in (
            (lead_id, ADDRESS, [rep.email]),
            (other_id, "kollege@werk.example", [rep.email, ADDRESS]),  # a thread both leads are on
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
                )
            )
    assert await _mentions(sessions, ADDRESS), "the address is on record before"

    async with transaction(sessions) as session:
        erased = await erase_lead(
            session=session, actor=Actor.of(org.admin), tenant_id=org.tenant_id, email=ADDRESS
        )  # type: ignore[arg-type]
    assert erased.rows["leads"] == 1 and erased.rows["engagement_events"] == 1
    assert erased.rows["conversation_messages_redacted"] == 1
    assert await _mentions(sessions, ADDRESS) == []
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
            await erase_lead(
                session=session, actor=Actor.of(org.manager), tenant_id=org.tenant_id, email=ADDRESS
            )  # type: ignore[arg-type]
    async with transaction(sessions) as session:
        with pytest.raises(NotFound):
            await erase_lead(
                session=session, actor=None, tenant_id=org.tenant_id, email="nobody@werk.example"
            )
    assert await _mentions(sessions, ADDRESS), "a refused erasure erased nothing"
