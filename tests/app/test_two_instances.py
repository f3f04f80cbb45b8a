"""Two real ``nurture serve`` processes on one PostgreSQL database; the one that is sending is killed.

The scheduler of both instances announces a few thousand due follow-ups, each rep's morning digest and
every team's scheduled pipeline card; the dispatcher of whichever instance leads the tenant sends them to
a Bot Connector double with some latency. Mid-send the leader gets SIGKILL. The survivor must take over:
nothing lost, duplicates only among the notices the dead worker had in flight, each pipeline card once,
no Teams rate window broken, and the survivor ready throughout."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import socket
import sys
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from sqlalchemy import insert
from sqlmodel import col, func, select

from app.config import Settings
from app.db import SessionMaker, transaction
from app.models import ConversationReference, FollowUp, Lead, Member, OutboxMessage, Team
from app.nurturing.enums import Role
from app.services.tenants import ensure_tenant
from tests.doubles.connector import ConnectorDouble

ROOT = Path(__file__).resolve().parents[2]

TEAMS = 4
REPS_PER_TEAM = 20
FOLLOW_UPS_PER_REP = 25  # 2,000 due follow-ups; at 48 sends/s about 42 s of sending
LEASE_SECONDS = 5.0  # NURTURE_DISPATCHER_LEASE_SECONDS; the default 90 s would outlast the test
KILL_AFTER = 400  # follow-up cards delivered before the leader is killed
FINISH_WITHIN = 120.0  # a hang guard; the survivor usually settles everything 40-45 s after the kill
# A send counts against the tenant's one-second window while it is in flight, so no more than this many
# can be on the wire when a process dies.
TENANT_RATE = Settings.model_fields["dispatcher_per_tenant_rate"].default
FOLLOW_UP_ID = re.compile(r'"follow_up_id": "([0-9a-f-]{36})"')


@dataclass(slots=True)
class Seeded:
    tenant_id: str
    follow_up_ids: set[str]
    rep_conversations: dict[str, uuid.UUID]  # 1:1 chat -> rep
    channels: dict[uuid.UUID, str]  # team id -> channel conversation id
    occurrences: dict[uuid.UUID, datetime]  # team id -> the pipeline occurrence within the last hour
    reps: int = 0


@dataclass(slots=True)
class Instance:
    process: asyncio.subprocess.Process
    port: int
    stderr: bytearray = field(default_factory=bytearray)
    reader: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _rep_zone(now: datetime) -> str:
    """A zone where it is between 10:00 and 20:00 now, so each rep's digest is due once during the test."""
    for hours in range(-12, 15):
        zone = f"Etc/GMT{'+' if hours <= 0 else '-'}{abs(hours)}"  # Etc/GMT-2 is UTC+2
        if 10 <= now.astimezone(ZoneInfo(zone)).hour < 20:
            return zone
    raise AssertionError("some zone always has daytime")


def _reference(service_url: str, conversation_id: str, tenant_id: str, scope: str) -> dict[str, object]:
    conversation: dict[str, object] = {
        "id": conversation_id,
        "conversationType": scope,
        "tenantId": tenant_id,
    }
    if scope == "channel":
        conversation["isGroup"] = True
    return {
        "activityId": None,
        "user": {"id": f"29:{uuid.uuid4().hex}"},
        "bot": {"id": "28:nurture-bot", "name": "Nurture"},
        "conversation": conversation,
        "channelId": "msteams",
        "serviceUrl": service_url,
    }


