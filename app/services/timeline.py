"""One lead's history in one stream: messages, touches, engagement, stage and lifecycle moves, owners.

Every item is typed data, codes plus names, never a sentence: the tab words it in the reader's language.
A message the lead wrote carries what it changed (score, stage, lifecycle), read from the reply event it
raised. Threads are listed separately (``lead_threads``); the stream only names each message's thread."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import and_, exists, or_, true
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import (
    ContentItemRow,
    ConversationMessage,
    EngagementEvent,
    Lead,
    LeadStateChange,
    Member,
    OwnershipChange,
    Touchpoint,
)
from app.nurturing.enums import (
    AssignmentMethod,
    BuyerStage,
    Direction,
    Lifecycle,
    MessageSource,
    TouchpointKind,
)
from app.nurturing.reasons import Reason, describe
from app.services.access import Actor
from app.services.errors import InvalidInput
from app.services.history_state import HistoryStatus, history_state
from app.services.lead_queries import read_lead

MAX_PAGE = 100
MAX_THREAD_KEY = 300
# The newest messages a thread list is built from; retention keeps far fewer for one lead.
THREAD_SCAN = 5000
_CODE = re.compile(r"^[a-z][a-z0-9_]*$")


class TimelineFilter(StrEnum):
    """Which part of the history to list."""

    ALL = "all"
    MAIL = "mail"
    CHAT = "chat"
    ACTIVITY = "activity"


# --- the typed items ----------------------------------------------------------------------------------


class MemberRef(BaseModel):
    """A colleague, by id and display name."""

    id: uuid.UUID
    display_name: str


class Correspondent(BaseModel):
    """Who wrote a message, as the mail or chat named them."""

    name: str | None
    address: str | None


class ThreadRef(BaseModel):
    key: str = Field(description="Mail: Graph's conversationId; chat: the chat id")
    title: str | None = Field(description="Mail: the subject; chat: a group chat's topic (none for 1:1)")
    participants: list[str] = Field(description="Display names of the people in the thread")


class ChangeReasonOut(BaseModel):
    """An engine reason for a stage or lifecycle change: a stable code, its parameters, and the engine's
    own words for it in English and German (the same sentence the cards show)."""

    code: str
    params: dict[str, str | int | float] = Field(default_factory=dict)
    text: dict[str, str] = Field(default_factory=dict, description="The reason in words, by language: en, de")

    @classmethod
    def of(cls, code: str, params: dict[str, str | int | float]) -> ChangeReasonOut:
        """The reason with its words, worded by app.nurturing.reasons."""
        reason = Reason(code=code, params=dict(params))
        return cls(
            code=code, params=params, text={language: describe(reason, language) for language in ("en", "de")}
        )


class StageMove(BaseModel):
    from_value: BuyerStage
    to_value: BuyerStage


class LifecycleMove(BaseModel):
    from_value: Lifecycle
    to_value: Lifecycle


class EffectOut(BaseModel):
    """What an event changed on the lead when it arrived (several arriving together: on the newest)."""

    score_before: int
    score_after: int
    score_delta: int
    stage: StageMove | None
    lifecycle: LifecycleMove | None
    hand_off_proposed: bool


class MessageItemOut(BaseModel):
    kind: Literal["message"] = "message"
    at: datetime
    id: uuid.UUID
    source: MessageSource
    direction: Direction = Field(description="inbound: from the lead; outbound: to the lead")
    is_lead_reply: bool = Field(description="The lead wrote it")
    sender: Correspondent
    recipients: list[str]
    thread: ThreadRef
    preview: str
    web_link: str | None = Field(description="Opens the message in Outlook, or the chat in Teams")
    effect: EffectOut | None = Field(description="What the lead's message changed, if anything")


class EventItemOut(BaseModel):
    kind: Literal["event"] = "event"
    at: datetime
    id: uuid.UUID
    event: str = Field(description="An EventKind value, or an integration's own code")
    properties: dict[str, str | int | float | bool | None]
    effect: EffectOut | None


class TouchpointItemOut(BaseModel):
    kind: Literal["touchpoint"] = "touchpoint"
    at: datetime
    id: uuid.UUID
    channel: TouchpointKind
    direction: Direction
    member: MemberRef | None = Field(description="Who logged it; none for the system")
    content_key: str | None
    content_title: str | None
    summary: str | None = Field(description="The rep's own note, as written")


class StageItemOut(BaseModel):
    kind: Literal["stage"] = "stage"
    at: datetime
    id: uuid.UUID
    from_value: BuyerStage | None
    to_value: BuyerStage
    automatic: bool
    reason: ChangeReasonOut | None
    note: str | None = Field(description="Free text a person wrote with the change")
    actor: MemberRef | None


class LifecycleItemOut(BaseModel):
    kind: Literal["lifecycle"] = "lifecycle"
    at: datetime
    id: uuid.UUID
    from_value: Lifecycle | None
    to_value: Lifecycle
    automatic: bool
    reason: ChangeReasonOut | None
    note: str | None = Field(description="Free text a person wrote with the change")
    actor: MemberRef | None


class OwnershipItemOut(BaseModel):
    kind: Literal["ownership"] = "ownership"
    at: datetime
    id: uuid.UUID
    from_owner: MemberRef | None
    to_owner: MemberRef | None
    method: AssignmentMethod
    changed_by: MemberRef | None = Field(description="None: the system (routing, round-robin)")
    note: str | None


TimelineEntry = Annotated[
    MessageItemOut | EventItemOut | TouchpointItemOut | StageItemOut | LifecycleItemOut | OwnershipItemOut,
    Field(discriminator="kind"),
]


class HistoryStateOut(BaseModel):
    status: HistoryStatus = Field(
        description="synced; not_synced (Graph connected, nothing synced for this lead yet); "
        "consent_required (an admin must grant access at admin_consent_url); "
        "unavailable (Graph not connected here, nothing stored)"
    )
    last_synced_at: datetime | None
    admin_consent_url: str | None
    messages: int = Field(description="Messages stored for this lead")


class ThreadOut(BaseModel):
    key: str
    source: MessageSource
    title: str | None = Field(description="The title of the thread's first message")
    participants: list[str]
    messages: int
    lead_messages: int = Field(description="How many of them the lead wrote")
    first_at: datetime
    last_at: datetime
    last_preview: str
    web_link: str | None = Field(description="The newest message's link")


# --- reading -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TimelinePage:
    items: list[TimelineEntry]
    next_before: tuple[datetime, uuid.UUID] | None
    history: HistoryStateOut


def _before(at_column: Any, id_column: Any, before: tuple[datetime, uuid.UUID] | None) -> Any:
    if before is None:
        return true()
    at, last = before
    return or_(at_column < at, and_(at_column == at, id_column < last))


def _reason(value: Any) -> tuple[ChangeReasonOut | None, str | None]:
    """A stored reason as a code to label, or as the free text a person (or older code) wrote."""
    if isinstance(value, dict) and isinstance(value.get("code"), str):
        params = value.get("params") if isinstance(value.get("params"), dict) else {}
        kept = {str(k): v for k, v in (params or {}).items() if isinstance(v, str | int | float)}
        return ChangeReasonOut.of(value["code"], kept), None
    if isinstance(value, str) and value:
        return (ChangeReasonOut.of(value, {}), None) if _CODE.match(value) else (None, value)
    return None, None


def _effect(document: Any) -> EffectOut | None:
    if not isinstance(document, dict):
        return None
    before, after = int(document.get("score_before", 0)), int(document.get("score_after", 0))
    stage, lifecycle = document.get("stage"), document.get("lifecycle")
    return EffectOut(
        score_before=before,
        score_after=after,
        score_delta=after - before,
        stage=StageMove(from_value=stage["from"], to_value=stage["to"]) if isinstance(stage, dict) else None,
        lifecycle=(
            LifecycleMove(from_value=lifecycle["from"], to_value=lifecycle["to"])
            if isinstance(lifecycle, dict)
            else None
        ),
        hand_off_proposed=bool(document.get("hand_off_proposed")),
    )


async def _members(
    session: AsyncSession, tenant_id: str, ids: Iterable[uuid.UUID | None]
) -> dict[uuid.UUID, MemberRef]:
    wanted = list({i for i in ids if i is not None})
    if not wanted:
        return {}
    rows = await session.exec(
        select(Member.id, Member.display_name).where(
            Member.tenant_id == tenant_id, col(Member.id).in_(wanted)
        )
    )
    return {row_id: MemberRef(id=row_id, display_name=name) for row_id, name in rows}


def _thread_of(message: ConversationMessage) -> str:
    # Mail stored before threads were kept has no conversation id yet: a thread of its own.
    return message.thread_key or message.graph_id


async def _messages(
    session: AsyncSession,
    lead: Lead,
    *,
    source: MessageSource | None,
    thread: str | None,
    before: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[MessageItemOut]:
    conditions = [
        ConversationMessage.tenant_id == lead.tenant_id,
        ConversationMessage.lead_id == lead.id,
        _before(col(ConversationMessage.sent_at), col(ConversationMessage.id), before),
    ]
    if source is not None:
        conditions.append(col(ConversationMessage.source) == source.value)
    if thread is not None:
        conditions.append(
            or_(
                col(ConversationMessage.thread_key) == thread,
                and_(
                    col(ConversationMessage.thread_key).is_(None), col(ConversationMessage.graph_id) == thread
                ),
            )
        )
    rows = (
        await session.exec(
            select(ConversationMessage)
            .where(*conditions)
            .order_by(col(ConversationMessage.sent_at).desc(), col(ConversationMessage.id).desc())
            .limit(limit)
        )
    ).all()
    signals = [row.signal_id for row in rows if row.signal_id]
    effects: dict[str, EffectOut | None] = {}
    if signals:
        found = await session.exec(
            select(EngagementEvent.external_id, EngagementEvent.effect).where(
                EngagementEvent.tenant_id == lead.tenant_id,
                EngagementEvent.lead_id == lead.id,
                col(EngagementEvent.external_id).in_(signals),
            )
        )
        effects = {external_id: _effect(effect) for external_id, effect in found}
    return [
        MessageItemOut(
            at=row.sent_at,
            id=row.id,
            source=MessageSource(row.source),
            direction=row.direction,
            is_lead_reply=row.direction is Direction.INBOUND,
            sender=Correspondent(name=row.sender_name, address=row.from_address),
            recipients=list(row.to_addresses),
            thread=ThreadRef(
                key=_thread_of(row),
                title=row.thread_title or row.subject,
                participants=list(row.participants),
            ),
            preview=row.preview,
            web_link=row.web_link,
            effect=effects.get(row.signal_id) if row.signal_id else None,
        )
        for row in rows
    ]


async def _activity(
    session: AsyncSession,
    lead: Lead,
    *,
    fold_replies: bool,
    before: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[TimelineEntry]:
    tenant = lead.tenant_id
    touches = (
        await session.exec(
            select(Touchpoint)
            .where(
                Touchpoint.tenant_id == tenant,
                Touchpoint.lead_id == lead.id,
                _before(col(Touchpoint.occurred_at), col(Touchpoint.id), before),
            )
            .order_by(col(Touchpoint.occurred_at).desc(), col(Touchpoint.id).desc())
            .limit(limit)
        )
    ).all()
    event_filter = [
        EngagementEvent.tenant_id == tenant,
        EngagementEvent.lead_id == lead.id,
        _before(col(EngagementEvent.occurred_at), col(EngagementEvent.id), before),
    ]
    if fold_replies:
        # A reply whose message is listed shows as that message, with its effect; not twice.
        event_filter.append(
            ~exists().where(
                col(ConversationMessage.tenant_id) == tenant,
                col(ConversationMessage.lead_id) == lead.id,
                col(ConversationMessage.signal_id) == col(EngagementEvent.external_id),
            )
        )
    events = (
        await session.exec(
            select(EngagementEvent)
            .where(*event_filter)
            .order_by(col(EngagementEvent.occurred_at).desc(), col(EngagementEvent.id).desc())
            .limit(limit)
        )
    ).all()
    moves = (
        await session.exec(
            select(LeadStateChange)
            .where(
                LeadStateChange.tenant_id == tenant,
                LeadStateChange.lead_id == lead.id,
                _before(col(LeadStateChange.changed_at), col(LeadStateChange.id), before),
            )
            .order_by(col(LeadStateChange.changed_at).desc(), col(LeadStateChange.id).desc())
            .limit(limit)
        )
    ).all()
    owners = (
        await session.exec(
            select(OwnershipChange)
            .where(
                OwnershipChange.tenant_id == tenant,
                OwnershipChange.lead_id == lead.id,
                _before(col(OwnershipChange.changed_at), col(OwnershipChange.id), before),
            )
            .order_by(col(OwnershipChange.changed_at).desc(), col(OwnershipChange.id).desc())
            .limit(limit)
        )
    ).all()
    people = await _members(
        session,
        tenant,
        [t.member_id for t in touches]
        + [m.actor_id for m in moves]
        + [p for o in owners for p in (o.from_member_id, o.to_member_id, o.changed_by)],
    )
    content_keys = list({t.content_key for t in touches if t.content_key})
    titles: dict[str, str] = {}
    if content_keys:
        found = await session.exec(
            select(ContentItemRow.key, ContentItemRow.title).where(
                ContentItemRow.tenant_id == tenant, col(ContentItemRow.key).in_(content_keys)
            )
        )
        titles = dict(found.all())

    def person(member_id: uuid.UUID | None) -> MemberRef | None:
        return people.get(member_id) if member_id is not None else None

    items: list[TimelineEntry] = [
        TouchpointItemOut(
            at=t.occurred_at,
            id=t.id,
            channel=t.kind,
            direction=t.direction,
            member=person(t.member_id),
            content_key=t.content_key,
            content_title=titles.get(t.content_key) if t.content_key else None,
            summary=t.summary,
        )
        for t in touches
    ]
    items += [
        EventItemOut(
            at=e.occurred_at,
            id=e.id,
            event=e.kind,
            properties={
                str(k): v
                for k, v in e.properties.items()
                if v is None or isinstance(v, str | int | float | bool)
            },
            effect=_effect(e.effect),
        )
        for e in events
    ]
    for move in moves:
        reason, note = _reason(move.reason)
        if move.field == "stage":
            items.append(
                StageItemOut(
                    at=move.changed_at,
                    id=move.id,
                    from_value=BuyerStage(move.from_value) if move.from_value else None,
                    to_value=BuyerStage(move.to_value),
                    automatic=move.automatic,
                    reason=reason,
                    note=note,
                    actor=person(move.actor_id),
                )
            )
        else:
            items.append(
                LifecycleItemOut(
                    at=move.changed_at,
                    id=move.id,
                    from_value=Lifecycle(move.from_value) if move.from_value else None,
                    to_value=Lifecycle(move.to_value),
                    automatic=move.automatic,
                    reason=reason,
                    note=note,
                    actor=person(move.actor_id),
                )
            )
    items += [
        OwnershipItemOut(
            at=o.changed_at,
            id=o.id,
            from_owner=person(o.from_member_id),
            to_owner=person(o.to_member_id),
            method=o.method,
            changed_by=person(o.changed_by),
            note=o.reason,
        )
        for o in owners
    ]
    return items


async def lead_timeline(
    *,
    session: AsyncSession,
    actor: Actor,
    lead_id: uuid.UUID,
    before: tuple[datetime, uuid.UUID] | None = None,
    limit: int = 50,
    only: TimelineFilter = TimelineFilter.ALL,
    thread: str | None = None,
    graph_connected: bool = False,
) -> TimelinePage:
    """Newest first; each source is read up to ``limit`` rows past the cursor, then merged.

    ``thread`` lists one thread's messages. Only a caller who may see the lead reads anything."""
    lead = await read_lead(session=session, actor=actor, lead_id=lead_id)
    limit = max(1, min(limit, MAX_PAGE))
    if thread is not None and not 0 < len(thread) <= MAX_THREAD_KEY:
        raise InvalidInput(f"thread must have 1 to {MAX_THREAD_KEY} characters")
    if thread is not None and only is TimelineFilter.ACTIVITY:
        raise InvalidInput("a thread has messages only; drop filter=activity")
    items: list[TimelineEntry] = []
    if only is not TimelineFilter.ACTIVITY:
        source = {TimelineFilter.MAIL: MessageSource.MAIL, TimelineFilter.CHAT: MessageSource.CHAT}.get(only)
        items += await _messages(session, lead, source=source, thread=thread, before=before, limit=limit)
    if only in (TimelineFilter.ALL, TimelineFilter.ACTIVITY) and thread is None:
        items += await _activity(
            session, lead, fold_replies=only is TimelineFilter.ALL, before=before, limit=limit
        )
    items.sort(key=lambda item: (item.at, item.id), reverse=True)
    page = items[:limit]
    more = len(items) > limit
    state = await history_state(
        session,
        tenant_id=lead.tenant_id,
        lead_id=lead.id,
        viewer_id=actor.member_id,
        graph_connected=graph_connected,
    )
    return TimelinePage(
        items=page,
        next_before=(page[-1].at, page[-1].id) if more and page else None,
        history=HistoryStateOut(
            status=state.status,
            last_synced_at=state.last_synced_at,
            admin_consent_url=state.admin_consent_url,
            messages=state.messages,
        ),
    )


