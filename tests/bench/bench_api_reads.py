"""What the tab reads most: the lead list at 100k leads and a 5k-item timeline, on PostgreSQL.

Run: .venv/bin/python tests/bench/bench_api_reads.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlmodel.ext.asyncio.session import AsyncSession  # noqa: E402

from app.db import create_sessionmaker, engine_for_url  # noqa: E402
from app.nurturing.enums import BuyerStage, Role  # noqa: E402
from app.services.access import Caller  # noqa: E402
from app.services.lead_queries import LeadFilter, LeadPage, list_leads  # noqa: E402
from app.services.timeline import TimelineFilter, TimelinePage, lead_timeline  # noqa: E402
from tests.bench._support import create_pg_database, drop_pg_database, machine, median_p95, server_version  # noqa: E402

TENANT = "bench-reads"
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
OWNERS = 40

SEED = """
INSERT INTO teams (id, tenant_id, name, time_zone, created_at) VALUES (:team, :tenant, 'Bench', 'UTC', now());
INSERT INTO members (id, tenant_id, display_name, email, role, team_id, time_zone, work_start, work_end,
  workdays, capacity, active, locale, created_at)
SELECT gen_random_uuid(), :tenant, 'Rep ' || g, 'rep' || g || '@vendor.example', 'rep', :team, 'UTC',
  '09:00', '17:00', '[0,1,2,3,4]', 5000, true, 'en', now() FROM generate_series(1, :owners) g;
INSERT INTO leads (id, tenant_id, email, first_name, last_name, language, topics, custom_fields, stage,
  lifecycle, fit_score, engagement_score, total_score, score_explanation, unsubscribed, bounced,
  unanswered_touches, sla_state, created_at, updated_at, version, owner_id, team_id)
SELECT gen_random_uuid(), :tenant, 'lead' || g || '@kunde.example', 'Lead', 'No ' || g, 'en', '[]', '{}',
  (ARRAY['awareness','evaluation','decision'])[1 + g % 3], 'mql', 0, 0, (random() * 120)::int, '[]',
  false, false, 0, 'none', now() - (g || ' minutes')::interval, now(), 1,
  (SELECT id FROM members WHERE tenant_id = :tenant ORDER BY email OFFSET (g % :owners) LIMIT 1), :team
FROM generate_series(1, :leads) g;
"""

TIMELINE = """
INSERT INTO engagement_events (id, tenant_id, lead_id, external_id, kind, occurred_at, properties, created_at)
SELECT gen_random_uuid(), :tenant, :lead, 'e' || g, 'email_open', :now - (g || ' minutes')::interval, '{}',
  now()
FROM generate_series(1, :events) g;
INSERT INTO conversation_messages (id, tenant_id, lead_id, graph_id, source, preview, to_addresses, direction,
  sent_at, created_at, thread_key, thread_title, participants, sender_name, signal_id)
SELECT gen_random_uuid(), :tenant, :lead, 'm' || g, 'mail', 'Preview ' || g, '[]', 'inbound',
  :now - (g || ' minutes')::interval - interval '30 seconds', now(), 'thread-' || (g % 10), 'Re: Pilot',
  '["Rep 1", "Lead"]', 'Lead', CASE WHEN g % 2 = 0 THEN 'e' || g END
FROM generate_series(1, :messages) g;
"""


async def seed(url: str, leads: int, timeline_items: int) -> tuple[uuid.UUID, uuid.UUID]:
    engine = engine_for_url(url)
    team = uuid.uuid4()
    try:
        async with engine.begin() as connection:
            raw = await connection.get_raw_connection()
            # asyncpg runs several statements only without parameters, so substitute the few literals here.
            script = (
                SEED.replace(":tenant", f"'{TENANT}'")
                .replace(":team", f"'{team}'")
                .replace(":owners", str(OWNERS))
                .replace(":leads", str(leads))
            )
            await raw.driver_connection.execute(script)  # type: ignore[union-attr]
            lead = (
                await connection.execute(text("SELECT id FROM leads ORDER BY email LIMIT 1"))
            ).scalar_one()
            owner = (
                await connection.execute(text("SELECT owner_id FROM leads WHERE id = :id"), {"id": lead})
            ).scalar_one()
            script = (
                TIMELINE.replace(":tenant", f"'{TENANT}'")
                .replace(":lead", f"'{lead}'")
                .replace(":now", f"'{NOW.isoformat()}'::timestamptz")
                .replace(":events", str(timeline_items // 2))
                .replace(":messages", str(timeline_items - timeline_items // 2))
            )
            await raw.driver_connection.execute(script)  # type: ignore[union-attr]
        async with engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text("ANALYZE"))
    finally:
        await engine.dispose()
    return lead, owner


async def measure(
    url: str, lead: uuid.UUID, owner: uuid.UUID, repetitions: int, items: int
) -> dict[str, list[float]]:
    engine = engine_for_url(url)
    sessions = create_sessionmaker(engine)
    manager = Caller(tenant_id=TENANT, member_id=uuid.uuid4(), role=Role.MANAGER, team_id=None, now=NOW)
    variants: dict[str, Callable[[AsyncSession], Awaitable[LeadPage | TimelinePage]]] = {
        "lead list: owner + stage, by score, page of 50": lambda s: list_leads(
            session=s, caller=manager, where=LeadFilter(owner_id=owner, stage=BuyerStage.DECISION), limit=50
        ),
        "lead list: all leads by score, page of 50": lambda s: list_leads(
            session=s, caller=manager, where=LeadFilter(), limit=50
        ),
        f"timeline: newest 50 of {items:,} items": lambda s: lead_timeline(
            session=s, caller=manager, lead_id=lead, limit=50
        ),
        "timeline: mail only, newest 50": lambda s: lead_timeline(
            session=s, caller=manager, lead_id=lead, limit=50, only=TimelineFilter.MAIL
        ),
        "timeline: one thread, newest 50": lambda s: lead_timeline(
            session=s, caller=manager, lead_id=lead, limit=50, thread="thread-7"
        ),
    }
    samples: dict[str, list[float]] = {name: [] for name in variants}
    try:
        for round_number in range(repetitions + 5):
            for name, call in variants.items():  # interleaved
                started = time.perf_counter()
                async with sessions() as session:
                    result = await call(session)
                elapsed = (time.perf_counter() - started) * 1000
                assert len(result.items) == 50, name
                if round_number >= 5:
                    samples[name].append(elapsed)
    finally:
        await engine.dispose()
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    leads, items, repetitions = (10_000, 1_000, 30) if args.quick else (100_000, 5_000, 200)
    url = create_pg_database("reads")
    try:
        lead, owner = asyncio.run(seed(url, leads, items))
        samples = asyncio.run(measure(url, lead, owner, repetitions, items))
        version = asyncio.run(server_version(url))
    finally:
        drop_pg_database(url)
    table = Table(
        title=f"{leads:,} leads, {OWNERS} owners, timeline of {items:,}; PostgreSQL {version}; {machine()}"
    )
    for column in ("read", "p50 ms", "p95 ms", "runs"):
        table.add_column(column)
    for name, values in samples.items():
        p50, p95 = median_p95(values)
        table.add_row(name, f"{p50:.2f}", f"{p95:.2f}", str(len(values)))
    Console(width=170).print(table)


if __name__ == "__main__":
    main()
