"""Many leads' mail from one mailbox, searched through Graph's ``$batch``: 20 searches per HTTP request
instead of one request per lead and page.

Each lead's first page (``$search="participants:<addr>"``) becomes one sub-request; a page with an
``@odata.nextLink`` queues its next page as another sub-request, so continuations fill later batches. A
sub-request answered 429, 503 or 504 is queued again after its ``Retry-After``: the batch envelope came back
200, so kiota's retry handler never sees it (a whole batch answered 429 is still retried by kiota).

Concurrency follows Outlook: it runs at most 4 of a batch's requests at a time and allows an app 4
concurrent requests, across all mailboxes. A batch of n sub-requests therefore occupies min(n, 4) of those
4 slots while it is in flight: full batches go one after another, and small ones (a few next pages) may
overlap. Sending four full batches at once would put 16 requests in flight and earn 429s. This run's own
accounting keeps it within the limit by itself; the process's ``GraphLimiter`` (see ``limiter.py``) weighs
each batch the same way, so other Graph callers running meanwhile are counted too.

Messages become msgraph-sdk ``Message`` objects, normalised and stored with ``store_with_retry``, as
``mail.py`` does for one lead. They are mapped from the JSON field by field rather than through kiota's
``JsonParseNode``: that costs about 3.6 ms of CPU per message (``Entity.get_field_deserializers`` builds
its whole discriminator table for every object), which for a few hundred leads outweighs the requests
saved, and here it would block the loop while the next batch is in flight.

The batch is posted as plain JSON through the request adapter, not with msgraph-core's batch types: in
msgraph-core 1.5.2 those import the undeclared ``deprecated`` package
(microsoftgraph/msgraph-sdk-python-core#1030), and kiota reads JSON-object sub-response bodies as
base64 (microsoft/kiota-python#737)."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import json
import uuid
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from kiota_abstractions.method import Method
from kiota_abstractions.request_information import RequestInformation
from kiota_serialization_json.json_parse_node import JsonParseNode
from msgraph.generated.models.email_address import EmailAddress
from msgraph.generated.models.message import Message
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.recipient import Recipient
from msgraph.graph_service_client import GraphServiceClient
from sqlmodel import col, select

from app.db import SessionMaker
from app.graph.mail import FIELDS, MailItem, normalise, store_with_retry
from app.models import Lead

BATCH_LIMIT = 20  # Graph refuses a $batch with more requests
PARALLEL_PER_BATCH = 4  # Outlook runs this many of one batch's requests to a mailbox at a time
MAILBOX_CONCURRENCY = 4  # Outlook's concurrent requests per app
RETRYABLE = frozenset({429, 503, 504})
MAX_ATTEMPTS = 5
DEFAULT_RETRY_AFTER = 1.0
MAX_RETRY_AFTER = 60.0


@dataclass(slots=True)
class BatchedReport:
    """What one run did. ``http_requests`` counts the ``$batch`` posts we made; kiota's own retries of a
    whole batch happen below us and are not in it."""

    leads: int = 0
    http_requests: int = 0
    sub_requests: int = 0
    batch_sizes: list[int] = field(default_factory=list)
    pages: int = 0
    seen: int = 0
    stored: int = 0
    replies: int = 0
    retried: int = 0
    # Searches given up on, by Graph error code: 403 for a mailbox RBAC keeps from the app, or a throttled
    # search still throttled after MAX_ATTEMPTS.
    failed: dict[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class _Step:
    """One page of one lead's search: the relative URL to send, and how often it was sent."""

    lead_id: uuid.UUID
    address: str
    url: str
    attempts: int = 0


@dataclass(frozen=True, slots=True)
class _Page:
    messages: list[Message]
    next_link: str | None


@dataclass(frozen=True, slots=True)
class _Outcome:
    """A sub-response, read: its step, status and (on 200) the page, or the error code and wait."""

    step: _Step
    status: int
    page: _Page | None = None
    code: str | None = None
    retry_after: float | None = None


def _first_page_url(mailbox: str, address: str, page_size: int) -> str:
    # Built by hand rather than by the request builder: inside a batch no middleware replaces the SDK's
    # "/users/me-token-to-replace" placeholder with "/me".
    path = "/me/messages" if mailbox == "me" else f"/users/{quote(mailbox, safe='')}/messages"
    query = {"$search": f'"participants:{address}"', "$top": str(page_size), "$select": ",".join(FIELDS)}
    return f"{path}?{urlencode(query, quote_via=quote, safe=',')}"


