"""Every card written by `nurture cards sample` parses cleanly in Microsoft's Adaptive Cards renderer."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cards.samples import sample_cards

ROOT = Path(__file__).resolve().parents[2]
RENDERER = Path(__file__).resolve().parent / "renderer"
IN_CI = os.environ.get("CI", "").lower() == "true"


def _node_or_skip() -> str:
    node = shutil.which("node")
    installed = (RENDERER / "node_modules" / "adaptivecards" / "package.json").is_file()
    if node is not None and installed:
        return node
    reason = (
        "node is not on PATH"
        if node is None
        else f"the renderer is not installed: cd {RENDERER.relative_to(ROOT)} && npm install"
    )
    if IN_CI:
        pytest.fail(f"CI must run the renderer check, but {reason}")
    pytest.skip(reason)


def test_official_renderer_parses_every_sample_without_errors_or_warnings(tmp_path: Path) -> None:
    node = _node_or_skip()
    env = {key: value for key, value in os.environ.items() if not key.startswith("NURTURE_")}
    written = subprocess.run(
        [sys.executable, "-m", "app.cli", "cards", "sample", "--out", str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert written.returncode == 0, written.stderr
    expected = {f"{kind}.{locale}.json" for kind, locale, _ in sample_cards()}
    assert {path.name for path in tmp_path.glob("*.json")} == expected
    assert f"wrote {len(expected)} card(s)" in written.stderr

    checked = subprocess.run(
        [node, str(RENDERER / "check-cards.js"), "--json", str(tmp_path)],
        cwd=RENDERER,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert checked.stdout, checked.stderr
    report = json.loads(checked.stdout)
    assert report["files"] == len(expected)
    problems = {name: events for name, events in report["report"].items() if events}
    assert problems == {}
    assert checked.returncode == 0, checked.stderr


def test_renderer_check_reports_what_it_finds(tmp_path: Path) -> None:
    # Guards the guard: a broken card must produce events, or the test above would prove nothing.
    node = _node_or_skip()
    broken = {
        "type": "AdaptiveCard",
        "version": "1.5",
        "body": [
            {"type": "Badge", "text": "new"},
            {"type": "Input.Text", "id": "x", "isRequired": True},
            {"type": "Chart.HorizontalBar", "data": [{"x": "MQL", "y": 3}]},
        ],
    }
    (tmp_path / "broken.json").write_text(json.dumps(broken), encoding="utf-8")
    checked = subprocess.run(
        [node, str(RENDERER / "check-cards.js"), "--json", str(tmp_path)],
        cwd=RENDERER,
        capture_output=True,
        text=True,
        timeout=120,
    )
    events = {event["event"] for event in json.loads(checked.stdout)["report"]["broken.json"]}
    assert {"UnknownElementType", "RequiredInputsShouldHaveLabel", "ChartWithoutFallback"} <= events
    assert checked.returncode == 1
