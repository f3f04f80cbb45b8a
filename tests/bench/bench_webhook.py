"""Webhook ingestion over HTTP: signed batches of 1,000 events posted to a real server, events per second.

Run: .venv/bin/python tests/bench/bench_webhook.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from aiohttp import ClientSession  # noqa: E402
from aiohttp.test_utils import TestServer  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from app.config import Settings  # noqa: E402
from app.db import create_sessionmaker, engine_for_url, transaction  # noqa: E402
from app.models import Lead, Member, Team  # noqa: E402
from app.nurturing.enums import Role  # noqa: E402
from app.server import create_app  # noqa: E402
from app.services.access import Caller  # noqa: E402
from app.services.api_keys import create_api_key, signature  # noqa: E402
from app.services.tenants import ensure_tenant  # noqa: E402
from tests.bench._support import create_pg_database, drop_pg_database, machine, median_p95, server_version  # noqa: E402

TENANT = "bench-webhook"
KINDS = ["email_open", "email_click", "page_view", "pricing_view", "content_download"]


async def seed(url: str, leads: int) -> str:
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
            _, key = await create_api_key(
                session=session,
                caller=Caller.of(admin, now),
                name="bench",
            )
    finally:
        await engine.dispose()
    return key


async def run(url: str, leads: int, batches: int, repetitions: int) -> list[float]:
    key = await seed(url, leads)
    secret = key.split("_", 2)[2]
    server = TestServer(
        create_app(Settings(database_url=url, scheduler_enabled=False, dispatcher_enabled=False))
    )
    await server.start_server()
    rng = random.Random(7)
    rates: list[float] = []
    counter = 0
    try:
        async with ClientSession() as client:
            for _ in range(repetitions):
                bodies = []
                for _ in range(batches):
                    events = []
                    for _ in range(1000):
                        counter += 1
                        events.append(
                            {
                                "external_id": f"w{counter}",
                                "kind": rng.choice(KINDS),
                                "email": f"lead{rng.randrange(leads)}@kunde.example",
                                "occurred_at": (
                                    datetime.now(UTC) - timedelta(minutes=rng.randrange(40_000))
                                ).isoformat(),
                            }
                        )
                    bodies.append(json.dumps({"events": events}).encode())
                started = time.perf_counter()
                for body in bodies:
                    stamp = str(int(time.time()))
                    headers = {
                        "Authorization": f"Bearer {key}",
                        "X-Nurture-Timestamp": stamp,
                        "X-Nurture-Signature": signature(secret, stamp, body),
                        "Content-Type": "application/json",
                    }
                    async with client.post(
                        server.make_url("/api/v1/webhooks/events"), data=body, headers=headers
                    ) as response:
                        assert response.status == 200, await response.text()
                        assert (await response.json())["accepted"] == 1000
                rates.append(batches * 1000 / (time.perf_counter() - started))
    finally:
        await server.close()
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    leads, batches, repetitions = (300, 1, 1) if args.quick else (2000, 3, 3)
    url = create_pg_database("webhook")
    try:
        rates = asyncio.run(run(url, leads, batches, repetitions))
        version = asyncio.run(server_version(url))
    finally:
        drop_pg_database(url)
    table = Table(
        title=f"POST /api/v1/webhooks/events, {leads:,} owned leads; PostgreSQL {version}; {machine()}"
    )
    for column in ("events per run", "median events/s", "min events/s", "runs"):
        table.add_column(column)
    median, _ = median_p95(rates)
    table.add_row(f"{batches * 1000:,}", f"{median:,.0f}", f"{min(rates):,.0f}", str(len(rates)))
    Console(width=170).print(table)


if __name__ == "__main__":
    main()
