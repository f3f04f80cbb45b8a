"""The msgraph-sdk client, on our own httpx client and token provider.

Our provider hands tokens only to the configured Graph host (msgraph-core's Azure provider would send none
to any host but Microsoft's), and our httpx client trusts the configured CA. Graph's default middleware,
retry with Retry-After included, is loaded onto it by ``GraphClientFactory``, above the transport that
draws every request from the process's shared ``GraphLimiter``."""

from __future__ import annotations

import asyncio
import ssl
import urllib.request
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import httpx
from kiota_abstractions.authentication import (
    AccessTokenProvider,
    AllowedHostsValidator,
    BaseBearerTokenAuthenticationProvider,
)
from msgraph.graph_request_adapter import GraphRequestAdapter
from msgraph.graph_request_adapter import options as graph_middleware
from msgraph.graph_service_client import GraphServiceClient
from msgraph_core import GraphClientFactory

from app.config import Settings
from app.graph.limiter import GraphLimiter, LimitedTransport

TokenSource = Callable[[], Awaitable[str]]


class TokenProvider(AccessTokenProvider):
    """One token source for the Graph host only."""

    def __init__(self, source: TokenSource, base_url: str) -> None:
        self._source = source
        self._hosts = AllowedHostsValidator([urlparse(base_url).hostname or ""])
        self._token: str | None = None

    async def get_authorization_token(
        self, uri: str, additional_authentication_context: dict[str, Any] | None = None
    ) -> str:
        """The token for requests to the Graph host; nothing for any other host."""
        if not self._hosts.is_url_host_valid(uri):
            return ""
        if self._token is None:
            # One sync run lasts minutes at most, well inside a Graph token's hour.
            self._token = await self._source()
        return self._token

    def get_allowed_hosts_validator(self) -> AllowedHostsValidator:
        """The hosts tokens may go to."""
        return self._hosts


@dataclass(frozen=True, slots=True)
class GraphConnection:
    sdk: GraphServiceClient
    http: httpx.AsyncClient

    async def close(self) -> None:
        """Close the HTTP connections."""
        await self.http.aclose()


async def tls_context(settings: Settings) -> ssl.SSLContext:
    """The TLS trust for Graph: the system's, plus the configured CA; built off the event loop."""
    return await asyncio.to_thread(ssl.create_default_context, cafile=settings.tls_ca_file)


def connect(
    settings: Settings, source: TokenSource, *, tls: ssl.SSLContext, limiter: GraphLimiter
) -> GraphConnection:
    """A Graph client for one sync run, drawing on the process's ``limiter``; close it when done."""
    trust_env = settings.tls_ca_file is None
    # httpx ignores proxy variables once a transport is given, so the transport is told the proxy itself.
    host = urlparse(settings.graph_base_url).hostname or ""
    proxy = urllib.request.getproxies().get("https") if trust_env else None
    if proxy and urllib.request.proxy_bypass(host):
        proxy = None
    inner = httpx.AsyncHTTPTransport(verify=tls, trust_env=trust_env, proxy=proxy)
    wire = LimitedTransport(inner, limiter)
    http = httpx.AsyncClient(transport=wire, trust_env=trust_env, timeout=30)
    http = GraphClientFactory.create_with_default_middleware(client=http, options=graph_middleware)
    adapter = GraphRequestAdapter(
        BaseBearerTokenAuthenticationProvider(TokenProvider(source, settings.graph_base_url)), client=http
    )
    adapter.base_url = settings.graph_base_url.rstrip("/")
    return GraphConnection(GraphServiceClient(request_adapter=adapter), http)
