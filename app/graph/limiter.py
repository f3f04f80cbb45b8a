"""One budget of Graph requests in flight for the whole process, shared by every caller.

Outlook allows an app 4 concurrent requests, whether they go to one mailbox or to many (Microsoft Learn,
"Microsoft Graph service-specific throttling limits", "Limits per app ID"). Sync, availability, the
tab's on-demand sync and ``$batch`` each pace themselves, but only a budget they all draw from keeps
their sum under that limit. The budget sits at the bottom of the HTTP stack, below kiota's retry handler:
every attempt on the wire takes a slot, and a retry's ``Retry-After`` wait holds none.

A ``$batch`` takes as many slots as Outlook runs of it at once: its sub-requests, at most 4.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque

import httpx

# Outlook runs at most this many of one batch's requests at a time.
BATCH_PARALLEL = 4


class GraphLimiter:
    """At most ``limit`` slots taken at once; waiters are served first come, first served, so a batch
    that needs four slots is not starved by single requests that keep arriving."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self.limit = limit
        self.in_use = 0
        self.peak = 0
        self._queue: deque[object] = deque()
        self._changed = asyncio.Condition()

    async def acquire(self, slots: int = 1) -> int:
        """Wait for ``slots`` (capped at the limit) and take them; returns how many were taken."""
        slots = max(1, min(slots, self.limit))
        ticket = object()
        async with self._changed:
            self._queue.append(ticket)
            try:
                await self._changed.wait_for(
                    lambda: self._queue[0] is ticket and self.in_use + slots <= self.limit
                )
            finally:
                self._queue.remove(ticket)
                self._changed.notify_all()
            self.in_use += slots
            self.peak = max(self.peak, self.in_use)
        return slots

    async def release(self, slots: int) -> None:
        # Given back before the first await: a release cancelled while it waits for the lock loses nothing.
        self.in_use -= slots
        async with self._changed:
            self._changed.notify_all()


def request_slots(request: httpx.Request) -> int:
    """Slots one HTTP request occupies at Graph: 1, or a ``$batch``'s sub-requests up to 4."""
    if request.method != "POST" or not request.url.path.endswith("/$batch"):
        return 1
    try:
        payload = json.loads(request.content or b"{}")
    except (ValueError, httpx.RequestNotRead):  # not JSON, or a streamed body: count it as one
        return 1
    items = payload.get("requests") if isinstance(payload, dict) else None
    return min(len(items), BATCH_PARALLEL) if isinstance(items, list) and items else 1


class LimitedTransport(httpx.AsyncBaseTransport):
    """An httpx transport that holds a limiter's slots while each request is on the wire."""

    def __init__(self, inner: httpx.AsyncBaseTransport, limiter: GraphLimiter) -> None:
        self._inner = inner
        self._limiter = limiter

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        taken = await self._limiter.acquire(request_slots(request))
        try:
            # Graph has finished the request once its headers arrive: the body is already on its way.
            return await self._inner.handle_async_request(request)
        finally:
            await self._limiter.release(taken)

    async def aclose(self) -> None:
        await self._inner.aclose()
