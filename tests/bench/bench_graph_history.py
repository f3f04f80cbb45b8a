"""Mail history for many leads from one mailbox: ``$batch`` against one request per lead and page.

Side by side in one run, each variant on a fresh database and a fresh Graph double (same data, 50 ms added
to every request the double serves, Outlook's limits enforced):

- batched: ``sync_leads_mail_batched``, 20 searches per ``$batch``, at most 4 requests on the mailbox;
- naive: ``sync_lead_mail`` for one lead after another, one SDK request per lead and page;
- batched, 4 full batches at once: the same code allowed 16 requests on the mailbox (and the process-wide
  ``GraphLimiter`` lifted to 16), to show what Outlook's 4-concurrent limit does to that (skip with
  ``--no-overrun``).

The wall time covers the sync call only (tokens are fetched beforehand). Both doubles run on their own
threads, as Graph and Entra ID would be elsewhere. Run: .venv/bin/python tests/bench/bench_graph_history.py
[--leads 200] [--database-url postgresql://...  (scratch databases are made on that server)]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlmodel import col, select  # noqa: E402

from app.config import Settings  # noqa: E402
from app.db import create_sessionmaker, engine_for_url, upgrade_database  # noqa: E402
from app.graph.batch_search import sync_leads_mail_batched  # noqa: E402
from app.graph.client import connect  # noqa: E402
from app.graph.mail import sync_lead_mail  # noqa: E402
from app.graph.tokens import GraphTokens  # noqa: E402
from app.models import ConversationMessage, Lead  # noqa: E402
from tests.bench._support import machine, server_version  # noqa: E402
from tests.doubles.graph import GraphDouble  # noqa: E402
from tests.doubles.identity import IdentityDouble  # noqa: E402
from tests.factories import T0, make_lead, make_org  # noqa: E402

CLIENT_ID = "5b1b0a9e-0000-4000-8000-0000000be4c4"
SECRET = "bench-secret"
TENANT = "bench-tenant"
NOW = T0 + timedelta(days=20)
PAGE_SIZE = 5
Row = tuple[str, str, str]


async def _admin(url: str, statement: str) -> None:
    engine = engine_for_url(url)
    try:
        async with engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


def scratch_database(server_url: str | None, workdir: Path, label: str) -> str:
    """A fresh, migrated database: a SQLite file in ``workdir``, or a new database on the given server."""
    if server_url is None:
        url = f"sqlite+aiosqlite:///{workdir / f'{label}.db'}"
    else:
        name = f"nurture_bench_history_{label}_{uuid.uuid4().hex[:6]}"
        asyncio.run(_admin(server_url, f'CREATE DATABASE "{name}"'))
        url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    upgrade_database(url)
    return url


def drop_scratch(server_url: str | None, url: str) -> None:
    if server_url is not None:
        asyncio.run(_admin(server_url, f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))


def seed_mailbox(graph: GraphDouble, box: str, mail: str, leads: int) -> None:
    """Each lead: two offers and a reply; every fourth lead a longer thread of eight (two pages of 5)."""
    graph.add_user(box, mail=mail, tenant_id=TENANT)
    for n in range(leads):
        address = f"lead{n:03d}@kunde{n:03d}.example"
        offers = 7 if n % 4 == 0 else 2
        for k in range(offers):
            graph.add_message(
                box,
                folder="sentitems",
                subject=f"Angebot {k}",
                sender=mail,
                to=[address],
                body_preview="Anbei das Angebot.",
                sent=NOW - timedelta(days=3, minutes=k),
                internet_message_id=f"<offer-{n}-{k}@vendor.example>",
            )
        graph.add_message(
            box,
            subject="Re: Angebot",
            sender=address,
            to=[mail],
            body_preview="Danke, wir prüfen das.",
            sent=NOW - timedelta(hours=2),
            internet_message_id=f"<reply-{n}@kunde.example>",
        )


async def run(
    url: str, identity: IdentityDouble, variant: str, leads: int, latency: float
) -> tuple[dict[str, Any], set[Row]]:
    engine = engine_for_url(url)
    sessions = create_sessionmaker(engine)
    graph = GraphDouble.for_identity(identity, latency=latency).start_in_thread()
    try:
        org = await make_org(sessions, tenant_id=TENANT)
        rep = org.reps[0]
        box = rep.aad_object_id or ""
        lead_ids = [
            await make_lead(sessions, org, email=f"lead{n:03d}@kunde{n:03d}.example", owner=rep, now=NOW)
            for n in range(leads)
        ]
        seed_mailbox(graph, box, rep.email, leads)
        settings = Settings(
            entra_client_id=CLIENT_ID,
            graph_client_secret=SECRET,
            graph_authority=identity.base_url,
            graph_base_url=graph.base_url,
            tls_ca_file=str(identity.ca_file),
            # The overrun also lifts the process-wide budget, which would otherwise hold it to 4 on the wire.
            graph_app_concurrency=16 if variant == "overrun" else 4,
        )
        tokens = GraphTokens(settings)
        await tokens.for_application(tenant_id=TENANT)  # msal caches it: no token fetch inside the timing

        async def source() -> str:
            return await tokens.for_application(tenant_id=TENANT)

        connection = connect(settings, source, tls=graph.client_ssl_context(), limiter=tokens.limiter)
        stored = replies = pages = 0
        failed: dict[str, int] = {}
        try:
            started = time.perf_counter()
            if variant == "naive":
                for lead_id in lead_ids:
                    report = await sync_lead_mail(
                        sessions=sessions,
                        client=connection.sdk,
                        tenant_id=TENANT,
                        lead_id=lead_id,
                        mailbox=box,
                        now=NOW,
                        page_size=PAGE_SIZE,
                    )
                    stored, replies, pages = (
                        stored + report.stored,
                        replies + report.replies,
                        pages + report.pages,
                    )
            else:
                batched = await sync_leads_mail_batched(
                    sessions=sessions,
                    client=connection.sdk,
                    tenant_id=TENANT,
                    lead_ids=lead_ids,
                    mailbox=box,
                    now=NOW,
                    page_size=PAGE_SIZE,
                    mailbox_concurrency=16 if variant == "overrun" else 4,
                )
                stored, replies, pages = batched.stored, batched.replies, batched.pages
                failed = batched.failed
            elapsed = time.perf_counter() - started
        finally:
            await connection.close()
        async with sessions() as session:
            rows = (
                await session.exec(
                    select(Lead.email, ConversationMessage.graph_id, ConversationMessage.direction)
                    .join(Lead, col(Lead.id) == ConversationMessage.lead_id)
                    .where(ConversationMessage.tenant_id == TENANT)
                )
            ).all()
            keys = {(email, graph_id, str(direction)) for email, graph_id, direction in rows}
        counters = graph.counters
        return {
            "http": counters["http_requests"],
            "sub": counters["sub_requests"],
            "429": counters["status_429"],
            "max_concurrency": graph.max_concurrency.get(box, 0),
            "pages": pages,
            "stored": stored,
            "replies": replies,
            "rows": len(rows),
            "gave_up": sum(failed.values()),
            "seconds": elapsed,
        }, keys
    finally:
        graph.stop()
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--leads", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds the double adds per request")
    parser.add_argument("--database-url", help="a PostgreSQL server; SQLite in a temp file by default")
    parser.add_argument("--no-overrun", action="store_true", help="skip the 4-full-batches-at-once variant")
    args = parser.parse_args()
    console = Console(width=max(Console().width, 150))
    variants = ["batched", "naive"] + ([] if args.no_overrun else ["overrun"])
    results: dict[str, dict[str, Any]] = {}
    rows: dict[str, set[Row]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-graph-history-") as tmp:
        workdir = Path(tmp)
        identity = IdentityDouble(workdir).start()
        identity.add_client(CLIENT_ID, SECRET)
        identity.grant_app_roles(CLIENT_ID, ["Mail.Read"])
        try:
            for variant in variants:
                url = scratch_database(args.database_url, workdir, variant)
                try:
                    results[variant], rows[variant] = asyncio.run(
                        run(url, identity, variant, args.leads, args.latency)
                    )
                    version = asyncio.run(server_version(url))
                finally:
                    drop_scratch(args.database_url, url)
        finally:
            identity.stop()
    long_threads = len(range(0, args.leads, 4))
    table = Table(
        title=(
            f"Mail history of {args.leads} leads in one mailbox ({long_threads} with 2 pages of "
            f"{PAGE_SIZE}), {args.latency * 1000:.0f} ms per Graph request"
        )
    )
    for column in (
        "variant",
        "Graph HTTP requests",
        "sub-requests",
        "pages",
        "429s",
        "max on mailbox",
        "searches given up",
        "stored",
        "replies",
        "wall s",
        "vs naive",
    ):
        table.add_column(column, justify="right")
    labels = {
        "batched": "batched: $batch of 20, 4 on the mailbox",
        "naive": "naive: 1 request per lead and page",
        "overrun": "batched, 4 full batches at once",
    }
    naive = results["naive"]["seconds"]
    for variant, r in results.items():
        table.add_row(
            labels[variant],
            str(r["http"]),
            str(r["sub"]),
            str(r["pages"]),
            str(r["429"]),
            str(r["max_concurrency"]),
            str(r["gave_up"]),
            str(r["stored"]),
            str(r["replies"]),
            f"{r['seconds']:.2f}",
            f"{naive / r['seconds']:.1f}x",
        )
    console.print(table)
    same = rows["batched"] == rows["naive"]
    console.print(
        f"batched and naive stored the same rows (lead, internet message id, direction): "
        f"{'yes' if same else 'NO'} ({len(rows['batched'])} and {len(rows['naive'])} rows)"
    )
    if "overrun" in rows:
        missing = len(rows["naive"] - rows["overrun"])
        console.print(
            f'4 full batches at once: {missing} of {len(rows["naive"])} rows missing; "max on mailbox" '
            "counts the requests admitted plus the one refused"
        )
    console.print(f"{machine()}; database: {version}")
    console.print("command: .venv/bin/python tests/bench/bench_graph_history.py " + " ".join(sys.argv[1:]))
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
