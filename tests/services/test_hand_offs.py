"""Hand-offs: accepting makes a SAL with a discovery call in a business day; rejecting recycles."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from app.db import SessionMaker, transaction
from app.models import FollowUp, HandOff, Lead, LeadStateChange, OutboxMessage
from app.nurturing.calendar import WorkingHours, business_hours_between
from app.nurturing.enums import (
    ACTIVE_FOLLOW_UP_STATUSES,
    FollowUpKind,
    FollowUpOutcome,
    HandOffStatus,
    Lifecycle,
    RecycleReason,
)
from app.services.access import Caller
from app.services.errors import Conflict, InvalidInput, NotAllowed
from app.services.follow_ups import complete_follow_up
from app.services.hand_offs import accept_hand_off, propose_hand_off, reject_hand_off
from app.services.leads import set_lifecycle
from app.services.tenant_config import load_config
from tests.factories import T0, Org, make_lead, make_org
from tests.statements import statements_run


async def _proposed(sessions: SessionMaker) -> tuple[Org, uuid.UUID, HandOff]:
    org = await make_org(sessions)
    lead_id = await make_lead(sessions, org, owner=org.reps[0])
    async with transaction(sessions) as session:
        lead = await session.get(Lead, lead_id)
        assert lead is not None
        lead.lifecycle = Lifecycle.MQL
        session.add(lead)
    async with transaction(sessions) as session:
        hand_off = await propose_hand_off(
            session=session,
            lead_id=lead_id,
            caller=org.caller(org.reps[0], T0),
            note="asked about rollout in Q3",
        )
    return org, lead_id, hand_off


async def test_a_rep_proposal_goes_to_the_team_once(sessions: SessionMaker) -> None:
    org, lead_id, hand_off = await _proposed(sessions)
    async with transaction(sessions) as session:
        again = await propose_hand_off(
            session=session,
            lead_id=lead_id,
            caller=Caller.system(org.tenant_id, T0),
        )
    assert again.id == hand_off.id
    assert hand_off.evidence[0] == {"code": "rep_proposed", "params": {"note": "asked about rollout in Q3"}}
    async with sessions() as session:
        notices = (
            await session.exec(select(OutboxMessage).where(OutboxMessage.kind == "hand_off.proposed"))
        ).all()
    assert [(n.team_id, n.payload["lead_id"]) for n in notices] == [(org.dach.id, str(lead_id))]


async def test_accept_makes_a_sal_with_a_discovery_call_within_one_business_day(
    sessions: SessionMaker,
) -> None:
    org, lead_id, hand_off = await _proposed(sessions)
    async with transaction(sessions) as session:
        with pytest.raises(NotAllowed):
            await accept_hand_off(
                session=session,
                hand_off_id=hand_off.id,
                caller=org.caller(org.reps[0], T0),
            )
    async with transaction(sessions) as session:
        decided = await accept_hand_off(
            session=session,
            hand_off_id=hand_off.id,
            caller=org.caller(org.lead_dach, T0),
        )
    assert decided.status == HandOffStatus.ACCEPTED and decided.decided_by == org.lead_dach.id
    async with sessions() as session:
        lead = await session.get(Lead, lead_id)
        call = (
            await session.exec(
                select(FollowUp).where(
                    FollowUp.lead_id == lead_id, col(FollowUp.status).in_(ACTIVE_FOLLOW_UP_STATUSES)
                )
            )
        ).one()
        history = (
            await session.exec(
                select(LeadStateChange).where(
                    LeadStateChange.lead_id == lead_id, LeadStateChange.field == "lifecycle"
                )
            )
        ).all()
    assert lead is not None and lead.lifecycle == Lifecycle.SAL
    assert call.kind == FollowUpKind.DISCOVERY_CALL
    hours = WorkingHours(time_zone="Europe/Berlin")
    assert T0 < call.due_at <= T0 + timedelta(days=3)
    assert business_hours_between(hours, T0, call.due_at) <= 8
    assert any(h.to_value == "sal" and h.actor_id == org.lead_dach.id for h in history)
    async with transaction(sessions) as session:
        with pytest.raises(Conflict):
            await reject_hand_off(
                session=session,
                hand_off_id=hand_off.id,
                reason_code=RecycleReason.BAD_TIMING,
                caller=Caller.system(org.tenant_id, T0),
            )


async def test_reject_needs_a_coded_reason_and_recycles_until_its_date(sessions: SessionMaker) -> None:
    org, lead_id, hand_off = await _proposed(sessions)
    async with transaction(sessions) as session:
        with pytest.raises(InvalidInput):
            await reject_hand_off(
                session=session,
                hand_off_id=hand_off.id,
                reason_code=None,
                note="no budget",
                caller=org.caller(org.lead_dach, T0),
            )
        with pytest.raises(InvalidInput):  # under contract needs the contract's end
            await reject_hand_off(
                session=session,
                hand_off_id=hand_off.id,
                reason_code=RecycleReason.UNDER_CONTRACT,
                caller=org.caller(org.lead_dach, T0),
            )
    async with transaction(sessions) as session:
        await reject_hand_off(
            session=session,
            hand_off_id=hand_off.id,
            reason_code=RecycleReason.NO_BUDGET,
            note=" wait for the 2027 budget ",
            caller=org.caller(org.lead_dach, T0),
        )
    async with sessions() as session:
        lead = await session.get(Lead, lead_id)
        decided = await session.get(HandOff, hand_off.id)
        notices = (
            await session.exec(select(OutboxMessage).where(OutboxMessage.kind == "hand_off.decided"))
        ).all()
        (follow_up,) = (
            await session.exec(
                select(FollowUp).where(
                    FollowUp.lead_id == lead_id, col(FollowUp.status).in_(ACTIVE_FOLLOW_UP_STATUSES)
                )
            )
        ).all()
    next_year = datetime(T0.year + 1, 1, 1, tzinfo=UTC)
    assert lead is not None and lead.lifecycle == Lifecycle.RECYCLED
    assert (lead.recycle_reason_code, lead.recycled_at) == (RecycleReason.NO_BUDGET, T0)
    assert lead.nurture_until is not None and lead.nurture_until >= min(next_year, T0 + timedelta(days=14))
    assert decided is not None and decided.status == HandOffStatus.REJECTED
    assert (decided.reason_code, decided.reason) == (RecycleReason.NO_BUDGET, "wait for the 2027 budget")
    assert decided.nurture_until == lead.nurture_until
    assert [n.member_id for n in notices] == [org.reps[0].id]
    # Back in nurturing: a long-term touch paced by the date, not silence and not a call in two days.
    assert follow_up.kind == FollowUpKind.LONG_TERM and follow_up.reasons[0]["code"] == "recycled_until"


async def test_not_a_fit_disqualifies(sessions: SessionMaker) -> None:
    org, lead_id, hand_off = await _proposed(sessions)
    async with transaction(sessions) as session:
        await reject_hand_off(
            session=session,
            hand_off_id=hand_off.id,
            reason_code=RecycleReason.NOT_A_FIT,
            caller=org.caller(org.lead_dach, T0),
        )
    async with sessions() as session:
        lead = await session.get(Lead, lead_id)
        open_work = (
            await session.exec(
                select(FollowUp).where(
                    FollowUp.lead_id == lead_id, col(FollowUp.status).in_(ACTIVE_FOLLOW_UP_STATUSES)
                )
            )
        ).all()
    assert lead is not None and lead.lifecycle == Lifecycle.DISQUALIFIED and lead.nurture_until is None
    assert open_work == []


async def test_a_hand_off_cannot_be_proposed_for_a_lead_sales_already_has(sessions: SessionMaker) -> None:
    org = await make_org(sessions)
    lead_id = await make_lead(sessions, org, owner=org.reps[0])
    for lifecycle in (Lifecycle.SAL, Lifecycle.OPPORTUNITY, Lifecycle.WON):
        async with transaction(sessions) as session:
            lead = await session.get(Lead, lead_id)
            assert lead is not None
            lead.lifecycle = lifecycle
            session.add(lead)
        async with transaction(sessions) as session:
            with pytest.raises(Conflict):
                await propose_hand_off(
                    session=session,
                    lead_id=lead_id,
                    caller=org.caller(org.reps[0], T0),
                )
    async with sessions() as session:
        proposals = (await session.exec(select(HandOff).where(HandOff.lead_id == lead_id))).all()
    assert proposals == []


async def test_a_rep_cannot_propose_again_before_the_date_but_the_team_lead_can(
    sessions: SessionMaker,
) -> None:
    org, lead_id, hand_off = await _proposed(sessions)
    async with transaction(sessions) as session:
        await reject_hand_off(
            session=session,
            hand_off_id=hand_off.id,
            reason_code=RecycleReason.BAD_TIMING,
            caller=org.caller(org.lead_dach, T0),
        )
    later = T0 + timedelta(days=3)
    async with transaction(sessions) as session:
        with pytest.raises(Conflict):
            await propose_hand_off(
                session=session,
                lead_id=lead_id,
                caller=org.caller(org.reps[0], later),
            )
    async with transaction(sessions) as session:
        again = await propose_hand_off(
            session=session,
            lead_id=lead_id,
            caller=org.caller(org.lead_dach, later),
        )
    assert again.status == HandOffStatus.PROPOSED and again.id != hand_off.id


async def test_a_lead_that_leaves_the_funnel_withdraws_its_waiting_hand_off(sessions: SessionMaker) -> None:
    org, lead_id, hand_off = await _proposed(sessions)
    async with sessions() as session:
        active = (
            await session.exec(
                select(FollowUp).where(
                    FollowUp.lead_id == lead_id, col(FollowUp.status).in_(ACTIVE_FOLLOW_UP_STATUSES)
                )
            )
        ).one()
    async with transaction(sessions) as session:
        await complete_follow_up(
            session=session,
            follow_up_id=active.id,
            outcome=FollowUpOutcome.NOT_INTERESTED,
            caller=org.caller(org.reps[0], T0),
        )
    async with sessions() as session:
        withdrawn = await session.get(HandOff, hand_off.id)
    assert withdrawn is not None and withdrawn.status == HandOffStatus.WITHDRAWN
    async with transaction(sessions) as session:
        with pytest.raises(Conflict):
            await accept_hand_off(
                session=session,
                hand_off_id=hand_off.id,
                caller=org.caller(org.lead_dach, T0),
            )


async def test_moving_a_lead_to_sales_by_hand_settles_its_waiting_hand_off(sessions: SessionMaker) -> None:
    org, lead_id, hand_off = await _proposed(sessions)
    async with sessions() as session:
        version = (await session.get(Lead, lead_id)).version  # type: ignore[union-attr]
    async with transaction(sessions) as session:
        await set_lifecycle(
            session=session,
            lead_id=lead_id,
            lifecycle=Lifecycle.SAL,
            reason="met them at the fair",
            caller=org.caller(org.lead_dach, T0),
            expected_version=version,
        )
    async with sessions() as session:
        settled = await session.get(HandOff, hand_off.id)
    assert settled is not None and settled.status == HandOffStatus.WITHDRAWN
    async with transaction(sessions) as session:
        with pytest.raises(Conflict):
            await accept_hand_off(
                session=session,
                hand_off_id=hand_off.id,
                caller=org.caller(org.lead_dach, T0),
            )


async def test_a_decision_with_the_tenants_config_reads_no_settings(
    sessions: SessionMaker, engine: AsyncEngine
) -> None:
    org, lead_id, hand_off = await _proposed(sessions)
    async with sessions() as session:
        config = await load_config(session=session, tenant_id=org.tenant_id)
    with statements_run(engine) as sent:
        async with transaction(sessions) as session:
            decided = await accept_hand_off(
                session=session, hand_off_id=hand_off.id, caller=org.caller(org.lead_dach, T0), config=config
            )
    assert decided.status == HandOffStatus.ACCEPTED
    assert not [statement for statement in sent if "FROM settings" in statement]
