"""The API through the real application factory, with Teams SSO tokens from the loopback identity double."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from aiohttp.web import Application, Request
from pytest_aiohttp import AiohttpClient

from app.config import Settings
from app.db import SessionMaker
from app.models import Member
from app.server import create_app
from tests.doubles.identity import IdentityDouble
from tests.factories import T0, Org, make_org

CLIENT_ID = "6f1c2b7e-nurture-client"
APP_ID_URI = f"api://nurture.example/{CLIENT_ID}"


@pytest.fixture(scope="session")
def identity(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IdentityDouble]:
    double = IdentityDouble(tmp_path_factory.mktemp("identity")).start()
    yield double
    double.stop()


def sso_settings(database_url: str, identity: IdentityDouble) -> Settings:
    return Settings(
        database_url=database_url,
        scheduler_enabled=False,
        dispatcher_enabled=False,
        entra_client_id=CLIENT_ID,
        entra_app_id_uri=APP_ID_URI,
        sso_jwks_url=identity.jwks_url,
        sso_issuers=f"{identity.base_url}/{{tid}}/v2.0,{identity.base_url}/sts/{{tid}}/",
        tls_ca_file=str(identity.ca_file),
    )


class Api:
    """A test client plus the org it serves and a way to sign in as any member."""

    def __init__(self, client: TestClient[Request, Application], identity: IdentityDouble, org: Org) -> None:
        self.client, self.identity, self.org = client, identity, org

    def token(self, member: Member, **overrides: Any) -> str:
        options: dict[str, Any] = {
            "tenant_id": member.tenant_id,
            "object_id": member.aad_object_id,
            "audience": CLIENT_ID,
        }
        options.update(overrides)
        return self.identity.token(**options)

    def headers(self, member: Member, **overrides: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(member, **overrides)}"}

    async def call(self, method: str, path: str, member: Member | None, json: Any = None) -> tuple[int, Any]:
        headers = self.headers(member) if member is not None else {}
        response = await self.client.request(method, path, json=json, headers=headers)
        body = await response.json() if response.content_type == "application/json" else await response.text()
        return response.status, body


@pytest.fixture
async def api(
    aiohttp_client: AiohttpClient,
    database_url: str,
    sessions: SessionMaker,
    identity: IdentityDouble,
) -> Api:
    org = await make_org(sessions, now=T0)
    client = await aiohttp_client(create_app(sso_settings(database_url, identity), clock=lambda: T0))
    return Api(client, identity, org)


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return tmp_path
