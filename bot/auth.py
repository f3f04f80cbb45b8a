"""Who may talk to the bot and how the bot proves itself when it answers.

Incoming activities are validated by the SDK itself, configured from our settings so tests can point it at
a loopback identity double. Outgoing tokens come from msal through our own credentials factory (the SDK's
hook), so instance discovery and TLS trust are ours to set. Connector clients are built once per service URL:
the stock factory builds a new one on every turn, and each build costs msrest about half a million list
comparisons."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

import msal
import requests
from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import (
    AppCredentials,
    AuthenticateRequestResult,
    BotFrameworkAuthentication,
    ClaimsIdentity,
    ConnectorFactory,
    ManagedIdentityServiceClientCredentialsFactory,
    MicrosoftAppCredentials,
    ServiceClientCredentialsFactory,
    UserTokenClient,
)
from botframework.connector.auth.jwt_token_extractor import JwtTokenExtractor
from botframework.connector.skills import BotFrameworkClient

from app.config import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SdkConfiguration:
    """The attribute names botbuilder's ConfigurationBotFrameworkAuthentication reads."""

    APP_ID: str
    APP_PASSWORD: str
    APP_TYPE: str
    APP_TENANTID: str
    TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL: str
    TO_BOT_FROM_CHANNEL_TOKEN_ISSUER: str
    TO_CHANNEL_FROM_BOT_LOGIN_URL: str
    TO_CHANNEL_FROM_BOT_OAUTH_SCOPE: str
    VALIDATE_AUTHORITY: bool


def sdk_configuration(settings: Settings) -> SdkConfiguration:
    """Translate our settings into the SDK's configuration object."""
    tenant = settings.bot_tenant_id or "botframework.com"
    return SdkConfiguration(
        APP_ID=settings.bot_app_id or "",
        APP_PASSWORD=settings.bot_app_password.get_secret_value() if settings.bot_app_password else "",
        APP_TYPE=settings.bot_app_type,
        APP_TENANTID=settings.bot_tenant_id or "",
        TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL=settings.bot_openid_metadata_url,
        TO_BOT_FROM_CHANNEL_TOKEN_ISSUER=settings.bot_token_issuer,
        TO_CHANNEL_FROM_BOT_LOGIN_URL=f"{settings.bot_login_url.rstrip('/')}/{tenant}",
        TO_CHANNEL_FROM_BOT_OAUTH_SCOPE=settings.bot_oauth_scope,
        VALIDATE_AUTHORITY=False,
    )


class MsalAppCredentials(AppCredentials):
    """Bot-to-channel credentials from one shared msal application (and its token cache)."""

    def __init__(self, *, app: msal.ConfidentialClientApplication, app_id: str, scope: str) -> None:
        super().__init__(app_id=app_id, oauth_scope=scope)
        self._app = app
        self._scopes = [scope if scope.endswith("/.default") else f"{scope.rstrip('/')}/.default"]

    def get_access_token(self, force_refresh: bool = False) -> str:
        """A token from msal's cache, or a fresh one from Entra ID."""
        result: dict[str, Any] = self._app.acquire_token_for_client(scopes=self._scopes)
        token = result.get("access_token")
        if not token:
            # The SDK expects PermissionError; the description is Entra ID's and names no secret.
            raise PermissionError(f"no bot token: {result.get('error')}: {result.get('error_description')}")
        return str(token)


class MsalCredentialsFactory(ServiceClientCredentialsFactory):
    """Builds outgoing credentials with msal configured by us: no instance discovery, our TLS trust."""

    def __init__(self, settings: Settings) -> None:
        self._app_id = settings.bot_app_id or ""
        self._scope_default = settings.bot_oauth_scope
        self._authority = (
            f"{settings.bot_login_url.rstrip('/')}/{settings.bot_tenant_id or 'botframework.com'}"
        )
        self._credential: str | dict[str, str] | None = None
        if settings.bot_certificate_file and settings.bot_certificate_thumbprint:
            with open(settings.bot_certificate_file, encoding="utf-8") as pem:
                self._credential = {
                    "private_key": pem.read(),
                    "thumbprint": settings.bot_certificate_thumbprint,
                }
        elif settings.bot_app_password:
            self._credential = settings.bot_app_password.get_secret_value()
        self._http = requests.Session()
        self._http.trust_env = settings.tls_ca_file is None
        if settings.tls_ca_file:
            self._http.verify = settings.tls_ca_file
        self._app: msal.ConfidentialClientApplication | None = None
        self.issued: list[MsalAppCredentials] = []

    async def refresh_tokens(self) -> None:
        """Renew every issued credential's token off the event loop. msrest asks for the token inside a
        send, synchronously; kept fresh here, that call is always a cache hit."""
        for credentials in list(self.issued):
            await asyncio.to_thread(credentials.get_access_token)

    def _msal(self) -> msal.ConfidentialClientApplication:
        if self._app is None:
            self._app = msal.ConfidentialClientApplication(
                self._app_id,
                client_credential=self._credential,
                authority=self._authority,
                http_client=self._http,
                instance_discovery=False,
                validate_authority=False,
            )
        return self._app

    async def is_valid_app_id(self, app_id: str) -> bool:
        """Only our own app id."""
        return bool(app_id) and app_id == self._app_id

    async def is_authentication_disabled(self) -> bool:
        """Local mode: no app id, so replies go out unsigned to the Emulator or Playground."""
        return not self._app_id

    async def create_credentials(
        self, app_id: str, oauth_scope: str, login_endpoint: str, validate_authority: bool
    ) -> AppCredentials:
        """Credentials for one audience; the first token is fetched off the event loop."""
        if not self._app_id:
            empty: AppCredentials = MicrosoftAppCredentials.empty()
            return empty
        if app_id != self._app_id:
            raise PermissionError("activity addressed to another bot")
        app = await asyncio.to_thread(self._msal)
        credentials = MsalAppCredentials(app=app, app_id=app_id, scope=oauth_scope or self._scope_default)
        # msal's acquire call is blocking; doing it here once fills the cache, so the SDK's own call
        # inside a send is a cache hit until the token nears expiry.
        await asyncio.to_thread(credentials.get_access_token)
        self.issued.append(credentials)
        return credentials


