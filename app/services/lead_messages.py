"""Storing a lead's mail and chat messages: the one path the Graph sync and the demo both take.

A message is stored once per tenant under its key (mail: the internet message id, shared by every mailbox
holding it; chat: the chat and message id). Seeing it again refreshes what may have changed (an edited
chat message, thread fields a row stored before them lacks). A message the lead wrote is a reply: it goes
to the engagement event ingestion as a signal, idempotent by its external id, and the engine moves score,
stage and cadence from there."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

from sqlalchemy import Table, insert
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import ConversationMessage
from app.nurturing.enums import Direction, EventKind, MessageSource
from app.services.errors import InvalidInput
from app.services.events import MAX_BATCH, EventIn, ingest_events

PREVIEW_CHARS = 1000
KEY_CHARS = 300  # ConversationMessage.graph_id
SIGNAL_CHARS = 200  # EngagementEvent.external_id
TITLE_CHARS = 500
NAME_CHARS = 200
PARTICIPANTS_KEPT = 20
_LOOKUP_CHUNK = 500
_MESSAGES: Table = ConversationMessage.__table__  # type: ignore[attr-defined]
_REPLY_KIND = {MessageSource.MAIL: EventKind.EMAIL_REPLY, MessageSource.CHAT: EventKind.CHAT_REPLY}


@dataclass(frozen=True, slots=True)
class MessageIn:
    """One message as Graph (or the demo) gives it, already reduced to what the lead page shows."""

    lead_id: uuid.UUID
    key: str
    source: MessageSource
    thread_key: str
    thread_title: str | None
    participants: Sequence[str]
    sender_address: str | None
    sender_name: str | None
    recipients: Sequence[str]
    from_lead: bool
    preview: str
    sent_at: datetime
    web_link: str | None
    signal_id: str | None = None


@dataclass(frozen=True, slots=True)
class StoreReport:
    stored: int
    updated: int
    replies: int


def bounded(key: str, limit: int) -> str:
    """``key`` if it fits its column, else a prefix plus a hash, so two long keys never collide."""
    if len(key) <= limit:
        return key
    digest = hashlib.sha256(key.encode()).hexdigest()
    return f"{key[: limit - len(digest) - 1]}#{digest}"


def chat_key(chat_id: str, message_id: str) -> str:
    """The stored key of a chat message: its id is unique only within its chat."""
    return bounded(f"chat:{chat_id}:{message_id}", KEY_CHARS)


def chat_signal_id(chat_id: str, message_id: str) -> str:
    """The external id of the reply event a chat message from the lead raises."""
    return bounded(f"graph-chat:{chat_id}:{message_id}", SIGNAL_CHARS)


def mail_signal_id(key: str) -> str:
    """The external id of the reply event a mail from the lead raises."""
    return f"graph-mail:{key}"[:SIGNAL_CHARS]


def _signal_id(item: MessageIn) -> str:
    if item.signal_id:
        return item.signal_id[:SIGNAL_CHARS]
    if item.source is MessageSource.MAIL:
        return mail_signal_id(item.key)
    return bounded(f"graph-{item.key}", SIGNAL_CHARS)


def _names(names: Sequence[str]) -> list[str]:
    kept: list[str] = []
    for name in names:
        name = " ".join(name.split())[:NAME_CHARS]
        if name and name not in kept:
            kept.append(name)
        if len(kept) == PARTICIPANTS_KEPT:
            break
    return kept


def _check(item: MessageIn) -> None:
    if not item.key or len(item.key) > KEY_CHARS:
        raise InvalidInput(f"a message key must have 1 to {KEY_CHARS} characters")
    if not item.thread_key:
        raise InvalidInput("a message needs its thread key")
    if item.sent_at.tzinfo is None:
        raise InvalidInput("sent_at needs a time zone")


def _values(tenant_id: str, item: MessageIn, now: datetime) -> dict[str, Any]:
    """The message's row, every column given: new rows go in as one Core executemany."""
    return {
        "id": uuid.uuid4(),
        "tenant_id": tenant_id,
        "lead_id": item.lead_id,
        "graph_id": item.key,
        "source": item.source.value,
        "subject": item.thread_title[:TITLE_CHARS] if item.thread_title else None,
        "preview": item.preview[:PREVIEW_CHARS],
        "from_address": item.sender_address,
        "to_addresses": list(item.recipients),
        "direction": Direction.INBOUND if item.from_lead else Direction.OUTBOUND,
        "sent_at": item.sent_at.astimezone(UTC),
        "web_link": item.web_link,
        "thread_key": item.thread_key[:KEY_CHARS],
        "thread_title": item.thread_title[:TITLE_CHARS] if item.thread_title else None,
        "participants": _names(item.participants),
        "sender_name": item.sender_name[:NAME_CHARS] if item.sender_name else None,
        "signal_id": _signal_id(item) if item.from_lead else None,
        "created_at": now,
    }


