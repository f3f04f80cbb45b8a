"""The one settings object: environment, .env, URL normalisation and validation."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from app.config import DEFAULT_DATABASE_URL, Settings, load_settings, normalise_database_url


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u:p@db:5432/nurture", "postgresql+asyncpg://u:p@db:5432/nurture"),
        ("postgres://u@db/nurture", "postgresql+asyncpg://u@db/nurture"),
        ("sqlite:///./x.db", "sqlite+aiosqlite:///./x.db"),
        ("postgresql+asyncpg://u@db/n", "postgresql+asyncpg://u@db/n"),
    ],
)
def test_database_urls_are_mapped_to_async_drivers(given: str, expected: str) -> None:
    assert normalise_database_url(given) == expected


def test_defaults_match_the_documented_ones(tmp_path: Path) -> None:
    settings = load_settings(env_file=tmp_path / "missing.env")
    assert (settings.database_url, settings.host, settings.port) == (DEFAULT_DATABASE_URL, "127.0.0.1", 3978)
    assert settings.is_sqlite


def test_environment_and_dotenv_are_read_and_overrides_win(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("NURTURE_PORT=4000\nNURTURE_HOST=0.0.0.0\n", encoding="utf-8")
    monkeypatch.setenv("NURTURE_HOST", "10.0.0.5")
    settings = load_settings(env_file=env_file)
    assert (settings.host, settings.port) == ("10.0.0.5", 4000), "the environment beats .env"
    assert load_settings(env_file=env_file, port=5000).port == 5000


def test_invalid_values_are_refused_with_the_field_named() -> None:
    with pytest.raises(ValidationError, match="port"):
        Settings(port=70000)
    with pytest.raises(ValidationError, match="scheduler_interval_seconds"):
        Settings(scheduler_interval_seconds=0)
