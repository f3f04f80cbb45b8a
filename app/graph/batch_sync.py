"""Application-mode sync for the CLI and background work: every member's mailbox, with an app token.

Mailboxes are worked at most four at a time, each with one request at a time: Outlook allows the app four
concurrent requests in all, and the process's ``GraphLimiter`` keeps this run and every other Graph caller
within them together."""

from __future__ import annotations

import asyncio
import ssl
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from sqlmodel import col, select

from app.config import Settings
from app.db import SessionMaker
from app.graph.client import connect
from app.graph.mail import sync_lead_mail
from app.graph.mail_delta import sync_mailbox_delta
from app.graph.tokens import GraphTokens
from app.models import Member

MAILBOXES_AT_ONCE = 4


@dataclass(slots=True)
class SyncSummary:
    mailboxes: int = 0
    stored: int = 0
    replies: int = 0
    skipped: dict[str, int] = field(default_factory=dict)  # mailbox errors by Graph error code


async def _mailboxes(sessions: SessionMaker, tenant_id: str) -> list[str]:
    async with sessions() as session:
        rows = (
            await session.exec(
                select(Member.aad_object_id).where(
                    Member.tenant_id == tenant_id,
                    col(Member.active).is_(True),
                    col(Member.aad_object_id).is_not(None),
                )
            )
        ).all()
    return [row for row in rows if row]


async def sync_tenant(
    *,
    settings: Settings,
    sessions: SessionMaker,
    tokens: GraphTokens,
    tls: ssl.SSLContext,
    tenant_id: str,
    now: datetime,
    lead_id: uuid.UUID | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SyncSummary:
    """One lead across every mailbox (``lead_id``), or every mailbox brought up to date by delta."""

    async def source() -> str:
        return await tokens.for_application(tenant_id=tenant_id)

    connection = connect(settings, source, tls=tls, limiter=tokens.limiter)
    summary = SyncSummary()
    mailboxes = await _mailboxes(sessions, tenant_id)
    gate = asyncio.Semaphore(MAILBOXES_AT_ONCE)
    done = 0

    async def one(mailbox: str) -> None:
        nonlocal done
        async with gate:
            try:
                if lead_id is not None:
                    report = await sync_lead_mail(
                        sessions=sessions,
                        client=connection.sdk,
                        tenant_id=tenant_id,
                        lead_id=lead_id,
                        mailbox=mailbox,
                        now=now,
                    )
                    summary.stored += report.stored
                    summary.replies += report.replies
                else:
                    delta = await sync_mailbox_delta(
                        sessions=sessions,
                        client=connection.sdk,
                        tenant_id=tenant_id,
                        mailbox=mailbox,
                        now=now,
                    )
                    summary.stored += delta.stored
                    summary.replies += delta.replies
                summary.mailboxes += 1
            except ODataError as error:
                # A mailbox Exchange RBAC keeps from the app (403), or one that does not exist (404), is
                # skipped; the rest of the tenant still syncs.
                code = getattr(getattr(error, "error", None), "code", None) or str(error.response_status_code)
                summary.skipped[code] = summary.skipped.get(code, 0) + 1
            finally:
                done += 1
                if progress is not None:
                    progress(done, len(mailboxes))

    try:
        await asyncio.gather(*(one(mailbox) for mailbox in mailboxes))
    finally:
        await connection.close()
    return summary