async def _seed(sessions: SessionMaker, service_url: str, now: datetime) -> Seeded:
    """A tenant with teams on a schedule that fell due ten minutes ago, and reps with due follow-ups that
    nobody announced yet: the instances' schedulers have to write every outbox row themselves."""
    tenant_id = f"tenant-two-{uuid.uuid4().hex[:8]}"
    team_zone = "Europe/Berlin"
    fell_due = (now - timedelta(minutes=10)).astimezone(ZoneInfo(team_zone)).replace(second=0, microsecond=0)
    schedule = f"FREQ=DAILY;BYHOUR={fell_due.hour};BYMINUTE={fell_due.minute}"
    rep_zone = _rep_zone(now)
    seeded = Seeded(tenant_id, set(), {}, {}, {})
    async with transaction(sessions) as session:
        await ensure_tenant(session=session, tenant_id=tenant_id, name="Two instances", now=now)
        members, references, leads, follow_ups = [], [], [], []
        for t in range(TEAMS):
            team = Team(
                tenant_id=tenant_id,
                name=f"Sales {t}",
                time_zone=team_zone,
                pipeline_schedule=schedule,
                pipeline_channel_id=f"19:pipeline-{t}-{uuid.uuid4().hex}@thread.tacv2",
                created_at=now,
            )
            session.add(team)
            await session.flush()
            assert team.pipeline_channel_id is not None
            seeded.channels[team.id] = team.pipeline_channel_id
            seeded.occurrences[team.id] = fell_due.astimezone(UTC)
            references.append(
                dict(
                    id=uuid.uuid4(),
                    tenant_id=tenant_id,
                    conversation_id=team.pipeline_channel_id,
                    scope="channel",
                    team_id=team.id,
                    service_url=service_url,
                    reference=_reference(service_url, team.pipeline_channel_id, tenant_id, "channel"),
                    updated_at=now,
                )
            )
            for m in range(REPS_PER_TEAM + 1):
                member_id = uuid.uuid4()
                is_lead = m == REPS_PER_TEAM  # the team lead: the pipeline card's viewer, gets no cards
                members.append(
                    dict(
                        id=member_id,
                        tenant_id=tenant_id,
                        display_name=f"{'Lead' if is_lead else 'Rep'} {t}-{m}",
                        email=f"{'lead' if is_lead else 'rep'}{t}-{m}@two.example",
                        role=Role.LEAD if is_lead else Role.REP,
                        team_id=team.id,
                        time_zone=rep_zone,
                        workdays=[0, 1, 2, 3, 4, 5, 6],
                        capacity=100,
                        active=True,
                        locale="en",
                        created_at=now,
                        aad_object_id=str(uuid.uuid4()),
                    )
                )
                if is_lead:
                    continue
                seeded.reps += 1
                conversation_id = f"a:1{uuid.uuid4().hex}"
                seeded.rep_conversations[conversation_id] = member_id
                references.append(
                    dict(
                        id=uuid.uuid4(),
                        tenant_id=tenant_id,
                        conversation_id=conversation_id,
                        scope="personal",
                        member_id=member_id,
                        service_url=service_url,
                        reference=_reference(service_url, conversation_id, tenant_id, "personal"),
                        updated_at=now,
                    )
                )
                for n in range(FOLLOW_UPS_PER_REP):
                    lead_id, follow_up_id = uuid.uuid4(), uuid.uuid4()
                    seeded.follow_up_ids.add(str(follow_up_id))
                    leads.append(
                        dict(
                            id=lead_id,
                            tenant_id=tenant_id,
                            email=f"l{t}-{m}-{n}@buyer.example",
                            first_name="Lead",
                            last_name=f"{t}-{m}-{n}",
                            owner_id=member_id,
                            team_id=team.id,
                            topics=[],
                            custom_fields={},
                            score_explanation=[],
                            created_at=now - timedelta(days=3),
                            updated_at=now - timedelta(days=3),
                            version=1,
                            language="en",
                        )
                    )
                    follow_ups.append(
                        dict(
                            id=follow_up_id,
                            tenant_id=tenant_id,
                            lead_id=lead_id,
                            owner_id=member_id,
                            due_at=now - timedelta(minutes=1 + n),
                            reasons=[],
                            status="open",
                            created_at=now - timedelta(days=1),
                            notified_at=None,
                        )
                    )
        for model, rows in (
            (Member, members),
            (ConversationReference, references),
            (Lead, leads),
            (FollowUp, follow_ups),
        ):
            await session.exec(insert(model), params=rows)
    return seeded


