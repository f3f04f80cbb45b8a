"""Ownership: manual, bulk, round-robin and routing, each audited and announced."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from app.db import SessionMaker, transaction
from app.models import FollowUp, Lead, Member, OutboxMessage, OwnershipChange
from app.nurturing.enums import ACTIVE_FOLLOW_UP_STATUSES, AssignmentMethod
from app.services.access import Caller
from app.services.admin import replace_rules
from app.services.errors import InvalidInput, LeadNotFound, MemberNotFound, NotAllowed, TeamNotFound
from app.services.ownership import assign_owner, bulk_assign, round_robin_assign, route_unassigned
from app.services.tenant_config import load_config
from tests.factories import T0, Org, make_lead, make_org
from tests.statements import statements_run


async def test_manual_reassignment_is_audited_announced_and_moves_the_follow_up(
    sessions: SessionMaker,
) -> None:
    org = await make_org(sessions)
    lead_id = await make_lead(sessions, org, owner=org.reps[0])
    async with transaction(sessions) as session:
        change = await assign_owner(
            session=session,
            lead_id=lead_id,
            member_id=org.uk_rep.id,
            caller=org.caller(org.admin, T0),
            reason="speaks the language",
        )
    assert change is not None
    async with sessions() as session:
        lead = await session.get(Lead, lead_id)
        trail = (
            await session.exec(
                select(OwnershipChange)
                .where(OwnershipChange.lead_id == lead_id)
                .order_by(col(OwnershipChange.changed_at))
            )
        ).all()
        notices = (
            await session.exec(select(OutboxMessage).where(col(OutboxMessage.kind).like("ownership.%")))
        ).all()
        active = (
            await session.exec(
                select(FollowUp).where(
                    FollowUp.lead_id == lead_id, col(FollowUp.status).in_(ACTIVE_FOLLOW_UP_STATUSES)
                )
            )
        ).one()
    assert lead is not None and lead.owner_id == org.uk_rep.id and lead.team_id == org.uk.id
    assert [(t.from_member_id, t.to_member_id, t.method) for t in trail] == [
        (None, org.reps[0].id, AssignmentMethod.MANUAL),
        (org.reps[0].id, org.uk_rep.id, AssignmentMethod.MANUAL),
    ]
    assert trail[-1].changed_by == org.admin.id and trail[-1].reason == "speaks the language"
    kinds = Counter((n.kind, n.member_id) for n in notices)
    assert kinds[("ownership.assigned", org.uk_rep.id)] == 1
    assert kinds[("ownership.released", org.reps[0].id)] == 1
    assert active.owner_id == org.uk_rep.id


async def test_assigning_to_the_current_owner_changes_nothing(sessions: SessionMaker) -> None:
    org = await make_org(sessions)
    lead_id = await make_lead(sessions, org, owner=org.reps[0])
    async with transaction(sessions) as session:
        again = await assign_owner(
            session=session,
            lead_id=lead_id,
            member_id=org.reps[0].id,
            caller=Caller.system(org.tenant_id, T0),
        )
    assert again is None


async def test_who_may_assign(sessions: SessionMaker) -> None:
    org = await make_org(sessions)
    lead_id = await make_lead(sessions, org, owner=org.reps[0])
    # Who may not even see the lead is told it does not exist; who sees it but may not assign is refused.
    refused: list[tuple[Member, Member | None, type[Exception]]] = [
        (org.reps[1], org.reps[1], LeadNotFound),  # a rep cannot take another rep's leads
        (org.lead_uk, org.uk_rep, LeadNotFound),  # another team's lead cannot pull a DACH lead
        (org.lead_dach, org.uk_rep, NotAllowed),  # a team lead cannot hand a lead outside the team
        (org.manager, org.reps[1], NotAllowed),  # managers read, they do not assign
    ]
    for actor, target, refusal in refused:
        async with transaction(sessions) as session:
            with pytest.raises(refusal):
                await assign_owner(
                    session=session,
                    lead_id=lead_id,
                    member_id=target.id,  # type: ignore[union-attr]
                    caller=org.caller(actor, T0),
                )
    async with transaction(sessions) as session:
        change = await assign_owner(
            session=session,
            lead_id=lead_id,
            member_id=org.reps[1].id,
            caller=org.caller(org.lead_dach, T0),
        )
    assert change is not None and change.changed_by == org.lead_dach.id


async def test_tenants_cannot_reach_each_other(sessions: SessionMaker) -> None:
    org = await make_org(sessions)
    other = await make_org(sessions)
    lead_id = await make_lead(sessions, org, owner=org.reps[0])
    async with transaction(sessions) as session:
        with pytest.raises(MemberNotFound):
            await assign_owner(
                session=session,
                lead_id=lead_id,
                member_id=other.reps[0].id,
                caller=Caller.system(org.tenant_id, T0),
            )
    async with transaction(sessions) as session:
        with pytest.raises(LeadNotFound):
            await assign_owner(
                session=session,
                lead_id=lead_id,
                member_id=other.reps[0].id,
                caller=Caller.system(other.tenant_id, T0),
            )
    async with transaction(sessions) as session:
        # The caller carries its tenant: another tenant's admin finds no such lead.
        with pytest.raises(LeadNotFound):
            await assign_owner(
                session=session,
                lead_id=lead_id,
                member_id=org.reps[1].id,
                caller=other.caller(other.admin, T0),
            )


async def test_bulk_assignment_is_all_or_nothing(sessions: SessionMaker) -> None:
    org = await make_org(sessions)
    leads = [await make_lead(sessions, org) for _ in range(3)]
    async with transaction(sessions) as session:
        with pytest.raises(LeadNotFound):
            await bulk_assign(
                session=session,
                lead_ids=[*leads, uuid.uuid4()],
                member_id=org.reps[2].id,
                caller=Caller.system(org.tenant_id, T0),
            )
    async with transaction(sessions) as session:
        changes = await bulk_assign(
            session=session,
            lead_ids=leads,
            member_id=org.reps[2].id,
            caller=Caller.system(org.tenant_id, T0),
        )
    assert len(changes) == 3
    async with transaction(sessions) as session:
        rep = await session.get(Member, org.reps[1].id)
        assert rep is not None
        rep.active = False
        session.add(rep)
    async with transaction(sessions) as session:
        with pytest.raises(InvalidInput):
            await bulk_assign(
                session=session,
                lead_ids=leads,
                member_id=org.reps[1].id,
                caller=Caller.system(org.tenant_id, T0),
            )


async def test_round_robin_skips_away_and_inactive_reps_and_balances_the_rest(sessions: SessionMaker) -> None:
    org = await make_org(sessions)
    async with transaction(sessions) as session:
        away = await session.get(Member, org.reps[1].id)
        gone = await session.get(Member, org.reps[2].id)
        assert away is not None and gone is not None
        away.away_until = T0 + timedelta(days=3)
        gone.active = False
        session.add_all([away, gone])
    leads = [await make_lead(sessions, org) for _ in range(6)]
    async with transaction(sessions) as session:
        changes = await round_robin_assign(
            session=session,
            lead_ids=leads,
            team_id=org.dach.id,
            caller=org.caller(org.lead_dach, T0),
        )
    assert {c.to_member_id for c in changes} == {org.reps[0].id}
    async with transaction(sessions) as session:
        away = await session.get(Member, org.reps[1].id)
        assert away is not None
        away.away_until = None
        session.add(away)
    more = [await make_lead(sessions, org) for _ in range(8)]
    async with transaction(sessions) as session:
        changes = await round_robin_assign(
            session=session,
            lead_ids=more,
            team_id=org.dach.id,
            caller=Caller.system(org.tenant_id, T0),
        )
    # Anna already holds 6 open leads, so Jürgen catches up first: 7 to him, then they alternate.
    assert Counter(c.to_member_id for c in changes) == {org.reps[1].id: 7, org.reps[0].id: 1}


async def test_routing_rules_send_leads_to_the_right_team(sessions: SessionMaker) -> None:
    org = await make_org(sessions)
    german = await make_lead(sessions, org, country="DE", company_name="Werk GmbH")
    irish = await make_lead(sessions, org, country="IE", company_name="Dublin Ltd")
    french = await make_lead(sessions, org, country="FR", company_name="Paris SA")
    async with sessions() as session:
        owners = {
            lead.id: (lead.team_id, lead.owner_id)
            for lead in (await session.exec(select(Lead).where(Lead.tenant_id == org.tenant_id))).all()
        }
        methods = {
            change.lead_id: change.method for change in (await session.exec(select(OwnershipChange))).all()
        }
    assert owners[german][0] == org.dach.id and owners[german][1] in {rep.id for rep in org.reps}
    assert owners[irish] == (org.uk.id, org.uk_rep.id)
    assert owners[french] == (None, None), "no rule matches: stays unassigned for the team lead"
    assert methods[german] == AssignmentMethod.RULE
    async with transaction(sessions) as session:
        assert (
            await route_unassigned(
                session=session,
                lead_ids=[french],
                caller=Caller.system(org.tenant_id, T0),
            )
            == []
        )


async def _fallback(sessions: SessionMaker, org: Org, document: dict[str, str]) -> None:
    async with transaction(sessions) as session:
        await replace_rules(
            session=session,
            caller=org.caller(org.admin, T0),
            key="routing_fallback",
            document=document,
        )


async def _unrouted(sessions: SessionMaker) -> list[tuple[object, str, int, list[str]]]:
    async with sessions() as session:
        rows = (
            await session.exec(select(OutboxMessage).where(OutboxMessage.kind == "routing.unrouted"))
        ).all()
    return sorted(
        (
            (row.member_id, row.payload["cause"], row.payload["count"], row.payload["lead_ids"])
            for row in rows
        ),
        key=str,
    )


async def test_a_lead_no_rule_matches_goes_to_the_fallback_team_and_its_lead_is_told(
    sessions: SessionMaker,
) -> None:
    org = await make_org(sessions)
    await _fallback(sessions, org, {"team_id": str(org.uk.id)})
    french = await make_lead(sessions, org, country="FR", company_name="Paris SA")
    async with sessions() as session:
        lead = await session.get(Lead, french)
        change = (await session.exec(select(OwnershipChange).where(OwnershipChange.lead_id == french))).one()
    assert lead is not None and (lead.team_id, lead.owner_id) == (org.uk.id, org.uk_rep.id)
    assert change.method == AssignmentMethod.FALLBACK and change.reason == "routing fallback"
    assert await _unrouted(sessions) == [(org.lead_uk.id, "fallback", 1, [str(french)])]


async def test_a_fallback_member_takes_unmatched_leads(sessions: SessionMaker) -> None:
    org = await make_org(sessions)
    await _fallback(sessions, org, {"member_id": str(org.lead_dach.id)})
    french = await make_lead(sessions, org, country="FR", company_name="Paris SA")
    async with sessions() as session:
        lead = await session.get(Lead, french)
    assert lead is not None and lead.owner_id == org.lead_dach.id and lead.team_id == org.dach.id
    assert await _unrouted(sessions) == [(org.lead_dach.id, "fallback", 1, [str(french)])]


async def test_without_a_fallback_an_unmatched_lead_waits_and_the_managers_are_told(
    sessions: SessionMaker,
) -> None:
    org = await make_org(sessions)
    french = await make_lead(sessions, org, country="FR", company_name="Paris SA")
    assert await _unrouted(sessions) == [(org.manager.id, "unowned", 1, [str(french)])]


async def test_a_fallback_must_be_the_tenants_own_team_or_active_member(sessions: SessionMaker) -> None:
    org = await make_org(sessions)
    other = await make_org(sessions)
    with pytest.raises(TeamNotFound):
        await _fallback(sessions, org, {"team_id": str(other.dach.id)})
    with pytest.raises(MemberNotFound):
        await _fallback(sessions, org, {"member_id": str(other.reps[0].id)})
    with pytest.raises(InvalidInput):
        await _fallback(sessions, org, {"team_id": "not-a-uuid"})
    with pytest.raises(ValidationError):
        await _fallback(sessions, org, {"team_id": str(org.uk.id), "member_id": str(org.reps[0].id)})
    async with sessions() as session:
        config = await load_config(session=session, tenant_id=org.tenant_id)
    assert config.routing_fallback is None


async def test_a_routed_lead_nobody_in_the_team_has_room_for_waits_in_that_team(
    sessions: SessionMaker,
) -> None:
    org = await make_org(sessions)
    async with transaction(sessions) as session:
        olivia = await session.get(Member, org.uk_rep.id)
        assert olivia is not None
        olivia.capacity = 0
        session.add(olivia)
    irish = await make_lead(sessions, org, country="IE", company_name="Dublin Ltd")
    async with sessions() as session:
        lead = await session.get(Lead, irish)
    assert lead is not None and (lead.team_id, lead.owner_id) == (org.uk.id, None)
    assert await _unrouted(sessions) == [(org.lead_uk.id, "unowned", 1, [str(irish)])]


async def _unowned(sessions: SessionMaker, org: Org, countries: list[str]) -> list[uuid.UUID]:
    """Leads from these countries, captured and then left without an owner, as an import leaves them."""
    lead_ids = [
        await make_lead(
            sessions,
            org,
            email=f"lead-{index}@customer{index}.example",
            company_name=f"Kunde {index}",
            country=country,
        )
        for index, country in enumerate(countries)
    ]
    async with transaction(sessions) as session:
        for lead in (await session.exec(select(Lead).where(col(Lead.id).in_(lead_ids)))).all():
            lead.owner_id = lead.team_id = None
            session.add(lead)
    return lead_ids


# The unmatched last, so that one at a time the fallback team's reps also take the rule's leads first.
ROUTED = ["DE", "GB", "AT", "CH", "IE", "DE", "FR", "NL"]
LATER = T0 + timedelta(days=1)


async def test_routing_a_batch_over_teams_and_the_fallback_ends_as_routing_each_lead_alone(
    sessions: SessionMaker, engine: AsyncEngine
) -> None:
    async def routed(batched: bool) -> list[tuple[str | None, AssignmentMethod]]:
        org = await make_org(sessions)
        await _fallback(sessions, org, {"team_id": str(org.dach.id)})
        lead_ids = await _unowned(sessions, org, ROUTED)
        with statements_run(engine) as sent:
            for group in [lead_ids] if batched else [[lead_id] for lead_id in lead_ids]:
                async with transaction(sessions) as session:
                    await route_unassigned(
                        session=session, lead_ids=group, caller=Caller.system(org.tenant_id, LATER)
                    )
        if batched:
            loads = [s for s in sent if s.startswith("SELECT") and "GROUP BY leads.owner_id" in s]
            # Two teams and the fallback (one of them again): their reps' loads are read once, and the
            # fallback counts the leads the rule gave its team's reps just before.
            assert len(loads) == 1
        names = {member.id: member.display_name for member in [*org.reps, org.uk_rep]}
        async with sessions() as session:
            leads = {lead.id: lead for lead in (await session.exec(select(Lead))).all()}
            methods = {
                change.lead_id: change.method
                for change in (await session.exec(select(OwnershipChange))).all()
                if change.changed_at == LATER
            }
        return [
            (names.get(owner_id) if (owner_id := leads[lead_id].owner_id) else None, methods[lead_id])
            for lead_id in lead_ids
        ]

    one_at_a_time, together = await routed(batched=False), await routed(batched=True)
    assert together == one_at_a_time
    methods = Counter(method for _owner, method in together)
    assert methods == {AssignmentMethod.RULE: 6, AssignmentMethod.FALLBACK: 2}
