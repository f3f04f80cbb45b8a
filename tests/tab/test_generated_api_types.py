"""The tab's API types (app/tab/src/generated/openapi.ts) are generated from the document the server serves:
a change to the API that is not regenerated fails here, so the tab cannot drift from the API unnoticed."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import ClientSession
from aiohttp.test_utils import TestServer

from app.config import Settings
from app.server import create_app
from app.tab_site import TAB_DIST
from tests.tab.conftest import require

TAB = TAB_DIST.parent
GENERATOR = TAB / "scripts" / "generate-api.mjs"


async def _served_document(
    aiohttp_server: Callable[..., Awaitable[TestServer]], tmp_path: Path
) -> dict[str, Any]:
    """/api/v1/openapi.json as a running server answers it."""
    database = f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}"
    server = await aiohttp_server(
        create_app(Settings(database_url=database, scheduler_enabled=False, dispatcher_enabled=False))
    )
    async with ClientSession() as session, session.get(server.make_url("/api/v1/openapi.json")) as response:
        assert response.status == 200
        document: dict[str, Any] = await response.json()
    return document


async def _check(document: dict[str, Any], tmp_path: Path) -> tuple[int, str]:
    """Run the tab's own generator in --check mode over ``document``: its exit code and what it said."""
    node = shutil.which("node")
    require(node is not None, "Node.js is not installed")
    require(
        (TAB / "node_modules" / "openapi-typescript").is_dir(),
        "the tab's node modules are missing (make tab)",
    )
    source = tmp_path / "openapi.json"
    source.write_text(json.dumps(document), encoding="utf-8")
    process = await asyncio.create_subprocess_exec(
        str(node),
        str(GENERATOR),
        "--from",
        str(source),
        "--check",
        cwd=TAB,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    assert process.returncode is not None
    return process.returncode, output.decode()


async def test_the_committed_types_match_the_served_document(
    aiohttp_server: Callable[..., Awaitable[TestServer]], tmp_path: Path
) -> None:
    document = await _served_document(aiohttp_server, tmp_path)
    code, output = await _check(document, tmp_path)
    assert code == 0, output


async def test_a_changed_api_fails_the_check(
    aiohttp_server: Callable[..., Awaitable[TestServer]], tmp_path: Path
) -> None:
    document = await _served_document(aiohttp_server, tmp_path)
    document["components"]["schemas"]["LeadPublic"]["properties"]["nickname"] = {"type": "string"}
    code, output = await _check(document, tmp_path)
    assert code == 1 and "npm run generate" in output
