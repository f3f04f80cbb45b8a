"""A loopback stand-in for the Microsoft Graph v1.0 routes Nurture reads conversation history from.

It serves, over real TLS (trustme) on 127.0.0.1, with Graph's JSON shapes, paging and error bodies:

- ``GET /users/{id}/messages`` with ``$search="participants:<addr>"``, ``$top``, ``$select``, paged with
  ``$skip`` in an absolute ``@odata.nextLink``, at most 1,000 search results;
- ``GET /users/{id}/mailFolders/{inbox|sentitems}/messages/delta``: a first round that ends in an
  ``@odata.deltaLink``, then only what changed (removals as ``@removed``), and 410 ``SyncStateNotFound``
  for a delta token the test expired; each page is as large as that request's ``Prefer:
  odata.maxpagesize`` asks, or Graph's default of 10 when a request does not ask;
- ``GET /users/{id}/chats?$expand=members`` (at most 25 members per chat, Graph's known issue),
  ``GET /chats/{id}/members`` (all of them), ``GET /chats/{id}/messages`` (50 a page at most, newest
  ``lastModifiedDateTime`` first, ``$filter`` on it; system events as ``unknownFutureValue`` with a null
  ``from`` unless ``Prefer: include-unknown-enum-members`` is sent) and ``GET /users/{id}/mailboxSettings``;
- ``POST /$batch`` with up to 20 requests, each answered by the same handlers and limits;
- ``/me/...`` for each user route, for delegated tokens.

It behaves like Outlook where our sync has to cope with it: at most 4 concurrent requests per app, whatever
the mailboxes (the current "Limits per app ID"; ``concurrency_per="mailbox"`` for the older rule of 4 per
app and mailbox), and a request budget per mailbox and window (429 ``ApplicationThrottled`` with
``Retry-After``), injected 429 and
503 (queued with ``fail_next`` or at a seeded ``fault_rate``), and added latency. It checks the bearer
token with a callable (the identity double's ``access_token_check``) and the permissions in its ``scp``
(delegated) or ``roles`` (application), and records every request, batch sub-requests included.

Use it as an async context manager on the running loop (msgraph-sdk is async), or start it on a loop of
its own in a thread (``start_in_thread``) for callers that block.
"""

from __future__ import annotations

import asyncio
import base64
import bisect
import itertools
import json
import math
import random
import re
import ssl
import tempfile
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

import jwt
import trustme
from aiohttp import web

if TYPE_CHECKING:
    from tests.doubles.identity import IdentityDouble

GRAPH_RESOURCE = "https://graph.microsoft.com"
# Outlook's limits (Microsoft Graph throttling guidance, "Outlook service limits", "Limits per app ID"):
# 4 concurrent requests per app, to one mailbox or to many; 10,000 requests per 10 minutes per mailbox.
OUTLOOK_CONCURRENCY = 4
OUTLOOK_BUDGET: tuple[int, float] = (10_000, 600.0)
BATCH_LIMIT = 20
SEARCH_RESULT_LIMIT = 1_000
MESSAGES_PAGE_DEFAULT = 10
MESSAGES_TOP_MAX = 1_000
DELTA_PAGE_DEFAULT = 10
CHAT_MESSAGES_PAGE_DEFAULT = 20
CHAT_MESSAGES_TOP_MAX = 50
CHATS_TOP_MAX = 50
# chat-list, known issue: $expand=members returns at most 25 members per chat, whatever $top says.
EXPANDED_MEMBERS_MAX = 25
WELL_KNOWN_FOLDERS = ("inbox", "sentitems", "drafts", "deleteditems", "archive")
DEFAULT_TENANT = "contoso-tenant"

# Permissions Graph accepts per route family: (delegated, in ``scp``; application, in ``roles``).
PERMISSIONS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "mail": (
        frozenset({"Mail.ReadBasic", "Mail.Read", "Mail.ReadWrite"}),
        frozenset({"Mail.ReadBasic.All", "Mail.Read", "Mail.ReadWrite"}),
    ),
    "mailboxSettings": (
        frozenset({"MailboxSettings.Read", "MailboxSettings.ReadWrite"}),
        frozenset({"MailboxSettings.Read", "MailboxSettings.ReadWrite"}),
    ),
    "chats": (
        frozenset({"Chat.ReadBasic", "Chat.Read", "Chat.ReadWrite"}),
        frozenset({"Chat.ReadBasic.All", "Chat.Read.All", "Chat.ReadWrite.All"}),
    ),
    "chatMembers": (
        frozenset(
            {"Chat.ReadBasic", "ChatMember.Read", "ChatMember.ReadWrite", "Chat.Read", "Chat.ReadWrite"}
        ),
        frozenset(
            {"ChatMember.Read.All", "Chat.ReadBasic.All", "Chat.Read.All", "Chat.ReadWrite.All"}
            | {"ChatMember.ReadWrite.All", "ChatMember.Read.Chat", "Chat.Manage.Chat"}
        ),
    ),
    "chatMessages": (
        frozenset({"Chat.Read", "Chat.ReadWrite"}),
        frozenset({"ChatMessage.Read.Chat", "Chat.Read.All", "Chat.ReadWrite.All", "Chat.Manage.Chat"}),
    ),
}
# Resource-specific consent: granted per chat when the app is installed there, never in a token's roles.
RSC_PERMISSIONS = frozenset({"ChatMessage.Read.Chat", "ChatMember.Read.Chat", "Chat.Manage.Chat"})
# Mail.ReadBasic(.All) reads everything but the body: Graph leaves body and bodyPreview out.
BASIC_MAIL_ONLY = frozenset({"Mail.ReadBasic", "Mail.ReadBasic.All"})
BODY_FIELDS = ("body", "bodyPreview", "uniqueBody")

TokenCheck = Callable[[str], bool]
Outcome = Literal[
    "ok", "throttled", "injected", "unauthorized", "forbidden", "not_found", "bad_request", "gone"
]
Mode = Literal["delegated", "application", "none"]
Family = Literal["mail", "delta", "mailboxSettings", "chats", "chatMembers", "chatMessages"]
ConcurrencyRule = Literal["app", "mailbox"]
# The route families Exchange Online serves, where Outlook's per-mailbox limits apply.
OUTLOOK_FAMILIES: frozenset[str] = frozenset({"mail", "delta", "mailboxSettings"})


@dataclass(frozen=True, slots=True)
class GraphRequest:
    """One request (or one ``$batch`` sub-request) and how the double answered it."""

    method: str
    path: str
    query: dict[str, str]
    status: int
    outcome: Outcome
    mailbox: str | None
    in_batch: bool
    batch_request_id: str | None
    # Requests in flight under the same concurrency limit (the app's, or the app's on this mailbox) when
    # this one arrived, this one included; None off Outlook routes.
    concurrency: int | None
    at: float
    mode: Mode
    scopes: tuple[str, ...]
    roles: tuple[str, ...]
    app_id: str | None
    user_id: str | None
    error_code: str | None = None
    retry_after: int | None = None


@dataclass(slots=True)
class _Stored:
    folder: str
    version: int
    message: dict[str, Any]


@dataclass(slots=True)
class _Mailbox:
    user_id: str
    mail: str
    display_name: str
    tenant_id: str
    settings: dict[str, Any]
    messages: dict[str, _Stored] = field(default_factory=dict)
    # (version, folder, message id): what delta reports as removed from a folder.
    removed: list[tuple[int, str, str]] = field(default_factory=list)


@dataclass(slots=True)
class _Chat:
    chat: dict[str, Any]
    members: list[dict[str, Any]]
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(slots=True)
class _SyncState:
    """What a delta token stands for: the mailbox folder and the change version it was issued at."""

    mailbox: str
    folder: str
    version: int
    # Graph keeps a round's $select in its tokens: later rounds return the same fields.
    select: list[str] | None = None
    expired: bool = False


@dataclass(slots=True)
class _DeltaRound:
    """One delta round (initial or incremental), paged through skip tokens; entries are (id, removed)."""

    state: _SyncState
    entries: list[tuple[str, bool]]
    end_version: int
    select: list[str] | None


@dataclass(slots=True)
class _Call:
    method: str
    path: str
    query: dict[str, str]
    headers: Mapping[str, str]
    claims: dict[str, Any]
    in_batch: bool = False
    batch_request_id: str | None = None


