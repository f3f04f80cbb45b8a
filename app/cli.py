"""The ``nurture`` command: serve, demo, migrations, CSV import/export, scores and the health check."""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from aiohttp import web
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from app.access_log import PathOnlyAccessLogger
from app.config import Settings, load_settings
from app.db import SessionMaker, create_engine, create_sessionmaker, transaction, upgrade_database
from app.observability import configure_logging
from app.server import create_app
from app.startup_checks import UnsafeSettings, ensure_safe

DEMO_DATABASE = "sqlite+aiosqlite:///./nurture-demo.db"

console = Console(stderr=True)


class CliError(Exception):
    """A problem the user can fix; printed without a traceback, exit status 2."""


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


def _now() -> datetime:
    return datetime.now(UTC)


async def _with_sessions(settings: Settings, work: Callable[[SessionMaker], Awaitable[Any]]) -> Any:
    engine = create_engine(settings)
    try:
        return await work(create_sessionmaker(engine))
    finally:
        await engine.dispose()


async def _resolve_tenant(sessions: SessionMaker, requested: str | None) -> str:
    from app.services.tenants import tenant_ids

    async with sessions() as session:
        known = list(await tenant_ids(session=session))
    if requested:
        if requested not in known:
            raise CliError(f"unknown tenant {requested!r}; known tenants: {', '.join(known) or 'none'}")
        return requested
    if len(known) == 1:
        return known[0]
    if not known:
        raise CliError(
            "the database has no tenant yet: install the Teams app, or run `nurture demo` for a demo tenant"
        )
    raise CliError(f"several tenants exist, choose one with --tenant: {', '.join(known)}")


# --- commands -------------------------------------------------------------------------------------------


def cmd_db_upgrade(settings: Settings, _args: argparse.Namespace) -> int:
    upgrade_database(settings.database_url)
    console.print("[green]database is at the newest migration[/green]")
    return 0


def _refuse_unsafe(settings: Settings) -> None:
    try:
        ensure_safe(settings)
    except UnsafeSettings as refused:
        lines = "\n".join(f"  - {problem}" for problem in refused.problems)
        raise CliError(f"refusing to start:\n{lines}") from refused


def cmd_serve(settings: Settings, _args: argparse.Namespace) -> int:
    _refuse_unsafe(settings)
    console.print(f"Nurture listening on http://{settings.host}:{settings.port}")
    web.run_app(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        print=None,
        access_log_class=PathOnlyAccessLogger,
    )
    return 0


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    from app.services.demo_seed import DEMO_TENANT_ID, seed_demo_tenant

    _refuse_unsafe(settings)
    upgrade_database(settings.database_url)

    async def seed(sessions: SessionMaker) -> Any:
        from app.services.tenants import tenant_ids

        async with sessions() as session:
            if DEMO_TENANT_ID in await tenant_ids(session=session):
                return None
        with _progress() as progress:
            task = progress.add_task("seeding demo tenant", total=None)
            return await seed_demo_tenant(
                sessions=sessions,
                now=_now(),
                rng=random.Random(args.seed),
                leads=args.leads,
                progress=lambda done, total: progress.update(task, completed=done, total=total),
            )

    summary = asyncio.run(_with_sessions(settings, seed))
    if summary is None:
        console.print("demo tenant already seeded; delete the database file to start over")
    else:
        console.print(f"[green]seeded[/green] {summary}")
    return cmd_serve(settings, args)


