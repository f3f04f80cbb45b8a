"""Proactive delivery from the outbox.

One worker at a time sends for a tenant: on PostgreSQL it holds a session advisory lock for that tenant
while it works, so Teams' per-conversation and per-tenant limits can be kept in this process alone, and a
crashed worker's lock goes with its connection. Rows are leased, so a worker that dies mid-send leaves
them to the next one once the lease lapses. 429 honours Retry-After; 412, 5xx and resets back off
exponentially with jitter; 403 (blocked or uninstalled) is final and recorded. Cards go out as JSON
through the Bot Connector REST client (bot/connector_client.py), not through botbuilder's turn machinery."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import itertools
import logging
import os
import random
import socket
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import SessionMaker, transaction
from app.keys import Clock
from app.models import OutboxMessage
from app.observability import Metrics, Stopwatch
from app.services import card_reads, outbox
from app.services.outbox import Delivery, Notice
from app.services.tenant_config import TenantConfig, load_config
from bot.card_views import Links
from bot.connector_client import BotConnector, IncompleteReference, SendFailed
from bot.notices import READ_AHEAD_KINDS, Rendered, render_notice, render_notices
from bot.throttle import CONVERSATION_LIMITS, Pacer, Send, SlidingWindows

log = logging.getLogger(__name__)

RETRYABLE = frozenset({412, 429, 500, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class DispatchPolicy:
    tenant_rate: float = 49.0  # Teams allows 50; replies to users' messages are not paced here
    lease: timedelta = timedelta(seconds=90)
    batch: int = 500  # big enough that one batch spans many chats, so per-chat windows never idle the tenant
    max_attempts: int = 8
    # Sends under way at once (Little's law: rate x latency). 16 keeps 48/s up to ~330 ms per send; more
    # only queues behind this process's own work, and every later answer holds the answer-time windows.
    concurrency: int = 16
    base_backoff: float = 2.0
    max_backoff: float = 300.0
    conversation_limits: tuple[tuple[float, int], ...] = CONVERSATION_LIMITS
    handover_pause: float = 2.1
    # A card rendered ahead of its turn goes out only within this many seconds of reading its data.
    fresh_for: float = 0.5
    read_ahead_max: int = 32


@dataclass(slots=True)
class DispatchStats:
    sent: int = 0
    updated: int = 0
    retried: int = 0
    throttled: int = 0
    final: dict[str, int] = field(default_factory=lambda: defaultdict(int))


class Dispatcher:
    """Claims due notifications and delivers them; run ``run_forever`` as a task, or ``drain`` in tests."""

    def __init__(
        self,
        *,
        connector: BotConnector,
        sessions: SessionMaker,
        clock: Clock,
        links: Links,
        policy: DispatchPolicy | None = None,
        worker_id: str | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.connector = connector
        self.sessions = sessions
        self.clock = clock
        self.links = links
        self.policy = policy or DispatchPolicy()
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.pacer = Pacer(tenant_rate=self.policy.tenant_rate, limits=self.policy.conversation_limits)
        self.stats = DispatchStats()
        self.metrics = metrics or Metrics()
        self._stopping = False
        self._random = random.Random()

    def stop(self) -> None:
        """Finish the sends under way, hand the rest back, and leave ``run_forever``."""
        self._stopping = True

    # --- leadership -------------------------------------------------------------------------------------

    def _lead_tenant(self, tenant_id: str) -> contextlib.AbstractAsyncContextManager[bool]:
        return outbox.tenant_send_lock(self.sessions, tenant_id)

    # --- the loop ---------------------------------------------------------------------------------------

    async def run_forever(self, idle: float = 1.0) -> None:
        """Deliver until cancelled; a failing pass is logged and the loop goes on."""
        while not self._stopping:
            try:
                worked = await self.drain_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("dispatch pass failed")
                worked = 0
            if not worked and not self._stopping:
                await asyncio.sleep(idle)

    async def drain(self, *, poll: float = 0.05) -> None:
        """Send until nothing is left, retries included; bound it with asyncio.timeout."""
        while True:
            if not await self.drain_once():
                async with self.sessions() as session:
                    horizon = self.clock() + timedelta(days=3650)
                    if not await outbox.pending_tenants(session=session, now=horizon):
                        return
                await asyncio.sleep(poll)

    async def drain_once(self) -> int:
        """One pass over every tenant with due rows; returns how many rows it settled."""
        async with self.sessions() as session:
            tenants = await outbox.pending_tenants(session=session, now=self.clock())
        settled = 0
        for tenant_id in tenants:
            async with self._lead_tenant(tenant_id) as leading:
                if not leading:
                    continue
                async with transaction(self.sessions) as session:
                    orphans = await outbox.reclaim_orphans(
                        session=session, tenant_id=tenant_id, worker=self.worker_id
                    )
                if orphans:
                    # Taking over from a worker that died: its last sends may still be landing at Teams, and
                    # its pacing windows died with it, so let Teams' 1 s and 2 s windows pass first.
                    log.warning("took over %d notices left mid-send", orphans, extra={"tenant": tenant_id})
                    await asyncio.sleep(self.policy.handover_pause)
                while not self._stopping:
                    now = self.clock()
                    async with transaction(self.sessions) as session:
                        rows = await outbox.claim(
                            session=session,
                            tenant_id=tenant_id,
                            worker=self.worker_id,
                            now=now,
                            lease=self.policy.lease,
                            limit=self.policy.batch,
                        )
                        claimed = [_Claim.of(row) for row in rows]
                        config = await load_config(session=session, tenant_id=tenant_id) if claimed else None
                    if not claimed or config is None:
                        break
                    await self._deliver_batch(tenant_id, claimed, config)
                    settled += len(claimed)
        return settled

    async def _deliver_batch(self, tenant_id: str, claimed: Sequence[_Claim], config: TenantConfig) -> None:
        # Conversations are independent; within one, notices keep their order.
        lanes: dict[str, list[_Claim]] = defaultdict(list)
        for item in claimed:
            lanes[item.lane].append(item)
        gate = asyncio.Semaphore(self.policy.concurrency)
        unsent: list[_Claim] = []
        engine = self.sessions.kw["bind"]
        # One connection for the batch's renders and one settle per group of sends: no checkout (and no
        # pool pre-ping round trip) per card.
        async with engine.connect() as connection:
            renderer = BatchRenderer(
                self.sessions(bind=connection),
                links=self.links,
                clock=self.clock,
                config=config,
                most=self.policy.read_ahead_max,
                fresh_for=self.policy.fresh_for,
            )
            settler = _Settler(self, tenant_id)

            async def lane(items: list[_Claim]) -> None:
                for item in items:
                    if self._stopping:
                        unsent.append(item)
                        continue
                    renderer.queued(item.row)
                    async with gate:
                        if not await self._deliver(tenant_id, item, renderer, settler):
                            unsent.append(item)

            done = asyncio.Event()
            ticker = asyncio.create_task(settler.tick(done))
            try:
                await asyncio.gather(*(lane(items) for items in lanes.values()))
            finally:
                done.set()
                await ticker
                try:
                    await settler.flush()
                finally:
                    await renderer.session.close()
        if unsent:
            async with transaction(self.sessions) as session:
                await outbox.release(
                    session=session,
                    tenant_id=tenant_id,
                    message_ids=[item.row.id for item in unsent],
                    worker=self.worker_id,
                )

    async def _deliver(
        self, tenant_id: str, item: _Claim, renderer: BatchRenderer, settler: _Settler
    ) -> bool:
        """Settle one row; False when shutdown came first and it was left unsent."""
        if item.row.kind == Notice.FOLLOW_UP_CHANGED.value:
            # It updates the card an earlier send of this batch may have posted: that send's activity id
            # must be written before this one reads it.
            await settler.flush()
        try:
            rendered = await renderer.render(item.row)
        except Exception:
            log.exception("could not render notice %s", item.row.kind)
            await self._settle_final(tenant_id, item, Delivery.FAILED, "render failed")
            return True
        if rendered.skip_reason is not None:
            await self._settle_final(tenant_id, item, Delivery.SKIPPED, rendered.skip_reason)
            return True
        if rendered.reference is None:
            await self._settle_final(
                tenant_id, item, Delivery.UNDELIVERABLE, rendered.undeliverable or "no chat"
            )
            return True
        sends = await self._pace(tenant_id, rendered)
        if sends is None:
            return False
        watch = Stopwatch()
        try:
            activity_id = await self._send(rendered)
        except IncompleteReference as problem:
            _answered(sends)
            await self._settle_final(tenant_id, item, Delivery.UNDELIVERABLE, str(problem))
            return True
        except SendFailed as failure:
            _answered(sends)
            self.metrics.send_seconds.observe(watch.seconds())
            await self._after_failure(tenant_id, item, rendered, failure)
            return True
        _answered(sends)
        self.metrics.send_seconds.observe(watch.seconds())
        await settler.add(item, rendered, activity_id)
        if rendered.update_activity_id:
            self.stats.updated += 1
            self.metrics.sends.labels(result="updated").inc()
        else:
            self.stats.sent += 1
            self.metrics.sends.labels(result="sent").inc()
        return True

    async def _pace(self, tenant_id: str, rendered: Rendered) -> tuple[Send, ...] | None:
        rules = (self.pacer.tenant(tenant_id), self.pacer.conversation(rendered.conversation_id))
        # Checked and recorded with no await in between, so concurrent lanes cannot take the same slot.
        delay = max(rule.wait(time.monotonic()) for rule in rules)
        while delay > 0:
            await asyncio.sleep(min(delay, 1.0))
            if self._stopping:
                return None
            delay = max(rule.wait(time.monotonic()) for rule in rules)
        now = time.monotonic()
        return tuple(rule.record(now) for rule in rules)

    async def _send(self, rendered: Rendered) -> str | None:
        assert rendered.reference is not None and rendered.attachment is not None
        attachment = {"contentType": rendered.attachment.content_type, "content": rendered.attachment.content}
        if rendered.update_activity_id:
            return await self.connector.update(rendered.reference, rendered.update_activity_id, [attachment])
        return await self.connector.send(rendered.reference, [attachment])

    async def _after_failure(
        self, tenant_id: str, item: _Claim, rendered: Rendered, failure: SendFailed
    ) -> None:
        status = failure.status
        if status == 403:
            await self._settle_final(
                tenant_id, item, Delivery.BLOCKED, "the user blocked or removed the bot (403)"
            )
            return
        if status == 404:
            await self._settle_final(tenant_id, item, Delivery.UNDELIVERABLE, "conversation not found (404)")
            return
        if status is not None and status not in RETRYABLE:
            await self._settle_final(tenant_id, item, Delivery.FAILED, f"HTTP {status}")
            return
        attempt = item.row.attempts
        backoff = min(self.policy.max_backoff, self.policy.base_backoff * 2 ** (attempt - 1))
        delay = backoff * (0.8 + 0.4 * self._random.random())
        if status == 429:
            self.stats.throttled += 1
            self.metrics.throttled.inc()
            delay = max(delay, failure.retry_after or 0.0)
            self.pacer.conversation(rendered.conversation_id).block(time.monotonic() + delay)
        self.stats.retried += 1
        self.metrics.sends.labels(result="retry").inc()
        async with transaction(self.sessions) as session:
            outcome = await outbox.retry_later(
                session=session,
                tenant_id=tenant_id,
                message_id=item.row.id,
                worker=self.worker_id,
                not_before=self.clock() + timedelta(seconds=delay),
                error=f"HTTP {status}" if status else str(failure),
                max_attempts=self.policy.max_attempts,
            )
        if outcome is Delivery.FAILED:
            self.stats.final[Delivery.FAILED.value] += 1

    async def _settle_final(self, tenant_id: str, item: _Claim, status: Delivery, reason: str) -> None:
        async with transaction(self.sessions) as session:
            await outbox.give_up(
                session=session,
                tenant_id=tenant_id,
                message_id=item.row.id,
                worker=self.worker_id,
                status=status,
                error=reason,
            )
        self.stats.final[status.value] += 1
        self.metrics.sends.labels(result=status.value).inc()


@dataclass(frozen=True, slots=True)
class _Claim:
    row: OutboxMessage
    lane: str

    @classmethod
    def of(cls, row: OutboxMessage) -> _Claim:
        return cls(row=row, lane=str(row.member_id or row.team_id or row.id))


def _answered(sends: tuple[Send, ...]) -> None:
    now = time.monotonic()
    for send in sends:
        SlidingWindows.answered(send, now)


class BatchRenderer:
    """Renders a batch's notices over the batch's own connection, reading ahead for the next few.

    A due follow-up's card is rendered together with the next ones expected to go out, read in a few
    statements for all of them instead of six a card. A card rendered ahead is used only within
    ``fresh_for`` seconds of that read, about as long as a card rendered alone used to wait for its
    pacing slot; an older one is rendered again, so a follow-up done or reassigned meanwhile is not sent
    stale. How far to read ahead follows the pace at which cards are asked for: what half of
    ``fresh_for`` takes at that pace, so that little read ahead goes stale unused."""

    def __init__(
        self,
        session: AsyncSession,
        *,
        links: Links,
        clock: Clock,
        config: TenantConfig,
        most: int,
        fresh_for: float,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.session = session
        self.links = links
        self.clock = clock
        self.config = config
        self.most = max(1, most)
        self.fresh_for = fresh_for
        self.monotonic = monotonic
        # The notices waiting for a send slot that can be read ahead, in the order they queued: the
        # slots go first come, first served, so this is the order they will be rendered in.
        self._upcoming: dict[uuid.UUID, OutboxMessage] = {}
        self._ready: dict[uuid.UUID, tuple[float, Rendered]] = {}
        self._asked: collections.deque[float] = collections.deque(maxlen=64)
        self._lock = asyncio.Lock()

    def queued(self, row: OutboxMessage) -> None:
        """Note a notice that now waits for a send slot: it may be read ahead from here on."""
        if row.kind in READ_AHEAD_KINDS:
            self._upcoming[row.id] = row

    async def render(self, row: OutboxMessage) -> Rendered:
        """The notice rendered from data read no longer than ``fresh_for`` seconds ago."""
        async with self._lock:
            now = self.monotonic()
            self._asked.append(now)
            ready = self._ready.pop(row.id, None)
            if ready is not None and now - ready[0] <= self.fresh_for:
                return ready[1]
            self._upcoming.pop(row.id, None)
            try:
                if row.kind not in READ_AHEAD_KINDS:
                    return await render_notice(
                        session=self.session,
                        message=row,
                        links=self.links,
                        now=self.clock(),
                        config=self.config,
                    )
                batch = [row, *self._take(self._ahead(now))]
                results = await render_notices(
                    session=self.session,
                    messages=batch,
                    links=self.links,
                    now=self.clock(),
                    config=self.config,
                )
            finally:
                # Ends the read transaction (SQLite would otherwise keep its snapshot) but keeps the
                # connection; nothing loaded is reused by a later read.
                await self.session.rollback()
                self.session.expunge_all()
            for message, result in zip(batch[1:], results[1:], strict=False):
                if isinstance(result, Rendered):
                    self._ready[message.id] = (now, result)
            first = results[0]
            if isinstance(first, Exception):
                raise first
            return first

    def _ahead(self, now: float) -> int:
        """How many more to read now: what the recent pace asks for in half the freshness window, less
        what is read ahead already and still fresh."""
        for message_id, (read_at, _) in list(self._ready.items()):
            if now - read_at > self.fresh_for:
                del self._ready[message_id]  # its turn comes late; it is rendered again then
        span = self._asked[-1] - self._asked[0] if len(self._asked) > 1 else 0.0
        pace = (len(self._asked) - 1) / span if span > 0 else float(self.most) / self.fresh_for
        wanted = min(self.most, int(pace * self.fresh_for / 2))
        return max(0, wanted - 1 - len(self._ready))

    def _take(self, count: int) -> list[OutboxMessage]:
        taken: list[OutboxMessage] = []
        for message_id in list(itertools.islice(self._upcoming, count)):
            taken.append(self._upcoming.pop(message_id))
        return taken


class _Settler:
    """Sent cards recorded in groups: one UPDATE a group, its after-send writes in the same transaction."""

    every = 0.05
    group = 25

    def __init__(self, dispatcher: Dispatcher, tenant_id: str) -> None:
        self.dispatcher = dispatcher
        self.tenant_id = tenant_id
        self.pending: list[tuple[_Claim, Rendered, str | None]] = []
        self._lock = asyncio.Lock()

    async def add(self, item: _Claim, rendered: Rendered, activity_id: str | None) -> None:
        """Queue one sent card; a full group is settled at once."""
        self.pending.append((item, rendered, activity_id))
        if len(self.pending) >= self.group:
            await self.flush()

    async def tick(self, done: asyncio.Event) -> None:
        """Settle what is queued every ``every`` seconds until ``done`` is set."""
        while not done.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), self.every)
            try:
                await self.flush()
            except Exception:
                log.exception("could not record sent notices")

    async def flush(self) -> None:
        """Record every queued send now."""
        async with self._lock:
            group, self.pending = self.pending, []
            if group:
                # Shielded: once taken off the queue, a group must be recorded even if the caller is
                # cancelled, or its cards would be sent again when their lease lapses.
                await asyncio.shield(self._record(group))

    async def _record(self, group: list[tuple[_Claim, Rendered, str | None]]) -> None:
        dispatcher = self.dispatcher
        async with transaction(dispatcher.sessions) as session:
            ours = await outbox.mark_sent_many(
                session=session,
                tenant_id=self.tenant_id,
                worker=dispatcher.worker_id,
                sent=[(item.row.id, activity_id) for item, _, activity_id in group],
                now=dispatcher.clock(),
            )
            cards: list[tuple[uuid.UUID, str, str]] = []
            for item, rendered, activity_id in group:
                if item.row.id not in ours:
                    continue
                if rendered.card_of is not None and activity_id:
                    cards.append((rendered.card_of, activity_id, rendered.conversation_id))
                await rendered.after_send(session, activity_id)
            await card_reads.remember_cards(session, self.tenant_id, cards)
