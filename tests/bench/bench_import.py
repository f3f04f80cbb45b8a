"""Lead import on PostgreSQL: time and peak memory for growing files, side by side, to show that memory
stays flat as the file grows (the import streams; it never holds the whole file).

Each size runs in its own fresh process and database, so one run's memory cannot hide another's. The
file is a HubSpot contacts export (the preset is recognised from the header), with owners by display
name, companies, countries by name and employee ranges, so every value goes through the normalisers.

Run: .venv/bin/python tests/bench/bench_import.py [--sizes 25000,100000] [--scoring]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from app.db import create_sessionmaker, engine_for_url, transaction  # noqa: E402
from app.models import Member, Team  # noqa: E402
from app.nurturing.enums import Role  # noqa: E402
from app.services.lead_import import ImportOptions, import_leads  # noqa: E402
from app.services.rescoring import settle_new_leads  # noqa: E402
from app.services.tenants import ensure_tenant  # noqa: E402
from tests.bench._support import create_pg_database, drop_pg_database, machine, server_version  # noqa: E402

TENANT = "bench-import"
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
HEADER = [
    "Record ID", "First Name", "Last Name", "Email", "Job Title", "Company Name", "Country/Region",
    "Industry", "Lifecycle Stage", "Contact owner", "Number of Employees",
]  # fmt: skip
OWNERS = ["Anna Müller", "Ben Okafor", "Clara Schmidt", "dan@vendor.example"]
COUNTRIES = ["Deutschland", "Österreich", "Schweiz", "United Kingdom", "France", "Germany"]
STAGES = ["Lead", "Marketing Qualified Lead", "subscriber", "salesqualifiedlead", "Opportunity"]
SIZES = ["1-10", "11-50", "51-200", "201-500", "1.001-5.000", "10,001+"]


def write_file(path: Path, rows: int) -> int:
    """A HubSpot export of ``rows`` contacts, written line by line; returns its size in bytes."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for i in range(rows):
            writer.writerow(
                [
                    str(100_000 + i), f"Vorname{i}", f"Nachname, Jr. {i % 97}",
                    f"lead{i}@kunde{i % 5000}.example", "Leiter Einkauf" if i % 3 else "",
                    f"Firma {i % 5000} GmbH", COUNTRIES[i % len(COUNTRIES)], "Maschinenbau",
                    STAGES[i % len(STAGES)], OWNERS[i % len(OWNERS)], SIZES[i % len(SIZES)],
                ]
            )  # fmt: skip
    return path.stat().st_size


async def seed(url: str) -> None:
    engine = engine_for_url(url)
    try:
        async with transaction(create_sessionmaker(engine)) as session:
            await ensure_tenant(session=session, tenant_id=TENANT, name="Bench", now=NOW)
            team = Team(tenant_id=TENANT, name="Bench team", time_zone="Europe/Berlin")
            session.add(team)
            await session.flush()
            for name in OWNERS:
                email = name if "@" in name else name.split()[0].lower() + "@vendor.example"
                session.add(
                    Member(tenant_id=TENANT, display_name=name, email=email, role=Role.REP, team_id=team.id)
                )
    finally:
        await engine.dispose()


async def one_import(url: str, path: Path, scoring: bool) -> tuple[float, int, int]:
    """(seconds, created, updated) of one import of ``path`` in one transaction."""
    engine = engine_for_url(url)
    try:
        sessions = create_sessionmaker(engine)
        started = time.perf_counter()
        with path.open("rb") as stream:  # noqa: ASYNC230 - the import reads it in a worker thread
            async with transaction(sessions) as session:

                async def settle(ids: list[uuid.UUID]) -> None:
                    await settle_new_leads(session=session, tenant_id=TENANT, lead_ids=ids, now=NOW)

                report = await import_leads(
                    session=session,
                    tenant_id=TENANT,
                    stream=stream,
                    now=NOW,
                    max_bytes=1 << 30,
                    options=ImportOptions(),
                    after_batch=settle if scoring else None,
                )
        return time.perf_counter() - started, report.created, report.updated
    finally:
        await engine.dispose()


def child(rows: int, scoring: bool) -> None:
    """One size in this process: a scratch database, a file, an import and a re-import; prints JSON."""
    url = create_pg_database("import")
    try:
        asyncio.run(seed(url))
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "hubspot.csv"
            size = write_file(path, rows)
            baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            first, created, _ = asyncio.run(one_import(url, path, scoring))
            after_first = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            second, _, updated = asyncio.run(one_import(url, path, scoring))
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        version = asyncio.run(server_version(url))
    finally:
        drop_pg_database(url)
    print(
        json.dumps(
            {
                "rows": rows, "bytes": size, "create_s": first, "created": created, "update_s": second,
                "updated": updated, "baseline_kb": baseline, "peak_create_kb": after_first, "peak_kb": peak,
                "server": version,
            }
        )
    )  # fmt: skip


def main() -> None:
    """Run every size in a child process and print one table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="25000,50000,100000")
    parser.add_argument(
        "--scoring", action="store_true", help="also route and score each batch, as the CLI does"
    )
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.scoring)
        return
    results = []
    for rows in (int(size) for size in args.sizes.split(",")):
        command = [sys.executable, __file__, "--child", str(rows)] + (["--scoring"] if args.scoring else [])
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    console = Console()
    table = Table(
        title=f"Lead import, HubSpot CSV, PostgreSQL {results[0]['server']}"
        + (", with routing and scoring" if args.scoring else "")
    )
    for column in ("rows", "file", "create", "rows/s", "re-import (update)", "peak RSS", "RSS before import"):
        table.add_column(column, justify="right")
    for result in results:
        table.add_row(
            f"{result['rows']:,}",
            f"{result['bytes'] / 1_048_576:.1f} MB",
            f"{result['create_s']:.1f} s",
            f"{result['rows'] / result['create_s']:,.0f}",
            f"{result['update_s']:.1f} s",
            f"{result['peak_kb'] / 1024:.0f} MB",
            f"{result['baseline_kb'] / 1024:.0f} MB",
        )
    console.print(table)
    console.print(machine())


if __name__ == "__main__":
    main()