def cmd_import_leads(settings: Settings, args: argparse.Namespace) -> int:
    from app.importing.mapping import MappingProblem, parse_map_option
    from app.services.lead_import import ImportOptions, ImportRejected, import_leads
    from app.services.rescoring import settle_new_leads

    path = Path(args.file)
    if not path.is_file():
        raise CliError(f"no such file: {path}")
    size = path.stat().st_size
    if size > settings.import_max_bytes:
        raise CliError(
            f"{path} is {size / 1_048_576:.1f} MB; the limit is "
            f"{settings.import_max_bytes / 1_048_576:.1f} MB "
            "(NURTURE_IMPORT_MAX_BYTES). Split the file and import the parts."
        )
    explicit = dict(_read_mapping_file(Path(args.mapping_file))) if args.mapping_file else {}
    try:
        for text in args.map or []:
            source, target = parse_map_option(text)
            explicit[source] = target
    except MappingProblem as problem:
        raise CliError("; ".join(problem.problems)) from None
    options = ImportOptions(
        preset=args.preset,
        mapping=explicit,
        keep_unmapped=args.keep_unmapped,
        dry_run=args.dry_run,
        skip_invalid=args.skip_invalid,
    )

    async def run(sessions: SessionMaker) -> int:
        tenant_id = await _resolve_tenant(sessions, args.tenant)
        now = _now()
        # The file is read in a worker thread by the import; opening it is the one blocking call here.
        with path.open("rb") as stream, _progress() as progress:  # noqa: ASYNC230
            task = progress.add_task("checking leads" if args.dry_run else "importing leads", total=None)
            try:
                async with transaction(sessions) as session:

                    async def settle(ids: list[Any]) -> None:
                        await settle_new_leads(session=session, tenant_id=tenant_id, lead_ids=ids, now=now)

                    report = await import_leads(
                        session=session,
                        tenant_id=tenant_id,
                        stream=stream,
                        now=now,
                        max_bytes=settings.import_max_bytes,
                        options=options,
                        progress=lambda done, total: progress.update(task, completed=done, total=total),
                        after_batch=settle,
                    )
            except ImportRejected as rejected:
                progress.stop()
                if rejected.report is not None:
                    _print_report(rejected.report)
                _print_errors(rejected.errors)
                console.print(f"[red]nothing imported[/red]: {len(rejected.errors)} problem(s) found")
                return 1
        _print_report(report)
        _print_errors(report.errors)
        if report.more_errors:
            console.print(f"  … and {report.more_errors} more problem(s)")
        if args.dry_run:
            console.print(
                f"[cyan]dry run, nothing written[/cyan]: would create {report.created}, update "
                f"{report.updated}, skip {report.skipped}"
            )
            return 1 if report.errors else 0
        console.print(
            f"[green]imported {report.imported} lead(s)[/green]: created {report.created}, updated "
            f"{report.updated}, skipped {report.skipped}"
        )
        return 0

    result: int = asyncio.run(_with_sessions(settings, run))
    return result


def _read_mapping_file(path: Path) -> list[tuple[str, str]]:
    """A mapping file: one 'Source column=field' per line; blank lines and lines starting with # skipped."""
    from app.importing.mapping import MappingProblem, parse_map_option

    if not path.is_file():
        raise CliError(f"no such mapping file: {path}")
    pairs = []
    for text in path.read_text(encoding="utf-8-sig").splitlines():
        if text.strip() and not text.lstrip().startswith("#"):
            try:
                pairs.append(parse_map_option(text))
            except MappingProblem as problem:
                raise CliError(f"{path}: " + "; ".join(problem.problems)) from None
    return pairs


def _print_report(report: Any) -> None:
    read = f"{report.kind.upper()}"
    if report.encoding:
        read += f", {report.encoding}, {report.separator}-separated"
    layout = report.preset_label or "Nurture's own columns or your mapping"
    console.print(f"read as {read}; layout: {layout}", highlight=False)
    for column, target in report.mapping:
        shown = "[dim]ignored[/dim]" if target == "ignore" else target
        console.print(f"  {column or '(no name)'} -> {shown}", highlight=False)


def _print_errors(errors: Sequence[Any]) -> None:
    for error in errors[:200]:
        where = f"line {error.line}" + (f", column {error.column}" if error.column else "")
        console.print(f"  [yellow]{where}[/yellow]: {error.message}", highlight=False)
    if len(errors) > 200:
        console.print(f"  … and {len(errors) - 200} more")


def cmd_export_leads(settings: Settings, args: argparse.Namespace) -> int:
    from app.services.lead_export import export_leads_csv

    async def run(sessions: SessionMaker, out: TextIO) -> None:
        tenant_id = await _resolve_tenant(sessions, args.tenant)
        async with sessions() as session:
            async for chunk in export_leads_csv(session=session, tenant_id=tenant_id):
                await asyncio.to_thread(out.write, chunk)

    if args.out:
        with open(args.out, "w", encoding="utf-8", newline="") as out:
            asyncio.run(_with_sessions(settings, lambda sessions: run(sessions, out)))
    else:
        asyncio.run(_with_sessions(settings, lambda sessions: run(sessions, sys.stdout)))
    return 0


