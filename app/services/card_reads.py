"""The rows a card shows, read for one tenant: the bot builds its views from these and queries nothing."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import BindParameter, bindparam, case, func, or_
from sqlalchemy import select as select_columns  # sqlmodel types selects of four columns at most
from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import Select as SelectTriple
from sqlmodel.sql.expression import SelectOfScalar

from app.models import (
    Company,
    ConversationMessage,
    ConversationReference,
    FollowUp,
    HandOff,
    Lead,
    Member,
    OwnershipChange,
    Team,
    Touchpoint,
)
from app.nurturing.enums import FollowUpStatus, Lifecycle, Role

_ACTIVE = [FollowUpStatus.OPEN.value, FollowUpStatus.SNOOZED.value]
_HOT_LIFECYCLES = [Lifecycle.MQL.value, Lifecycle.SAL.value, Lifecycle.SQL.value]


async def member(session: AsyncSession, tenant_id: str, member_id: uuid.UUID) -> Member | None:
    """A member of this tenant, or None (also for another tenant's id)."""
    row = await session.get(Member, member_id)
    return row if row is not None and row.tenant_id == tenant_id else None


async def lead(session: AsyncSession, tenant_id: str, lead_id: uuid.UUID | None) -> Lead | None:
    """A lead of this tenant, or None."""
    row = await session.get(Lead, lead_id) if lead_id is not None else None
    return row if row is not None and row.tenant_id == tenant_id else None


async def company_name(session: AsyncSession, lead: Lead) -> str | None:
    """The name of the lead's company, if it has one."""
    company = await session.get(Company, lead.company_id) if lead.company_id else None
    return company.name if company else None


async def last_message(
    session: AsyncSession, tenant_id: str, lead_id: uuid.UUID
) -> ConversationMessage | None:
    """The newest mail or chat message with this lead."""
    ahead = read_ahead_of(session)
    if ahead is not None and lead_id in ahead.last_messages:
        return ahead.last_messages[lead_id]
    statement = (
        select(ConversationMessage)
        .where(ConversationMessage.tenant_id == tenant_id, ConversationMessage.lead_id == lead_id)
        .order_by(col(ConversationMessage.sent_at).desc())
        .limit(1)
    )
    return (await session.exec(statement)).first()


async def last_touch(session: AsyncSession, tenant_id: str, lead_id: uuid.UUID) -> Touchpoint | None:
    """The newest logged touch with this lead."""
    ahead = read_ahead_of(session)
    if ahead is not None and lead_id in ahead.last_touches:
        return ahead.last_touches[lead_id]
    statement = (
        select(Touchpoint)
        .where(Touchpoint.tenant_id == tenant_id, Touchpoint.lead_id == lead_id)
        .order_by(col(Touchpoint.occurred_at).desc())
        .limit(1)
    )
    return (await session.exec(statement)).first()


async def follow_up(session: AsyncSession, tenant_id: str, follow_up_id: uuid.UUID) -> FollowUp | None:
    """A follow-up of this tenant, or None."""
    row = await session.get(FollowUp, follow_up_id)
    return row if row is not None and row.tenant_id == tenant_id else None


async def hand_off(session: AsyncSession, tenant_id: str, hand_off_id: uuid.UUID) -> HandOff | None:
    """A hand-off of this tenant, or None."""
    row = await session.get(HandOff, hand_off_id)
    return row if row is not None and row.tenant_id == tenant_id else None


async def ownership_change(
    session: AsyncSession, tenant_id: str, change_id: uuid.UUID
) -> OwnershipChange | None:
    """An ownership change of this tenant, or None."""
    row = await session.get(OwnershipChange, change_id)
    return row if row is not None and row.tenant_id == tenant_id else None


async def team(session: AsyncSession, tenant_id: str, team_id: uuid.UUID | None) -> Team | None:
    """A team of this tenant, or None."""
    row = await session.get(Team, team_id) if team_id is not None else None
    return row if row is not None and row.tenant_id == tenant_id else None


async def active_follow_up(session: AsyncSession, tenant_id: str, lead_id: uuid.UUID) -> FollowUp | None:
    """The lead's one active follow-up, if any."""
    statement = select(FollowUp).where(
        FollowUp.tenant_id == tenant_id, FollowUp.lead_id == lead_id, col(FollowUp.status).in_(_ACTIVE)
    )
    return (await session.exec(statement)).first()


async def leads_by_id(
    session: AsyncSession, tenant_id: str, lead_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Lead]:
    """These leads of this tenant, by id."""
    statement = select(Lead).where(Lead.tenant_id == tenant_id, col(Lead.id).in_(lead_ids))
    return {row.id: row for row in (await session.exec(statement)).all()}


async def hot_leads(
    session: AsyncSession, tenant_id: str, team_id: uuid.UUID | None, limit: int
) -> Sequence[Lead]:
    """The best-scored leads in MQL, SAL or SQL, of one team or the whole tenant."""
    statement = (
        select(Lead)
        .where(
            Lead.tenant_id == tenant_id,
            col(Lead.lifecycle).in_(_HOT_LIFECYCLES),
            *([Lead.team_id == team_id] if team_id is not None else []),
        )
        .order_by(col(Lead.total_score).desc(), col(Lead.id))
        .limit(limit)
    )
    return (await session.exec(statement)).all()


async def channel_viewers(session: AsyncSession, tenant_id: str, team_id: uuid.UUID | None) -> list[str]:
    """Object ids of the people whose open pipeline card refreshes itself: the team, its lead and managers."""
    statement = select(Member.aad_object_id).where(
        Member.tenant_id == tenant_id,
        col(Member.active).is_(True),
        col(Member.aad_object_id).is_not(None),
    )
    if team_id is not None:
        statement = statement.where(
            or_(col(Member.team_id) == team_id, col(Member.role).in_(["manager", "admin"]))
        )
    statement = statement.order_by(col(Member.role), col(Member.display_name)).limit(60)
    return [value for value in (await session.exec(statement)).all() if value]


async def team_for_channel(session: AsyncSession, tenant_id: str, conversation_id: str) -> Team | None:
    """The team whose pipeline a channel carries."""
    reference = (
        await session.exec(
            select(ConversationReference).where(
                ConversationReference.tenant_id == tenant_id,
                ConversationReference.conversation_id == conversation_id,
            )
        )
    ).first()
    if reference is not None and reference.team_id is not None:
        return await session.get(Team, reference.team_id)
    statement = select(Team).where(Team.tenant_id == tenant_id, Team.pipeline_channel_id == conversation_id)
    return (await session.exec(statement)).first()


async def count_due(session: AsyncSession, tenant_id: str, member_id: uuid.UUID, now: datetime) -> int:
    """How many active follow-ups a member has due now."""
    statement = select(func.count()).where(
        FollowUp.tenant_id == tenant_id,
        FollowUp.owner_id == member_id,
        col(FollowUp.status).in_(_ACTIVE),
        FollowUp.due_at <= now,
    )
    return int((await session.exec(statement)).one())


async def count_active(session: AsyncSession, tenant_id: str, follow_up_ids: Sequence[uuid.UUID]) -> int:
    """How many of these follow-ups are still open or snoozed."""
    statement = select(func.count()).where(
        FollowUp.tenant_id == tenant_id,
        col(FollowUp.id).in_(follow_up_ids),
        col(FollowUp.status).in_(_ACTIVE),
    )
    return int((await session.exec(statement)).one())


async def remember_card(
    session: AsyncSession, tenant_id: str, follow_up_id: uuid.UUID, activity_id: str, conversation_id: str
) -> None:
    """Where a follow-up's card sits in Teams, so a change made elsewhere updates it in place."""
    await session.exec(
        update(FollowUp)
        .where(col(FollowUp.id) == follow_up_id, col(FollowUp.tenant_id) == tenant_id)
        .values(activity_id=activity_id, conversation_id=conversation_id)
    )


async def remember_cards(
    session: AsyncSession, tenant_id: str, cards: Sequence[tuple[uuid.UUID, str, str]]
) -> None:
    """``remember_card`` for many follow-ups at once: (follow-up id, activity id, conversation id) each,
    in one statement."""
    if not cards:
        return
    if len(cards) == 1:
        await remember_card(session, tenant_id, *cards[0])
        return
    activities = {follow_up_id: activity_id for follow_up_id, activity_id, _ in cards}
    chats = {follow_up_id: conversation_id for follow_up_id, _, conversation_id in cards}
    await session.exec(
        update(FollowUp)
        .where(col(FollowUp.id).in_(list(activities)), col(FollowUp.tenant_id) == tenant_id)
        .values(
            activity_id=case(activities, value=col(FollowUp.id)),
            conversation_id=case(chats, value=col(FollowUp.id)),
        )
    )


async def first_team_lead(session: AsyncSession, tenant_id: str, team_id: uuid.UUID | None) -> Member | None:
    """The active team lead of a team (by name), or without a team the first active admin."""
    statement = select(Member).where(Member.tenant_id == tenant_id, col(Member.active).is_(True))
    if team_id is not None:
        statement = statement.where(Member.team_id == team_id, Member.role == Role.LEAD)
    else:
        statement = statement.where(Member.role == Role.ADMIN)
    return (await session.exec(statement.order_by(col(Member.display_name)))).first()


async def conversation(
    session: AsyncSession, tenant_id: str, conversation_id: str
) -> ConversationReference | None:
    """The stored reference of one conversation of this tenant."""
    statement = select(ConversationReference).where(
        ConversationReference.tenant_id == tenant_id, ConversationReference.conversation_id == conversation_id
    )
    return (await session.exec(statement)).first()


@dataclass(frozen=True, slots=True)
class DueRow:
    """What a list card shows of one due follow-up and its lead, read as plain columns."""

    follow_up_id: uuid.UUID
    due_at: datetime
    kind: str
    status: str
    suggested_channel: str | None
    lead_id: uuid.UUID
    lead_version: int
    first_name: str
    last_name: str
    email: str
    lifecycle: str
    company: str | None


async def due_rows(
    session: AsyncSession, tenant_id: str, member_id: uuid.UUID, until: datetime, limit: int = 200
) -> list[DueRow]:
    """A member's active follow-ups due by ``until``, soonest first, with their leads, in one query.

    Columns rather than entities: a list card needs a dozen values per row, and building ORM objects
    for the follow-ups, leads and companies would cost more than the query."""
    statement = (
        select_columns(
            col(FollowUp.id),
            col(FollowUp.due_at),
            col(FollowUp.kind),
            col(FollowUp.status),
            col(FollowUp.suggested_channel),
            col(Lead.id),
            col(Lead.version),
            col(Lead.first_name),
            col(Lead.last_name),
            col(Lead.email),
            col(Lead.lifecycle),
            col(Company.name),
        )
        .join(Lead, col(Lead.id) == col(FollowUp.lead_id))
        .outerjoin(Company, col(Company.id) == col(Lead.company_id))
        .where(
            col(FollowUp.tenant_id) == tenant_id,
            col(FollowUp.owner_id) == member_id,
            col(FollowUp.status).in_(_ACTIVE),
            col(FollowUp.due_at) <= until,
            col(Lead.tenant_id) == tenant_id,
        )
        .order_by(col(FollowUp.due_at), col(FollowUp.id))
        .limit(limit)
    )
    connection = await session.connection()
    return [
        DueRow(
            follow_up_id=row[0],
            due_at=row[1],
            kind=str(row[2]),
            status=str(row[3]),
            suggested_channel=str(row[4]) if row[4] is not None else None,
            lead_id=row[5],
            lead_version=row[6],
            first_name=row[7],
            last_name=row[8],
            email=row[9],
            lifecycle=str(row[10]),
            company=row[11],
        )
        for row in (await connection.execute(statement)).all()
    ]


# A follow-up shown as a row of a list card keeps that card's activity id behind this prefix, so a change
# made in the tab refreshes the whole list in place instead of overwriting it with one follow-up's card.
LIST_CARD_PREFIX = "list:"


def list_card_id(activity_id: str) -> str:
    """The stored form of a list card's activity id."""
    return LIST_CARD_PREFIX + activity_id


def sent_card(follow_up: FollowUp) -> tuple[str, bool] | None:
    """The activity id of the card showing this follow-up, and whether that card is a list card."""
    if not follow_up.activity_id:
        return None
    if follow_up.activity_id.startswith(LIST_CARD_PREFIX):
        return follow_up.activity_id[len(LIST_CARD_PREFIX) :], True
    return follow_up.activity_id, False


async def remember_list_card(
    session: AsyncSession,
    tenant_id: str,
    follow_up_ids: Sequence[uuid.UUID],
    activity_id: str,
    conversation_id: str,
) -> None:
    """Where a list card with these follow-ups sits, in one statement."""
    if not follow_up_ids:
        return
    await session.exec(
        update(FollowUp)
        .where(col(FollowUp.id).in_(follow_up_ids), col(FollowUp.tenant_id) == tenant_id)
        .values(activity_id=list_card_id(activity_id), conversation_id=conversation_id)
    )


# --- read-ahead for a batch of proactive cards ---------------------------------------------------------

_READ_AHEAD = "nurture.card_reads.read_ahead"
_Dated = TypeVar("_Dated", ConversationMessage, Touchpoint)


@dataclass(slots=True)
class ReadAhead:
    """What a batch of follow-up cards shows, read in a handful of statements for all of them at once.

    The follow-ups, leads, companies and members land in the session's identity map, so the lookups by id
    above answer from it with no statement; the newest message and touch of each lead, and each member's
    1:1 chat, are answered from here. It lasts as long as the session's read transaction: ``forget`` it
    when that ends, and nothing read is reused for a later card."""

    entities: list[object]  # held, because the identity map keeps its objects only weakly
    last_messages: dict[uuid.UUID, ConversationMessage | None]
    last_touches: dict[uuid.UUID, Touchpoint | None]
    personal_chats: dict[uuid.UUID, ConversationReference | None]


async def read_ahead(
    session: AsyncSession,
    tenant_id: str,
    follow_up_ids: Sequence[uuid.UUID],
    member_ids: Sequence[uuid.UUID],
) -> ReadAhead:
    """Read the cards of these follow-ups (and these recipients) at once; see ``ReadAhead``."""
    statements = _read_ahead_statements()
    entities: list[object] = []
    rows = (
        await session.exec(statements.cards, params={"tenant_id": tenant_id, "ids": list(follow_up_ids)})
    ).all()
    lead_ids: set[uuid.UUID] = set()
    people = set(member_ids)
    for follow_up_row, lead_row, company_row in rows:
        entities += (follow_up_row, lead_row, company_row)
        lead_ids.add(lead_row.id)
        people.update(value for value in (follow_up_row.owner_id, lead_row.owner_id) if value is not None)
    ahead = ReadAhead(
        entities=entities,
        last_messages=dict.fromkeys(lead_ids),
        last_touches=dict.fromkeys(lead_ids),
        personal_chats=dict.fromkeys(people),
    )
    if people:
        by_people = {"tenant_id": tenant_id, "ids": list(people)}
        entities += (await session.exec(statements.members, params=by_people)).all()
        for chat in (await session.exec(statements.chats, params=by_people)).all():
            # Oldest first, so the most recently updated chat of a member is the one that stays.
            if chat.member_id is not None:
                ahead.personal_chats[chat.member_id] = chat
    if lead_ids:
        by_leads = {"tenant_id": tenant_id, "ids": list(lead_ids)}
        for message in (await session.exec(statements.last_messages, params=by_leads)).all():
            ahead.last_messages[message.lead_id] = message
        for touch in (await session.exec(statements.last_touches, params=by_leads)).all():
            ahead.last_touches[touch.lead_id] = touch
    session.info[_READ_AHEAD] = ahead
    return ahead


@dataclass(frozen=True, slots=True)
class _ReadAheadStatements:
    cards: SelectTriple[FollowUp, Lead, Company]
    members: SelectOfScalar[Member]
    chats: SelectOfScalar[ConversationReference]
    last_messages: SelectOfScalar[ConversationMessage]
    last_touches: SelectOfScalar[Touchpoint]


@functools.cache
def _read_ahead_statements() -> _ReadAheadStatements:
    # Built once, with the tenant and the ids as parameters: building a statement anew for every read
    # cost about as much as running it.
    tenant: BindParameter[str] = bindparam("tenant_id")
    ids: BindParameter[object] = bindparam("ids", expanding=True)
    return _ReadAheadStatements(
        cards=select(FollowUp, Lead, Company)
        .join(Lead, col(Lead.id) == col(FollowUp.lead_id))
        .outerjoin(Company, col(Company.id) == col(Lead.company_id))
        .where(col(FollowUp.tenant_id) == tenant, col(FollowUp.id).in_(ids)),
        members=select(Member).where(col(Member.tenant_id) == tenant, col(Member.id).in_(ids)),
        chats=select(ConversationReference)
        .where(
            col(ConversationReference.tenant_id) == tenant,
            col(ConversationReference.member_id).in_(ids),
            col(ConversationReference.scope) == "personal",
        )
        .order_by(col(ConversationReference.updated_at)),
        last_messages=_newest_per_lead(ConversationMessage, col(ConversationMessage.sent_at), tenant, ids),
        last_touches=_newest_per_lead(Touchpoint, col(Touchpoint.occurred_at), tenant, ids),
    )


def _newest_per_lead(
    model: type[_Dated], when: Any, tenant: BindParameter[str], ids: BindParameter[object]
) -> SelectOfScalar[_Dated]:
    # One statement for all the leads: each lead's rows ranked newest first, the first of each kept.
    ranked = (
        select_columns(
            col(model.id).label("id"),
            func.row_number().over(partition_by=col(model.lead_id), order_by=when.desc()).label("place"),
        )
        .where(col(model.tenant_id) == tenant, col(model.lead_id).in_(ids))
        .subquery()
    )
    return select(model).join(ranked, ranked.c.id == col(model.id)).where(ranked.c.place == 1)


def read_ahead_of(session: AsyncSession) -> ReadAhead | None:
    """The read-ahead the session's current read transaction holds, if any."""
    found: ReadAhead | None = session.info.get(_READ_AHEAD)
    return found


def forget_read_ahead(session: AsyncSession) -> None:
    """Drop the read-ahead; call it when the read transaction that made it ends."""
    session.info.pop(_READ_AHEAD, None)
