"""Shared fixtures: real databases (SQLite always, PostgreSQL when NURTURE_TEST_PG_URL is set)."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel

import app.models  # noqa: F401  (registers the tables truncated between PostgreSQL tests)
from app.db import SessionMaker, create_sessionmaker, engine_for_url, upgrade_database

PG_ENV = "NURTURE_TEST_PG_URL"
# The tests run on loopback against test doubles, as `make demo` does: local mode is asked for, as it must
# be (a Settings built without it has no dev shortcuts). Tests of production settings turn it off.
os.environ.setdefault("NURTURE_LOCAL_MODE", "true")
# Hundreds of servers start here; on PostgreSQL each would start a refresher process (a second interpreter
# importing the app). They apply pending events on their own loop instead; tests/app/test_refresher_process.py
# starts the process.
os.environ.setdefault("NURTURE_EVENT_REFRESHER", "inline")
IN_CI = os.environ.get("CI", "").lower() == "true"


def _backends() -> list[pytest.ParameterSet]:
    params = [pytest.param("sqlite", id="sqlite")]
    if os.environ.get(PG_ENV) or IN_CI:
        params.append(pytest.param("postgres", id="postgres", marks=pytest.mark.postgres))
    return params


async def _pg_admin(url: str, statement: str) -> None:
    engine = engine_for_url(url)
    try:
        async with engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file per run; each test gets a copy, which is much faster than migrating."""
    path = tmp_path_factory.mktemp("template") / "nurture.db"
    upgrade_database(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this run, dropped at the end."""
    base = os.environ.get(PG_ENV)
    if not base:
        if IN_CI:
            pytest.fail(f"CI=true but {PG_ENV} is not set: PostgreSQL tests are required in CI")
        pytest.skip(f"{PG_ENV} is not set")
    name = f"nurture_test_{uuid.uuid4().hex[:10]}"
    url = make_url(base)
    admin_url = url.set(database=url.database or "postgres").render_as_string(hide_password=False)
    try:
        asyncio.run(_pg_admin(admin_url, f'CREATE DATABASE "{name}"'))
    except Exception as error:  # noqa: BLE001 - any connection failure means the same thing here
        message = f"PostgreSQL at {PG_ENV} is unreachable: {error!r}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    test_url = url.set(database=name).render_as_string(hide_password=False)
    upgrade_database(test_url)
    yield test_url
    asyncio.run(_pg_admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=_backends())
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database of each backend under test."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "nurture.db"
        shutil.copyfile(template, path)
        return f"sqlite+aiosqlite:///{path}"
    url: str = request.getfixturevalue("postgres_url")
    asyncio.run(_truncate_all(url))
    return url


async def _truncate_all(url: str) -> None:
    tables = ", ".join(f'"{table.name}"' for table in SQLModel.metadata.sorted_tables)
    await _pg_admin(url, f"TRUNCATE {tables} CASCADE")


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = engine_for_url(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> SessionMaker:
    return create_sessionmaker(engine)
