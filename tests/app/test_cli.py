"""The `nurture` command, run as a real subprocess against real databases."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def nurture(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NURTURE_")}
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_db_upgrade_is_idempotent_and_honours_database_url(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    for _ in range(2):
        result = nurture("db", "upgrade", "--database-url", url, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
    assert (tmp_path / "cli.db").stat().st_size > 0
    assert not (tmp_path / "nurture.db").exists(), "the default database was not touched"


def test_commands_without_a_tenant_say_what_to_do(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert nurture("db", "upgrade", "--database-url", url, cwd=tmp_path).returncode == 0
    result = nurture("score", "recompute", "--database-url", url, cwd=tmp_path)
    assert result.returncode == 2
    assert "no tenant yet" in result.stderr
    assert "Traceback" not in result.stderr


def test_import_of_a_missing_or_oversized_file_fails_cleanly(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert nurture("db", "upgrade", "--database-url", url, cwd=tmp_path).returncode == 0
    missing = nurture("import", "leads", str(tmp_path / "nope.csv"), "--database-url", url, cwd=tmp_path)
    assert missing.returncode == 2 and "no such file" in missing.stderr
    big = tmp_path / "big.csv"
    with big.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    oversized = nurture("import", "leads", str(big), "--database-url", url, cwd=tmp_path)
    assert oversized.returncode == 2
    assert "50.0 MB" in oversized.stderr and "limit is 20.0 MB" in oversized.stderr


@pytest.mark.parametrize("argv", [["import"], ["db"], ["bogus"]])
def test_usage_errors_exit_with_status_2(tmp_path: Path, argv: list[str]) -> None:
    result = nurture(*argv, cwd=tmp_path)
    assert result.returncode == 2 and "usage:" in result.stderr
