"""A loopback stand-in for Entra ID and the Bot Framework token service, over real TLS (trustme).

It serves:

- Entra ID OpenID metadata and JWKS, and signs Teams SSO tokens for the tab (``token``);
- the Bot Framework channel's OpenID metadata and a JWKS whose keys carry ``endorsements``, and signs the
  tokens the Bot Connector service sends to a bot (``bot_token``), so botframework-connector's own
  validation runs unchanged;
- a client-credentials token endpoint that msal can use as its authority, for the bot's outgoing tokens;
- the on-behalf-of grant on the same endpoint: the tab's SSO token in, a delegated Microsoft Graph token
  out, or Entra ID's ``consent_required`` answer for users and tenants marked by ``withhold_consent``.

It runs its own event loop in a thread, because some Microsoft libraries fetch keys with blocking calls
and would deadlock against a double on their own loop."""

from __future__ import annotations

import asyncio
import base64
import json
import ssl
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
import trustme
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

# What login.botframework.com publishes today: each key lists the channels it may sign for, and
# botframework-connector refuses a key whose endorsements lack the activity's channelId.
DEFAULT_ENDORSEMENTS: tuple[str, ...] = ("msteams", "emulator", "webchat", "directline", "test")
# The issuer the real Bot Connector service puts into tokens for bots (the SDK's default
# TO_BOT_FROM_CHANNEL_TOKEN_ISSUER); it is a name, never fetched, so the double can use it as is.
BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"
# Issuers the SDK hard-codes for Emulator (and skill) tokens: the v1 and v2 issuers of the tenant the
# Bot Framework's own app registrations live in.
EMULATOR_ISSUER_V1 = "https://sts.windows.net/d6d49420-f39b-4df7-a1dc-d59a935871db/"
EMULATOR_ISSUER_V2 = "https://login.microsoftonline.com/d6d49420-f39b-4df7-a1dc-d59a935871db/v2.0"
# The resource (audience) of Microsoft Graph access tokens.
GRAPH_RESOURCE = "https://graph.microsoft.com"
# RFC 7523's grant type, which Entra ID uses for on-behalf-of (with ``requested_token_use=on_behalf_of``).
JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
# OpenID Connect scopes msal adds to every user-token request; Entra ID grants them without consent, and
# they name no resource.
OIDC_SCOPES = frozenset({"openid", "profile", "offline_access", "email"})


class SigningKey:
    """An RSA key pair with a key id, as Entra ID publishes them."""

    def __init__(self, kid: str | None = None) -> None:
        self.kid = kid or uuid.uuid4().hex[:16]
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwk(self) -> dict[str, Any]:
        document: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(self.private.public_key()))
        document.update(kid=self.kid, use="sig", alg="RS256")
        return document


@dataclass(frozen=True, slots=True)
class TokenGrant:
    """One call to the token endpoint and how it was answered."""

    tenant: str
    client_id: str | None
    scope: str | None
    status: int
    error: str | None
    # Added for the on-behalf-of grant; client-credentials grants keep the defaults.
    grant_type: str | None = None
    suberror: str | None = None
    object_id: str | None = None


