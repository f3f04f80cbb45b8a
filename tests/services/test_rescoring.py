"""Keeping decayed scores fresh: every stale lead re-scored, in a number of writes that does not grow."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from app.db import SessionMaker, transaction
from app.models import Lead
from app.services.events import EventIn, ingest_events
from app.services.rescoring import rescore_stale_leads
from tests.factories import T0, make_lead, make_org
from tests.statements import statements_run


async def test_stale_leads_are_rescored_with_one_write_per_kind_of_change(
    sessions: SessionMaker, engine: AsyncEngine
) -> None:
    org = await make_org(sessions)
    engaged = [await make_lead(sessions, org, email=f"engaged{i}@kunde.example") for i in range(6)]
    quiet = [await make_lead(sessions, org, email=f"quiet{i}@kunde.example") for i in range(6)]
    events = [
        EventIn(external_id=f"open-{i}", kind="email_click", occurred_at=T0, lead_id=lead_id)
        for i, lead_id in enumerate(engaged)
    ]
    async with transaction(sessions) as session:
        await ingest_events(session=session, tenant_id=org.tenant_id, events=events, now=T0)
    async with sessions() as session:
        before = {
            lead.id: (lead.total_score, lead.version)
            for lead in (await session.exec(select(Lead).where(Lead.tenant_id == org.tenant_id))).all()
        }

    later = T0 + timedelta(days=30)
    with statements_run(engine) as sent:
        async with transaction(sessions) as session:
            looked, changed = await rescore_stale_leads(session=session, tenant_id=org.tenant_id, now=later)
    updates = [statement for statement in sent if statement.lstrip().upper().startswith("UPDATE LEADS")]

    assert looked == 12
    async with sessions() as session:
        after = {
            lead.id: lead
            for lead in (await session.exec(select(Lead).where(col(Lead.id).in_(engaged + quiet)))).all()
        }
    assert all(lead.scored_at == later for lead in after.values()), "every stale lead is stamped"
    decayed = [lead_id for lead_id in engaged if after[lead_id].total_score < before[lead_id][0]]
    assert decayed == engaged, "a month on, each click counts for less"
    assert all(after[lead_id].total_score == before[lead_id][0] for lead_id in quiet)
    assert changed == len(engaged)
    # Decay is not an edit: the versions reps' cards carry stay valid.
    assert all(after[lead_id].version == before[lead_id][1] for lead_id in engaged + quiet)
    # One executemany for the leads whose score moved and one for those only stamped: not one per lead.
    assert len(updates) == 2, updates
