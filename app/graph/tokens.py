"""Graph tokens from msal: on behalf of the tab's user (delegated, the default) or for the app itself.

msal is synchronous, so every call runs in a worker thread. One msal application per tenant keeps its
own token cache, so one tenant's tokens are never looked up for another."""

from __future__ import annotations

import asyncio
import threading
from typing import Any
from urllib.parse import urlencode

import msal
import requests

from app.config import Settings
from app.graph.limiter import GraphLimiter

DELEGATED_SCOPES = (
    "https://graph.microsoft.com/Mail.Read",
    "https://graph.microsoft.com/Chat.Read",
    "https://graph.microsoft.com/User.Read",
    "https://graph.microsoft.com/MailboxSettings.Read",
)
APPLICATION_SCOPES = ("https://graph.microsoft.com/.default",)
# AADSTS65001: the user or an admin has not consented to the app using these permissions.
CONSENT_ERROR_CODES = frozenset({65001, 65004})


class GraphAuthError(Exception):
    """No Graph token; ``code`` is Entra ID's error, safe to show."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class ConsentRequired(GraphAuthError):
    """Delegated consent is missing: an admin must grant it at ``admin_consent_url``."""

    def __init__(self, admin_consent_url: str) -> None:
        super().__init__("consent_required")
        self.admin_consent_url = admin_consent_url


class GraphTokens:
    """Token source for Graph calls, configured from settings. Build it off the event loop: it may read a
    certificate file."""

    def __init__(self, settings: Settings) -> None:
        self._client_id = settings.entra_client_id or ""
        # A certificate is preferred over a secret when both are set: it cannot leak through a config dump.
        self._credential: str | dict[str, str] | None = None
        if settings.graph_certificate_file and settings.graph_certificate_thumbprint:
            with open(settings.graph_certificate_file, encoding="utf-8") as pem:
                self._credential = {
                    "private_key": pem.read(),
                    "thumbprint": settings.graph_certificate_thumbprint.replace(":", "").upper(),
                }
        elif settings.graph_client_secret:
            self._credential = settings.graph_client_secret.get_secret_value()
        self._authority = settings.graph_authority.rstrip("/")
        self._http = requests.Session()
        self._http.trust_env = settings.tls_ca_file is None
        if settings.tls_ca_file:
            self._http.verify = settings.tls_ca_file
        self._apps: dict[str, msal.ConfidentialClientApplication] = {}
        self._lock = threading.Lock()
        # Graph's concurrency limit belongs to the app id these credentials stand for, so the one token
        # source of the process carries the one budget every Graph caller draws on.
        self.limiter = GraphLimiter(settings.graph_app_concurrency)

    @property
    def configured(self) -> bool:
        """Whether Graph can be reached at all: an app registration with a secret."""
        return bool(self._client_id and self._credential)

    def admin_consent_url(self, tenant_id: str) -> str:
        """Where an admin grants the delegated permissions for the whole tenant."""
        query = urlencode({"client_id": self._client_id})
        return f"{self._authority}/{tenant_id}/adminconsent?{query}"

    def _app(self, tenant_id: str) -> msal.ConfidentialClientApplication:
        with self._lock:
            app = self._apps.get(tenant_id)
            if app is None:
                app = msal.ConfidentialClientApplication(
                    self._client_id,
                    client_credential=self._credential,
                    authority=f"{self._authority}/{tenant_id}",
                    http_client=self._http,
                    instance_discovery=False,
                    validate_authority=False,
                    token_cache=msal.TokenCache(),
                )
                self._apps[tenant_id] = app
            return app

    def _result(self, tenant_id: str, result: dict[str, Any] | None) -> str:
        if result and result.get("access_token"):
            return str(result["access_token"])
        result = result or {}
        codes = set(result.get("error_codes") or [])
        if result.get("suberror") == "consent_required" or codes & CONSENT_ERROR_CODES:
            raise ConsentRequired(self.admin_consent_url(tenant_id))
        raise GraphAuthError(str(result.get("error") or "no_token"))

    async def on_behalf_of(self, *, tenant_id: str, user_assertion: str) -> str:
        """A delegated Graph token for the user whose SSO token the tab sent."""
        app = self._app(tenant_id)
        result = await asyncio.to_thread(
            app.acquire_token_on_behalf_of, user_assertion, scopes=list(DELEGATED_SCOPES)
        )
        return self._result(tenant_id, result)

    async def for_application(self, *, tenant_id: str) -> str:
        """An application token (client credentials) for background sync of team mailboxes."""
        app = self._app(tenant_id)
        result = await asyncio.to_thread(app.acquire_token_for_client, scopes=list(APPLICATION_SCOPES))
        return self._result(tenant_id, result)
