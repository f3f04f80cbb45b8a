"""Many leads' mail from one mailbox through ``$batch``, with the real msal and msgraph-sdk in application
mode against the Graph and identity doubles over TLS."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import timedelta

import pytest
from kiota_serialization_json.json_parse_node import JsonParseNode
from msgraph.generated.models.message import Message
from sqlmodel import func, select

from app.db import SessionMaker
from app.graph.batch_search import BatchedReport, _message, _time, sync_leads_mail_batched
from app.graph.client import GraphConnection
from app.graph.mail import FIELDS, normalise
from app.models import ConversationMessage, EngagementEvent
from tests.doubles.graph import GraphDouble
from tests.doubles.identity import IdentityDouble
from tests.factories import T0, Org, make_lead, make_org
from tests.graph.support import CLIENT_ID, application_connection

NOW = T0 + timedelta(days=20)


def _connect(org: Org, identity: IdentityDouble, graph: GraphDouble) -> GraphConnection:
    return application_connection(org.tenant_id, identity, graph)


async def _leads_with_mail(
    sessions: SessionMaker, graph: GraphDouble, org: Org, count: int, *, long_thread: int = 0
) -> tuple[str, list[uuid.UUID]]:
    """``count`` leads, each with one offer sent and one reply in the rep's mailbox, plus mail $search
    finds but that does not involve the lead; the first lead gets ``long_thread`` more offers."""
    rep = org.reps[0]
    box = rep.aad_object_id or ""
    graph.add_user(box, mail=rep.email, tenant_id=org.tenant_id)
    lead_ids = []
    for n in range(count):
        address = f"lead{n:02d}@kunde{n:02d}.example"
        lead_ids.append(await make_lead(sessions, org, email=address, owner=rep, now=NOW - timedelta(days=1)))
        for k in range(1 + (long_thread if n == 0 else 0)):
            graph.add_message(
                box,
                folder="sentitems",
                subject=f"Angebot {k}",
                sender=rep.email,
                to=[address],
                sent=NOW - timedelta(days=3, minutes=k),
                internet_message_id=f"<offer-{n}-{k}@vendor.example>",
            )
        graph.add_message(
            box,
            subject="Re: Angebot",
            sender=address,
            to=[rep.email],
            sent=NOW - timedelta(hours=2),
            internet_message_id=f"<reply-{n}@kunde.example>",
        )
        # $search also matches display names: this one names the lead but is between two others.
        graph.add_message(
            box, subject="Weitergeleitet", sender=(address, "assistant@kunde.example"), to=[rep.email]
        )
    graph.add_message(box, subject="Newsletter", sender="news@else.example", to=[rep.email])
    return box, lead_ids


async def _sync(
    sessions: SessionMaker,
    org: Org,
    identity: IdentityDouble,
    graph: GraphDouble,
    box: str,
    lead_ids: list[uuid.UUID],
    page_size: int = 50,
) -> BatchedReport:
    connection = _connect(org, identity, graph)
    try:
        return await sync_leads_mail_batched(
            sessions=sessions,
            client=connection.sdk,
            tenant_id=org.tenant_id,
            lead_ids=lead_ids,
            mailbox=box,
            now=NOW,
            page_size=page_size,
        )
    finally:
        await connection.close()


async def _stored(sessions: SessionMaker) -> tuple[Counter[uuid.UUID], int, int]:
    """Messages per lead, distinct Graph keys, and reply events."""
    async with sessions() as session:
        rows = (await session.exec(select(ConversationMessage))).all()
        events = (
            await session.exec(
                select(func.count()).select_from(EngagementEvent).where(EngagementEvent.kind == "email_reply")
            )
        ).one()
    return Counter(r.lead_id for r in rows), len({r.graph_id for r in rows}), events


async def test_45_leads_go_in_three_batches_and_are_stored_once(
    sessions: SessionMaker, identity: IdentityDouble, graph: GraphDouble
) -> None:
    org = await make_org(sessions)
    box, lead_ids = await _leads_with_mail(sessions, graph, org, 45)

    report = await _sync(sessions, org, identity, graph, box, lead_ids)

    assert (report.http_requests, report.batch_sizes, report.sub_requests) == (3, [20, 20, 5], 45)
    assert (report.pages, report.stored, report.replies, report.retried) == (45, 90, 45, 0)
    assert report.seen == 135, "the name-only matches were seen, and not kept"
    assert [r.path for r in graph.requests if not r.in_batch] == ["/$batch"] * 3
    sub = [r for r in graph.requests if r.in_batch]
    assert len(sub) == 45 and all(r.status == 200 and r.mode == "application" for r in sub)
    per_lead, keys, events = await _stored(sessions)
    assert set(per_lead) == set(lead_ids) and set(per_lead.values()) == {2} and keys == 90
    assert events == 45
    assert graph.max_concurrency[box] <= 4 and not graph.responses_429

    again = await _sync(sessions, org, identity, graph, box, lead_ids)
    assert (again.stored, again.replies) == (0, 0), "a second run stores and signals nothing twice"
    assert (await _stored(sessions))[1:] == (90, 45)


async def test_throttled_sub_requests_are_retried_and_nothing_is_lost_or_doubled(
    sessions: SessionMaker, identity: IdentityDouble, graph: GraphDouble
) -> None:
    org = await make_org(sessions)
    box, lead_ids = await _leads_with_mail(sessions, graph, org, 25)
    graph.fail_next(3, 429, retry_after=1, match="/messages")
    graph.fail_next(1, 503, retry_after=1, match="/messages")
    graph.fail_next(1, 429, retry_after=1, match="/$batch")  # a whole batch: kiota's retry handler

    report = await _sync(sessions, org, identity, graph, box, lead_ids)

    assert report.retried == 4 and report.failed == {}
    assert (report.pages, report.stored, report.replies) == (25, 50, 25)
    assert report.sub_requests == 29 and report.http_requests == 3, "25 searches, 4 sent again"
    sub = [r for r in graph.requests if r.in_batch]
    assert Counter(r.status for r in sub) == Counter({200: 25, 429: 3, 503: 1})
    assert [(r.path, r.status) for r in graph.requests if not r.in_batch][:2] == [
        ("/$batch", 429),
        ("/$batch", 200),
    ]
    throttled = [r for r in sub if r.status != 200]
    for failed in throttled:
        retried = [r for r in sub if r.query == failed.query and r.status == 200]
        assert len(retried) == 1 and retried[0].at >= failed.at + 1, "Retry-After was honoured"
    per_lead, keys, events = await _stored(sessions)
    assert set(per_lead.values()) == {2} and len(per_lead) == 25 and keys == 50 and events == 25
    assert graph.max_concurrency[box] <= 4


async def test_a_long_thread_continues_through_next_links_in_later_batches(
    sessions: SessionMaker, identity: IdentityDouble, graph: GraphDouble
) -> None:
    org = await make_org(sessions)
    box, lead_ids = await _leads_with_mail(sessions, graph, org, 30, long_thread=11)
    graph.latency = 0.02  # keeps batches in flight long enough to overlap, if the limits allowed it

    report = await _sync(sessions, org, identity, graph, box, lead_ids, page_size=5)

    # Lead 0: 12 offers, 1 reply, 1 name-only match = 14 results, 3 pages of 5; every other lead: 1 page.
    assert report.pages == 32 and report.sub_requests == 32 and report.stored == 13 + 29 * 2
    sub = [r for r in graph.requests if r.in_batch]
    follow_ups = [r for r in sub if "$skip" in r.query]
    assert sorted(r.query["$skip"] for r in follow_ups) == ["10", "5"]
    assert all(r.query["$search"] == '"participants:lead00@kunde00.example"' for r in follow_ups)
    per_lead, keys, _ = await _stored(sessions)
    assert per_lead[lead_ids[0]] == 13 and keys == 71
    assert graph.max_concurrency[box] <= 4 and not graph.responses_429


async def test_a_mailbox_the_app_may_not_read_is_counted_as_failed(
    sessions: SessionMaker, identity: IdentityDouble, graph: GraphDouble
) -> None:
    org = await make_org(sessions)
    box, lead_ids = await _leads_with_mail(sessions, graph, org, 3)
    graph.restrict_app(CLIENT_ID, ["someone-else"])  # Exchange RBAC for Applications

    report = await _sync(sessions, org, identity, graph, box, lead_ids)

    assert report.failed == {"ErrorAccessDenied": 3} and report.retried == 0 and report.stored == 0


async def test_concurrency_below_what_one_batch_uses_is_refused(sessions: SessionMaker) -> None:
    org = await make_org(sessions)
    with pytest.raises(ValueError, match="at least 4"):
        await sync_leads_mail_batched(
            sessions=sessions,
            client=None,  # type: ignore[arg-type]  # refused before any call
            tenant_id=org.tenant_id,
            lead_ids=[],
            mailbox="me",
            now=NOW,
            mailbox_concurrency=2,
        )


def test_messages_are_read_as_kiota_would_read_them(graph: GraphDouble) -> None:
    """The field-by-field mapping gives ``normalise`` what msgraph-sdk's own parser would."""
    graph.add_user("box", mail="rep@vendor.example")
    data = graph.add_message(
        "box",
        subject="Re: Angebot",
        sender=("Dana Weiß", "Dana.Weiss@Fabrik.example"),
        to=["rep@vendor.example"],
        cc=[("Assistenz", "assist@fabrik.example")],
        body_preview="Danke " * 300,
        sent=NOW,
    )
    data["receivedDateTime"] = "2026-03-30T08:30:00.1234567Z"  # Graph may send 7 fractional digits
    selected = {name: data[name] for name in FIELDS}

    ours = normalise(_message(selected))
    theirs = normalise(JsonParseNode(selected).get_object_value(Message))

    assert ours is not None and ours == theirs
    assert ours.sender == "dana.weiss@fabrik.example" and ours.recipients[1] == "assist@fabrik.example"
    assert _time(data["receivedDateTime"]) is not None