def _relative(link: str, base_url: str) -> str:
    """A next link as a batch URL: batch steps must be relative to the version root (``/v1.0``)."""
    if link.startswith(base_url):
        return link[len(base_url) :]
    parts = urlsplit(link)
    # Another host spelling of the same service: drop the version segment ("/v1.0/users/..." -> "/users/...").
    path = "/" + parts.path.lstrip("/").partition("/")[2]
    return f"{path}?{parts.query}" if parts.query else path


def _header(headers: Any, name: str) -> str | None:
    if not isinstance(headers, dict):
        return None
    return next((str(v) for k, v in headers.items() if str(k).lower() == name.lower()), None)


def _retry_after(headers: Any, attempts: int) -> float:
    value = _header(headers, "Retry-After")
    try:
        wait = float(value) if value is not None else DEFAULT_RETRY_AFTER * 2 ** (attempts - 1)
    except ValueError:  # an HTTP date; Graph sends seconds, so back off as if none were given
        wait = DEFAULT_RETRY_AFTER * 2 ** (attempts - 1)
    return min(max(wait, 0.0), MAX_RETRY_AFTER)


def _recipient(data: Any) -> Recipient | None:
    email = data.get("emailAddress") if isinstance(data, dict) else None
    if not isinstance(email, dict):
        return None
    return Recipient(email_address=EmailAddress(address=email.get("address"), name=email.get("name")))


def _time(value: Any) -> datetime | None:
    # kiota's own reader for one scalar: it takes Graph's 7-digit fractions, which fromisoformat does not.
    return JsonParseNode(value).get_datetime_value() if isinstance(value, str) and value else None


def _message(data: dict[str, Any]) -> Message:
    """The fields of ``FIELDS`` as a msgraph-sdk ``Message``, for ``normalise``."""
    return Message(
        id=data.get("id"),
        internet_message_id=data.get("internetMessageId"),
        subject=data.get("subject"),
        body_preview=data.get("bodyPreview"),
        from_=_recipient(data.get("from")),
        to_recipients=[r for item in data.get("toRecipients") or [] if (r := _recipient(item))],
        cc_recipients=[r for item in data.get("ccRecipients") or [] if (r := _recipient(item))],
        sent_date_time=_time(data.get("sentDateTime")),
        received_date_time=_time(data.get("receivedDateTime")),
        web_link=data.get("webLink"),
        is_draft=data.get("isDraft"),
        conversation_id=data.get("conversationId"),
    )


def _read(step: _Step, response: dict[str, Any]) -> _Outcome:
    status = int(response.get("status", 0))
    body = response.get("body")
    if status == 200 and isinstance(body, dict):
        values = body.get("value") or []
        link = body.get("@odata.nextLink")
        page = _Page([_message(v) for v in values if isinstance(v, dict)], str(link) if link else None)
        return _Outcome(step, status, page=page)
    error = body.get("error") if isinstance(body, dict) else None
    code = str(error.get("code")) if isinstance(error, dict) and error.get("code") else str(status)
    wait = _retry_after(response.get("headers"), step.attempts) if status in RETRYABLE else None
    return _Outcome(step, status, code=code, retry_after=wait)


async def _post_batch(client: GraphServiceClient, steps: Sequence[_Step]) -> list[_Outcome]:
    """One ``$batch`` POST, sent as raw JSON through the SDK's request adapter (token provider and retry
    middleware included). msgraph-core's batch types are not used: they import an undeclared package, and
    kiota reads JSON sub-response bodies as base64 bytes and drops them."""
    ids = {str(n): step for n, step in enumerate(steps)}
    payload = {"requests": [{"id": key, "method": "GET", "url": step.url} for key, step in ids.items()]}
    info = RequestInformation(Method.POST, "{+baseurl}/$batch")
    info.headers.try_add("Accept", "application/json")
    info.set_stream_content(json.dumps(payload).encode(), "application/json")
    raw: bytes | None = await client.request_adapter.send_primitive_async(info, "bytes", {"XXX": ODataError})
    answer = json.loads(raw or b"{}")
    by_id = {str(r.get("id")): r for r in answer.get("responses") or [] if isinstance(r, dict)}
    # A step Graph did not answer is treated like a 503 of its own, so it is tried again, not lost.
    missing = {"status": 503, "body": {"error": {"code": "missingSubResponse"}}}
    return [_read(step, by_id.get(key, missing)) for key, step in ids.items()]


