"""Moving many leads along the lifecycle in one batch: the same practice as one move at a time."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from app.db import SessionMaker, transaction
from app.models import FollowUp, Lead, LeadStateChange
from app.nurturing.enums import Lifecycle, RecycleReason
from app.services.access import Caller
from app.services.errors import InvalidInput, LeadNotFound, StaleVersion
from app.services.leads import LifecycleMove, set_lifecycle, set_lifecycles
from tests.factories import T0, Org, make_lead, make_org
from tests.statements import statements_run, verb

LATER = T0 + timedelta(days=3)
# (the way there, target, reason, code): sales steps, a recycle with its code, leaving the funnel.
MOVES: tuple[tuple[tuple[Lifecycle, ...], Lifecycle, str | None, RecycleReason | None], ...] = (
    ((Lifecycle.SAL,), Lifecycle.SQL, None, None),
    ((Lifecycle.SAL, Lifecycle.SQL), Lifecycle.OPPORTUNITY, None, None),
    ((Lifecycle.SAL, Lifecycle.SQL, Lifecycle.OPPORTUNITY), Lifecycle.WON, None, None),
    ((Lifecycle.SAL, Lifecycle.SQL), Lifecycle.LOST, "chose a competitor", None),
    ((Lifecycle.SAL,), Lifecycle.RECYCLED, "timing moved", RecycleReason.NO_BUDGET),
    ((Lifecycle.SAL,), Lifecycle.DISQUALIFIED, "no fit", None),
)


async def _leads_on_the_way(sessions: SessionMaker, org: Org) -> list[uuid.UUID]:
    """One lead per move, owned, each already at the lifecycle its move starts from."""
    lead_ids = [
        await make_lead(sessions, org, email=f"lead-{index}@customer.example", owner=org.reps[index % 3])
        for index in range(len(MOVES))
    ]
    for lead_id, (path, *_rest) in zip(lead_ids, MOVES, strict=True):
        for step, lifecycle in enumerate(path):
            async with transaction(sessions) as session:
                lead = await session.get(Lead, lead_id)
                assert lead is not None
                await set_lifecycle(
                    session=session,
                    caller=Caller.system(org.tenant_id, T0 + timedelta(hours=step + 1)),
                    lead_id=lead_id,
                    lifecycle=lifecycle,
                    reason=None,
                    expected_version=lead.version,
                )
    return lead_ids


async def _moves(sessions: SessionMaker, lead_ids: list[uuid.UUID]) -> list[LifecycleMove]:
    async with sessions() as session:
        versions = {
            lead.id: lead.version
            for lead in (await session.exec(select(Lead).where(col(Lead.id).in_(lead_ids)))).all()
        }
    return [
        LifecycleMove(
            lead_id=lead_id,
            lifecycle=target,
            reason=reason,
            expected_version=versions[lead_id],
            reason_code=code,
        )
        for lead_id, (_path, target, reason, code) in zip(lead_ids, MOVES, strict=True)
    ]


async def _practice(sessions: SessionMaker, lead_ids: list[uuid.UUID]) -> list[Any]:
    """Each lead's lifecycle, recycle fields, recorded changes and follow-ups, in move order."""
    async with sessions() as session:
        seen = []
        for lead_id in lead_ids:
            lead = await session.get(Lead, lead_id)
            assert lead is not None
            changes = (
                await session.exec(
                    select(LeadStateChange.field, LeadStateChange.to_value, LeadStateChange.changed_at)
                    .where(LeadStateChange.lead_id == lead_id)
                    .order_by(col(LeadStateChange.changed_at), col(LeadStateChange.field))
                )
            ).all()
            follow_ups = (
                await session.exec(
                    select(FollowUp.kind, FollowUp.status, FollowUp.due_at)
                    .where(FollowUp.lead_id == lead_id)
                    .order_by(col(FollowUp.created_at), col(FollowUp.status))
                )
            ).all()
            seen.append(
                (
                    lead.lifecycle,
                    lead.recycle_reason_code,
                    lead.nurture_until,
                    lead.updated_at,
                    changes,
                    follow_ups,
                )
            )
    return seen


async def test_a_batch_moves_exactly_as_one_move_at_a_time(sessions: SessionMaker) -> None:
    one_by_one, batched = await make_org(sessions), await make_org(sessions)
    singles, grouped = (
        await _leads_on_the_way(sessions, one_by_one),
        await _leads_on_the_way(sessions, batched),
    )
    for move in await _moves(sessions, singles):
        async with transaction(sessions) as session:
            await set_lifecycle(
                session=session,
                caller=Caller.system(one_by_one.tenant_id, LATER),
                lead_id=move.lead_id,
                lifecycle=move.lifecycle,
                reason=move.reason,
                expected_version=move.expected_version,
                reason_code=move.reason_code,
            )
    async with transaction(sessions) as session:
        moved = await set_lifecycles(
            session=session,
            caller=Caller.system(batched.tenant_id, LATER),
            moves=await _moves(sessions, grouped),
        )
    assert [lead.id for lead in moved] == grouped
    expected, actual = await _practice(sessions, singles), await _practice(sessions, grouped)
    assert actual == expected
    assert [state[0] for state in actual] == [target for _path, target, _reason, _code in MOVES]


async def test_a_batch_is_refused_whole(sessions: SessionMaker) -> None:
    org, other = await make_org(sessions), await make_org(sessions)
    lead_ids = await _leads_on_the_way(sessions, org)
    stranger = await make_lead(sessions, other, owner=other.reps[0])
    moves = await _moves(sessions, lead_ids)
    stale = [
        moves[0],
        LifecycleMove(**{**_fields(moves[1]), "expected_version": moves[1].expected_version - 1}),
    ]
    foreign = [moves[0], LifecycleMove(**{**_fields(moves[1]), "lead_id": stranger})]
    unexplained = [moves[0], LifecycleMove(**{**_fields(moves[3]), "reason": " "})]
    for batch, error in (
        (stale, StaleVersion),
        (foreign, LeadNotFound),
        (unexplained, InvalidInput),
        ([moves[0], moves[0]], InvalidInput),
    ):
        with pytest.raises(error):
            async with transaction(sessions) as session:
                await set_lifecycles(session=session, caller=Caller.system(org.tenant_id, LATER), moves=batch)
    assert [state[0] for state in await _practice(sessions, lead_ids)] == [path[-1] for path, *_ in MOVES]


def _fields(move: LifecycleMove) -> dict[str, Any]:
    return {name: getattr(move, name) for name in LifecycleMove.__slots__}


async def test_a_batch_is_written_in_one_flush(sessions: SessionMaker, engine: AsyncEngine) -> None:
    org = await make_org(sessions)
    lead_ids = await _leads_on_the_way(sessions, org)
    moves = await _moves(sessions, lead_ids)
    with statements_run(engine) as sent:
        async with transaction(sessions) as session:
            await set_lifecycles(session=session, caller=Caller.system(org.tenant_id, LATER), moves=moves)
    written = Counter(" ".join(statement.split()[:3]) for statement in sent if verb(statement) == "INSERT")
    # Every move's recorded change goes out in one executemany, not one flush per move.
    assert written["INSERT INTO lead_state_changes"] == 1
    assert [state[0] for state in await _practice(sessions, lead_ids)] == [target for _p, target, *_ in MOVES]
