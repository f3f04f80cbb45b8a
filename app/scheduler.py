"""Background work: announce due follow-ups, speed-to-lead breaches, morning digests and scheduled
pipeline cards by writing outbox rows; the bot's dispatcher sends them."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import SessionMaker, transaction
from app.keys import Clock
from app.models import FollowUp, Member, Team
from app.nurturing.enums import Role
from app.services.follow_ups import due_follow_ups
from app.services.outbox import Notice, enqueue
from app.services.rescoring import rescore_stale_leads
from app.services.sla_watch import check_speed_to_lead
from app.services.tenants import tenant_ids

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TickReport:
    tenants: int
    follow_ups_announced: int
    sla_notices: int
    digests: int = 0
    pipeline_posts: int = 0
    rescored: int = 0


async def _tenant_lock(session: AsyncSession, tenant_id: str) -> bool:
    """On PostgreSQL only one instance works a tenant per tick; SQLite has one writer anyway."""
    if session.bind is None or session.bind.dialect.name != "postgresql":
        return True
    statement = select(
        func.pg_try_advisory_xact_lock(func.hashtext("nurture.scheduler"), func.hashtext(tenant_id))
    )
    return bool((await session.exec(statement)).one())


GROUP_ABOVE = 3  # more due follow-ups than this for one rep in one tick come as one list card


async def announce_due_follow_ups(
    *, sessions: SessionMaker, tenant_id: str, now: datetime, batch: int = 200
) -> int:
    """Queue what fell due and mark it announced, in batches: a rep with up to three due follow-ups gets
    a card for each, a rep with more gets one list card, so a busy morning is not a flood of cards."""
    announced = 0
    while True:
        async with transaction(sessions) as session:
            if not await _tenant_lock(session, tenant_id):
                return announced
            due = await due_follow_ups(session=session, tenant_id=tenant_id, now=now, limit=batch)
            by_owner: dict[uuid.UUID | None, list[FollowUp]] = defaultdict(list)
            for follow_up in due:
                by_owner[follow_up.owner_id].append(follow_up)
            for owner_id, owned in by_owner.items():
                if owner_id is not None and len(owned) > GROUP_ABOVE:
                    await _enqueue_list(session, tenant_id, owner_id, owned, now)
                else:
                    for follow_up in owned:
                        await _enqueue_single(session, tenant_id, follow_up, now)
            for follow_up in due:
                follow_up.notified_at = now
                session.add(follow_up)
        announced += len(due)
        if len(due) < batch:
            return announced


async def _enqueue_single(session: AsyncSession, tenant_id: str, follow_up: FollowUp, now: datetime) -> None:
    await enqueue(
        session=session,
        tenant_id=tenant_id,
        kind=Notice.FOLLOW_UP_DUE,
        dedupe_key=f"follow_up:{follow_up.id}:due:{follow_up.due_at.isoformat()}",
        payload={"follow_up_id": str(follow_up.id), "lead_id": str(follow_up.lead_id)},
        member_id=follow_up.owner_id,
        now=now,
    )


async def _enqueue_list(
    session: AsyncSession, tenant_id: str, owner_id: uuid.UUID, owned: list[FollowUp], now: datetime
) -> None:
    # The key names exactly these follow-ups at these due times: a retried tick queues the card once.
    fingerprint = hashlib.sha256(
        "\n".join(sorted(f"{f.id}:{f.due_at.isoformat()}" for f in owned)).encode()
    ).hexdigest()[:32]
    await enqueue(
        session=session,
        tenant_id=tenant_id,
        kind=Notice.FOLLOW_UP_DUE_LIST,
        dedupe_key=f"follow_ups:{owner_id}:due:{fingerprint}",
        payload={"follow_up_ids": [str(f.id) for f in owned]},
        member_id=owner_id,
        now=now,
    )


async def run_tick(*, sessions: SessionMaker, now: datetime) -> TickReport:
    """One pass over every tenant."""
    async with sessions() as session:
        tenants = list(await tenant_ids(session=session))
    announced = sla = digests = posts = rescored = 0
    for tenant_id in tenants:
        async with transaction(sessions) as session:
            if await _tenant_lock(session, tenant_id):
                rescored += (await rescore_stale_leads(session=session, tenant_id=tenant_id, now=now))[1]
        announced += await announce_due_follow_ups(sessions=sessions, tenant_id=tenant_id, now=now)
        digests += await announce_digests(sessions=sessions, tenant_id=tenant_id, now=now)
        posts += await announce_pipeline_posts(sessions=sessions, tenant_id=tenant_id, now=now)
        async with transaction(sessions) as session:
            if await _tenant_lock(session, tenant_id):
                counts = await check_speed_to_lead(session=session, tenant_id=tenant_id, now=now)
                sla += sum(counts.values())
    return TickReport(len(tenants), announced, sla, digests, posts, rescored)


async def run_forever(*, sessions: SessionMaker, clock: Clock, interval: float) -> None:
    """Tick until cancelled; one failing tick is logged and the loop goes on."""
    while True:
        try:
            report = await run_tick(sessions=sessions, now=clock())
            if report.follow_ups_announced or report.sla_notices:
                log.info(
                    "scheduler tick",
                    extra={"announced": report.follow_ups_announced, "sla_notices": report.sla_notices},
                )
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("scheduler tick failed")
        await asyncio.sleep(interval)


DIGEST_HOUR = 8  # the rep's local time; before most working days start


async def announce_digests(*, sessions: SessionMaker, tenant_id: str, now: datetime) -> int:
    """Queue each active rep's morning digest once per local working day, from 08:00 their time."""
    queued = 0
    async with transaction(sessions) as session:
        if not await _tenant_lock(session, tenant_id):
            return 0
        reps = (
            await session.exec(
                select(Member).where(
                    Member.tenant_id == tenant_id, col(Member.active).is_(True), Member.role == Role.REP
                )
            )
        ).all()
        for rep in reps:
            local = now.astimezone(ZoneInfo(rep.time_zone))
            if local.weekday() not in rep.workdays or local.hour < DIGEST_HOUR:
                continue
            await enqueue(
                session=session,
                tenant_id=tenant_id,
                kind=Notice.DIGEST,
                dedupe_key=f"digest:{rep.id}:{local.date().isoformat()}",
                payload={"day": local.date().isoformat()},
                member_id=rep.id,
                now=now,
            )
            queued += 1
    return queued


