"""Health and readiness through the real application factory."""

from __future__ import annotations

from pathlib import Path

from pytest_aiohttp import AiohttpClient

from app.config import Settings
from app.server import create_app


def _settings(url: str) -> Settings:
    return Settings(database_url=url, scheduler_enabled=False, dispatcher_enabled=False)


async def test_healthz_answers(aiohttp_client: AiohttpClient, database_url: str) -> None:
    client = await aiohttp_client(create_app(_settings(database_url)))
    response = await client.get("/healthz")
    assert response.status == 200
    assert await response.json() == {"status": "ok"}


async def test_readyz_is_ready_on_a_migrated_database(
    aiohttp_client: AiohttpClient, database_url: str
) -> None:
    client = await aiohttp_client(create_app(_settings(database_url)))
    response = await client.get("/readyz")
    body = await response.json()
    assert response.status == 200, body
    assert body["status"] == "ready"


async def test_readyz_refuses_an_unmigrated_database(aiohttp_client: AiohttpClient, tmp_path: Path) -> None:
    client = await aiohttp_client(create_app(_settings(f"sqlite:///{tmp_path / 'empty.db'}")))
    response = await client.get("/readyz")
    assert response.status == 503
    assert (await response.json())["database"] == "not migrated"


async def test_readyz_reports_an_unreachable_database(aiohttp_client: AiohttpClient) -> None:
    settings = _settings("postgresql://nobody@127.0.0.1:9/none")
    client = await aiohttp_client(create_app(settings))
    response = await client.get("/readyz")
    assert response.status == 503
    assert (await response.json()) == {"status": "unavailable", "database": "unreachable"}