def cmd_graph_sync(settings: Settings, args: argparse.Namespace) -> int:
    from app.graph.batch_sync import sync_tenant
    from app.graph.client import tls_context
    from app.graph.tokens import GraphAuthError, GraphTokens
    from app.services.errors import NotFound
    from app.services.lead_queries import find_by_email

    tokens = GraphTokens(settings)
    if not tokens.configured:
        raise CliError("Graph is not configured: set NURTURE_ENTRA_CLIENT_ID and NURTURE_GRAPH_CLIENT_SECRET")

    async def run(sessions: SessionMaker) -> int:
        tenant_id = await _resolve_tenant(sessions, args.tenant)
        lead_id = None
        if args.lead:
            try:
                async with sessions() as session:
                    lead_id = (await find_by_email(session=session, tenant_id=tenant_id, email=args.lead)).id
            except NotFound as error:
                raise CliError(f"no lead with the address {args.lead!r}") from error
        with _progress() as progress:
            task = progress.add_task("syncing mailboxes", total=None)
            try:
                summary = await sync_tenant(
                    settings=settings,
                    sessions=sessions,
                    tokens=tokens,
                    tls=await tls_context(settings),
                    tenant_id=tenant_id,
                    now=_now(),
                    lead_id=lead_id,
                    progress=lambda done, total: progress.update(task, completed=done, total=total),
                )
            except GraphAuthError as error:
                raise CliError(f"Entra ID refused a Graph token: {error.code}") from error
        skipped = ", ".join(f"{count} x {code}" for code, count in summary.skipped.items()) or "none"
        console.print(
            f"synced {summary.mailboxes} mailbox(es): {summary.stored} new message(s), "
            f"{summary.replies} repl(ies) from leads; skipped: {skipped}"
        )
        return 0

    code: int = asyncio.run(_with_sessions(settings, run))
    return code


def cmd_lead_erase(settings: Settings, args: argparse.Namespace) -> int:
    from app.services.access import Caller
    from app.services.erasure import erase_lead
    from app.services.errors import NotFound

    async def run(sessions: SessionMaker) -> int:
        tenant_id = await _resolve_tenant(sessions, args.tenant)
        try:
            async with transaction(sessions) as session:
                caller = Caller.system(tenant_id, _now())
                erased = await erase_lead(session=session, caller=caller, email=args.email)
        except NotFound as error:
            raise CliError(f"no lead with the address {args.email!r} in tenant {tenant_id}") from error
        console.print(f"[green]erased[/green] the lead and {erased.total - 1} rows about them")
        return 0

    code: int = asyncio.run(_with_sessions(settings, run))
    return code


def cmd_score_recompute(settings: Settings, args: argparse.Namespace) -> int:
    from app.services.rescoring import recompute_scores

    async def run(sessions: SessionMaker) -> int:
        tenant_id = await _resolve_tenant(sessions, args.tenant)
        with _progress() as progress:
            task = progress.add_task("recomputing scores", total=None)
            done = await recompute_scores(
                sessions=sessions,
                tenant_id=tenant_id,
                now=_now(),
                progress=lambda done, total: progress.update(task, completed=done, total=total),
            )
        console.print(f"[green]recomputed {done} lead(s)[/green]")
        return done

    asyncio.run(_with_sessions(settings, run))
    return 0


def _figure(value: float, share: bool) -> str:
    return f"{value:.1%}" if share else f"{value:g}"


def _limits(amber_from: float, red_from: float, share: bool) -> str:
    red = f"red from {_figure(red_from, share)}"
    if amber_from >= red_from:
        return red
    amber = "any" if share and amber_from < 0.0005 else _figure(amber_from, share)
    return f"amber from {amber}, {red}"


def cmd_health(settings: Settings, args: argparse.Namespace) -> int:
    from rich.table import Table

    from app.api.pipeline_schemas import PracticeHealthOut
    from app.services.access import Caller
    from app.services.practice_health import MAX_DAYS, TITLES, Light, describe, practice_health

    if not 1 <= args.days <= MAX_DAYS:
        raise CliError(f"--days must be between 1 and {MAX_DAYS}")

    async def run(sessions: SessionMaker) -> Any:
        tenant_id = await _resolve_tenant(sessions, args.tenant)
        async with sessions() as session:
            caller = Caller.system(tenant_id, _now())
            return await practice_health(session=session, caller=caller, days=args.days)

    health = asyncio.run(_with_sessions(settings, run))
    out = Console(highlight=False)
    if not out.is_terminal:
        out = Console(highlight=False, width=160)  # a report piped to a file reads better unwrapped
    if args.json:
        out.print_json(PracticeHealthOut.of(health).model_dump_json())
        return 0
    colours = {Light.GREEN: "green", Light.AMBER: "yellow", Light.RED: "red"}
    table = Table(title=f"Practice health, last {health.days} days", show_lines=True)
    for column in ("check", "light", "found", "thresholds", "leads"):
        table.add_column(column, overflow="fold")
    for line in health.lines:
        found = str(line.count)
        if line.limits.share:
            found += f" of {line.base}" + (f" ({_figure(line.value, True)})" if line.base else "")
        leads = [f"{lead.name}: {describe(lead.why)}" for lead in line.leads[:3]]
        if line.count > len(leads):
            leads.append(f"… {line.count - len(leads)} more")
        table.add_row(
            TITLES[line.check],
            f"[{colours[line.light]}]{line.light.value.upper()}[/]",
            found,
            _limits(line.limits.amber_from, line.limits.red_from, line.limits.share),
            "\n".join(leads),
        )
    out.print(table)
    return 0


