"""Engagement event ingestion: idempotent by external id, one refresh per affected lead per batch."""

from __future__ import annotations

import asyncio
import json
import logging
import random
import uuid
import weakref
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator
from sqlalchemy import DateTime, String, Table, and_, bindparam, text, update
from sqlalchemy import select as sa_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.orm.util import identity_key
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import SessionMaker, transaction
from app.input_limits import EVENT_AHEAD, EVENT_PAST, ScalarMap, in_utc, now_of, within
from app.models import Company, EngagementEvent, FollowUp, Lead, Member
from app.nurturing.enums import (
    ACTIVE_FOLLOW_UP_STATUSES,
    REPLY_EVENT_KINDS,
    BuyerStage,
    EventKind,
    Lifecycle,
)
from app.nurturing.scoring import Signal
from app.services.batches import among, is_postgres, one_of, pieces
from app.services.errors import InvalidInput
from app.services.lead_context import load_contexts
from app.services.outbox import enqueued_together
from app.services.refresh import RefreshResult, refresh_leads, write_leads
from app.services.tenant_config import TenantConfig, cached_config, load_config

MAX_BATCH = 1000
log = logging.getLogger(__name__)


class EventIn(BaseModel):
    """One engagement event as an integration sends it; the lead is named by id or by e-mail."""

    model_config = ConfigDict(extra="forbid")

    external_id: str = Field(min_length=1, max_length=200)
    kind: str = Field(min_length=1, max_length=60, pattern=r"^[a-z][a-z0-9_.]*$")
    occurred_at: datetime = Field(
        description="With an offset; within the last five years, at most a day ahead"
    )
    lead_id: uuid.UUID | None = None
    email: str | None = Field(default=None, max_length=320)
    properties: ScalarMap = Field(default_factory=dict)

    @field_validator("occurred_at")
    @classmethod
    def _aware_and_recent(cls, value: datetime, info: ValidationInfo) -> datetime:
        # An event from year 9999 would head every timeline for ever; one from year 1 says nothing.
        moment = in_utc(value, "occurred_at")
        now = now_of(info)
        if now is None:
            return moment
        return within(
            moment,
            earliest=now - EVENT_PAST,
            latest=now + EVENT_AHEAD,
            name="occurred_at",
            what="within the last five years and at most a day ahead",
        )

    @model_validator(mode="after")
    def _names_a_lead(self) -> EventIn:
        if self.lead_id is None and not self.email:
            raise ValueError("either lead_id or email is required")
        if self.email:
            self.email = self.email.strip().lower()
        return self


@dataclass(frozen=True, slots=True)
class IngestResult:
    accepted: int
    duplicates: int
    unknown_lead: tuple[str, ...]  # external ids whose lead is not known in this tenant
    leads_refreshed: int


async def _resolve_leads(
    *, session: AsyncSession, tenant_id: str, events: Sequence[EventIn]
) -> tuple[dict[str, uuid.UUID], set[uuid.UUID]]:
    emails = list({event.email for event in events if event.email and event.lead_id is None})
    ids = list({event.lead_id for event in events if event.lead_id is not None})
    by_email: dict[str, uuid.UUID] = {}
    known_ids: set[uuid.UUID] = set()
    # A whole batch at once: MAX_BATCH parameters stay well under both databases' limits.
    for chunk in pieces(session, emails, MAX_BATCH):
        rows = await session.exec(
            select(Lead.email, Lead.id).where(
                Lead.tenant_id == tenant_id, among(session, col(Lead.email), chunk)
            )
        )
        by_email.update(dict(rows.all()))
    for ids_chunk in pieces(session, ids, MAX_BATCH):
        found = await session.exec(
            select(Lead.id).where(Lead.tenant_id == tenant_id, one_of(session, col(Lead.id), ids_chunk))
        )
        known_ids.update(found.all())
    return by_email, known_ids


