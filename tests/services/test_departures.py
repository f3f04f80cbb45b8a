"""A member who leaves leaves nothing orphaned: leads, follow-ups and cards move to their team."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import datetime, timedelta

from sqlmodel import col, func, select

from app.db import SessionMaker, transaction
from app.models import FollowUp, Lead, Member, OutboxMessage, OwnershipChange
from app.nurturing.assignment import RoutingFallback
from app.nurturing.enums import ACTIVE_FOLLOW_UP_STATUSES, AssignmentMethod, Lifecycle
from app.scheduler import run_tick
from app.services.admin import MemberUpdate, update_member
from app.services.errors import NotAllowed
from app.services.lead_import import import_leads_csv
from app.services.planning import CLOSED_LIFECYCLES
from app.services.rescoring import settle_new_leads
from app.services.tenant_config import ROUTING_FALLBACK_KEY, save_setting
from tests.factories import T0, Org, make_lead, make_org


async def _capacities(sessions: SessionMaker, org: Org, **capacity: int) -> None:
    async with transaction(sessions) as session:
        for member in [*org.reps, org.uk_rep]:
            row = await session.get(Member, member.id)
            assert row is not None
            row.capacity = capacity.get(row.display_name.split()[0].lower(), row.capacity)
            session.add(row)


async def _leads_of(
    sessions: SessionMaker, org: Org, owner: Member, count: int, now: datetime = T0
) -> list[uuid.UUID]:
    """``count`` leads owned by ``owner``, brought in as a CSV import is: scored, with follow-ups."""
    rows = "".join(
        f"lead-{uuid.uuid4().hex[:10]}@kunde{i}.example,Kunde {i} AG,{owner.email}\n" for i in range(count)
    )
    data = f"email,company,owner_email\n{rows}".encode()
    async with transaction(sessions) as session:
        report = await import_leads_csv(
            session=session, tenant_id=org.tenant_id, data=data, now=now, max_bytes=1_000_000
        )
        await settle_new_leads(session=session, tenant_id=org.tenant_id, lead_ids=report.lead_ids, now=now)
    return list(report.lead_ids)


async def _deactivate(sessions: SessionMaker, org: Org, member: Member, when: datetime) -> None:
    async with transaction(sessions) as session:
        await update_member(
            session=session,
            caller=org.caller(org.admin, when),
            member_id=member.id,
            changes=MemberUpdate(active=False),
        )


async def _open_loads(sessions: SessionMaker, org: Org) -> dict[uuid.UUID, int]:
    async with sessions() as session:
        rows = (
            await session.exec(
                select(Lead.owner_id, func.count())
                .where(Lead.tenant_id == org.tenant_id, col(Lead.lifecycle).not_in(CLOSED_LIFECYCLES))
                .group_by(col(Lead.owner_id))
            )
        ).all()
    return {owner: int(count) for owner, count in rows if owner is not None}


async def test_a_member_deactivated_with_40_leads_hands_everything_to_the_team_within_capacity(
    sessions: SessionMaker,
) -> None:
    org = await make_org(sessions)
    anna, juergen, zoe = org.reps
    await _capacities(sessions, org, jürgen=30, zoe=28)
    await _leads_of(sessions, org, juergen, 10)
    await _leads_of(sessions, org, zoe, 8)
    annas = await _leads_of(sessions, org, anna, 40, now=T0 + timedelta(hours=2))
    won = annas[0]
    async with transaction(sessions) as session:
        lead = await session.get(Lead, won)
        assert lead is not None
        # Won straight from the won/lost sync, which leaves its follow-up to whoever owns the lead.
        lead.lifecycle = Lifecycle.WON
        session.add(lead)
    left_at = T0 + timedelta(days=3)
    await run_tick(sessions=sessions, now=left_at - timedelta(hours=1))
    await _deactivate(sessions, org, anna, left_at)

    # Replay the scheduler over the next fortnight, when the moved follow-ups fall due.
    moment = left_at
    while moment < left_at + timedelta(days=15):
        moment += timedelta(days=3)
        await run_tick(sessions=sessions, now=moment)

    async with sessions() as session:
        leads = {
            lead.id: lead
            for lead in (await session.exec(select(Lead).where(Lead.tenant_id == org.tenant_id))).all()
        }
        annas_follow_ups = (
            await session.exec(
                select(FollowUp).where(
                    FollowUp.owner_id == anna.id, col(FollowUp.status).in_(ACTIVE_FOLLOW_UP_STATUSES)
                )
            )
        ).all()
        changes = (
            await session.exec(
                select(OwnershipChange).where(
                    OwnershipChange.tenant_id == org.tenant_id, OwnershipChange.from_member_id == anna.id
                )
            )
        ).all()
        notices = (
            await session.exec(
                select(OutboxMessage).where(
                    OutboxMessage.tenant_id == org.tenant_id, OutboxMessage.created_at >= left_at
                )
            )
        ).all()
    open_annas = [lead_id for lead_id in annas if lead_id != won]
    assert all(leads[lead_id].owner_id in {juergen.id, zoe.id} for lead_id in open_annas)
    assert leads[won].owner_id == anna.id, "a won lead keeps the history of who won it"
    assert annas_follow_ups == [], "the won lead's follow-up is cancelled, the others moved"
    loads = await _open_loads(sessions, org)
    assert anna.id not in loads
    assert loads[juergen.id] <= 30 and loads[zoe.id] <= 28
    assert loads[juergen.id] + loads[zoe.id] == 10 + 8 + 39
    # Capacity-weighted: both end up at about the same share of their capacity.
    assert abs(loads[juergen.id] / 30 - loads[zoe.id] / 28) < 0.05
    assert len(changes) == 39
    assert all(c.method == AssignmentMethod.HANDOVER and c.changed_by == org.admin.id for c in changes)
    cards = Counter(n.member_id for n in notices if n.kind == "ownership.assigned")
    assert cards == Counter(c.to_member_id for c in changes)
    assert not any(n.member_id == anna.id for n in notices), "nothing is sent to the member who left"
    due_after = [n for n in notices if n.kind in ("follow_up.due", "follow_up.due_list")]
    assert due_after and {n.member_id for n in due_after} <= {juergen.id, zoe.id}


async def test_what_the_team_has_no_room_for_goes_to_the_fallback_then_to_the_team_lead(
    sessions: SessionMaker,
) -> None:
    org = await make_org(sessions)
    anna, juergen, zoe = org.reps
    await _capacities(sessions, org, jürgen=3, zoe=2, olivia=2)
    annas = await _leads_of(sessions, org, anna, 9)
    async with transaction(sessions) as session:
        fallback = RoutingFallback(team_id=str(org.uk.id))
        await save_setting(
            session=session, tenant_id=org.tenant_id, key=ROUTING_FALLBACK_KEY, value=fallback, now=T0
        )
    await _deactivate(sessions, org, anna, T0 + timedelta(days=1))
    async with sessions() as session:
        owners = Counter(
            lead.owner_id for lead in (await session.exec(select(Lead).where(col(Lead.id).in_(annas)))).all()
        )
        methods = Counter(
            c.method
            for c in (
                await session.exec(select(OwnershipChange).where(OwnershipChange.from_member_id == anna.id))
            ).all()
        )
        told = (
            await session.exec(select(OutboxMessage).where(OutboxMessage.kind == "routing.unrouted"))
        ).all()
        stray = (
            await session.exec(
                select(FollowUp).where(
                    col(FollowUp.lead_id).in_(annas), col(FollowUp.status).in_(ACTIVE_FOLLOW_UP_STATUSES)
                )
            )
        ).all()
    assert owners == {juergen.id: 3, zoe.id: 2, org.uk_rep.id: 2, None: 2}
    assert methods == {AssignmentMethod.HANDOVER: 7, AssignmentMethod.FALLBACK: 2}
    assert [(n.member_id, n.payload["cause"], n.payload["count"]) for n in told] == [
        (org.lead_dach.id, "unowned", 2)
    ]
    assert all(f.owner_id not in {anna.id, None} for f in stray) and len(stray) == 7


async def test_a_member_without_a_team_hands_over_to_the_fallback_member(sessions: SessionMaker) -> None:
    org = await make_org(sessions)
    loner = org.reps[2]
    async with transaction(sessions) as session:
        row = await session.get(Member, loner.id)
        assert row is not None
        row.team_id = None
        session.add(row)
        await save_setting(
            session=session,
            tenant_id=org.tenant_id,
            key=ROUTING_FALLBACK_KEY,
            value=RoutingFallback(member_id=str(org.lead_uk.id)),
            now=T0,
        )
    leads = await _leads_of(sessions, org, loner, 3)
    await _deactivate(sessions, org, loner, T0 + timedelta(days=1))
    async with sessions() as session:
        owners = {
            lead.owner_id for lead in (await session.exec(select(Lead).where(col(Lead.id).in_(leads)))).all()
        }
        cards = (
            await session.exec(
                select(OutboxMessage).where(
                    OutboxMessage.kind == "ownership.assigned", OutboxMessage.member_id == org.lead_uk.id
                )
            )
        ).all()
    assert owners == {org.lead_uk.id} and len(cards) == 3


async def test_a_follow_up_left_in_the_members_name_moves_to_the_leads_owner(sessions: SessionMaker) -> None:
    org = await make_org(sessions)
    anna, juergen = org.reps[0], org.reps[1]
    lead_id = await make_lead(sessions, org, owner=juergen)
    async with transaction(sessions) as session:
        follow_up = (await session.exec(select(FollowUp).where(FollowUp.lead_id == lead_id))).one()
        follow_up.owner_id = anna.id  # left behind by an earlier, half-done reassignment
        session.add(follow_up)
    await _deactivate(sessions, org, anna, T0 + timedelta(days=1))
    async with sessions() as session:
        follow_up = (await session.exec(select(FollowUp).where(FollowUp.lead_id == lead_id))).one()
    assert follow_up.owner_id == juergen.id and follow_up.status == "open"


async def test_only_admins_deactivate_and_a_refusal_moves_nothing(sessions: SessionMaker) -> None:
    org = await make_org(sessions)
    anna = org.reps[0]
    leads = await _leads_of(sessions, org, anna, 2)
    try:
        async with transaction(sessions) as session:
            await update_member(
                session=session,
                caller=org.caller(org.lead_dach, T0),
                member_id=anna.id,
                changes=MemberUpdate(active=False),
            )
    except NotAllowed:
        pass
    else:
        raise AssertionError("a team lead may not deactivate members")
    async with sessions() as session:
        owners = {
            lead.owner_id for lead in (await session.exec(select(Lead).where(col(Lead.id).in_(leads)))).all()
        }
        member = await session.get(Member, anna.id)
    assert owners == {anna.id} and member is not None and member.active
