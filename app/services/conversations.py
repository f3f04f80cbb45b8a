"""Where the bot can reach people: conversation references per member and per team channel, and the
mapping from Entra ID object ids to members."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, delete, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import ConversationReference, Member, Team


async def member_by_object_id(*, session: AsyncSession, tenant_id: str, object_id: str) -> Member | None:
    """The active member a Teams user is, by their Entra ID object id."""
    statement = select(Member).where(
        Member.tenant_id == tenant_id, Member.aad_object_id == object_id, col(Member.active).is_(True)
    )
    return (await session.exec(statement)).first()


async def link_object_id(
    *, session: AsyncSession, tenant_id: str, object_id: str, email: str | None
) -> Member | None:
    """Tie a Teams user to the member with their address, the first time they talk to the bot.

    An address already tied to another object id is left alone: a reused address must not inherit
    someone else's leads."""
    member = await member_by_object_id(session=session, tenant_id=tenant_id, object_id=object_id)
    if member is not None or not email:
        return member
    candidate = (
        await session.exec(
            select(Member).where(
                Member.tenant_id == tenant_id,
                Member.email == email.strip().lower(),
                col(Member.active).is_(True),
            )
        )
    ).first()
    if candidate is None or candidate.aad_object_id not in (None, object_id):
        return None
    candidate.aad_object_id = object_id
    session.add(candidate)
    await session.flush()
    return candidate


async def remember(
    *,
    session: AsyncSession,
    tenant_id: str,
    conversation_id: str,
    scope: str,
    service_url: str,
    reference: dict[str, Any],
    now: datetime,
    member_id: uuid.UUID | None = None,
) -> None:
    """Store or refresh a conversation reference; a channel maps to the team whose pipeline it carries.

    Written as an upsert, because Teams can deliver a chat's first messages concurrently; and skipped
    when nothing that matters changed, so an ordinary message costs no write."""
    # The activity id changes with every message and is not needed to reach the chat again.
    reference = {key: value for key, value in reference.items() if key != "activityId"}
    row = (
        await session.exec(
            select(ConversationReference).where(
                ConversationReference.tenant_id == tenant_id,
                ConversationReference.conversation_id == conversation_id,
            )
        )
    ).first()
    team_id = row.team_id if row is not None else None
    if scope == "channel":
        carries = select(Team.id).where(
            Team.tenant_id == tenant_id, Team.pipeline_channel_id == conversation_id
        )
        team_id = (await session.exec(carries)).first() or team_id
    member_id = member_id or (row.member_id if row is not None else None)
    if (
        row is not None
        and row.reference == reference
        and row.service_url == service_url
        and row.member_id == member_id
        and row.team_id == team_id
        and row.scope == scope
    ):
        return
    values = {
        "scope": scope,
        "service_url": service_url,
        "reference": reference,
        "member_id": member_id,
        "team_id": team_id,
        "updated_at": now,
    }
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(ConversationReference)
        .values(id=uuid.uuid4(), tenant_id=tenant_id, conversation_id=conversation_id, **values)
        .on_conflict_do_update(index_elements=["tenant_id", "conversation_id"], set_=values)
    )
    await session.exec(statement)


async def forget(*, session: AsyncSession, tenant_id: str, conversation_ids: Sequence[str]) -> int:
    """Drop references after an uninstall; later notices for those people are recorded as undeliverable."""
    if not conversation_ids:
        return 0
    result = await session.exec(
        delete(ConversationReference).where(
            col(ConversationReference.tenant_id) == tenant_id,
            col(ConversationReference.conversation_id).in_(conversation_ids),
        )
    )
    return int(result.rowcount or 0)


async def personal_reference(
    *, session: AsyncSession, tenant_id: str, member_id: uuid.UUID
) -> ConversationReference | None:
    """The 1:1 chat with a member, if they have installed the app."""
    statement = (
        select(ConversationReference)
        .where(
            ConversationReference.tenant_id == tenant_id,
            ConversationReference.member_id == member_id,
            ConversationReference.scope == "personal",
        )
        .order_by(col(ConversationReference.updated_at).desc())
    )
    return (await session.exec(statement)).first()


async def team_reference(
    *, session: AsyncSession, tenant_id: str, team_id: uuid.UUID
) -> ConversationReference | None:
    """The channel that carries a team's pipeline card."""
    statement = select(ConversationReference).where(
        ConversationReference.tenant_id == tenant_id,
        ConversationReference.team_id == team_id,
        ConversationReference.scope == "channel",
    )
    return (await session.exec(statement)).first()


async def installed_members(*, session: AsyncSession, tenant_id: str) -> int:
    """How many members the bot can reach in a 1:1 chat."""
    statement = select(func.count(func.distinct(ConversationReference.member_id))).where(
        ConversationReference.tenant_id == tenant_id, ConversationReference.scope == "personal"
    )
    return int((await session.exec(statement)).one())