async def lead_threads(*, session: AsyncSession, actor: Actor, lead_id: uuid.UUID) -> list[ThreadOut]:
    """The lead's mail and chat threads, the most recently active first."""
    lead = await read_lead(session=session, actor=actor, lead_id=lead_id)
    rows = (
        await session.exec(
            select(ConversationMessage)
            .where(ConversationMessage.tenant_id == lead.tenant_id, ConversationMessage.lead_id == lead.id)
            .order_by(col(ConversationMessage.sent_at).desc(), col(ConversationMessage.id).desc())
            .limit(THREAD_SCAN)
        )
    ).all()
    return _group(rows)


def _group(rows: Sequence[ConversationMessage]) -> list[ThreadOut]:
    """Rows newest first, grouped by thread; a thread's title and names come from its oldest message."""
    grouped: dict[str, list[ConversationMessage]] = {}
    for row in rows:
        grouped.setdefault(_thread_of(row), []).append(row)
    threads = []
    for key, messages in grouped.items():
        newest, oldest = messages[0], messages[-1]
        titled = next((m for m in reversed(messages) if m.thread_title or m.subject), None)
        named = next((m for m in messages if m.participants), None)
        threads.append(
            ThreadOut(
                key=key,
                source=MessageSource(newest.source),
                title=(titled.thread_title or titled.subject) if titled is not None else None,
                participants=list(named.participants) if named is not None else [],
                messages=len(messages),
                lead_messages=sum(m.direction is Direction.INBOUND for m in messages),
                first_at=oldest.sent_at,
                last_at=newest.sent_at,
                last_preview=newest.preview,
                web_link=newest.web_link,
            )
        )
    return threads
