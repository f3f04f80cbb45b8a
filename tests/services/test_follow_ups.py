"""Rep actions on follow-ups, the one-active-follow-up rule, and the due query."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from app.db import SessionMaker, transaction
from app.models import FollowUp, Lead, Member, OutboxMessage, Touchpoint
from app.nurturing.enums import (
    ACTIVE_FOLLOW_UP_STATUSES,
    FollowUpKind,
    FollowUpOutcome,
    FollowUpStatus,
    Lifecycle,
    RecycleReason,
    TouchpointKind,
)
from app.services.access import Caller
from app.services.errors import Conflict, FollowUpNotFound, InvalidInput, NotAllowed, StaleVersion
from app.services.follow_ups import (
    SnoozePreset,
    SystemCompletion,
    complete_follow_up,
    complete_follow_ups_as_system,
    due_follow_ups,
    follow_ups_for_member,
    log_touchpoint,
    reschedule_follow_up,
    snooze_follow_up,
)
from tests.factories import T0, Org, make_lead, make_org
from tests.statements import statements_run

BERLIN = ZoneInfo("Europe/Berlin")


async def _active(sessions: SessionMaker, lead_id: uuid.UUID) -> list[FollowUp]:
    async with sessions() as session:
        rows = await session.exec(
            select(FollowUp).where(
                FollowUp.lead_id == lead_id, col(FollowUp.status).in_(ACTIVE_FOLLOW_UP_STATUSES)
            )
        )
        return list(rows.all())


async def _setup(sessions: SessionMaker) -> tuple[Org, uuid.UUID, FollowUp, Member]:
    org = await make_org(sessions)
    lead_id = await make_lead(sessions, org, owner=org.reps[0])
    (follow_up,) = await _active(sessions, lead_id)
    return org, lead_id, follow_up, org.reps[0]


def _in_berlin_office_hours(moment: datetime) -> bool:
    local = moment.astimezone(BERLIN)
    return local.weekday() < 5 and 9 <= local.hour < 17


async def test_a_new_owned_lead_gets_exactly_one_follow_up_in_the_owners_hours(
    sessions: SessionMaker,
) -> None:
    _, lead_id, follow_up, _ = await _setup(sessions)
    assert follow_up.kind == FollowUpKind.NURTURE
    assert follow_up.due_at > T0
    assert _in_berlin_office_hours(follow_up.due_at)
    assert follow_up.reasons, "every follow-up says why"
    assert len(await _active(sessions, lead_id)) == 1


async def test_the_database_refuses_a_second_active_follow_up(sessions: SessionMaker) -> None:
    org, lead_id, _, _ = await _setup(sessions)
    with pytest.raises(IntegrityError):
        async with transaction(sessions) as session:
            session.add(
                FollowUp(tenant_id=org.tenant_id, lead_id=lead_id, due_at=T0, status=FollowUpStatus.SNOOZED)
            )


async def test_no_answer_counts_and_plans_a_helpful_reminder(sessions: SessionMaker) -> None:
    org, lead_id, follow_up, rep = await _setup(sessions)
    now = follow_up.due_at
    async with transaction(sessions) as session:
        done = await complete_follow_up(
            session=session,
            follow_up_id=follow_up.id,
            outcome=FollowUpOutcome.NO_ANSWER,
            caller=org.caller(rep, now),
            note="voicemail",
        )
    assert done.follow_up.status == FollowUpStatus.DONE and done.follow_up.completed_by == rep.id
    assert done.touch is not None and done.touch.summary == "voicemail"
    assert done.context.active_follow_up is not None and done.context.active_follow_up.id != follow_up.id
    (next_one,) = await _active(sessions, lead_id)
    assert next_one.id != follow_up.id
    assert next_one.kind == FollowUpKind.REMINDER
    assert next_one.due_at > now and _in_berlin_office_hours(next_one.due_at)
    async with sessions() as session:
        lead = await session.get(Lead, lead_id)
        touches = (await session.exec(select(Touchpoint).where(Touchpoint.lead_id == lead_id))).all()
    assert lead is not None and lead.unanswered_touches == 1 and lead.first_touch_at == now
    assert [t.summary for t in touches] == ["voicemail"]
    if follow_up.suggested_content_key:
        assert next_one.suggested_content_key != follow_up.suggested_content_key, "content is never repeated"


async def test_not_interested_recycles_the_lead_into_long_term_nurture(sessions: SessionMaker) -> None:
    org, lead_id, follow_up, rep = await _setup(sessions)
    async with transaction(sessions) as session:
        lead = await session.get(Lead, lead_id)
        assert lead is not None
        lead.lifecycle = Lifecycle.MQL
        session.add(lead)
    async with transaction(sessions) as session:
        await complete_follow_up(
            session=session,
            follow_up_id=follow_up.id,
            outcome=FollowUpOutcome.NOT_INTERESTED,
            caller=org.caller(rep, T0),
        )
    async with sessions() as session:
        lead = await session.get(Lead, lead_id)
    assert lead is not None and lead.lifecycle == Lifecycle.RECYCLED
    assert lead.recycle_reason_code == RecycleReason.NOT_INTERESTED and lead.recycled_at == T0
    assert lead.nurture_until == T0 + timedelta(days=90)
    (next_one,) = await _active(sessions, lead_id)
    assert next_one.kind == FollowUpKind.LONG_TERM
    assert next_one.due_at > T0 + timedelta(days=30)
    assert next_one.reasons[0]["code"] == "recycled_until"


async def test_not_interested_never_silently_recycles_a_sales_accepted_lead(sessions: SessionMaker) -> None:
    org, lead_id, follow_up, rep = await _setup(sessions)
    async with transaction(sessions) as session:
        lead = await session.get(Lead, lead_id)
        assert lead is not None
        lead.lifecycle = Lifecycle.SQL
        session.add(lead)
    async with transaction(sessions) as session:
        with pytest.raises(InvalidInput):
            await complete_follow_up(
                session=session,
                follow_up_id=follow_up.id,
                outcome=FollowUpOutcome.NOT_INTERESTED,
                caller=org.caller(rep, T0),
            )
    async with sessions() as session:
        unchanged = await session.get(Lead, lead_id)
        (still_open,) = await _active(sessions, lead_id)
    assert unchanged is not None and unchanged.lifecycle == Lifecycle.SQL, "a refused request writes nothing"
    assert still_open.id == follow_up.id
    async with transaction(sessions) as session:
        await complete_follow_up(
            session=session,
            follow_up_id=follow_up.id,
            outcome=FollowUpOutcome.NOT_INTERESTED,
            caller=org.caller(rep, T0),
            reason_code=RecycleReason.UNDER_CONTRACT,
            until=T0 + timedelta(days=400),
        )
    async with sessions() as session:
        lead = await session.get(Lead, lead_id)
    assert lead is not None and lead.lifecycle == Lifecycle.RECYCLED
    assert lead.nurture_until == T0 + timedelta(days=310)


async def test_only_the_owner_team_lead_or_admin_may_act(sessions: SessionMaker) -> None:
    org, _, follow_up, _ = await _setup(sessions)
    # Those who may not see the lead are told the follow-up does not exist; a manager sees but may not act.
    for outsider, refusal in (
        (org.reps[1], FollowUpNotFound),
        (org.lead_uk, FollowUpNotFound),
        (org.manager, NotAllowed),
    ):
        assert outsider is not None
        async with transaction(sessions) as session:
            with pytest.raises(refusal):
                await complete_follow_up(
                    session=session,
                    follow_up_id=follow_up.id,
                    outcome=FollowUpOutcome.REPLIED,
                    caller=org.caller(outsider, T0),
                )
    async with transaction(sessions) as session:
        await snooze_follow_up(
            session=session,
            follow_up_id=follow_up.id,
            preset=SnoozePreset.ONE_HOUR,
            caller=org.caller(org.lead_dach, T0),
        )


async def test_stale_versions_finished_follow_ups_and_other_tenants_are_refused(
    sessions: SessionMaker,
) -> None:
    org, lead_id, follow_up, rep = await _setup(sessions)
    async with sessions() as session:
        lead = await session.get(Lead, lead_id)
        assert lead is not None
        version = lead.version
    async with transaction(sessions) as session:
        with pytest.raises(StaleVersion) as stale:
            await complete_follow_up(
                session=session,
                follow_up_id=follow_up.id,
                outcome=FollowUpOutcome.REPLIED,
                caller=org.caller(rep, T0),
                expected_version=version - 1,
            )
    assert stale.value.current.version == version
    async with transaction(sessions) as session:
        await complete_follow_up(
            session=session,
            follow_up_id=follow_up.id,
            outcome=FollowUpOutcome.REPLIED,
            caller=org.caller(rep, T0),
            expected_version=version,
        )
    async with transaction(sessions) as session:
        with pytest.raises(Conflict):
            await complete_follow_up(
                session=session,
                follow_up_id=follow_up.id,
                outcome=FollowUpOutcome.REPLIED,
                caller=org.caller(rep, T0),
            )
    other = await make_org(sessions)
    async with transaction(sessions) as session:
        with pytest.raises(FollowUpNotFound):
            await snooze_follow_up(
                session=session,
                follow_up_id=follow_up.id,
                preset=SnoozePreset.TOMORROW,
                caller=Caller.system(other.tenant_id, T0),
            )


async def test_snooze_presets_land_in_working_hours(sessions: SessionMaker) -> None:
    org, _, follow_up, rep = await _setup(sessions)
    friday_evening = T0.replace(day=13, hour=16, minute=30)  # 17:30 in Berlin, Friday 13 March 2026
    async with transaction(sessions) as session:
        snoozed = await snooze_follow_up(
            session=session,
            follow_up_id=follow_up.id,
            preset=SnoozePreset.TOMORROW,
            caller=org.caller(rep, friday_evening),
        )
    local = snoozed.due_at.astimezone(BERLIN)
    assert (local.date(), local.hour, local.minute) == (date(2026, 3, 16), 9, 0)  # Monday 09:00
    assert snoozed.status == FollowUpStatus.SNOOZED and snoozed.notified_at is None
    async with transaction(sessions) as session:
        snoozed = await snooze_follow_up(
            session=session,
            follow_up_id=follow_up.id,
            preset=SnoozePreset.ONE_HOUR,
            caller=org.caller(rep, friday_evening),
        )
    assert snoozed.due_at.astimezone(BERLIN).date() == date(2026, 3, 16)


async def test_reschedule_to_a_day_and_never_into_the_past(sessions: SessionMaker) -> None:
    org, _, follow_up, rep = await _setup(sessions)
    async with transaction(sessions) as session:
        moved = await reschedule_follow_up(
            session=session,
            follow_up_id=follow_up.id,
            when=date(2026, 3, 21),
            caller=org.caller(rep, T0),
        )  # a Saturday: the next working morning is Monday the 23rd
    local = moved.due_at.astimezone(BERLIN)
    assert (local.date(), local.hour) == (date(2026, 3, 23), 9)
    async with transaction(sessions) as session:
        with pytest.raises(InvalidInput):
            await reschedule_follow_up(
                session=session,
                follow_up_id=follow_up.id,
                when=date(2026, 3, 1),
                caller=org.caller(rep, T0),
            )


async def test_logging_a_call_re_plans_the_same_follow_up(sessions: SessionMaker) -> None:
    org, lead_id, follow_up, rep = await _setup(sessions)
    async with transaction(sessions) as session:
        with pytest.raises(InvalidInput):
            await log_touchpoint(
                session=session,
                lead_id=lead_id,
                kind=TouchpointKind.CALL,
                summary="   ",
                caller=org.caller(rep, T0),
            )
    async with transaction(sessions) as session:
        await log_touchpoint(
            session=session,
            lead_id=lead_id,
            kind=TouchpointKind.CALL,
            summary="Discussed rollout timing",
            caller=org.caller(rep, T0 + timedelta(days=3)),
        )
    (active,) = await _active(sessions, lead_id)
    assert active.id == follow_up.id, "the card already sent stays the one to update"
    assert active.kind == FollowUpKind.REMINDER


async def test_due_query_returns_only_due_unannounced_rows_of_the_tenant(sessions: SessionMaker) -> None:
    org = await make_org(sessions)
    other = await make_org(sessions)
    mine = [await make_lead(sessions, org, owner=org.reps[i % 3]) for i in range(4)]
    await make_lead(sessions, other, owner=other.reps[0])
    async with transaction(sessions) as session:
        rows = (await session.exec(select(FollowUp))).all()
        for index, row in enumerate(sorted(rows, key=lambda r: str(r.lead_id))):
            row.due_at = T0 - timedelta(hours=index + 1)
            session.add(row)
        announced = next(row for row in rows if row.lead_id == mine[0])
        announced.notified_at = T0
        session.add(announced)
    async with sessions() as session:
        due = await due_follow_ups(session=session, tenant_id=org.tenant_id, now=T0)
        later = await due_follow_ups(session=session, tenant_id=org.tenant_id, now=T0 - timedelta(days=1))
        anna = await follow_ups_for_member(session=session, tenant_id=org.tenant_id, member_id=org.reps[0].id)
    assert {row.lead_id for row in due} == set(mine[1:])
    assert [row.due_at for row in due] == sorted(row.due_at for row in due)
    assert later == []
    assert {row.owner_id for row in anna} == {org.reps[0].id} and len(anna) == 2


async def test_the_systems_batched_completion_ends_as_one_completion_after_another(
    sessions: SessionMaker,
) -> None:
    outcomes = [
        FollowUpOutcome.REPLIED,
        FollowUpOutcome.NO_ANSWER,
        FollowUpOutcome.MEETING_BOOKED,
        FollowUpOutcome.NOT_INTERESTED,
    ]

    async def tenant(batched: bool) -> list[tuple[object, ...]]:
        org = await make_org(sessions)
        leads = [
            await make_lead(sessions, org, email=f"l{i}@customer.example", owner=org.reps[i % 3])
            for i in range(4)
        ]
        work = [
            SystemCompletion(
                follow_up_id=(await _active(sessions, lead_id))[0].id,
                outcome=outcome,
                now=T0 + timedelta(days=3, hours=i),
                reason_code=RecycleReason.NOT_INTERESTED
                if outcome is FollowUpOutcome.NOT_INTERESTED
                else None,
            )
            for i, (lead_id, outcome) in enumerate(zip(leads, outcomes, strict=True))
        ]
        async with transaction(sessions) as session:
            if batched:
                done = await complete_follow_ups_as_system(
                    session=session, tenant_id=org.tenant_id, work=[*work, work[0]]
                )
                assert done[-1] is None, "a follow-up no longer open is skipped"
            else:
                for item in work:
                    await complete_follow_up(
                        session=session,
                        follow_up_id=item.follow_up_id,
                        outcome=item.outcome,
                        caller=Caller.system(org.tenant_id, item.now),
                        reason_code=item.reason_code,
                    )
        async with sessions() as session:
            rows = (await session.exec(select(Lead).where(Lead.tenant_id == org.tenant_id))).all()
            state: list[tuple[object, ...]] = []
            for lead in sorted(rows, key=lambda lead: lead.email):
                active = await _active(sessions, lead.id)
                touches = (await session.exec(select(Touchpoint).where(Touchpoint.lead_id == lead.id))).all()
                state.append(
                    (
                        lead.email,
                        lead.lifecycle,
                        lead.stage,
                        lead.total_score,
                        lead.score_explanation,
                        lead.unanswered_touches,
                        [(f.kind, f.due_at, f.suggested_content_key) for f in active],
                        sorted((t.kind, t.occurred_at) for t in touches),
                    )
                )
        return state

    assert await tenant(batched=True) == await tenant(batched=False)


async def test_the_systems_batched_completion_writes_its_notices_in_one_statement(
    sessions: SessionMaker, engine: AsyncEngine
) -> None:
    org = await make_org(sessions)
    leads = [
        await make_lead(sessions, org, email=f"card{i}@customer.example", owner=org.reps[i]) for i in range(3)
    ]
    follow_ups = [(await _active(sessions, lead_id))[0] for lead_id in leads]
    async with transaction(sessions) as session:
        for follow_up in follow_ups:
            # Each card was sent, so each completion asks for its card to be updated.
            follow_up.activity_id = f"activity-{follow_up.id}"
            session.add(follow_up)
    work = [
        SystemCompletion(
            follow_up_id=follow_up.id, outcome=FollowUpOutcome.NO_ANSWER, now=T0 + timedelta(days=3)
        )
        for follow_up in follow_ups
    ]
    with statements_run(engine) as sent:
        async with transaction(sessions) as session:
            await complete_follow_ups_as_system(session=session, tenant_id=org.tenant_id, work=work)
    assert len([statement for statement in sent if statement.startswith("INSERT INTO outbox")]) == 1
    async with sessions() as session:
        notices = (
            await session.exec(select(OutboxMessage).where(OutboxMessage.tenant_id == org.tenant_id))
        ).all()
    changed = sorted(n.payload["follow_up_id"] for n in notices if n.kind == "follow_up.changed")
    assert changed == sorted(str(follow_up.id) for follow_up in follow_ups)
