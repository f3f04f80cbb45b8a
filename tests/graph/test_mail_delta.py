"""Delta keeps a mailbox's lead mail fresh, resumes after a restart, and starts over when Graph says the
sync state is gone (410 SyncStateNotFound), storing nothing twice."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import func, select

from app.db import SessionMaker
from app.graph.mail_delta import state_key, sync_mailbox_delta
from app.models import ConversationMessage, Member, TenantSetting
from tests.doubles.graph import GraphDouble
from tests.doubles.identity import IdentityDouble
from tests.factories import T0, Org, make_lead, make_org
from tests.graph.support import delegated_connection

NOW = T0 + timedelta(days=20)
LEADS = ("dana@fabrik.example", "ole@werft.example")


async def _sync(sessions: SessionMaker, org: Org, rep: Member, identity: IdentityDouble, graph: GraphDouble):  # type: ignore[no-untyped-def]
    # A new connection each time, as after a restart: only the database remembers where delta stood.
    connection, _tokens = delegated_connection(rep, identity, graph)
    try:
        return await sync_mailbox_delta(
            sessions=sessions,
            client=connection.sdk,
            tenant_id=org.tenant_id,
            mailbox=rep.aad_object_id or "",
            now=NOW,
            page_size=5,
        )
    finally:
        await connection.close()


async def _stored(sessions: SessionMaker) -> int:
    async with sessions() as session:
        return int((await session.exec(select(func.count()).select_from(ConversationMessage))).one())


async def test_delta_rounds_resume_and_restart(
    sessions: SessionMaker, identity: IdentityDouble, graph: GraphDouble
) -> None:
    org = await make_org(sessions)
    rep = org.reps[0]
    box = rep.aad_object_id or ""
    for address in LEADS:
        await make_lead(sessions, org, email=address, owner=rep)
    graph.add_user(box, mail=rep.email, tenant_id=org.tenant_id)
    for n in range(12):
        lead = LEADS[n % 2]
        graph.add_message(
            box, subject=f"Re {n}", sender=lead, to=[rep.email], received=NOW - timedelta(hours=n + 1)
        )
        graph.add_message(
            box,
            folder="sentitems",
            subject=f"Out {n}",
            sender=rep.email,
            to=[lead],
            received=NOW - timedelta(hours=n + 2),
        )
    for n in range(6):
        graph.add_message(box, subject=f"Spam {n}", sender="news@else.example", to=[rep.email])

    first = await _sync(sessions, org, rep, identity, graph)
    assert (first.stored, first.replies) == (24, 12), "lead mail of both folders; the newsletter is not kept"
    # Every page as large as asked: Graph applies Prefer per request, next links included.
    sizes = [len(body["value"]) for family, body in graph.served if family == "delta"]
    assert sizes == [5, 5, 5, 3, 5, 5, 2] and first.pages == 7
    async with sessions() as session:
        for folder in ("inbox", "sentitems"):
            state = await session.get(TenantSetting, (org.tenant_id, state_key(box, folder)))
            assert state is not None and "%24deltatoken=" in state.value["link"]

    graph.add_message(box, subject="Fresh reply", sender=LEADS[0], to=[rep.email], received=NOW)
    before = len(graph.requests)
    second = await _sync(sessions, org, rep, identity, graph)
    assert (second.stored, second.replies, second.restarted) == (1, 1, ())
    rounds = graph.requests[before:]
    assert all("$deltatoken" in r.query or "%24deltatoken" in str(r.query) for r in rounds), (
        "resumed, not redone"
    )

    graph.expire_delta_tokens(box)
    third = await _sync(sessions, org, rep, identity, graph)
    assert set(third.restarted) == {"inbox", "sentitems"} and third.stored == 0
    assert await _stored(sessions) == 25, "a full resync stores nothing twice"
