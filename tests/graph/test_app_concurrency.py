"""Every Graph caller in the process draws on one budget of concurrent requests, so a tenant's whole run
stays within Outlook's 4 per app, whatever the mailboxes (the Graph double enforces that rule)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import httpx
import pytest
from sqlmodel import select

from app.db import SessionMaker, transaction
from app.graph.availability import sync_availability
from app.graph.batch_search import sync_leads_mail_batched
from app.graph.batch_sync import sync_tenant
from app.graph.client import connect
from app.graph.limiter import GraphLimiter, request_slots
from app.graph.tokens import GraphTokens
from app.models import Member
from app.nurturing.enums import Role
from tests.doubles.graph import GraphDouble
from tests.doubles.identity import IdentityDouble
from tests.factories import T0, make_lead, make_org
from tests.graph.support import CLIENT_ID, graph_settings

NOW = T0 + timedelta(days=3)
MAILBOXES = 20


async def _twenty_mailboxes(
    sessions: SessionMaker, graph: GraphDouble
) -> tuple[str, list[Member], list[uuid.UUID]]:
    org = await make_org(sessions)
    async with transaction(sessions) as session:
        for n in range(MAILBOXES - 8):
            session.add(
                Member(
                    tenant_id=org.tenant_id,
                    display_name=f"Rep {n}",
                    email=f"rep{n}@vendor.example",
                    role=Role.REP,
                    aad_object_id=str(uuid.uuid4()),
                )
            )
    async with sessions() as session:
        members = list((await session.exec(select(Member).where(Member.tenant_id == org.tenant_id))).all())
    assert len(members) == MAILBOXES
    leads = [f"lead{n}@fabrik.example" for n in range(5)]
    lead_ids = [await make_lead(sessions, org, email=lead, owner=org.reps[0]) for lead in leads]
    for n, member in enumerate(members):
        box = member.aad_object_id or ""
        graph.add_user(box, mail=member.email, tenant_id=org.tenant_id)
        for lead in leads[: n % 3 + 1]:
            graph.add_message(box, subject=f"Re {n}", sender=lead, to=[member.email], received=NOW)
    return org.tenant_id, members, lead_ids


async def _whole_run(
    sessions: SessionMaker, identity: IdentityDouble, graph: GraphDouble, *, limit: int
) -> GraphTokens:
    """Mail sync of every mailbox, availability of every member and a $batch search, all at once."""
    tenant_id, members, lead_ids = await _twenty_mailboxes(sessions, graph)
    settings = graph_settings(identity, graph, graph_app_concurrency=limit)
    tokens, tls = GraphTokens(settings), graph.client_ssl_context()
    await tokens.for_application(tenant_id=tenant_id)  # msal caches it for all three

    async def source() -> str:
        return await tokens.for_application(tenant_id=tenant_id)

    first = connect(settings, source, tls=tls, limiter=tokens.limiter)
    second = connect(settings, source, tls=tls, limiter=tokens.limiter)
    try:
        mail, availability, batched = await asyncio.gather(
            sync_tenant(
                settings=settings, sessions=sessions, tokens=tokens, tls=tls, tenant_id=tenant_id, now=NOW
            ),
            sync_availability(sessions=sessions, client=first.sdk, tenant_id=tenant_id, now=NOW),
            sync_leads_mail_batched(
                sessions=sessions,
                client=second.sdk,
                tenant_id=tenant_id,
                lead_ids=lead_ids,
                mailbox=members[0].aad_object_id or "",
                now=NOW,
            ),
        )
    finally:
        await first.close()
        await second.close()
    assert (mail.mailboxes, mail.skipped) == (MAILBOXES, {})
    assert (availability.read, availability.failed) == (MAILBOXES, 0)
    assert batched.failed == {} and batched.pages == 5, "one search per lead"
    return tokens


async def test_mail_sync_availability_and_batch_of_20_mailboxes_at_once_get_no_429(
    sessions: SessionMaker, identity: IdentityDouble
) -> None:
    async with GraphDouble.for_identity(identity, latency=0.02) as graph:
        tokens = await _whole_run(sessions, identity, graph, limit=4)

    assert graph.responses_429 == []
    assert graph.max_limited[CLIENT_ID] <= 4 and tokens.limiter.peak == 4
    # Three callers, each pacing itself, together reached more mailboxes at once than the app may.
    assert len([r for r in graph.requests if r.mailbox]) > MAILBOXES * 3


async def test_without_the_shared_budget_graph_answers_429_mailbox_concurrency(
    sessions: SessionMaker, identity: IdentityDouble
) -> None:
    # What the per-app rule means for availability alone: its 8 reads at once exceed the app's 4.
    async with GraphDouble.for_identity(identity, latency=0.02) as graph:
        tenant_id, _members, _leads = await _twenty_mailboxes(sessions, graph)
        settings = graph_settings(identity, graph, graph_app_concurrency=64)
        tokens = GraphTokens(settings)

        async def source() -> str:
            return await tokens.for_application(tenant_id=tenant_id)

        connection = connect(settings, source, tls=graph.client_ssl_context(), limiter=tokens.limiter)
        try:
            await sync_availability(sessions=sessions, client=connection.sdk, tenant_id=tenant_id, now=NOW)
        finally:
            await connection.close()

    assert graph.responses_429 and {r.error_code for r in graph.responses_429} == {"ApplicationThrottled"}


@pytest.mark.parametrize(("size", "slots"), [(1, 1), (3, 3), (4, 4), (20, 4)])
def test_a_batch_takes_as_many_slots_as_outlook_runs_of_it(size: int, slots: int) -> None:
    body = {"requests": [{"id": str(n), "method": "GET", "url": "/me/messages"} for n in range(size)]}
    batch = httpx.Request("POST", "https://graph.example/v1.0/$batch", json=body)
    assert request_slots(batch) == slots
    assert request_slots(httpx.Request("GET", "https://graph.example/v1.0/me/mailboxSettings")) == 1


async def test_the_limiter_serves_waiters_in_order_and_never_exceeds_its_limit() -> None:
    limiter = GraphLimiter(4)
    order: list[str] = []

    async def hold(name: str, slots: int, seconds: float) -> None:
        taken = await limiter.acquire(slots)
        order.append(name)
        assert limiter.in_use <= limiter.limit
        await asyncio.sleep(seconds)
        await limiter.release(taken)

    first = asyncio.create_task(hold("single", 1, 0.05))
    await asyncio.sleep(0)
    # The batch needs all four slots; the singles that arrive after it must not overtake it.
    tasks = [asyncio.create_task(hold("batch", 4, 0.01))]
    await asyncio.sleep(0)
    tasks += [asyncio.create_task(hold(f"late {n}", 1, 0.01)) for n in range(3)]
    await asyncio.gather(first, *tasks)

    assert order == ["single", "batch", "late 0", "late 1", "late 2"] and limiter.peak == 4


async def test_a_cancelled_request_gives_its_slots_back() -> None:
    limiter = GraphLimiter(1)
    await limiter.acquire()
    waiting = asyncio.create_task(limiter.acquire())
    await asyncio.sleep(0)
    waiting.cancel()
    await asyncio.gather(waiting, return_exceptions=True)
    await limiter.release(1)

    # Neither the holder nor the cancelled waiter keeps anything: the next caller gets the slot at once.
    assert await asyncio.wait_for(limiter.acquire(), timeout=1) == 1 and limiter.in_use == 1
