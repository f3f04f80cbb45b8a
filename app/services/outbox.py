"""The outbox: notifications written by services and claimed, leased and settled by the dispatcher.

A repeated enqueue with the same dedupe key is a no-op, so a notice is queued once however often
it is raised."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, case, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlmodel import col, delete, func, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import SessionMaker
from app.models import Member, OutboxMessage
from app.nurturing.enums import Role
from app.services.access import Caller, ensure_role


class Notice(StrEnum):
    FOLLOW_UP_DUE = "follow_up.due"
    FOLLOW_UP_DUE_LIST = "follow_up.due_list"  # more than three fell due for one rep at once: one list card
    FOLLOW_UP_CHANGED = "follow_up.changed"  # update the sent card in place
    OWNER_ASSIGNED = "ownership.assigned"
    OWNER_RELEASED = "ownership.released"  # FYI to the previous owner
    HAND_OFF_PROPOSED = "hand_off.proposed"
    HAND_OFF_DECIDED = "hand_off.decided"
    SLA_NUDGE = "sla.nudge"
    SLA_ESCALATE = "sla.escalate"
    LEAD_UNROUTED = "routing.unrouted"  # no routing rule matched, or nobody had room: tell the team lead
    DIGEST = "digest.morning"
    PIPELINE_POST = "pipeline.post"


async def enqueue(
    *,
    session: AsyncSession,
    tenant_id: str,
    kind: Notice,
    dedupe_key: str,
    payload: dict[str, Any],
    now: datetime,
    member_id: uuid.UUID | None = None,
    team_id: uuid.UUID | None = None,
) -> None:
    """Queue one notification; the payload holds ids, so the card is built from fresh data when sent."""
    values = {
        "id": uuid.uuid4(),
        "tenant_id": tenant_id,
        "dedupe_key": dedupe_key,
        "kind": kind.value,
        "payload": payload,
        "member_id": member_id,
        "team_id": team_id,
        "status": "pending",
        "attempts": 0,
        "not_before": now,
        "created_at": now,
    }
    buffer: list[dict[str, Any]] | None = session.info.get(_BUFFER)
    if buffer is not None:
        buffer.append(values)
        return
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(OutboxMessage)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["tenant_id", "dedupe_key"])
    )
    await session.exec(statement)


_BUFFER = "nurture.outbox_buffer"


@contextlib.asynccontextmanager
async def enqueued_together(session: AsyncSession) -> AsyncIterator[None]:
    """Notices enqueued inside the block are written in one statement when it ends (bulk paths); inside
    another such block, they are the outer block's to write."""
    if _BUFFER in session.info:
        yield
        return
    rows: list[dict[str, Any]] = []
    session.info[_BUFFER] = rows
    try:
        yield
    finally:
        session.info.pop(_BUFFER, None)
    if not rows:
        return
    unique = {(row["tenant_id"], row["dedupe_key"]): row for row in reversed(rows)}
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(OutboxMessage).on_conflict_do_nothing(index_elements=["tenant_id", "dedupe_key"])
    # Sorted by key, so two transactions that raise the same notices wait on each other in one order.
    await session.exec(statement, params=[unique[key] for key in sorted(unique)])


async def withdraw(*, session: AsyncSession, tenant_id: str, dedupe_key: str) -> None:
    """Drop a notice that has become pointless, e.g. the card it would update was just updated in place."""
    await session.exec(
        delete(OutboxMessage).where(
            col(OutboxMessage.tenant_id) == tenant_id,
            col(OutboxMessage.dedupe_key) == dedupe_key,
            col(OutboxMessage.status) == "pending",
        )
    )


