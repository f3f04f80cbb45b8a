"""With a bot app id, the SDK's own JWT validation guards /api/messages, and replies carry msal tokens.

The identity double serves the Bot Framework's OpenID metadata, keys and token endpoint over TLS; the SDK
fetches keys with a bare ``requests.get``, so it trusts the double's CA through REQUESTS_CA_BUNDLE."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from pytest_aiohttp import AiohttpClient

from app.config import Settings
from app.db import SessionMaker
from app.server import create_app
from bot.endpoint import BOT
from tests.bot.conftest import NOW, Teams, personal_conversation
from tests.doubles.connector import ConnectorDouble
from tests.doubles.identity import IdentityDouble, SigningKey
from tests.factories import T0, make_lead, make_org

APP_ID = "6f1c2d3e-0000-4000-8000-00000000b07a"
SECRET = "bot-secret-for-tests"


@pytest.fixture(scope="module")
def identity(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IdentityDouble]:
    double = IdentityDouble(tmp_path_factory.mktemp("bot-identity")).start()
    double.add_client(APP_ID, SECRET)
    yield double
    double.stop()


@pytest.fixture
async def guarded_connector(identity: IdentityDouble) -> AsyncIterator[ConnectorDouble]:
    check = identity.access_token_check(audience="https://api.botframework.com")
    async with ConnectorDouble(require_token=check) as double:
        yield double


@pytest.fixture
async def secured(
    aiohttp_client: AiohttpClient,
    database_url: str,
    sessions: SessionMaker,
    identity: IdentityDouble,
    guarded_connector: ConnectorDouble,
    monkeypatch: pytest.MonkeyPatch,
) -> Teams:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(identity.ca_file))
    org = await make_org(sessions, now=T0)
    settings = Settings(
        database_url=database_url,
        scheduler_enabled=False,
        dispatcher_enabled=False,
        bot_app_id=APP_ID,
        bot_app_type="MultiTenant",
        bot_app_password=SECRET,
        bot_openid_metadata_url=identity.bot_channel_metadata_url,
        bot_token_issuer=identity.bot_channel_issuer,
        bot_login_url=identity.base_url,
        tls_ca_file=str(identity.ca_file),
    )
    client = await aiohttp_client(create_app(settings, clock=lambda: NOW))
    return Teams(client=client, connector=guarded_connector, org=org)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_correctly_signed_token_is_accepted_and_the_reply_is_signed_by_msal(
    secured: Teams, identity: IdentityDouble, sessions: SessionMaker
) -> None:
    rep = secured.org.reps[0]
    await make_lead(sessions, secured.org, owner=rep)
    document = secured.activity(rep, "message", text="my follow-ups")
    token = identity.bot_token(app_id=APP_ID, service_url=secured.connector.url)
    status, _ = await secured.post(document, _bearer(token))
    assert status == 200
    delivered = secured.connector.activities(personal_conversation(rep))
    assert len(delivered) == 1, "one list card"
    assert all(d.has_auth for d in secured.connector.deliveries), "every reply carried a bearer token"
    assert identity.token_requests >= 1 and not secured.connector.violations


@pytest.mark.parametrize(
    "case",
    [
        "no token",
        "wrong signature",
        "unknown key",
        "wrong audience",
        "expired",
        "wrong issuer",
        "wrong serviceUrl",
    ],
)
async def test_bad_tokens_get_401_and_nothing_runs(
    secured: Teams, identity: IdentityDouble, sessions: SessionMaker, case: str
) -> None:
    rep = secured.org.reps[0]
    await make_lead(sessions, secured.org, owner=rep)
    url = secured.connector.url
    tokens: dict[str, dict[str, Any] | None] = {
        "no token": None,
        "wrong signature": {"key": _forged_with_published_kid(identity)},
        "unknown key": {"key": SigningKey()},
        "wrong audience": {"audience": "someone-else"},
        "expired": {"lifetime": -3600},
        "wrong issuer": {"issuer": "https://evil.example"},
        "wrong serviceUrl": {"service_url": "https://smba.evil.example/"},
    }
    options = tokens[case]
    headers = {}
    if options is not None:
        arguments: dict[str, Any] = {"app_id": APP_ID, "service_url": url} | options
        headers = _bearer(identity.bot_token(**arguments))
    status, body = await secured.post(secured.activity(rep, "message", text="my follow-ups"), headers)
    assert status == 401 and body["error"] == "unauthorized"
    assert secured.connector.deliveries == [], "the turn never ran"


def _forged_with_published_kid(identity: IdentityDouble) -> SigningKey:
    forged = SigningKey(kid=identity.bot_keys[0].kid)
    return forged


async def test_local_mode_serves_loopback_without_a_token(
    aiohttp_client: AiohttpClient, database_url: str, sessions: SessionMaker
) -> None:
    org = await make_org(sessions, now=T0)
    async with ConnectorDouble() as connector:
        app = create_app(
            Settings(database_url=database_url, scheduler_enabled=False, dispatcher_enabled=False)
        )
        client = await aiohttp_client(app)
        teams = Teams(client=client, connector=connector, org=org)
        assert await teams.say(org.reps[0], "help") == 200
        # The test client connects from loopback; a forwarded header must not change the verdict.
        response = await client.post(
            "/api/messages",
            json=teams.activity(org.reps[0], "message", text="help"),
            headers={"X-Forwarded-For": "203.0.113.9"},
        )
        assert response.status == 200


async def test_outgoing_tokens_are_renewed_off_the_send_path(
    secured: Teams, identity: IdentityDouble, sessions: SessionMaker
) -> None:
    rep = secured.org.reps[0]
    identity.access_token_lifetime = 120  # msal renews tokens that have less than five minutes left
    try:
        token = identity.bot_token(app_id=APP_ID, service_url=secured.connector.url)
        status, _ = await secured.post(secured.activity(rep, "message", text="help"), _bearer(token))
        assert status == 200
        auth = secured.client.app[BOT].auth
        assert auth.tokens is not None and auth.tokens.issued, "the reply's credentials are tracked"
        before = identity.token_requests
        await auth.tokens.refresh_tokens()
        assert identity.token_requests > before, "a token close to expiry is fetched anew, in a worker thread"
    finally:
        identity.access_token_lifetime = 3600
