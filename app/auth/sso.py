"""Validation of Teams SSO tokens (Entra ID access tokens for our API), v1 and v2, against a cached JWKS."""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import jwt
from aiohttp import ClientError, ClientSession

log = logging.getLogger(__name__)

REQUIRED_SCOPE = "access_as_user"
# An unknown key id triggers a JWKS refresh, but not more often than this, so forged kids cannot
# turn us into a request amplifier against the identity provider.
MIN_REFRESH_INTERVAL_SECONDS = 60.0
CLOCK_SKEW_SECONDS = 120


class InvalidToken(Exception):
    """The token is not acceptable; ``reason`` is a short stable code for logs and metrics."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class SsoIdentity:
    tenant_id: str
    object_id: str
    name: str | None
    username: str | None


class KeySet:
    """The identity provider's signing keys, fetched without blocking and refreshed on an unknown key id."""

    def __init__(self, *, http: ClientSession, jwks_url: str, ssl_context: ssl.SSLContext | None) -> None:
        self._http = http
        self._url = jwks_url
        self._ssl = ssl_context
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at = float("-inf")
        self._lock = asyncio.Lock()

    async def key(self, kid: str) -> jwt.PyJWK:
        """The public key for ``kid``; raises InvalidToken when the provider does not publish it."""
        if kid in self._keys:
            return self._keys[kid]
        async with self._lock:
            if kid not in self._keys and time.monotonic() - self._fetched_at >= MIN_REFRESH_INTERVAL_SECONDS:
                await self._refresh()
        if kid not in self._keys:
            raise InvalidToken("unknown_key")
        return self._keys[kid]

    async def _refresh(self) -> None:
        self._fetched_at = time.monotonic()
        try:
            async with self._http.get(
                self._url, ssl=self._ssl if self._ssl is not None else True
            ) as response:
                response.raise_for_status()
                document: dict[str, Any] = await response.json()
        except (ClientError, TimeoutError, ValueError) as error:
            log.warning("could not refresh signing keys: %s", type(error).__name__)
            return
        keys: dict[str, jwt.PyJWK] = {}
        for entry in document.get("keys", []):
            try:
                keys[str(entry["kid"])] = jwt.PyJWK(entry, algorithm="RS256")
            except (KeyError, jwt.PyJWKError):
                continue
        if keys:
            self._keys = keys


class SsoValidator:
    """Checks signature, issuer (per tenant), audience (client id or application ID URI), scope and expiry."""

    def __init__(
        self,
        *,
        keys: KeySet,
        client_id: str,
        app_id_uri: str | None,
        issuer_templates: Sequence[str],
        allowed_tenants: frozenset[str] | None = None,
    ) -> None:
        self._keys = keys
        self._audiences = [client_id] + ([app_id_uri] if app_id_uri else [])
        self._issuers = tuple(issuer_templates)
        self._tenants = allowed_tenants

    async def validate(self, token: str) -> SsoIdentity:
        """The caller's tenant and object id from a valid token; InvalidToken otherwise."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.DecodeError as error:
            raise InvalidToken("malformed") from error
        if header.get("alg") != "RS256" or not header.get("kid"):
            raise InvalidToken("bad_header")
        key = await self._keys.key(str(header["kid"]))
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=["RS256"],
                audience=self._audiences,
                leeway=CLOCK_SKEW_SECONDS,
                options={"require": ["exp", "iat", "iss", "aud", "tid", "oid"]},
            )
        except jwt.ExpiredSignatureError as error:
            raise InvalidToken("expired") from error
        except jwt.InvalidAudienceError as error:
            raise InvalidToken("wrong_audience") from error
        except jwt.PyJWTError as error:
            raise InvalidToken("invalid") from error
        tenant_id = str(claims["tid"])
        if claims["iss"] not in {template.format(tid=tenant_id) for template in self._issuers}:
            raise InvalidToken("wrong_issuer")
        if REQUIRED_SCOPE not in str(claims.get("scp", "")).split():
            raise InvalidToken("missing_scope")
        if self._tenants is not None and tenant_id not in self._tenants:
            raise InvalidToken("tenant_not_allowed")
        return SsoIdentity(
            tenant_id=tenant_id,
            object_id=str(claims["oid"]),
            name=claims.get("name"),
            username=claims.get("preferred_username") or claims.get("upn"),
        )
