"""Lifecycle moves: a lead leaving nurturing takes its waiting hand-off with it, however the caller got it."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from app.db import SessionMaker, transaction
from app.models import HandOff, Lead
from app.nurturing.enums import HandOffStatus, Lifecycle
from app.services.hand_offs import propose_hand_off
from app.services.lead_context import load_contexts
from app.services.lead_history import change_lifecycle
from tests.factories import T0, Org, make_lead, make_org
from tests.statements import statements_run

LATER = T0.replace(hour=15)


async def _waiting(sessions: SessionMaker, org: Org, email: str) -> uuid.UUID:
    """An MQL with a hand-off waiting for the team lead."""
    lead_id = await make_lead(sessions, org, email=email, owner=org.reps[0])
    async with transaction(sessions) as session:
        lead = await session.get(Lead, lead_id)
        assert lead is not None
        lead.lifecycle = Lifecycle.MQL
        session.add(lead)
    async with transaction(sessions) as session:
        await propose_hand_off(session=session, lead_id=lead_id, caller=org.caller(org.reps[0], T0))
    return lead_id


async def _hand_off(sessions: SessionMaker, lead_id: uuid.UUID) -> tuple[object, ...]:
    async with sessions() as session:
        row = (await session.exec(select(HandOff).where(HandOff.lead_id == lead_id))).one()
    return row.status, row.decided_at, row.reason, row.decided_by


async def test_the_context_withdraws_the_waiting_hand_off_as_the_lookup_does_with_no_statement_of_its_own(
    sessions: SessionMaker, engine: AsyncEngine
) -> None:
    org = await make_org(sessions)
    looked_up, known = (
        await _waiting(sessions, org, "a@customer.example"),
        await _waiting(sessions, org, "b@customer.example"),
    )
    async with transaction(sessions) as session:
        lead = await session.get(Lead, looked_up)
        assert lead is not None
        with statements_run(engine) as sent_without:
            await change_lifecycle(
                session=session,
                lead=lead,
                to_lifecycle=Lifecycle.DISQUALIFIED,
                now=LATER,
                automatic=False,
                reason="no fit",
            )
    async with transaction(sessions) as session:
        lead = await session.get(Lead, known)
        assert lead is not None
        context = (await load_contexts(session=session, tenant_id=org.tenant_id, leads=[lead], now=LATER))[
            lead.id
        ]
        assert context.open_hand_off is not None
        with statements_run(engine) as sent_with:
            await change_lifecycle(
                session=session,
                lead=lead,
                to_lifecycle=Lifecycle.DISQUALIFIED,
                now=LATER,
                automatic=False,
                reason="no fit",
                context=context,
            )
        assert context.open_hand_off is None, "the context no longer knows of a waiting hand-off"
    assert [statement.split()[0] for statement in sent_without] == ["UPDATE"]
    assert sent_with == [], "written with the lead at the next flush"
    withdrawn = await _hand_off(sessions, known)
    assert withdrawn == await _hand_off(sessions, looked_up)
    assert withdrawn == (HandOffStatus.WITHDRAWN, LATER, "lead moved to disqualified", None)
