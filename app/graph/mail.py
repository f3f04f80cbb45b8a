"""A lead's mail, from one mailbox, onto the timeline; a reply from the lead becomes a signal.

Graph's ids differ per mailbox, so a message is keyed by its internet message id, which every mailbox
holding it shares: a thread seen from the rep's and the team's mailbox is stored once. Only messages
that involve the lead's address are kept, and only their preview."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph.generated.models.message import Message
from msgraph.generated.users.item.messages.messages_request_builder import MessagesRequestBuilder
from msgraph.graph_service_client import GraphServiceClient
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import SessionMaker, transaction
from app.models import Lead
from app.nurturing.enums import MessageSource
from app.services.lead_messages import MessageIn, mail_signal_id, store_messages

PREVIEW_CHARS = 1000
FIELDS = [
    "id",
    "internetMessageId",
    "subject",
    "bodyPreview",
    "from",
    "toRecipients",
    "ccRecipients",
    "sentDateTime",
    "receivedDateTime",
    "webLink",
    "isDraft",
    "conversationId",
]


@dataclass(frozen=True, slots=True)
class MailSyncReport:
    seen: int
    stored: int
    replies: int
    pages: int


@dataclass(frozen=True, slots=True)
class MailItem:
    key: str
    subject: str | None
    preview: str
    sender: str | None
    recipients: list[str]
    sent_at: datetime
    web_link: str | None
    thread_key: str | None = None  # Graph's conversationId
    sender_name: str | None = None
    names: tuple[str, ...] = ()  # display names of sender and recipients, where Graph gives them


def _name(recipient: Any) -> str | None:
    name = getattr(getattr(recipient, "email_address", None), "name", None)
    return name.strip() if isinstance(name, str) and name.strip() else None


def _address(recipient: Any) -> str | None:
    email = getattr(recipient, "email_address", None)
    address = getattr(email, "address", None)
    return address.strip().lower() if address else None


def normalise(message: Message) -> MailItem | None:
    """The parts of a Graph message we keep; drafts and messages without a time are skipped."""
    sent = message.sent_date_time or message.received_date_time
    if message.is_draft or sent is None:
        return None
    people = (message.to_recipients or []) + (message.cc_recipients or [])
    recipients = [a for r in people if (a := _address(r))]
    names = tuple(n for r in [message.from_, *people] if (n := _name(r)))
    return MailItem(
        key=message.internet_message_id or message.id or "",
        subject=(message.subject or None) and (message.subject or "")[:500],
        preview=(message.body_preview or "")[:PREVIEW_CHARS],
        sender=_address(message.from_),
        recipients=recipients,
        sent_at=sent,
        web_link=message.web_link,
        thread_key=message.conversation_id or None,
        sender_name=_name(message.from_),
        names=names,
    )


async def _pages(
    client: GraphServiceClient, mailbox: str, address: str, page_size: int
) -> AsyncIterator[list[Message]]:
    builder = client.me.messages if mailbox == "me" else client.users.by_user_id(mailbox).messages
    query = MessagesRequestBuilder.MessagesRequestBuilderGetQueryParameters(
        search=f'"participants:{address}"', top=page_size, select=FIELDS
    )
    page = await builder.get(RequestConfiguration(query_parameters=query))
    while page is not None:
        yield list(page.value or [])
        if not page.odata_next_link:
            return
        page = await builder.with_url(page.odata_next_link).get()


def message_in(lead_id: uuid.UUID, address: str, item: MailItem) -> MessageIn:
    """A mail as the lead page stores it; a message without a conversation id is a thread of its own."""
    return MessageIn(
        lead_id=lead_id,
        key=item.key,
        source=MessageSource.MAIL,
        thread_key=item.thread_key or item.key,
        thread_title=item.subject,
        participants=item.names,
        sender_address=item.sender,
        sender_name=item.sender_name,
        recipients=item.recipients,
        from_lead=item.sender == address,
        preview=item.preview,
        sent_at=item.sent_at,
        web_link=item.web_link,
        signal_id=mail_signal_id(item.key),
    )


async def store_mail(
    *,
    session: AsyncSession,
    tenant_id: str,
    by_lead: Mapping[uuid.UUID, tuple[str, Sequence[MailItem]]],
    now: datetime,
) -> tuple[int, int]:
    """Store new messages per lead (once per internet message id) and signal the lead's replies; returns
    (stored, replies)."""
    items = [
        message_in(lead_id, address, item) for lead_id, (address, mail) in by_lead.items() for item in mail
    ]
    report = await store_messages(session, tenant_id=tenant_id, items=items, now=now)
    return report.stored, report.replies


async def store_with_retry(
    *,
    sessions: SessionMaker,
    tenant_id: str,
    by_lead: Mapping[uuid.UUID, tuple[str, Sequence[MailItem]]],
    now: datetime,
    attempts: int = 3,
) -> tuple[int, int]:
    """``store_mail`` in its own transaction, tried again when another sync changed the same lead
    meanwhile (the lead's version column says so); the retry re-reads what is already stored."""
    for attempt in range(attempts):
        try:
            async with transaction(sessions) as session:
                return await store_mail(session=session, tenant_id=tenant_id, by_lead=by_lead, now=now)
        except (StaleDataError, IntegrityError):
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


async def sync_lead_mail(
    *,
    sessions: SessionMaker,
    client: GraphServiceClient,
    tenant_id: str,
    lead_id: Any,
    mailbox: str,
    now: datetime,
    page_size: int = 100,
) -> MailSyncReport:
    """Fetch the mail exchanged with one lead from one mailbox (``"me"`` for the signed-in user)."""
    async with sessions() as session:
        lead = (await session.exec(select(Lead).where(Lead.tenant_id == tenant_id, Lead.id == lead_id))).one()
    address = lead.email
    seen = stored = replies = pages = 0
    async for batch in _pages(client, mailbox, address, page_size):
        pages += 1
        items = [item for message in batch if (item := normalise(message)) is not None and item.key]
        seen += len(items)
        # $search matches loosely (display names, quoted text); keep only mail the lead sent or received.
        mine = [i for i in items if i.sender == address or address in i.recipients]
        if mine:
            added, signalled = await store_with_retry(
                sessions=sessions, tenant_id=tenant_id, by_lead={lead.id: (address, mine)}, now=now
            )
            stored += added
            replies += signalled
    return MailSyncReport(seen=seen, stored=stored, replies=replies, pages=pages)
