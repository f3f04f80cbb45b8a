"""A lead's Teams chats, seen by one user, onto the timeline; a message from the lead becomes a signal.

Graph has no delta for a user's chat messages, so each chat is read newest change first (Graph's only
order, 50 a page at most) down to a high-water mark: the newest ``lastModifiedDateTime`` seen last time,
kept in ``TenantSetting``. Edits and deletions move a message's ``lastModifiedDateTime``, so they come back
above the mark and are applied. Chat message ids are only unique within their chat, so the stored key
carries the chat id. Only chats the lead is a member of are read, and only a plain-text preview is kept.

Membership comes from the chat list's ``$expand=members``, which returns at most 25 members per chat (a
known issue on Graph's chat-list page); a chat that shows 25 has its full list read from
``/chats/{id}/members``, so a lead in a large group chat is still found. System events (a member added, a
meeting started) arrive as ``unknownFutureValue`` with no sender unless a client opts into newer enum
members; either way they are not conversation and are skipped."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph.generated.chats.item.messages.messages_request_builder import MessagesRequestBuilder
from msgraph.generated.models.chat import Chat
from msgraph.generated.models.chat_message import ChatMessage
from msgraph.generated.users.item.chats.chats_request_builder import ChatsRequestBuilder
from msgraph.graph_service_client import GraphServiceClient
from sqlmodel import select

from app.db import SessionMaker, transaction
from app.models import Lead, TenantSetting
from app.nurturing.enums import MessageSource
from app.services.errors import LeadNotFound
from app.services.lead_messages import (
    MessageIn,
    chat_key,
    chat_signal_id,
    remove_messages,
    store_messages,
)

PREVIEW_CHARS = 1000
# Graph's limits: chats list at most 50 a page, chat messages at most 50 a page.
CHATS_PAGE = 50
MESSAGES_PAGE_MAX = 50
# The most members $expand=members returns per chat; a chat showing this many may have more.
EXPANDED_MEMBERS_MAX = 25
MARK_KEY_PREFIX = "graph.chat:"


# --- HTML to a plain-text preview ---------------------------------------------------------------------

# Elements whose content is never text a reader saw.
_HIDDEN = frozenset({"script", "style", "noscript", "template", "head", "title"})
# Elements that end a line or a cell: their boundary must not glue two words together.
_BREAKS = frozenset(
    {"br", "p", "div", "li", "ul", "ol", "tr", "td", "th", "table", "blockquote", "h1", "h2", "h3", "h4"}
    | {"h5", "h6", "hr", "pre", "section", "article", "header", "footer"}
)
# Control characters other than whitespace: PostgreSQL refuses NUL in text, the rest render as junk.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u2028\u2029\ufeff]")


class _TextExtractor(HTMLParser):
    """Collects the visible text of an HTML fragment; entities are decoded by ``convert_charrefs``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self._hidden += 1
        elif tag in _BREAKS:
            self.parts.append(" ")
        elif tag == "emoji" and not self._hidden:
            # Teams sends emoji as <emoji alt="🙂">; the alt is what the reader saw.
            self.parts.append(dict(attrs).get("alt") or "")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # <script/> opens nothing; anything else self-closing is treated as an empty element.
        if tag not in _HIDDEN:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        elif tag in _BREAKS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def plain_text(content: str | None, *, html: bool = True, limit: int = PREVIEW_CHARS) -> str:
    """A single-line plain-text preview of a message body, at most ``limit`` characters.

    HTML loses its tags and the content of script/style, entities are decoded, and whitespace is collapsed.
    The result is text, not markup: whoever shows it must still escape it for their medium."""
    if not content:
        return ""
    if html:
        parser = _TextExtractor()
        parser.feed(content)
        parser.close()
        content = "".join(parser.parts)
    text = " ".join(_CONTROL.sub(" ", content).split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


# --- Graph shapes -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChatSyncReport:
    chats: int  # chats the lead is a member of
    seen: int  # messages read from those chats, system messages included
    stored: int  # new messages stored
    updated: int  # stored messages whose text changed (edited in Teams)
    removed: int  # stored messages deleted in Teams since
    replies: int  # new chat_reply events
    chat_pages: int
    message_pages: int
    member_lists: int = 0  # chats whose full member list was read, their expanded list being cut at 25


@dataclass(frozen=True, slots=True)
class _Member:
    user_id: str | None
    email: str | None
    name: str | None = None


@dataclass(frozen=True, slots=True)
class _LeadChat:
    id: str
    web_url: str | None
    members: tuple[_Member, ...]
    lead_user_ids: frozenset[str]
    topic: str | None = None  # a group or meeting chat's; a 1:1 chat has none worth showing


@dataclass(frozen=True, slots=True)
class ChatItem:
    key: str
    external_id: str
    deleted: bool
    preview: str
    sender_id: str | None
    sent_at: datetime
    web_link: str | None
    sender_name: str | None = None


def _member(member: Any) -> _Member:
    # Only aadUserConversationMember (own tenant, guests and federated users of other tenants alike) has
    # userId and email; other member kinds may carry them as unparsed additional data.
    extra = getattr(member, "additional_data", None) or {}
    user_id = getattr(member, "user_id", None) or extra.get("userId")
    email = getattr(member, "email", None) or extra.get("email")
    name = getattr(member, "display_name", None) or extra.get("displayName")
    return _Member(
        str(user_id) if user_id else None,
        str(email).strip().lower() if isinstance(email, str) else None,
        name.strip() if isinstance(name, str) and name.strip() else None,
    )


def _is_message(message: ChatMessage) -> bool:
    kind = message.message_type
    # Unknown future types arrive as None or a new value; only user messages are conversation.
    return getattr(kind, "value", kind) == "message"


def normalise(chat_id: str, message: ChatMessage, *, chat_web_url: str | None) -> ChatItem | None:
    """The parts of a chat message we keep; system messages and messages without a time are skipped.

    Deleted messages are returned (``deleted``) so that a stored copy can be removed."""
    if not message.id or message.created_date_time is None or not _is_message(message):
        return None
    body = message.body
    content_type = getattr(getattr(body, "content_type", None), "value", None)
    user = getattr(message.from_, "user", None)
    name = getattr(user, "display_name", None)
    return ChatItem(
        key=chat_key(chat_id, message.id),
        external_id=chat_signal_id(chat_id, message.id),
        deleted=message.deleted_date_time is not None,
        preview=plain_text(getattr(body, "content", None), html=content_type != "text"),
        sender_id=getattr(user, "id", None),
        sent_at=message.created_date_time.astimezone(UTC),
        # Chat messages rarely carry their own link; the chat's link still opens the conversation.
        web_link=message.web_url or chat_web_url,
        sender_name=name.strip() if isinstance(name, str) and name.strip() else None,
    )


def _graph_time(moment: datetime) -> str:
    # Truncated to Graph's milliseconds: a mark a little low re-reads one message, never skips one.
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def mark_key(user: str, chat_id: str, lead_id: uuid.UUID) -> str:
    """The setting that holds one chat's high-water mark, for one user's view and one lead.

    Keyed by lead too: a group chat with two leads is read in full once for each of them. Chat ids are
    long, and the key column holds 80 characters, so the parts are hashed; the value names them."""
    digest = hashlib.sha256(f"{user}\n{chat_id}\n{lead_id}".encode()).hexdigest()[:40]
    return f"{MARK_KEY_PREFIX}{digest}"


async def _chat_pages(client: GraphServiceClient, user: str) -> AsyncIterator[list[Chat]]:
    builder = client.me.chats if user == "me" else client.users.by_user_id(user).chats
    query = ChatsRequestBuilder.ChatsRequestBuilderGetQueryParameters(expand=["members"], top=CHATS_PAGE)
    page = await builder.get(RequestConfiguration(query_parameters=query))
    while page is not None:
        yield list(page.value or [])
        if not page.odata_next_link:
            return
        page = await builder.with_url(page.odata_next_link).get()


async def _complete_members(client: GraphServiceClient, chats: Sequence[Chat]) -> int:
    """Replace each cut-off expanded member list with the chat's full one; returns how many were read."""
    read = 0
    for chat in chats:
        if chat.id and len(chat.members or []) >= EXPANDED_MEMBERS_MAX:
            listed = await client.chats.by_chat_id(chat.id).members.get()
            chat.members = list(listed.value or []) if listed is not None else chat.members
            read += 1
    return read


async def _message_pages(
    client: GraphServiceClient, chat_id: str, since: datetime | None, page_size: int
) -> AsyncIterator[list[ChatMessage]]:
    builder = client.chats.by_chat_id(chat_id).messages
    query = MessagesRequestBuilder.MessagesRequestBuilderGetQueryParameters(
        top=page_size,
        orderby=["lastModifiedDateTime desc"],
        filter=f"lastModifiedDateTime gt {_graph_time(since)}" if since else None,
    )
    page = await builder.get(RequestConfiguration(query_parameters=query))
    while page is not None:
        yield list(page.value or [])
        if not page.odata_next_link:
            return
        page = await builder.with_url(page.odata_next_link).get()


def _topic(chat: Chat) -> str | None:
    # Graph documents the topic for group chats only; a 1:1 chat may carry member ids there instead.
    kind = getattr(chat.chat_type, "value", chat.chat_type)
    topic = (chat.topic or "").strip()
    return topic[:500] if topic and kind != "oneOnOne" else None


def _lead_chats(chats: Iterable[Chat], address: str) -> list[_LeadChat]:
    listed = [(chat, [_member(m) for m in chat.members or []]) for chat in chats if chat.id]
    # Graph may leave out a federated member's email in one chat and give it in another; the lead's
    # user id, learnt where the email shows, finds them in the others too.
    lead_ids = frozenset(
        m.user_id for _, members in listed for m in members if m.email == address and m.user_id
    )
    found = []
    for chat, members in listed:
        in_chat = frozenset(m.user_id for m in members if m.user_id in lead_ids)
        if in_chat or any(m.email == address for m in members):
            found.append(_LeadChat(str(chat.id), chat.web_url, tuple(members), in_chat, _topic(chat)))
    return found


async def _load_mark(sessions: SessionMaker, tenant_id: str, key: str) -> datetime | None:
    async with sessions() as session:
        row = await session.get(TenantSetting, (tenant_id, key))
    value = row.value if row is not None and isinstance(row.value, dict) else {}
    stamp = value.get("last_modified")
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00")) if isinstance(stamp, str) else None
    except ValueError:
        # An unreadable mark costs one full read of the chat, which stores and signals nothing twice.
        return None


async def _save_mark(
    sessions: SessionMaker,
    *,
    tenant_id: str,
    key: str,
    value: dict[str, Any],
    now: datetime,
) -> None:
    async with transaction(sessions) as session:
        row = await session.get(TenantSetting, (tenant_id, key))
        if row is None:
            session.add(TenantSetting(tenant_id=tenant_id, key=key, value=value, updated_at=now))
        else:
            row.value = value
            row.updated_at = now
            session.add(row)


@dataclass(slots=True)
class _Tally:
    seen: int = 0
    stored: int = 0
    updated: int = 0
    removed: int = 0
    replies: int = 0
    message_pages: int = 0


async def _store_page(
    sessions: SessionMaker,
    *,
    tenant_id: str,
    lead: Lead,
    chat: _LeadChat,
    items: Sequence[ChatItem],
    now: datetime,
    tally: _Tally,
) -> None:
    emails = {m.user_id: m.email for m in chat.members if m.user_id and m.email}
    # A federated lead may be listed without an email in this chat; their address is still known.
    emails.update(dict.fromkeys(chat.lead_user_ids, lead.email))
    names = [m.name for m in chat.members if m.name]
    gone = [i.key for i in items if i.deleted]
    messages = [
        MessageIn(
            lead_id=lead.id,
            key=item.key,
            source=MessageSource.CHAT,
            thread_key=chat.id,
            thread_title=chat.topic,
            participants=names,
            sender_address=emails.get(item.sender_id) if item.sender_id else None,
            sender_name=item.sender_name,
            recipients=sorted({e for uid, e in emails.items() if uid != item.sender_id}),
            from_lead=item.sender_id is not None and item.sender_id in chat.lead_user_ids,
            preview=item.preview,
            sent_at=item.sent_at,
            web_link=item.web_link,
            signal_id=item.external_id,
        )
        for item in items
        if not item.deleted
    ]
    async with transaction(sessions) as session:
        if gone:
            # Deleted in Teams: keep no copy of what its author withdrew (the signal it gave stays).
            tally.removed += await remove_messages(session, tenant_id=tenant_id, keys=gone)
        report = await store_messages(session, tenant_id=tenant_id, items=messages, now=now)
    tally.stored += report.stored
    tally.updated += report.updated
    tally.replies += report.replies


async def _sync_chat(
    sessions: SessionMaker,
    client: GraphServiceClient,
    *,
    tenant_id: str,
    lead: Lead,
    user: str,
    chat: _LeadChat,
    now: datetime,
    page_size: int,
    tally: _Tally,
) -> None:
    key = mark_key(user, chat.id, lead.id)
    mark = await _load_mark(sessions, tenant_id, key)
    newest = mark
    async for batch in _message_pages(client, chat.id, mark, page_size):
        tally.message_pages += 1
        # Newest first: once a message is at or below the mark, the rest of the chat was read before.
        fresh = [
            m
            for m in batch
            if mark is None or m.last_modified_date_time is None or m.last_modified_date_time > mark
        ]
        done = len(fresh) < len(batch)
        tally.seen += len(fresh)
        # System messages move the mark too, or the newest of them would be read again on every run.
        for stamp in (m.last_modified_date_time or m.created_date_time for m in fresh):
            if stamp is not None:
                newest = stamp if newest is None else max(newest, stamp)
        items = [i for m in fresh if (i := normalise(chat.id, m, chat_web_url=chat.web_url)) is not None]
        if items:
            # Each page commits on its own: a crash repeats at most a page, which the keys make harmless.
            await _store_page(
                sessions, tenant_id=tenant_id, lead=lead, chat=chat, items=items, now=now, tally=tally
            )
        if done:
            break
    if newest is not None and newest != mark:
        # Only after the last page: pages run newest first, so a mark saved midway would hide the older
        # messages not yet read if the run stopped there.
        value = {
            "user": user,
            "chat_id": chat.id,
            "lead_id": str(lead.id),
            "last_modified": _graph_time(newest),
        }
        await _save_mark(sessions, tenant_id=tenant_id, key=key, value=value, now=now)


async def sync_lead_chats(
    *,
    sessions: SessionMaker,
    client: GraphServiceClient,
    tenant_id: str,
    lead_id: uuid.UUID,
    user: str,
    now: datetime,
    page_size: int = MESSAGES_PAGE_MAX,
) -> ChatSyncReport:
    """Fetch the Teams chat messages one user (``"me"`` for the signed-in user) exchanged with one lead.

    Reads only what changed since the last run in each chat; safe to repeat."""
    async with sessions() as session:
        lead = (
            await session.exec(select(Lead).where(Lead.tenant_id == tenant_id, Lead.id == lead_id))
        ).first()
    if lead is None:
        raise LeadNotFound(lead_id)
    page_size = max(1, min(page_size, MESSAGES_PAGE_MAX))
    listed: list[Chat] = []
    chat_pages = 0
    async for batch in _chat_pages(client, user):
        chat_pages += 1
        listed.extend(batch)
    member_lists = await _complete_members(client, listed)
    chats = _lead_chats(listed, lead.email)
    tally = _Tally()
    for chat in chats:
        await _sync_chat(
            sessions,
            client,
            tenant_id=tenant_id,
            lead=lead,
            user=user,
            chat=chat,
            now=now,
            page_size=page_size,
            tally=tally,
        )
    return ChatSyncReport(
        chats=len(chats),
        seen=tally.seen,
        stored=tally.stored,
        updated=tally.updated,
        removed=tally.removed,
        replies=tally.replies,
        chat_pages=chat_pages,
        message_pages=tally.message_pages,
        member_lists=member_lists,
    )
