"""Property: whatever reps, integrations and team leads do, a lead has at most one active follow-up."""

from __future__ import annotations

import asyncio
import shutil
import uuid
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import col, func, select

from app.db import create_sessionmaker, engine_for_url, transaction
from app.models import FollowUp
from app.nurturing.enums import ACTIVE_FOLLOW_UP_STATUSES, FollowUpOutcome, TouchpointKind
from app.services.access import Caller
from app.services.errors import ServiceError
from app.services.events import EventIn, ingest_events
from app.services.follow_ups import (
    SnoozePreset,
    complete_follow_up,
    log_touchpoint,
    reschedule_follow_up,
    snooze_follow_up,
)
from app.services.ownership import assign_owner
from tests.factories import T0, make_lead, make_org

actions = st.lists(
    st.one_of(
        st.tuples(st.just("complete"), st.sampled_from(list(FollowUpOutcome))),
        st.tuples(st.just("snooze"), st.sampled_from(list(SnoozePreset))),
        st.tuples(st.just("reschedule"), st.integers(min_value=0, max_value=20)),
        st.tuples(st.just("log"), st.sampled_from([TouchpointKind.CALL, TouchpointKind.MAIL])),
        st.tuples(
            st.just("event"), st.sampled_from(["email_reply", "pricing_view", "demo_request", "email_open"])
        ),
        st.tuples(st.just("reassign"), st.integers(min_value=0, max_value=2)),
    ),
    min_size=1,
    max_size=12,
)


async def _run(database: Path, steps: list[tuple[str, object]]) -> None:
    engine = engine_for_url(f"sqlite:///{database}")
    sessions = create_sessionmaker(engine)
    try:
        org = await make_org(sessions)
        lead_id = await make_lead(sessions, org, owner=org.reps[0])
        now = T0
        for index, (action, argument) in enumerate(steps):
            now += timedelta(hours=7)
            async with sessions() as session:
                active = (
                    await session.exec(
                        select(FollowUp).where(
                            FollowUp.lead_id == lead_id, col(FollowUp.status).in_(ACTIVE_FOLLOW_UP_STATUSES)
                        )
                    )
                ).first()
            try:
                async with transaction(sessions) as session:
                    if action == "event":
                        event = EventIn(
                            external_id=f"e{index}", kind=str(argument), occurred_at=now, lead_id=lead_id
                        )
                        await ingest_events(session=session, tenant_id=org.tenant_id, events=[event], now=now)
                    elif action == "log":
                        assert isinstance(argument, TouchpointKind)
                        await log_touchpoint(
                            session=session,
                            lead_id=lead_id,
                            kind=argument,
                            summary="touch",
                            caller=Caller.system(org.tenant_id, now),
                        )
                    elif action == "reassign":
                        assert isinstance(argument, int)
                        await assign_owner(
                            session=session,
                            lead_id=lead_id,
                            member_id=org.reps[argument].id,
                            caller=Caller.system(org.tenant_id, now),
                        )
                    elif active is not None and action == "complete":
                        assert isinstance(argument, FollowUpOutcome)
                        await complete_follow_up(
                            session=session,
                            follow_up_id=active.id,
                            outcome=argument,
                            caller=Caller.system(org.tenant_id, now),
                        )
                    elif active is not None and action == "snooze":
                        assert isinstance(argument, SnoozePreset)
                        await snooze_follow_up(
                            session=session,
                            follow_up_id=active.id,
                            preset=argument,
                            caller=Caller.system(org.tenant_id, now),
                        )
                    elif active is not None and action == "reschedule":
                        assert isinstance(argument, int)
                        await reschedule_follow_up(
                            session=session,
                            follow_up_id=active.id,
                            when=now + timedelta(days=argument),
                            caller=Caller.system(org.tenant_id, now),
                        )
            except ServiceError:
                pass  # a refused action (e.g. a closed lead) must still leave the invariant intact
            async with sessions() as session:
                count = (
                    await session.exec(
                        select(func.count())
                        .select_from(FollowUp)
                        .where(
                            FollowUp.lead_id == lead_id, col(FollowUp.status).in_(ACTIVE_FOLLOW_UP_STATUSES)
                        )
                    )
                ).one()
            assert count <= 1, f"after {action}: {count} active follow-ups"
    finally:
        await engine.dispose()


def test_a_lead_never_has_more_than_one_active_follow_up(sqlite_template: Path, tmp_path: Path) -> None:
    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(steps=actions)
    def check(steps: list[tuple[str, object]]) -> None:
        database = tmp_path / f"{uuid.uuid4().hex}.db"
        shutil.copyfile(sqlite_template, database)
        asyncio.run(_run(database, steps))
        database.unlink()

    check()