@dataclass(slots=True)
class _Answer:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    outcome: Outcome = "ok"
    mailbox: str | None = None
    concurrency: int | None = None
    family: Family | None = None

    @property
    def error_code(self) -> str | None:
        if isinstance(self.body, dict) and isinstance(self.body.get("error"), dict):
            return str(self.body["error"].get("code"))
        return None

    @property
    def retry_after(self) -> int | None:
        value = self.headers.get("Retry-After")
        return int(value) if value is not None else None


def graph_error(
    status: int,
    code: str,
    message: str,
    *,
    outcome: Outcome = "bad_request",
    retry_after: int | None = None,
) -> _Answer:
    """Graph's error body: ``{"error": {"code", "message", "innerError": {...}}}``."""
    body = {
        "error": {
            "code": code,
            "message": message,
            "innerError": {
                "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
                "request-id": str(uuid.uuid4()),
                "client-request-id": str(uuid.uuid4()),
            },
        }
    }
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    return _Answer(status, body, headers, outcome)


INJECTED_ERRORS: dict[int, tuple[str, str]] = {
    429: ("TooManyRequests", "Too many requests; retry after the time given in Retry-After."),
    500: ("generalException", "An unexpected error occurred."),
    503: ("serviceNotAvailable", "The service is temporarily unavailable. Retry later."),
    504: ("gatewayTimeout", "The gateway timed out."),
}


def iso(moment: datetime, *, milliseconds: bool = False) -> str:
    """Graph's UTC timestamps: whole seconds for Outlook, milliseconds for Teams."""
    moment = moment.astimezone(UTC)
    if milliseconds:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def email_address(value: str | tuple[str, str]) -> dict[str, Any]:
    """A recipient: ``"Name <addr>"``, ``"addr"`` or ``(name, addr)``, as Graph's ``{"emailAddress"}``."""
    if isinstance(value, tuple):
        name, address = value
    else:
        match = re.fullmatch(r"\s*(.*?)\s*<([^>]+)>\s*", value)
        name, address = (match.group(1), match.group(2)) if match else (value, value)
    return {"emailAddress": {"name": name, "address": address}}


