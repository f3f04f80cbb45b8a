"""`nurture graph sync` in application mode, as a real subprocess against the doubles."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import func, select

from app.db import SessionMaker
from app.models import ConversationMessage
from tests.doubles.graph import GraphDouble
from tests.doubles.identity import IdentityDouble
from tests.factories import make_lead, make_org
from tests.graph.support import CLIENT_ID, SECRET

ROOT = Path(__file__).resolve().parents[2]
LEAD = "dana@fabrik.example"


@pytest.fixture
def graph(identity: IdentityDouble) -> Iterator[GraphDouble]:
    """The shared Graph double, but on its own thread: the CLI under test is another process."""
    double = GraphDouble.for_identity(identity)
    double.start_in_thread()  # the CLI runs in another process
    yield double
    double.stop()


async def _nurture(
    database_url: str, identity: IdentityDouble, graph: GraphDouble, *args: str
) -> tuple[int, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("NURTURE_")}
    environment.update(
        NURTURE_DATABASE_URL=database_url,
        NURTURE_ENTRA_CLIENT_ID=CLIENT_ID,
        NURTURE_GRAPH_CLIENT_SECRET=SECRET,
        NURTURE_GRAPH_AUTHORITY=identity.base_url,
        NURTURE_GRAPH_BASE_URL=graph.base_url,
        NURTURE_TLS_CA_FILE=str(identity.ca_file),
        PYTHONPATH=str(ROOT),
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app.cli",
        "graph",
        "sync",
        *args,
        cwd=ROOT,
        env=environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(process.communicate(), timeout=120)
    return process.returncode or 0, out.decode()


async def test_graph_sync_for_one_lead_and_for_all_mailboxes(
    database_url: str, sessions: SessionMaker, identity: IdentityDouble, graph: GraphDouble
) -> None:
    org = await make_org(sessions)
    rep, colleague, hidden = org.reps[0], org.reps[1], org.reps[2]
    await make_lead(sessions, org, email=LEAD, owner=rep)
    now = datetime.now(UTC)
    for member in (rep, colleague, hidden):
        box = member.aad_object_id or ""
        graph.add_user(box, mail=member.email, tenant_id=org.tenant_id)
        graph.add_message(
            box,
            subject="Re: Angebot",
            sender=LEAD,
            to=[member.email],
            received=now - timedelta(hours=1),
            internet_message_id=f"<reply@{member.id.hex}.example>",
        )
    # Exchange RBAC for Applications scopes the app away from one mailbox.
    allowed = [
        m.aad_object_id or ""
        for m in (org.lead_dach, org.lead_uk, rep, colleague, org.uk_rep, org.admin, org.manager)
        if m
    ]
    graph.restrict_app(CLIENT_ID, allowed)
    for member in (org.lead_dach, org.lead_uk, org.uk_rep, org.admin, org.manager):
        if member is not None:
            graph.add_user(member.aad_object_id or "", mail=member.email, tenant_id=org.tenant_id)

    code, out = await _nurture(database_url, identity, graph, "--lead", LEAD, "--tenant", org.tenant_id)
    assert code == 0, out
    assert "2 new message(s)" in out and "2 repl(ies)" in out and "skipped: 1 x" in out
    assert "fabrik.example" not in out.replace(f"--lead {LEAD}", ""), "no lead address in the logs"
    assert all(r.mode == "application" for r in graph.requests if r.path.endswith("/messages"))

    graph.add_message(
        rep.aad_object_id or "", subject="Noch eine Frage", sender=LEAD, to=[rep.email], received=now
    )
    code, out = await _nurture(database_url, identity, graph, "--all", "--tenant", org.tenant_id)
    assert code == 0, out
    async with sessions() as session:
        stored = (await session.exec(select(func.count()).select_from(ConversationMessage))).one()
    assert stored == 3, "delta added the new reply; the first two were not stored again"

    code, out = await _nurture(
        database_url, identity, graph, "--lead", "nobody@else.example", "--tenant", org.tenant_id
    )
    assert code == 2 and "no lead with the address" in out
