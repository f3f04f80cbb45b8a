"""Webhook ingestion over HTTP with signature checking, PostgreSQL and SQLite side by side.

The app serves from its own process on a free loopback port; this process signs and posts:
- batches of 1,000 events, one sender, then two senders at once whose batches share leads
- single-event posts from 32 concurrent clients.
This tree runs twice, each on a fresh database: answered once the leads are refreshed (200), and with
``Prefer: respond-async`` (202 once stored); for the second, "applied/s" divides the events by the time until
the server's refresher had applied the last of them (no event left pending), so both sides of the 202 show.
Every answer is counted by status (any 409 or 5xx is a failure), and the events stored are counted
against those accepted, so an event lost or stored twice shows.

With ``--baseline REV`` the same load also goes, on PostgreSQL, to a server running that git revision's
code (``git archive`` into a scratch directory), answered both ways (the revision must know
``Prefer: respond-async``), alternating with this tree's over ``--rounds`` rounds, so the machine's noise
lands on both alike.

Run: .venv/bin/python tests/bench/bench_webhook.py [--quick] [--postgres-only] [--baseline REV [--rounds N]]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from aiohttp import ClientSession, ClientTimeout, TCPConnector, web  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlmodel import col, func, select  # noqa: E402

from app.config import Settings  # noqa: E402
from app.db import create_sessionmaker, engine_for_url, transaction, upgrade_database  # noqa: E402
from app.models import EngagementEvent, Lead, Member, Team  # noqa: E402
from app.nurturing.enums import Role  # noqa: E402
from app.services.access import Caller  # noqa: E402
from app.services.api_keys import create_api_key, signature  # noqa: E402
from app.services.tenants import ensure_tenant  # noqa: E402
from tests.bench._support import (  # noqa: E402
    checkout_revision,
    create_pg_database,
    drop_pg_database,
    machine,
    server_version,
)

TENANT = "bench-webhook"
KINDS = ["email_open", "email_click", "page_view", "pricing_view", "content_download"]
READY = "serving"
PATH = "/api/v1/webhooks/events"
ASYNC = "respond-async"  # the Prefer header of the 202 variants


async def seed(url: str, leads: int) -> str:
    """A tenant with four reps, owned leads and an API key; returns the key."""
    engine = engine_for_url(url)
    now = datetime.now(UTC)
    try:
        sessions = create_sessionmaker(engine)
        async with transaction(sessions) as session:
            await ensure_tenant(session=session, tenant_id=TENANT, name="Bench", now=now)
            team = Team(tenant_id=TENANT, name="Bench", time_zone="Europe/Berlin")
            session.add(team)
            await session.flush()
            admin = Member(
                tenant_id=TENANT, display_name="Admin", email="admin@vendor.example", role=Role.ADMIN
            )
            reps = [
                Member(
                    tenant_id=TENANT,
                    display_name=f"Rep {i}",
                    email=f"rep{i}@vendor.example",
                    role=Role.REP,
                    team_id=team.id,
                    capacity=10_000,
                )
                for i in range(4)
            ]
            session.add_all([admin, *reps])
            await session.flush()
            session.add_all(
                Lead(
                    tenant_id=TENANT, email=f"lead{i}@kunde.example", owner_id=reps[i % 4].id, team_id=team.id
                )
                for i in range(leads)
            )
            _, key = await create_api_key(session=session, caller=Caller.of(admin, now), name="bench")
        if engine.dialect.name == "postgresql":
            # The tenant's leads were imported long before its marketing tool streams events; by then
            # autovacuum has analysed them. Without statistics PostgreSQL's generic plan for the e-mail
            # lookup (an array parameter) scans every lead against every address: 18 ms a batch, not 2.
            async with engine.connect() as connection:
                await connection.execute(text("ANALYZE"))
    finally:
        await engine.dispose()
    return key


async def stored_events(url: str) -> int:
    engine = engine_for_url(url)
    try:
        async with create_sessionmaker(engine)() as session:
            query = (
                select(func.count()).select_from(EngagementEvent).where(EngagementEvent.tenant_id == TENANT)
            )
            return int((await session.exec(query)).one())
    finally:
        await engine.dispose()


# --- the server process ------------------------------------------------------------------------------------


async def _serve(url: str) -> None:
    from app.server import create_app

    settings = Settings(database_url=url, scheduler_enabled=False, dispatcher_enabled=False)
    runner = web.AppRunner(create_app(settings), handle_signals=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    print(f"{READY} http://127.0.0.1:{port}", flush=True)
    await stop.wait()
    await runner.cleanup()


@dataclass
class Server:
    process: asyncio.subprocess.Process
    base: str
    log: Path

    async def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), 20)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()

    def log_lines(self) -> list[str]:
        """What the server wrote to its log: tracebacks and SQL would show here."""
        return [line for line in self.log.read_text(errors="replace").splitlines() if line.strip()]


async def start_server(url: str, log: Path, source: Path = ROOT) -> Server:
    script = source / "tests" / "bench" / Path(__file__).name
    with log.open("wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            sys.executable, script, "--serve", url, stdout=asyncio.subprocess.PIPE, stderr=stderr, cwd=source
        )
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), 90)
    if not line.startswith(READY.encode()):
        process.kill()
        raise RuntimeError(f"server did not start; see {log}")
    return Server(process, line.decode().split()[1], log)


# --- the load ----------------------------------------------------------------------------------------------


@dataclass
class Tally:
    """What one load phase saw."""

    sent: int = 0
    accepted: int = 0
    duplicates: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    elapsed: float = 0.0
    applied_after: float | None = None  # respond-async: seconds from the start until none was pending

    @property
    def failed(self) -> int:
        return sum(count for status, count in self.statuses.items() if status == 409 or status >= 500)

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] * 1000 if ordered else 0.0


class Sender:
    def __init__(self, base: str, key: str, leads: int, label: str, prefer: str | None = None) -> None:
        self.base, self.key, self.secret = base, key, key.split("_", 2)[2]
        self.leads, self.label, self.prefer = leads, label, prefer
        self.rng = random.Random(label)
        self.counter = 0

    def events(self, count: int) -> bytes:
        events = []
        for _ in range(count):
            self.counter += 1
            events.append(
                {
                    "external_id": f"{self.label}-{self.counter}",
                    "kind": self.rng.choice(KINDS),
                    "email": f"lead{self.rng.randrange(self.leads)}@kunde.example",
                    "occurred_at": (
                        datetime.now(UTC) - timedelta(minutes=self.rng.randrange(40_000))
                    ).isoformat(),
                }
            )
        return json.dumps({"events": events}).encode()

    async def post(self, client: ClientSession, body: bytes, count: int, tally: Tally) -> None:
        stamp = str(int(time.time()))
        headers = {
            "Authorization": f"Bearer {self.key}",
            "X-Nurture-Timestamp": stamp,
            "X-Nurture-Signature": signature(self.secret, stamp, body),
            "Content-Type": "application/json",
        }
        if self.prefer:
            headers["Prefer"] = self.prefer
        started = time.perf_counter()
        async with client.post(self.base + PATH, data=body, headers=headers) as response:
            document = await response.json(content_type=None)
        tally.latencies.append(time.perf_counter() - started)
        tally.statuses[response.status] += 1
        tally.sent += count
        if response.status in (200, 202):
            tally.accepted += document["accepted"]
            tally.duplicates += document["duplicates"]


async def batched(
    base: str, key: str, leads: int, senders: int, batches: int, label: str, prefer: str | None
) -> Tally:
    """``senders`` clients at once, each posting ``batches`` batches of 1,000 over the same leads."""
    tally = Tally()
    group = [Sender(base, key, leads, f"{label}{i}", prefer) for i in range(senders)]
    bodies = [[sender.events(1000) for _ in range(batches)] for sender in group]
    timeout = ClientTimeout(total=300)
    async with ClientSession(connector=TCPConnector(limit=senders + 1), timeout=timeout) as client:

        async def run(sender: Sender, own: list[bytes]) -> None:
            for body in own:
                await sender.post(client, body, 1000, tally)

        started = time.perf_counter()
        await asyncio.gather(*(run(sender, own) for sender, own in zip(group, bodies, strict=True)))
        tally.elapsed = time.perf_counter() - started
    return tally


async def singles(
    base: str, key: str, leads: int, clients: int, posts: int, label: str, prefer: str | None = None
) -> Tally:
    """``clients`` concurrent clients, each posting ``posts`` single-event calls one after another."""
    tally = Tally()
    group = [Sender(base, key, leads, f"{label}{i}", prefer) for i in range(clients)]
    bodies = [[sender.events(1) for _ in range(posts)] for sender in group]
    async with ClientSession(
        connector=TCPConnector(limit=clients + 1), timeout=ClientTimeout(total=120)
    ) as client:

        async def run(sender: Sender, own: list[bytes]) -> None:
            for body in own:
                await sender.post(client, body, 1, tally)

        started = time.perf_counter()
        await asyncio.gather(*(run(sender, own) for sender, own in zip(group, bodies, strict=True)))
        tally.elapsed = time.perf_counter() - started
    return tally


@dataclass
class Plan:
    leads: int
    batches: int  # per sender, 1,000 events each
    posts: int  # single-event posts per client
    clients: int = 32


async def until_applied(url: str) -> None:
    """Return once the server's refresher has applied every event of the tenant."""
    engine = engine_for_url(url)
    query = (
        select(func.count())
        .select_from(EngagementEvent)
        .where(EngagementEvent.tenant_id == TENANT, col(EngagementEvent.pending))
    )
    try:
        async with create_sessionmaker(engine)() as session:
            # Another process's rows: nothing here could signal, so the count is read every 20 ms.
            while (await session.exec(query)).one():  # noqa: ASYNC110
                await session.rollback()  # a fresh snapshot for the next read
                await asyncio.sleep(0.02)
    finally:
        await engine.dispose()


