"""Due follow-up cards are read ahead for the next ones waiting for a send slot, and never used stale."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select, update

from app.config import Settings
from app.db import SessionMaker, transaction
from app.models import FollowUp, OutboxMessage
from app.services.tenant_config import load_config
from bot.card_views import Links
from bot.dispatcher import BatchRenderer
from bot.notices import render_notice
from tests.bot.test_dispatcher import seed_due_notices
from tests.statements import statements_run, verb


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def test_cards_read_ahead_match_cards_rendered_alone_and_are_never_sent_stale(
    database_url: str, sessions: SessionMaker
) -> None:
    await seed_due_notices(sessions, "http://127.0.0.1:9", tenants=1, members=1, per_member=4)
    async with sessions() as session:
        rows = list((await session.exec(select(OutboxMessage).order_by(col(OutboxMessage.created_at)))).all())
        config = await load_config(session=session, tenant_id=rows[0].tenant_id)
    links = Links.of(Settings(database_url=database_url))
    now = datetime.now(UTC)
    alone = []
    for row in rows:
        async with sessions() as session:
            alone.append(
                await render_notice(session=session, message=row, links=links, now=now, config=config)
            )

    engine: AsyncEngine = sessions.kw["bind"]
    monotonic = Clock()
    async with engine.connect() as connection:
        renderer = BatchRenderer(
            sessions(bind=connection),
            links=links,
            clock=lambda: now,
            config=config,
            most=32,
            fresh_for=0.5,
            monotonic=monotonic,
        )
        for row in rows:
            renderer.queued(row)
        with statements_run(engine) as statements:
            first = await renderer.render(rows[0])
        # The follow-ups with their leads and companies, the members, their chats, the last messages
        # and the last touches: five statements for four cards, where one card alone took six.
        assert len([s for s in statements if verb(s) == "SELECT"]) == 5
        assert first.attachment is not None and alone[0].attachment is not None
        assert first.attachment.content == alone[0].attachment.content
        assert (first.reference, first.card_of) == (alone[0].reference, alone[0].card_of)

        # Two of the follow-ups read ahead are done meanwhile, elsewhere.
        async with transaction(sessions) as session:
            done = [uuid.UUID(row.payload["follow_up_id"]) for row in rows[2:]]
            await session.exec(update(FollowUp).where(col(FollowUp.id).in_(done)).values(status="done"))

        monotonic.now += 0.3
        with statements_run(engine) as statements:
            second = await renderer.render(rows[1])
        assert statements == [], "read ahead 0.3 s ago: used as it is"
        assert second.attachment is not None and alone[1].attachment is not None
        assert second.attachment.content == alone[1].attachment.content

        monotonic.now += 0.1
        third = await renderer.render(rows[2])
        assert third.skip_reason is None, "within the freshness window the card read ahead is used"

        monotonic.now += 0.2
        fourth = await renderer.render(rows[3])
        assert fourth.skip_reason == "follow-up already done", "read 0.6 s ago: read again, and not sent"
        await renderer.session.close()
