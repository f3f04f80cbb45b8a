"""Proactive delivery throughput against a Bot Connector double that enforces Teams' limits.

Side by side in one run: Nurture's dispatcher as configured (paced to 48 sends/s per tenant and to each
conversation's windows), and the same dispatcher with pacing switched off. The double allows 50 sends/s
for the bot and 7/1 s, 8/2 s, 60/30 s per conversation, answering 429 beyond that.

Run: .venv/bin/python tests/bench/bench_dispatcher.py [--notices 1000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from botbuilder.integration.aiohttp import CloudAdapter  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402
from sqlmodel import func, select  # noqa: E402

from app.config import Settings  # noqa: E402
from app.db import create_sessionmaker, engine_for_url  # noqa: E402
from app.models import OutboxMessage  # noqa: E402
from bot.auth import build_authentication  # noqa: E402
from bot.dispatcher import Dispatcher, DispatchPolicy  # noqa: E402
from bot.views import Links  # noqa: E402
from tests.bench._support import create_pg_database, drop_pg_database, machine, server_version  # noqa: E402
from tests.bot.test_dispatcher import seed_due_notices  # noqa: E402
from tests.doubles.connector import ConnectorDouble  # noqa: E402

ALLOWED_PER_SECOND = 50
UNPACED = ((1.0, 1_000_000),)


async def run(url: str, notices: int, paced: bool) -> dict[str, float]:
    members = max(1, notices // 10)
    connector = ConnectorDouble(bot_limits=((1.0, ALLOWED_PER_SECOND),)).start_in_thread()
    engine = engine_for_url(url)
    sessions = create_sessionmaker(engine)
    try:
        await seed_due_notices(
            sessions, connector.url, tenants=1, members=members, per_member=notices // members
        )
        settings = Settings(database_url=url)
        auth = build_authentication(settings)
        policy = (
            DispatchPolicy(base_backoff=0.5)
            if paced
            else DispatchPolicy(tenant_rate=1_000_000, conversation_limits=UNPACED, base_backoff=0.5)
        )
        dispatcher = Dispatcher(
            adapter=CloudAdapter(auth),
            app_id="",
            sessions=sessions,
            clock=lambda: datetime.now(UTC) + timedelta(days=1),  # every seeded notice is due
            links=Links.of(settings),
            policy=policy,
        )
        started = time.perf_counter()
        async with asyncio.timeout(600):
            await dispatcher.drain(poll=0.05)
        elapsed = time.perf_counter() - started
        await auth.close()
        async with sessions() as session:
            sent = (
                await session.exec(
                    select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "sent")
                )
            ).one()
        first_last = [d.at for d in connector.deliveries]
        span = (max(first_last) - min(first_last)) if len(first_last) > 1 else elapsed
        return {
            "sent": sent,
            "seconds": elapsed,
            "rate": sent / elapsed,
            "share": sent / span / ALLOWED_PER_SECOND,
            "429": len(connector.responses_429),
            "violations": len(connector.violations),
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
    for column in ("mode", "sent", "wall s", "sends/s", "share of 50/s", "429s", "window violations"):
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
        )
    console.print(table)
    console.print(f"{machine()}; database: {version}")
    console.print("command: .venv/bin/python tests/bench/bench_dispatcher.py " + " ".join(sys.argv[1:]))


if __name__ == "__main__":
    main()