class Delivery(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"  # gave up after repeated transient errors
    BLOCKED = "blocked"  # the user blocked or removed the bot: final, never retried
    UNDELIVERABLE = "undeliverable"  # nobody to send to, e.g. the member has not installed the app
    SKIPPED = "skipped"  # no longer worth sending, e.g. the follow-up was done before its card went out


async def pending_tenants(*, session: AsyncSession, now: datetime) -> Sequence[str]:
    """Tenants with notifications ready to go or with a lapsed lease; the dispatcher visits only these."""
    # Rows mid-send count too: if their worker died, the tenant's next sender takes them over.
    statement = (
        select(OutboxMessage.tenant_id)
        .where(or_(_claimable(now), col(OutboxMessage.status) == Delivery.SENDING.value))
        .distinct()
        .order_by(col(OutboxMessage.tenant_id))
    )
    return (await session.exec(statement)).all()


def _claimable(now: datetime) -> ColumnElement[bool]:
    ready = and_(col(OutboxMessage.status) == Delivery.PENDING.value, col(OutboxMessage.not_before) <= now)
    # A worker that died mid-send leaves its rows leased; once the lease lapses another worker takes them.
    lapsed = and_(col(OutboxMessage.status) == Delivery.SENDING.value, col(OutboxMessage.lease_until) < now)
    return or_(ready, lapsed)


async def claim(
    *, session: AsyncSession, tenant_id: str, worker: str, now: datetime, lease: timedelta, limit: int
) -> Sequence[OutboxMessage]:
    """Lease up to ``limit`` sendable rows of one tenant to ``worker``, oldest first.

    On PostgreSQL, SKIP LOCKED lets two workers claim at once without taking the same row."""
    statement = (
        select(OutboxMessage.id)
        .where(col(OutboxMessage.tenant_id) == tenant_id, _claimable(now))
        .order_by(col(OutboxMessage.not_before), col(OutboxMessage.created_at))
        .limit(limit)
    )
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        statement = statement.with_for_update(skip_locked=True)
    order = {row_id: place for place, row_id in enumerate((await session.exec(statement)).all())}
    if not order:
        return []
    # Leased by one guarded UPDATE: on SQLite nothing locks the rows between the read and the write, so
    # a row erased or settled in between is simply not claimed (an ORM flush would fail on it).
    leased = await session.exec(
        update(OutboxMessage)
        .where(col(OutboxMessage.id).in_(list(order)), _claimable(now))
        .values(
            status=Delivery.SENDING.value,
            claimed_by=worker,
            lease_until=now + lease,
            attempts=col(OutboxMessage.attempts) + 1,
        )
        .returning(col(OutboxMessage.id))
    )
    ids = [row[0] for row in leased.all()]
    if not ids:
        return []
    rows = (
        await session.exec(
            select(OutboxMessage)
            .where(col(OutboxMessage.id).in_(ids))
            .execution_options(populate_existing=True)
        )
    ).all()
    return sorted(rows, key=lambda row: order[row.id])


async def reclaim_orphans(*, session: AsyncSession, tenant_id: str, worker: str) -> int:
    """Put back rows another worker left mid-send. Only the sender of a tenant calls this, under the
    tenant's lock, so any other worker's leased row belongs to a worker that died: no need to wait out
    its lease."""
    rows = (
        await session.exec(
            select(OutboxMessage).where(
                col(OutboxMessage.tenant_id) == tenant_id,
                col(OutboxMessage.status) == Delivery.SENDING.value,
                col(OutboxMessage.claimed_by) != worker,
            )
        )
    ).all()
    for row in rows:
        row.status = Delivery.PENDING.value
        row.lease_until = None
        session.add(row)
    return len(rows)


async def _owned(
    session: AsyncSession, tenant_id: str, message_id: uuid.UUID, worker: str
) -> OutboxMessage | None:
    # A worker whose lease lapsed and was taken over must not overwrite the new owner's result.
    row = await session.get(OutboxMessage, message_id)
    if row is None or row.tenant_id != tenant_id or row.claimed_by != worker:
        return None
    return row


async def mark_sent_many(
    *,
    session: AsyncSession,
    tenant_id: str,
    worker: str,
    sent: Sequence[tuple[uuid.UUID, str | None]],
    now: datetime,
) -> set[uuid.UUID]:
    """Record a group of deliveries in one statement; returns the ids that were still this worker's."""
    if not sent:
        return set()
    # The dispatcher settles its sends in groups, not per card; the claimed_by guard stays in the WHERE,
    # and RETURNING says which rows were ours, so a lapsed worker's after-send writes are skipped too.
    activity_ids = {message_id: activity_id for message_id, activity_id in sent}
    statement = (
        update(OutboxMessage)
        .where(
            col(OutboxMessage.id).in_(list(activity_ids)),
            col(OutboxMessage.tenant_id) == tenant_id,
            col(OutboxMessage.claimed_by) == worker,
        )
        .values(
            status=Delivery.SENT.value,
            activity_id=case(activity_ids, value=col(OutboxMessage.id)),
            sent_at=now,
            lease_until=None,
            last_error=None,
        )
        .returning(col(OutboxMessage.id))
    )
    result = await session.exec(statement)
    return set(result.scalars().all())


async def retry_later(
    *,
    session: AsyncSession,
    tenant_id: str,
    message_id: uuid.UUID,
    worker: str,
    not_before: datetime,
    error: str,
    max_attempts: int,
) -> Delivery:
    """Put a row back for another try, or give it up once it has used its attempts."""
    row = await _owned(session, tenant_id, message_id, worker)
    if row is None:
        return Delivery.SENDING
    status = Delivery.FAILED if row.attempts >= max_attempts else Delivery.PENDING
    values: dict[str, object] = {"status": status.value, "last_error": error[:500], "lease_until": None}
    if status is Delivery.PENDING:
        values["not_before"] = not_before
    # A statement, not a flush of the loaded row: the row may be erased meanwhile (a lead's erasure
    # deletes the notices that name it), and then there is simply nothing left to retry.
    if not await _update_owned(session, tenant_id, message_id, worker, values):
        return Delivery.SENDING
    return status


async def _update_owned(
    session: AsyncSession, tenant_id: str, message_id: uuid.UUID, worker: str, values: dict[str, object]
) -> bool:
    result = await session.exec(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.id) == message_id,
            col(OutboxMessage.tenant_id) == tenant_id,
            col(OutboxMessage.claimed_by) == worker,
        )
        .values(**values)
    )
    return bool(result.rowcount)


