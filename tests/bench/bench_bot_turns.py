"""Bot turns over HTTP: the stock botbuilder echo sample against Nurture's bot, side by side in one run.

Three servers run as their own processes on 127.0.0.1, and the load generator (this process) drives them
with an aiohttp client at a fixed concurrency, one turn kind at a time, in rotating order each round:

- **echo**: botbuilder's echo sample as shipped (``CloudAdapter(ConfigurationBotFrameworkAuthentication)``,
  ``ADAPTER.process(req, BOT)``, an ``ActivityHandler`` that replies ``Echo: <text>``), no app id;
- **Done**: Nurture's real app (``create_app``, local mode) answering a ``followup.done`` Action.Execute
  invoke, each request completing a different open follow-up;
- **my follow-ups**: the same app answering a rep's ``my follow-ups`` message with one list card (a page of
  eight of the rep's twelve due follow-ups, each row with Done, Snooze and Open).

With ``--baseline DIR`` (another checkout, e.g. a worktree of main) a fourth kind, **Done (baseline)**, runs
the same invokes against that checkout's app served by this interpreter, on the same database, in the same
rotation, so a change to the Done path is measured side by side with what it changes.

Replies go to the Bot Connector double (its own process, limits off). Each round gives every kind the same
wall time; the table shows medians over the rounds. SQLite by default; PostgreSQL with ``--database-url``
(a fresh database is created, migrated and dropped).

Run: .venv/bin/python tests/bench/bench_bot_turns.py [--database-url postgresql://...] [--quick]
     [--baseline ../main-checkout]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import itertools
import json
import logging
import re
import shlex
import signal
import statistics
import sys
import tempfile
import time
import traceback
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SCRIPT = Path(__file__).resolve()
ROOT = SCRIPT.parents[2]
sys.path.insert(0, str(ROOT))

from aiohttp import ClientSession, ClientTimeout, TCPConnector, web  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlmodel import col, func, select  # noqa: E402

from app.db import create_sessionmaker, engine_for_url, transaction, upgrade_database  # noqa: E402
from app.models import FollowUp, Lead, Member  # noqa: E402
from app.nurturing.enums import FollowUpStatus  # noqa: E402
from tests.bench._support import machine, server_version  # noqa: E402
from tests.bot.conftest import NOW, personal_conversation  # noqa: E402
from tests.factories import T0, make_lead, make_org  # noqa: E402

KINDS = ("echo", "done", "list")
LABELS = {
    "echo": ("echo message", "stock CloudAdapter echo sample"),
    "done": ("followup.done invoke", "Nurture (create_app)"),
    "list": ("'my follow-ups' message", "Nurture (create_app)"),
    "base": ("followup.done invoke", "Nurture (create_app), baseline checkout"),
}
LIST_REPS = 8  # reps (each in a tenant of their own) who ask "my follow-ups", in turn
LIST_LEADS = 12  # due follow-ups of each of them: one list card with the first eight comes back
CARDS_PER_LIST = 1
WARMUP_DONE = 150  # due follow-ups made for the Done warm-up; more are made between measured phases
JSON_HEADERS = {"Content-Type": "application/json"}
READY = "READY"
EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Warning)\b")
LOG_RECORD = re.compile(r"^(DEBUG|INFO|WARNING|ERROR|CRITICAL):|^ \[on_turn_error\]")


# --- the stock echo bot, in the shape of BotBuilder-Samples python/02.echo-bot -------------------------


class EchoConfig:
    """The sample's DefaultConfig with no app id: authentication is off, as in the Emulator."""

    PORT = 3978
    APP_ID = ""
    APP_PASSWORD = ""
    APP_TYPE = "MultiTenant"
    APP_TENANTID = ""


