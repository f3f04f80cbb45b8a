"""Event ingestion through the service, single versus batched, on SQLite and PostgreSQL side by side.

Run: .venv/bin/python tests/bench/bench_ingest_events.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from app.db import SessionMaker, create_sessionmaker, engine_for_url, transaction, upgrade_database  # noqa: E402
from app.models import Lead, Member, Team  # noqa: E402
from app.nurturing.enums import Role  # noqa: E402
from app.services.events import EventIn, ingest_events  # noqa: E402
from app.services.tenant_config import load_config  # noqa: E402
from app.services.tenants import ensure_tenant  # noqa: E402
from tests.bench._support import create_pg_database, drop_pg_database, machine, median_p95, server_version  # noqa: E402

TENANT = "bench-ingest"
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
KINDS = (
    ["email_open"] * 5
    + ["email_click"] * 2
    + ["page_view"] * 3
    + ["pricing_view", "content_download", "email_reply"]
)


async def seed(sessions: SessionMaker, leads: int) -> list[str]:
    """A tenant with one team, four reps and owned leads, so each event triggers real refresh work."""
    async with transaction(sessions) as session:
        await ensure_tenant(session=session, tenant_id=TENANT, name="Bench", now=NOW)
        team = Team(tenant_id=TENANT, name="Bench team", time_zone="Europe/Berlin")
        session.add(team)
        await session.flush()
        reps = [
            Member(
                tenant_id=TENANT,
                display_name=f"Rep {i}",
                email=f"rep{i}@vendor.example",
                role=Role.REP,
                team_id=team.id,
                time_zone="Europe/Berlin",
                capacity=10_000,
            )
            for i in range(4)
        ]
        session.add_all(reps)
        await session.flush()
        emails = [f"lead{i}@kunde.example" for i in range(leads)]
        session.add_all(
            Lead(
                tenant_id=TENANT,
                email=email,
                owner_id=reps[i % 4].id,
                team_id=team.id,
                created_at=NOW,
                updated_at=NOW,
            )
            for i, email in enumerate(emails)
        )
    return emails


class Backend:
    def __init__(self, name: str, url: str) -> None:
        self.name, self.url = name, url
        self.engine = engine_for_url(url)
        self.sessions = create_sessionmaker(self.engine)
        self.counter = 0
        self.emails: list[str] = []

    def events(self, rng: random.Random, count: int) -> list[EventIn]:
        batch = []
        for _ in range(count):
            self.counter += 1
            batch.append(
                EventIn(
                    external_id=f"{self.name}-{self.counter}",
                    kind=rng.choice(KINDS),
                    occurred_at=NOW - timedelta(minutes=rng.randint(0, 30 * 24 * 60)),
                    email=rng.choice(self.emails),
                )
            )
        return batch


async def ingest(backend: Backend, batches: list[list[EventIn]]) -> tuple[float, int, int]:
    """Events per second for a run of calls, each call its own transaction; also accepted and duplicates."""
    async with backend.sessions() as session:
        config = await load_config(session=session, tenant_id=TENANT)
    accepted = duplicates = 0
    started = time.perf_counter()
    for batch in batches:
        async with transaction(backend.sessions) as session:
            result = await ingest_events(
                session=session, tenant_id=TENANT, events=batch, now=NOW, config=config
            )
        accepted += result.accepted
        duplicates += result.duplicates
    elapsed = time.perf_counter() - started
    return sum(len(b) for b in batches) / elapsed, accepted, duplicates


async def run(
    backends: list[Backend], repetitions: int, single: int, batched: int, leads: int
) -> dict[str, list[tuple[float, int]]]:
    rng = random.Random(42)
    for backend in backends:
        backend.emails = await seed(backend.sessions, leads)
    results: dict[str, list[tuple[float, int]]] = {}
    for _ in range(repetitions):
        for backend in backends:  # interleaved, so noise lands on every variant alike
            one_by_one = [backend.events(rng, 1) for _ in range(single)]
            rate, accepted, _ = await ingest(backend, one_by_one)
            results.setdefault(f"{backend.name} single", []).append((rate, accepted))
            batches = [backend.events(rng, 1000) for _ in range(batched // 1000)]
            rate, accepted, _ = await ingest(backend, batches)
            results.setdefault(f"{backend.name} batched x1000", []).append((rate, accepted))
            rate, accepted, duplicates = await ingest(backend, batches[-1:])
            assert accepted == 0 and duplicates == 1000, "a repeated batch must be all duplicates"
            results.setdefault(f"{backend.name} repeated batch (all duplicates)", []).append((rate, accepted))
    for backend in backends:
        await backend.engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    repetitions, single, batched, leads = (1, 50, 1000, 300) if args.quick else (3, 300, 3000, 2000)
    workdir = Path(tempfile.mkdtemp(prefix="nurture-bench-"))
    sqlite_url = f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    upgrade_database(sqlite_url)
    pg_url = create_pg_database("ingest")
    try:
        versions = (
            f"{asyncio.run(server_version(sqlite_url))}, PostgreSQL {asyncio.run(server_version(pg_url))}"
        )
        backends = [Backend("sqlite", sqlite_url), Backend("postgres", pg_url)]
        results = asyncio.run(run(backends, repetitions, single, batched, leads))
    finally:
        drop_pg_database(pg_url)
    table = Table(title=f"ingest_events, {leads:,} owned leads; {versions}; {machine()}")
    for column in ("variant", "events per run", "median events/s", "min events/s", "runs"):
        table.add_column(column)
    for name, samples in results.items():
        rates = [rate for rate, _ in samples]
        median, _ = median_p95(rates)
        size = single if "single" in name else (batched if "x1000" in name else 1000)
        table.add_row(name, f"{size:,}", f"{median:,.0f}", f"{min(rates):,.0f}", str(len(rates)))
    Console(width=170).print(table)


if __name__ == "__main__":
    main()
