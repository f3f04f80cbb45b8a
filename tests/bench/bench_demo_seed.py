"""Seeding the demo tenant (`nurture demo`): a git revision against this tree, side by side in one run.

Each variant seeds the same plan (same seed, same clock) into a fresh migrated SQLite file, in its own Python
process, so neither warms the other's caches. The baseline's ``app`` package is taken from git (``git
archive``) into a scratch directory; this tree's is used as it is. Reported per variant: wall time of
``seed_demo_tenant`` and the CPU time the process spent in it (both of its threads: the event loop and
aiosqlite's; on a busy machine it varies less than the wall time), SQL statements and commits (counted with
SQLAlchemy's engine events), a fingerprint of the practice it left (every lead's lifecycle, stage and score
with its reasons, every follow-up's status, kind, outcome and due time: equal fingerprints mean the same
outcome) and the demo summary. Owners are left out of the fingerprint, yet at 500 leads two runs of the same
revision already differ: they gave 12 leads another owner (the members' ids, which round-robin sees, are
random per run), and the due times follow the owner. Compare fingerprints at a size where the baseline repeats
itself (60 leads does).

Run: .venv/bin/python tests/bench/bench_demo_seed.py [--leads 500] [--baseline main] [--runs 1]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from tests.bench._support import machine  # noqa: E402

# Runs in the variant's own process, with that variant's ``app`` first on the path.
_CHILD = """
import asyncio, hashlib, json, random, sys, time
from datetime import UTC, datetime
sys.path.insert(0, sys.argv[1])
from sqlalchemy import event, text
from app.db import create_sessionmaker, engine_for_url, upgrade_database
from app.services.demo_seed import seed_demo_tenant

path, leads = sys.argv[2], int(sys.argv[3])
upgrade_database(f"sqlite:///{path}")
counts = {"statements": 0, "commits": 0}

def statement(*_args):
    counts["statements"] += 1

def commit(*_args):
    counts["commits"] += 1

async def main():
    engine = engine_for_url(f"sqlite+aiosqlite:///{path}")
    event.listen(engine.sync_engine, "before_cursor_execute", statement)
    event.listen(engine.sync_engine, "commit", commit)
    started, cpu = time.perf_counter(), time.process_time()
    summary = await seed_demo_tenant(
        sessions=create_sessionmaker(engine),
        now=datetime(2026, 11, 23, 9, 0, tzinfo=UTC),
        rng=random.Random(1),
        leads=leads,
    )
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    async with engine.connect() as connection:
        lead_rows = (await connection.execute(text(
            "select email, lifecycle, stage, total_score, score_explanation from leads order by email"
        ))).all()
        follow_ups = (await connection.execute(text(
            "select l.email, f.status, f.kind, f.outcome, f.due_at from follow_ups f"
            " join leads l on l.id = f.lead_id order by l.email, f.due_at, f.status"
        ))).all()
    await engine.dispose()
    practice = hashlib.sha256(repr((lead_rows, follow_ups)).encode()).hexdigest()[:12]
    result = {"seconds": seconds, "cpu": cpu, "summary": str(summary), "practice": practice, **counts}
    print(json.dumps(result))

asyncio.run(main())
"""


def _checkout(revision: str, into: Path) -> Path:
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", revision, "app"],
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def _run(source: Path, database: Path, leads: int) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(source), str(database), str(leads)],
        capture_output=True,
        text=True,
        cwd=source,
    )
    if done.returncode != 0:
        raise SystemExit(f"seeding with {source} failed:\n{done.stderr}")
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    """Seed the demo with the baseline revision and with this tree, and print both."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=500)
    parser.add_argument("--baseline", default="main", help="git revision to compare with (default: main)")
    parser.add_argument(
        "--runs", type=int, default=1, help="rounds of both variants, interleaved (default: 1)"
    )
    args = parser.parse_args()
    console = Console(width=200)
    table = Table(title=f"Demo seeding, {args.leads} leads, SQLite ({machine()})")
    for column in (
        "round",
        "variant",
        "wall time",
        "CPU time",
        "SQL statements",
        "commits",
        "practice",
        "seeded",
    ):
        table.add_column(column)
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        variants = [
            (f"baseline ({args.baseline})", _checkout(args.baseline, work / "baseline")),
            ("this tree", ROOT),
        ]
        # Interleaved, so a spell of load elsewhere on the machine falls on both variants alike.
        for round_ in range(1, args.runs + 1):
            for label, source in variants:
                console.print(f"round {round_}: seeding with {label} ...")
                result = _run(source, work / f"{len(table.rows)}.db", args.leads)
                table.add_row(
                    str(round_),
                    label,
                    f"{float(str(result['seconds'])):.1f} s",
                    f"{float(str(result['cpu'])):.1f} s",
                    str(result["statements"]),
                    str(result["commits"]),
                    str(result["practice"]),
                    str(result["summary"]),
                )
    console.print(table)


if __name__ == "__main__":
    main()