def echo_app() -> web.Application:
    """The echo sample's app.py, built in a function rather than at import."""
    from botbuilder.core import ActivityHandler, MessageFactory, TurnContext
    from botbuilder.core.integration import aiohttp_error_middleware
    from botbuilder.integration.aiohttp import (
        CloudAdapter,
        ConfigurationBotFrameworkAuthentication,
    )
    from botbuilder.schema import Activity, ActivityTypes, ChannelAccount

    class EchoBot(ActivityHandler):
        async def on_members_added_activity(
            self, members_added: list[ChannelAccount], turn_context: TurnContext
        ) -> None:
            for member in members_added:
                if member.id != turn_context.activity.recipient.id:
                    await turn_context.send_activity("Hello and welcome!")

        async def on_message_activity(self, turn_context: TurnContext) -> Any:
            return await turn_context.send_activity(
                MessageFactory.text(f"Echo: {turn_context.activity.text}")
            )

    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(EchoConfig()))

    async def on_error(context: TurnContext, error: Exception) -> None:
        print(f"\n [on_turn_error] unhandled error: {error}", file=sys.stderr)
        traceback.print_exc()
        await context.send_activity("The bot encountered an error or bug.")
        await context.send_activity("To continue to run this bot, please fix the bot source code.")
        if context.activity.channel_id == "emulator":
            trace_activity = Activity(
                label="TurnError",
                name="on_turn_error Trace",
                timestamp=datetime.now(UTC),
                type=ActivityTypes.trace,
                value=f"{error}",
                value_type="https://www.botframework.com/schemas/error",
            )
            await context.send_activity(trace_activity)

    adapter.on_turn_error = on_error
    bot = EchoBot()

    async def messages(req: web.Request) -> web.Response:
        response = await adapter.process(req, bot)
        assert response is not None, "the adapter answers every POST"
        return response

    app = web.Application(middlewares=[aiohttp_error_middleware])
    app.router.add_post("/api/messages", messages)
    return app


# --- server processes ------------------------------------------------------------------------------------


async def _serve(app: web.Application) -> None:
    """Serve on a free loopback port, say which, and run until SIGTERM (then clean up)."""
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    print(f"{READY} http://127.0.0.1:{port}", flush=True)
    await stop.wait()
    await runner.cleanup()


def serve_echo() -> None:
    asyncio.run(_serve(echo_app()))


def serve_nurture(database_url: str) -> None:
    from app.config import Settings
    from app.server import create_app

    # Local mode, as `make demo` runs: the benchmark's activities carry no Bot Connector token.
    settings = Settings(
        database_url=database_url, scheduler_enabled=False, dispatcher_enabled=False, local_mode=True
    )
    asyncio.run(_serve(create_app(settings, clock=lambda: NOW)))


def serve_connector() -> None:
    """The Connector double on its own loop in a thread; ``stats`` on stdin prints what it has seen."""
    from tests.doubles.connector import ConnectorDouble

    double = ConnectorDouble(enforce_limits=False).start_in_thread()
    print(f"{READY} {double.url}", flush=True)
    for line in sys.stdin:
        if line.strip() == "stats":
            statuses = Counter(str(exchange.status) for exchange in list(double.exchanges))
            print(json.dumps({"deliveries": len(double.deliveries), "statuses": statuses}), flush=True)
    double.stop()


@dataclass
class Child:
    """A server process of this script."""

    name: str
    process: asyncio.subprocess.Process
    url: str
    log_path: Path

    async def stats(self) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(b"stats\n")
        await self.process.stdin.drain()
        return dict(json.loads(await self.process.stdout.readline()))

    async def stop(self) -> None:
        if self.process.returncode is None:
            if self.process.stdin is not None and self.name == "connector":
                self.process.stdin.close()
            else:
                self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), 20)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()

    def problems(self) -> list[str]:
        """The server's stderr, one line per kind of log record (with the exception it ended in), counted."""
        records: list[list[str]] = []
        for line in self.log_path.read_text(encoding="utf-8", errors="replace").splitlines():
            if LOG_RECORD.match(line) or not records:
                records.append([line])
            else:
                records[-1].append(line)
        kinds: Counter[str] = Counter()
        for record in records:
            ends = [line for line in record[1:] if EXCEPTION_LINE.match(line)]
            kinds[record[0] + (f" ... {ends[-1][:400]}" if ends else "")] += 1
        return [f"{count:,} x {kind}" for kind, count in kinds.most_common() if kind.strip()]


async def start_child(name: str, args: list[str], log_dir: Path, root: Path = ROOT) -> Child:
    """A server of this script (or of the same script in the checkout at ``root``) in its own process."""
    log_path = log_dir / f"{name}.stderr"
    serve = "nurture" if name == "base" else name
    with log_path.open("wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(root / SCRIPT.relative_to(ROOT)),
            "--serve",
            serve,
            *args,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=stderr,
            cwd=str(root),
        )
    assert process.stdout is not None
    try:
        line = await asyncio.wait_for(process.stdout.readline(), 90)
    except TimeoutError:
        line = b""
    if not line.startswith(READY.encode()):
        process.kill()
        raise RuntimeError(f"{name} server did not start: {log_path.read_text(errors='replace')[-2000:]}")
    return Child(name=name, process=process, url=line.decode().split()[1], log_path=log_path)


