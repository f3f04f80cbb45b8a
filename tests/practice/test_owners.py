"""Nothing is orphaned: the work of someone who leaves moves to their team; every lead and every
escalation has a recipient."""

from __future__ import annotations

from sqlmodel import col, select

from app.db import SessionMaker, transaction
from app.models import Lead, Member, OutboxMessage
from app.nurturing.calendar import WorkingHours, business_hours_between
from app.nurturing.enums import FollowUpOutcome, Lifecycle
from app.services.admin import MemberUpdate, replace_rules, update_member
from app.services.sla_watch import check_speed_to_lead
from tests.factories import make_lead
from tests.practice.replay import Replay

BERLIN = WorkingHours(time_zone="Europe/Berlin")


async def _notices(sessions: SessionMaker, kind: str) -> list[OutboxMessage]:
    async with sessions() as session:
        rows = await session.exec(
            select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(col(OutboxMessage.created_at))
        )
        return list(rows.all())


async def test_the_work_of_someone_who_leaves_moves_to_their_team(sessions: SessionMaker) -> None:
    replay = await Replay.start(sessions)
    org, anna = replay.org, replay.org.reps[0]
    await replay.work_when_due(FollowUpOutcome.NO_ANSWER, until_day=20)
    replay.at(21)
    async with transaction(sessions) as session:
        await update_member(
            session=session,
            caller=org.caller(org.admin, replay.now),
            member_id=anna.id,
            changes=MemberUpdate(active=False),
        )
    lead, waiting = await replay.lead(), await replay.active()
    teammates = {org.reps[1].id, org.reps[2].id}
    assert lead.owner_id in teammates and waiting is not None and waiting.owner_id == lead.owner_id
    cards = [
        n.member_id for n in await _notices(sessions, "ownership.assigned") if n.created_at == replay.now
    ]
    assert cards == [lead.owner_id], "the new owner is told, with the lead's context"
    replay.at(22)
    await replay.event("demo_request")
    pulled = await replay.active()
    assert pulled is not None and pulled.owner_id == lead.owner_id
    assert business_hours_between(BERLIN, replay.now, pulled.due_at) <= 8.0


async def test_every_lead_and_every_escalation_has_a_recipient(sessions: SessionMaker) -> None:
    replay = await Replay.start(sessions)
    org = replay.org
    async with transaction(sessions) as session:
        await replace_rules(
            session=session,
            caller=org.caller(org.admin, replay.now),
            key="routing_fallback",
            document={"team_id": str(org.dach.id)},
        )
        team_lead = await session.get(Member, org.lead_dach.id)
        assert team_lead is not None
        team_lead.active = False  # DACH's team lead left
        session.add(team_lead)
    french = await make_lead(sessions, org, country="FR", company_name="Paris SA", now=replay.now)
    async with transaction(sessions) as session:
        lead = await session.get(Lead, french)
        assert lead is not None and lead.owner_id in {rep.id for rep in org.reps}, "the fallback team took it"
        lead.lifecycle, lead.mql_at = Lifecycle.MQL, replay.now
        session.add(lead)
    replay.at(3)  # two business days untouched
    async with transaction(sessions) as session:
        await check_speed_to_lead(session=session, tenant_id=org.tenant_id, now=replay.now)
    told = [n.member_id for n in await _notices(sessions, "routing.unrouted")]
    escalated = [n.member_id for n in await _notices(sessions, "sla.escalate")]
    assert told == [org.manager.id] and escalated == [org.manager.id]
