"""Recomputing scores for a whole tenant after rules change, and keeping decayed scores fresh."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import Table, bindparam, or_, update
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import SessionMaker, transaction
from app.models import Lead
from app.nurturing.scoring import score_lead
from app.nurturing.stages import StageOverride, resolve_stage
from app.services.access import Caller
from app.services.batches import batches
from app.services.lead_context import load_contexts
from app.services.ownership import route_unassigned
from app.services.refresh import refresh_lead, refresh_leads
from app.services.tenant_config import load_config


async def recompute_scores(
    *,
    sessions: SessionMaker,
    tenant_id: str,
    now: datetime,
    batch_size: int = 500,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Refresh every lead in batches, one transaction each, so a big tenant never holds a long lock."""
    async with sessions() as session:
        total = int(
            (
                await session.exec(select(func.count()).select_from(Lead).where(Lead.tenant_id == tenant_id))
            ).one()
        )
        config = await load_config(session=session, tenant_id=tenant_id)
    done = 0
    after: uuid.UUID | None = None
    while True:
        async with transaction(sessions) as session:
            statement = (
                select(Lead).where(Lead.tenant_id == tenant_id).order_by(col(Lead.id)).limit(batch_size)
            )
            if after is not None:
                statement = statement.where(col(Lead.id) > after)
            leads = (await session.exec(statement)).all()
            if not leads:
                break
            contexts = await load_contexts(session=session, tenant_id=tenant_id, leads=leads, now=now)
            await refresh_leads(session=session, contexts=contexts, config=config, now=now)
        after = leads[-1].id
        done += len(leads)
        if progress is not None:
            progress(done, total)
    return done


async def settle_new_leads(
    *,
    session: AsyncSession,
    tenant_id: str,
    lead_ids: Sequence[uuid.UUID],
    now: datetime,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """After a bulk import: route unowned leads to their team, then score them and plan their follow-ups."""
    config = await load_config(session=session, tenant_id=tenant_id)
    done = 0
    for chunk in batches(lead_ids):
        await route_unassigned(
            session=session, caller=Caller.system(tenant_id, now), lead_ids=chunk, config=config
        )
        leads = (
            await session.exec(select(Lead).where(Lead.tenant_id == tenant_id, col(Lead.id).in_(chunk)))
        ).all()
        contexts = await load_contexts(session=session, tenant_id=tenant_id, leads=leads, now=now)
        await refresh_leads(session=session, contexts=contexts, config=config, now=now)
        await session.flush()
        done += len(chunk)
        if progress is not None:
            progress(done, len(lead_ids))
    return done


# A score is refreshed at least this often, so lists, cards and the MQL bar are true today.
RESCORE_AFTER = timedelta(hours=20)


async def rescore_stale_leads(
    *,
    session: AsyncSession,
    tenant_id: str,
    now: datetime,
    limit: int = 500,
    stale_after: timedelta = RESCORE_AFTER,
) -> tuple[int, int]:
    """Re-score the leads scored longest ago; returns (looked at, changed).

    Decay alone changes only derived numbers, so they are written without moving the lead's version: a
    rep's open card stays valid. When the fresh evidence changes the buyer stage (old intent expired), the
    whole engine runs, as for any other change, and re-plans the follow-up for the cooler stage."""
    leads = (
        await session.exec(
            select(Lead)
            .where(
                Lead.tenant_id == tenant_id,
                or_(col(Lead.scored_at).is_(None), col(Lead.scored_at) < now - stale_after),
            )
            .order_by(col(Lead.scored_at).nulls_first(), col(Lead.id))
            .limit(limit)
        )
    ).all()
    if not leads:
        return 0, 0
    config = await load_config(session=session, tenant_id=tenant_id)
    contexts = await load_contexts(session=session, tenant_id=tenant_id, leads=leads, now=now)
    changed = 0
    rescored: dict[bool, list[dict[str, object]]] = {False: [], True: []}  # by whether the score moved
    written: list[Lead] = []
    for context in contexts.values():
        lead = context.lead
        facts = context.facts()
        score = score_lead(config.scoring, facts, context.signals, now)
        resolution = resolve_stage(
            context.signals,
            now,
            evidence_days=config.thresholds.stage_evidence_days,
            override=StageOverride(lead.stage, lead.stage_override_at) if lead.stage_override_at else None,
        )
        if resolution.stage is not lead.stage:
            await refresh_lead(session=session, context=context, config=config, now=now)
            changed += 1
            continue
        moved = (score.fit, score.engagement, score.total) != (
            lead.fit_score,
            lead.engagement_score,
            lead.total_score,
        )
        values: dict[str, object] = {"lead_id": lead.id, "scored_at": now}
        if moved:
            changed += 1
            values.update(
                fit_score=score.fit,
                engagement_score=score.engagement,
                total_score=score.total,
                score_explanation=[
                    {"rule_id": c.rule_id, "label": c.label, "category": c.category, "points": c.points}
                    for c in score.contributions
                ],
            )
        rescored[moved].append(values)
        written.append(lead)
    # Core UPDATEs: derived numbers, not an edit anybody could conflict with; one executemany per column set.
    table: Table = Lead.__table__  # type: ignore[attr-defined]
    statement = update(table).where(table.c.tenant_id == tenant_id, table.c.id == bindparam("lead_id"))
    for rows in rescored.values():
        if rows:
            await session.exec(statement, params=rows)
    for lead in written:
        session.expire(lead)
    return len(leads), changed
