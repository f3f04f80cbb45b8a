"""One dispatcher process for the two-process test: drains the outbox, then prints its figures as JSON."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import UTC, datetime, timedelta

from aiohttp import ClientSession

from app.config import Settings
from app.db import create_engine, create_sessionmaker
from bot.auth import build_authentication
from bot.card_views import Links
from bot.connector_client import connector_for
from bot.dispatcher import Dispatcher, DispatchPolicy


async def main(
    database_url: str, tenant_rate: float | None, base_backoff: float, limit: float, unpaced: bool = False
) -> dict[str, object]:
    settings = Settings(database_url=database_url)
    rate = tenant_rate if tenant_rate is not None else settings.dispatcher_per_tenant_rate
    engine = create_engine(settings)
    auth = build_authentication(settings)
    http = ClientSession()
    dispatcher = Dispatcher(
        connector=connector_for(settings=settings, auth=auth, http=http),
        sessions=create_sessionmaker(engine),
        clock=lambda: datetime.now(UTC),
        links=Links.of(settings),
        policy=DispatchPolicy(
            tenant_rate=rate,
            base_backoff=base_backoff,
            lease=timedelta(seconds=30),
            concurrency=settings.dispatcher_concurrency,
        ),
    )
    try:
        async with asyncio.timeout(limit):
            await dispatcher.drain(poll=0.2)
    finally:
        await http.close()
        await auth.close()
        await engine.dispose()
    stats = dispatcher.stats
    return {
        "sent": stats.sent,
        "retried": stats.retried,
        "throttled": stats.throttled,
        "final": dict(stats.final),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--tenant-rate", type=float, help="sends/s per tenant; default: the product's")
    parser.add_argument("--base-backoff", type=float, default=2.0)
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--unpaced", action="store_true")
    arguments = parser.parse_args()
    result = asyncio.run(
        main(
            arguments.database_url,
            arguments.tenant_rate,
            arguments.base_backoff,
            arguments.timeout,
            unpaced=arguments.unpaced,
        )
    )
    json.dump(result, sys.stdout)
