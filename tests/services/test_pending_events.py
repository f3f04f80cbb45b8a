"""Events stored as pending (202 Accepted) end where events applied at once end, are applied exactly once
however many refreshers run, survive a restart, and one that cannot be applied does not stall the rest."""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from app.db import SessionMaker, create_sessionmaker, engine_for_url, transaction
from app.models import EngagementEvent, Lead
from app.services.events import EventIn, ingest_posted
from app.services.pending_events import EventRefresher, apply_pending, pending_depth
from tests.factories import T0, make_lead, make_org
from tests.services.test_ingest_sets import (
    KINDS,
    LOWERING,
    PROPERTY,
    _email,
    _events,
    _ingest,
    _org_with_leads,
    _plans,
    _state,
)


async def _pending(sessions: SessionMaker, tenant_id: str) -> int:
    async with sessions() as session:
        return await pending_depth(session=session, tenant_id=tenant_id)


async def _stored_then_applied(url: str, plan: list[tuple[int, str, int]], chunk: int) -> None:
    engine = engine_for_url(url)
    sessions = create_sessionmaker(engine)
    try:
        at_once_org, deferred_org = await _org_with_leads(sessions), await _org_with_leads(sessions)
        events = _events(plan, "e")
        await _ingest(sessions, at_once_org.tenant_id, events, len(events))
        before = await _state(sessions, deferred_org.tenant_id)
        result = await ingest_posted(
            sessions=sessions, tenant_id=deferred_org.tenant_id, events=events, now=T0, defer=True
        )
        assert result.leads_refreshed == 0
        # Stored, and nothing else: no lead re-scored, re-staged or re-planned yet.
        untouched = await _state(sessions, deferred_org.tenant_id)
        assert untouched.pop("events") == before.pop("events") + result.accepted
        assert untouched == before
        assert await _pending(sessions, deferred_org.tenant_id) == result.accepted
        applied = await EventRefresher(sessions, lambda: T0, chunk=chunk).drain()
        assert applied == result.accepted
        assert await _pending(sessions, deferred_org.tenant_id) == 0
        at_once, deferred = (
            await _state(sessions, at_once_org.tenant_id),
            await _state(sessions, deferred_org.tenant_id),
        )
        assert deferred == at_once
    finally:
        await engine.dispose()


def test_events_applied_later_end_where_events_applied_at_once_end(database_url: str) -> None:
    """Every kind, lowering ones included, with the whole post applied in one claim."""

    @PROPERTY
    @given(plan=_plans(KINDS))
    def check(plan: list[tuple[int, str, int]]) -> None:
        asyncio.run(_stored_then_applied(database_url, plan, chunk=len(plan)))

    check()


def test_claims_smaller_than_the_post_end_where_the_post_applied_at_once_ends(database_url: str) -> None:
    """Without an unsubscribe or a bounce, a lead's events may be applied in any split (test_ingest_sets)."""

    @PROPERTY
    @given(plan=_plans([kind for kind in KINDS if kind not in LOWERING]), chunk=st.integers(1, 5))
    def check(plan: list[tuple[int, str, int]], chunk: int) -> None:
        asyncio.run(_stored_then_applied(database_url, plan, chunk=chunk))

    check()


def _backlog(count: int, leads: int, prefix: str) -> list[EventIn]:
    return [
        EventIn(
            external_id=f"{prefix}-{i}",
            kind=KINDS[i % 7],
            occurred_at=T0 - timedelta(minutes=count - i),
            email=_email(i % leads),
        )
        for i in range(count)
    ]


async def test_two_refreshers_on_one_backlog_apply_each_event_once(sessions: SessionMaker) -> None:
    org = await _org_with_leads(sessions)
    stored = 0
    for post in range(4):
        result = await ingest_posted(
            sessions=sessions, tenant_id=org.tenant_id, events=_backlog(60, 3, f"p{post}"), now=T0, defer=True
        )
        stored += result.accepted
    assert stored == 240
    # Two instances, each with its own refresher, woken by the same backlog.
    first = EventRefresher(sessions, lambda: T0, chunk=7)
    second = EventRefresher(sessions, lambda: T0, chunk=11)
    applied = await asyncio.gather(first.drain(), second.drain())
    assert sum(applied) == 240, applied
    assert await _pending(sessions, org.tenant_id) == 0
    async with sessions() as session:
        leads = (await session.exec(select(Lead).where(Lead.tenant_id == org.tenant_id))).all()
    assert all(lead.engagement_score > 0 for lead in leads)


async def test_events_left_pending_by_a_stopped_server_are_applied_by_the_next(database_url: str) -> None:
    engine = engine_for_url(database_url)
    sessions = create_sessionmaker(engine)
    org = await _org_with_leads(sessions)
    result = await ingest_posted(
        sessions=sessions, tenant_id=org.tenant_id, events=_backlog(30, 3, "before"), now=T0, defer=True
    )
    assert result.accepted == 30
    await engine.dispose()  # the server that answered 202 stops before its refresher ran

    engine = engine_for_url(database_url)
    sessions = create_sessionmaker(engine)
    try:
        # Never woken: only its start and its poll find the backlog.
        refresher = EventRefresher(sessions, lambda: T0, poll_seconds=0.05)
        task = asyncio.create_task(refresher.run_forever())
        try:
            for _ in range(600):
                if not await _pending(sessions, org.tenant_id):
                    break
                await asyncio.sleep(0.05)
            assert await _pending(sessions, org.tenant_id) == 0
        finally:
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        async with sessions() as session:
            effects = (
                await session.exec(
                    select(EngagementEvent.effect).where(
                        EngagementEvent.tenant_id == org.tenant_id, col(EngagementEvent.effect).is_not(None)
                    )
                )
            ).all()
        assert effects, "applying recorded what the events changed on their leads"
    finally:
        await engine.dispose()


