"""`nurture serve` refuses unsafe or unworkable settings, naming each one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from app.config import Settings
from app.startup_checks import problems

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION: dict[str, Any] = {
    "bot_app_id": "6f1c2d3e-0000-4000-8000-00000000b07a",
    "bot_app_type": "SingleTenant",
    "bot_tenant_id": "3f2c1d9e-7b4a-4e2f-9c1d-0de70de70de7",
    "bot_app_password": "s3cret",
    "entra_client_id": "5b1b0a9e-0000-4000-8000-0000000000aa",
    "public_url": "https://nurture.fertigwerk.example",
    "host": "0.0.0.0",
    "local_mode": False,
}


def _settings(**changes: Any) -> Settings:
    return Settings(**{**PRODUCTION, **changes})


def test_a_complete_production_configuration_passes() -> None:
    assert problems(_settings()) == []


def test_local_mode_on_loopback_passes() -> None:
    assert problems(Settings(host="127.0.0.1", local_mode=True)) == []
    assert problems(Settings(host="::1", local_mode=True)) == []


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        (
            {
                "bot_app_id": None,
                "entra_client_id": None,
                "local_mode": True,
                "public_url": "http://127.0.0.1",
            },
            "NURTURE_HOST=0.0.0.0",
        ),  # dev sign-in off loopback
        ({"bot_app_id": None}, "NURTURE_BOT_APP_ID"),  # unauthenticated bot traffic
        ({"entra_client_id": None}, "NURTURE_ENTRA_CLIENT_ID"),
        ({"bot_app_password": None}, "NURTURE_BOT_APP_PASSWORD"),  # a missing secret
        (
            {
                "bot_app_password": None,
                "bot_certificate_file": "/nonexistent.pem",
                "bot_certificate_thumbprint": "AB",
            },
            "NURTURE_BOT_CERTIFICATE_FILE",
        ),
        ({"bot_tenant_id": None}, "NURTURE_BOT_TENANT_ID"),
        ({"public_url": "http://nurture.fertigwerk.example"}, "NURTURE_PUBLIC_URL"),
        ({"public_url": "https://127.0.0.1"}, "NURTURE_PUBLIC_URL"),
        ({"bot_openid_metadata_url": "http://login.example/meta"}, "NURTURE_BOT_OPENID_METADATA_URL"),
    ],
)
def test_each_unsafe_setting_is_refused_by_name(changes: dict[str, Any], named: str) -> None:
    found = problems(_settings(**changes))
    assert len(found) == 1 and named in found[0], found


def test_several_problems_are_all_named() -> None:
    found = problems(_settings(bot_app_password=None, entra_client_id=None, public_url="http://x.example"))
    assert [p.split(" ")[0] for p in found] == [
        "NURTURE_ENTRA_CLIENT_ID",
        "NURTURE_BOT_APP_PASSWORD",
        "NURTURE_PUBLIC_URL=http://x.example",
    ]


def test_a_managed_identity_needs_no_secret() -> None:
    assert problems(_settings(bot_app_type="UserAssignedMSI", bot_app_password=None)) == []


def test_serve_refuses_to_start_and_says_why(tmp_path: Path) -> None:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("NURTURE_")}
    environment.update(
        NURTURE_HOST="0.0.0.0",
        NURTURE_BOT_APP_ID=PRODUCTION["bot_app_id"],
        NURTURE_BOT_TENANT_ID=PRODUCTION["bot_tenant_id"],
        NURTURE_ENTRA_CLIENT_ID=PRODUCTION["entra_client_id"],
        NURTURE_PUBLIC_URL=PRODUCTION["public_url"],
        NURTURE_DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}",
    )
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "serve"],
        cwd=tmp_path,
        env=environment | {"PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    said = result.stdout + result.stderr
    assert "refusing to start" in said and "NURTURE_BOT_APP_PASSWORD" in said
    assert "s3cret" not in said
