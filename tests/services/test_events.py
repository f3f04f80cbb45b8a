"""Event ingestion: idempotent, moves score, stage and lifecycle, and a reply pulls the cadence forward."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from pydantic import ValidationError
from sqlmodel import col, func, select

from app.db import SessionMaker, transaction
from app.models import EngagementEvent, FollowUp, HandOff, Lead, OutboxMessage
from app.nurturing.enums import ACTIVE_FOLLOW_UP_STATUSES, BuyerStage, FollowUpKind, Lifecycle
from app.services.errors import InvalidInput
from app.services.events import EventIn, ingest_events
from tests.factories import T0, make_lead, make_org, set_company


def _event(external_id: str, kind: str, at: datetime, email: str, **properties: str) -> EventIn:
    return EventIn(external_id=external_id, kind=kind, occurred_at=at, email=email, properties=properties)


async def _lead(sessions: SessionMaker, email: str) -> Lead:
    async with sessions() as session:
        return (await session.exec(select(Lead).where(Lead.email == email))).one()


async def test_the_same_batch_twice_is_stored_once(sessions: SessionMaker) -> None:
    org = await make_org(sessions)
    await make_lead(sessions, org, email="eva@kunde.example", owner=org.reps[0])
    batch = [_event(f"mail-{i}", "email_open", T0 - timedelta(days=i), "eva@kunde.example") for i in range(5)]
    async with transaction(sessions) as session:
        first = await ingest_events(session=session, tenant_id=org.tenant_id, events=batch, now=T0)
    async with transaction(sessions) as session:
        second = await ingest_events(session=session, tenant_id=org.tenant_id, events=batch, now=T0)
    assert (first.accepted, first.duplicates) == (5, 0)
    assert (second.accepted, second.duplicates) == (0, 5)
    async with sessions() as session:
        stored = (await session.exec(select(func.count()).select_from(EngagementEvent))).one()
    assert stored == 5


async def test_events_for_unknown_or_foreign_leads_are_reported_not_stored(sessions: SessionMaker) -> None:
    org = await make_org(sessions)
    other = await make_org(sessions)
    await make_lead(sessions, other, email="foreign@kunde.example", owner=other.reps[0])
    batch = [
        _event("x-1", "email_open", T0, "nobody@kunde.example"),
        _event("x-2", "email_open", T0, "foreign@kunde.example"),
    ]
    async with transaction(sessions) as session:
        result = await ingest_events(session=session, tenant_id=org.tenant_id, events=batch, now=T0)
    assert result.accepted == 0
    assert sorted(result.unknown_lead) == ["x-1", "x-2"]


async def test_buying_signals_raise_score_stage_and_propose_a_hand_off(sessions: SessionMaker) -> None:
    org = await make_org(sessions)
    lead_id = await make_lead(
        sessions, org, email="cto@fabrik.example", owner=org.reps[0], title="CTO", persona="it_leader"
    )
    await set_company(sessions, org, lead_id, country="DE", industry="manufacturing", employees=800)
    before = await _lead(sessions, "cto@fabrik.example")
    batch = [
        _event("p-1", "pricing_view", T0 - timedelta(days=2), "cto@fabrik.example"),
        _event("p-2", "pricing_view", T0 - timedelta(days=1), "cto@fabrik.example"),
        _event("d-1", "demo_request", T0 - timedelta(hours=3), "cto@fabrik.example"),
        _event("w-1", "webinar_attended", T0 - timedelta(days=5), "cto@fabrik.example"),
        _event("r-1", "email_reply", T0 - timedelta(hours=1), "cto@fabrik.example"),
    ]
    async with transaction(sessions) as session:
        await ingest_events(session=session, tenant_id=org.tenant_id, events=batch, now=T0)
    after = await _lead(sessions, "cto@fabrik.example")
    assert after.total_score > before.total_score
    assert after.total_score == sum(item["points"] for item in after.score_explanation)
    assert after.stage == BuyerStage.DECISION
    assert after.lifecycle == Lifecycle.MQL
    assert after.mql_at == T0
    async with sessions() as session:
        hand_offs = (await session.exec(select(HandOff).where(HandOff.lead_id == lead_id))).all()
        notices = (await session.exec(select(OutboxMessage.kind))).all()
    assert len(hand_offs) == 1 and hand_offs[0].evidence
    assert "hand_off.proposed" in notices


async def test_a_reply_pulls_the_next_follow_up_forward(sessions: SessionMaker) -> None:
    org = await make_org(sessions)
    lead_id = await make_lead(sessions, org, email="reply@kunde.example", owner=org.reps[0])
    async with sessions() as session:
        planned = (
            await session.exec(
                select(FollowUp).where(
                    FollowUp.lead_id == lead_id, col(FollowUp.status).in_(ACTIVE_FOLLOW_UP_STATUSES)
                )
            )
        ).one()
    assert planned.due_at > T0 + timedelta(days=2)  # awareness cadence is days away
    async with transaction(sessions) as session:
        await ingest_events(
            session=session,
            tenant_id=org.tenant_id,
            events=[_event("reply-1", "email_reply", T0, "reply@kunde.example")],
            now=T0,
        )
    async with sessions() as session:
        active = (
            await session.exec(
                select(FollowUp).where(
                    FollowUp.lead_id == lead_id, col(FollowUp.status).in_(ACTIVE_FOLLOW_UP_STATUSES)
                )
            )
        ).all()
    assert len(active) == 1
    assert active[0].due_at < planned.due_at
    assert active[0].due_at <= T0 + timedelta(days=1)
    lead = await _lead(sessions, "reply@kunde.example")
    assert lead.last_reply_at == T0 and lead.unanswered_touches == 0
    # The reply moved the lead on a stage; the follow-up's reasons say why it is sooner and fit that stage.
    assert lead.stage is not BuyerStage.AWARENESS
    codes = [reason["code"] for reason in active[0].reasons]
    assert "reply_pull_forward" in codes and "cadence" not in codes
    stages = {reason["params"]["stage"] for reason in active[0].reasons if "stage" in reason["params"]}
    assert stages == {lead.stage.value}


async def test_a_reply_never_delays_a_follow_up_due_sooner_nor_reminds_twice(sessions: SessionMaker) -> None:
    org = await make_org(sessions)
    lead_id = await make_lead(sessions, org, email="soon@kunde.example", owner=org.reps[0])
    due_soon = T0 + timedelta(minutes=30)
    async with transaction(sessions) as session:
        follow_up = (await session.exec(select(FollowUp).where(FollowUp.lead_id == lead_id))).one()
        follow_up.due_at = due_soon
        follow_up.notified_at = T0 - timedelta(minutes=5)
        session.add(follow_up)
    async with transaction(sessions) as session:
        await ingest_events(
            session=session,
            tenant_id=org.tenant_id,
            events=[_event("reply-soon", "email_reply", T0, "soon@kunde.example")],
            now=T0,
        )
    async with sessions() as session:
        after = (await session.exec(select(FollowUp).where(FollowUp.lead_id == lead_id))).one()
    assert after.due_at == due_soon
    assert after.notified_at == T0 - timedelta(minutes=5), "the rep was reminded already; no second card"
    assert "reply_pull_forward" in [reason["code"] for reason in after.reasons]


async def test_a_reply_completes_an_awaiting_reply_follow_up(sessions: SessionMaker) -> None:
    org = await make_org(sessions)
    lead_id = await make_lead(sessions, org, email="wait@kunde.example", owner=org.reps[0])
    async with transaction(sessions) as session:
        follow_up = (await session.exec(select(FollowUp).where(FollowUp.lead_id == lead_id))).one()
        follow_up.kind = FollowUpKind.AWAITING_REPLY
        session.add(follow_up)
    async with transaction(sessions) as session:
        await ingest_events(
            session=session,
            tenant_id=org.tenant_id,
            events=[_event("reply-2", "chat_reply", T0, "wait@kunde.example")],
            now=T0,
        )
    async with sessions() as session:
        rows = (
            await session.exec(
                select(FollowUp).where(FollowUp.lead_id == lead_id).order_by(col(FollowUp.created_at))
            )
        ).all()
    statuses = sorted((row.status.value, row.outcome.value if row.outcome else None) for row in rows)
    assert statuses == [("done", "replied"), ("open", None)]


async def test_oversized_batches_and_bad_events_fail_cleanly(sessions: SessionMaker) -> None:
    org = await make_org(sessions)
    batch = [_event(f"e-{i}", "email_open", T0, "a@b.example") for i in range(1001)]
    async with transaction(sessions) as session:
        with pytest.raises(InvalidInput):
            await ingest_events(session=session, tenant_id=org.tenant_id, events=batch, now=T0)
    with pytest.raises(ValidationError, match="time zone"):
        EventIn(external_id="n", kind="email_open", occurred_at=datetime(2026, 1, 1), email="a@b.example")
    with pytest.raises(ValidationError, match="lead_id or email"):
        EventIn(external_id="n", kind="email_open", occurred_at=T0)
    with pytest.raises(ValidationError):
        EventIn(external_id="n", kind="DROP TABLE", occurred_at=T0, email="a@b.example")


async def test_a_reply_brings_a_discovery_call_sooner_and_leaves_it_a_discovery_call(
    sessions: SessionMaker,
) -> None:
    org = await make_org(sessions)
    lead_id = await make_lead(sessions, org, email="call@kunde.example", owner=org.reps[0])
    reasons = [{"code": "discovery_call", "params": {}}]
    async with transaction(sessions) as session:
        follow_up = (await session.exec(select(FollowUp).where(FollowUp.lead_id == lead_id))).one()
        follow_up.kind = FollowUpKind.DISCOVERY_CALL
        follow_up.reasons = reasons
        follow_up.due_at = T0 + timedelta(days=5)
        session.add(follow_up)
    async with transaction(sessions) as session:
        await ingest_events(
            session=session,
            tenant_id=org.tenant_id,
            events=[_event("reply-call", "email_reply", T0, "call@kunde.example")],
            now=T0,
        )
    async with sessions() as session:
        after = (await session.exec(select(FollowUp).where(FollowUp.lead_id == lead_id))).one()
    assert after.kind is FollowUpKind.DISCOVERY_CALL and after.reasons == reasons
    assert after.due_at <= T0 + timedelta(days=1)
