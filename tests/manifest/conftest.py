"""Settings for a real, installable package: an https host and the three ids Teams needs."""

from __future__ import annotations

from typing import Any

import pytest

from app.config import Settings
from app.manifest_build import ManifestValues, manifest_values

HOST = "nurture.contoso.example"
TEAMS_APP_ID = "6f1c9d0e-3b7a-4c52-9e1f-2a8b7c6d5e40"
BOT_APP_ID = "0b6e2f3a-9c41-4d8e-a7b5-1c2d3e4f5a60"
CLIENT_ID = "d2a4c6e8-1b3d-4f5a-8c7e-9a0b1c2d3e4f"


def make_settings(**changes: Any) -> Settings:
    """Complete settings; explicit values win over any NURTURE_* variable in the test environment."""
    values: dict[str, Any] = {
        "public_url": f"https://{HOST}",
        "teams_app_id": TEAMS_APP_ID,
        "bot_app_id": BOT_APP_ID,
        "entra_client_id": CLIENT_ID,
        "entra_app_id_uri": None,
    }
    values.update(changes)
    return Settings(_env_file=None, **values)


@pytest.fixture
def values() -> ManifestValues:
    return manifest_values(make_settings(), version="1.4.2")
