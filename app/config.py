"""The one settings object, read from ``NURTURE_*`` environment variables or ``.env``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, field_validator
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

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        return normalise_database_url(value)

    @property
    def is_sqlite(self) -> bool:
        """Whether the configured database is the embedded SQLite file."""
        return self.database_url.startswith("sqlite")

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