class _CachedConnectorFactory(ConnectorFactory):
    def __init__(self, inner: ConnectorFactory, cache: dict[tuple[str, str], ConnectorClient]) -> None:
        self._inner = inner
        self._cache = cache

    async def create(self, service_url: str, audience: str | None = None) -> ConnectorClient:
        key = (service_url, audience or "")
        client = self._cache.get(key)
        if client is None:
            # The SDK's base class types audience as str, but its own factory reads None as its default.
            client = await self._inner.create(service_url, audience)  # type: ignore[arg-type]
            self._cache[key] = client
        return client


class CachingAuthentication(BotFrameworkAuthentication):
    """The SDK's authentication with connector and user-token clients kept per service URL."""

    def __init__(
        self,
        inner: BotFrameworkAuthentication,
        credentials: ServiceClientCredentialsFactory,
    ) -> None:
        self._inner = inner
        # Where outgoing tokens come from; the dispatcher's REST client shares it, and so msal's cache.
        self.credentials = credentials
        self.tokens = credentials if isinstance(credentials, MsalCredentialsFactory) else None
        self._connectors: dict[tuple[str, str], ConnectorClient] = {}
        self._user_token_clients: dict[str, UserTokenClient] = {}

    async def authenticate_request(
        self, activity: Activity, auth_header: str | None
    ) -> AuthenticateRequestResult:
        # Typed str in the SDK; None (no header) is refused there cleanly, as tests/doubles shows.
        result: AuthenticateRequestResult = await self._inner.authenticate_request(activity, auth_header)  # type: ignore[arg-type]
        if result.connector_factory is not None:
            result.connector_factory = _CachedConnectorFactory(result.connector_factory, self._connectors)
        return result

    async def authenticate_streaming_request(
        self, auth_header: str, channel_id_header: str
    ) -> AuthenticateRequestResult:
        return await self._inner.authenticate_streaming_request(auth_header, channel_id_header)

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        return _CachedConnectorFactory(
            self._inner.create_connector_factory(claims_identity), self._connectors
        )

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> UserTokenClient:
        # We never run OAuth prompts, but the SDK builds this client on every turn all the same.
        key = str(claims_identity.claims.get("appid") or claims_identity.claims.get("aud") or "")
        client = self._user_token_clients.get(key)
        if client is None:
            client = await self._inner.create_user_token_client(claims_identity)
            self._user_token_clients[key] = client
        return client

    def create_bot_framework_client(self) -> BotFrameworkClient:
        return self._inner.create_bot_framework_client()

    def get_originating_audience(self) -> str:
        return str(self._inner.get_originating_audience())

    async def authenticate_channel_request(self, auth_header: str) -> ClaimsIdentity:
        return await self._inner.authenticate_channel_request(auth_header)

    async def close(self) -> None:
        """Close the pooled connector clients."""
        for client in self._connectors.values():
            await client.__aexit__(None, None, None)
        self._connectors.clear()


def build_authentication(settings: Settings) -> CachingAuthentication:
    """The bot's authentication, from settings."""
    factory: ServiceClientCredentialsFactory
    if settings.bot_app_type == "UserAssignedMSI" and settings.bot_app_id:
        factory = ManagedIdentityServiceClientCredentialsFactory(settings.bot_app_id)
    else:
        factory = MsalCredentialsFactory(settings)
    inner = ConfigurationBotFrameworkAuthentication(sdk_configuration(settings), credentials_factory=factory)
    return CachingAuthentication(inner, factory)


def _refresh_signing_keys(url: str) -> None:
    metadata = JwtTokenExtractor.get_open_id_metadata(url)
    # The SDK refreshes with blocking requests.get inside a coroutine; running that coroutine to completion
    # on a worker thread's own loop keeps the fetch off ours.
    asyncio.run(metadata._refresh())


async def warm_signing_keys(settings: Settings) -> None:
    """Fetch the Bot Connector's signing keys off the event loop, so the SDK finds them cached."""
    if settings.bot_app_id:
        await asyncio.to_thread(_refresh_signing_keys, settings.bot_openid_metadata_url)


async def keep_signing_keys_fresh(settings: Settings, interval: float = 6 * 3600) -> None:
    """Refresh well inside the SDK's one-day horizon, so its blocking refresh never runs on our loop."""
    while True:
        await asyncio.sleep(interval)
        try:
            await warm_signing_keys(settings)
        except Exception:  # noqa: BLE001 - a failed refresh keeps the old keys; the next one tries again
            log.warning("bot signing key refresh failed", exc_info=True)


async def keep_tokens_fresh(auth: CachingAuthentication, interval: float = 300) -> None:
    """Renew outgoing tokens before they expire (Entra ID tokens live about an hour)."""
    while auth.tokens is not None:
        await asyncio.sleep(interval)
        try:
            await auth.tokens.refresh_tokens()
        except Exception:  # noqa: BLE001 - the send path still fetches one itself if this failed
            log.warning("bot token refresh failed", exc_info=True)
