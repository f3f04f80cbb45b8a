"""Set-based ingestion: a batch ends where one event at a time ends, in a number of statements that does
not grow with the batch, and concurrent batches on the same leads neither fail nor store twice."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, func, select

from app.db import SessionMaker, create_sessionmaker, engine_for_url, transaction
from app.models import EngagementEvent, FollowUp, HandOff, Lead, OutboxMessage
from app.nurturing.enums import ACTIVE_FOLLOW_UP_STATUSES, FollowUpKind, HandOffStatus
from app.services.events import EventIn, IngestResult, ingest_batch, ingest_events
from tests.factories import T0, Org, make_lead, make_org
from tests.statements import statements_run

LEADS = 3
KINDS = [
    "email_open",
    "email_click",
    "page_view",
    "content_download",
    "webinar_attended",
    "pricing_view",
    "demo_request",
    "email_reply",
    "chat_reply",
    "meeting_booked",
    "unsubscribed",
    "bounced",
]


def _email(index: int) -> str:
    return f"lead{index}@kunde.example"


async def _org_with_leads(sessions: SessionMaker) -> Org:
    org = await make_org(sessions)
    for index in range(LEADS):
        await make_lead(sessions, org, email=_email(index), owner=org.reps[index % len(org.reps)])
    return org


def _events(plan: list[tuple[int, str, int]], prefix: str) -> list[EventIn]:
    return [
        EventIn(
            external_id=f"{prefix}-{number}",
            kind=kind,
            occurred_at=T0 - timedelta(minutes=minutes),
            email=_email(lead),
        )
        for number, (lead, kind, minutes) in enumerate(plan)
    ]


async def _state(sessions: SessionMaker, tenant_id: str) -> dict[str, Any]:
    """What a rep and the team would see of each lead, keyed by its address."""
    async with sessions() as session:
        leads = (await session.exec(select(Lead).where(Lead.tenant_id == tenant_id))).all()
        follow_ups = (await session.exec(select(FollowUp).where(FollowUp.tenant_id == tenant_id))).all()
        hand_offs = (
            await session.exec(
                select(HandOff.lead_id).where(
                    HandOff.tenant_id == tenant_id, HandOff.status == HandOffStatus.PROPOSED
                )
            )
        ).all()
        stored = (
            await session.exec(
                select(func.count())
                .select_from(EngagementEvent)
                .where(EngagementEvent.tenant_id == tenant_id)
            )
        ).one()
    state: dict[str, Any] = {"events": stored}
    for lead in leads:
        own = [f for f in follow_ups if f.lead_id == lead.id]
        active = [f for f in own if f.status in ACTIVE_FOLLOW_UP_STATUSES]
        state[lead.email] = {
            "scores": (lead.fit_score, lead.engagement_score, lead.total_score),
            "explanation": lead.score_explanation,
            "stage": lead.stage,
            "lifecycle": lead.lifecycle,
            "mql_at": lead.mql_at,
            "flags": (lead.unsubscribed, lead.bounced, lead.dormant_since, lead.unanswered_touches),
            "last_reply_at": lead.last_reply_at,
            # Which touch is planned next is left out: the engine plans after every refresh, and a plan
            # weighs what came before it (content suggested already, a reply answered before an
            # unsubscribe arrived), so one refresh per event and one per batch may plan different next
            # touches. The engine behaves so on its own; a lead still has its one follow-up either way.
            "active": len(active),
            "finished": sorted(
                Counter((f.status.value, str(f.outcome)) for f in own if f not in active).items()
            ),
            "hand_off_open": hand_offs.count(lead.id),
        }
    return state


# The two kinds that lower a score. Between them a lead's score only grows with its events, so where
# a batch holds neither, one refresh at its end sees every threshold the events one at a time crossed.
LOWERING = ("unsubscribed", "bounced")


def _plans(kinds: list[str]) -> st.SearchStrategy[list[tuple[int, str, int]]]:
    """Events in time order, as an integration syncs them; any lead, any kind, within the last 20 days."""
    return st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=LEADS - 1),
            st.sampled_from(kinds),
            st.integers(min_value=1, max_value=20 * 24 * 60),
        ),
        min_size=1,
        max_size=14,
    ).map(lambda plan: sorted(plan, key=lambda item: -item[2]))


async def _ingest(sessions: SessionMaker, tenant_id: str, events: list[EventIn], size: int) -> None:
    for start in range(0, len(events), size):
        async with transaction(sessions) as session:
            await ingest_events(
                session=session, tenant_id=tenant_id, events=events[start : start + size], now=T0
            )


async def _batched_equals_one_by_one(url: str, plan: list[tuple[int, str, int]], size: int) -> None:
    engine = engine_for_url(url)
    sessions = create_sessionmaker(engine)
    try:
        one_org, batch_org = await _org_with_leads(sessions), await _org_with_leads(sessions)
        await _ingest(sessions, one_org.tenant_id, _events(plan, "e"), 1)
        await _ingest(sessions, batch_org.tenant_id, _events(plan, "e"), size)
        one, batched = await _state(sessions, one_org.tenant_id), await _state(sessions, batch_org.tenant_id)
        assert batched == one
    finally:
        await engine.dispose()


async def _order_does_not_matter(url: str, plan: list[tuple[int, str, int]], order: list[int]) -> None:
    engine = engine_for_url(url)
    sessions = create_sessionmaker(engine)
    try:
        given_org, shuffled_org = await _org_with_leads(sessions), await _org_with_leads(sessions)
        events = _events(plan, "e")
        await _ingest(sessions, given_org.tenant_id, events, len(events))
        await _ingest(sessions, shuffled_org.tenant_id, [events[index] for index in order], len(events))
        given, shuffled = (
            await _state(sessions, given_org.tenant_id),
            await _state(sessions, shuffled_org.tenant_id),
        )
        assert shuffled == given
    finally:
        await engine.dispose()


# Derandomized: the same examples on every run, so CI never meets a new one by chance.
PROPERTY = settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def test_a_batch_ends_where_one_event_at_a_time_ends(database_url: str) -> None:
    @PROPERTY
    @given(plan=_plans([kind for kind in KINDS if kind not in LOWERING]), size=st.integers(2, 14))
    def check(plan: list[tuple[int, str, int]], size: int) -> None:
        asyncio.run(_batched_equals_one_by_one(database_url, plan, size))

    check()


def test_a_batch_is_judged_whole_whatever_the_order_of_its_events(database_url: str) -> None:
    """With an unsubscribe or a bounce among them, one at a time depends on the order events happen to
    arrive in (a reply then an unsubscribe makes an MQL, the other way round does not); a batch does not."""

    @PROPERTY
    @given(
        plan_and_order=_plans(KINDS).flatmap(
            lambda plan: st.tuples(st.just(plan), st.permutations(list(range(len(plan)))))
        )
    )
    def check(plan_and_order: tuple[list[tuple[int, str, int]], list[int]]) -> None:
        plan, order = plan_and_order
        asyncio.run(_order_does_not_matter(database_url, plan, order))

    check()


async def test_a_reply_and_an_unsubscribe_in_one_batch_leave_the_lead_unsubscribed_not_handed_on(
    sessions: SessionMaker,
) -> None:
    org = await _org_with_leads(sessions)
    plan = [(0, kind, 1) for kind in ("email_open", "email_open", "content_download", "demo_request")]
    plan += [(0, "email_reply", 1), (0, "unsubscribed", 1)]
    await _ingest(sessions, org.tenant_id, _events(plan, "e"), len(plan))
    lead = (await _state(sessions, org.tenant_id))[_email(0)]
    assert lead["flags"][0] is True, "the unsubscribe is kept"
    assert lead["lifecycle"] == "new" and lead["mql_at"] is None, (
        "the batch is judged on where it leaves the lead: the reply's lift is taken back by the unsubscribe"
    )


async def _ingest_counting(
    engine: AsyncEngine, sessions: SessionMaker, tenant_id: str, events: list[EventIn]
) -> tuple[IngestResult, int]:
    with statements_run(engine) as sent:
        async with transaction(sessions) as session:
            result = await ingest_events(session=session, tenant_id=tenant_id, events=events, now=T0)
    return result, len(sent)


async def _org_with_busy_leads(sessions: SessionMaker, leads: int) -> Org:
    """Leads whose refresh does everything it can: sent cards to update, replies awaited, hand-offs due."""
    org = await make_org(sessions)
    for index in range(leads):
        await make_lead(
            sessions, org, email=_email(index), owner=org.reps[index % len(org.reps)], title="CTO"
        )
    async with transaction(sessions) as session:
        follow_ups = (await session.exec(select(FollowUp).where(FollowUp.tenant_id == org.tenant_id))).all()
        for index, follow_up in enumerate(follow_ups):
            follow_up.activity_id = f"activity-{index}"  # a card went out: changes update it in place
            if index % 2:
                follow_up.kind = FollowUpKind.AWAITING_REPLY
            session.add(follow_up)
    return org


async def test_a_batch_runs_as_many_statements_for_200_events_as_for_10(
    engine: AsyncEngine, sessions: SessionMaker
) -> None:
    counts = {}
    for size in (10, 200):
        org = await _org_with_busy_leads(sessions, 8)
        kinds = ["pricing_view", "email_reply", "demo_request", "email_click", "webinar_attended"]
        events = [
            EventIn(
                external_id=f"{org.tenant_id}-{i}",
                kind="email_reply" if i < 8 else kinds[i % len(kinds)],
                occurred_at=T0 - timedelta(minutes=1 + i),
                email=_email(i % 8),
            )
            for i in range(size)
        ]
        result, counts[size] = await _ingest_counting(engine, sessions, org.tenant_id, events)
        assert result.accepted == size and result.leads_refreshed == 8
        async with sessions() as session:
            notices = (
                await session.exec(
                    select(func.count())
                    .select_from(OutboxMessage)
                    .where(OutboxMessage.tenant_id == org.tenant_id)
                )
            ).one()
            done = (
                await session.exec(
                    select(func.count())
                    .select_from(FollowUp)
                    .where(FollowUp.tenant_id == org.tenant_id, col(FollowUp.outcome).is_not(None))
                )
            ).one()
        assert notices >= 8 and done == 4, "cards were updated and awaited replies finished, in bulk"
    assert counts[200] == counts[10], counts
    # Begin to commit: resolve the addresses, store the events, lock the leads (with their companies, owners
    # and active follow-ups), read their history; then the writes. 16 before the lock took its companions.
    assert counts[10] <= 13, counts


async def _count_stored(sessions: SessionMaker, tenant_id: str) -> int:
    async with sessions() as session:
        return int(
            (
                await session.exec(
                    select(func.count())
                    .select_from(EngagementEvent)
                    .where(EngagementEvent.tenant_id == tenant_id)
                )
            ).one()
        )


async def test_concurrent_batches_on_the_same_leads_all_succeed_and_count_each_event_once(
    sessions: SessionMaker,
) -> None:
    org = await _org_with_leads(sessions)
    # Four senders, each its own batches; every second sender repeats the ids of the one before, in
    # reverse order, so the same external ids race across transactions in opposite orders.
    plans: list[list[EventIn]] = []
    for sender in range(4):
        source = sender - sender % 2
        batch = [
            EventIn(
                external_id=f"s{source}-{i}",
                kind=KINDS[(i + source) % 7],
                occurred_at=T0 - timedelta(minutes=i + 1),
                email=_email(i % LEADS),
            )
            for i in range(60)
        ]
        plans.append(batch if sender % 2 == 0 else list(reversed(batch)))
    results = await asyncio.gather(
        *(ingest_batch(sessions=sessions, tenant_id=org.tenant_id, events=plan, now=T0) for plan in plans)
    )
    assert sum(r.accepted for r in results) == 120
    assert sum(r.duplicates for r in results) == 120
    assert await _count_stored(sessions, org.tenant_id) == 120


async def test_the_same_external_id_posted_at_once_is_stored_once(sessions: SessionMaker) -> None:
    org = await _org_with_leads(sessions)
    external_id = f"same-{uuid.uuid4().hex[:6]}"
    single = [EventIn(external_id=external_id, kind="pricing_view", occurred_at=T0, email=_email(0))]
    results = await asyncio.gather(
        *(ingest_batch(sessions=sessions, tenant_id=org.tenant_id, events=single, now=T0) for _ in range(12))
    )
    assert sorted((r.accepted, r.duplicates) for r in results) == [(0, 1)] * 11 + [(1, 0)]
    assert await _count_stored(sessions, org.tenant_id) == 1
