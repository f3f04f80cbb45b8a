"""Local mode must be asked for, is refused where others could reach it, and trusts only its own proxy."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from aiohttp.web import Request

from app.access_log import PathOnlyAccessLogger
from app.config import Settings
from app.db import SessionMaker
from app.server import create_app
from app.startup_checks import problems
from tests.factories import T0, Org, make_org
from tests.security.conftest import ClientFactory


def _settings(database_url: str, **changes: Any) -> Settings:
    base = {"database_url": database_url, "scheduler_enabled": False, "dispatcher_enabled": False}
    return Settings(**{**base, **changes})


def _dev(org: Org) -> dict[str, str]:
    assert org.reps[0] is not None
    return {"Authorization": f"Dev {org.tenant_id} {org.reps[0].email}"}


def _activity() -> dict[str, Any]:
    return {
        "type": "message",
        "text": "help",
        "serviceUrl": "http://127.0.0.1:9/",
        "channelId": "msteams",
        "conversation": {"id": "a:local"},
        "from": {"id": "29:x"},
        "recipient": {"id": "28:bot"},
    }


async def test_without_local_mode_there_is_no_dev_sign_in_and_no_unauthenticated_bot(
    aiohttp_client: ClientFactory, database_url: str, sessions: SessionMaker
) -> None:
    org = await make_org(sessions, now=T0)
    client = await aiohttp_client(create_app(_settings(database_url, local_mode=False), clock=lambda: T0))
    response = await client.get("/api/v1/me", headers=_dev(org))
    assert response.status == 401
    response = await client.post("/api/messages", json=_activity())
    assert response.status == 403 and (await response.json())["error"] == "not_configured"
    # Asked for, the same requests are served: the switch is what decides.
    local = await aiohttp_client(create_app(_settings(database_url, local_mode=True), clock=lambda: T0))
    assert (await local.get("/api/v1/me", headers=_dev(org))).status == 200


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"public_url": "https://nurture.fertigwerk.example"}, "NURTURE_PUBLIC_URL"),
        ({"host": "0.0.0.0"}, "NURTURE_HOST"),
        ({"trusted_proxies": "127.0.0.1"}, "NURTURE_TRUSTED_PROXIES"),
        ({"bot_app_id": "6f1c2d3e-0000-4000-8000-00000000b07a"}, "NURTURE_LOCAL_MODE"),
    ],
)
def test_local_mode_refuses_to_start_where_others_reach_it(changes: dict[str, Any], named: str) -> None:
    found = problems(Settings(local_mode=True, **changes))
    assert len(found) == 1 and named in found[0], found


def test_nothing_configured_and_no_local_mode_refuses_to_start() -> None:
    found = problems(Settings(local_mode=False))
    assert any("NURTURE_LOCAL_MODE=true" in problem for problem in found), found


async def test_forwarded_headers_count_only_from_a_configured_proxy(
    aiohttp_client: ClientFactory, database_url: str, sessions: SessionMaker
) -> None:
    org = await make_org(sessions, now=T0)
    proxied = _settings(database_url, local_mode=True, trusted_proxies="127.0.0.1/32")
    client = await aiohttp_client(create_app(proxied, clock=lambda: T0))
    # The proxy forwards a remote client: the dev sign-in is not for it, though the peer is loopback.
    remote = {**_dev(org), "X-Forwarded-For": "203.0.113.9"}
    assert (await client.get("/api/v1/me", headers=remote)).status == 401
    assert (await client.post("/api/messages", json=_activity(), headers=remote)).status == 403
    # A client cannot pose as loopback by adding its own entry in front of what the proxy appended.
    spoofed = {**_dev(org), "X-Forwarded-For": "127.0.0.1, 203.0.113.9"}
    assert (await client.get("/api/v1/me", headers=spoofed)).status == 401
    # A proxy that names no client: unknown, so no shortcut.
    assert (await client.get("/api/v1/me", headers=_dev(org))).status == 401
    # A client on the proxy's own machine, named by the proxy, is loopback.
    local = {**_dev(org), "X-Forwarded-For": "::1"}
    assert (await client.get("/api/v1/me", headers=local)).status == 200
    # Without a configured proxy the header is ignored and the TCP peer decides.
    plain = await aiohttp_client(create_app(_settings(database_url, local_mode=True), clock=lambda: T0))
    assert (await plain.get("/api/v1/me", headers=remote)).status == 200


async def test_the_access_log_keeps_parameter_names_not_values(
    aiohttp_client: ClientFactory,
    database_url: str,
    sessions: SessionMaker,
    caplog: pytest.LogCaptureFixture,
) -> None:
    org = await make_org(sessions, now=T0)
    server = TestServer(create_app(_settings(database_url, local_mode=True), clock=lambda: T0))
    await server.start_server(access_log_class=PathOnlyAccessLogger)
    client: TestClient[Request, None] = await aiohttp_client(server)
    caplog.set_level(logging.INFO, logger="aiohttp.access")
    response = await client.get("/api/v1/leads?q=paula.prospect%40kunde.example&limit=5", headers=_dev(org))
    assert response.status == 200
    lines = [record.getMessage() for record in caplog.records if record.name == "aiohttp.access"]
    assert any("/api/v1/leads?limit&q 200" in line for line in lines), lines
    assert not any("paula" in line or "kunde" in line or "limit=5" in line for line in lines), lines
