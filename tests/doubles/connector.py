"""A loopback stand-in for the Teams Bot Connector service (an activity's ``serviceUrl``).

It answers the ``/v3/conversations`` routes botframework-connector's ``ConnectorClient`` calls, records
every activity, and behaves like Teams where our code has to cope with it:

- Teams' per-thread send limits (7/1 s, 8/2 s, 60/30 s, 1800/h) and a per-bot limit across all
  conversations, answered with 429 and ``Retry-After``;
- injected faults: 429, 5xx and connection resets, queued (``fail_next``) or at a seeded ``fault_rate``;
- conversations the user blocked or uninstalled the app from (403, final);
- optional bearer-token checks and added latency.

It serves plain http on 127.0.0.1. Use it as an async context manager on the running loop, or start it
on its own loop in a thread (``start_in_thread``) for callers that block (msrest sends with ``requests``).
"""

from __future__ import annotations

import asyncio
import bisect
import itertools
import math
import random
import socket
import struct
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import unquote

import jwt
from aiohttp import web

# (window in seconds, most requests allowed in it). Teams applies these per bot and per conversation
# thread to "send to conversation", "reply", "update" and "delete" alike (msteams-docs, rate-limit.md).
TEAMS_THREAD_LIMITS: tuple[tuple[float, int], ...] = ((1.0, 7), (2.0, 8), (30.0, 60), (3600.0, 1800))
# Reads (conversation members) are allowed twice as often per thread.
TEAMS_THREAD_READ_LIMITS: tuple[tuple[float, int], ...] = ((1.0, 14), (2.0, 16), (30.0, 120), (3600.0, 3600))
# About 50 requests per second for one app in one tenant, across all its conversations.
TEAMS_BOT_LIMITS: tuple[tuple[float, int], ...] = ((1.0, 50),)

RESET: Literal["reset"] = "reset"
"""A fault kind: close the connection without any response (with an RST)."""
Fault = int | Literal["reset"]
DEFAULT_FAULTS: tuple[Fault, ...] = (429, 500, 502, 503, RESET)

BLOCKED_ERROR = {
    "error": {"code": "ConversationBlockedByUser", "message": "User blocked the conversation with the bot."}
}
UNAUTHORIZED_BODY = {"message": "Authorization has been denied for this request."}

TokenCheck = Callable[[str], bool]
Outcome = Literal["ok", "limited", "injected", "reset", "blocked", "unauthorized", "not_found", "bad_request"]
Kind = Literal["create", "send", "reply", "update", "delete"]


@dataclass(frozen=True, slots=True)
class Exchange:
    """One request and how the double answered it (status 0: the connection was reset)."""

    method: str
    path: str
    conversation_id: str | None
    activity_id: str | None
    status: int
    outcome: Outcome
    at: float
    has_auth: bool
    retry_after: int | None = None


@dataclass(frozen=True, slots=True)
class Delivery:
    """An accepted write: what the bot asked Teams to show (or change, or delete)."""

    kind: Kind
    conversation_id: str
    activity_id: str
    activity: dict[str, Any] | None
    at: float
    has_auth: bool
    authorization: str | None
    reply_to_id: str | None = None


@dataclass(frozen=True, slots=True)
class Violation:
    """A request that arrived while one of Teams' windows was already full: the client went too fast.

    The double records it whether or not it enforces the limit (``enforce_limits``); it answers it
    with 429 when it does. A well-paced client produces none."""

    scope: Literal["conversation", "bot"]
    conversation_id: str | None
    window_seconds: float
    limit: int
    at: float
    method: str
    path: str


@dataclass(slots=True)
class _Windows:
    """Accepted request times for one key, oldest first, for sliding-window counting."""

    times: list[float] = field(default_factory=list)

    def over(self, now: float, limits: Sequence[tuple[float, int]]) -> list[tuple[float, int, float]]:
        """The windows one more request at ``now`` would exceed, each with the seconds until it has room."""
        full = []
        for seconds, limit in limits:
            start = bisect.bisect_right(self.times, now - seconds)
            if len(self.times) - start >= limit:
                # Room appears when the oldest of the last ``limit`` requests leaves the window.
                full.append((seconds, limit, self.times[-limit] + seconds - now))
        return full

    def add(self, now: float, horizon: float) -> None:
        self.times.append(now)
        del self.times[: bisect.bisect_right(self.times, now - horizon)]


