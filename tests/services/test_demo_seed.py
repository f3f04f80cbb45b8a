"""The demo tenant is realistic and its history comes from the real services."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime

from sqlmodel import col, func, select

from app.db import SessionMaker
from app.models import FollowUp, HandOff, Lead, Member, OwnershipChange, Team
from app.nurturing.calendar import is_working_time
from app.nurturing.enums import (
    ACTIVE_FOLLOW_UP_STATUSES,
    FollowUpKind,
    FollowUpStatus,
    HandOffStatus,
    Lifecycle,
    Role,
)
from app.services.demo_seed import DEMO_TENANT_ID, generate_demo_plan, seed_demo_tenant
from app.services.tenant_config import working_hours

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
CLOSED = (Lifecycle.WON, Lifecycle.LOST, Lifecycle.DISQUALIFIED)


def test_the_plan_is_repeatable_and_bilingual() -> None:
    first = generate_demo_plan(random.Random(7), 200)
    again = generate_demo_plan(random.Random(7), 200)
    other = generate_demo_plan(random.Random(8), 200)
    assert [lead.email for lead in first.leads] == [lead.email for lead in again.leads]
    assert [lead.email for lead in first.leads] != [lead.email for lead in other.leads]
    assert len({lead.email for lead in first.leads}) == 200
    names = " ".join(f"{lead.first_name} {lead.last_name}" for lead in first.leads)
    assert any(ch in names for ch in "äöüß"), "German names keep their umlauts"
    assert Counter(lead.language for lead in first.leads).keys() == {"de", "en"}


async def test_the_seeded_tenant_looks_like_a_working_sales_team(sessions: SessionMaker) -> None:
    summary = await seed_demo_tenant(sessions=sessions, now=NOW, rng=random.Random(3), leads=60)
    async with sessions() as session:
        members = await session.exec(select(Member.role).where(Member.tenant_id == DEMO_TENANT_ID))
        roles = Counter(members.all())
        teams = (await session.exec(select(func.count()).select_from(Team))).one()
        leads = (await session.exec(select(Lead).where(Lead.tenant_id == DEMO_TENANT_ID))).all()
        active = Counter(
            (
                await session.exec(
                    select(FollowUp.lead_id).where(col(FollowUp.status).in_(ACTIVE_FOLLOW_UP_STATUSES))
                )
            ).all()
        )
        audited = set((await session.exec(select(OwnershipChange.lead_id))).all())
    assert teams == 3 and summary.teams == 3
    assert roles == {Role.ADMIN: 1, Role.MANAGER: 1, Role.LEAD: 3, Role.REP: 7}
    assert len(leads) == 60 == summary.leads
    owned_open = [lead for lead in leads if lead.owner_id is not None and lead.lifecycle not in CLOSED]
    assert owned_open and all(active[lead.id] == 1 for lead in owned_open)
    assert max(active.values()) == 1
    assert all(lead.id in audited for lead in leads if lead.owner_id is not None)
    assert summary.events > 0 and summary.overdue > 0 and summary.mqls > 0
    assert all(lead.total_score == sum(item["points"] for item in lead.score_explanation) for lead in leads)
    assert len({lead.lifecycle for lead in leads}) >= 3, "the funnel has depth, not only new leads"
    async with sessions() as session:
        orphaned = (
            await session.exec(
                select(func.count())
                .select_from(FollowUp)
                .join(Member, col(Member.id) == col(FollowUp.owner_id))
                .where(col(FollowUp.status).in_(ACTIVE_FOLLOW_UP_STATUSES), col(Member.active).is_(False))
            )
        ).one()
        inactive_owners = (
            await session.exec(
                select(func.count())
                .select_from(Lead)
                .join(Member, col(Member.id) == col(Lead.owner_id))
                .where(col(Lead.lifecycle).not_in(CLOSED), col(Member.active).is_(False))
            )
        ).one()
    assert (orphaned, inactive_owners) == (0, 0), "the deactivated rep's work moved to the team"


async def test_demo_reps_work_in_their_own_hours_and_sales_decides_with_coded_reasons(
    sessions: SessionMaker,
) -> None:
    await seed_demo_tenant(sessions=sessions, now=NOW, rng=random.Random(5), leads=120)
    async with sessions() as session:
        members = {m.id: m for m in (await session.exec(select(Member))).all()}
        done = (
            await session.exec(
                select(FollowUp.owner_id, FollowUp.completed_at).where(FollowUp.status == FollowUpStatus.DONE)
            )
        ).all()
        decided = (await session.exec(select(HandOff).where(col(HandOff.decided_by).is_not(None)))).all()
        leads = (await session.exec(select(Lead))).all()
    assert len(done) > 50
    outside = [
        (members[owner].display_name, at)
        for owner, at in done
        if owner is not None and at is not None and not is_working_time(working_hours(members[owner]), at)
    ]
    assert outside == [], f"{len(outside)} follow-ups worked outside the owner's hours, e.g. {outside[:3]}"
    assert decided and all(
        is_working_time(working_hours(members[h.decided_by]), h.decided_at)  # type: ignore[index, arg-type]
        for h in decided
    )
    assert all(h.reason_code is not None for h in decided if h.status == HandOffStatus.REJECTED)
    assert any(lead.unsubscribed for lead in leads)
    async with sessions() as session:
        fixes = (await session.exec(select(FollowUp).where(FollowUp.kind == FollowUpKind.FIX_ADDRESS))).all()
    assert fixes, "bounced addresses turn into fix-the-address tasks"