def _server_env(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("NURTURE_")}
    env.update(
        PYTHONPATH=str(ROOT),
        NURTURE_HOST="127.0.0.1",
        NURTURE_LOCAL_MODE="true",
        NURTURE_LOG_LEVEL="WARNING",
        NURTURE_SCHEDULER_ENABLED="true",
        NURTURE_SCHEDULER_INTERVAL_SECONDS="0.5",
        NURTURE_DISPATCHER_ENABLED="true",
        NURTURE_DISPATCHER_LEASE_SECONDS=str(LEASE_SECONDS),
        # These tests time a kill by the dispatcher's send bursts; two refresher interpreters importing the
        # app beside the instances shift those bursts on two cores. The refresher process has its own
        # tests, a killed server's included (tests/app/test_refresher_process.py).
        NURTURE_EVENT_REFRESHER="inline",
    )
    env.update(extra)
    return env


async def _drain(stream: asyncio.StreamReader, into: bytearray) -> None:
    while chunk := await stream.read(65536):
        into.extend(chunk[-200_000:])
        del into[:-200_000]


async def _start(database_url: str, cwd: Path, **extra_env: str) -> Instance:
    port = _free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app.cli",
        "serve",
        "--database-url",
        database_url,
        "--port",
        str(port),
        cwd=cwd,  # not the repository: a developer's .env must not leak into the instances
        env=_server_env(**extra_env),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    instance = Instance(process, port)
    assert process.stderr is not None
    instance.reader = asyncio.create_task(_drain(process.stderr, instance.stderr))
    return instance


async def _wait_ready(http: aiohttp.ClientSession, instance: Instance, within: float = 30.0) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        assert instance.process.returncode is None, instance.stderr.decode(errors="replace")[-3000:]
        with contextlib.suppress(aiohttp.ClientError):
            async with http.get(f"{instance.url}/readyz") as response:
                if response.status == 200:
                    return
        await asyncio.sleep(0.1)
    raise AssertionError(f"instance on {instance.port} not ready: {instance.stderr.decode()[-3000:]}")


async def _stop(instance: Instance) -> None:
    if instance.process.returncode is None:
        instance.process.kill()
    await instance.process.wait()
    if instance.reader is not None:
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(instance.reader, timeout=5)


@pytest.fixture
def connector() -> Iterator[ConnectorDouble]:
    # Teams' real limits, enforced; sends take 20-50 ms like a real round trip (30 ms here).
    double = ConnectorDouble(latency=0.03)
    double.start_in_thread()
    yield double
    double.stop()


@contextlib.asynccontextmanager
async def _instances(database_url: str, cwd: Path) -> AsyncIterator[list[Instance]]:
    started: list[Instance] = []
    try:
        for _ in range(2):
            started.append(await _start(database_url, cwd))
        yield started
    finally:
        for instance in started:
            await _stop(instance)


def _classify(connector: ConnectorDouble, seeded: Seeded) -> tuple[Counter[str], Counter[str], Counter[str]]:
    """Follow-up cards by follow-up id, digests by rep chat, pipeline cards by channel."""
    follow_ups: Counter[str] = Counter()
    digests: Counter[str] = Counter()
    pipelines: Counter[str] = Counter()
    channels = set(seeded.channels.values())
    for delivery in list(connector.deliveries):
        if delivery.kind not in ("send", "create", "reply"):
            continue
        if delivery.conversation_id in channels:
            pipelines[delivery.conversation_id] += 1
            continue
        for attachment in (delivery.activity or {}).get("attachments") or []:
            content = attachment.get("content") or {}
            fallback = str(content.get("fallbackText", ""))
            if fallback.startswith("Follow-up due"):
                ids = set(FOLLOW_UP_ID.findall(json.dumps(content)))
                assert len(ids) == 1, f"a follow-up card names one follow-up: {ids}"
                follow_ups[ids.pop()] += 1
            elif fallback.startswith("Good morning"):
                digests[delivery.conversation_id] += 1
            else:
                raise AssertionError(f"unexpected card in {delivery.conversation_id}: {fallback!r}")
    return follow_ups, digests, pipelines


def _pid(worker: str) -> int:
    # The dispatcher's worker id is "<host>:<pid>:<random>".
    return int(worker.split(":")[-2])


async def _outbox_states(sessions: SessionMaker, tenant_id: str) -> dict[str, int]:
    async with sessions() as session:
        rows = await session.exec(
            select(OutboxMessage.status, func.count())
            .where(OutboxMessage.tenant_id == tenant_id)
            .group_by(col(OutboxMessage.status))
        )
        return dict(rows.all())