# --- activities as Teams sends them (the shape of tests/bot/conftest.py's Teams.activity) ---------------


def activity(member: Member, kind: str, service_url: str, **fields: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "type": kind,
        "id": f"1:{uuid.uuid4().hex}",
        "timestamp": NOW.isoformat(),
        "channelId": "msteams",
        "serviceUrl": service_url,
        "from": {
            "id": f"29:{member.aad_object_id}",
            "aadObjectId": member.aad_object_id,
            "name": member.display_name,
        },
        "recipient": {"id": "28:nurture-bot", "name": "Nurture"},
        "conversation": {
            "id": personal_conversation(member),
            "conversationType": "personal",
            "tenantId": member.tenant_id,
        },
        "channelData": {"tenant": {"id": member.tenant_id}},
        "locale": "en-US",
    }
    document.update(fields)
    return document


def done_invoke(member: Member, service_url: str, data: dict[str, Any], reply_to: str) -> bytes:
    value = {"action": {"type": "Action.Execute", "verb": "followup.done", "data": data}, "trigger": "manual"}
    document = activity(member, "invoke", service_url, name="adaptiveCard/action", value=value)
    document["replyToId"] = reply_to
    return json.dumps(document).encode()


def messages_of(members: list[Member], service_url: str, message: str) -> Iterator[bytes]:
    """The same message from each member in turn, forever."""
    for member in itertools.cycle(members):
        yield json.dumps(activity(member, "message", service_url, text=message)).encode()


# --- databases and seed data -----------------------------------------------------------------------------


async def _pg_admin(url: str, statement: str) -> None:
    engine = engine_for_url(url)
    try:
        async with engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


def create_database(base_url: str | None, scratch: Path) -> str:
    """A fresh database at the newest migration: a SQLite file, or a new PostgreSQL database."""
    if base_url is None:
        path = scratch / "nurture.db"
        upgrade_database(f"sqlite:///{path}")
        return f"sqlite+aiosqlite:///{path}"
    name = f"nurture_bench_turns_{uuid.uuid4().hex[:6]}"
    asyncio.run(_pg_admin(base_url, f'CREATE DATABASE "{name}"'))
    url = make_url(base_url).set(database=name).render_as_string(hide_password=False)
    upgrade_database(url)
    return url


def drop_database(base_url: str | None, url: str) -> None:
    if base_url is not None:
        asyncio.run(_pg_admin(base_url, f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))


Target = tuple[Member, dict[str, Any], str]  # who clicks Done, the card's data, the card's message id


