"""Live servers through the real factory for the security reproductions, on SQLite and PostgreSQL.

The SSO fixtures come from tests/api/conftest.py, so the server validates real tokens from the identity
double; the helpers here add signed webhook calls and a check that no request left a traceback."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from pytest_aiohttp import AiohttpClient

from app.api.webhooks import MAX_BODY_BYTES
from app.db import SessionMaker
from app.services.api_keys import signature
from tests.api.conftest import Api, api, identity  # noqa: F401  (fixtures shared with the API tests)
from tests.factories import T0

__all__ = ["Api", "MAX_BODY_BYTES", "Quiet", "Webhook", "api", "identity"]


class Webhook:
    """Signed calls to /api/v1/webhooks/..., with a fresh key of the org's admin."""

    def __init__(self, api: Api, key: str) -> None:
        self.api, self.key = api, key

    def headers(self, raw: bytes, *, timestamp: str | None = None) -> dict[str, str]:
        stamp = timestamp if timestamp is not None else str(int(T0.timestamp()))
        secret = self.key.split("_", 2)[2]
        return {
            "Authorization": f"Bearer {self.key}",
            "X-Nurture-Timestamp": stamp,
            "X-Nurture-Signature": signature(secret, stamp, raw),
            "Content-Type": "application/json",
        }

    async def post(self, path: str, raw: bytes, **header_overrides: str) -> tuple[int, Any]:
        headers = self.headers(raw)
        headers.update(header_overrides)
        response = await self.api.client.post(path, data=raw, headers=headers)
        text = await response.text()
        return response.status, json.loads(text) if response.content_type == "application/json" else text

    async def events(self, events: list[dict[str, Any]]) -> tuple[int, Any]:
        return await self.post("/api/v1/webhooks/events", json.dumps({"events": events}).encode())


@pytest.fixture
async def webhook(api: Api) -> Webhook:  # noqa: F811
    status, body = await api.call("POST", "/api/v1/settings/api-keys", api.org.admin, {"name": "probe"})
    assert status == 201, body
    return Webhook(api, str(body["key"]))


class Quiet:
    """Everything logged at WARNING or above while a test ran; a traceback or SQL text fails the test."""

    def __init__(self, caplog: pytest.LogCaptureFixture) -> None:
        self.caplog = caplog

    def problems(self) -> list[str]:
        found = []
        for record in self.caplog.records:
            text = record.getMessage()
            if record.exc_info or record.levelno >= logging.ERROR or "[parameters:" in text or "SQL:" in text:
                found.append(f"{record.name}: {text[:300]}")
        return found


@pytest.fixture
def quiet(caplog: pytest.LogCaptureFixture) -> Iterator[Quiet]:
    caplog.set_level(logging.INFO)
    watch = Quiet(caplog)
    yield watch
    assert watch.problems() == [], "a refused request must leave no traceback or SQL in the log"


ClientFactory = AiohttpClient
Sessions = SessionMaker
