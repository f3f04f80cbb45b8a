"""Events stored as pending (an integration asked for 202 Accepted), applied to their leads soon after.

The queue is the events table itself: a pending event is committed before the integration hears 202, so a
restart loses nothing; whichever instance's refresher claims it first applies it. Each claim is one
transaction: the leads of a tenant's oldest pending events (at most ``chunk``) with all their pending
events, each lead refreshed once, the events marked applied. On PostgreSQL a claim skips rows another
instance holds (``SKIP LOCKED``); on SQLite, which has one writer, claims take turns."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select as sa_select
from sqlalchemy import update
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import SessionMaker, transaction
from app.models import EngagementEvent
from app.nurturing.scoring import Signal
from app.services.batches import one_of
from app.services.events import MAX_BATCH, apply_stored, retried, signal_of
from app.services.tenant_config import cached_config

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]

# Oldest events one claim starts from; it takes all pending events of their leads (up to MAX_BATCH), so
# at most this many leads. The cost of applying is per lead, whatever its number of events, and the
# refresh runs on the server's event loop: 100 leads keep each stretch of refreshing short enough not to
# hold up the requests in between.
CHUNK = 100
# A woken refresher waits until posts have paused this long, so a burst is stored first (its posts are
# not held up behind refreshing on the one event loop) and applied in few claims instead of one per post;
# but it never waits longer than MAX_LAG_SECONDS after the first wake, so a steady stream is applied too.
QUIET_SECONDS = 0.2
MAX_LAG_SECONDS = 1.0


async def tenants_with_pending(session: AsyncSession) -> list[str]:
    """The tenants that have events waiting (the partial index holds only those)."""
    rows = await session.exec(
        select(EngagementEvent.tenant_id).where(col(EngagementEvent.pending)).distinct()
    )
    return sorted(rows.all())


async def pending_depth(*, session: AsyncSession, tenant_id: str | None = None) -> int:
    """Events stored with 202 and not yet applied: one tenant's, or across tenants as an operational
    figure that carries no tenant data."""
    statement = select(func.count()).select_from(EngagementEvent).where(col(EngagementEvent.pending))
    if tenant_id is not None:
        statement = statement.where(EngagementEvent.tenant_id == tenant_id)
    return int((await session.exec(statement)).one())


async def _claim(
    session: AsyncSession, tenant_id: str, limit: int, only: Sequence[uuid.UUID] | None
) -> list[tuple[uuid.UUID, Signal, uuid.UUID]]:
    """All pending events of the leads of the ``limit`` oldest pending events no other claim holds (or the
    events ``only``), locked: at most ``limit`` leads, and at most MAX_BATCH events."""
    pending = (col(EngagementEvent.tenant_id) == tenant_id, col(EngagementEvent.pending))
    statement: Any = (
        sa_select(
            col(EngagementEvent.id),
            col(EngagementEvent.lead_id),
            col(EngagementEvent.kind),
            col(EngagementEvent.occurred_at),
            col(EngagementEvent.properties),
        )
        .where(*pending)
        .order_by(col(EngagementEvent.created_at), col(EngagementEvent.id))
        .limit(MAX_BATCH)
        # Another instance's claim is skipped, not waited for: it is being applied already.
        .with_for_update(skip_locked=True)
    )
    if only is not None:
        return await _rows(session, statement.where(one_of(session, col(EngagementEvent.id), list(only))))
    # The leads are those of the ``limit`` oldest events no other claim holds, so two instances work on
    # different leads at once; all pending events of those leads are then taken with them.
    oldest = await session.exec(
        select(EngagementEvent.lead_id)
        .where(*pending)
        .order_by(col(EngagementEvent.created_at), col(EngagementEvent.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    lead_ids = list(dict.fromkeys(oldest.all()))
    if not lead_ids:
        return []
    return await _rows(session, statement.where(one_of(session, col(EngagementEvent.lead_id), lead_ids)))


async def _rows(session: AsyncSession, statement: Any) -> list[tuple[uuid.UUID, Signal, uuid.UUID]]:
    rows = await session.exec(statement)
    return [
        (lead_id, signal_of(kind, occurred_at, properties), event_id)
        for event_id, lead_id, kind, occurred_at, properties in rows.all()
    ]


async def _mark_applied(session: AsyncSession, tenant_id: str, event_ids: list[uuid.UUID]) -> int:
    """Mark the events applied; returns how many were still pending."""
    result = await session.exec(
        update(EngagementEvent)
        .where(
            col(EngagementEvent.tenant_id) == tenant_id,
            one_of(session, col(EngagementEvent.id), event_ids),
            col(EngagementEvent.pending),
        )
        .values(pending=False)
    )
    return int(result.rowcount)


@dataclass(frozen=True, slots=True)
class Claimed:
    events: int
    leads: int


async def apply_pending(
    *,
    session: AsyncSession,
    tenant_id: str,
    clock: Clock,
    limit: int = CHUNK,
    only: Sequence[uuid.UUID] | None = None,
) -> Claimed:
    """Claim the pending events of up to ``limit`` leads, longest waiting first (see ``_claim``), and apply
    them in the caller's transaction: each lead refreshed once."""
    claimed = await _claim(session, tenant_id, limit, only)
    if not claimed:
        return Claimed(0, 0)
    ids = [event_id for _, _, event_id in claimed]
    # Marked first: on SQLite, which has no SKIP LOCKED, this write makes the transaction the one writer,
    # and a claim another refresher committed meanwhile shows as fewer rows; the whole claim is then
    # repeated (``retried``) rather than any event applied twice.
    if await _mark_applied(session, tenant_id, ids) != len(ids):
        raise StaleDataError("pending events were applied by another refresher meanwhile")
    config = await cached_config(session=session, tenant_id=tenant_id)
    # The moment of applying, not of posting: the lead's follow-up is planned from now.
    leads = await apply_stored(
        session=session, tenant_id=tenant_id, inserted=claimed, now=clock(), config=config
    )
    return Claimed(len(claimed), leads)