async def ingest_events(
    *,
    session: AsyncSession,
    tenant_id: str,
    events: Sequence[EventIn],
    now: datetime,
    config: TenantConfig | None = None,
) -> IngestResult:
    """Store new events (a repeated external id is counted, not stored twice) and refresh their leads."""
    outcomes, refreshed = await _ingest(
        session=session, tenant_id=tenant_id, events=events, now=now, config=config
    )
    return _summary(events, outcomes, refreshed)


class Outcome(StrEnum):
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    UNKNOWN_LEAD = "unknown_lead"


def _summary(events: Sequence[EventIn], outcomes: Sequence[Outcome], refreshed: int) -> IngestResult:
    counts = Counter(outcomes)
    unknown = tuple(e.external_id for e, o in zip(events, outcomes, strict=True) if o is Outcome.UNKNOWN_LEAD)
    return IngestResult(counts[Outcome.ACCEPTED], counts[Outcome.DUPLICATE], unknown, refreshed)


async def _ingest(
    *,
    session: AsyncSession,
    tenant_id: str,
    events: Sequence[EventIn],
    now: datetime,
    config: TenantConfig | None,
    defer: bool = False,
) -> tuple[list[Outcome], int]:
    """What became of each event, in order, and how many leads were refreshed.

    Deferred events are stored as pending and their leads left for the refresher (``pending_events``)."""
    if len(events) > MAX_BATCH:
        raise InvalidInput(f"at most {MAX_BATCH} events per batch, got {len(events)}")
    if not events:
        return [], 0
    by_email, known_ids = await _resolve_leads(session=session, tenant_id=tenant_id, events=events)
    rows: list[dict[str, Any]] = []
    outcomes: list[Outcome] = []
    first: dict[str, int] = {}  # external id -> the position of the event that may store it
    for position, event in enumerate(events):
        lead_id = event.lead_id if event.lead_id in known_ids else by_email.get(event.email or "")
        if lead_id is None:
            outcomes.append(Outcome.UNKNOWN_LEAD)
            continue
        outcomes.append(Outcome.DUPLICATE)
        if event.external_id in first:
            continue
        first[event.external_id] = position
        rows.append(
            {
                "lead_id": lead_id,
                "external_id": event.external_id,
                "kind": event.kind,
                "occurred_at": event.occurred_at,
                "properties": event.properties,
            }
        )
    inserted = await _insert_new(session=session, tenant_id=tenant_id, rows=rows, pending=defer, now=now)
    for row in inserted:
        outcomes[first[row["external_id"]]] = Outcome.ACCEPTED
    if defer:
        return outcomes, 0
    stored = [
        (row["lead_id"], signal_of(row["kind"], row["occurred_at"], row["properties"]), row["id"])
        for row in inserted
    ]
    refreshed = await apply_stored(
        session=session, tenant_id=tenant_id, inserted=stored, now=now, config=config
    )
    return outcomes, refreshed


async def _insert_new(
    *, session: AsyncSession, tenant_id: str, rows: list[dict[str, Any]], pending: bool, now: datetime
) -> list[dict[str, Any]]:
    """Insert the events whose external id is new in one statement; returns those rows, with their ids.

    ``rows`` carry lead_id, external_id, kind, occurred_at and properties."""
    if not rows:
        return []
    # In external-id order: two transactions carrying the same ids wait on each other in one order
    # (the second then finds them taken) instead of each holding one the other needs.
    rows.sort(key=lambda row: row["external_id"])
    if is_postgres(session):
        stored_ids = await _insert_unnested(
            session=session, tenant_id=tenant_id, rows=rows, pending=pending, now=now
        )
    else:
        stored_ids = await _insert_values(
            session=session, tenant_id=tenant_id, rows=rows, pending=pending, now=now
        )
    inserted = []
    for row in rows:
        event_id = stored_ids.get(row["external_id"])
        if event_id is not None:
            row["id"] = event_id
            inserted.append(row)
    return inserted