async def test_an_event_that_cannot_be_applied_is_set_aside_and_the_rest_applied(
    sessions: SessionMaker, caplog: pytest.LogCaptureFixture
) -> None:
    org, other = await make_org(sessions), await make_org(sessions)
    good = await make_lead(sessions, org, email="gut@kunde.example", owner=org.reps[0])
    foreign = await make_lead(sessions, other, email="fremd@kunde.example", owner=other.reps[0])
    result = await ingest_posted(
        sessions=sessions,
        tenant_id=org.tenant_id,
        events=[
            EventIn(external_id=f"ok-{i}", kind="pricing_view", occurred_at=T0, email="gut@kunde.example")
            for i in range(3)
        ],
        now=T0,
        defer=True,
    )
    assert result.accepted == 3
    # A damaged row, as a faulty restore or a hand-made fix could leave one: its lead is another tenant's.
    poison = uuid.uuid4()
    async with transaction(sessions) as session:
        session.add(
            EngagementEvent(
                id=poison,
                tenant_id=org.tenant_id,
                lead_id=foreign,
                external_id="damaged",
                kind="pricing_view",
                occurred_at=T0,
                properties={},
                pending=True,
                created_at=T0 - timedelta(minutes=1),
            )
        )
    with caplog.at_level(logging.WARNING, logger="app.services.pending_events"):
        applied = await EventRefresher(sessions, lambda: T0).drain()
    assert applied == 4
    assert await _pending(sessions, org.tenant_id) == 0
    assert any(str(poison) in record.getMessage() for record in caplog.records)
    async with sessions() as session:
        lead = await session.get(Lead, good)
        stranger = await session.get(Lead, foreign)
    assert lead is not None and lead.engagement_score > 0
    assert stranger is not None and stranger.engagement_score == 0, "another tenant's lead is left alone"


async def test_a_steady_stream_of_posts_is_applied_while_it_lasts(sessions: SessionMaker) -> None:
    """The refresher waits for a pause in the posts, but not for ever: a stream that never pauses for
    its quiet time is still applied at least every ``max_lag_seconds``."""
    org = await _org_with_leads(sessions)
    refresher = EventRefresher(sessions, lambda: T0, poll_seconds=60, quiet_seconds=0.5, max_lag_seconds=0.2)
    task = asyncio.create_task(refresher.run_forever())
    applied_during_stream = False
    try:
        for post in range(40):
            result = await ingest_posted(
                sessions=sessions,
                tenant_id=org.tenant_id,
                events=_backlog(1, 3, f"s{post}"),
                now=T0,
                defer=True,
            )
            assert result.accepted == 1
            refresher.wake()  # every 50 ms: never the half-second pause the refresher would wait for
            await asyncio.sleep(0.05)
            applied_during_stream = (
                applied_during_stream or await _pending(sessions, org.tenant_id) < post + 1
            )
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert applied_during_stream


async def test_a_second_claim_takes_other_leads_while_the_first_is_held(
    sessions: SessionMaker, engine: AsyncEngine
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip(
            "SQLite has one writer: a second claim waits for the first, as the two-refresher test shows"
        )
    org = await _org_with_leads(sessions)
    result = await ingest_posted(
        sessions=sessions, tenant_id=org.tenant_id, events=_backlog(30, 3, "held"), now=T0, defer=True
    )
    assert result.accepted == 30
    async with transaction(sessions) as first:
        held = await apply_pending(session=first, tenant_id=org.tenant_id, clock=lambda: T0, limit=1)
        # Another instance's claim while the first is still open: other leads, none of the first's events.
        async with transaction(sessions) as second:
            other = await apply_pending(session=second, tenant_id=org.tenant_id, clock=lambda: T0, limit=1)
    assert (held.leads, other.leads) == (1, 1)
    assert held.events == other.events == 10, "each lead's ten events, all of them, in one claim"
    assert await _pending(sessions, org.tenant_id) == 10


async def test_concurrent_deferred_posts_sharing_external_ids_store_and_count_each_event_once(
    sessions: SessionMaker,
) -> None:
    # On PostgreSQL deferred posts run in two transactions at once; each pair of posts below repeats half
    # of the other's external ids, the way a retrying integration does.
    org = await _org_with_leads(sessions)
    posts = [_backlog(40, 3, f"p{post // 2}")[post % 2 * 20 : post % 2 * 20 + 40] for post in range(8)]
    results = await asyncio.gather(
        *(
            ingest_posted(sessions=sessions, tenant_id=org.tenant_id, events=events, now=T0, defer=True)
            for events in posts
        )
    )
    unique = {event.external_id for events in posts for event in events}
    assert sum(result.accepted for result in results) == len(unique)
    assert sum(result.duplicates for result in results) == sum(map(len, posts)) - len(unique)
    async with sessions() as session:
        stored = (
            await session.exec(
                select(EngagementEvent.external_id).where(EngagementEvent.tenant_id == org.tenant_id)
            )
        ).all()
    assert sorted(stored) == sorted(unique)
    assert await _pending(sessions, org.tenant_id) == len(unique)
