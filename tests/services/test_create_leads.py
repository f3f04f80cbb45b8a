"""Capturing leads in a batch: the same practice as one at a time, in statements that do not grow with it."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, func, select

from app.db import SessionMaker, transaction
from app.models import Company, FollowUp, Lead, LeadCreate, Member, OutboxMessage, OwnershipChange, Team
from app.services.access import Caller
from app.services.errors import Conflict, InvalidInput
from app.services.leads import create_lead, create_leads
from tests.factories import T0, Org, make_lead, make_org
from tests.statements import statements_run, verb

COUNTRIES = ("DE", "GB", "FR", "AT", "IE", "DE", "CH")


def _items(org: Org, count: int, prefix: str = "lead") -> list[LeadCreate]:
    """Leads from routed and unrouted countries, some sharing a company; the first names its owner (a batch
    gives named owners theirs before it routes the rest)."""
    return [
        LeadCreate(
            email=f"{prefix}-{index}@customer{index % 4}.example",
            first_name="Paula",
            last_name=f"Prospect {index}",
            title="Head of Operations" if index % 3 == 0 else "Analyst",
            persona="operations_leader" if index % 3 == 0 else None,
            company_name=f"Kunde {index % 4}",
            company_domain=f"customer{index % 4}.example",
            country=COUNTRIES[index % len(COUNTRIES)],
            employees=50 * (index + 1),
            owner_email=org.reps[2].email if index == 0 else None,
        )
        for index in range(count)
    ]


async def _practice(sessions: SessionMaker, tenant_id: str) -> dict[str, Any]:
    """What capture left, keyed by e-mail and by names, so two tenants can be compared."""
    async with sessions() as session:
        names = {
            member.id: member.display_name
            for member in (await session.exec(select(Member).where(Member.tenant_id == tenant_id))).all()
        }
        teams = {
            team.id: team.name
            for team in (await session.exec(select(Team).where(Team.tenant_id == tenant_id))).all()
        }
        rows = (
            await session.exec(
                select(Lead, Company)
                .join(Company, col(Company.id) == col(Lead.company_id))
                .where(Lead.tenant_id == tenant_id)
            )
        ).all()
        follow_ups = {
            follow_up.lead_id: (follow_up.kind, follow_up.status, follow_up.due_at, follow_up.reasons)
            for follow_up in (
                await session.exec(select(FollowUp).where(FollowUp.tenant_id == tenant_id))
            ).all()
        }
        methods = Counter(
            (
                await session.exec(
                    select(OwnershipChange.method).where(OwnershipChange.tenant_id == tenant_id)
                )
            ).all()
        )
        notices = Counter(
            (await session.exec(select(OutboxMessage.kind).where(OutboxMessage.tenant_id == tenant_id))).all()
        )
        companies = (
            await session.exec(
                select(func.count()).select_from(Company).where(Company.tenant_id == tenant_id)
            )
        ).one()
    leads = {
        lead.email: (
            names.get(lead.owner_id) if lead.owner_id else None,
            teams.get(lead.team_id) if lead.team_id else None,
            (company.domain, company.country, company.employees),
            (lead.total_score, lead.stage, lead.lifecycle, lead.score_explanation),
            follow_ups.get(lead.id),
        )
        for lead, company in rows
    }
    return {"leads": leads, "methods": methods, "notices": notices, "companies": companies}


async def test_a_batch_captures_exactly_what_one_lead_at_a_time_does(sessions: SessionMaker) -> None:
    one_by_one, batched = await make_org(sessions), await make_org(sessions)
    for org in (one_by_one, batched):
        # A company and a rep's load that exist before the batch, in both tenants alike.
        await make_lead(sessions, org, email="earlier@customer1.example", company_domain="customer1.example")
    for data in _items(one_by_one, 14):
        async with transaction(sessions) as session:
            await create_lead(session=session, caller=Caller.system(one_by_one.tenant_id, T0), data=data)
    async with transaction(sessions) as session:
        created = await create_leads(
            session=session, caller=Caller.system(batched.tenant_id, T0), items=_items(batched, 14)
        )
    assert [lead.email for lead in created] == [str(data.email) for data in _items(batched, 14)]
    expected, actual = (
        await _practice(sessions, one_by_one.tenant_id),
        await _practice(sessions, batched.tenant_id),
    )
    # Unrouted leads are announced once per batch and recipient, however many there are.
    unrouted = actual["notices"].pop("routing.unrouted"), expected["notices"].pop("routing.unrouted")
    assert unrouted == (2, 4)
    assert actual == expected
    owners = Counter(owner for owner, *_ in actual["leads"].values())
    assert owners[None] > 0 and len(owners) >= 4, "routed to both teams, one named owner, some unrouted"
    assert actual["companies"] == 4 and actual["methods"]["manual"] == 1


async def test_reads_do_not_grow_with_the_batch_and_writes_only_by_the_leads_own_updates(
    sessions: SessionMaker, engine: AsyncEngine
) -> None:
    measured: dict[int, Counter[str]] = {}
    for size in (7, 70):
        org = await make_org(sessions)
        with statements_run(engine) as sent:
            async with transaction(sessions) as session:
                await create_leads(
                    session=session, caller=Caller.system(org.tenant_id, T0), items=_items(org, size)
                )
        measured[size] = Counter(verb(statement) for statement in sent)
    small, large = measured[7], measured[70]
    assert large["SELECT"] == small["SELECT"]
    # Rows go out in one executemany per table, the owners' notices in one statement.
    assert large["INSERT"] == small["INSERT"]
    # Each routed lead's row is updated once, with its owner and score together, one statement each: the
    # lead's version check needs its own row count.
    assert large["UPDATE"] - small["UPDATE"] == 70 - 7


async def test_a_batch_is_refused_whole(sessions: SessionMaker) -> None:
    org = await make_org(sessions)
    await make_lead(sessions, org, email="taken@customer.example")
    twice = [LeadCreate(email="same@customer.example"), LeadCreate(email="Same@customer.example")]
    existing = [LeadCreate(email="new@customer.example"), LeadCreate(email="TAKEN@customer.example")]
    ghost = [LeadCreate(email="new@customer.example", owner_email="ghost@vendor.example")]
    for items, error, message in (
        (twice, Conflict, "same@customer.example"),
        (existing, Conflict, "taken@customer.example"),
        (ghost, InvalidInput, "ghost@vendor.example"),
    ):
        with pytest.raises(error, match=message):
            async with transaction(sessions) as session:
                await create_leads(session=session, caller=Caller.system(org.tenant_id, T0), items=items)
    async with sessions() as session:
        emails = (await session.exec(select(Lead.email).where(Lead.tenant_id == org.tenant_id))).all()
    assert emails == ["taken@customer.example"]