# One statement with five array parameters, whatever the batch's size: asyncpg encodes arrays in C, where
# SQLAlchemy's insertmanyvalues processes every row's nine parameters in Python. The database makes the
# ids: 1,000 UUIDs made in Python cost 1.7 ms, more than half of what validating the batch costs.
_UNNESTED_INSERT = text(
    """
    INSERT INTO engagement_events
        (id, tenant_id, lead_id, external_id, kind, occurred_at, properties, pending, created_at)
    SELECT gen_random_uuid(), :tenant_id, given.lead_id, given.external_id, given.kind, given.occurred_at,
        CAST(given.properties AS JSONB), :pending, :created_at
    FROM unnest(:lead_ids, :external_ids, :kinds, :occurred, :properties)
        AS given (lead_id, external_id, kind, occurred_at, properties)
    ON CONFLICT (tenant_id, external_id) DO NOTHING
    RETURNING external_id, id
    """
).bindparams(
    bindparam("lead_ids", type_=postgresql.ARRAY(postgresql.UUID(as_uuid=True))),
    bindparam("external_ids", type_=postgresql.ARRAY(String)),
    bindparam("kinds", type_=postgresql.ARRAY(String)),
    bindparam("occurred", type_=postgresql.ARRAY(DateTime(timezone=True))),
    bindparam("properties", type_=postgresql.ARRAY(String)),
    bindparam("created_at", type_=DateTime(timezone=True)),
)


async def _insert_unnested(
    *, session: AsyncSession, tenant_id: str, rows: list[dict[str, Any]], pending: bool, now: datetime
) -> dict[str, uuid.UUID]:
    params = {
        "tenant_id": tenant_id,
        "pending": pending,
        "created_at": now,
        "lead_ids": [row["lead_id"] for row in rows],
        "external_ids": [row["external_id"] for row in rows],
        "kinds": [row["kind"] for row in rows],
        "occurred": [row["occurred_at"] for row in rows],
        "properties": [json.dumps(row["properties"]) for row in rows],
    }
    result = await session.execute(_UNNESTED_INSERT, params)
    return {external_id: event_id for external_id, event_id in result.all()}


async def _insert_values(
    *, session: AsyncSession, tenant_id: str, rows: list[dict[str, Any]], pending: bool, now: datetime
) -> dict[str, uuid.UUID]:
    table: Table = EngagementEvent.__table__  # type: ignore[attr-defined]
    statement = (
        sqlite.insert(table)
        .on_conflict_do_nothing(index_elements=["tenant_id", "external_id"])
        .returning(table.c.external_id, table.c.id)
    )
    params = [
        {**row, "id": uuid.uuid4(), "tenant_id": tenant_id, "pending": pending, "created_at": now}
        for row in rows
    ]
    # A compiled statement reused for every row (insertmanyvalues pages it), not one SQL text per batch.
    result = await session.exec(statement, params=params)
    return {external_id: event_id for external_id, event_id in result.all()}


def signal_of(kind: str, occurred_at: datetime, properties: dict[str, Any]) -> Signal:
    """The scoring signal of a stored event."""
    return Signal(kind=kind, occurred_at=occurred_at, properties={k: str(v) for k, v in properties.items()})


