"""Shared pieces of the benchmark scripts: scratch databases, timing statistics, machine facts."""

from __future__ import annotations

import asyncio
import os
import platform
import statistics
import subprocess
import tarfile
import uuid
from collections.abc import Sequence
from io import BytesIO
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from app.db import engine_for_url, upgrade_database

PG_URL = os.environ.get("NURTURE_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


async def _admin(statement: str) -> None:
    engine = engine_for_url(PG_URL)
    try:
        async with engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


def create_pg_database(label: str) -> str:
    """A fresh PostgreSQL database at the newest migration; returns its URL."""
    name = f"nurture_bench_{label}_{uuid.uuid4().hex[:6]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    upgrade_database(url)
    return url


def drop_pg_database(url: str) -> None:
    """Remove a scratch database made by ``create_pg_database``."""
    name = make_url(url).database
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def median_p95(samples: Sequence[float]) -> tuple[float, float]:
    """Median and 95th percentile of a list of samples."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


async def server_version(url: str) -> str:
    """The database server's own version string."""
    engine = engine_for_url(url)
    try:
        async with engine.connect() as connection:
            if url.startswith("sqlite"):
                return "SQLite " + str((await connection.execute(text("select sqlite_version()"))).scalar())
            return str((await connection.execute(text("show server_version"))).scalar()).split()[0]
    finally:
        await engine.dispose()


def machine() -> str:
    """One line about the machine the figures come from."""
    return f"Python {platform.python_version()}, {os.cpu_count()} CPUs, {platform.machine()}"


def checkout_revision(root: Path, revision: str, into: Path) -> tuple[Path, str]:
    """A git revision's code (app, bot, cards, tests) in a scratch directory, and its short hash."""
    archive = subprocess.run(
        ["git", "-C", str(root), "archive", "--format=tar", revision, "app", "bot", "cards", "tests"],
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    short = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "--short", revision], check=True, capture_output=True, text=True
    ).stdout.strip()
    return into, short