async def measured(url: str, prefer: str | None, load: Awaitable[Tally]) -> Tally:
    """One phase; with respond-async it lasts until the server has applied the last of its events."""
    started = time.perf_counter()
    tally = await load
    if prefer is not None:
        await until_applied(url)
        tally.applied_after = time.perf_counter() - started
    return tally


async def run_backend(
    name: str, url: str, plan: Plan, workdir: Path, source: Path = ROOT, prefer: str | None = None
) -> tuple[list[tuple[str, Tally]], list[str], str]:
    key = await seed(url, plan.leads)
    server = await start_server(url, workdir / f"{name}.log", source)
    phases: list[tuple[str, Tally]] = []
    base, leads = server.base, plan.leads
    try:
        warm = await singles(base, key, leads, 4, 5, f"{name}-warm")  # connections and caches
        load = batched(base, key, leads, 1, plan.batches, f"{name}-b", prefer)
        phases.append((f"{name}: batches of 1,000, 1 sender", await measured(url, prefer, load)))
        load = batched(base, key, leads, 2, plan.batches, f"{name}-c", prefer)
        phases.append(
            (f"{name}: batches of 1,000, 2 senders, shared leads", await measured(url, prefer, load))
        )
        load = singles(base, key, leads, plan.clients, plan.posts, f"{name}-s", prefer)
        phases.append((f"{name}: single events, {plan.clients} clients", await measured(url, prefer, load)))
    finally:
        await server.stop()
    stored = await stored_events(url)
    accepted = sum(tally.accepted for _, tally in phases) + warm.accepted
    counted = (
        "every event stored once"
        if stored == accepted
        else f"MISMATCH: {stored:,} stored, {accepted:,} accepted"
    )
    return phases, server.log_lines(), counted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--postgres-only", action="store_true")
    parser.add_argument("--baseline", help="a git revision to run side by side on PostgreSQL")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of the pair with --baseline")
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(_serve(args.serve))
        return
    # The full plan lasts a few seconds a phase at the 202 rates, long enough for the refresher to be busy
    # applying while the posts go on; --quick is a burst of about a second.
    plan = Plan(leads=300, batches=2, posts=20) if args.quick else Plan(leads=2000, batches=20, posts=300)
    workdir = Path(tempfile.mkdtemp(prefix="nurture-bench-webhook-"))
    # (name, source tree, database URL or None for a fresh PostgreSQL database per run, Prefer header).
    # Each variant starts from a fresh database, so none inherits the history another one left on the leads.
    ours = [
        ("postgres this tree (200)", ROOT, None, None),
        ("postgres this tree (202)", ROOT, None, ASYNC),
    ]
    variants: list[tuple[str, Path, str | None, str | None]] = list(ours)
    if args.baseline:
        source, short = checkout_revision(ROOT, args.baseline, workdir / "baseline")
        label = f"postgres {args.baseline} ({short})"
        theirs = [(f"{label} (200)", source, None, None), (f"{label} (202)", source, None, ASYNC)]
        variants = []
        for round_ in range(args.rounds):
            # Alternating, so the machine's noise lands on both trees alike.
            pairs = [pair for both in zip(ours, theirs, strict=True) for pair in both]
            shift = round_ % len(pairs)
            variants.extend(pairs[shift:] + pairs[:shift])
    if not args.postgres_only:
        for answer, prefer in (("200", None), ("202", ASYNC)):
            sqlite_url = f"sqlite+aiosqlite:///{workdir / f'bench-{answer}.db'}"
            upgrade_database(sqlite_url)
            variants.append((f"sqlite ({answer})", ROOT, sqlite_url, prefer))
    rows: list[tuple[str, Tally]] = []
    notes: list[str] = []
    versions: set[str] = set()
    for name, source, given, prefer in variants:
        url = given or create_pg_database("webhook")
        try:
            versions.add(asyncio.run(server_version(url)))
            phases, log, counted = asyncio.run(run_backend(name, url, plan, workdir, source, prefer))
        finally:
            if given is None:
                drop_pg_database(url)
        rows.extend(phases)
        notes.append(f"{name}: {counted}; server log: {len(log)} lines")
        notes.extend(f"  {line[:300]}" for line in log[:20])
    databases = ", ".join(sorted(versions))
    table = Table(
        title=f"POST {PATH} signed, {plan.leads:,} owned leads; PostgreSQL {databases}; {machine()}"
    )
    columns = (
        "variant",
        "events",
        "answered/s",
        "applied/s",
        "p50 ms",
        "p99 ms",
        "2xx",
        "409",
        "5xx",
        "duplicates",
    )
    for column in columns:
        table.add_column(column)
    for name, tally in rows:
        ok = sum(count for status, count in tally.statuses.items() if 200 <= status < 300)
        conflicts = tally.statuses[409]
        errors = sum(count for status, count in tally.statuses.items() if status >= 500)
        table.add_row(
            name,
            f"{tally.sent:,}",
            f"{tally.accepted / tally.elapsed:,.0f}",
            f"{tally.accepted / tally.applied_after:,.0f}" if tally.applied_after else "(at once)",
            f"{tally.percentile(0.5):,.1f}",
            f"{tally.percentile(0.99):,.1f}",
            f"{ok:,}",
            f"{conflicts:,}",
            f"{errors:,}",
            f"{tally.duplicates:,}",
        )
    console = Console(width=170)
    console.print(table)
    for note in notes:
        console.print(note, markup=False)


if __name__ == "__main__":
    main()
