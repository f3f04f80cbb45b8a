"""Lead capture, search, progressive profiling with optimistic locking, and stage overrides."""

from __future__ import annotations

import pytest
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import select

from app.db import SessionMaker, transaction
from app.models import Company, Lead, LeadCreate, LeadStateChange, LeadUpdate
from app.nurturing.enums import BuyerStage
from app.nurturing.errors import ReasonRequired
from app.services.access import Caller
from app.services.errors import Conflict, InvalidInput, LeadNotFound, StaleVersion
from app.services.lead_queries import LeadFilter, list_leads
from app.services.leads import create_lead, override_stage, update_lead
from app.services.lookups import get_lead
from tests.factories import T0, make_lead, make_org


async def test_capture_normalises_and_links_the_company(sessions: SessionMaker) -> None:
    org = await make_org(sessions)
    first = await make_lead(
        sessions, org, email="Jana.Weiss@Werk.example", company_domain="WERK.example", country="de"
    )
    second = await make_lead(
        sessions, org, email="tom@werk.example", company_domain="werk.example", company_name="Werk"
    )
    async with sessions() as session:
        a = await get_lead(session=session, tenant_id=org.tenant_id, lead_id=first)
        b = await get_lead(session=session, tenant_id=org.tenant_id, lead_id=second)
        companies = (await session.exec(select(Company).where(Company.tenant_id == org.tenant_id))).all()
    assert a.email == "jana.weiss@werk.example"
    assert a.company_id == b.company_id and len(companies) == 1
    assert companies[0].domain == "werk.example" and companies[0].country == "DE"
    assert a.team_id == org.dach.id, "routed by the company's country"


async def test_duplicates_unknown_owners_and_foreign_ids_are_refused(sessions: SessionMaker) -> None:
    org = await make_org(sessions)
    other = await make_org(sessions)
    lead_id = await make_lead(sessions, org, email="dup@kunde.example")
    async with transaction(sessions) as session:
        with pytest.raises(Conflict):
            await create_lead(
                session=session,
                data=LeadCreate(email="DUP@kunde.example"),
                caller=Caller.system(org.tenant_id, T0),
            )
    async with transaction(sessions) as session:
        with pytest.raises(InvalidInput):
            await create_lead(
                session=session,
                data=LeadCreate(email="new@kunde.example", owner_email="ghost@vendor.example"),
                caller=Caller.system(org.tenant_id, T0),
            )
    async with sessions() as session:
        with pytest.raises(LeadNotFound):
            await get_lead(session=session, tenant_id=other.tenant_id, lead_id=lead_id)
    # The same address may exist once per tenant.
    await make_lead(sessions, other, email="dup@kunde.example")


async def test_search_by_email_name_and_company_stays_in_the_tenant(sessions: SessionMaker) -> None:
    org = await make_org(sessions)
    other = await make_org(sessions)
    await make_lead(
        sessions,
        org,
        email="g.gross@stahl.example",
        first_name="Gerd",
        last_name="Groß",
        company_name="Stahlwerk Nord",
    )
    await make_lead(sessions, other, email="g.gross2@stahl.example", first_name="Gerd", last_name="Groß")
    caller = Caller.system(org.tenant_id, T0)

    async def search(text: str) -> list[str]:
        async with sessions() as session:
            page = await list_leads(session=session, caller=caller, where=LeadFilter(search=text))
        return [lead.email for lead in page.items]

    # The one search there is (lead_queries): the other tenant's namesake never shows up.
    assert await search("G.Gross@stahl.example") == ["g.gross@stahl.example"]
    assert await search("gerd groß") == ["g.gross@stahl.example"]
    assert await search("stahlwerk") == ["g.gross@stahl.example"]
    assert await search("nobody here") == []


async def test_updates_need_the_current_version(sessions: SessionMaker) -> None:
    org = await make_org(sessions)
    lead_id = await make_lead(sessions, org, owner=org.reps[0])
    rep = org.reps[0]
    async with sessions() as session:
        version = (await get_lead(session=session, tenant_id=org.tenant_id, lead_id=lead_id)).version
    async with transaction(sessions) as session:
        updated = await update_lead(
            session=session,
            lead_id=lead_id,
            caller=org.caller(rep, T0),
            data=LeadUpdate(version=version, title="Head of Operations", custom_fields={"fleet_size": 40}),
        )
    assert updated.version == version + 1 and updated.custom_fields == {"fleet_size": 40}
    async with transaction(sessions) as session:
        with pytest.raises(StaleVersion) as stale:
            await update_lead(
                session=session,
                lead_id=lead_id,
                caller=org.caller(rep, T0),
                data=LeadUpdate(version=version, title="CEO"),
            )
    assert stale.value.current.title == "Head of Operations"


async def test_two_concurrent_writers_cannot_both_win(sessions: SessionMaker) -> None:
    org = await make_org(sessions)
    lead_id = await make_lead(sessions, org, owner=org.reps[0])
    async with sessions() as session:
        version = (await get_lead(session=session, tenant_id=org.tenant_id, lead_id=lead_id)).version
    async with sessions() as first, sessions() as second:
        a = await first.get(Lead, lead_id)
        b = await second.get(Lead, lead_id)
        assert a is not None and b is not None and a.version == b.version == version
        a.title = "first"
        first.add(a)
        await first.commit()
        b.title = "second"
        second.add(b)
        with pytest.raises(StaleDataError):
            await second.commit()
    async with sessions() as session:
        assert (await get_lead(session=session, tenant_id=org.tenant_id, lead_id=lead_id)).title == "first"


async def test_a_rep_overrides_the_stage_only_with_a_reason(sessions: SessionMaker) -> None:
    org = await make_org(sessions)
    lead_id = await make_lead(sessions, org, owner=org.reps[0])
    rep = org.reps[0]
    async with sessions() as session:
        version = (await get_lead(session=session, tenant_id=org.tenant_id, lead_id=lead_id)).version
    async with transaction(sessions) as session:
        with pytest.raises(ReasonRequired):
            await override_stage(
                session=session,
                lead_id=lead_id,
                stage=BuyerStage.DECISION,
                reason=" ",
                caller=org.caller(rep, T0),
                expected_version=version,
            )
    async with transaction(sessions) as session:
        lead = await override_stage(
            session=session,
            lead_id=lead_id,
            stage=BuyerStage.DECISION,
            reason="budget approved on the call",
            caller=org.caller(rep, T0),
            expected_version=version,
        )
    assert lead.stage == BuyerStage.DECISION
    async with sessions() as session:
        history = (
            await session.exec(select(LeadStateChange).where(LeadStateChange.lead_id == lead_id))
        ).all()
    assert [(h.field, h.to_value, h.automatic, h.reason) for h in history] == [
        ("stage", "decision", False, "budget approved on the call")
    ]