class Seeder:
    """Tenants made with the test factories. In the first, two reps get one due follow-up per Done invoke,
    made on demand. In each of LIST_REPS tenants one rep has LIST_LEADS due follow-ups and asks for
    "my follow-ups", so concurrent messages come from different people, as they would in Teams."""

    def __init__(self, url: str) -> None:
        self._engine = engine_for_url(url)
        self._sessions = create_sessionmaker(self._engine)
        self.targets: list[Target] = []
        self.made = 0
        self.seconds = 0.0

    async def start(self) -> list[Member]:
        started = time.perf_counter()
        self.org = await make_org(self._sessions, now=T0)
        list_reps = [self.org.reps[2]]
        for _ in range(LIST_REPS - 1):
            list_reps.append((await make_org(self._sessions, now=T0)).reps[2])
        for rep in list_reps:
            org = dataclasses.replace(self.org, tenant_id=rep.tenant_id, lead_dach=rep, lead_uk=rep)
            for i in range(LIST_LEADS):
                await make_lead(self._sessions, org, owner=rep, last_name=f"List {i}")
        async with self._sessions() as session:
            due = (
                await session.exec(
                    select(func.count())
                    .select_from(FollowUp)
                    .where(
                        col(FollowUp.owner_id).in_([rep.id for rep in list_reps]),
                        col(FollowUp.due_at) <= NOW,
                    )
                )
            ).one()
        if due != LIST_LEADS * LIST_REPS:
            raise RuntimeError(f"seed: {due} of {LIST_LEADS * LIST_REPS} listing follow-ups are due")
        self.made += LIST_LEADS * LIST_REPS
        self.seconds += time.perf_counter() - started
        return list_reps

    async def top_up(self, wanted: int) -> None:
        """Make leads until ``wanted`` Done targets are waiting."""
        missing = wanted - len(self.targets)
        if missing <= 0:
            return
        started = time.perf_counter()
        reps = {rep.id: rep for rep in self.org.reps[:2]}
        owners = list(reps.values())
        lead_ids = []
        for _ in range(missing):
            owner = owners[self.made % 2]
            lead_ids.append(
                await make_lead(self._sessions, self.org, owner=owner, last_name=f"Done {self.made}")
            )
            self.made += 1
        async with transaction(self._sessions) as session:
            rows = (
                await session.exec(
                    select(FollowUp, Lead)
                    .join(Lead, col(Lead.id) == col(FollowUp.lead_id))
                    .where(
                        col(FollowUp.lead_id).in_(lead_ids),
                        FollowUp.status == FollowUpStatus.OPEN,
                        col(FollowUp.due_at) <= NOW,
                    )
                )
            ).all()
            for follow_up, lead in rows:
                rep = reps[follow_up.owner_id]  # type: ignore[index]
                # As if the card had been posted: Teams sends the card's message id as replyToId.
                follow_up.activity_id = f"1:card-{follow_up.id.hex}"
                follow_up.conversation_id = personal_conversation(rep)
                session.add(follow_up)
                data = {
                    "tenant_id": self.org.tenant_id,
                    "lead_id": str(lead.id),
                    "version": lead.version,
                    "follow_up_id": str(follow_up.id),
                    "outcome": "replied",
                }
                self.targets.append((rep, data, follow_up.activity_id))
        if len(rows) != missing:
            raise RuntimeError(f"seed: {len(rows)} of {missing} new leads have a due follow-up")
        self.seconds += time.perf_counter() - started

    async def close(self) -> None:
        await self._engine.dispose()


async def count_done(url: str, ids: list[str]) -> int:
    engine = engine_for_url(url)
    try:
        async with create_sessionmaker(engine)() as session:
            statement = (
                select(func.count())
                .select_from(FollowUp)
                .where(
                    col(FollowUp.id).in_([uuid.UUID(i) for i in ids]),
                    FollowUp.status == FollowUpStatus.DONE,
                )
            )
            return int((await session.exec(statement)).one())
    finally:
        await engine.dispose()


# --- the load generator ----------------------------------------------------------------------------------


@dataclass
class Phase:
    kind: str
    wall: float
    latencies: list[float] = field(default_factory=list)
    failures: int = 0
    deliveries: int = 0
    sample: str = ""

    @property
    def ok(self) -> int:
        return len(self.latencies) - self.failures

    @property
    def rate(self) -> float:
        return self.ok / self.wall


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def drive(
    client: ClientSession,
    url: str,
    kind: str,
    bodies: Iterator[bytes],
    seconds: float,
    concurrency: int,
    check: Callable[[int, bytes], bool],
) -> Phase:
    """``concurrency`` workers post back to back until the time is up (or the bodies run out)."""
    phase = Phase(kind=kind, wall=0.0)
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        while time.perf_counter() < deadline:
            body = next(bodies, None)
            if body is None:
                return
            started = time.perf_counter()
            async with client.post(url, data=body, headers=JSON_HEADERS) as response:
                payload = await response.read()
                status = response.status
            phase.latencies.append(time.perf_counter() - started)
            if not check(status, payload):
                phase.failures += 1
                phase.sample = phase.sample or f"HTTP {status}: {payload[:300]!r}"

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    phase.wall = time.perf_counter() - started
    return phase


def _echo_ok(status: int, _payload: bytes) -> bool:
    return 200 <= status < 300


def _done_ok(status: int, payload: bytes) -> bool:
    return status == 200 and b'"statusCode": 200' in payload and b"Marked done" in payload


def _list_ok(status: int, _payload: bytes) -> bool:
    # The card itself goes to the connector double; the phase checks one delivery per turn.
    return status == 200


@dataclass
class Outcome:
    phases: list[Phase]
    done_sent: list[str]
    seeded: int
    seed_seconds: float
    problems: dict[str, list[str]]
    version: str