async def _lock_leads(
    *, session: AsyncSession, tenant_id: str, lead_ids: list[uuid.UUID]
) -> tuple[list[Lead], list[object]]:
    """The leads, locked in id order, and their companies, owners and active follow-ups.

    A lead a caller's session held already must not have moved on since. The session keeps loaded rows
    only while something refers to them, so the caller holds on to the second list until it has built
    the leads' contexts."""
    # Concurrent syncs and webhook batches touch the same leads. Locking them here, in one order, makes
    # them take turns instead of failing on the lead's version; NO KEY UPDATE (key_share) because this
    # transaction's own event and message rows already hold KEY SHARE locks on these leads through their
    # foreign keys, which a plain FOR UPDATE would wait on across transactions. SQLite ignores the clause:
    # the event insert before made this transaction its one writer.
    # The lead's company, owner and active follow-up come along in the same read (the refresh needs them;
    # load_contexts takes them from the session), three round trips fewer for every batch.
    leads: list[Lead] = []
    companions: list[object] = []
    active = and_(
        col(FollowUp.lead_id) == col(Lead.id),
        col(FollowUp.tenant_id) == tenant_id,
        col(FollowUp.status).in_(ACTIVE_FOLLOW_UP_STATUSES),
    )
    for chunk in pieces(session, lead_ids, MAX_BATCH):
        statement: Any = (
            sa_select(Lead, col(Lead.version), Company, Member, FollowUp)
            .outerjoin(Company, and_(col(Company.id) == Lead.company_id, col(Company.tenant_id) == tenant_id))
            .outerjoin(Member, and_(col(Member.id) == Lead.owner_id, col(Member.tenant_id) == tenant_id))
            .outerjoin(FollowUp, active)
            .where(col(Lead.tenant_id) == tenant_id, one_of(session, col(Lead.id), chunk))
            .order_by(col(Lead.id))
            .with_for_update(key_share=True, of=Lead)
        )
        rows = await session.exec(statement)
        for lead, version, *joined in rows:
            companions.extend(row for row in joined if row is not None)
            # A lead this session loaded before keeps its unflushed changes, but it must be the row's
            # current version; otherwise another writer got in between, as the version column would say.
            if lead.version != version:
                raise StaleDataError(f"lead changed since this session read it (version {lead.version})")
            leads.append(lead)
    return leads, companions


async def apply_stored(
    *,
    session: AsyncSession,
    tenant_id: str,
    inserted: Sequence[tuple[uuid.UUID, Signal, uuid.UUID]],
    now: datetime,
    config: TenantConfig | None,
) -> int:
    """Apply stored events, given as (lead id, signal, event id), to their leads: each lead re-scored,
    re-staged and re-planned once, whatever the number of its events. Returns the leads refreshed."""
    if not inserted:
        return 0
    config = config or await load_config(session=session, tenant_id=tenant_id)
    lead_ids = sorted({lead_id for lead_id, _, _ in inserted})
    held = {lead_id for lead_id in lead_ids if identity_key(Lead, lead_id) in session.identity_map}
    leads, companions = await _lock_leads(session=session, tenant_id=tenant_id, lead_ids=lead_ids)
    replies: dict[uuid.UUID, datetime] = {}
    delivered: dict[uuid.UUID, list[Signal]] = {}
    newest: dict[uuid.UUID, tuple[datetime, uuid.UUID]] = {}
    by_id = {lead.id: lead for lead in leads}
    for lead_id, signal, event_id in inserted:
        lead = by_id[lead_id]
        delivered.setdefault(lead_id, []).append(signal)
        if lead_id not in newest or signal.occurred_at >= newest[lead_id][0]:
            newest[lead_id] = (signal.occurred_at, event_id)
        if signal.kind in REPLY_EVENT_KINDS:
            replies[lead_id] = max(signal.occurred_at, replies.get(lead_id, signal.occurred_at))
        elif signal.kind == EventKind.MEETING_BOOKED:
            lead.unanswered_touches = 0  # a booked meeting is an answer, whoever logged it
        elif signal.kind == EventKind.UNSUBSCRIBED:
            lead.unsubscribed = True
        elif signal.kind == EventKind.BOUNCED:
            lead.bounced = True
    before = {lead.id: (lead.stage, lead.lifecycle) for lead in leads}
    contexts = await load_contexts(session=session, tenant_id=tenant_id, leads=leads, now=now)
    del companions  # in the contexts now, where they are needed
    # The whole batch is worked out in memory and then written as sets: the leads in one executemany,
    # follow-ups, state changes and hand-offs in one flush, the notices in one insert.
    async with enqueued_together(session):
        with session.no_autoflush:
            results = await refresh_leads(
                session=session,
                contexts=contexts,
                config=config,
                now=now,
                replies=replies,
                delivered=delivered,
            )
            await write_leads(session=session, leads=leads, held=held)
        await session.flush()
    effects = [
        {"id": newest[result.lead_id][1], "effect": document}
        for result in results
        if (document := _effect(result, before[result.lead_id], by_id[result.lead_id])) is not None
    ]
    if effects:
        # One executemany by primary key, not a statement per lead.
        await session.exec(update(EngagementEvent), params=effects)
    return len(leads)


