"""Proactive delivery throughput against a Bot Connector double that enforces Teams' limits.

Side by side in one run: Nurture's dispatcher as configured (paced to 48 sends/s per tenant and to each
conversation's windows), and the same dispatcher with pacing switched off. The double allows 50 sends/s
for the bot and 7/1 s, 8/2 s, 60/30 s per conversation, answering 429 beyond that.

"sends/s" counts deliveries between the first and the last one to reach the double; the wall time also
holds the dispatcher process's start. Run: .venv/bin/python tests/bench/bench_dispatcher.py [--notices 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402
from sqlmodel import func, select  # noqa: E402

from app.db import create_sessionmaker, engine_for_url  # noqa: E402
from app.models import OutboxMessage  # noqa: E402
from tests.bench._support import create_pg_database, drop_pg_database, machine, server_version  # noqa: E402
from tests.bot.test_dispatcher import seed_due_notices  # noqa: E402
from tests.doubles.connector import ConnectorDouble  # noqa: E402

ALLOWED_PER_SECOND = 50
ROOT = Path(__file__).resolve().parents[2]


async def run(url: str, notices: int, paced: bool) -> dict[str, float]:
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
            *command, cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
        out, err = await worker.communicate()
        elapsed = time.perf_counter() - started
        cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
        if worker.returncode != 0:
            raise RuntimeError(err.decode()[-2000:])
        async with sessions() as session:
            sent = (
                await session.exec(
                    select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "sent")
                )
            ).one()
        arrivals = [d.at for d in connector.deliveries]
        span = (max(arrivals) - min(arrivals)) if len(arrivals) > 1 else elapsed
        return {
            "sent": sent,
            "seconds": elapsed,
            "rate": sent / span,
            "share": sent / span / ALLOWED_PER_SECOND,
            "429": len(connector.responses_429),
            "violations": len(connector.violations),
            "cpu_ms": cpu / max(sent, 1) * 1000,
        }
    finally:
        connector.stop()
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--notices", type=int, default=1000)
    parser.add_argument("--database-url", help="PostgreSQL by default (a scratch database)")
    args = parser.parse_args()
    console = Console()
    results = {}
    for label, paced in (("paced (Nurture)", True), ("unpaced (pacing off)", False)):
        url = args.database_url or create_pg_database("dispatch")
        try:
            results[label] = asyncio.run(run(url, args.notices, paced))
        finally:
            if not args.database_url:
                drop_pg_database(url)
        version = asyncio.run(server_version(url)) if args.database_url else "PostgreSQL (scratch)"
    table = Table(
        title=f"Dispatcher, {args.notices} due notices, one tenant, {args.notices // 10 or 1} chats"
    )
    for column in (
        "mode",
        "sent",
        "wall s (process)",
        "sends/s",
        "share of 50/s",
        "429s",
        "window violations",
        "CPU ms per send",
    ):
        table.add_column(column, justify="right")
    for label, r in results.items():
        table.add_row(
            label,
            f"{int(r['sent'])}",
            f"{r['seconds']:.1f}",
            f"{r['rate']:.1f}",
            f"{r['share']:.0%}",
            f"{int(r['429'])}",
            f"{int(r['violations'])}",
            f"{r['cpu_ms']:.1f}",
        )
    console.print(table)
    console.print(f"{machine()}; database: {version}")
    console.print("command: .venv/bin/python tests/bench/bench_dispatcher.py " + " ".join(sys.argv[1:]))


if __name__ == "__main__":
    main()