async def _set_aside(sessions: SessionMaker, tenant_id: str, event_id: uuid.UUID) -> None:
    async with transaction(sessions) as session:
        await _mark_applied(session, tenant_id, [event_id])


async def apply_tenant_chunk(
    *, sessions: SessionMaker, tenant_id: str, clock: Clock, limit: int = CHUNK
) -> int:
    """One claim in its own transaction, repeated when a concurrent one won; returns the events it took
    off the queue (applied, or set aside as below).

    A claim that fails for another reason than the database being away is applied again event by event,
    so one event that cannot be applied is set aside (kept, marked applied, logged by id) instead of
    holding up the tenant's queue."""
    try:
        claimed = await retried(
            sessions,
            lambda session: apply_pending(session=session, tenant_id=tenant_id, clock=clock, limit=limit),
            what="pending events",
        )
        return claimed.events
    except (OperationalError, InterfaceError):
        raise  # the database is away: the next round tries again, nothing is set aside
    except Exception as error:  # noqa: BLE001 - the queue must keep moving; each event is tried alone below
        log.warning("a claim of pending events failed (%s); applying them one by one", type(error).__name__)
    async with sessions() as session:
        waiting = await session.exec(
            select(EngagementEvent.id)
            .where(EngagementEvent.tenant_id == tenant_id, col(EngagementEvent.pending))
            .order_by(col(EngagementEvent.created_at), col(EngagementEvent.id))
            .limit(limit)
        )
        event_ids = list(waiting.all())
    applied = 0
    for event_id in event_ids:
        try:
            claimed = await retried(
                sessions,
                lambda session, event_id=event_id: apply_pending(  # type: ignore[misc]
                    session=session, tenant_id=tenant_id, clock=clock, limit=1, only=[event_id]
                ),
                what="pending event",
            )
            applied += claimed.events
        except (OperationalError, InterfaceError):
            raise
        except Exception as error:  # noqa: BLE001 - logged by id and kind, never with its data
            log.error("pending event %s could not be applied (%s); set aside", event_id, type(error).__name__)
            await _set_aside(sessions, tenant_id, event_id)
            applied += 1
    return applied


class EventRefresher:
    """Applies pending events as they come: woken by each 202 post, and polling for those another
    instance stored or a restart left behind."""

    def __init__(
        self,
        sessions: SessionMaker,
        clock: Clock,
        *,
        poll_seconds: float = 5.0,
        chunk: int = CHUNK,
        quiet_seconds: float = QUIET_SECONDS,
        max_lag_seconds: float = MAX_LAG_SECONDS,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.poll_seconds = poll_seconds
        self.chunk = chunk
        self.quiet_seconds = quiet_seconds
        self.max_lag_seconds = max_lag_seconds
        self._woken = asyncio.Event()
        self._last_wake = 0.0

    def wake(self) -> None:
        """New pending events were committed; apply them soon rather than at the next poll."""
        self._last_wake = asyncio.get_running_loop().time()
        self._woken.set()

    async def _until_quiet(self) -> None:
        loop = asyncio.get_running_loop()
        latest = loop.time() + self.max_lag_seconds
        while True:
            now = loop.time()
            # Each wake moves the quiet moment on; the first wake's deadline stays.
            pause = min(self.quiet_seconds - (now - self._last_wake), latest - now)
            if pause <= 0:
                return
            await asyncio.sleep(pause)

    async def drain(self) -> int:
        """Apply pending events, a claim per tenant in turn, until none is left to claim; returns how many."""
        total = 0
        while True:
            async with self.sessions() as session:
                tenants = await tenants_with_pending(session)
            applied = 0
            for tenant_id in tenants:
                applied += await apply_tenant_chunk(
                    sessions=self.sessions, tenant_id=tenant_id, clock=self.clock, limit=self.chunk
                )
                # Requests waiting on the loop go first between claims.
                await asyncio.sleep(0)
            total += applied
            if applied == 0:  # none left, or all claimed by other instances
                return total

    async def run_forever(self) -> None:
        """Drain, then wait for a wake or the poll interval; a failing round is logged and tried again."""
        while True:
            self._woken.clear()
            try:
                await self.drain()
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001 - e.g. the database away for a moment
                log.warning("applying pending events failed (%s); retrying", type(error).__name__)
            try:
                await asyncio.wait_for(self._woken.wait(), self.poll_seconds)
                await self._until_quiet()
            except TimeoutError:
                pass
