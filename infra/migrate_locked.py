"""Run a migration command while holding a PostgreSQL advisory lock, so replicas that start together migrate
one at a time.

Alembic takes no lock of its own: two replicas running ``nurture db upgrade`` at the same moment would both
read the old revision and both apply the same migration, and the loser fails half-way or, worse, succeeds
twice. Here each replica first takes a session-level advisory lock on a connection of its own, runs the
command (``nurture db upgrade`` by default) while holding it, and releases it. The first replica migrates;
the others wait, then find the database at the newest revision and do nothing. If a replica dies while
migrating, PostgreSQL drops its connection and with it the lock, so no lock outlives its holder.

SQLite (a single-machine trial) needs no lock: the command simply runs.

    python migrate_locked.py [--wait-seconds N] -- nurture db upgrade
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from sqlalchemy import text

from app.config import load_settings
from app.db import engine_for_url

# The two-key form, like the scheduler's per-tenant lock: (hashtext('nurture.migrations'), 0) cannot meet
# the scheduler's (hashtext('nurture.scheduler'), hashtext(tenant)).
LOCK_NAME = "nurture.migrations"
TRY_LOCK = text("SELECT pg_try_advisory_lock(hashtext(:name), 0)")
UNLOCK = text("SELECT pg_advisory_unlock(hashtext(:name), 0)")
POLL_SECONDS = 2.0

log = logging.getLogger("nurture.migrate")


async def _run(command: list[str]) -> int:
    process = await asyncio.create_subprocess_exec(*command)
    return await process.wait()


async def migrate_locked(command: list[str], *, wait_seconds: float) -> int:
    """Run ``command`` under the migration lock; the command's exit status, or 75 when the lock never came."""
    settings = load_settings()
    if settings.is_sqlite:
        return await _run(command)
    engine = engine_for_url(settings.database_url, pool_size=1)
    try:
        async with engine.connect() as raw:
            # Autocommit: no transaction stays open while we wait or while the migration runs.
            connection = await raw.execution_options(isolation_level="AUTOCOMMIT")
            loop = asyncio.get_running_loop()
            deadline = loop.time() + wait_seconds
            while not (await connection.execute(TRY_LOCK, {"name": LOCK_NAME})).scalar_one():
                if loop.time() >= deadline:
                    log.error("the migration lock stayed taken for over %.0f s; giving up", wait_seconds)
                    return 75  # EX_TEMPFAIL: the container restarts and tries again
                log.info("another replica is migrating the database; waiting")
                await asyncio.sleep(POLL_SECONDS)
            try:
                return await _run(command)
            finally:
                await connection.execute(UNLOCK, {"name": LOCK_NAME})
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run a migration command under a PostgreSQL advisory lock.")
    parser.add_argument(
        "--wait-seconds", type=float, default=300.0, help="how long to wait for another replica's migration"
    )
    parser.add_argument("command", nargs="*", help="the command to run (default: nurture db upgrade)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    command = args.command or ["nurture", "db", "upgrade"]
    return asyncio.run(migrate_locked(command, wait_seconds=args.wait_seconds))


if __name__ == "__main__":
    sys.exit(main())