async def run(args: argparse.Namespace, url: str, scratch: Path) -> Outcome:
    version = await server_version(url)
    seeder = Seeder(url)
    list_reps = await seeder.start()
    await seeder.top_up(WARMUP_DONE)
    children: list[Child] = []
    try:
        connector = await start_child("connector", [], scratch)
        children.append(connector)
        echo, nurture = await asyncio.gather(
            start_child("echo", [], scratch), start_child("nurture", ["--database-url", url], scratch)
        )
        children += [echo, nurture]
        kinds: tuple[str, ...] = KINDS
        if args.baseline:
            base = await start_child("base", ["--database-url", url], scratch, args.baseline)
            children.append(base)
            kinds = (*KINDS, "base")
        service_url = connector.url
        done_sent: list[str] = []

        def done_bodies() -> Iterator[bytes]:  # a new one for each phase: targets are added in between
            while seeder.targets:
                rep, data, reply_to = seeder.targets.pop(0)
                done_sent.append(data["follow_up_id"])
                yield done_invoke(rep, service_url, data, reply_to)

        hellos = messages_of(list_reps, service_url, "hello")
        asks = messages_of(list_reps, service_url, "my follow-ups")
        sources: dict[str, tuple[str, Callable[[], Iterator[bytes]], Callable[[int, bytes], bool], int]] = {
            "echo": (f"{echo.url}/api/messages", lambda: hellos, _echo_ok, 1),
            "done": (f"{nurture.url}/api/messages", done_bodies, _done_ok, 0),
            "list": (f"{nurture.url}/api/messages", lambda: asks, _list_ok, CARDS_PER_LIST),
        }
        if args.baseline:
            sources["base"] = (f"{base.url}/api/messages", done_bodies, _done_ok, 0)
        phases: list[Phase] = []
        connector_limit = TCPConnector(limit=args.concurrency, force_close=False)
        async with ClientSession(connector=connector_limit, timeout=ClientTimeout(total=60)) as client:
            warm: dict[str, Phase] = {}
            for kind in kinds:  # warm-up: first turns import and connect lazily
                target, bodies, check, _ = sources[kind]
                warm[kind] = await drive(client, target, kind, bodies(), args.warmup, args.concurrency, check)
            for round_no in range(args.rounds):
                order = kinds[round_no % len(kinds) :] + kinds[: round_no % len(kinds)]
                for kind in order:
                    target, bodies, check, per_turn = sources[kind]
                    if kind in ("done", "base"):
                        # Due follow-ups for three times the fastest Done phase so far, made between phases.
                        fastest = max([p.rate for p in phases if p.kind == kind] or [warm[kind].rate])
                        wanted = int(fastest * args.seconds * 3) + 2 * args.concurrency
                        await seeder.top_up(min(wanted, args.max_done))
                    before = await connector.stats()
                    phase = await drive(client, target, kind, bodies(), args.seconds, args.concurrency, check)
                    if kind in ("done", "base") and not seeder.targets and phase.wall < args.seconds * 0.99:
                        phase.sample = phase.sample or f"ran out of follow-ups after {phase.wall:.2f} s"
                    after = await connector.stats()
                    phase.deliveries = after["deliveries"] - before["deliveries"]
                    if per_turn and phase.deliveries != per_turn * len(phase.latencies):
                        phase.sample = phase.sample or (
                            f"{phase.deliveries} activities reached the connector for "
                            f"{len(phase.latencies)} turns (expected {per_turn} each)"
                        )
                    phases.append(phase)
        statuses = (await connector.stats())["statuses"]
    finally:
        for child in reversed(children):
            await child.stop()
        await seeder.close()
    problems = {child.name: child.problems() for child in children if child.problems()}
    bad = {status: n for status, n in statuses.items() if not status.startswith("2")}
    if bad:
        problems["connector answers"] = [f"{n} x HTTP {status}" for status, n in bad.items()]
    return Outcome(phases, done_sent, seeder.made, seeder.seconds, problems, version)


