"""The event refresher in a process of its own, below the server's priority.

Storing a 202 post costs tens of microseconds an event; applying one costs about a millisecond a lead.
On one event loop a long burst shares the loop with applying, and every answer waits its turn behind a
claim. In a child process the server's loop only stores, and the kernel gives the child what CPU the
answers leave (it runs at a lower priority), so the backlog drains after a burst instead of slowing it.

The server supervises the child: it wakes it through a pipe after each 202 post, restarts it if it
dies, and stops it on shutdown. The child exits when that pipe closes, so it never outlives the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from datetime import UTC, datetime
from typing import Protocol

from app.config import Settings
from app.db import create_sessionmaker, engine_for_url
from app.observability import configure_logging
from app.services.pending_events import EventRefresher

log = logging.getLogger(__name__)

# Added to the child's niceness: the answers to integrations come first, applying takes what is left.
NICENESS = 10
WAKE = b"w"
# Settings the child reads from its environment; everything else keeps its default there.
CHILD_SETTINGS = ("database_url", "db_pool_size", "log_level", "event_refresh_poll_seconds")
RESTART_SECONDS = (0.5, 30.0)  # first and longest pause before starting a child that died


class Wakeable(Protocol):
    def wake(self) -> None: ...


def uses_process(settings: Settings) -> bool:
    """Whether the refresher runs in a child process: by setting, or on PostgreSQL when left to ``auto``.

    On SQLite one writer holds the file at a time, so a second process would only queue for the lock."""
    if settings.event_refresher != "auto":
        return settings.event_refresher == "process"
    return not settings.database_url.startswith("sqlite")


def child_environment(settings: Settings) -> dict[str, str]:
    """The parent's environment without its ``NURTURE_*`` settings (secrets among them), plus the few the
    child needs, as the server holds them now."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("NURTURE_")}
    for name in CHILD_SETTINGS:
        environment[f"NURTURE_{name.upper()}"] = str(getattr(settings, name))
    return environment


class RefresherProcess:
    """The server's side: starts the child, wakes it, restarts it when it dies, stops it."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.process: asyncio.subprocess.Process | None = None
        self.restarts = 0
        self._supervisor: asyncio.Task[None] | None = None
        self._started = asyncio.Event()

    async def start(self) -> None:
        """Start the child and its supervisor; returns once the first child is running."""
        self._supervisor = asyncio.create_task(self._supervise(), name="nurture-refresher-process")
        await self._started.wait()
        if self._supervisor.done():
            # The child could not be spawned at all: the server must not start promising 202s.
            self._supervisor.result()

    def wake(self) -> None:
        """New pending events were committed: tell the child, unless a wake is still on its way to it."""
        process = self.process
        if process is None or process.stdin is None or process.returncode is not None:
            return  # between children: the next one drains what is pending when it starts
        transport = process.stdin.transport
        # Bytes still buffered mean the child has not read the last wake yet; one is enough, and a
        # child that stopped reading must not make the server's memory grow.
        if transport.is_closing() or transport.get_write_buffer_size():
            return
        process.stdin.write(WAKE)

    async def _spawn(self) -> asyncio.subprocess.Process:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "app.refresher_process",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.DEVNULL,
            env=child_environment(self.settings),
        )

    async def _supervise(self) -> None:
        loop = asyncio.get_running_loop()
        pause = RESTART_SECONDS[0]
        try:
            while True:
                self.process = await self._spawn()
                self._started.set()
                started = loop.time()
                code = await self.process.wait()
                self.restarts += 1
                log.error("the event refresher process stopped (exit code %s); restarting it", code)
                # A child that ran a good while before it died starts the backoff afresh.
                if loop.time() - started > RESTART_SECONDS[1]:
                    pause = RESTART_SECONDS[0]
                await asyncio.sleep(pause)
                pause = min(pause * 2, RESTART_SECONDS[1])
        except asyncio.CancelledError:
            await self._stop_child()
            raise
        except Exception:
            self._started.set()  # start() must not wait for ever on a child that cannot be spawned
            raise

    async def _stop_child(self) -> None:
        process = self.process
        if process is None or process.returncode is not None:
            return
        # Closing its pipe is the child's signal to finish the claim under way and exit.
        if process.stdin is not None:
            process.stdin.close()
        try:
            await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            process.kill()
            await process.wait()

    async def stop(self) -> None:
        """Stop supervising and end the child; a claim it was applying commits or rolls back whole."""
        if self._supervisor is None:
            return
        self._supervisor.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._supervisor


class RefresherGroup:
    """Several children, each supervised on its own: after a burst they drain the backlog on every core.

    Their claims take different leads (``FOR UPDATE SKIP LOCKED``), so two never apply the same event."""

    def __init__(self, settings: Settings) -> None:
        self.members = [RefresherProcess(settings) for _ in range(settings.event_refresh_processes)]

    async def start(self) -> None:
        """Start every child; returns once all are running."""
        await asyncio.gather(*(member.start() for member in self.members))

    def wake(self) -> None:
        """Wake every child; those that find nothing left to claim go back to waiting."""
        for member in self.members:
            member.wake()

    async def stop(self) -> None:
        """Stop every child."""
        await asyncio.gather(*(member.stop() for member in self.members))


# --- the child ---------------------------------------------------------------------------------------------


async def _read_wakes(reader: asyncio.StreamReader, refresher: Wakeable, closed: asyncio.Event) -> None:
    while await reader.read(4096):
        refresher.wake()
    closed.set()  # the server closed the pipe, or died


async def run_child(settings: Settings) -> None:
    """Apply pending events until the server closes the pipe on standard input (or sends SIGTERM)."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    closed = asyncio.Event()
    for stop in (signal.SIGTERM, signal.SIGINT):  # Ctrl-C reaches the whole process group
        loop.add_signal_handler(stop, closed.set)
    engine = engine_for_url(settings.database_url, pool_size=settings.db_pool_size)
    poll = settings.event_refresh_poll_seconds
    refresher = EventRefresher(create_sessionmaker(engine), lambda: datetime.now(UTC), poll_seconds=poll)
    work = asyncio.create_task(refresher.run_forever(), name="nurture-event-refresher")
    wakes = asyncio.create_task(_read_wakes(reader, refresher, closed))
    try:
        await closed.wait()
    finally:
        # A claim is one transaction: cancelled mid-way it rolls back and its events stay pending.
        for task in (work, wakes):
            task.cancel()
        await asyncio.gather(work, wakes, return_exceptions=True)
        await engine.dispose()


def main() -> None:
    """Entry point of the child process."""
    os.nice(NICENESS)
    settings = Settings()
    configure_logging(settings.log_level)
    asyncio.run(run_child(settings))


if __name__ == "__main__":
    main()
