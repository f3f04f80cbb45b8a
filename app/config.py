"""The one settings object, read from ``NURTURE_*`` environment variables or ``.env``."""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./nurture.db"


def normalise_database_url(url: str) -> str:
    """Map the URLs people paste (``postgresql://``, ``sqlite:///``) onto the async drivers we ship."""
    url = url.strip()
    for prefix, driver in (
        ("postgres://", "postgresql+asyncpg://"),
        ("postgresql://", "postgresql+asyncpg://"),
        ("postgresql+psycopg://", "postgresql+asyncpg://"),
        ("sqlite://", "sqlite+aiosqlite://"),
    ):
        if url.startswith(prefix):
            return driver + url[len(prefix) :]
    return url


class Settings(BaseSettings):
    """Everything Nurture can be configured with; each field is one ``NURTURE_<NAME>`` variable."""

    model_config = SettingsConfigDict(
        env_prefix="NURTURE_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str = Field(
        DEFAULT_DATABASE_URL,
        description="SQLAlchemy URL. SQLite file by default; postgresql://... for PostgreSQL.",
    )
    local_mode: bool = Field(
        False,
        description="Dev shortcuts for this machine only: the tab's dev sign-in and unauthenticated "
        "Emulator/Playground traffic, from loopback. `make demo` and the tests set it; a deployed server "
        "must not. Refused with an https public URL, a non-loopback bind or a trusted proxy.",
    )
    trusted_proxies: str | None = Field(
        None,
        description="Reverse proxies (addresses or networks, comma-separated) whose X-Forwarded-For names "
        "the client; forwarded headers from anyone else are ignored.",
    )
    host: str = Field("127.0.0.1", description="Interface `nurture serve` listens on.")
    port: int = Field(3978, ge=1, le=65535, description="Port `nurture serve` listens on.")
    log_level: str = Field("INFO", description="Python logging level.")
    db_pool_size: int = Field(10, ge=1, description="PostgreSQL connection pool size per process.")
    import_max_bytes: int = Field(
        20 * 1024 * 1024, ge=1024, description="Largest CSV file `nurture import leads` accepts."
    )
    scheduler_interval_seconds: float = Field(
        30.0, gt=0, description="How often the scheduler looks for due follow-ups and SLA breaches."
    )
    scheduler_enabled: bool = Field(True, description="Run the scheduler inside `nurture serve`.")
    event_refresh_poll_seconds: float = Field(
        5.0,
        gt=0,
        description="How often each server looks for pending webhook events (202 Accepted) that no post "
        "woke it for: those stored by another instance or left by a restart.",
    )
    event_refresher: Literal["auto", "inline", "process"] = Field(
        "auto",
        description="Where pending webhook events are applied: `process` (a child process of "
        "`nurture serve`, at a lower CPU priority than the answers), `inline` (on the server's own event "
        "loop) or `auto` (process on PostgreSQL, inline on SQLite).",
    )
    event_refresh_processes: int = Field(
        1,
        ge=1,
        le=16,
        description="How many refresher processes each `nurture serve` starts when the refresher runs in "
        "processes; after a burst they apply the backlog on as many cores, and during one they take CPU "
        "from the answers.",
    )
    entra_client_id: str | None = Field(
        None, description="Application (client) id of the Entra ID app registration; unset means local mode."
    )
    entra_app_id_uri: str | None = Field(
        None, description="Application ID URI (api://<host>/<client-id>), the audience of v1 SSO tokens."
    )
    entra_tenant_id: str | None = Field(
        None, description="Restrict sign-in to this one tenant (single-tenant install); unset allows any."
    )
    sso_jwks_url: str = Field(
        "https://login.microsoftonline.com/common/discovery/v2.0/keys",
        description="Where Entra ID publishes its token signing keys.",
    )
    sso_issuers: str = Field(
        "https://login.microsoftonline.com/{tid}/v2.0,https://sts.windows.net/{tid}/",
        description="Accepted token issuers, comma-separated; {tid} is the token's tenant.",
    )
    tls_ca_file: str | None = Field(
        None,
        description="Extra CA bundle to trust for outgoing TLS (a corporate proxy, or the test doubles).",
    )

    public_url: str = Field(
        "http://127.0.0.1:3978",
        description="Where users reach this service; links in cards point here when no Teams app id is set.",
    )
    teams_app_id: str | None = Field(
        None, description="The Teams app (manifest) id; cards then deep-link into the tab inside Teams."
    )
    bot_app_id: str | None = Field(
        None, description="The bot's Microsoft App id; unset means local mode (Emulator/Playground)."
    )
    bot_app_type: Literal["MultiTenant", "SingleTenant", "UserAssignedMSI"] = Field(
        "SingleTenant", description="How the bot identity is registered in Entra ID."
    )
    bot_app_password: SecretStr | None = Field(
        None, description="Client secret of the bot's app registration."
    )
    bot_certificate_file: str | None = Field(
        None, description="PEM file with the certificate and private key, instead of a client secret."
    )
    bot_certificate_thumbprint: str | None = Field(None, description="SHA-1 thumbprint of that certificate.")
    bot_tenant_id: str | None = Field(None, description="Home tenant of a SingleTenant or MSI bot.")
    bot_openid_metadata_url: str = Field(
        "https://login.botframework.com/v1/.well-known/openidconfiguration",
        description="OpenID metadata of the Bot Connector service, whose keys sign incoming activities.",
    )
    bot_token_issuer: str = Field(
        "https://api.botframework.com", description="Issuer of the tokens the Bot Connector sends."
    )
    bot_login_url: str = Field(
        "https://login.microsoftonline.com",
        description="Entra ID authority host the bot gets its outgoing tokens from.",
    )
    bot_oauth_scope: str = Field(
        "https://api.botframework.com", description="Resource of the bot's outgoing tokens."
    )
    graph_client_secret: SecretStr | None = Field(
        None, description="Client secret of the Entra ID app (NURTURE_ENTRA_CLIENT_ID) for Graph tokens."
    )
    graph_certificate_file: str | None = Field(
        None, description="PEM with certificate and private key for Graph tokens, instead of the secret."
    )
    graph_certificate_thumbprint: str | None = Field(
        None, description="SHA-1 thumbprint of that certificate."
    )
    graph_authority: str = Field(
        "https://login.microsoftonline.com", description="Entra ID authority host for Graph tokens."
    )
    graph_base_url: str = Field("https://graph.microsoft.com/v1.0", description="Microsoft Graph endpoint.")
    graph_sync_stale_minutes: float = Field(
        15.0, gt=0, description="Opening a lead syncs its mail when the last sync is older than this."
    )
    graph_retention_days: int = Field(
        365, ge=1, description="Stored mail and chat previews older than this are deleted."
    )
    graph_background_sync: bool = Field(
        False, description="Application mode: sync every member's mailbox and mailbox settings periodically."
    )
    graph_background_minutes: float = Field(
        30.0, gt=0, description="How often the application-mode background sync runs per tenant."
    )
    graph_app_concurrency: int = Field(
        4,
        ge=1,
        description="Graph requests in flight at once from this instance; Outlook allows an app 4 in all, "
        "so with several instances give each its share.",
    )
    dispatcher_enabled: bool = Field(True, description="Send queued notifications from `nurture serve`.")
    dispatcher_lease_seconds: float = Field(
        90.0, gt=0, description="How long a claimed notice stays with one instance before another retries it."
    )
    dispatcher_per_tenant_rate: float = Field(
        49.0,
        gt=0,
        description="Sends per second per tenant; Teams allows an app 50, replies to users included, "
        "so one a second is left for those.",
    )
    dispatcher_concurrency: int = Field(
        16, ge=1, description="Sends under way at once per instance; raise it when Teams answers slowly."
    )

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: str | None) -> str | None:
        for item in (value or "").split(","):
            if item.strip():
                ip_network(item.strip())  # ValueError names the entry that is no address or network
        return value

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        return normalise_database_url(value)

    @property
    def is_sqlite(self) -> bool:
        """Whether the configured database is the embedded SQLite file."""
        return self.database_url.startswith("sqlite")

    @property
    def dev_shortcuts(self) -> bool:
        """Local mode asked for, with no Entra ID or bot app id: dev sign-in and unauthenticated bot
        traffic, from loopback only. Setting either id turns both shortcuts off."""
        return self.local_mode and not self.entra_client_id and not self.bot_app_id

    @property
    def proxy_networks(self) -> tuple[IPv4Network | IPv6Network, ...]:
        """The trusted reverse proxies as networks (a plain address is a network of one)."""
        items = (self.trusted_proxies or "").split(",")
        return tuple(ip_network(item.strip()) for item in items if item.strip())

    @property
    def issuer_templates(self) -> tuple[str, ...]:
        """Accepted SSO issuers, each with a {tid} placeholder."""
        return tuple(item.strip() for item in self.sso_issuers.split(",") if item.strip())

    def with_overrides(self, **changes: Any) -> Settings:
        """A copy with some fields replaced, validated like the original."""
        data = self.model_dump()
        data.update({k: v for k, v in changes.items() if v is not None})
        return Settings.model_validate(data)


def load_settings(env_file: Path | None = None, **overrides: Any) -> Settings:
    """Read settings from the environment (and ``.env``), then apply explicit overrides such as CLI flags."""
    kwargs: dict[str, Any] = {}
    if env_file is not None:
        kwargs["_env_file"] = env_file
    settings = Settings(**kwargs)
    return settings.with_overrides(**overrides) if overrides else settings
