"""`nurture manifest build` end to end, as an admin runs it: settings from NURTURE_* variables."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.manifest.conftest import BOT_APP_ID, CLIENT_ID, HOST, TEAMS_APP_ID

ROOT = Path(__file__).resolve().parents[2]


def _nurture(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    # Only the variables given here: none of the developer's own NURTURE_* settings leak in, and the
    # working directory has no .env file.
    clean = {key: value for key, value in os.environ.items() if not key.startswith("NURTURE_")}
    clean["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "app.cli", "manifest", "build", *args],
        cwd=cwd,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_manifest_build_writes_the_package(tmp_path: Path) -> None:
    done = _nurture(
        tmp_path,
        "--out",
        "out",
        "--version",
        "2.3.4",
        "--privacy-url",
        "https://contoso.example/privacy",
        NURTURE_PUBLIC_URL=f"https://{HOST}/",
        NURTURE_TEAMS_APP_ID=TEAMS_APP_ID,
        NURTURE_BOT_APP_ID=BOT_APP_ID,
        NURTURE_ENTRA_CLIENT_ID=CLIENT_ID,
    )
    assert done.returncode == 0, done.stderr
    package = tmp_path / "out" / "nurture-2.3.4.zip"
    assert str(Path("out") / "nurture-2.3.4.zip") in done.stderr.replace("\n", "")
    with zipfile.ZipFile(package) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest == json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert (manifest["id"], manifest["version"]) == (TEAMS_APP_ID, "2.3.4")
    assert manifest["developer"]["privacyUrl"] == "https://contoso.example/privacy"
    assert manifest["webApplicationInfo"]["resource"] == f"api://{HOST}/{CLIENT_ID}"


def test_manifest_build_names_every_missing_setting(tmp_path: Path) -> None:
    done = _nurture(tmp_path, "--out", "out", NURTURE_BOT_APP_ID=BOT_APP_ID)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    for name in ("NURTURE_PUBLIC_URL", "NURTURE_TEAMS_APP_ID", "NURTURE_ENTRA_CLIENT_ID"):
        assert name in done.stderr
    assert "NURTURE_BOT_APP_ID" not in done.stderr
    assert not (tmp_path / "out").exists()


def test_allow_local_builds_a_package_for_the_local_default_url(tmp_path: Path) -> None:
    done = _nurture(
        tmp_path,
        "--out",
        "out",
        "--allow-local",
        NURTURE_TEAMS_APP_ID=TEAMS_APP_ID,
        NURTURE_BOT_APP_ID=BOT_APP_ID,
        NURTURE_ENTRA_CLIENT_ID=CLIENT_ID,
    )
    assert done.returncode == 0, done.stderr
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["validDomains"] == ["127.0.0.1:3978"]
