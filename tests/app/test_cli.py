"""The `nurture` command, run as a real subprocess against real databases."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from sqlmodel import func, select

from app.api.openapi import build_openapi
from app.db import create_sessionmaker, engine_for_url, transaction
from app.models import Lead
from app.nurturing.enums import Lifecycle
from tests.factories import Org, make_org


def nurture(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NURTURE_")} | {
        "NURTURE_LOCAL_MODE": "true"
    }
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


def test_openapi_prints_the_served_document_without_a_server(tmp_path: Path) -> None:
    printed = nurture("openapi", cwd=tmp_path)
    assert printed.returncode == 0, printed.stderr
    document = json.loads(printed.stdout)
    assert document == build_openapi()
    assert "/api/v1/vocabulary" in document["paths"]
    assert nurture("openapi", "--out", str(tmp_path / "api.json"), cwd=tmp_path).returncode == 0
    assert json.loads((tmp_path / "api.json").read_text(encoding="utf-8")) == document
    assert not (tmp_path / "nurture.db").exists(), "no database is opened for it"


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


def _org_in(url: str) -> Org:
    async def build() -> Org:
        engine = engine_for_url(url)
        try:
            return await make_org(create_sessionmaker(engine))
        finally:
            await engine.dispose()

    return asyncio.run(build())


def _count_leads(url: str) -> int:
    async def count() -> int:
        engine = engine_for_url(url)
        try:
            async with create_sessionmaker(engine)() as session:
                return int((await session.exec(select(func.count()).select_from(Lead))).one())
        finally:
            await engine.dispose()

    return asyncio.run(count())


def test_import_reports_bad_rows_by_line_and_column_and_imports_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert nurture("db", "upgrade", "--database-url", url, cwd=tmp_path).returncode == 0
    _org_in(url)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "email,first_name,owner_email\n"
        "ok@kunde.example,Oskar,anna.rep@vendor.example\n"
        "not-an-address,Nina,\n"
        "ok@kunde.example,Otto,\n"
        "x@kunde.example,Xaver,ghost@vendor.example\n",
        encoding="utf-8",
    )
    result = nurture("import", "leads", str(bad), "--database-url", url, cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "line 3, column email" in result.stderr
    assert "line 4, column email" in result.stderr and "line 2" in result.stderr
    assert "line 5, column owner_email" in result.stderr
    assert "nothing imported" in result.stderr
    assert _count_leads(url) == 0


def test_import_then_export_round_trip_through_the_command(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert nurture("db", "upgrade", "--database-url", url, cwd=tmp_path).returncode == 0
    org = _org_in(url)
    good = tmp_path / "good.csv"
    good.write_text(
        "email,first_name,last_name,company,company_domain,country,owner_email,topics\n"
        "jana@werk.example,Jana,Weiß,Werk GmbH,werk.example,DE,anna.rep@vendor.example,maintenance;oee\n"
        "tom@brew.example,Tom,Reid,Brew Ltd,brew.example,GB,,\n",
        encoding="utf-8",
    )
    result = nurture(
        "import", "leads", str(good), "--database-url", url, "--tenant", org.tenant_id, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert "imported 2 lead(s)" in result.stderr
    out = tmp_path / "export.csv"
    exported = nurture("export", "leads", "--database-url", url, "--out", str(out), cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    text = out.read_text(encoding="utf-8")
    assert "jana@werk.example" in text and "Weiß" in text and "tom@brew.example" in text
    recomputed = nurture("score", "recompute", "--database-url", url, cwd=tmp_path)
    assert recomputed.returncode == 0 and "recomputed 2 lead(s)" in recomputed.stderr

    erased = nurture("lead", "erase", "jana@werk.example", "--database-url", url, cwd=tmp_path)
    assert erased.returncode == 0 and "erased" in erased.stdout + erased.stderr, erased.stderr
    assert _count_leads(url) == 1
    again = nurture("lead", "erase", "jana@werk.example", "--database-url", url, cwd=tmp_path)
    assert again.returncode == 2 and "no lead with the address" in again.stdout + again.stderr


def test_serve_answers_health_checks(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    assert nurture("db", "upgrade", "--database-url", url, cwd=tmp_path).returncode == 0
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("NURTURE_")} | {
        "NURTURE_LOCAL_MODE": "true"
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--database-url", url, "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as response:
                    body = json.loads(response.read())
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        assert body["status"] == "ready"
    finally:
        server.terminate()
        server.wait(timeout=20)


def _org_with_an_orphan(url: str) -> Org:
    """An org whose one open lead has no owner: the health check's owner line is red."""

    async def build() -> Org:
        engine = engine_for_url(url)
        try:
            sessions = create_sessionmaker(engine)
            org = await make_org(sessions)
            async with transaction(sessions) as session:
                session.add(
                    Lead(
                        tenant_id=org.tenant_id,
                        email="otto.orphan@kunde.example",
                        first_name="Otto",
                        last_name="Orphan",
                        lifecycle=Lifecycle.SAL,
                    )
                )
            return org
        finally:
            await engine.dispose()

    return asyncio.run(build())