def cmd_cards_sample(_settings: Settings, args: argparse.Namespace) -> int:
    # The composition root may reach into cards/; the samples themselves live there.
    from cards.samples import write_samples

    count = write_samples(Path(args.out))
    console.print(f"[green]wrote {count} card(s)[/green] to {args.out}")
    return 0


def cmd_openapi(_settings: Settings, args: argparse.Namespace) -> int:
    from app.api.openapi import build_openapi

    # The document /api/v1/openapi.json serves, without a server: the tab's build generates its types from it.
    document = json.dumps(build_openapi(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    if args.out:
        Path(args.out).write_text(document, encoding="utf-8")
    else:
        sys.stdout.write(document)
    return 0


def cmd_manifest_build(settings: Settings, args: argparse.Namespace) -> int:
    from app.manifest_build import ManifestSettingsError, build_manifest, manifest_values, write_package

    try:
        values = manifest_values(
            settings,
            version=args.version,
            allow_local=args.allow_local,
            privacy_url=args.privacy_url,
            terms_url=args.terms_url,
        )
    except ManifestSettingsError as refused:
        lines = "\n".join(f"  - {problem}" for problem in refused.problems)
        raise CliError(f"cannot build the Teams app package:\n{lines}") from refused
    package = write_package(build_manifest(values), out_dir=Path(args.out))
    console.print(
        f"[green]wrote[/green] {package.zip_path} (version {values.version}, host {values.host}); "
        "upload it in the Teams admin center under Manage apps"
    )
    return 0


# --- parser ---------------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The command line, with ``--database-url`` on every command."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--database-url", help="overrides NURTURE_DATABASE_URL")
    tenant = argparse.ArgumentParser(add_help=False)
    tenant.add_argument("--tenant", help="Entra ID tenant id (optional when the database holds one tenant)")
    server = argparse.ArgumentParser(add_help=False)
    server.add_argument("--host", help="overrides NURTURE_HOST")
    server.add_argument("--port", type=int, help="overrides NURTURE_PORT")

    parser = argparse.ArgumentParser(prog="nurture", description="Lead nurturing inside Microsoft Teams.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    commands.add_parser(
        "serve", parents=[common, server], help="serve the bot, API, tab and scheduler"
    ).set_defaults(handler=cmd_serve)
    demo = commands.add_parser(
        "demo", parents=[common, server], help="seed a demo tenant in SQLite and serve it"
    )
    demo.add_argument("--leads", type=int, default=500, help="how many demo leads (default 500)")
    demo.add_argument("--seed", type=int, default=7, help="random seed, for a repeatable demo")
    demo.set_defaults(handler=cmd_demo, demo=True)

    db = commands.add_parser("db", help="database maintenance").add_subparsers(
        dest="db_command", required=True
    )
    db.add_parser("upgrade", parents=[common], help="apply migrations (safe to repeat)").set_defaults(
        handler=cmd_db_upgrade
    )

    imports = commands.add_parser("import", help="import data").add_subparsers(dest="what", required=True)
    import_leads = imports.add_parser(
        "leads", parents=[common, tenant], help="import leads from a CSV or XLSX file (CRM exports too)"
    )
    import_leads.add_argument(
        "file",
        help="CSV (UTF-8, UTF-16 or Windows-1252; comma, semicolon or tab) or .xlsx, with a header row",
    )
    import_leads.add_argument(
        "--skip-invalid", action="store_true", help="import the valid rows, report the rest"
    )
    import_leads.add_argument(
        "--dry-run", action="store_true", help="show the mapping, the counts and every problem; write nothing"
    )
    import_leads.add_argument(
        "--preset",
        choices=("hubspot", "dynamics", "salesforce", "pipedrive"),
        help="read the file as this CRM's export (recognised from the header otherwise)",
    )
    import_leads.add_argument(
        "--map",
        action="append",
        metavar="'Source column=field'",
        help="fill a field from a column (repeatable); field 'ignore' skips the column",
    )
    import_leads.add_argument("--mapping-file", help="a file of 'Source column=field' lines")
    import_leads.add_argument(
        "--keep-unmapped", action="store_true", help="keep columns no field reads as custom.<column name>"
    )
    import_leads.set_defaults(handler=cmd_import_leads)

    exports = commands.add_parser("export", help="export data").add_subparsers(dest="what", required=True)
    export_leads = exports.add_parser("leads", parents=[common, tenant], help="export leads as CSV")
    export_leads.add_argument("--out", help="file to write (default: standard output)")
    export_leads.set_defaults(handler=cmd_export_leads)

    graph = commands.add_parser("graph", help="Microsoft Graph").add_subparsers(
        dest="graph_command", required=True
    )
    graph_sync = graph.add_parser(
        "sync", parents=[common, tenant], help="pull mail with leads from every member's mailbox (app mode)"
    )
    which = graph_sync.add_mutually_exclusive_group(required=True)
    which.add_argument("--lead", metavar="EMAIL", help="one lead, searched in every mailbox")
    which.add_argument("--all", action="store_true", help="every mailbox, brought up to date by delta")
    graph_sync.set_defaults(handler=cmd_graph_sync)

    lead = commands.add_parser("lead", help="one lead").add_subparsers(dest="lead_command", required=True)
    erase = lead.add_parser("erase", parents=[common, tenant], help="erase a lead and everything about them")
    erase.add_argument("email", help="the lead's e-mail address")
    erase.set_defaults(handler=cmd_lead_erase)

    score = commands.add_parser("score", help="scoring").add_subparsers(dest="score_command", required=True)
    score.add_parser("recompute", parents=[common, tenant], help="recompute every lead's score").set_defaults(
        handler=cmd_score_recompute
    )

    health = commands.add_parser(
        "health", parents=[common, tenant], help="measure the practice against the nurturing rules"
    )
    health.add_argument("--days", type=int, default=90, help="the period to measure, in days (default 90)")
    health.add_argument("--json", action="store_true", help="print JSON (the API's document) instead")
    health.set_defaults(handler=cmd_health)

    cards = commands.add_parser("cards", help="adaptive cards").add_subparsers(
        dest="cards_command", required=True
    )
    cards_sample = cards.add_parser("sample", parents=[common], help="write every sample card as JSON")
    cards_sample.add_argument("--out", required=True, help="directory for the JSON files")
    cards_sample.set_defaults(handler=cmd_cards_sample)

    openapi = commands.add_parser("openapi", parents=[common], help="print the API's OpenAPI document")
    openapi.add_argument("--out", help="write it to this file instead")
    openapi.set_defaults(handler=cmd_openapi)

    manifest = commands.add_parser("manifest", help="Teams app package").add_subparsers(
        dest="manifest_command", required=True
    )
    manifest_build = manifest.add_parser(
        "build", parents=[common], help="build the Teams app package (zip) from the NURTURE_* settings"
    )
    manifest_build.add_argument("--out", required=True, help="directory for manifest.json and the zip")
    manifest_build.add_argument(
        "--version", help="app version X.Y.Z (default: Nurture's own); raise it for every re-upload"
    )
    manifest_build.add_argument("--privacy-url", help="your privacy statement (default: the tab's URL)")
    manifest_build.add_argument("--terms-url", help="your terms of use (default: the tab's URL)")
    manifest_build.add_argument(
        "--allow-local",
        action="store_true",
        help="accept an http or loopback NURTURE_PUBLIC_URL (for a package used only in tests)",
    )
    manifest_build.set_defaults(handler=cmd_manifest_build)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``nurture`` console script."""
    args = build_parser().parse_args(argv)
    overrides: dict[str, Any] = {
        "database_url": args.database_url,
        "host": getattr(args, "host", None),
        "port": getattr(args, "port", None),
    }
    if getattr(args, "demo", False) and not args.database_url:
        overrides["database_url"] = DEMO_DATABASE
    try:
        settings = load_settings(**overrides)
        configure_logging(settings.log_level)
        code: int = args.handler(settings, args)
        return code
    except CliError as error:
        console.print(f"[red]error:[/red] {error}", highlight=False)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
