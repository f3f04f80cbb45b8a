"""The refresher process: a child of the server that applies 202 events below the server's CPU priority."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession, web
from sqlmodel import col, func, select

from app import keys
from app.config import Settings
from app.db import SessionMaker, transaction
from app.models import EngagementEvent, Lead
from app.refresher_process import NICENESS, RefresherGroup, RefresherProcess, child_environment, uses_process
from app.server import create_app
from app.services.access import Caller
from app.services.api_keys import create_api_key, signature
from tests.app.test_two_instances import _start as start_instance
from tests.app.test_two_instances import _stop as stop_instance
from tests.app.test_two_instances import _wait_ready as wait_ready
from tests.factories import make_lead, make_org


@dataclass
class Served:
    base: str
    runner: web.AppRunner
    app: web.Application
    key: str
    lead_id: Any

    @property
    def children(self) -> list[RefresherProcess]:
        handle = self.app[keys.EVENT_REFRESHER]
        assert isinstance(handle, RefresherGroup)
        return handle.members


@pytest.fixture
async def served(database_url: str, sessions: SessionMaker) -> AsyncIterator[Served]:
    """A server with the refresher in its own process, on a real clock (the child reads the real time)."""
    now = datetime.now(UTC)
    org = await make_org(sessions, now=now)
    lead_id = await make_lead(sessions, org, email="jana@werk.example", owner=org.reps[0], now=now)
    async with transaction(sessions) as session:
        _, key = await create_api_key(session=session, caller=Caller.of(org.admin, now), name="sync")
    settings = Settings(
        database_url=database_url,
        scheduler_enabled=False,
        dispatcher_enabled=False,
        event_refresher="process",
        event_refresh_processes=2,  # the default is one; two exercise the group
        event_refresh_poll_seconds=30,  # far off: only a wake can explain a prompt apply
    )
    app = create_app(settings)
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield Served(f"http://127.0.0.1:{port}", runner, app, key, lead_id)
    finally:
        await runner.cleanup()


async def _post(served: Served, prefix: str, count: int) -> tuple[int, Any]:
    document = {
        "events": [
            {
                "external_id": f"{prefix}-{i}",
                "kind": "pricing_view",
                "occurred_at": datetime.now(UTC).isoformat(),
                "email": "jana@werk.example",
            }
            for i in range(count)
        ]
    }
    body = json.dumps(document).encode()
    stamp = str(int(time.time()))
    headers = {
        "Authorization": f"Bearer {served.key}",
        "X-Nurture-Timestamp": stamp,
        "X-Nurture-Signature": signature(served.key.split("_", 2)[2], stamp, body),
        "Content-Type": "application/json",
        "Prefer": "respond-async",
    }
    async with (
        ClientSession() as client,
        client.post(served.base + "/api/v1/webhooks/events", data=body, headers=headers) as response,
    ):
        return response.status, await response.json()


async def _pending(sessions: SessionMaker) -> int:
    async with sessions() as session:
        query = select(func.count()).select_from(EngagementEvent).where(col(EngagementEvent.pending))
        return int((await session.exec(query)).one())


async def _until_applied(sessions: SessionMaker, seconds: float = 15.0) -> float:
    """Seconds until no event was pending; fails the test after ``seconds``."""
    started = time.monotonic()
    while await _pending(sessions):
        assert time.monotonic() - started < seconds, "the refresher process did not apply the events"
        await asyncio.sleep(0.05)
    return time.monotonic() - started


async def _score(sessions: SessionMaker, lead_id: Any) -> int:
    async with sessions() as session:
        lead = await session.get(Lead, lead_id)
        assert lead is not None
        return lead.engagement_score


async def test_a_child_below_the_servers_priority_applies_what_a_202_stored(
    served: Served, sessions: SessionMaker
) -> None:
    pids = {member.process.pid for member in served.children if member.process is not None}
    assert len(pids) == 2 and os.getpid() not in pids
    expected = min(19, os.getpriority(os.PRIO_PROCESS, 0) + NICENESS)
    # Each child lowers its own priority as it starts; give the interpreters a moment to get there.
    for _ in range(100):
        if all(os.getpriority(os.PRIO_PROCESS, pid) == expected for pid in pids):
            break
        await asyncio.sleep(0.05)
    assert [os.getpriority(os.PRIO_PROCESS, pid) for pid in pids] == [expected, expected]
    # The first batch may land before the child's first look at the backlog, which would apply it anyway.
    assert (await _post(served, "a", 1))[0] == 202
    await _until_applied(sessions)
    before = await _score(sessions, served.lead_id)
    assert await _post(served, "b", 3) == (202, {"accepted": 3, "duplicates": 0, "unknown_lead": []})
    # Now the children are waiting: well inside their 30-second poll, only a wake through a pipe applies them.
    assert await _until_applied(sessions) < 10
    assert await _score(sessions, served.lead_id) > before
    async with sessions() as session:
        effects = (
            await session.exec(select(EngagementEvent.effect).where(col(EngagementEvent.effect).is_not(None)))
        ).all()
    assert len(effects) == 2  # one refresh a batch: the three events of one lead share one effect


async def test_a_child_that_dies_is_replaced_and_the_next_one_applies_the_backlog(
    served: Served, sessions: SessionMaker
) -> None:
    member = served.children[0]
    first = member.process
    assert first is not None
    first.send_signal(signal.SIGKILL)
    await first.wait()
    # Stored while the killed one is not yet replaced: the other child or the replacement applies them.
    assert (await _post(served, "b", 2))[0] == 202
    await _until_applied(sessions)
    for _ in range(100):  # the replacement starts after a pause of half a second
        if member.process is not first:
            break
        await asyncio.sleep(0.05)
    second = member.process
    assert second is not None and second.pid != first.pid and member.restarts == 1
    assert served.children[1].restarts == 0
    assert (await _post(served, "c", 2))[0] == 202
    await _until_applied(sessions)


async def test_the_child_ends_with_the_server_by_its_own_clean_exit(served: Served) -> None:
    children = [member.process for member in served.children]
    assert all(child is not None and child.returncode is None for child in children)
    await served.runner.cleanup()
    # Closing the pipe (the same end a dying server's pipe meets) lets each child finish and exit 0.
    assert [child.returncode for child in children if child is not None] == [0, 0]


def test_auto_means_a_process_on_postgresql_and_the_loop_on_sqlite() -> None:
    def settings(url: str, mode: str) -> Settings:
        return Settings(database_url=url, event_refresher=mode)

    assert uses_process(settings("postgresql+asyncpg://db.internal/nurture", "auto"))
    assert not uses_process(settings("sqlite+aiosqlite:///nurture.db", "auto"))
    assert uses_process(settings("sqlite+aiosqlite:///nurture.db", "process"))
    assert not uses_process(settings("postgresql+asyncpg://db.internal/nurture", "inline"))


def test_the_child_gets_the_servers_settings_not_whatever_the_environment_said(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A server built with settings in code (as the tests and the benches do) must not send its child to
    # the database the environment names.
    monkeypatch.setenv("NURTURE_DATABASE_URL", "postgresql+asyncpg://elsewhere.internal/other")
    monkeypatch.setenv("NURTURE_BOT_APP_PASSWORD", "the-bots-secret")  # the child sends nothing to Teams
    url = "postgresql+asyncpg://db.internal/nurture"
    settings = Settings(database_url=url, event_refresh_poll_seconds=2.5)
    environment = child_environment(settings)
    assert environment["NURTURE_DATABASE_URL"] == url
    assert environment["NURTURE_EVENT_REFRESH_POLL_SECONDS"] == "2.5"
    assert "NURTURE_BOT_APP_PASSWORD" not in environment


def _children(pid: int) -> list[int]:
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _running(pid: int) -> bool:
    """Whether ``pid`` is alive: neither gone nor a zombie waiting to be reaped."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


async def test_a_killed_server_leaves_no_refresher_behind(database_url: str, tmp_path: Path) -> None:
    # SIGKILL gives the server no chance to stop its children; the kernel closes their pipes, and that is
    # enough.
    server = await start_instance(
        database_url, tmp_path, NURTURE_EVENT_REFRESHER="process", NURTURE_EVENT_REFRESH_PROCESSES="2"
    )
    try:
        async with ClientSession() as client:
            await wait_ready(client, server)
        refreshers = _children(server.process.pid)
        assert len(refreshers) == 2, refreshers
        assert all(map(_running, refreshers))
    finally:
        await stop_instance(server)  # SIGKILL
    deadline = time.monotonic() + 15
    while any(map(_running, refreshers)):
        assert time.monotonic() < deadline, "a refresher outlived its server"
        await asyncio.sleep(0.05)
