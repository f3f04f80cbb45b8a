"""A loopback stand-in for Entra ID: OpenID metadata, JWKS and signed tokens over real TLS (trustme).

It runs its own event loop in a thread, because some Microsoft libraries fetch keys with blocking calls
and would deadlock against a double on their own loop."""

from __future__ import annotations

import asyncio
import json
import ssl
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import jwt
import trustme
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm


class SigningKey:
    """An RSA key pair with a key id, as Entra ID publishes them."""

    def __init__(self, kid: str | None = None) -> None:
        self.kid = kid or uuid.uuid4().hex[:16]
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwk(self) -> dict[str, Any]:
        document: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(self.private.public_key()))
        document.update(kid=self.kid, use="sig", alg="RS256")
        return document


class IdentityDouble:
    """Start with ``start()``; ``base_url`` is https on 127.0.0.1 and ``ca_file`` is the CA to trust."""

    def __init__(self, workdir: Path) -> None:
        self.ca = trustme.CA()
        self.ca_file = workdir / "identity-ca.pem"
        self.ca.cert_pem.write_to_path(str(self.ca_file))
        self._server_cert = self.ca.issue_cert("127.0.0.1", "localhost")
        self.keys = [SigningKey()]
        self.jwks_requests = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    @property
    def jwks_url(self) -> str:
        return f"{self.base_url}/common/discovery/v2.0/keys"

    def issuer_v2(self, tenant_id: str) -> str:
        return f"{self.base_url}/{tenant_id}/v2.0"

    def issuer_v1(self, tenant_id: str) -> str:
        return f"{self.base_url}/sts/{tenant_id}/"

    def start(self) -> IdentityDouble:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=10)
        return self

    def stop(self) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_get("/common/discovery/v2.0/keys", self._jwks)
        app.router.add_get("/{tenant}/v2.0/.well-known/openid-configuration", self._metadata)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        ssl_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._server_cert.configure_cert(ssl_context)
        site = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=ssl_context)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def _jwks(self, _request: web.Request) -> web.Response:
        self.jwks_requests += 1
        return web.json_response({"keys": [key.jwk() for key in self.keys]})

    async def _metadata(self, request: web.Request) -> web.Response:
        tenant = request.match_info["tenant"]
        return web.json_response(
            {
                "issuer": self.issuer_v2(tenant),
                "jwks_uri": self.jwks_url,
                "id_token_signing_alg_values_supported": ["RS256"],
            }
        )

    def rotate(self) -> SigningKey:
        """Publish a new signing key (Entra ID rotates keys; validators must pick them up)."""
        key = SigningKey()
        self.keys.append(key)
        return key

    def token(
        self,
        *,
        tenant_id: str,
        object_id: str,
        audience: str,
        version: str = "2.0",
        scope: str = "access_as_user",
        lifetime: int = 3600,
        key: SigningKey | None = None,
        **extra: Any,
    ) -> str:
        """A token as Teams SSO would hand the tab; pass another ``key`` to forge one."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "aud": audience,
            "iss": self.issuer_v2(tenant_id) if version == "2.0" else self.issuer_v1(tenant_id),
            "iat": now - 5,
            "nbf": now - 5,
            "exp": now + lifetime,
            "tid": tenant_id,
            "oid": object_id,
            "scp": scope,
            "ver": version,
            "name": "Test User",
            "preferred_username": "user@tenant.example",
        }
        claims.update(extra)
        signer = key or self.keys[0]
        return jwt.encode(claims, signer.private, algorithm="RS256", headers={"kid": signer.kid})