def _effect(result: RefreshResult, before: tuple[BuyerStage, Lifecycle], lead: Lead) -> dict[str, Any] | None:
    """What arriving changed on the lead, or None when nothing a person would notice did.

    Several events of one lead ingested together share one refresh; the effect goes on the newest."""
    stage, lifecycle = before
    document: dict[str, Any] = {
        "score_before": result.score_before,
        "score_after": result.score_after,
        "stage": {"from": stage.value, "to": lead.stage.value} if lead.stage != stage else None,
        "lifecycle": (
            {"from": lifecycle.value, "to": lead.lifecycle.value} if lead.lifecycle != lifecycle else None
        ),
        "hand_off_proposed": result.hand_off_proposed,
    }
    moved = result.score_before != result.score_after or document["stage"] or document["lifecycle"]
    return document if moved or result.hand_off_proposed else None


# Why a transaction of ours may lose against a concurrent one touching the same rows: a deadlock or a
# serialization failure on PostgreSQL, SQLite's writer lock, a lead this session read before another
# writer changed it, or a row that appeared meanwhile (a lead erased, a unique row taken). Each is the
# whole transaction's to repeat; an integration never hears of it.
_RETRY_SQLSTATES = frozenset({"40P01", "40001", "23505", "23503", "55P03"})
ATTEMPTS = 5


def _retryable(error: Exception) -> bool:
    if isinstance(error, StaleDataError):
        return True
    if isinstance(error, DBAPIError):
        if getattr(error.orig, "sqlstate", None) in _RETRY_SQLSTATES:
            return True
        return isinstance(error, OperationalError) and "database is locked" in str(error.orig)
    return False


Result = TypeVar("Result")


async def retried(
    sessions: SessionMaker, work: Callable[[AsyncSession], Awaitable[Result]], *, what: str = "event batch"
) -> Result:
    """``work`` in its own transaction, repeated from the start when a concurrent one on the same rows won."""
    for attempt in range(ATTEMPTS):
        try:
            async with transaction(sessions) as session:
                return await work(session)
        except (DBAPIError, StaleDataError) as error:
            if attempt == ATTEMPTS - 1 or not _retryable(error):
                raise
            # The kind only: the statement and its parameters (leads' addresses) stay out of the log.
            log.info("%s retried after %s", what, type(error).__name__, extra={"attempt": attempt + 1})
            await asyncio.sleep(random.uniform(0.0, 0.005 * 2**attempt))
    raise AssertionError("unreachable")


async def _in_transaction(
    *, sessions: SessionMaker, tenant_id: str, events: Sequence[EventIn], now: datetime, defer: bool = False
) -> tuple[list[Outcome], int]:
    async def work(session: AsyncSession) -> tuple[list[Outcome], int]:
        # The settings rarely change; reading them in every transaction cost a stream of small posts
        # several statements each (see tenant_config for how long a change may take).
        config = None if defer else await cached_config(session=session, tenant_id=tenant_id)
        return await _ingest(
            session=session, tenant_id=tenant_id, events=events, now=now, config=config, defer=defer
        )

    return await retried(sessions, work)


async def ingest_batch(
    *, sessions: SessionMaker, tenant_id: str, events: Sequence[EventIn], now: datetime
) -> IngestResult:
    """``ingest_events`` in its own transaction, repeated when a concurrent one on the same leads won.

    Retried a few times with a short random pause; what it reports is from the attempt that committed,
    so an event stored by a concurrent post in the meantime is counted as a duplicate, never twice."""
    outcomes, refreshed = await _in_transaction(
        sessions=sessions, tenant_id=tenant_id, events=events, now=now
    )
    return _summary(events, outcomes, refreshed)


@dataclass(slots=True)
class _Post:
    tenant_id: str
    events: Sequence[EventIn]
    now: datetime
    defer: bool
    answer: asyncio.Future[IngestResult] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