async def release(
    *, session: AsyncSession, tenant_id: str, message_ids: Sequence[uuid.UUID], worker: str
) -> None:
    """Hand claimed but unsent rows back at once (a graceful shutdown), instead of waiting for the lease."""
    for message_id in message_ids:
        row = await _owned(session, tenant_id, message_id, worker)
        if row is not None and row.status == Delivery.SENDING.value:
            row.status = Delivery.PENDING.value
            row.lease_until = None
            row.claimed_by = None
            row.attempts = max(0, row.attempts - 1)  # it was never tried
            session.add(row)


async def give_up(
    *,
    session: AsyncSession,
    tenant_id: str,
    message_id: uuid.UUID,
    worker: str,
    status: Delivery,
    error: str,
) -> None:
    """A final outcome: blocked by the user, or nobody to deliver to. The reason stays on the row."""
    # One guarded statement: a row erased or taken over meanwhile is left alone, not an error.
    await _update_owned(
        session,
        tenant_id,
        message_id,
        worker,
        {"status": status.value, "last_error": error[:500], "lease_until": None},
    )


async def outbox_depth(*, session: AsyncSession) -> int:
    """Notifications waiting or being sent, across tenants: an operational figure, no tenant data."""
    statement = select(func.count()).where(
        col(OutboxMessage.status).in_([Delivery.PENDING.value, Delivery.SENDING.value])
    )
    return int((await session.exec(statement)).one())


async def delivery_problems(
    *, session: AsyncSession, caller: Caller, limit: int = 200
) -> Sequence[OutboxMessage]:
    """Notifications that could not reach their member, newest first; team leads see their team's."""
    ensure_role(caller, Role.LEAD, Role.MANAGER, Role.ADMIN)
    tenant_id = caller.tenant_id
    statement = select(OutboxMessage).where(
        col(OutboxMessage.tenant_id) == tenant_id,
        col(OutboxMessage.status).in_(
            [Delivery.BLOCKED.value, Delivery.UNDELIVERABLE.value, Delivery.FAILED.value]
        ),
    )
    if caller.role is Role.LEAD:
        # A team lead sees who in their team the bot cannot reach, and why.
        team = select(Member.id).where(Member.tenant_id == tenant_id, Member.team_id == caller.team_id)
        statement = statement.where(col(OutboxMessage.member_id).in_(team))
    statement = statement.order_by(col(OutboxMessage.created_at).desc()).limit(limit)
    return (await session.exec(statement)).all()


@contextlib.asynccontextmanager
async def tenant_send_lock(sessions: SessionMaker, tenant_id: str) -> AsyncIterator[bool]:
    """Whether this instance may send for the tenant now: on PostgreSQL a session advisory lock, which
    dies with its connection, so one instance at a time sends; elsewhere always."""
    engine: AsyncEngine | None = sessions.kw.get("bind")
    if engine is None or engine.dialect.name != "postgresql":
        yield True
        return
    async with engine.connect() as connection:
        got = await _try_lock(connection, tenant_id)
        try:
            yield got
        finally:
            if got:
                await connection.execute(
                    select(
                        func.pg_advisory_unlock(func.hashtext("nurture.dispatch"), func.hashtext(tenant_id))
                    )
                )
            await connection.commit()


async def _try_lock(connection: AsyncConnection, tenant_id: str) -> bool:
    result = await connection.execute(
        select(func.pg_try_advisory_lock(func.hashtext("nurture.dispatch"), func.hashtext(tenant_id)))
    )
    return bool(result.scalar())
