"""Proactive delivery throughput and CPU against a Bot Connector double that enforces Teams' limits.

Side by side in one run:

- this tree's dispatcher, as configured (paced to the tenant rate and each conversation's windows), run
  ``--runs`` times, each with a fresh database;
- the same dispatcher with pacing switched off, once;
- the baseline revision's dispatcher (``--baseline``, default ``main``; taken with ``git archive`` into a
  scratch directory and run from there), once: before this change it sent through botbuilder's
  ``continue_conversation``, msrest and ``requests``.

The double allows 50 sends/s for the bot and 7/1 s, 8/2 s, 60/30 s per conversation, answering 429
beyond that. "sends/s" counts deliveries between the first and the last one to reach the double. Each
dispatcher runs in its own process; its CPU time comes from the kernel: "process" is all of it (start,
imports, claims, sends) per card sent, "sending" only what it spent after its first card reached the
double (read from /proc), per card after the first.

Run: .venv/bin/python tests/bench/bench_dispatcher.py [--notices 1000] [--runs 5] [--baseline main]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402
from sqlmodel import func, select  # noqa: E402

from app.db import create_sessionmaker, engine_for_url  # noqa: E402
from app.models import OutboxMessage  # noqa: E402
from tests.bench._support import checkout_revision, create_pg_database, drop_pg_database, machine  # noqa: E402
from tests.bot.test_dispatcher import seed_due_notices  # noqa: E402
from tests.doubles.connector import ConnectorDouble  # noqa: E402

ALLOWED_PER_SECOND = 50
TARGET_SHARE = 0.95
TARGET_CPU_MS = 5.0
ROOT = Path(__file__).resolve().parents[2]
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True, slots=True)
class Result:
    sent: int
    seconds: float
    rate: float
    responses_429: int
    violations: int
    cpu_ms: float
    sending_cpu_ms: float

    @property
    def share(self) -> float:
        return self.rate / ALLOWED_PER_SECOND


def _cpu_seconds(pid: int) -> float | None:
    """User plus system CPU of a running process, from /proc (fields 14 and 15 of its stat line)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / TICKS


async def run(url: str, notices: int, *, source: Path, paced: bool) -> Result:
    members = max(1, notices // 10)
    # The double runs here and the dispatcher in its own process, as Teams and Nurture would: sharing
    # one interpreter's lock would slow both and measure neither.
    connector = ConnectorDouble(bot_limits=((1.0, ALLOWED_PER_SECOND),)).start_in_thread()
    engine = engine_for_url(url)
    sessions = create_sessionmaker(engine)
    try:
        await seed_due_notices(
            sessions, connector.url, tenants=1, members=members, per_member=notices // members
        )
        command = [
            sys.executable,
            "-m",
            "tests.bot.dispatch_worker",
            "--database-url",
            url,
            "--base-backoff",
            "0.5",
        ]
        if not paced:
            command += ["--tenant-rate", "1000000", "--unpaced"]
        cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        worker = await asyncio.create_subprocess_exec(
            *command,
            cwd=source,
            env={**os.environ, "PYTHONPATH": str(source)},
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        finished = asyncio.ensure_future(worker.communicate())
        cpu_at_first: float | None = None
        while not finished.done():
            if cpu_at_first is None and connector.deliveries:
                cpu_at_first = _cpu_seconds(worker.pid)
            await asyncio.wait({finished}, timeout=0.005 if cpu_at_first is None else 0.5)
        _out, err = finished.result()
        elapsed = time.perf_counter() - started
        cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
        if worker.returncode != 0:
            raise RuntimeError(err.decode()[-3000:])
        async with sessions() as session:
            sent = (
                await session.exec(
                    select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "sent")
                )
            ).one()
        arrivals = [d.at for d in connector.deliveries]
        span = (max(arrivals) - min(arrivals)) if len(arrivals) > 1 else elapsed
        sending = cpu - (cpu_at_first if cpu_at_first is not None else 0.0)
        return Result(
            sent=sent,
            seconds=elapsed,
            rate=(sent - 1) / span,
            responses_429=len(connector.responses_429),
            violations=len(connector.violations),
            cpu_ms=cpu / max(sent, 1) * 1000,
            sending_cpu_ms=sending / max(sent - 1, 1) * 1000,
        )
    finally:
        connector.stop()
        await engine.dispose()


def _measure(notices: int, database_url: str | None, *, source: Path, paced: bool) -> Result:
    url = database_url or create_pg_database("dispatch")
    try:
        return asyncio.run(run(url, notices, source=source, paced=paced))
    finally:
        if not database_url:
            drop_pg_database(url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--notices", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5, help="runs of this tree's paced dispatcher")
    parser.add_argument("--baseline", default="main", help="git revision to compare with; 'none' to skip")
    parser.add_argument("--database-url", help="PostgreSQL; by default a scratch database per run")
    args = parser.parse_args()
    console = Console(width=160)
    rows: list[tuple[str, Result]] = []
    with tempfile.TemporaryDirectory() as scratch:
        for number in range(1, args.runs + 1):
            console.print(f"this tree, paced, run {number} ...")
            rows.append(
                (
                    f"this tree, paced, run {number}",
                    _measure(args.notices, args.database_url, source=ROOT, paced=True),
                )
            )
        console.print("this tree, pacing off ...")
        rows.append(
            ("this tree, pacing off", _measure(args.notices, args.database_url, source=ROOT, paced=False))
        )
        if args.baseline != "none":
            source, short = checkout_revision(ROOT, args.baseline, Path(scratch) / "baseline")
            console.print(f"baseline {args.baseline} ({short}), paced ...")
            rows.append(
                (
                    f"baseline {args.baseline} ({short}), paced",
                    _measure(args.notices, args.database_url, source=source, paced=True),
                )
            )
    chats = max(1, args.notices // 10)
    table = Table(title=f"Dispatcher, {args.notices} due notices, one tenant, {chats} chats, PostgreSQL")
    for column in (
        "variant",
        "sent",
        "wall s",
        "sends/s",
        f"share of {ALLOWED_PER_SECOND}/s",
        "429s",
        "window violations",
        "CPU ms/send (process)",
        "CPU ms/send (sending)",
    ):
        table.add_column(column, justify="right")
    for label, r in rows:
        table.add_row(
            label,
            f"{r.sent}",
            f"{r.seconds:.1f}",
            f"{r.rate:.1f}",
            f"{r.share:.1%}",
            f"{r.responses_429}",
            f"{r.violations}",
            f"{r.cpu_ms:.1f}",
            f"{r.sending_cpu_ms:.1f}",
        )
    console.print(table)
    paced = [r for label, r in rows if label.startswith("this tree, paced")]
    rate_met = all(r.share >= TARGET_SHARE and r.responses_429 == 0 and r.violations == 0 for r in paced)
    cpu_met = all(r.cpu_ms <= TARGET_CPU_MS for r in paced)
    console.print(
        f"target: each paced run >= {TARGET_SHARE:.0%} of {ALLOWED_PER_SECOND}/s with no 429 and no window "
        f"violation: {'met' if rate_met else 'NOT met'} (lowest {min(r.share for r in paced):.1%}); "
        f"CPU per send <= {TARGET_CPU_MS:.0f} ms (process): {'met' if cpu_met else 'NOT met'} "
        f"(highest {max(r.cpu_ms for r in paced):.1f} ms)"
    )
    console.print(f"{machine()}")
    console.print("command: .venv/bin/python tests/bench/bench_dispatcher.py " + " ".join(sys.argv[1:]))


if __name__ == "__main__":
    main()