async def _watch_ready(http: aiohttp.ClientSession, instance: Instance, seen: list[int]) -> None:
    while True:
        try:
            async with http.get(f"{instance.url}/readyz", timeout=aiohttp.ClientTimeout(total=5)) as response:
                seen.append(response.status)
        except (aiohttp.ClientError, TimeoutError):
            seen.append(0)
        await asyncio.sleep(0.25)


async def test_survivor_finishes_after_the_sending_instance_is_killed(
    database_url: str, sessions: SessionMaker, connector: ConnectorDouble, tmp_path: Path
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("two instances share one database only on PostgreSQL (SQLite has one writer per file)")
    started_at = time.monotonic()
    seeded = await _seed(sessions, connector.url, datetime.now(UTC))
    expected_total = len(seeded.follow_up_ids) + seeded.reps + TEAMS

    async with aiohttp.ClientSession() as http, _instances(database_url, tmp_path) as instances:
        await asyncio.gather(*(_wait_ready(http, instance) for instance in instances))
        ready: dict[int, list[int]] = {instance.port: [] for instance in instances}
        watchers = [
            asyncio.create_task(_watch_ready(http, instance, ready[instance.port])) for instance in instances
        ]

        # Wait until cards are flowing, then find the instance that leads the tenant: its worker holds
        # leased rows (status "sending"), and its worker id carries its process id.
        deadline = time.monotonic() + 40
        leader: Instance | None = None
        while leader is None:
            assert time.monotonic() < deadline, (
                f"no cards flowing: {len(connector.deliveries)} delivered, "
                f"{instances[0].stderr.decode()[-2000:]}\n{instances[1].stderr.decode()[-2000:]}"
            )
            await asyncio.sleep(0.05)
            if len(_classify(connector, seeded)[0]) < KILL_AFTER:
                continue
            async with sessions() as session:
                workers = (
                    await session.exec(
                        select(OutboxMessage.claimed_by)
                        .where(OutboxMessage.tenant_id == seeded.tenant_id, OutboxMessage.status == "sending")
                        .distinct()
                    )
                ).all()
            pids = {_pid(worker) for worker in workers if worker}
            by_pid = {instance.process.pid: instance for instance in instances}
            assert pids <= set(by_pid), f"rows leased by an unknown worker: {workers}"
            assert len(pids) <= 1, f"two workers send for one tenant at once: {workers}"
            if pids:
                leader = by_pid[pids.pop()]

        # Sends go out in bursts as the pacing windows open; kill the leader right after a card landed,
        # while the rest of its burst is still on the wire.
        seen = len(connector.deliveries)
        while len(connector.deliveries) == seen:
            assert time.monotonic() < deadline, "the leader stopped sending"
            await asyncio.sleep(0.002)
        leader.process.send_signal(signal.SIGKILL)
        await leader.process.wait()
        killed_at = time.monotonic()
        survivor = next(instance for instance in instances if instance is not leader)
        delivered_before_kill = len(connector.deliveries)
        async with sessions() as session:
            in_flight = (
                await session.exec(
                    select(OutboxMessage).where(
                        OutboxMessage.tenant_id == seeded.tenant_id,
                        OutboxMessage.status == "sending",
                        col(OutboxMessage.claimed_by).contains(f":{leader.process.pid}:"),
                    )
                )
            ).all()
        leased_at_kill = {row.id for row in in_flight}
        assert in_flight, "the killed instance was mid-send: it held leased rows"

        try:
            finish = time.monotonic() + FINISH_WITHIN
            while True:
                assert survivor.process.returncode is None, survivor.stderr.decode()[-3000:]
                states = await _outbox_states(sessions, seeded.tenant_id)
                follow_up_cards = _classify(connector, seeded)[0]
                settled_otherwise = set(states) - {"pending", "sending", "sent"}
                assert not settled_otherwise, f"notices given up: outbox {states}"
                if (
                    set(states) == {"sent"}
                    and states["sent"] == expected_total
                    and set(follow_up_cards) == seeded.follow_up_ids
                ):
                    break
                assert time.monotonic() < finish, f"survivor did not finish: outbox {states}"
                await asyncio.sleep(0.25)
            finished_at = time.monotonic()
            await asyncio.sleep(1.0)  # a last readiness probe or four after the work is done
        finally:
            for watcher in watchers:
                watcher.cancel()
            await asyncio.gather(*watchers, return_exceptions=True)

        follow_up_cards, digests, pipelines = _classify(connector, seeded)
        async with sessions() as session:
            rows = (
                await session.exec(select(OutboxMessage).where(OutboxMessage.tenant_id == seeded.tenant_id))
            ).all()
            unannounced = (
                await session.exec(
                    select(func.count())
                    .select_from(FollowUp)
                    .where(FollowUp.tenant_id == seeded.tenant_id, col(FollowUp.notified_at).is_(None))
                )
            ).one()
            without_card = (
                await session.exec(
                    select(func.count())
                    .select_from(FollowUp)
                    .where(FollowUp.tenant_id == seeded.tenant_id, col(FollowUp.activity_id).is_(None))
                )
            ).one()

    # (a) nothing lost: every follow-up was announced, every row settled as sent, every card reached Teams.
    assert unannounced == 0, "the schedulers announced every due follow-up"
    assert Counter(row.kind for row in rows) == {
        "follow_up.due": len(seeded.follow_up_ids),
        "digest.morning": seeded.reps,
        "pipeline.post": TEAMS,
    }
    assert {row.status for row in rows} == {"sent"}
    assert set(follow_up_cards) == seeded.follow_up_ids
    assert without_card == 0, "every follow-up knows the activity id of its card"
    survivor_rows = [row for row in rows if row.claimed_by and f":{survivor.process.pid}:" in row.claimed_by]
    assert survivor_rows, "the survivor sent what the killed instance left behind"
    # A notice in flight at the kill may reach Teams twice, and only such a notice.
    row_of_follow_up = {row.payload["follow_up_id"]: row.id for row in rows if row.kind == "follow_up.due"}
    row_of_digest = {row.member_id: row.id for row in rows if row.kind == "digest.morning"}
    sent_twice = {row_of_follow_up[key] for key, count in follow_up_cards.items() if count > 1} | {
        row_of_digest[seeded.rep_conversations[chat]] for chat, count in digests.items() if count > 1
    }
    duplicates = sum(follow_up_cards.values()) - len(follow_up_cards) + sum(digests.values()) - len(digests)
    assert sent_twice <= leased_at_kill, "only notices the killed worker had leased were sent twice"
    assert duplicates <= min(len(in_flight), TENANT_RATE)
    assert set(digests) == set(seeded.rep_conversations), "each rep got a morning digest"

    # (b) each team's pipeline card went out once for its occurrence.
    pipeline_rows = [row for row in rows if row.kind == "pipeline.post"]
    assert {row.team_id: row.dedupe_key for row in pipeline_rows} == {
        team_id: f"pipeline:{team_id}:{occurrence.isoformat()}"
        for team_id, occurrence in seeded.occurrences.items()
    }
    assert pipelines == Counter({channel: 1 for channel in seeded.channels.values()})

    # (c) the two instances together kept Teams' windows, across the hand-over too.
    assert connector.violations == [], connector.violations[:10]
    assert connector.responses_429 == []

    # (d) the survivor stayed ready throughout, also while it carried the load alone.
    ready_statuses = ready[survivor.port]
    assert len(ready_statuses) > 50 and set(ready_statuses) == {200}, Counter(ready_statuses)

    duration = time.monotonic() - started_at
    handover = min(e.at for e in connector.exchanges if e.at > killed_at) - killed_at
    print(  # the figures worth knowing, visible with -s
        f"\ntwo instances: {len(rows)} notices, killed pid {leader.process.pid} with {len(in_flight)} leased "
        f"after {delivered_before_kill} deliveries; {duplicates} duplicate(s) of {len(sent_twice)} "
        f"notice(s); survivor's first send {handover:.2f} s and its last {finished_at - killed_at:.1f} s "
        f"after the kill; whole test {duration:.1f} s"
    )