class GraphDouble:
    """Microsoft Graph v1.0 for one tenant's mailboxes and chats. ``base_url`` ends in ``/v1.0``."""

    def __init__(
        self,
        workdir: Path | None = None,
        *,
        ca: trustme.CA | None = None,
        ca_file: Path | None = None,
        require_token: TokenCheck | None = None,
        enforce_permissions: bool = True,
        enforce_limits: bool = True,
        mailbox_concurrency: int = OUTLOOK_CONCURRENCY,
        concurrency_per: ConcurrencyRule = "app",
        mailbox_budget: tuple[int, float] = OUTLOOK_BUDGET,
        throttle_retry_after: int = 1,
        fault_rate: float = 0.0,
        faults: Sequence[int] = (429, 503),
        seed: int = 0,
        latency: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        """
        :param ca: the CA to issue the server certificate from (the identity double's ``ca``), so clients
            trust one CA for both; ``ca_file`` is its PEM. Without one, the double makes its own.
        :param require_token: a predicate on the bearer token, e.g.
            ``identity.access_token_check(audience=GRAPH_RESOURCE)``; unset, any bearer token is accepted
            (its claims are still read, unverified, for the records and permission checks).
        :param enforce_permissions: answer 403 when the token's ``scp``/``roles`` lack the route's
            permission, a delegated token reads another user's mailbox, or an app reads outside its scope.
        :param enforce_limits: answer 429 over Outlook's limits; off, ``max_concurrency`` still records.
        :param mailbox_concurrency: Outlook's concurrent requests, counted per app (``concurrency_per="app"``,
            the current rule) or per app and mailbox (``"mailbox"``, the older one).
        :param mailbox_budget: (requests, window seconds) per mailbox.
        :param throttle_retry_after: the ``Retry-After`` seconds for a mailbox-concurrency 429.
        :param fault_rate: probability that a request (or sub-request) gets a fault from ``faults``.
        :param latency: seconds added to every admitted request, while it counts as in flight.
        :param clock: monotonic seconds for the budget window; ``now``: the time stamped on new data.
        """
        self.ca = ca or trustme.CA()
        self._tempdir: tempfile.TemporaryDirectory[str] | None = None
        if ca_file is None:
            if workdir is None:
                self._tempdir = tempfile.TemporaryDirectory(prefix="graph-double-")
                workdir = Path(self._tempdir.name)
            ca_file = workdir / "graph-ca.pem"
            self.ca.cert_pem.write_to_path(str(ca_file))
        self.ca_file = ca_file
        self._server_cert = self.ca.issue_cert("127.0.0.1", "localhost")

        self.require_token = require_token
        self.enforce_permissions = enforce_permissions
        self.enforce_limits = enforce_limits
        self.mailbox_concurrency = mailbox_concurrency
        self.concurrency_per: ConcurrencyRule = concurrency_per
        self.mailbox_budget = mailbox_budget
        self.throttle_retry_after = throttle_retry_after
        self.fault_rate = fault_rate
        self.faults = tuple(faults)
        self.random = random.Random(seed)
        self.latency = latency
        self.clock = clock
        self.now = now
        # Exchange RBAC for Applications: app id -> the mailboxes (user ids) its role assignment covers.
        self.app_scopes: dict[str, set[str]] = {}
        # Resource-specific consent: chat id -> app id -> the RSC permissions granted in that chat.
        self.chat_grants: dict[str, dict[str, set[str]]] = {}

        self.requests: list[GraphRequest] = []
        self.counters: Counter[str] = Counter()
        # Peak requests in flight per mailbox, and per concurrency key (app id, or "app|mailbox").
        self.max_concurrency: dict[str, int] = {}
        self.max_limited: dict[str, int] = {}
        # Every 200 body served, with the route family that served it: what the metadata test walks.
        self.served: list[tuple[Family, Any]] = []

        self._mailboxes: dict[str, _Mailbox] = {}
        self._aliases: dict[str, str] = {}
        self._chats: dict[str, _Chat] = {}
        self._version = 0
        self._ids = itertools.count(1)
        self._sync_states: dict[str, _SyncState] = {}
        self._delta_pages: dict[str, tuple[_DeltaRound, int]] = {}
        self._queued_faults: deque[tuple[int, int | None, str | None]] = deque()
        self._in_flight: Counter[str] = Counter()
        self._limited: Counter[str] = Counter()
        self._budget_windows: dict[str, list[float]] = {}
        # Handlers run on the double's loop; tests add data and read records from their own thread.
        self._lock = threading.RLock()
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._thread_loop: asyncio.AbstractEventLoop | None = None
        self.port = 0

    @classmethod
    def for_identity(cls, identity: IdentityDouble, **options: Any) -> GraphDouble:
        """A double that trusts the identity double's tokens for Graph and serves with its CA."""
        check = identity.access_token_check(audience=GRAPH_RESOURCE)
        return cls(ca=identity.ca, ca_file=identity.ca_file, require_token=check, **options)

    # --- lifecycle ----------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """What to set as the request adapter's ``base_url``."""
        return f"https://127.0.0.1:{self.port}/v1.0"

    def client_ssl_context(self) -> ssl.SSLContext:
        """An SSL context for clients (httpx ``verify=``) that trusts this double's CA only."""
        return ssl.create_default_context(cafile=str(self.ca_file))

    async def start(self) -> GraphDouble:
        """Serve on the running loop."""
        app = web.Application()
        app.router.add_route("*", "/v1.0/{tail:.*}", self._entry)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        ssl_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._server_cert.configure_cert(ssl_context)
        site = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=ssl_context)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._tempdir is not None and self._thread is None:
            self._tempdir.cleanup()
            self._tempdir = None

    async def __aenter__(self) -> GraphDouble:
        return await self.start()

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    def start_in_thread(self) -> GraphDouble:
        """Serve from a loop of its own in a daemon thread; stop with ``stop()``."""
        loop = asyncio.new_event_loop()
        self._thread_loop = loop
        self._thread = threading.Thread(target=loop.run_forever, name="graph-double", daemon=True)
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.start(), loop).result(timeout=10)
        return self

    def stop(self) -> None:
        loop, thread = self._thread_loop, self._thread
        if loop is None or thread is None:
            raise RuntimeError("stop() ends start_in_thread(); use close() for a double on your own loop")
        asyncio.run_coroutine_threadsafe(self.close(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
        self._thread_loop = self._thread = None
        if self._tempdir is not None:
            self._tempdir.cleanup()
            self._tempdir = None

    # --- data: users, mail and mailbox settings -----------------------------------------------------

    def add_user(
        self,
        user_id: str,
        *,
        mail: str,
        display_name: str | None = None,
        tenant_id: str = DEFAULT_TENANT,
    ) -> None:
        """A user with a mailbox; routes accept the id or the mail address (as a userPrincipalName)."""
        with self._lock:
            self._mailboxes[user_id] = _Mailbox(
                user_id, mail, display_name or mail, tenant_id, default_mailbox_settings(user_id)
            )
            self._aliases[user_id.lower()] = user_id
            self._aliases[mail.lower()] = user_id

    def add_message(
        self,
        user_id: str,
        *,
        folder: str = "inbox",
        subject: str = "",
        sender: str | tuple[str, str],
        to: Sequence[str | tuple[str, str]] = (),
        cc: Sequence[str | tuple[str, str]] = (),
        body_preview: str = "",
        body: str | None = None,
        received: datetime | None = None,
        sent: datetime | None = None,
        conversation_id: str | None = None,
        internet_message_id: str | None = None,
        is_draft: bool = False,
        message_id: str | None = None,
    ) -> dict[str, Any]:
        """Put a message into a mailbox folder (a change delta will report); returns its Graph JSON."""
        received = received or self.now()
        sent = sent or received
        number = next(self._ids)
        # Real ids are URL-safe base64 of a store key, '=' padding included; never parse them.
        message_id = message_id or f"AAMkAGVmMDEz{number:010d}AAA="
        sender_address = email_address(sender)
        domain = sender_address["emailAddress"]["address"].rpartition("@")[2] or "example.com"
        message: dict[str, Any] = {
            "id": message_id,
            "createdDateTime": iso(received),
            "lastModifiedDateTime": iso(received),
            "changeKey": f"CQAAABYAAAC{number:08d}",
            "categories": [],
            "receivedDateTime": iso(received),
            "sentDateTime": iso(sent),
            "hasAttachments": False,
            "internetMessageId": internet_message_id or f"<{uuid.uuid4().hex}@{domain}>",
            "subject": subject,
            "bodyPreview": body_preview,
            "importance": "normal",
            "parentFolderId": folder,
            "conversationId": conversation_id or f"AAQkAGVmMDEz{uuid.uuid4().hex[:16]}=",
            "isDeliveryReceiptRequested": False,
            "isReadReceiptRequested": False,
            "isRead": folder == "sentitems",
            "isDraft": is_draft,
            "webLink": "https://outlook.office365.com/owa/?ItemID="
            + quote(message_id, safe="")
            + "&exvsurl=1&viewmodel=ReadMessageItem",
            "inferenceClassification": "focused",
            "body": {"contentType": "html", "content": body if body is not None else body_preview},
            "sender": sender_address,
            "from": sender_address,
            "toRecipients": [email_address(item) for item in to],
            "ccRecipients": [email_address(item) for item in cc],
            "bccRecipients": [],
            "replyTo": [],
            "flag": {"flagStatus": "notFlagged"},
        }
        with self._lock:
            mailbox = self._mailbox(user_id)
            mailbox.messages[message_id] = _Stored(folder.lower(), self._next_version(), message)
            return dict(message)

    def update_message(self, user_id: str, message_id: str, **changes: Any) -> dict[str, Any]:
        """Change a message's fields (Graph JSON names, e.g. ``subject=``, ``isRead=``)."""
        with self._lock:
            stored = self._mailbox(user_id).messages[message_id]
            stored.message.update(changes)
            stored.message["lastModifiedDateTime"] = iso(self.now())
            stored.message["changeKey"] = f"CQAAABYAAAC{next(self._ids):08d}"
            stored.version = self._next_version()
            return dict(stored.message)

    def move_message(self, user_id: str, message_id: str, folder: str) -> None:
        """Move a message: delta reports it removed from the old folder and added to the new one."""
        with self._lock:
            mailbox = self._mailbox(user_id)
            stored = mailbox.messages[message_id]
            mailbox.removed.append((self._next_version(), stored.folder, message_id))
            stored.folder = folder.lower()
            stored.message["parentFolderId"] = stored.folder
            stored.version = self._next_version()

    def delete_message(self, user_id: str, message_id: str) -> None:
        with self._lock:
            mailbox = self._mailbox(user_id)
            stored = mailbox.messages.pop(message_id)
            mailbox.removed.append((self._next_version(), stored.folder, message_id))

    def messages(self, user_id: str, folder: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            listed = self._mailbox(user_id).messages.values()
            return [dict(s.message) for s in listed if folder is None or s.folder == folder.lower()]

    def set_mailbox_settings(
        self,
        user_id: str,
        *,
        time_zone: str | None = None,
        working_hours: Mapping[str, Any] | None = None,
        automatic_replies: Mapping[str, Any] | None = None,
        **other: Any,
    ) -> dict[str, Any]:
        """Replace parts of a user's mailboxSettings (see ``working_hours()`` and ``automatic_replies()``)."""
        with self._lock:
            settings = self._mailbox(user_id).settings
            if time_zone is not None:
                settings["timeZone"] = time_zone
            if working_hours is not None:
                settings["workingHours"] = dict(working_hours)
            if automatic_replies is not None:
                settings["automaticRepliesSetting"] = dict(automatic_replies)
            settings.update(other)
            return _deep_copy(settings)

    @staticmethod
    def working_hours(
        *,
        days: Sequence[str] = ("monday", "tuesday", "wednesday", "thursday", "friday"),
        start: str = "08:00:00.0000000",
        end: str = "17:00:00.0000000",
        time_zone: str | Mapping[str, Any] = "UTC",
    ) -> dict[str, Any]:
        """workingHours in a named zone, or in a ``custom_time_zone()``."""
        zone = {"name": time_zone} if isinstance(time_zone, str) else dict(time_zone)
        return {"daysOfWeek": list(days), "startTime": start, "endTime": end, "timeZone": zone}

    @staticmethod
    def custom_time_zone(
        *,
        bias: int,
        standard: tuple[int, int, str, str] = (0, 0, "sunday", "00:00:00.0000000"),
        daylight: tuple[int, int, str, str] = (0, 0, "sunday", "00:00:00.0000000"),
        daylight_bias: int = 0,
        name: str = "Customized Time Zone",
    ) -> dict[str, Any]:
        """A customTimeZone as Outlook returns it: ``bias`` in minutes that UTC is ahead of standard time
        (negative east of UTC), and the (month, dayOccurrence, dayOfWeek, time) each period begins at;
        month 0 means no daylight saving. The documented example is
        ``custom_time_zone(bias=-200, standard=(5, 4, "sunday", "02:00:00.0000000"),
        daylight=(10, 2, "sunday", "02:00:00.0000000"), daylight_bias=-100)``."""

        def offset(rule: tuple[int, int, str, str]) -> dict[str, Any]:
            month, occurrence, day, at = rule
            return {"time": at, "dayOccurrence": occurrence, "dayOfWeek": day, "month": month, "year": 0}

        return {
            "@odata.type": "#microsoft.graph.customTimeZone",
            "bias": bias,
            "name": name,
            "standardOffset": offset(standard),
            "daylightOffset": {"daylightBias": daylight_bias, **offset(daylight)},
        }

    @staticmethod
    def automatic_replies(
        status: Literal["disabled", "alwaysEnabled", "scheduled"],
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        time_zone: str = "UTC",
        message: str = "",
    ) -> dict[str, Any]:
        def moment(value: datetime | None) -> dict[str, str]:
            # Graph sends a zone-less local time plus the zone's name, with 7 fractional digits.
            shown = (value or datetime(2024, 1, 1, tzinfo=UTC)).strftime("%Y-%m-%dT%H:%M:%S.0000000")
            return {"dateTime": shown, "timeZone": time_zone}

        return {
            # Outlook writes the status capitalised ("Scheduled"), as Graph's documented examples show;
            # clients read enum values by capitalising the first letter anyway.
            "status": status[:1].upper() + status[1:],
            "externalAudience": "all",
            "internalReplyMessage": message,
            "externalReplyMessage": message,
            "scheduledStartDateTime": moment(start),
            "scheduledEndDateTime": moment(end),
        }

    # --- data: chats --------------------------------------------------------------------------------

    @staticmethod
    def chat_member(
        user_id: str,
        *,
        email: str | None,
        display_name: str,
        tenant_id: str = DEFAULT_TENANT,
        roles: Sequence[str] = ("owner",),
    ) -> dict[str, Any]:
        """An aadUserConversationMember. External (federated) users carry their own ``tenantId``; guests
        have the role ``guest``; Graph may give no ``email`` for a federated user."""
        return {
            "@odata.type": "#microsoft.graph.aadUserConversationMember",
            "id": base64.b64encode(f"{user_id}##{tenant_id}".encode()).decode(),
            "roles": list(roles),
            "displayName": display_name,
            "visibleHistoryStartDateTime": "0001-01-01T00:00:00Z",
            "userId": user_id,
            "email": email,
            "tenantId": tenant_id,
        }

    def add_chat(
        self,
        *,
        members: Sequence[Mapping[str, Any]],
        chat_type: Literal["oneOnOne", "group", "meeting"] = "oneOnOne",
        topic: str | None = None,
        tenant_id: str = DEFAULT_TENANT,
        chat_id: str | None = None,
        created: datetime | None = None,
    ) -> str:
        """A chat among ``members`` (``chat_member()`` dicts); returns its id."""
        created = created or self.now()
        if chat_id is None:
            if chat_type == "oneOnOne" and len(members) == 2:
                chat_id = f"19:{members[0]['userId']}_{members[1]['userId']}@unq.gbl.spaces"
            else:
                chat_id = f"19:{uuid.uuid4().hex}@thread.v2"
        chat = {
            "id": chat_id,
            "topic": topic,
            "createdDateTime": iso(created, milliseconds=True),
            "lastUpdatedDateTime": iso(created, milliseconds=True),
            "chatType": chat_type,
            "webUrl": f"https://teams.microsoft.com/l/chat/{quote(chat_id, safe='')}/0?tenantId={tenant_id}",
            "tenantId": tenant_id,
            "isHiddenForAllMembers": False,
            "onlineMeetingInfo": None,
        }
        with self._lock:
            self._chats[chat_id] = _Chat(chat, [dict(member) for member in members])
        return chat_id

    def add_chat_message(
        self,
        chat_id: str,
        *,
        sender_id: str,
        sender_name: str,
        content: str,
        content_type: Literal["html", "text"] = "html",
        created: datetime | None = None,
        sender_tenant_id: str | None = None,
        user_identity_type: str = "aadUser",
        message_type: str = "message",
        message_id: str | None = None,
    ) -> dict[str, Any]:
        """A chat message from a user (``user_identity_type`` ``federatedUser`` for an external one). Any
        other ``message_type`` is a system event: Graph gives it no sender (``from`` null) and an
        ``eventDetail``, and lists it as ``unknownFutureValue`` unless asked for newer enum members."""
        created = created or self.now()
        with self._lock:
            chat = self._chats[chat_id]
            # Teams message ids are epoch milliseconds; nudge past any taken id so they stay unique.
            number = int(created.timestamp() * 1000)
            while message_id is None and str(number) in chat.messages:
                number += 1
            message_id = message_id or str(number)
            stamp = iso(created, milliseconds=True)
            message: dict[str, Any] = {
                "id": message_id,
                "replyToId": None,
                "etag": message_id,
                "messageType": message_type,
                "createdDateTime": stamp,
                "lastModifiedDateTime": stamp,
                "lastEditedDateTime": None,
                "deletedDateTime": None,
                "subject": None,
                "summary": None,
                "chatId": chat_id,
                "importance": "normal",
                "locale": "en-us",
                "webUrl": None,
                "channelIdentity": None,
                "policyViolation": None,
                "eventDetail": None,
                "from": {
                    "application": None,
                    "device": None,
                    "user": {
                        "@odata.type": "#microsoft.graph.teamworkUserIdentity",
                        "id": sender_id,
                        "displayName": sender_name,
                        "userIdentityType": user_identity_type,
                        "tenantId": sender_tenant_id or chat.chat["tenantId"],
                    },
                },
                "body": {"contentType": content_type, "content": content},
                "attachments": [],
                "mentions": [],
                "reactions": [],
            }
            if message_type != "message":
                user = {
                    "@odata.type": "#microsoft.graph.teamworkUserIdentity",
                    "id": sender_id,
                    "displayName": sender_name,
                    "userIdentityType": user_identity_type,
                    "tenantId": sender_tenant_id or chat.chat["tenantId"],
                }
                message["from"] = None
                message["eventDetail"] = {
                    "@odata.type": "#microsoft.graph.membersAddedEventMessageDetail",
                    "visibleHistoryStartDateTime": "0001-01-01T00:00:00Z",
                    "members": [{**user, "displayName": None}],
                    "initiator": {"application": None, "device": None, "user": user},
                }
            chat.messages[message_id] = message
            chat.chat["lastUpdatedDateTime"] = stamp
            return dict(message)

    def edit_chat_message(
        self, chat_id: str, message_id: str, content: str, *, at: datetime | None = None
    ) -> dict[str, Any]:
        stamp = iso(at or self.now(), milliseconds=True)
        with self._lock:
            message = self._chats[chat_id].messages[message_id]
            message["body"] = dict(message["body"], content=content)
            message.update(lastModifiedDateTime=stamp, lastEditedDateTime=stamp)
            return dict(message)

    def delete_chat_message(self, chat_id: str, message_id: str, *, at: datetime | None = None) -> None:
        """Graph keeps deleted chat messages in the list, with ``deletedDateTime`` and an empty body."""
        stamp = iso(at or self.now(), milliseconds=True)
        with self._lock:
            message = self._chats[chat_id].messages[message_id]
            message["body"] = dict(message["body"], content="")
            message.update(lastModifiedDateTime=stamp, deletedDateTime=stamp)

    # --- faults, limits and inspection --------------------------------------------------------------

    def fail_next(
        self, n: int = 1, status: int = 503, *, retry_after: int | None = 1, match: str | None = None
    ) -> None:
        """Answer the next ``n`` requests with ``status`` (Graph's error body; ``Retry-After`` on 429, 503
        and 504). With ``match``, only requests whose path holds that text: ``"/$batch"`` fails a whole batch,
        ``"/messages"`` the sub-requests inside one."""
        kept = retry_after if status in (429, 503, 504) else None
        with self._lock:
            self._queued_faults.extend([(status, kept, match)] * n)

    def expire_delta_tokens(self, user_id: str | None = None, folder: str | None = None) -> int:
        """Make Graph forget sync states (as after a long pause or a mailbox move): each delta or skip token
        issued so far for the mailbox and folder now gets 410 ``SyncStateNotFound``. Returns how many."""
        with self._lock:
            hit = [
                state
                for state in self._sync_states.values()
                if (user_id is None or state.mailbox == user_id)
                and (folder is None or state.folder == folder.lower())
            ]
            hit += [
                round_.state
                for round_, _ in self._delta_pages.values()
                if (user_id is None or round_.state.mailbox == user_id)
                and (folder is None or round_.state.folder == folder.lower())
            ]
            for state in hit:
                state.expired = True
            return len({id(state) for state in hit})

    def grant_in_chat(self, chat_id: str, app_id: str, permissions: Iterable[str]) -> None:
        """Resource-specific consent: ``app_id`` installed in the chat with these RSC permissions (e.g.
        ``ChatMessage.Read.Chat``); they hold in this chat only."""
        with self._lock:
            self.chat_grants.setdefault(chat_id, {}).setdefault(app_id, set()).update(permissions)

    def restrict_app(self, app_id: str, user_ids: Iterable[str]) -> None:
        """Exchange RBAC for Applications: ``app_id`` reads only these mailboxes (others: 403)."""
        with self._lock:
            self.app_scopes[app_id] = set(user_ids)

    def requests_for(self, mailbox: str) -> list[GraphRequest]:
        with self._lock:
            return [r for r in self.requests if r.mailbox == mailbox]

    @property
    def responses_429(self) -> list[GraphRequest]:
        with self._lock:
            return [r for r in self.requests if r.status == 429]

    # --- HTTP ---------------------------------------------------------------------------------------

    async def _entry(self, request: web.Request) -> web.StreamResponse:
        raw_path = request.raw_path.split("?", 1)[0]
        path = unquote(raw_path.removeprefix("/v1.0")) or "/"
        query = dict(request.query)
        call = _Call(request.method, path, query, request.headers, {})
        at = self.clock()
        claims, problem = self._authenticate(request.headers.get("Authorization"))
        if problem is not None:
            answer = graph_error(401, "InvalidAuthenticationToken", problem, outcome="unauthorized")
            # What Graph sends so a client knows where to get a token.
            answer.headers["WWW-Authenticate"] = (
                'Bearer realm="", '
                'authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", '
                'client_id="00000003-0000-0000-c000-000000000000"'
            )
            self._record(call, answer, at)
        else:
            call.claims = claims
            if path.lower() == "/$batch":
                answer = await self._batch(request, call)
                self._record(call, answer, at)
            else:
                answer = await self._call(call)
        self.counters["http_requests"] += 1
        headers = dict(answer.headers)
        headers["request-id"] = str(uuid.uuid4())
        if "client-request-id" in request.headers:
            headers["client-request-id"] = request.headers["client-request-id"]
        if answer.body is None:
            return web.Response(status=answer.status, headers=headers)
        return web.json_response(answer.body, status=answer.status, headers=headers)

    def _authenticate(self, authorization: str | None) -> tuple[dict[str, Any], str | None]:
        if not authorization or not authorization.startswith("Bearer ") or not authorization[7:].strip():
            return {}, "Access token is empty."
        token = authorization[7:].strip()
        if self.require_token is not None and not self.require_token(token):
            return {}, "Access token validation failure. Invalid audience."
        try:
            # Already verified by require_token (when set); read here for modes, scopes and the user.
            claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            claims = {}
        return claims, None

    async def _batch(self, request: web.Request, envelope: _Call) -> _Answer:
        self.counters["batches"] += 1
        fault = self._draw_fault(envelope.path)
        if fault is not None:
            return fault
        try:
            payload = await request.json()
        except ValueError:
            return graph_error(400, "BadRequest", "Invalid batch payload format.")
        items = payload.get("requests") if isinstance(payload, dict) else None
        if not isinstance(items, list) or not items:
            return graph_error(400, "BadRequest", "Invalid batch payload format.")
        if len(items) > BATCH_LIMIT:
            return graph_error(400, "BadRequest", f"Limit of {BATCH_LIMIT} requests per batch exceeded.")
        ids: list[str] = []
        for item in items:
            if not (
                isinstance(item, dict)
                and isinstance(item.get("id"), str)
                and isinstance(item.get("method"), str)
                and isinstance(item.get("url"), str)
            ):
                return graph_error(400, "BadRequest", "Each batch request needs an id, a method and a url.")
            if item["id"] in ids:
                return graph_error(400, "BadRequest", f"Request id '{item['id']}' is duplicated.")
            ids.append(item["id"])
        for item in items:
            unknown = [dep for dep in item.get("dependsOn") or [] if dep not in ids]
            if unknown:
                return graph_error(400, "BadRequest", f"dependsOn names an unknown request: {unknown[0]}.")

        done: dict[str, asyncio.Future[_Answer]] = {
            key: asyncio.get_running_loop().create_future() for key in ids
        }
        # Outlook runs at most 4 of a batch's requests under one concurrency limit at a time; the rest wait
        # their turn rather than failing, but they still count against that limit while they run, so a
        # batch sent while other requests of the app are in flight can still earn 429s.
        gates: dict[str | None, asyncio.Semaphore] = {}

        async def run(item: dict[str, Any]) -> _Answer:
            for dependency in item.get("dependsOn") or []:
                if (await asyncio.shield(done[dependency])).status >= 400:
                    return graph_error(424, "FailedDependency", "A request this one depends on failed.")
            url = str(item["url"])
            if url.startswith(self.base_url):
                url = url[len(self.base_url) :]
            elif "://" in url:
                return graph_error(400, "BadRequest", "Batch request URLs must be relative.")
            parts = urlsplit(url if url.startswith("/") else "/" + url)
            call = _Call(
                str(item["method"]).upper(),
                unquote(parts.path),
                dict(parse_qsl(parts.query, keep_blank_values=True)),
                {str(k): str(v) for k, v in (item.get("headers") or {}).items()},
                envelope.claims,
                in_batch=True,
                batch_request_id=str(item["id"]),
            )
            mailbox = self._mailbox_key(call)
            key = self._limit_key(call.claims, mailbox) if mailbox is not None else None
            gate = gates.setdefault(key, asyncio.Semaphore(self.mailbox_concurrency))
            async with gate:
                return await self._call(call)

        async def settle(item: dict[str, Any]) -> None:
            done[item["id"]].set_result(await run(item))

        await asyncio.gather(*(settle(item) for item in items))
        responses = []
        for key in ids:
            answer = done[key].result()
            entry: dict[str, Any] = {
                "id": key,
                "status": answer.status,
                "headers": {"Content-Type": "application/json", **answer.headers},
            }
            if answer.body is not None:
                entry["body"] = answer.body
            responses.append(entry)
        return _Answer(200, {"responses": responses})

    # --- one request, top level or inside a batch ---------------------------------------------------

    async def _call(self, call: _Call) -> _Answer:
        at = self.clock()
        answer = await self._serve(call)
        self._record(call, answer, at)
        if answer.status == 200 and answer.family is not None:
            with self._lock:
                self.served.append((answer.family, _deep_copy({"body": answer.body})["body"]))
        return answer

    async def _serve(self, call: _Call) -> _Answer:
        routed = self._route(call)
        if isinstance(routed, _Answer):
            return routed
        family, key, folder = routed

        fault = self._draw_fault(call.path)
        if fault is not None:
            return fault

        with self._lock:
            target = self._resolve_target(family, key)
            if isinstance(target, _Answer):
                return target
            denied = self._authorize(call, family, target)
            if denied is not None:
                return denied
            mailbox = target if family in OUTLOOK_FAMILIES else None
            limit_key = self._limit_key(call.claims, mailbox) if mailbox is not None else None
            concurrency: int | None = None
            if mailbox is not None and limit_key is not None:
                admitted = self._admit(mailbox, limit_key)
                if isinstance(admitted, _Answer):
                    return admitted
                concurrency = admitted

        try:
            if self.latency:
                await asyncio.sleep(self.latency)
            with self._lock:
                answer = self._handle(call, family, target, folder)
        finally:
            if mailbox is not None and limit_key is not None:
                with self._lock:
                    self._in_flight[mailbox] -= 1
                    self._limited[limit_key] -= 1
        if mailbox is not None:
            answer.mailbox, answer.concurrency = mailbox, concurrency
        answer.family = family
        return answer

    def _limit_key(self, claims: Mapping[str, Any], mailbox: str) -> str:
        """What Outlook counts concurrent requests under: the app, or (older rule) the app and mailbox."""
        app = str(claims.get("appid") or claims.get("azp") or "")
        return app if self.concurrency_per == "app" else f"{app}|{mailbox}"

    def _route(self, call: _Call) -> tuple[Family, str, str | None] | _Answer:
        """(family, user or chat id, folder) for a path, or Graph's answer to a path it does not serve."""
        segments = [segment for segment in call.path.split("/") if segment]
        lowered = [segment.lower() for segment in segments]
        if lowered[:1] == ["me"]:
            if _mode(call.claims) != "delegated":
                return graph_error(
                    400, "BadRequest", "/me request is only valid with delegated authentication flow."
                )
            segments = ["users", str(call.claims.get("oid", "")), *segments[1:]]
            lowered = ["users", segments[1].lower(), *lowered[1:]]
        shape = [lowered[0] if lowered else "", *lowered[2:]]
        routes: dict[tuple[str, ...], Family] = {
            ("users", "messages"): "mail",
            ("users", "mailfolders", "*", "messages", "delta"): "delta",
            ("users", "mailfolders", "*", "messages", "delta()"): "delta",
            ("users", "chats"): "chats",
            ("users", "mailboxsettings"): "mailboxSettings",
            ("chats", "members"): "chatMembers",
            ("chats", "messages"): "chatMessages",
        }
        for pattern, family in routes.items():
            if len(pattern) == len(shape) and all(p in ("*", s) for p, s in zip(pattern, shape, strict=True)):
                if call.method != "GET":
                    return graph_error(405, "Request_BadRequest", "Specified HTTP method is not allowed.")
                folder = segments[3] if family == "delta" else None
                return family, segments[1], folder
        last = segments[-1] if segments else ""
        return graph_error(400, "BadRequest", f"Resource not found for the segment '{last}'.")

    def _resolve_target(self, family: Family, key: str) -> str | _Answer:
        if family in ("chatMessages", "chatMembers"):
            if key not in self._chats:
                return graph_error(404, "NotFound", f"Chat '{key}' was not found.", outcome="not_found")
            return key
        user_id = self._aliases.get(key.lower())
        if user_id is None:
            return graph_error(
                404, "ErrorInvalidUser", f"The requested user '{key}' is invalid.", outcome="not_found"
            )
        return user_id

    def _authorize(self, call: _Call, family: Family, target: str) -> _Answer | None:
        if not self.enforce_permissions:
            return None
        mode = _mode(call.claims)
        delegated, application = PERMISSIONS["mail" if family == "delta" else family]
        held = set(_scopes(call.claims)) if mode == "delegated" else set(_roles(call.claims))
        needed = delegated if mode == "delegated" else application
        denied = graph_error(
            403,
            "ErrorAccessDenied",
            "Access is denied. Check credentials and try again.",
            outcome="forbidden",
        )
        held -= RSC_PERMISSIONS  # never valid in a token: granted per chat (grant_in_chat)
        if mode == "application" and family in ("chatMessages", "chatMembers"):
            app = str(call.claims.get("appid") or call.claims.get("azp") or "")
            held |= self.chat_grants.get(target, {}).get(app, set())
        if not held & needed:
            return denied
        if mode == "delegated":
            user = str(call.claims.get("oid", ""))
            if family in ("chatMessages", "chatMembers"):
                if not any(m.get("userId") == user for m in self._chats[target].members):
                    return graph_error(403, "Forbidden", "Forbidden", outcome="forbidden")
            elif target != user:
                # Delegated tokens read the signed-in user's own mailbox and chats.
                return denied
        elif family not in ("chatMessages", "chatMembers"):
            scope = self.app_scopes.get(str(call.claims.get("appid") or call.claims.get("azp") or ""))
            if scope is not None and target not in scope:
                return denied
        return None

    def _admit(self, mailbox: str, limit_key: str) -> int | _Answer:
        """Count the request against Outlook's concurrency (under ``limit_key``) and the mailbox's budget;
        the concurrency it makes, or the 429 Outlook would answer."""
        on_mailbox = self._in_flight[mailbox] + 1
        self.max_concurrency[mailbox] = max(self.max_concurrency.get(mailbox, 0), on_mailbox)
        in_flight = self._limited[limit_key] + 1
        self.max_limited[limit_key] = max(self.max_limited.get(limit_key, 0), in_flight)
        if self.enforce_limits and in_flight > self.mailbox_concurrency:
            answer = graph_error(
                429,
                "ApplicationThrottled",
                "Application is over its MailboxConcurrency limit.",
                outcome="throttled",
                retry_after=self.throttle_retry_after,
            )
            answer.mailbox, answer.concurrency = mailbox, in_flight
            return answer
        limit, window = self.mailbox_budget
        now = self.clock()
        times = self._budget_windows.setdefault(mailbox, [])
        del times[: bisect.bisect_right(times, now - window)]
        if self.enforce_limits and len(times) >= limit:
            wait = max(1, math.ceil(times[-limit] + window - now))
            answer = graph_error(
                429,
                "ApplicationThrottled",
                "Application is over its MailboxRequests limit.",
                outcome="throttled",
                retry_after=wait,
            )
            answer.mailbox, answer.concurrency = mailbox, in_flight
            return answer
        times.append(now)
        self._in_flight[mailbox] = on_mailbox
        self._limited[limit_key] = in_flight
        return in_flight

    def _handle(self, call: _Call, family: Family, target: str, folder: str | None) -> _Answer:
        if family == "mail":
            return self._list_messages(call, target)
        if family == "delta":
            assert folder is not None
            return self._delta(call, target, folder)
        if family == "mailboxSettings":
            settings = _deep_copy(self._mailboxes[target].settings)
            context = f"{self.base_url}/$metadata#users('{quote(target)}')/mailboxSettings"
            return _Answer(200, {"@odata.context": context, **settings})
        if family == "chats":
            return self._list_chats(call, target)
        if family == "chatMembers":
            return self._list_chat_members(call, target)
        return self._list_chat_messages(call, target)

    # --- mail ---------------------------------------------------------------------------------------

    def _list_messages(self, call: _Call, user_id: str) -> _Answer:
        query = call.query
        top = _int(query.get("$top"), MESSAGES_PAGE_DEFAULT)
        skip = _int(query.get("$skip"), 0)
        if top is None or skip is None or top < 1 or skip < 0:
            return graph_error(400, "BadRequest", "Invalid value for $top or $skip.")
        if top > MESSAGES_TOP_MAX:
            return graph_error(
                400,
                "ErrorInvalidUrlQuery",
                f"The limit of '{MESSAGES_TOP_MAX}' for Top query has been exceeded.",
            )
        select = _select(query.get("$select"))
        stored = list(self._mailboxes[user_id].messages.values())
        unknown = _unknown_fields(select, stored)
        if unknown:
            return _bad_property(unknown)
        search = query.get("$search")
        if search is not None:
            if "$orderby" in query or "$filter" in query:
                return graph_error(
                    400, "ErrorInvalidUrlQuery", "$search cannot be combined with $filter or $orderby here."
                )
            terms = _search_terms(search)
            if terms is None:
                return graph_error(
                    400, "BadRequest", "Syntax error: the $search value must be enclosed in double quotes."
                )
            stored = [s for s in stored if any(_matches(s.message, term) for term in terms)]
        stored.sort(key=lambda s: (s.message["receivedDateTime"], s.message["id"]), reverse=True)
        if search is not None:
            # Graph returns at most this many search results, however they are paged.
            stored = stored[:SEARCH_RESULT_LIMIT]
        page = stored[skip : skip + top]
        basic = _basic_mail_only(call.claims)
        body: dict[str, Any] = {
            "@odata.context": f"{self.base_url}/$metadata#users('{quote(user_id)}')/messages",
            "value": [_render_message(s.message, select, basic) for s in page],
        }
        if skip + top < len(stored):
            kept = {name: value for name, value in query.items() if name != "$skip"}
            body["@odata.nextLink"] = self._link(call.path, {**kept, "$skip": str(skip + top)})
        return _Answer(200, body)

    def _delta(self, call: _Call, user_id: str, folder: str) -> _Answer:
        mailbox = self._mailboxes[user_id]
        folder = folder.lower()
        known = set(WELL_KNOWN_FOLDERS) | {s.folder for s in mailbox.messages.values()}
        if folder not in known:
            return graph_error(
                404,
                "ErrorItemNotFound",
                "The specified object was not found in the store.",
                outcome="not_found",
            )
        asked = _page_size(call.headers, call.query)
        if asked is None:
            return graph_error(400, "BadRequest", "Invalid page size.")
        query = call.query
        gone = graph_error(
            410,
            "SyncStateNotFound",
            "The sync state could not be found; start over with a delta request without a token.",
            outcome="gone",
        )
        if "$skiptoken" in query:
            held = self._delta_pages.get(query["$skiptoken"])
            if held is None or held[0].state.expired:
                return gone
            round_, offset = held
        elif "$deltatoken" in query:
            state = self._sync_states.get(query["$deltatoken"])
            if state is None or state.expired or state.mailbox != user_id or state.folder != folder:
                return gone
            latest: dict[str, tuple[int, bool]] = {}
            for version, where, message_id in mailbox.removed:
                if where == folder and version > state.version:
                    latest[message_id] = max(latest.get(message_id, (0, True)), (version, True))
            for message_id, stored in mailbox.messages.items():
                if stored.folder == folder and stored.version > state.version:
                    latest[message_id] = max(latest.get(message_id, (0, False)), (stored.version, False))
            entries = [
                (mid, removed) for mid, (_, removed) in sorted(latest.items(), key=lambda kv: kv[1][0])
            ]
            round_ = _DeltaRound(state, entries, self._version, state.select)
            offset = 0
        else:
            select = _select(query.get("$select"))
            unknown = _unknown_fields(select, list(mailbox.messages.values()))
            if unknown:
                return _bad_property(unknown)
            in_folder = [s for s in mailbox.messages.values() if s.folder == folder]
            conditions = _parse_filter(query.get("$filter"), {"receivedDateTime": {"ge", "gt", "le", "lt"}})
            if conditions is None:
                return graph_error(400, "ErrorInvalidUrlQuery", "Delta filters only on receivedDateTime.")
            in_folder = [s for s in in_folder if _passes(s.message, conditions)]
            in_folder.sort(key=lambda s: s.message["receivedDateTime"], reverse=True)
            state = _SyncState(user_id, folder, 0, select)
            entries = [(s.message["id"], False) for s in in_folder]
            round_ = _DeltaRound(state, entries, self._version, select)
            offset = 0

        # Each page is as large as its own request asks: a next or delta link without the header gets
        # Graph's default size, whatever the round's first request asked for.
        page_size = asked
        basic = _basic_mail_only(call.claims)
        values: list[dict[str, Any]] = []
        for message_id, removed in round_.entries[offset : offset + page_size]:
            current = mailbox.messages.get(message_id)
            if removed or current is None or current.folder != folder:
                values.append(
                    {
                        "@odata.type": "#microsoft.graph.message",
                        "id": message_id,
                        "@removed": {"reason": "deleted"},
                    }
                )
            else:
                values.append(
                    {
                        "@odata.type": "#microsoft.graph.message",
                        **_render_message(current.message, round_.select, basic),
                    }
                )
        body: dict[str, Any] = {
            "@odata.context": f"{self.base_url}/$metadata#Collection(message)",
            "value": values,
        }
        link_path = call.path.removesuffix("()")
        if offset + page_size < len(round_.entries):
            token = uuid.uuid4().hex
            self._delta_pages[token] = (round_, offset + page_size)
            body["@odata.nextLink"] = self._link(link_path, {"$skiptoken": token})
        else:
            token = uuid.uuid4().hex
            self._sync_states[token] = _SyncState(user_id, folder, round_.end_version, round_.select)
            body["@odata.deltaLink"] = self._link(link_path, {"$deltatoken": token})
        headers = {"Preference-Applied": f"odata.maxpagesize={page_size}"} if _prefers_page_size(call) else {}
        return _Answer(200, body, headers)

    # --- Teams --------------------------------------------------------------------------------------

    def _list_chats(self, call: _Call, user_id: str) -> _Answer:
        query = call.query
        top = _int(query.get("$top"), CHATS_TOP_MAX)
        offset = _offset(query.get("$skiptoken"))
        if top is None or not 1 <= top <= CHATS_TOP_MAX or offset is None:
            return graph_error(
                400, "BadRequest", f"Invalid page size or skip token; $top is 1 to {CHATS_TOP_MAX}."
            )
        expand = query.get("$expand")
        if expand not in (None, "members"):
            return graph_error(400, "BadRequest", f"Expanding '{expand}' is not supported.")
        chats = [c for c in self._chats.values() if any(m.get("userId") == user_id for m in c.members)]
        chats.sort(key=lambda c: (c.chat["lastUpdatedDateTime"], c.chat["id"]), reverse=True)
        values = []
        for chat in chats[offset : offset + top]:
            shown = dict(chat.chat)
            if expand == "members":
                shown["members"] = [dict(member) for member in chat.members[:EXPANDED_MEMBERS_MAX]]
            values.append(shown)
        body: dict[str, Any] = {
            "@odata.context": f"{self.base_url}/$metadata#chats",
            "@odata.count": len(chats),
            "value": values,
        }
        if offset + top < len(chats):
            kept = {name: value for name, value in query.items() if name != "$skiptoken"}
            body["@odata.nextLink"] = self._link(call.path, {**kept, "$skiptoken": _skiptoken(offset + top)})
        return _Answer(200, body)

    def _list_chat_members(self, call: _Call, chat_id: str) -> _Answer:
        # chat-list-members takes no OData query parameters and answers every member in one response.
        unsupported = next((name for name in call.query if name.startswith("$")), None)
        if unsupported is not None:
            return graph_error(400, "BadRequest", f"Query option '{unsupported}' is not allowed.")
        members = [dict(member) for member in self._chats[chat_id].members]
        body = {
            "@odata.context": f"{self.base_url}/$metadata#chats('{quote(chat_id)}')/members",
            "@odata.count": len(members),
            "value": members,
        }
        return _Answer(200, body)

    def _list_chat_messages(self, call: _Call, chat_id: str) -> _Answer:
        query = call.query
        top = _int(query.get("$top"), CHAT_MESSAGES_PAGE_DEFAULT)
        if top is None or not 1 <= top <= CHAT_MESSAGES_TOP_MAX:
            return graph_error(
                400,
                "BadRequest",
                f"Invalid page size specified: '{query.get('$top')}'. Must be between 1 and "
                f"{CHAT_MESSAGES_TOP_MAX} inclusive.",
            )
        offset = _offset(query.get("$skiptoken"))
        if offset is None:
            return graph_error(400, "BadRequest", "Invalid skip token.")
        order = (query.get("$orderby") or "lastModifiedDateTime desc").strip()
        # Graph sorts chat messages newest first only, by either time; each sort allows its own filters.
        allowed = {
            "lastModifiedDateTime desc": {"lastModifiedDateTime": {"gt", "lt"}},
            "createdDateTime desc": {"createdDateTime": {"lt"}},
        }.get(order)
        if allowed is None:
            return graph_error(400, "BadRequest", f"$orderby '{order}' is not supported for chat messages.")
        conditions = _parse_filter(query.get("$filter"), allowed)
        if conditions is None:
            return graph_error(400, "BadRequest", f"Unsupported $filter with $orderby '{order}'.")
        by = order.split()[0]
        messages = [m for m in self._chats[chat_id].messages.values() if _passes(m, conditions)]
        messages.sort(key=lambda m: (m[by], m["id"]), reverse=True)
        body: dict[str, Any] = {
            "@odata.context": f"{self.base_url}/$metadata#chats('{quote(chat_id)}')/messages",
            "@odata.count": len(messages[offset : offset + top]),
            "value": [_render_chat_message(m, call.headers) for m in messages[offset : offset + top]],
        }
        if offset + top < len(messages):
            kept = {name: value for name, value in query.items() if name != "$skiptoken"}
            body["@odata.nextLink"] = self._link(call.path, {**kept, "$skiptoken": _skiptoken(offset + top)})
        return _Answer(200, body)

    # --- helpers ------------------------------------------------------------------------------------

    def _link(self, path: str, query: Mapping[str, str]) -> str:
        # Graph percent-encodes '$' and the values in its links; clients must use them as given.
        return f"{self.base_url}{quote(path)}?{urlencode(query, quote_via=quote)}"

    def _mailbox(self, user_id: str) -> _Mailbox:
        found = self._aliases.get(user_id.lower())
        if found is None:
            raise KeyError(f"no user {user_id!r}; add_user() first")
        return self._mailboxes[found]

    def _mailbox_key(self, call: _Call) -> str | None:
        """The mailbox a request would use, for pacing a batch's sub-requests."""
        segments = [segment.lower() for segment in call.path.split("/") if segment]
        if segments[:1] == ["me"]:
            return self._aliases.get(str(call.claims.get("oid", "")).lower())
        if (
            len(segments) > 2
            and segments[0] == "users"
            and segments[2] in ("messages", "mailfolders", "mailboxsettings")
        ):
            return self._aliases.get(segments[1], segments[1])
        return None

    def _next_version(self) -> int:
        self._version += 1
        return self._version

    def _draw_fault(self, path: str) -> _Answer | None:
        with self._lock:
            chosen: tuple[int, int | None] | None = None
            for index, (status, retry_after, match) in enumerate(self._queued_faults):
                if match is None or match.lower() in path.lower():
                    del self._queued_faults[index]
                    chosen = (status, retry_after)
                    break
            if chosen is None and self.fault_rate and self.random.random() < self.fault_rate:
                status = self.random.choice(self.faults)
                chosen = (status, 1 if status in (429, 503, 504) else None)
        if chosen is None:
            return None
        status, retry_after = chosen
        code, message = INJECTED_ERRORS.get(status, ("serviceError", f"Injected error {status}."))
        return graph_error(status, code, message, outcome="injected", retry_after=retry_after)

    def _record(self, call: _Call, answer: _Answer, at: float) -> None:
        claims = call.claims
        entry = GraphRequest(
            method=call.method,
            path=call.path,
            query=dict(call.query),
            status=answer.status,
            outcome=answer.outcome if answer.status < 400 or answer.outcome != "ok" else "bad_request",
            mailbox=answer.mailbox,
            in_batch=call.in_batch,
            batch_request_id=call.batch_request_id,
            concurrency=answer.concurrency,
            at=at,
            mode=_mode(claims),
            scopes=tuple(_scopes(claims)),
            roles=tuple(_roles(claims)),
            app_id=(claims.get("appid") or claims.get("azp")) if claims else None,
            user_id=claims.get("oid") if _mode(claims) == "delegated" else None,
            error_code=answer.error_code,
            retry_after=answer.retry_after,
        )
        with self._lock:
            self.requests.append(entry)
            self.counters["requests"] += 1
            self.counters["sub_requests" if call.in_batch else "top_level"] += 1
            self.counters[entry.outcome] += 1
            self.counters[f"status_{entry.status}"] += 1


def default_mailbox_settings(user_id: str) -> dict[str, Any]:
    """mailboxSettings as Graph returns them for a new mailbox in UTC, working 08:00-17:00 Monday-Friday."""
    return {
        "archiveFolder": f"AQMkAGVmMDEzArchive{abs(hash(user_id)) % 10_000:04d}AAA=",
        "timeZone": "UTC",
        "delegateMeetingMessageDeliveryOptions": "sendToDelegateAndInformationToPrincipal",
        "dateFormat": "M/d/yyyy",
        "timeFormat": "h:mm tt",
        "userPurpose": "user",
        "automaticRepliesSetting": GraphDouble.automatic_replies("disabled"),
        "language": {"locale": "en-US", "displayName": "English (United States)"},
        "workingHours": GraphDouble.working_hours(),
    }


def _mode(claims: Mapping[str, Any]) -> Mode:
    if claims.get("scp"):
        return "delegated"
    if claims.get("roles"):
        return "application"
    return "none"


def _scopes(claims: Mapping[str, Any]) -> list[str]:
    return str(claims.get("scp") or "").split()


def _roles(claims: Mapping[str, Any]) -> list[str]:
    roles = claims.get("roles") or []
    return [str(role) for role in roles] if isinstance(roles, list) else []


def _basic_mail_only(claims: Mapping[str, Any]) -> bool:
    mail = (set(_scopes(claims)) | set(_roles(claims))) & (PERMISSIONS["mail"][0] | PERMISSIONS["mail"][1])
    return bool(mail) and mail <= BASIC_MAIL_ONLY


def _int(value: str | None, default: int) -> int | None:
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        return None


def _select(value: str | None) -> list[str] | None:
    if not value:
        return None
    return [name.strip() for name in value.split(",") if name.strip()]


def _unknown_fields(select: list[str] | None, stored: Sequence[_Stored]) -> str | None:
    if not select:
        return None
    known = set(stored[0].message) if stored else set(_MESSAGE_FIELDS)
    return next((name for name in select if name not in known), None)


def _bad_property(name: str) -> _Answer:
    return graph_error(
        400,
        "RequestBroker--ParseUri",
        f"Could not find a property named '{name}' on type 'microsoft.graph.message'.",
    )


def _render_message(message: Mapping[str, Any], select: list[str] | None, basic: bool) -> dict[str, Any]:
    shown: dict[str, Any] = {"@odata.etag": f'W/"{message["changeKey"]}"'}
    if select:
        shown["id"] = message["id"]
        shown.update({name: message[name] for name in select if name in message})
    else:
        shown.update(message)
    if basic:
        for name in BODY_FIELDS:
            shown.pop(name, None)
    return _deep_copy(shown)


def _deep_copy(document: Mapping[str, Any]) -> dict[str, Any]:
    """A copy sharing nothing with the stored data, which the test thread may change meanwhile."""
    copied: dict[str, Any] = json.loads(json.dumps(document))
    return copied


def _search_terms(value: str) -> list[tuple[str | None, str]] | None:
    """KQL as far as we use it: ``"participants:a@x.com OR from:b@y.com"``; None when unquoted."""
    if len(value) < 2 or not (value.startswith('"') and value.endswith('"')):
        return None
    terms: list[tuple[str | None, str]] = []
    for part in value[1:-1].split(" OR "):
        prop, colon, text = part.strip().partition(":")
        terms.append((prop.lower(), text.strip().lower()) if colon else (None, part.strip().lower()))
    return terms


def _matches(message: Mapping[str, Any], term: tuple[str | None, str]) -> bool:
    prop, text = term

    def addresses(*names: str) -> list[str]:
        found = []
        for name in names:
            value = message.get(name)
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, dict):
                    found.append(str(item["emailAddress"]["address"]).lower())
                    found.append(str(item["emailAddress"]["name"]).lower())
        return found

    fields = {
        "participants": ("from", "toRecipients", "ccRecipients", "bccRecipients"),
        "from": ("from",),
        "to": ("toRecipients",),
        "cc": ("ccRecipients",),
    }
    if prop in fields:
        return text in addresses(*fields[prop])
    if prop == "subject":
        return text in str(message.get("subject", "")).lower()
    haystack = " ".join(
        [
            str(message.get("subject", "")),
            str(message.get("bodyPreview", "")),
            *addresses(*fields["participants"]),
        ]
    ).lower()
    return text in haystack


_FILTER = re.compile(r"^\s*(\w+)\s+(gt|ge|lt|le|eq)\s+(\S+)\s*$")


def _parse_filter(
    value: str | None, allowed: Mapping[str, set[str]]
) -> list[tuple[str, str, datetime]] | None:
    """Date-range filters ``field op time [and ...]``, each field and operator in ``allowed``."""
    if not value:
        return []
    conditions = []
    for clause in re.split(r"\s+and\s+", value.strip(), flags=re.IGNORECASE):
        match = _FILTER.match(clause)
        if match is None or match.group(2) not in allowed.get(match.group(1), set()):
            return None
        try:
            moment = _parse_time(match.group(3).strip("'"))
        except ValueError:
            return None
        conditions.append((match.group(1), match.group(2), moment))
    return conditions


def _passes(item: Mapping[str, Any], conditions: Sequence[tuple[str, str, datetime]]) -> bool:
    compare: dict[str, Callable[[datetime, datetime], bool]] = {
        "gt": lambda a, b: a > b,
        "ge": lambda a, b: a >= b,
        "lt": lambda a, b: a < b,
        "le": lambda a, b: a <= b,
        "eq": lambda a, b: a == b,
    }
    return all(compare[op](_parse_time(str(item[name])), moment) for name, op, moment in conditions)


def _page_size(headers: Mapping[str, str], query: Mapping[str, str]) -> int | None:
    """Delta pages follow ``Prefer: odata.maxpagesize=N`` (or ``$top``); Graph's default is 10."""
    size: int | None = DELTA_PAGE_DEFAULT
    asked = _prefers(headers, "odata.maxpagesize")
    if asked is not None:
        size = _int(asked, DELTA_PAGE_DEFAULT)
    elif "$top" in query:
        size = _int(query["$top"], DELTA_PAGE_DEFAULT)
    return size if size is not None and 1 <= size <= MESSAGES_TOP_MAX else None


def _prefers(headers: Mapping[str, str], preference: str) -> str | None:
    """The value of one ``Prefer`` preference (``""`` for a bare one), or None when not asked for."""
    for name, value in headers.items():
        if name.lower() != "prefer":
            continue
        for part in value.split(","):
            key, _, given = part.strip().partition("=")
            if key.strip().lower() == preference.lower():
                return given.strip()
    return None


def _prefers_page_size(call: _Call) -> bool:
    return _prefers(call.headers, "odata.maxpagesize") is not None


def _render_chat_message(message: Mapping[str, Any], headers: Mapping[str, str]) -> dict[str, Any]:
    shown = _deep_copy(message)
    # chatMessageType is an evolvable enum: members after unknownFutureValue (systemEventMessage) reach
    # only clients that ask for them.
    if (
        shown["messageType"] == "systemEventMessage"
        and _prefers(headers, "include-unknown-enum-members") is None
    ):
        shown["messageType"] = "unknownFutureValue"
    return shown


def _skiptoken(offset: int) -> str:
    # Opaque to clients, like Graph's; an encoded offset keeps paging deterministic.
    return base64.urlsafe_b64encode(json.dumps({"o": offset}).encode()).decode()


def _offset(token: str | None) -> int | None:
    if token is None:
        return 0
    try:
        offset = json.loads(base64.urlsafe_b64decode(token.encode()))["o"]
    except (ValueError, KeyError, TypeError):
        return None
    return offset if isinstance(offset, int) and offset >= 0 else None


_MESSAGE_FIELDS = (
    "id",
    "createdDateTime",
    "lastModifiedDateTime",
    "changeKey",
    "categories",
    "receivedDateTime",
    "sentDateTime",
    "hasAttachments",
    "internetMessageId",
    "subject",
    "bodyPreview",
    "importance",
    "parentFolderId",
    "conversationId",
    "isDeliveryReceiptRequested",
    "isReadReceiptRequested",
    "isRead",
    "isDraft",
    "webLink",
    "inferenceClassification",
    "body",
    "sender",
    "from",
    "toRecipients",
    "ccRecipients",
    "bccRecipients",
    "replyTo",
    "flag",
)