class ConnectorDouble:
    """The Bot Connector service for one bot. ``url`` is the serviceUrl to put into activities."""

    def __init__(
        self,
        *,
        require_token: TokenCheck | tuple[str, str] | None = None,
        enforce_limits: bool = True,
        conversation_limits: Sequence[tuple[float, int]] = TEAMS_THREAD_LIMITS,
        read_limits: Sequence[tuple[float, int]] = TEAMS_THREAD_READ_LIMITS,
        bot_limits: Sequence[tuple[float, int]] = TEAMS_BOT_LIMITS,
        fault_rate: float = 0.0,
        faults: Sequence[Fault] = DEFAULT_FAULTS,
        seed: int = 0,
        latency: float = 0.0,
        members: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
        blocked: Iterable[str] = (),
        strict_ids: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """
        :param require_token: a predicate on the bearer token (e.g. ``IdentityDouble.access_token_check``),
            or an ``(audience, issuer)`` pair checked on the claims only (no signature); unset: any caller.
        :param enforce_limits: answer 429 over a limit; off, violations are only recorded.
        :param fault_rate: probability that a request gets a fault drawn from ``faults`` (seeded).
        :param members: conversation id -> ChannelAccount/TeamsChannelAccount JSON objects.
        :param blocked: conversation ids whose user blocked or uninstalled the bot (403 on every call).
        :param strict_ids: answer 404 to updates and deletes of activity ids this double never issued.
        :param clock: monotonic seconds for the rate windows; tests may pass a manual clock.
        """
        self.require_token = require_token
        self.enforce_limits = enforce_limits
        self.conversation_limits = tuple(conversation_limits)
        self.read_limits = tuple(read_limits)
        self.bot_limits = tuple(bot_limits)
        self.fault_rate = fault_rate
        self.faults = tuple(faults)
        self.random = random.Random(seed)
        self.latency = latency
        self.members: dict[str, list[dict[str, Any]]] = {
            conversation: [dict(member) for member in listed]
            for conversation, listed in (members or {}).items()
        }
        self.blocked: set[str] = set(blocked)
        self.strict_ids = strict_ids
        self.clock = clock

        self.exchanges: list[Exchange] = []
        self.deliveries: list[Delivery] = []
        self.violations: list[Violation] = []
        self.accepted = 0
        self.throttled = 0
        self.failed_injected = 0

        self._queued_faults: deque[tuple[Fault, int | None]] = deque()
        self._writes: dict[str, _Windows] = {}
        self._reads: dict[str, _Windows] = {}
        self._bot = _Windows()
        self._known: dict[str, set[str]] = {}
        self._ids = itertools.count(1)
        # Handlers run on the double's loop; tests read and configure from their own thread.
        self._lock = threading.Lock()
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._thread_loop: asyncio.AbstractEventLoop | None = None
        self.port = 0

    # --- lifecycle ----------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The serviceUrl, with the trailing slash Teams uses."""
        return f"http://127.0.0.1:{self.port}/"

    async def start(self) -> ConnectorDouble:
        """Serve on the running loop."""
        app = web.Application()
        app.router.add_route("*", "/v3/conversations", self._dispatch)
        app.router.add_route("*", "/v3/conversations/{tail:.*}", self._dispatch)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> ConnectorDouble:
        return await self.start()

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    def start_in_thread(self) -> ConnectorDouble:
        """Serve from a loop of its own in a daemon thread; stop with ``stop()``."""
        loop = asyncio.new_event_loop()
        self._thread_loop = loop
        self._thread = threading.Thread(target=loop.run_forever, name="connector-double", daemon=True)
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

    # --- configuration and inspection ---------------------------------------------------------------

    def fail_next(self, n: int = 1, status: Fault = 500, *, retry_after: int | None = None) -> None:
        """Answer the next ``n`` requests with ``status`` (or ``RESET``), whatever they are."""
        if status == 429 and retry_after is None:
            retry_after = 1
        with self._lock:
            self._queued_faults.extend([(status, retry_after)] * n)

    def block(self, conversation_id: str) -> None:
        """The user blocked the bot or uninstalled the app: every call on this conversation now gets 403."""
        with self._lock:
            self.blocked.add(conversation_id)

    def set_members(self, conversation_id: str, members: Sequence[Mapping[str, Any]]) -> None:
        with self._lock:
            self.members[conversation_id] = [dict(member) for member in members]

    def activities(self, conversation_id: str) -> list[dict[str, Any]]:
        """Activities sent into the conversation (sends, replies and the one a create carried), as sent,
        each with the ``id`` the double gave it."""
        return [
            dict(d.activity or {}, id=d.activity_id)
            for d in self._deliveries_of(conversation_id)
            if d.kind in ("create", "send", "reply")
        ]

    def updates(self, conversation_id: str) -> list[dict[str, Any]]:
        """Update payloads for the conversation, in the order they arrived, each with its ``id``."""
        return [
            dict(d.activity or {}, id=d.activity_id)
            for d in self._deliveries_of(conversation_id)
            if d.kind == "update"
        ]

    def deleted(self, conversation_id: str) -> list[str]:
        return [d.activity_id for d in self._deliveries_of(conversation_id) if d.kind == "delete"]

    def current(self, conversation_id: str, activity_id: str) -> dict[str, Any] | None:
        """What Teams would show for the activity now: the last version sent or updated, None once deleted."""
        shown: dict[str, Any] | None = None
        for d in self._deliveries_of(conversation_id):
            if d.activity_id == activity_id:
                shown = None if d.kind == "delete" else dict(d.activity or {}, id=activity_id)
        return shown

    @property
    def conversations(self) -> list[str]:
        """Conversation ids that received at least one accepted write, in first-seen order."""
        with self._lock:
            return list(dict.fromkeys(d.conversation_id for d in self.deliveries))

    @property
    def responses_429(self) -> list[Exchange]:
        """Every 429 sent, whether for a rate limit or injected."""
        return [e for e in self.exchanges if e.status == 429]

    def _deliveries_of(self, conversation_id: str) -> list[Delivery]:
        with self._lock:
            return [d for d in self.deliveries if d.conversation_id == conversation_id]

    # --- request handling ---------------------------------------------------------------------------

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        if self.latency:
            await asyncio.sleep(self.latency)
        # Split the raw path ourselves: Teams ids hold ':', '@', ';' and may hold an encoded '/', which
        # must stay inside one segment.
        raw = request.raw_path.split("?", 1)[0]
        segments = [unquote(part) for part in raw.split("/")[3:]]
        conversation_id = segments[0] if segments else None
        activity_id = segments[2] if len(segments) > 2 and segments[1] == "activities" else None
        authorization = request.headers.get("Authorization")
        now = self.clock()

        def answer(
            status: int, outcome: Outcome, body: Any = None, retry_after: int | None = None
        ) -> web.Response:
            self._log(request, conversation_id, activity_id, status, outcome, now, retry_after)
            headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
            if body is None:
                return web.Response(status=status, headers=headers)
            return web.json_response(body, status=status, headers=headers)

        if self.require_token is not None and not self._token_ok(authorization):
            return answer(401, "unauthorized", UNAUTHORIZED_BODY)

        fault = self._draw_fault()
        if fault is not None:
            kind, retry_after = fault
            with self._lock:
                self.failed_injected += 1
            if kind == RESET:
                self._log(request, conversation_id, activity_id, 0, "reset", now, None)
                return _reset(request)
            status = int(kind)
            return answer(status, "injected", _error_body(status), retry_after if status == 429 else None)

        route = self._route(request.method, segments)
        if route is None:
            return answer(404, "not_found", {"error": {"code": "NotFound", "message": "No such route."}})
        is_write = route in ("create", "send", "reply", "update", "delete")
        if conversation_id is not None and conversation_id in self.blocked:
            return answer(403, "blocked", BLOCKED_ERROR)

        retry_after = self._admit(request, conversation_id, is_write, now)
        if retry_after is not None:
            return answer(429, "limited", _error_body(429), retry_after)

        body: Any = None
        if request.method in ("POST", "PUT") and request.can_read_body:
            try:
                body = await request.json()
            except ValueError:
                return answer(
                    400, "bad_request", {"error": {"code": "BadSyntax", "message": "Invalid JSON."}}
                )

        if route in ("members", "member", "pagedmembers"):
            assert conversation_id is not None
            status, outcome, response = self._read_members(route, conversation_id, segments, request.query)
        else:
            status, outcome, response = self._handle(
                route, conversation_id, activity_id, body, authorization, now
            )
        return answer(status, outcome, response)

    @staticmethod
    def _route(method: str, segments: list[str]) -> str | None:
        shape = (method, len(segments), segments[1] if len(segments) > 1 else None)
        return {
            ("POST", 0, None): "create",
            ("POST", 2, "activities"): "send",
            ("POST", 3, "activities"): "reply",
            ("PUT", 3, "activities"): "update",
            ("DELETE", 3, "activities"): "delete",
            ("GET", 2, "members"): "members",
            ("GET", 3, "members"): "member",
            ("GET", 2, "pagedmembers"): "pagedmembers",
        }.get(shape)

    def _token_ok(self, authorization: str | None) -> bool:
        if not authorization or not authorization.startswith("Bearer "):
            return False
        token = authorization.removeprefix("Bearer ")
        check = self.require_token
        if callable(check):
            return check(token)
        assert check is not None
        audience, issuer = check
        try:
            # Claims only: a pair cannot verify signatures; pass a predicate for that.
            jwt.decode(
                token,
                # PyJWT skips every claim check once the signature check is off, unless each is asked for.
                options={
                    "verify_signature": False,
                    "verify_exp": True,
                    "verify_nbf": True,
                    "verify_aud": True,
                    "verify_iss": True,
                    "require": ["exp", "aud", "iss"],
                },
                audience=audience,
                issuer=issuer,
            )
        except jwt.PyJWTError:
            return False
        return True

    def _draw_fault(self) -> tuple[Fault, int | None] | None:
        with self._lock:
            if self._queued_faults:
                return self._queued_faults.popleft()
            if self.fault_rate and self.random.random() < self.fault_rate:
                kind = self.random.choice(self.faults)
                return kind, (self.random.randint(1, 3) if kind == 429 else None)
        return None

    def _admit(
        self, request: web.Request, conversation_id: str | None, is_write: bool, now: float
    ) -> int | None:
        """Count the request against the windows; on a full window record a violation and, when
        enforcing, return the Retry-After seconds instead."""
        with self._lock:
            checks: list[
                tuple[Literal["conversation", "bot"], str | None, _Windows, tuple[tuple[float, int], ...]]
            ]
            checks = [("bot", None, self._bot, self.bot_limits)]
            if conversation_id is not None:
                table = self._writes if is_write else self._reads
                windows = table.setdefault(conversation_id, _Windows())
                limits = self.conversation_limits if is_write else self.read_limits
                checks.append(("conversation", conversation_id, windows, limits))
            waits: list[float] = []
            for scope, key, windows, limits in checks:
                for seconds, limit, wait in windows.over(now, limits):
                    self.violations.append(
                        Violation(scope, key, seconds, limit, now, request.method, request.path)
                    )
                    waits.append(wait)
            if waits and self.enforce_limits:
                self.throttled += 1
                return max(1, math.ceil(max(waits)))
            for _scope, _key, windows, limits in checks:
                windows.add(now, max((seconds for seconds, _ in limits), default=0.0))
            return None

    def _handle(
        self,
        route: str,
        conversation_id: str | None,
        activity_id: str | None,
        body: Any,
        authorization: str | None,
        now: float,
    ) -> tuple[int, Outcome, Any]:
        if route != "delete" and not isinstance(body, dict):
            return (
                400,
                "bad_request",
                {"error": {"code": "BadArgument", "message": "A JSON object is required."}},
            )

        def record(kind: Kind, conversation: str, new_id: str, activity: dict[str, Any] | None) -> None:
            reply_to = activity_id if kind == "reply" else None
            delivery = Delivery(
                kind, conversation, new_id, activity, now, authorization is not None, authorization, reply_to
            )
            with self._lock:
                self.deliveries.append(delivery)
                self._known.setdefault(conversation, set()).add(new_id)
                self.accepted += 1

        if route == "create":
            conversation = self._conversation_for(body)
            members = [m for m in body.get("members") or [] if isinstance(m, dict)]
            with self._lock:
                self.members.setdefault(conversation, [dict(m) for m in members])
            response: dict[str, Any] = {"id": conversation}
            if isinstance(body.get("activity"), dict):
                response["activityId"] = self._new_id()
                record("create", conversation, response["activityId"], body["activity"])
            else:
                with self._lock:
                    self.accepted += 1
            return 201, "ok", response

        assert conversation_id is not None
        if route in ("send", "reply"):
            new_id = self._new_id()
            record(route, conversation_id, new_id, body)  # type: ignore[arg-type]
            return 201, "ok", {"id": new_id}

        assert activity_id is not None
        if self.strict_ids and activity_id not in self._known.get(conversation_id, set()):
            return (
                404,
                "not_found",
                {"error": {"code": "ActivityNotFoundInConversation", "message": "Unknown activity id."}},
            )
        record(route, conversation_id, activity_id, body if route == "update" else None)  # type: ignore[arg-type]
        return (200, "ok", {"id": activity_id}) if route == "update" else (200, "ok", None)

    def _read_members(
        self, route: str, conversation_id: str, segments: list[str], query: Mapping[str, str]
    ) -> tuple[int, Outcome, Any]:
        with self._lock:
            listed = self.members.get(conversation_id)
        if listed is None:
            return (
                404,
                "not_found",
                {"error": {"code": "ConversationNotFound", "message": "No such conversation."}},
            )
        if route == "member":
            found = next((m for m in listed if m.get("id") == segments[2]), None)
            if found is None:
                return (
                    404,
                    "not_found",
                    {
                        "error": {
                            "code": "MemberNotFoundInConversation",
                            "message": "The member was not found.",
                        }
                    },
                )
            payload: Any = found
        elif route == "members":
            payload = listed
        else:
            # The continuation token is an offset: opaque to callers, and enough to page deterministically.
            size = max(1, min(int(query.get("pageSize") or 200), 500))
            start = int(query.get("continuationToken") or 0)
            payload = {"members": listed[start : start + size]}
            if start + size < len(listed):
                payload["continuationToken"] = str(start + size)
        with self._lock:
            self.accepted += 1
        return 200, "ok", payload

    def _conversation_for(self, parameters: dict[str, Any]) -> str:
        """Teams returns the same 1:1 conversation for the same user every time; group chats are new."""
        members = [m.get("id") for m in parameters.get("members") or [] if isinstance(m, dict)]
        if parameters.get("isGroup") or len(members) != 1:
            return f"19:{uuid.uuid4().hex}@thread.v2"
        tenant = (parameters.get("channelData") or {}).get("tenant", {}).get("id") or parameters.get(
            "tenantId"
        )
        return f"a:1{uuid.uuid5(uuid.NAMESPACE_URL, f'{tenant}/{members[0]}').hex}"

    def _new_id(self) -> str:
        # Teams' activity ids are epoch milliseconds; these look alike and never repeat within a double.
        return str(1_700_000_000_000 + next(self._ids))

    def _log(
        self,
        request: web.Request,
        conversation_id: str | None,
        activity_id: str | None,
        status: int,
        outcome: Outcome,
        at: float,
        retry_after: int | None,
    ) -> None:
        has_auth = "Authorization" in request.headers
        exchange = Exchange(
            request.method,
            request.path,
            conversation_id,
            activity_id,
            status,
            outcome,
            at,
            has_auth,
            retry_after,
        )
        with self._lock:
            self.exchanges.append(exchange)


def _error_body(status: int) -> dict[str, Any]:
    code = {429: "Throttled", 500: "InternalServerError", 502: "BadGateway", 503: "ServiceUnavailable"}
    return {
        "error": {"code": code.get(status, "ServiceError"), "message": f"Injected or throttled ({status})."}
    }


def _reset(request: web.Request) -> web.Response:
    """Drop the connection with an RST and no response, as a load balancer that gives up does."""
    transport = request.transport
    if transport is not None:
        sock = transport.get_extra_info("socket")
        if sock is not None:
            # Linger 0 turns the close into a reset, so the client sees ECONNRESET, not a clean EOF.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()
    # aiohttp finds the transport gone and writes nothing.
    return web.Response(status=500)
