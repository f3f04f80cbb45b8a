"""Speed-to-lead and the scheduler: each notice is written once, however often they run."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, func, select

from app.db import SessionMaker, transaction
from app.models import FollowUp, Lead, Member, OutboxMessage
from app.nurturing.enums import Lifecycle
from app.scheduler import run_tick
from app.services.sla_watch import check_speed_to_lead
from tests.factories import T0, Org, make_lead, make_org


async def _kinds(sessions: SessionMaker) -> list[tuple[str, object, object]]:
    async with sessions() as session:
        rows = (await session.exec(select(OutboxMessage).order_by(col(OutboxMessage.created_at)))).all()
    return [(row.kind, row.member_id, row.team_id) for row in rows if row.kind.startswith("sla.")]


async def test_an_untouched_mql_nudges_the_owner_then_escalates_once(sessions: SessionMaker) -> None:
    org = await make_org(sessions)
    lead_id = await make_lead(sessions, org, owner=org.reps[0])
    async with transaction(sessions) as session:
        lead = await session.get(Lead, lead_id)
        assert lead is not None
        lead.lifecycle, lead.mql_at = Lifecycle.MQL, T0  # 09:30 in Berlin
        session.add(lead)

    async def check(hours: float) -> None:
        async with transaction(sessions) as session:
            await check_speed_to_lead(
                session=session, tenant_id=org.tenant_id, now=T0 + timedelta(hours=hours)
            )

    await check(2)
    assert await _kinds(sessions) == []
    await check(5)  # 14:30: five business hours
    await check(5.5)
    assert await _kinds(sessions) == [("sla.nudge", org.reps[0].id, None)]
    await check(24)  # next morning: past the escalation threshold
    await check(25)
    assert await _kinds(sessions) == [
        ("sla.nudge", org.reps[0].id, None),
        ("sla.escalate", org.lead_dach.id, org.dach.id),
    ]


async def _escalate_untouched_mql(sessions: SessionMaker, org: Org, lead_id: object, hours: float) -> None:
    async with transaction(sessions) as session:
        lead = await session.get(Lead, lead_id)
        assert lead is not None
        lead.lifecycle, lead.mql_at = Lifecycle.MQL, T0
        session.add(lead)
    async with transaction(sessions) as session:
        await check_speed_to_lead(session=session, tenant_id=org.tenant_id, now=T0 + timedelta(hours=hours))


async def _set_active(sessions: SessionMaker, members: list[Member], active: bool) -> None:
    async with transaction(sessions) as session:
        for member in members:
            row = await session.get(Member, member.id)
            assert row is not None
            row.active = active
            session.add(row)


async def test_an_escalation_without_a_team_lead_goes_to_the_managers(sessions: SessionMaker) -> None:
    org = await make_org(sessions)
    await _set_active(sessions, [org.lead_dach], False)  # the team lead left
    with_team = await make_lead(sessions, org, owner=org.reps[0])
    without_team = await make_lead(sessions, org, country="FR")  # no rule matches: no team, no owner
    await _escalate_untouched_mql(sessions, org, with_team, 30)
    await _escalate_untouched_mql(sessions, org, without_team, 30)
    escalations = [kind for kind in await _kinds(sessions) if kind[0] == "sla.escalate"]
    assert sorted(escalations, key=str) == sorted(
        [("sla.escalate", org.manager.id, org.dach.id), ("sla.escalate", org.manager.id, None)],
        key=str,
    )


async def test_no_escalation_is_queued_without_a_recipient(sessions: SessionMaker) -> None:
    org = await make_org(sessions)
    await _set_active(sessions, [org.lead_dach, org.manager, org.admin], False)
    lead_id = await make_lead(sessions, org, owner=org.reps[0])
    await _escalate_untouched_mql(sessions, org, lead_id, 30)
    assert [kind for kind in await _kinds(sessions) if kind[0] == "sla.escalate"] == []
    await _set_active(sessions, [org.manager], True)
    async with transaction(sessions) as session:
        await check_speed_to_lead(session=session, tenant_id=org.tenant_id, now=T0 + timedelta(hours=31))
    assert [kind for kind in await _kinds(sessions) if kind[0] == "sla.escalate"] == [
        ("sla.escalate", org.manager.id, org.dach.id)
    ]


async def test_a_touched_mql_is_left_alone(sessions: SessionMaker) -> None:
    org = await make_org(sessions)
    lead_id = await make_lead(sessions, org, owner=org.reps[0])
    async with transaction(sessions) as session:
        lead = await session.get(Lead, lead_id)
        assert lead is not None
        lead.lifecycle, lead.mql_at, lead.first_touch_at = Lifecycle.MQL, T0, T0 + timedelta(hours=1)
        session.add(lead)
    async with transaction(sessions) as session:
        counts = await check_speed_to_lead(
            session=session, tenant_id=org.tenant_id, now=T0 + timedelta(days=2)
        )
    assert sum(counts.values()) == 0


async def test_the_scheduler_announces_each_due_follow_up_once(sessions: SessionMaker) -> None:
    org = await make_org(sessions)
    other = await make_org(sessions)
    for _ in range(3):
        await make_lead(sessions, org, owner=org.reps[0])
    await make_lead(sessions, other, owner=other.reps[0])
    async with sessions() as session:
        latest = (await session.exec(select(func.max(FollowUp.due_at)))).one()
    assert latest is not None
    first = await run_tick(sessions=sessions, now=latest)
    second = await run_tick(sessions=sessions, now=latest + timedelta(minutes=1))
    assert (first.tenants, first.follow_ups_announced) == (2, 4)
    assert second.follow_ups_announced == 0
    async with sessions() as session:
        notices = (
            await session.exec(select(OutboxMessage).where(OutboxMessage.kind == "follow_up.due"))
        ).all()
        unannounced = (
            await session.exec(
                select(func.count()).select_from(FollowUp).where(col(FollowUp.notified_at).is_(None))
            )
        ).one()
    assert len(notices) == 4 and unannounced == 0
    assert {n.tenant_id for n in notices} == {org.tenant_id, other.tenant_id}
