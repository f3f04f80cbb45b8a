"""Keep a mailbox's mail with known leads fresh with Graph's delta queries, one folder at a time.

Delta works per folder (Inbox and Sent Items) and hands back a link to continue from; the link is stored
after every page, so a restart resumes where the last run stopped. An expired link (410
SyncStateNotFound) starts the folder over; storage is keyed by internet message id, so nothing is
stored twice. ``Prefer: odata.maxpagesize`` goes with every request, next and delta links included:
Graph applies it per request, and a page without it falls back to the default of 10."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph.generated.models.message import Message
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.graph_service_client import GraphServiceClient
from sqlmodel import col, select

from app.db import SessionMaker, transaction
from app.graph.mail import MailItem, normalise, store_with_retry
from app.models import Lead, TenantSetting

FOLDERS = ("inbox", "sentitems")


@dataclass(frozen=True, slots=True)
class DeltaReport:
    pages: int
    changes: int
    stored: int
    replies: int
    restarted: tuple[str, ...]  # folders whose delta link had expired


def state_key(mailbox: str, folder: str) -> str:
    """Where a mailbox folder's delta position is kept, per tenant."""
    return f"graph.delta:{mailbox}:{folder}"


async def _load_link(sessions: SessionMaker, tenant_id: str, key: str) -> str | None:
    async with sessions() as session:
        row = await session.get(TenantSetting, (tenant_id, key))
    return str(row.value["link"]) if row is not None and row.value.get("link") else None


async def _save_link(
    sessions: SessionMaker, tenant_id: str, key: str, link: str | None, now: datetime
) -> None:
    async with transaction(sessions) as session:
        row = await session.get(TenantSetting, (tenant_id, key))
        if row is None:
            row = TenantSetting(tenant_id=tenant_id, key=key, value={})
        row.value = {"link": link}
        row.updated_at = now
        session.add(row)


async def _leads_by_address(
    sessions: SessionMaker, tenant_id: str, items: Sequence[MailItem]
) -> dict[str, uuid.UUID]:
    addresses = {a for item in items for a in [item.sender, *item.recipients] if a}
    if not addresses:
        return {}
    async with sessions() as session:
        rows = (
            await session.exec(
                select(Lead.email, Lead.id).where(Lead.tenant_id == tenant_id, col(Lead.email).in_(addresses))
            )
        ).all()
    return {email: lead_id for email, lead_id in rows}


def _is_expired(error: ODataError) -> bool:
    # Outlook spells it SyncStateNotFound; Graph's delta guide, syncStateNotFound.
    code = getattr(getattr(error, "error", None), "code", None)
    return error.response_status_code == 410 or str(code).lower() == "syncstatenotfound"


async def sync_mailbox_delta(
    *,
    sessions: SessionMaker,
    client: GraphServiceClient,
    tenant_id: str,
    mailbox: str,
    now: datetime,
    folders: Sequence[str] = FOLDERS,
    page_size: int = 50,
) -> DeltaReport:
    """Bring one mailbox's lead mail up to date; ``mailbox`` is the user's object id."""
    pages = changes = stored = replies = 0
    restarted: list[str] = []
    for folder in folders:
        key = state_key(mailbox, folder)
        delta = client.users.by_user_id(mailbox).mail_folders.by_mail_folder_id(folder).messages.delta
        link = await _load_link(sessions, tenant_id, key)
        config: RequestConfiguration[Any] = RequestConfiguration()
        config.headers.add("Prefer", f"odata.maxpagesize={page_size}")
        for attempt in range(2):
            try:
                page = await (delta.with_url(link) if link else delta).get(config)
                while page is not None:
                    pages += 1
                    messages: list[Message] = [
                        m for m in (page.value or []) if "@removed" not in (m.additional_data or {})
                    ]
                    changes += len(page.value or [])
                    items = [item for m in messages if (item := normalise(m)) is not None and item.key]
                    leads = await _leads_by_address(sessions, tenant_id, items)
                    grouped: dict[uuid.UUID, list[MailItem]] = defaultdict(list)
                    emails = {lead_id: email for email, lead_id in leads.items()}
                    for item in items:
                        # Only mail that involves a known lead is kept.
                        for address in [item.sender, *item.recipients]:
                            if address in leads:
                                grouped[leads[address]].append(item)
                                break
                    by_lead: dict[uuid.UUID, tuple[str, Sequence[MailItem]]] = {
                        lead_id: (emails[lead_id], found) for lead_id, found in grouped.items()
                    }
                    if by_lead:
                        added, signalled = await store_with_retry(
                            sessions=sessions, tenant_id=tenant_id, by_lead=by_lead, now=now
                        )
                        stored += added
                        replies += signalled
                    # Kept after every page: a restart resumes here instead of starting the folder over.
                    next_link = page.odata_next_link or page.odata_delta_link
                    await _save_link(sessions, tenant_id, key, next_link, now)
                    if page.odata_next_link:
                        page = await delta.with_url(page.odata_next_link).get(config)
                    else:
                        page = None
                break
            except ODataError as error:
                if attempt == 0 and _is_expired(error):
                    restarted.append(folder)
                    await _save_link(sessions, tenant_id, key, None, now)
                    link = None
                    continue
                raise
    return DeltaReport(
        pages=pages, changes=changes, stored=stored, replies=replies, restarted=tuple(restarted)
    )
