"""Schemathesis fuzzes every documented route of a real server, with valid and invalid data and along the
OpenAPI links (stateful): no 5xx, invalid data is refused, and responses match the schema."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from app.db import create_sessionmaker, engine_for_url
from tests.factories import Org, make_org


def _org(url: str) -> Org:
    async def build() -> Org:
        engine = engine_for_url(url)
        try:
            return await make_org(create_sessionmaker(engine))
        finally:
            await engine.dispose()

    return asyncio.run(build())


def test_schemathesis_finds_no_server_errors(sqlite_template: Path, tmp_path: Path) -> None:
    database = tmp_path / "fuzz.db"
    shutil.copyfile(sqlite_template, database)
    url = f"sqlite:///{database}"
    org = _org(url)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("NURTURE_")}
    env["NURTURE_SCHEDULER_ENABLED"] = "false"
    env["NURTURE_LOCAL_MODE"] = "true"  # the Dev sign-in below
    log = (tmp_path / "server.log").open("wb")  # a file, not a pipe: a full pipe would stall the server
    server = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--database-url", url, "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2).close()
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "server did not start"
                time.sleep(0.2)
        assert org.admin is not None
        run = subprocess.run(
            [
                str(Path(sys.executable).parent / "schemathesis"),
                "run",
                f"{base}/api/v1/openapi.json",
                "--header",
                f"Authorization: Dev {org.tenant_id} {org.admin.email}",
                "--checks",
                "not_a_server_error,response_schema_conformance,negative_data_rejection",
                # Examples, schema coverage and fuzzing per operation, then stateful runs along the
                # document's links: create a lead, then read, change, assign and hand it off.
                "--phases",
                "examples,coverage,fuzzing,stateful",
                # Valid and invalid data for every operation: invalid data must get a 4xx, never a 5xx.
                "--mode",
                "all",
                "--max-examples",
                "15",
                "--generation-deterministic",
                "--no-color",
            ],
            capture_output=True,
            text=True,
            timeout=600,
        )
        failures = run.stdout.find("FAILURES")
        assert run.returncode == 0, run.stdout[max(failures, 0) :][:8000] + run.stderr[-2000:]
        # The summary marks each phase that ran and passed; a phase skipped for want of links would not be.
        passed = {line.split()[-1] for line in run.stdout.splitlines() if "\u2705" in line}
        assert {"Coverage", "Fuzzing", "Stateful"} <= passed, run.stdout[-3000:]
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()
    errors = (tmp_path / "server.log").read_text(encoding="utf-8", errors="replace")
    # aiohttp itself logs malformed header values it refuses with 400; no traceback may pass through our code.
    ours = str(Path(__file__).resolve().parents[2] / "app") + "/"
    assert ours not in errors, errors[errors.find(ours) - 2000 :][:4000]