class IdentityDouble:
    """Start with ``start()``; ``base_url`` is https on 127.0.0.1 and ``ca_file`` is the CA to trust."""

    def __init__(
        self,
        workdir: Path,
        *,
        bot_channel_issuer: str = BOT_FRAMEWORK_ISSUER,
        endorsements: Sequence[str] = DEFAULT_ENDORSEMENTS,
    ) -> None:
        self.ca = trustme.CA()
        self.ca_file = workdir / "identity-ca.pem"
        self.ca.cert_pem.write_to_path(str(self.ca_file))
        self._server_cert = self.ca.issue_cert("127.0.0.1", "localhost")
        self.keys = [SigningKey()]
        self.jwks_requests = 0
        # The Bot Framework signs with its own keys, not Entra ID's; keeping them apart means a test
        # cannot pass by accident with an SSO-signed token on the bot endpoint (or the other way round).
        self.bot_keys = [SigningKey()]
        self.endorsements: list[str] = list(endorsements)
        self.bot_channel_issuer = bot_channel_issuer
        self.bot_jwks_requests = 0
        self.clients: dict[str, str | None] = {}
        self.client_certificates: dict[str, Any] = {}
        self.token_requests = 0
        self.token_grants: list[TokenGrant] = []
        self.access_token_lifetime = 3600
        # On-behalf-of: delegated permissions consented per client and resource (what ``.default`` grants and
        # what an explicit scope must be in, once any consent is recorded), and the users and tenants whose
        # consent was withdrawn or never given.
        self.consents: dict[tuple[str, str], set[str]] = {}
        self.consent_missing_tenants: set[str] = set()
        self.consent_missing_users: set[str] = set()
        # Application permissions (the ``roles`` claim) a client gets in client-credentials tokens, per
        # resource: Microsoft Graph checks them in application mode.
        self.app_roles: dict[tuple[str, str], list[str]] = {}
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

    # --- Bot Framework side -------------------------------------------------------------------------

    @property
    def bot_channel_metadata_url(self) -> str:
        """Stands in for https://login.botframework.com/v1/.well-known/openidconfiguration."""
        return f"{self.base_url}/botframework/v1/.well-known/openidconfiguration"

    @property
    def bot_channel_jwks_url(self) -> str:
        return f"{self.base_url}/botframework/v1/.well-known/keys"

    @property
    def bot_emulator_metadata_url(self) -> str:
        """Stands in for https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration."""
        return f"{self.base_url}/common/v2.0/.well-known/openid-configuration"

    def authority(self, tenant: str = "botframework.com") -> str:
        """An msal authority on this double; the bot's outgoing tokens come from the botframework.com one."""
        return f"{self.base_url}/{tenant}"

    def token_endpoint(self, tenant: str = "botframework.com") -> str:
        return f"{self.authority(tenant)}/oauth2/v2.0/token"

    def rotate_bot_key(self) -> SigningKey:
        """Publish a new Bot Framework signing key (with the same endorsements)."""
        key = SigningKey()
        self.bot_keys.append(key)
        return key

    def bot_token(
        self,
        *,
        app_id: str,
        service_url: str,
        audience: str | None = None,
        issuer: str | None = None,
        lifetime: int = 3600,
        key: SigningKey | None = None,
        **extra: Any,
    ) -> str:
        """The token the Bot Connector service puts on an activity it posts to the bot ``app_id``.

        Real ones carry no ``ver`` or ``appid`` claim, which also keeps the SDK from taking them for
        skill tokens. Pass ``key=SigningKey()`` (not published) to forge the signature, a negative
        ``lifetime`` for an expired token, or ``extra`` claims (a ``None`` value removes a claim)."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "serviceurl": service_url,
            "nbf": now - 5,
            "iat": now - 5,
            "exp": now + lifetime,
            "iss": issuer if issuer is not None else self.bot_channel_issuer,
            "aud": audience if audience is not None else app_id,
        }
        claims.update(extra)
        claims = {name: value for name, value in claims.items() if value is not None}
        signer = key or self.bot_keys[0]
        return jwt.encode(claims, signer.private, algorithm="RS256", headers={"kid": signer.kid})

    def emulator_token(
        self,
        *,
        app_id: str,
        version: str = "1.0",
        lifetime: int = 3600,
        key: SigningKey | None = None,
        **extra: Any,
    ) -> str:
        """A token as the Bot Framework Emulator sends: an Entra ID token for the bot's own app id.

        The SDK recognises it by the hard-coded Bot Framework tenant issuers and checks it against
        the Entra ID keys (``bot_emulator_metadata_url``)."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "aud": app_id,
            "iss": EMULATOR_ISSUER_V1 if version == "1.0" else EMULATOR_ISSUER_V2,
            "iat": now - 5,
            "nbf": now - 5,
            "exp": now + lifetime,
            "ver": version,
            "appid" if version == "1.0" else "azp": app_id,
            "tid": "d6d49420-f39b-4df7-a1dc-d59a935871db",
        }
        claims.update(extra)
        signer = key or self.keys[0]
        return jwt.encode(claims, signer.private, algorithm="RS256", headers={"kid": signer.kid})

    # --- client credentials (msal) ------------------------------------------------------------------

    def add_client(self, client_id: str, secret: str) -> None:
        """Register an app registration that may get tokens with ``client_secret``."""
        self.clients[client_id] = secret

    def add_client_certificate(self, client_id: str, certificate_pem: bytes) -> None:
        """Let ``client_id`` prove itself with a certificate instead: a signed client assertion."""
        self.clients.setdefault(client_id, None)
        certificate = x509.load_pem_x509_certificate(certificate_pem)
        self.client_certificates[client_id] = certificate.public_key()

    def _client_proven(self, form: Any, client_id: str, tenant: str) -> bool:
        # Entra ID accepts a secret or a JWT signed with a registered certificate (RFC 7523).
        if _form_value(form, "client_assertion_type") == CLIENT_ASSERTION_TYPE:
            key = self.client_certificates.get(client_id)
            assertion = _form_value(form, "client_assertion") or ""
            if key is None:
                return False
            try:
                claims = jwt.decode(
                    assertion,
                    key,
                    algorithms=["RS256", "PS256"],
                    audience=self.token_endpoint(tenant),
                    options={"require": ["exp", "aud", "iss", "sub"]},
                )
            except jwt.PyJWTError:
                return False
            return bool(claims.get("iss") == claims.get("sub") == client_id)
        secret = self.clients.get(client_id)
        return secret is not None and _form_value(form, "client_secret") == secret

    def access_token(
        self,
        *,
        client_id: str,
        resource: str,
        tenant: str = "botframework.com",
        lifetime: int | None = None,
        key: SigningKey | None = None,
        **extra: Any,
    ) -> str:
        """An app-only (client credentials) v1 access token, as Entra ID issues for api.botframework.com."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "aud": resource,
            "iss": self.issuer_v1(tenant),
            "iat": now - 5,
            "nbf": now - 5,
            "exp": now + (self.access_token_lifetime if lifetime is None else lifetime),
            "appid": client_id,
            "appidacr": "1",
            "idtyp": "app",
            "tid": tenant,
            "ver": "1.0",
        }
        claims.update(extra)
        signer = key or self.keys[0]
        return jwt.encode(claims, signer.private, algorithm="RS256", headers={"kid": signer.kid})

    def access_token_check(
        self, *, audience: str, issuers: Iterable[str] | None = None
    ) -> Callable[[str], bool]:
        """A predicate for a server double (the Bot Connector double's ``require_token``): is this bearer
        token signed by one of the keys published now, unexpired, for ``audience`` and, when given, from
        one of ``issuers``? It checks in process, so a double on any loop can call it."""
        allowed = set(issuers) if issuers is not None else None

        def check(token: str) -> bool:
            try:
                kid = jwt.get_unverified_header(token).get("kid")
                key = next((k for k in self.keys if k.kid == kid), None)
                if key is None:
                    return False
                claims = jwt.decode(
                    token, key.private.public_key(), algorithms=["RS256"], audience=audience, leeway=30
                )
            except jwt.PyJWTError:
                return False
            return allowed is None or claims.get("iss") in allowed

        return check

    # --- server -------------------------------------------------------------------------------------

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
        app.router.add_get("/botframework/v1/.well-known/openidconfiguration", self._bot_metadata)
        app.router.add_get("/botframework/v1/.well-known/keys", self._bot_jwks)
        app.router.add_post("/{tenant}/oauth2/v2.0/token", self._token)
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
                # msal reads both endpoints from here when the authority points at this double.
                "token_endpoint": self.token_endpoint(tenant),
                "authorization_endpoint": f"{self.authority(tenant)}/oauth2/v2.0/authorize",
            }
        )

    async def _bot_metadata(self, _request: web.Request) -> web.Response:
        return web.json_response(
            {
                "issuer": self.bot_channel_issuer,
                "authorization_endpoint": "https://invalid.botframework.com",
                "jwks_uri": self.bot_channel_jwks_url,
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            }
        )

    async def _bot_jwks(self, _request: web.Request) -> web.Response:
        self.bot_jwks_requests += 1
        keys = [dict(key.jwk(), endorsements=list(self.endorsements)) for key in self.bot_keys]
        return web.json_response({"keys": keys})

    async def _token(self, request: web.Request) -> web.Response:
        self.token_requests += 1
        tenant = request.match_info["tenant"]
        form = await request.post()
        client_id = _form_value(form, "client_id")
        scope = _form_value(form, "scope")

        grant_type = _form_value(form, "grant_type")

        def refuse(
            status: int,
            error: str,
            code: int,
            text: str,
            *,
            suberror: str | None = None,
            object_id: str | None = None,
        ) -> web.Response:
            self.token_grants.append(
                TokenGrant(tenant, client_id, scope, status, error, grant_type, suberror, object_id)
            )
            # The shape Entra ID answers with; msal hands ``error`` and ``error_description`` back.
            body: dict[str, Any] = {
                "error": error,
                "error_description": f"AADSTS{code}: {text}",
                "error_codes": [code],
                "timestamp": time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime()),
                "trace_id": str(uuid.uuid4()),
                "correlation_id": str(uuid.uuid4()),
            }
            if suberror is not None:
                body.update(
                    suberror=suberror, error_uri=f"https://login.microsoftonline.com/error?code={code}"
                )
            return web.json_response(body, status=status)

        if grant_type == JWT_BEARER_GRANT:
            return self._on_behalf_of(tenant, form, refuse)
        if grant_type != "client_credentials":
            return refuse(400, "unsupported_grant_type", 7000218, "only client_credentials is served here.")
        if not client_id or client_id not in self.clients:
            return refuse(400, "unauthorized_client", 700016, f"Application '{client_id}' was not found.")
        if not self._client_proven(form, client_id, tenant):
            return refuse(401, "invalid_client", 7000215, "Invalid client secret provided.")
        scopes = (scope or "").split()
        resources = [item.removesuffix("/.default") for item in scopes if item.endswith("/.default")]
        if len(resources) != 1:
            return refuse(400, "invalid_scope", 1002012, "client credentials need one '<resource>/.default'.")
        self.token_grants.append(TokenGrant(tenant, client_id, scope, 200, None))
        lifetime = self.access_token_lifetime
        roles = self.app_roles.get((client_id, resources[0]))
        extra: dict[str, Any] = {"roles": list(roles)} if roles else {}
        token = self.access_token(client_id=client_id, resource=resources[0], tenant=tenant, **extra)
        grant = {"token_type": "Bearer", "expires_in": lifetime, "ext_expires_in": lifetime}
        return web.json_response(dict(grant, access_token=token))

    # --- on-behalf-of (the tab's SSO token exchanged for a Graph token) ------------------------------

    def consent(self, client_id: str, scopes: Iterable[str], *, resource: str = GRAPH_RESOURCE) -> None:
        """Record admin consent: ``client_id`` may act for users with these delegated permissions (short
        names, e.g. ``Mail.Read``) on ``resource``. Until a client has any consent recorded, explicit scopes
        are granted as asked, but ``.default`` is refused, as Entra ID refuses it without consent."""
        self.consents.setdefault((client_id, resource), set()).update(scopes)

    def withhold_consent(self, *, tenant_id: str | None = None, object_id: str | None = None) -> None:
        """From now on, on-behalf-of for this tenant (or user) gets ``consent_required`` (AADSTS65001)."""
        if tenant_id is not None:
            self.consent_missing_tenants.add(tenant_id)
        if object_id is not None:
            self.consent_missing_users.add(object_id)

    def restore_consent(self, *, tenant_id: str | None = None, object_id: str | None = None) -> None:
        """Undo ``withhold_consent``, as an admin granting consent would."""
        self.consent_missing_tenants.discard(tenant_id or "")
        self.consent_missing_users.discard(object_id or "")

    def grant_app_roles(
        self, client_id: str, roles: Iterable[str], *, resource: str = GRAPH_RESOURCE
    ) -> None:
        """Application permissions (``roles``) that client-credentials tokens for ``resource`` carry."""
        self.app_roles[(client_id, resource)] = list(roles)

    def _on_behalf_of(self, tenant: str, form: Any, refuse: Callable[..., web.Response]) -> web.Response:
        client_id = _form_value(form, "client_id")
        scope = _form_value(form, "scope")
        if _form_value(form, "requested_token_use") != "on_behalf_of":
            return refuse(
                400, "invalid_request", 900144, "The request body must contain 'requested_token_use'."
            )
        if not client_id or client_id not in self.clients:
            return refuse(400, "unauthorized_client", 700016, f"Application '{client_id}' was not found.")
        if not self._client_proven(form, client_id, tenant):
            return refuse(401, "invalid_client", 7000215, "Invalid client secret provided.")
        claims, problem = self._assertion_claims(_form_value(form, "assertion") or "", client_id)
        if claims is None:
            return refuse(400, "invalid_grant", *problem)
        object_id, tenant_id = str(claims.get("oid", "")), str(claims.get("tid", ""))

        # Entra ID grants the OpenID scopes on their own; every other scope must name one resource.
        wanted = [item for item in (scope or "").split() if item not in OIDC_SCOPES]
        resources = {item.rsplit("/", 1)[0] if "/" in item else GRAPH_RESOURCE for item in wanted}
        if len(resources) != 1:
            return refuse(
                400, "invalid_scope", 70011, "The provided value for 'scope' must name exactly one resource."
            )
        resource = resources.pop()
        names = [item.rsplit("/", 1)[-1] for item in wanted]
        consented = self.consents.get((client_id, resource))
        missing = tenant_id in self.consent_missing_tenants or object_id in self.consent_missing_users
        if ".default" in names:
            granted = sorted(consented or ())
            missing = missing or not granted
        else:
            granted = names
            missing = missing or (consented is not None and not set(names) <= consented)
        if missing:
            # What Entra ID answers when the user or admin never consented to the middle tier's permissions;
            # the tab must then ask for consent interactively.
            return refuse(
                400,
                "invalid_grant",
                65001,
                f"The user or administrator has not consented to use the application with ID '{client_id}' "
                "named 'Nurture'. Send an interactive authorization request for this user and resource.",
                suberror="consent_required",
                object_id=object_id,
            )

        lifetime = self.access_token_lifetime
        # A delegated token names the user (oid, tid) and carries ``scp``, never ``roles``.
        user = {"name": claims.get("name"), "upn": claims.get("preferred_username")}
        token = self.access_token(
            client_id=client_id,
            resource=resource,
            tenant=tenant_id,
            idtyp="user",
            oid=object_id,
            scp=" ".join(granted),
            **{claim: value for claim, value in user.items() if value is not None},
        )
        self.token_grants.append(
            TokenGrant(tenant, client_id, scope, 200, None, JWT_BEARER_GRANT, None, object_id)
        )
        # client_info lets msal key its cache by the user, as with a real Entra ID answer.
        client_info = base64.urlsafe_b64encode(json.dumps({"uid": object_id, "utid": tenant_id}).encode())
        return web.json_response(
            {
                "token_type": "Bearer",
                "scope": " ".join(f"{resource}/{name}" for name in granted),
                "expires_in": lifetime,
                "ext_expires_in": lifetime,
                "access_token": token,
                "client_info": client_info.decode().rstrip("="),
            }
        )

    def _assertion_claims(
        self, assertion: str, client_id: str
    ) -> tuple[dict[str, Any] | None, tuple[int, str]]:
        """The user's token, if it is one this double signed for ``client_id``; else Entra ID's reason."""
        try:
            kid = jwt.get_unverified_header(assertion).get("kid")
        except jwt.PyJWTError:
            return None, (50027, "JWT token is invalid or malformed.")
        key = next((k for k in self.keys if k.kid == kid), None)
        if key is None:
            return None, (50013, "Assertion failed signature validation.")
        try:
            claims: dict[str, Any] = jwt.decode(
                assertion,
                key.private.public_key(),
                algorithms=["RS256"],
                options={"verify_aud": False},
                leeway=30,
            )
        except jwt.ExpiredSignatureError:
            return None, (500133, "Assertion is not within its valid time range.")
        except jwt.PyJWTError:
            return None, (50013, "Assertion failed signature validation.")
        audience = str(claims.get("aud", ""))
        # Teams SSO tokens name the app by its client id (v2) or its api://.../<client id> URI (v1).
        if audience != client_id and not (
            audience.startswith("api://") and audience.endswith(f"/{client_id}")
        ):
            return None, (
                50013,
                f"Assertion audience does not match the Client app presenting the assertion. The audience "
                f"in the assertion was '{audience}' and the expected audience is '{client_id}'.",
            )
        if not claims.get("oid") or not claims.get("tid"):
            return None, (50027, "JWT token is invalid or malformed.")
        return claims, (0, "")

    # --- Teams SSO (the tab) ------------------------------------------------------------------------

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


def _form_value(form: Any, name: str) -> str | None:
    value = form.get(name)
    return value if isinstance(value, str) else None