async def sync_leads_mail_batched(
    *,
    sessions: SessionMaker,
    client: GraphServiceClient,
    tenant_id: str,
    lead_ids: Sequence[uuid.UUID],
    mailbox: str,
    now: datetime,
    page_size: int = 50,
    mailbox_concurrency: int = MAILBOX_CONCURRENCY,
    max_attempts: int = MAX_ATTEMPTS,
) -> BatchedReport:
    """Fetch the mail exchanged with each lead from one mailbox (``"me"`` for the signed-in user) through
    ``$batch``, storing each message once and signalling the leads' replies.

    ``mailbox_concurrency`` is the number of requests allowed on the mailbox at once; it cannot go below
    what Outlook itself runs of one batch. Raises ``ODataError`` when a whole batch fails after kiota's
    retries (a bad token, say); searches that fail one by one are counted in ``failed`` instead."""
    if mailbox_concurrency < PARALLEL_PER_BATCH:
        raise ValueError(f"mailbox_concurrency must be at least {PARALLEL_PER_BATCH}")
    async with sessions() as session:
        leads = (
            await session.exec(
                select(Lead).where(Lead.tenant_id == tenant_id, col(Lead.id).in_(list(lead_ids)))
            )
        ).all()
    # Keep the caller's order: when one message involves two leads, the first one asked for keeps it.
    order = {lead_id: n for n, lead_id in enumerate(lead_ids)}
    leads = sorted(leads, key=lambda lead: order[lead.id])
    report = BatchedReport(leads=len(leads))
    base_url = client.request_adapter.base_url.rstrip("/")
    loop = asyncio.get_running_loop()

    ready: deque[_Step] = deque(
        _Step(lead.id, lead.email.lower(), _first_page_url(mailbox, lead.email.lower(), page_size))
        for lead in leads
    )
    waiting: list[tuple[float, int, _Step]] = []  # (due on the loop clock, tie-breaker, step)
    tie = itertools.count()
    running: dict[asyncio.Task[list[_Outcome]], int] = {}  # batch -> mailbox slots it occupies
    used = 0
    to_store: dict[uuid.UUID, tuple[str, list[MailItem]]] = {}

    def launch() -> None:
        nonlocal used
        while ready:
            size = min(len(ready), BATCH_LIMIT)
            slots = min(size, PARALLEL_PER_BATCH)
            if used + slots > mailbox_concurrency:
                return
            steps = [ready.popleft() for _ in range(size)]
            for step in steps:
                step.attempts += 1
            used += slots
            running[asyncio.create_task(_post_batch(client, steps))] = slots
            report.http_requests += 1
            report.sub_requests += size
            report.batch_sizes.append(size)

    def settle(outcome: _Outcome) -> None:
        step = outcome.step
        if outcome.page is not None:
            report.pages += 1
            items = [item for m in outcome.page.messages if (item := normalise(m)) is not None and item.key]
            report.seen += len(items)
            # $search matches loosely (display names, quoted text); keep only mail the lead sent or received.
            mine = [i for i in items if i.sender == step.address or step.address in i.recipients]
            if mine:
                to_store.setdefault(step.lead_id, (step.address, []))[1].extend(mine)
            if outcome.page.next_link:
                ready.append(_Step(step.lead_id, step.address, _relative(outcome.page.next_link, base_url)))
        elif outcome.retry_after is not None and step.attempts < max_attempts:
            report.retried += 1
            heapq.heappush(waiting, (loop.time() + outcome.retry_after, next(tie), step))
        else:
            code = outcome.code or str(outcome.status)
            report.failed[code] = report.failed.get(code, 0) + 1

    try:
        while True:
            while waiting and waiting[0][0] <= loop.time():
                ready.append(heapq.heappop(waiting)[2])
            launch()
            if to_store:
                # Stored while the batches just launched are in flight; only this loop writes, so one
                # transaction at a time (SQLite has a single writer anyway).
                batch, to_store = to_store, {}
                stored, replies = await store_with_retry(
                    sessions=sessions, tenant_id=tenant_id, by_lead=batch, now=now
                )
                report.stored += stored
                report.replies += replies
                continue
            if not running and not ready and not waiting:
                break
            timeout = max(0.0, waiting[0][0] - loop.time()) if waiting else None
            if not running:
                await asyncio.sleep(timeout or 0)
                continue
            done, _ = await asyncio.wait(running, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                used -= running.pop(task)
                for outcome in task.result():  # a whole batch that failed raises here
                    settle(outcome)
    finally:
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
    return report