# Transactions one process runs at once for posted events that are applied before the answer. One: a
# second would mostly wait on the first's lead locks (integrations touch the same hot leads) and share the
# same two CPUs; measured, one worker moved more events a second than two, batched and single.
POST_WORKERS = 1
# Posts answered 202 only store their events and lock no lead, so on PostgreSQL two transactions overlap
# one's round trips with the other's work: batches of 1,000 from two senders went from about 17,500 to
# 22,000 events a second. SQLite takes one writer at a time, so a second would only wait for the lock.
DEFERRED_POST_WORKERS = 2


class _Coalescer:
    """Posts that arrive while a transaction is running go together into the next one (group commit).

    A lone post starts at once, so a quiet integration waits for nothing; under load, 32 clients' single
    events become a few transactions instead of 32. Nothing is kept beyond the posts in flight."""

    def __init__(self, sessions: SessionMaker, workers: int) -> None:
        self.sessions = sessions
        self.most_workers = workers
        self.waiting: deque[_Post] = deque()
        self.workers: set[asyncio.Task[None]] = set()

    async def ingest(
        self, tenant_id: str, events: Sequence[EventIn], now: datetime, defer: bool
    ) -> IngestResult:
        post = _Post(tenant_id, events, now, defer)
        self.waiting.append(post)
        if len(self.workers) < self.most_workers:
            worker = asyncio.create_task(self._work())
            self.workers.add(worker)
            worker.add_done_callback(self.workers.discard)
        # The post's answer is settled by the worker even if this request is given up meanwhile.
        return await asyncio.shield(post.answer)

    def _take(self) -> list[_Post]:
        """The oldest post, and the waiting posts of its tenant that fit in one batch with it."""
        first = self.waiting.popleft()
        group, room, kept = [first], MAX_BATCH - len(first.events), deque[_Post]()
        while self.waiting:
            post = self.waiting.popleft()
            if post.tenant_id == first.tenant_id and len(post.events) <= room:
                group.append(post)
                room -= len(post.events)
            else:
                kept.append(post)
        self.waiting = kept
        return group

    async def _work(self) -> None:
        while self.waiting:
            group = self._take()
            events = [event for post in group for event in post.events]
            try:
                outcomes, refreshed = await _in_transaction(
                    sessions=self.sessions,
                    tenant_id=group[0].tenant_id,
                    events=events,
                    now=max(post.now for post in group),
                    defer=group[0].defer,
                )
            except Exception as error:  # noqa: BLE001 - handed to every post of the group, raised there
                for post in group:
                    if not post.answer.done():
                        post.answer.set_exception(error)
                continue
            start = 0
            for post in group:
                own = outcomes[start : start + len(post.events)]
                start += len(post.events)
                if not post.answer.done():
                    # Leads refreshed are the group's; a post reports its own events.
                    post.answer.set_result(_summary(post.events, own, refreshed))


# Per session maker, one for posts applied before the answer and one for deferred posts (by ``defer``).
_coalescers: weakref.WeakKeyDictionary[SessionMaker, dict[bool, _Coalescer]] = weakref.WeakKeyDictionary()


async def ingest_posted(
    *,
    sessions: SessionMaker,
    tenant_id: str,
    events: Sequence[EventIn],
    now: datetime,
    defer: bool = False,
) -> IngestResult:
    """Events posted by an integration: ``ingest_batch``, taken together with concurrent posts.

    With ``defer`` the events are only stored, as pending, for ``pending_events`` to apply."""
    pair = _coalescers.get(sessions)
    if pair is None:
        on_postgres = sessions.kw["bind"].dialect.name == "postgresql"
        deferred = DEFERRED_POST_WORKERS if on_postgres else POST_WORKERS
        pair = _coalescers[sessions] = {
            False: _Coalescer(sessions, POST_WORKERS),
            True: _Coalescer(sessions, deferred),
        }
    coalescer = pair[defer]
    return await coalescer.ingest(tenant_id, events, now, defer)


async def count_events(*, session: AsyncSession, tenant_id: str) -> int:
    """How many events a tenant has stored."""
    result = await session.exec(
        select(func.count()).select_from(EngagementEvent).where(EngagementEvent.tenant_id == tenant_id)
    )
    return int(result.one())
