"""The outbox dispatcher against a Bot Connector double that enforces Teams' limits and injects faults."""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert
from sqlmodel import col, func, select

from app.db import SessionMaker, transaction
from app.models import ConversationReference, FollowUp, Lead, Member, OutboxMessage, Team
from app.nurturing.enums import Role
from app.services.tenants import ensure_tenant
from tests.doubles.connector import ConnectorDouble
from tests.factories import T0

ROOT = Path(__file__).resolve().parents[2]


def _reference(service_url: str, conversation_id: str, tenant_id: str) -> dict[str, object]:
    return {
        "activityId": None,
        "user": {"id": f"29:{conversation_id}"},
        "bot": {"id": "28:nurture-bot", "name": "Nurture"},
        "conversation": {"id": conversation_id, "conversationType": "personal", "tenantId": tenant_id},
        "channelId": "msteams",
        "serviceUrl": service_url,
    }


async def seed_due_notices(
    sessions: SessionMaker, service_url: str, *, tenants: int, members: int, per_member: int
) -> list[str]:
    """Tenants with reps who installed the app, each rep with due follow-ups and their queued notices."""
    conversations: list[str] = []
    now = T0
    for t in range(tenants):
        tenant_id = f"tenant-dispatch-{t}-{uuid.uuid4().hex[:6]}"
        async with transaction(sessions) as session:
            await ensure_tenant(session=session, tenant_id=tenant_id, name=f"T{t}", now=now)
            team = Team(tenant_id=tenant_id, name="Sales", time_zone="Europe/Berlin")
            session.add(team)
            await session.flush()
            member_rows, lead_rows, follow_up_rows, reference_rows, outbox_rows = [], [], [], [], []
            for m in range(members):
                member_id = uuid.uuid4()
                conversation_id = f"a:1{tenant_id}-{m}"
                conversations.append(conversation_id)
                member_rows.append(
                    dict(
                        id=member_id,
                        tenant_id=tenant_id,
                        display_name=f"Rep {m}",
                        email=f"rep{m}@t{t}.example",
                        role=Role.REP,
                        team_id=team.id,
                        time_zone="Europe/Berlin",
                        workdays=[0, 1, 2, 3, 4],
                        capacity=100,
                        active=True,
                        locale="en",
                        created_at=now,
                        aad_object_id=str(uuid.uuid4()),
                    )
                )
                reference_rows.append(
                    dict(
                        id=uuid.uuid4(),
                        tenant_id=tenant_id,
                        conversation_id=conversation_id,
                        scope="personal",
                        member_id=member_id,
                        service_url=service_url,
                        reference=_reference(service_url, conversation_id, tenant_id),
                        updated_at=now,
                    )
                )
                for n in range(per_member):
                    lead_id, follow_up_id = uuid.uuid4(), uuid.uuid4()
                    lead_rows.append(
                        dict(
                            id=lead_id,
                            tenant_id=tenant_id,
                            email=f"l{m}-{n}@c{t}.example",
                            first_name="Lead",
                            last_name=f"{m}-{n}",
                            owner_id=member_id,
                            team_id=team.id,
                            topics=[],
                            custom_fields={},
                            score_explanation=[],
                            created_at=now,
                            updated_at=now,
                            version=1,
                            language="en",
                        )
                    )
                    follow_up_rows.append(
                        dict(
                            id=follow_up_id,
                            tenant_id=tenant_id,
                            lead_id=lead_id,
                            owner_id=member_id,
                            due_at=now - timedelta(minutes=n),
                            reasons=[],
                            status="open",
                            created_at=now,
                            notified_at=now,
                        )
                    )
                    outbox_rows.append(
                        dict(
                            id=uuid.uuid4(),
                            tenant_id=tenant_id,
                            dedupe_key=f"follow_up:{follow_up_id}:due",
                            kind="follow_up.due",
                            payload={"follow_up_id": str(follow_up_id)},
                            member_id=member_id,
                            status="pending",
                            attempts=0,
                            not_before=now,
                            created_at=now,
                        )
                    )
            for model, rows in (
                (Member, member_rows),
                (ConversationReference, reference_rows),
                (Lead, lead_rows),
                (FollowUp, follow_up_rows),
                (OutboxMessage, outbox_rows),
            ):
                await session.exec(insert(model), params=rows)
    return conversations


@pytest.fixture
def connector_in_thread() -> Iterator[ConnectorDouble]:
    # Other processes send to it, so it runs on its own loop; 5% of requests get 429 or 500.
    double = ConnectorDouble(fault_rate=0.05, faults=(429, 500), seed=7, bot_limits=((1.0, 10_000),))
    double.start_in_thread()
    yield double
    double.stop()


async def test_two_processes_deliver_5000_notices_exactly_once_within_limits(
    database_url: str, sessions: SessionMaker, connector_in_thread: ConnectorDouble
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("two dispatcher processes share one database only on PostgreSQL")
    connector = connector_in_thread
    conversations = await seed_due_notices(sessions, connector.url, tenants=10, members=50, per_member=10)
    command = [
        sys.executable,
        "-m",
        "tests.bot.dispatch_worker",
        "--database-url",
        database_url,
        "--tenant-rate",
        "100",
        "--base-backoff",
        "0.2",
        "--timeout",
        "240",
    ]
    workers = [
        await asyncio.create_subprocess_exec(
            *command, cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
        for _ in range(2)
    ]
    results = []
    for worker in workers:
        out, err = await asyncio.wait_for(worker.communicate(), timeout=300)
        assert worker.returncode == 0, err.decode()[-3000:]
        results.append(json.loads(out))

    assert sum(r["sent"] for r in results) == 5000
    assert all(r["sent"] > 0 for r in results), "both processes took a share of the tenants"
    delivered: Counter[str] = Counter()
    per_conversation: dict[str, int] = defaultdict(int)
    for delivery in connector.deliveries:
        per_conversation[delivery.conversation_id] += 1
        for attachment in (delivery.activity or {}).get("attachments") or []:
            for action in json.dumps(attachment["content"]).split('"follow_up_id": "')[1:2]:
                delivered[action.split('"')[0]] += 1
    assert len(delivered) == 5000 and set(delivered.values()) == {1}, "each notice reached Teams exactly once"
    assert set(per_conversation) == set(conversations) and set(per_conversation.values()) == {10}
    assert connector.failed_injected > 0, "faults were injected"
    assert connector.violations == [], "no send broke a Teams rate window"
    async with sessions() as session:
        states = dict(
            (
                await session.exec(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))
            ).all()
        )
        with_card = (
            await session.exec(
                select(func.count()).select_from(FollowUp).where(col(FollowUp.activity_id).is_not(None))
            )
        ).one()
    assert states == {"sent": 5000}, "nothing lost, nothing left behind"
    assert with_card == 5000, "every follow-up knows its card's activity id"