def last_occurrence(rule: str, time_zone: str, now: datetime) -> datetime | None:
    """The newest occurrence of a team's RRULE at or before ``now``, evaluated in the team's zone."""
    zone = ZoneInfo(time_zone)
    # Any start far enough back works for weekly and monthly rules; only the latest occurrence matters.
    start = (now - timedelta(days=400)).astimezone(zone).replace(second=0, microsecond=0)
    try:
        schedule = rrulestr(rule, dtstart=start)
    except (ValueError, TypeError):
        log.warning("unreadable pipeline schedule %r", rule)
        return None
    moment = schedule.before(now.astimezone(zone), inc=True)
    return moment.astimezone(UTC) if moment is not None else None


async def announce_pipeline_posts(*, sessions: SessionMaker, tenant_id: str, now: datetime) -> int:
    """Queue each team's pipeline card once per scheduled occurrence; the key makes a second tick a no-op."""
    queued = 0
    async with transaction(sessions) as session:
        if not await _tenant_lock(session, tenant_id):
            return 0
        teams = (await session.exec(select(Team).where(Team.tenant_id == tenant_id))).all()
        for team in teams:
            if not team.pipeline_schedule:
                continue
            due = last_occurrence(team.pipeline_schedule, team.time_zone, now)
            # An occurrence more than a day old is skipped: a card about last week helps nobody.
            if due is None or now - due > timedelta(days=1):
                continue
            await enqueue(
                session=session,
                tenant_id=tenant_id,
                kind=Notice.PIPELINE_POST,
                dedupe_key=f"pipeline:{team.id}:{due.isoformat()}",
                payload={"occurrence": due.isoformat()},
                team_id=team.id,
                now=now,
            )
            queued += 1
    return queued