def test_health_prints_a_table_for_people_and_json_for_machines(database_url: str, tmp_path: Path) -> None:
    org = _org_with_an_orphan(database_url)
    _org_in(database_url)  # a second tenant: the command must be told which one
    ambiguous = nurture("health", "--database-url", database_url, cwd=tmp_path)
    assert ambiguous.returncode == 2 and "--tenant" in ambiguous.stderr

    table = nurture("health", "--database-url", database_url, "--tenant", org.tenant_id, cwd=tmp_path)
    assert table.returncode == 0, table.stderr
    assert "Practice health, last 90 days" in table.stdout
    owner_row = next(line for line in table.stdout.splitlines() if "Leads without an owner" in line)
    assert "RED" in owner_row and "1 of 1" in owner_row and "Otto Orphan" in owner_row
    assert "GREEN" in table.stdout

    machine = nurture(
        "health",
        "--database-url",
        database_url,
        "--tenant",
        org.tenant_id,
        "--days",
        "30",
        "--json",
        cwd=tmp_path,
    )
    assert machine.returncode == 0, machine.stderr
    document = json.loads(machine.stdout)
    assert document["days"] == 30 and document["light"] == "red"
    lines = {line["check"]: line for line in document["lines"]}
    assert [lead["name"] for lead in lines["leads_without_owner"]["leads"]] == ["Otto Orphan"]
    assert lines["dormant_leads"]["light"] == "green"

    refused = nurture(
        "health", "--database-url", database_url, "--tenant", org.tenant_id, "--days", "0", cwd=tmp_path
    )
    assert refused.returncode == 2 and "--days must be between 1 and 730" in refused.stderr


def test_dry_run_prints_mapping_counts_and_problems_and_writes_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert nurture("db", "upgrade", "--database-url", url, cwd=tmp_path).returncode == 0
    org = _org_in(url)
    export = tmp_path / "hubspot.csv"
    export.write_text(
        '"Record ID","First Name","Last Name","Email","Job Title","Company Name","Country/Region",'
        '"Industry","Lifecycle Stage","Contact owner","Stufe intern"\n'
        '"1","Jana","Weiß","jana@werk.example","CTO","Werk GmbH","Deutschland","","Lead","","A"\n'
        '"2","Tom","Reid","tom@brew.example","","Brew Ltd","Frankreich","","Kunde?","","B"\n',
        encoding="cp1252",
    )
    mapping = tmp_path / "mapping.txt"
    mapping.write_text("# our own column\nStufe intern=custom.stufe\n", encoding="utf-8")
    common = ["--database-url", url, "--tenant", org.tenant_id]
    dry = nurture(
        "import", "leads", str(export), "--dry-run", "--mapping-file", str(mapping), *common, cwd=tmp_path
    )
    assert dry.returncode == 1, dry.stderr
    out = dry.stdout + dry.stderr
    assert "CSV, Windows-1252, comma-separated; layout: HubSpot contacts" in out
    assert "Contact owner -> owner" in out and "Stufe intern -> custom.stufe" in out
    assert "line 3, column Lifecycle Stage: 'Kunde?' is not a lifecycle stage" in out
    assert "dry run, nothing written: would create 1, update 0, skip 1" in out
    assert _count_leads(url) == 0
    fixed = nurture(
        "import",
        "leads",
        str(export),
        "--map",
        "Lifecycle Stage=ignore",
        "--keep-unmapped",
        *common,
        cwd=tmp_path,
    )
    assert fixed.returncode == 0, fixed.stderr
    assert "created 2, updated 0" in fixed.stdout + fixed.stderr
    again = nurture("import", "leads", str(export), "--map", "Lifecycle Stage=ignore", *common, cwd=tmp_path)
    assert "created 0, updated 2" in again.stdout + again.stderr
    assert _count_leads(url) == 2
