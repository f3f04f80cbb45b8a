"""Erase a lead and everything about them (GDPR Art. 17): the lead, its history, and any notice or
message that names them. Companies stay: they are firmographics, not personal data."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import String, cast, or_
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import (
    ConversationMessage,
    EngagementEvent,
    FollowUp,
    HandOff,
    LeadStateChange,
    OutboxMessage,
    OwnershipChange,
    TenantSetting,
    Touchpoint,
)
from app.nurturing.enums import Role
from app.services.access import Actor, ensure_same_tenant
from app.services.errors import NotAllowed
from app.services.lead_queries import find_by_email

# Every table whose rows belong to one lead, children before the lead itself.
_LEAD_TABLES = (
    ConversationMessage,
    EngagementEvent,
    FollowUp,
    Touchpoint,
    OwnershipChange,
    LeadStateChange,
    HandOff,
)


@dataclass(frozen=True, slots=True)
class Erasure:
    lead_id: str
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """Rows removed in all."""
        return sum(self.rows.values())


async def erase_lead(*, session: AsyncSession, actor: Actor | None, tenant_id: str, email: str) -> Erasure:
    """Remove one lead of this tenant and every row about them; ``None`` is the operator's CLI."""
    if actor is not None:
        ensure_same_tenant(actor, tenant_id)
        if actor.role is not Role.ADMIN:
            raise NotAllowed("only an admin can erase a lead")
    lead = await find_by_email(session=session, tenant_id=tenant_id, email=email)
    address = lead.email
    # The names the lead went by in mail and chat, and the threads they were in, read before their own
    # messages go: other leads' messages in those threads still list them among the participants.
    sent = (
        await session.exec(
            select(ConversationMessage.sender_name, ConversationMessage.thread_key).where(
                col(ConversationMessage.tenant_id) == tenant_id,
                or_(
                    col(ConversationMessage.from_address) == address,
                    col(ConversationMessage.lead_id) == lead.id,
                ),
            )
        )
    ).all()
    names = {name for name, _ in sent if name} | {f"{lead.first_name} {lead.last_name}".strip()} - {""}
    threads = list({thread for _, thread in sent if thread})
    counts: dict[str, int] = {}
    for model in _LEAD_TABLES:
        result = await session.exec(
            delete(model).where(col(model.tenant_id) == tenant_id, col(model.lead_id) == lead.id)
        )
        counts[model.__tablename__] = int(result.rowcount or 0)
    # Notices carry ids, not addresses, but a queued card would bring the lead back to a screen.
    mentions = or_(
        cast(OutboxMessage.payload, String).contains(str(lead.id)),
        cast(OutboxMessage.payload, String).contains(address),
    )
    result = await session.exec(
        delete(OutboxMessage).where(col(OutboxMessage.tenant_id) == tenant_id, mentions)
    )
    counts["outbox"] = int(result.rowcount or 0)
    # Sync positions (Graph chat marks) name the lead by id.
    result = await session.exec(
        delete(TenantSetting).where(
            col(TenantSetting.tenant_id) == tenant_id,
            cast(TenantSetting.value, String).contains(str(lead.id)),
        )
    )
    counts["settings"] = int(result.rowcount or 0)
    # Messages stored for another lead of the same thread may still list this address among recipients.
    others = (
        await session.exec(
            select(ConversationMessage).where(
                col(ConversationMessage.tenant_id) == tenant_id,
                or_(
                    col(ConversationMessage.from_address) == address,
                    cast(ConversationMessage.to_addresses, String).contains(address),
                    col(ConversationMessage.thread_key).in_(threads),
                ),
            )
        )
    ).all()
    for message in others:
        if message.from_address == address or message.sender_name in names:
            message.sender_name = None
        message.from_address = None if message.from_address == address else message.from_address
        message.to_addresses = [a for a in message.to_addresses if a != address]
        message.participants = [n for n in message.participants if n not in names]
        session.add(message)
    counts["conversation_messages_redacted"] = len(others)
    await session.delete(lead)
    await session.flush()
    counts["leads"] = 1
    return Erasure(lead_id=str(lead.id), rows=counts)