def report(args: argparse.Namespace, outcome: Outcome, done_in_db: int, command: str) -> None:
    console = Console(width=170)
    backend = "PostgreSQL" if args.database_url else "SQLite"
    table = Table(
        title=(
            f"Bot turns over HTTP at concurrency {args.concurrency}, {args.rounds} rounds of "
            f"{args.seconds:g} s per kind, medians over rounds; {backend} {outcome.version}; {machine()}"
        )
    )
    for column in ("turn", "server", "turns/s", "turns/s min-max", "p50 ms", "p99 ms", "turns", "failed"):
        table.add_column(column, justify="left" if column in ("turn", "server") else "right")
    rates: dict[str, list[float]] = {}
    for kind in [kind for kind in LABELS if any(p.kind == kind for p in outcome.phases)]:
        phases = [p for p in outcome.phases if p.kind == kind]
        rates[kind] = [p.rate for p in phases]
        p50 = statistics.median(percentile(p.latencies, 0.50) for p in phases) * 1000
        p99 = statistics.median(percentile(p.latencies, 0.99) for p in phases) * 1000
        turn, server = LABELS[kind]
        table.add_row(
            turn,
            server,
            f"{statistics.median(rates[kind]):,.0f}",
            f"{min(rates[kind]):,.0f}-{max(rates[kind]):,.0f}",
            f"{p50:.1f}",
            f"{p99:.1f}",
            f"{sum(len(p.latencies) for p in phases):,}",
            str(sum(p.failures for p in phases)),
        )
    console.print(table)
    ratio = statistics.median(rates["done"]) / statistics.median(rates["echo"])
    paired = [d / e for d, e in zip(rates["done"], rates["echo"], strict=True)]
    console.print(
        f"Done / echo throughput: {ratio:.2f}x (per round: {', '.join(f'{r:.2f}' for r in paired)}; "
        f"target 1.5x or more)"
    )
    list_ratio = statistics.median(rates["list"]) / statistics.median(rates["echo"])
    list_paired = [d / e for d, e in zip(rates["list"], rates["echo"], strict=True)]
    console.print(
        f"'my follow-ups' / echo throughput: {list_ratio:.2f}x "
        f"(per round: {', '.join(f'{r:.2f}' for r in list_paired)}; target 1.0x or more)"
    )
    if "base" in rates:
        base_ratio = statistics.median(rates["base"]) / statistics.median(rates["echo"])
        base_paired = [d / e for d, e in zip(rates["base"], rates["echo"], strict=True)]
        console.print(
            f"Baseline Done / echo throughput: {base_ratio:.2f}x "
            f"(per round: {', '.join(f'{r:.2f}' for r in base_paired)}); this checkout's Done / baseline's: "
            f"{statistics.median(rates['done']) / statistics.median(rates['base']):.2f}x"
        )
    console.print(
        f"Done invokes sent {len(outcome.done_sent):,}, follow-ups marked done in the database "
        f"{done_in_db:,}; seeded {outcome.seeded:,} leads in {outcome.seed_seconds:.1f} s"
    )
    for phase in outcome.phases:
        if phase.sample:
            console.print(f"[yellow]{phase.kind}: {phase.sample}[/yellow]")
    for name, lines in outcome.problems.items():
        console.print(f"[yellow]{name} server stderr, by kind of record:[/yellow]")
        for line in lines[:12]:
            console.print(f"  {line}", markup=False, highlight=False)
    console.print(f"Command: {command}", markup=False, highlight=False)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url", help="postgresql://... (a fresh database is made in it); SQLite if unset"
    )
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=3.0, help="measured seconds per kind and round")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds of warm-up per kind")
    parser.add_argument("--max-done", type=int, default=2000, help="most Done invokes per measured phase")
    parser.add_argument("--quick", action="store_true", help="2 rounds of 1.5 s")
    parser.add_argument(
        "--baseline", help="another checkout (e.g. a worktree of main) whose Done runs as a fourth kind"
    )
    parser.add_argument("--serve", choices=["echo", "nurture", "connector"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
        {"echo": serve_echo, "connector": serve_connector}.get(
            args.serve, lambda: serve_nurture(args.database_url)
        )()
        return
    if args.baseline:
        args.baseline = Path(args.baseline).resolve()
    if args.quick:
        args.rounds, args.seconds, args.warmup = 2, 1.5, 0.5
    shown = [".venv/bin/python", "tests/bench/bench_bot_turns.py", *sys.argv[1:]]
    if args.database_url:
        hidden = make_url(args.database_url).render_as_string(hide_password=True)
        shown = [hidden if part == args.database_url else part for part in shown]
    command = shlex.join(shown)
    with tempfile.TemporaryDirectory(prefix="bench-bot-turns-") as scratch_dir:
        scratch = Path(scratch_dir)
        url = create_database(args.database_url, scratch)
        try:
            outcome = asyncio.run(run(args, url, scratch))
            done_in_db = asyncio.run(count_done(url, outcome.done_sent))
        finally:
            drop_database(args.database_url, url)
    report(args, outcome, done_in_db, command)


if __name__ == "__main__":
    main()