def _refresh(row: ConversationMessage | dict[str, Any], fresh: dict[str, Any]) -> bool:
    """Carry what may change (an edit, fields a row stored before them lacks) onto the stored row, or onto
    a new one the same batch gave before."""
    if isinstance(row, dict):
        get, put = row.get, row.__setitem__
    else:
        get, put = partial(getattr, row), partial(setattr, row)
    changed = False
    for name in ("preview", "thread_key", "thread_title", "participants", "sender_name", "web_link"):
        value = fresh[name]
        if value != get(name) and (value or name == "preview"):
            put(name, value)
            changed = True
    if get("signal_id") is None and fresh["signal_id"] is not None and get("lead_id") == fresh["lead_id"]:
        put("signal_id", fresh["signal_id"])
        changed = True
    return changed


async def store_messages(
    session: AsyncSession,
    *,
    tenant_id: str,
    items: Sequence[MessageIn],
    now: datetime,
    signal_replies: bool = True,
) -> StoreReport:
    """Store new messages (once per key), refresh known ones, and signal the lead's replies.

    The caller owns the transaction. With ``signal_replies`` off, nothing is ingested: the caller has
    recorded the reply events itself and names them in ``signal_id``."""
    for item in items:
        _check(item)
    keys = list({item.key for item in items})
    existing: dict[str, ConversationMessage] = {}
    for start in range(0, len(keys), _LOOKUP_CHUNK):
        rows = await session.exec(
            select(ConversationMessage).where(
                ConversationMessage.tenant_id == tenant_id,
                col(ConversationMessage.graph_id).in_(keys[start : start + _LOOKUP_CHUNK]),
            )
        )
        existing.update((row.graph_id, row) for row in rows)
    stored = updated = 0
    new_rows: dict[str, dict[str, Any]] = {}
    signals: dict[str, EventIn] = {}
    for item in items:
        fresh = _values(tenant_id, item, now)
        row = existing.get(item.key)
        if row is not None:
            if _refresh(row, fresh):
                session.add(row)
                updated += 1
        elif (new := new_rows.get(item.key)) is None:
            new_rows[item.key] = fresh
            stored += 1
        elif _refresh(new, fresh):
            updated += 1
        if item.from_lead and signal_replies:
            # Sent even for a message stored before (a group chat with two leads stores it under the first):
            # the external id makes a repeat a no-op, so the engine moves each lead once.
            signal = _signal_id(item)
            signals[signal] = EventIn(
                external_id=signal,
                kind=_REPLY_KIND[item.source].value,
                occurred_at=item.sent_at,
                lead_id=item.lead_id,
            )
    await session.flush()
    if new_rows:
        # No ORM behaviour is needed for a new message: a Core executemany skips building a model per row.
        await session.exec(insert(_MESSAGES), params=list(new_rows.values()))
    replies = 0
    batch = list(signals.values())
    for start in range(0, len(batch), MAX_BATCH):
        result = await ingest_events(
            session=session, tenant_id=tenant_id, events=batch[start : start + MAX_BATCH], now=now
        )
        replies += result.accepted
    return StoreReport(stored=stored, updated=updated, replies=replies)


async def remove_messages(session: AsyncSession, *, tenant_id: str, keys: Sequence[str]) -> int:
    """Drop the stored copies of messages their authors deleted; the signals they gave stay."""
    removed = 0
    unique = list(set(keys))
    for start in range(0, len(unique), _LOOKUP_CHUNK):
        result = await session.exec(
            delete(ConversationMessage).where(
                col(ConversationMessage.tenant_id) == tenant_id,
                col(ConversationMessage.graph_id).in_(unique[start : start + _LOOKUP_CHUNK]),
            )
        )
        removed += result.rowcount or 0
    return removed
