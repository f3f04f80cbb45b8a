"""The scheduler's due-follow-up query at 10k, 100k and 1M follow-ups on PostgreSQL, side by side.

Run: .venv/bin/python tests/bench/bench_due_follow_ups.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlmodel import col, select  # noqa: E402

from app.db import create_sessionmaker, engine_for_url  # noqa: E402
from app.models import FollowUp  # noqa: E402
from app.nurturing.enums import ACTIVE_FOLLOW_UP_STATUSES  # noqa: E402
from app.services.follow_ups import due_follow_ups  # noqa: E402
from tests.bench._support import (  # noqa: E402
    create_pg_database,
    drop_pg_database,
    machine,
    median_p95,
    server_version,
)

TENANT, NOISE = "bench-tenant", "bench-noise"
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
HISTORY_PER_LEAD = 9  # done or cancelled follow-ups behind each lead's one active follow-up
DUE_PER_TENANT = 400

LOAD_LEADS = """
INSERT INTO leads (id, tenant_id, email, first_name, last_name, language, topics, custom_fields, stage,
  lifecycle, fit_score, engagement_score, total_score, score_explanation, unsubscribed, bounced,
  unanswered_touches, sla_state, created_at, updated_at, version)
SELECT gen_random_uuid(), CAST(:tenant AS varchar),
  'lead' || g || '@' || CAST(:tenant AS varchar) || '.example', 'Lead', 'Number ' || g, 'en',
  '[]', '{}', 'awareness', 'mql', 0, 0, 0, '[]', false, false, 0, 'none', now(), now(), 1
FROM generate_series(1, :count) AS g
"""

# One active follow-up per lead (a fixed number of them due and not yet announced, so every size
# answers a full page), plus its finished history.
LOAD_FOLLOW_UPS = """
INSERT INTO follow_ups (id, tenant_id, lead_id, due_at, kind, reasons, status, created_at)
SELECT gen_random_uuid(), l.tenant_id, l.id,
  CASE WHEN k = 0 AND random() < :due_fraction THEN CAST(:now AS timestamptz) - random() * interval '5 days'
       WHEN k = 0 THEN CAST(:now AS timestamptz) + random() * interval '30 days'
       ELSE CAST(:now AS timestamptz) - random() * interval '365 days' END,
  'nurture', '[]',
  CASE WHEN k = 0 THEN 'open' WHEN random() < 0.9 THEN 'done' ELSE 'cancelled' END,
  now()
FROM leads l CROSS JOIN generate_series(0, :history) AS k
WHERE l.tenant_id = CAST(:tenant AS varchar)
"""


async def load(url: str, follow_ups: int) -> float:
    """Fill one database: the tenant under test plus a noise tenant with a tenth of its size."""
    engine = engine_for_url(url)
    started = time.perf_counter()
    try:
        async with engine.begin() as connection:
            for tenant, size in ((TENANT, follow_ups), (NOISE, follow_ups // 10)):
                leads = max(size // (HISTORY_PER_LEAD + 1), 1)
                await connection.execute(text(LOAD_LEADS), {"tenant": tenant, "count": leads})
                parameters = {
                    "tenant": tenant,
                    "now": NOW,
                    "history": HISTORY_PER_LEAD,
                    "due_fraction": min(DUE_PER_TENANT / leads, 1.0),
                }
                await connection.execute(text(LOAD_FOLLOW_UPS), parameters)
        async with engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text("ANALYZE"))
    finally:
        await engine.dispose()
    return time.perf_counter() - started


async def plan_summary(url: str) -> str:
    """The index the planner picks and the buffers it touches, from EXPLAIN ANALYZE of the real statement."""
    engine = engine_for_url(url)
    statement = (
        select(FollowUp)
        .where(
            FollowUp.tenant_id == TENANT,
            col(FollowUp.status).in_(ACTIVE_FOLLOW_UP_STATUSES),
            col(FollowUp.notified_at).is_(None),
            FollowUp.due_at <= NOW,
        )
        .order_by(col(FollowUp.due_at))
        .limit(200)
    )
    try:
        compiled = statement.compile(engine.sync_engine, compile_kwargs={"literal_binds": True})
        async with engine.connect() as connection:
            rows = (await connection.execute(text(f"EXPLAIN (ANALYZE, BUFFERS) {compiled}"))).scalars().all()
    finally:
        await engine.dispose()
    index = next((r.strip() for r in rows if "Index" in r and "follow_ups" in r), rows[0].strip())
    buffers = next((r.strip() for r in rows if r.strip().startswith("Buffers")), "")
    return f"{index.split('  (')[0].removeprefix('->').strip()}; {buffers.removeprefix('Buffers: ')}"


async def measure(urls: dict[int, str], repetitions: int) -> dict[int, list[float]]:
    """Time the service call per size, interleaving sizes so machine noise hits them all alike."""
    engines = {size: engine_for_url(url) for size, url in urls.items()}
    makers = {size: create_sessionmaker(engine) for size, engine in engines.items()}
    samples: dict[int, list[float]] = {size: [] for size in urls}
    found: dict[int, int] = {}
    try:
        for round_number in range(repetitions + 5):
            for size, sessions in makers.items():
                started = time.perf_counter()
                async with sessions() as session:
                    rows = await due_follow_ups(session=session, tenant_id=TENANT, now=NOW, limit=200)
                elapsed = time.perf_counter() - started
                found[size] = len(rows)
                if round_number >= 5:  # the first rounds warm connections and caches
                    samples[size].append(elapsed * 1000)
    finally:
        for engine in engines.values():
            await engine.dispose()
    for size, count in found.items():
        assert count == 200, f"expected a full page of due follow-ups at {size}, got {count}"
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--repetitions", type=int, default=300)
    args = parser.parse_args()
    sizes = [10_000, 30_000] if args.quick else [10_000, 100_000, 1_000_000]
    repetitions = 50 if args.quick else args.repetitions
    console = Console(width=170)
    urls: dict[int, str] = {}
    try:
        load_times = {}
        for size in sizes:
            urls[size] = create_pg_database(f"due{size}")
            load_times[size] = asyncio.run(load(urls[size], size))
        plans = {size: asyncio.run(plan_summary(url)) for size, url in urls.items()}
        samples = asyncio.run(measure(urls, repetitions))
        version = asyncio.run(server_version(next(iter(urls.values()))))
    finally:
        for url in urls.values():
            drop_pg_database(url)
    table = Table(title=f"due_follow_ups(limit=200), PostgreSQL {version}; {machine()}")
    for column in ("follow-ups (tenant)", "load s", "median ms", "p95 ms", "runs", "plan"):
        table.add_column(column)
    for size in sizes:
        median, p95 = median_p95(samples[size])
        table.add_row(
            f"{size:,}",
            f"{load_times[size]:.1f}",
            f"{median:.2f}",
            f"{p95:.2f}",
            str(len(samples[size])),
            plans[size],
        )
    console.print(table)


if __name__ == "__main__":
    main()
