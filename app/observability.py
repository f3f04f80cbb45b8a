"""Structured logs with request ids, and Prometheus metrics.

Logs are one JSON object per line. Only the message and the fields a call names in ``extra`` are
written, so a token or a message body reaches a log only if code puts it there on purpose, which
nothing does."""

from __future__ import annotations

import contextvars
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


def configure_logging(level: str) -> None:
    """JSON lines on stderr, each with the request id of the request that wrote it."""
    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    )
    handler.addFilter(_RequestIdFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request's full URL at INFO; Graph URLs carry leads' addresses in $search.
    logging.getLogger("httpx").setLevel(max(logging.WARNING, root.level))


@web.middleware
async def request_id_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Take a caller's X-Request-Id if it is plain, or make one; echo it on the response."""
    offered = request.headers.get("X-Request-Id", "")
    request_id = offered if _SAFE_ID.match(offered) else uuid.uuid4().hex
    token = REQUEST_ID.set(request_id)
    try:
        response = await handler(request)
    except web.HTTPException as error:
        error.headers["X-Request-Id"] = request_id
        raise
    finally:
        REQUEST_ID.reset(token)
    response.headers["X-Request-Id"] = request_id
    return response


class Metrics:
    """The process's counters, one registry per application so tests can build many apps."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.turns = Counter(
            "nurture_bot_turns_total", "Activities the bot handled, by type", ["type"], registry=self.registry
        )
        self.turn_seconds = Histogram(
            "nurture_bot_turn_seconds", "Seconds per activity, by type", ["type"], registry=self.registry
        )
        self.invokes = Counter(
            "nurture_bot_invokes_total", "Card actions, by verb", ["verb"], registry=self.registry
        )
        self.sends = Counter(
            "nurture_sends_total", "Proactive sends by result", ["result"], registry=self.registry
        )
        self.send_seconds = Histogram(
            "nurture_send_seconds", "Time for one proactive send to be answered", registry=self.registry
        )
        self.throttled = Counter(
            "nurture_send_429_total", "Proactive sends Teams answered with 429", registry=self.registry
        )
        self.outbox_depth = Gauge(
            "nurture_outbox_pending", "Notifications waiting to be sent", registry=self.registry
        )
        self.events_pending = Gauge(
            "nurture_events_pending",
            "Webhook events stored with 202 Accepted and not yet applied to their leads",
            registry=self.registry,
        )
        self.graph_calls = Counter(
            "nurture_graph_calls_total", "Graph requests, by result", ["result"], registry=self.registry
        )

    def render(self) -> bytes:
        """The Prometheus text exposition."""
        return generate_latest(self.registry)

    @staticmethod
    def content_type() -> str:
        """The exposition's content type."""
        return CONTENT_TYPE_LATEST


class Stopwatch:
    """Seconds since it was made."""

    def __init__(self) -> None:
        self._start = time.perf_counter()

    def seconds(self) -> float:
        """Elapsed seconds."""
        return time.perf_counter() - self._start
