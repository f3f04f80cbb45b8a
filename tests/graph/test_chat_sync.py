"""A lead's Teams chats reach the timeline through the real msal and msgraph-sdk, against the Graph and
identity doubles over TLS: paged on the first run, only what changed on the next; a message from the lead
moves its score and pulls its cadence forward."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from sqlmodel import func, select

from app.db import SessionMaker
from app.graph.chats import PREVIEW_CHARS, ChatSyncReport, mark_key, plain_text, sync_lead_chats
from app.models import ConversationMessage, EngagementEvent, Member, TenantSetting
from tests.doubles.graph import GraphDouble, GraphRequest, iso
from tests.doubles.identity import IdentityDouble
from tests.factories import T0, Org, make_lead, make_org
from tests.graph.support import (
    assert_the_reply_moved_the_lead,
    delegated_connection,
    lead_and_active_follow_up,
)

LEAD = "dana.weiss@fabrik.example"
# The lead is a Teams user of their own company's tenant: an external (federated) member of our chats.
LEAD_USER = "0c9e2f7a-1111-4222-8333-fab41c000001"
LEAD_TENANT = "fabrik-tenant"
NOW = T0 + timedelta(days=20)

HTML = (
    "<div><p>Hallo&nbsp;Dana,</p><script>alert('x')</script><style>p { color: red }</style>"
    "<p>Preis &amp; Lieferung&#58; <b>40&nbsp;Linien</b> &lt;heute&gt;</p></div>"
)
HTML_TEXT = "Hallo Dana, Preis & Lieferung: 40 Linien <heute>"


async def _sync(
    sessions: SessionMaker,
    identity: IdentityDouble,
    graph: GraphDouble,
    org: Org,
    rep: Member,
    lead_id: uuid.UUID,
) -> tuple[ChatSyncReport, int]:
    """One sync run as the rep; returns the report and the number of Graph requests it made."""
    before = len(graph.requests)
    connection = delegated_connection(rep, identity, graph)[0]
    try:
        report = await sync_lead_chats(
            sessions=sessions,
            client=connection.sdk,
            tenant_id=org.tenant_id,
            lead_id=lead_id,
            user="me",
            now=NOW,
        )
    finally:
        await connection.close()
    return report, len(graph.requests) - before


def _member(graph: GraphDouble, member: Member, org: Org) -> dict[str, object]:
    return graph.chat_member(
        member.aad_object_id or "",
        email=member.email,
        display_name=member.display_name,
        tenant_id=org.tenant_id,
    )


def _lead_member(*, email: str | None = LEAD) -> dict[str, object]:
    # Graph lists a federated user with their own tenant; it may leave out their email.
    return GraphDouble.chat_member(LEAD_USER, email=email, display_name="Dana Weiß", tenant_id=LEAD_TENANT)


def _from_lead(graph: GraphDouble, chat_id: str, content: str, created: datetime) -> dict[str, object]:
    return graph.add_chat_message(
        chat_id,
        sender_id=LEAD_USER,
        sender_name="Dana Weiß",
        content=content,
        created=created,
        sender_tenant_id=LEAD_TENANT,
        user_identity_type="federatedUser",
    )


def _from(
    graph: GraphDouble, chat_id: str, member: Member, content: str, created: datetime
) -> dict[str, object]:
    return graph.add_chat_message(
        chat_id,
        sender_id=member.aad_object_id or "",
        sender_name=member.display_name,
        content=content,
        created=created,
    )


def _message_requests(graph: GraphDouble, chat_id: str, since: int = 0) -> list[GraphRequest]:
    return [r for r in graph.requests[since:] if r.path == f"/chats/{chat_id}/messages"]


async def _rows(sessions: SessionMaker, lead_id: uuid.UUID) -> dict[str, ConversationMessage]:
    async with sessions() as session:
        found = (
            await session.exec(select(ConversationMessage).where(ConversationMessage.lead_id == lead_id))
        ).all()
    return {row.graph_id: row for row in found}


async def _chat_replies(sessions: SessionMaker, lead_id: uuid.UUID) -> int:
    async with sessions() as session:
        return (
            await session.exec(
                select(func.count())
                .select_from(EngagementEvent)
                .where(EngagementEvent.lead_id == lead_id, EngagementEvent.kind == "chat_reply")
            )
        ).one()


# --- the preview ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("html", "text"),
    [
        (HTML, HTML_TEXT),
        ("<p>a</p><p>b</p>line<br>break", "a b line break"),
        ("<SCRIPT type='text/javascript'>var x = '<p>no</p>';</SCRIPT>kept", "kept"),
        ("<style>@media { a { b: c } }</style><script/>visible", "visible"),
        ("Tom &amp; Jerry &quot;&#x27;&eacute;&#8364;", "Tom & Jerry \"'é€"),
        ('<at id="0">Anna Rep</at> <emoji id="smile" alt="🙂" title="Smile"></emoji>', "Anna Rep 🙂"),
        ('<!-- hidden --><attachment id="1"></attachment>  spaced \n\t out ', "spaced out"),
        ("nul\x00and\x1bescape\u200b", "nul and escape"),
        ("", ""),
        ("<p>unclosed <b>bold", "unclosed bold"),
    ],
    ids=[
        "teams-html",
        "blocks",
        "script",
        "style",
        "entities",
        "mention-emoji",
        "comments",
        "controls",
        "empty",
    ]
    + ["unclosed"],
)
def test_html_becomes_a_clean_single_line_preview(html: str, text: str) -> None:
    assert plain_text(html) == text


def test_plain_text_bodies_keep_their_angle_brackets_and_long_ones_are_cut() -> None:
    assert plain_text("if a <b> c", html=False) == "if a <b> c"
    long = plain_text("<p>" + "wort " * 500 + "</p>")
    assert len(long) == PREVIEW_CHARS and long.endswith("…")
    assert plain_text(None) == ""


# --- sync -------------------------------------------------------------------------------------------


async def test_a_chat_with_an_external_lead_is_read_in_pages_then_only_what_changed(
    sessions: SessionMaker, identity: IdentityDouble, graph: GraphDouble
) -> None:
    org = await make_org(sessions)
    rep, colleague = org.reps[0], org.reps[1]
    lead_id = await make_lead(sessions, org, email=LEAD, owner=rep, now=NOW - timedelta(days=10))
    graph.add_user(rep.aad_object_id or "", mail=rep.email, tenant_id=org.tenant_id)
    start = NOW - timedelta(days=5)
    chat = graph.add_chat(
        members=[_member(graph, rep, org), _lead_member()], tenant_id=org.tenant_id, created=start
    )
    # 120 messages, every tenth from the lead (11 of them); then system messages and a deleted one, skipped.
    first = _from(graph, chat, rep, HTML, start + timedelta(minutes=1))
    for n in range(1, 120):
        at = start + timedelta(minutes=1 + n)
        if n % 10 == 0:
            _from_lead(graph, chat, f"<p>Antwort {n}</p>", at)
        else:
            _from(graph, chat, rep, f"<p>Nachricht {n}</p>", at)
    for n, kind in enumerate(("systemEventMessage", "chatEvent", "unknownFutureValue")):
        graph.add_chat_message(
            chat,
            sender_id=rep.aad_object_id or "",
            sender_name=rep.display_name,
            content="<systemEventMessage/>",
            created=start + timedelta(minutes=200 + n),
            message_type=kind,
        )
    withdrawn = _from(graph, chat, rep, "<p>Falscher Chat</p>", start + timedelta(minutes=300))
    graph.delete_chat_message(chat, str(withdrawn["id"]), at=start + timedelta(minutes=301))
    # A chat without the lead: never read.
    other = graph.add_chat(
        members=[_member(graph, rep, org), _member(graph, colleague, org)],
        tenant_id=org.tenant_id,
        created=start,
    )
    for n in range(5):
        _from(graph, other, colleague, f"Intern {n} {LEAD}", start + timedelta(minutes=n))

    report, requests = await _sync(sessions, identity, graph, org, rep, lead_id)

    assert (report.chats, report.stored, report.replies, report.message_pages) == (1, 120, 11, 3)
    assert report.seen == 124 and (report.updated, report.removed) == (0, 0)
    assert requests == 1 + 3, "one chat list, three pages of messages"
    listed = [r for r in graph.requests if r.path == "/me/chats"]
    assert listed and listed[0].query.get("$expand") == "members"
    pages = _message_requests(graph, chat)
    assert [r.query.get("$top") for r in pages[:1]] == ["50"] and "$filter" not in pages[0].query
    assert not _message_requests(graph, other), "a chat without the lead is not read"
    chat_calls = [r for r in graph.requests if "chats" in r.path]
    assert all(r.status == 200 and r.mode == "delegated" and "Chat.Read" in r.scopes for r in chat_calls)

    rows = await _rows(sessions, lead_id)
    assert len(rows) == 120 and all(row.source == "chat" and row.subject is None for row in rows.values())
    opening = rows[f"chat:{chat}:{first['id']}"]
    assert opening.preview == HTML_TEXT
    assert (opening.direction, opening.from_address, opening.to_addresses) == ("outbound", rep.email, [LEAD])
    assert opening.sent_at == start + timedelta(minutes=1)
    assert opening.web_link and opening.web_link.startswith("https://teams.microsoft.com/l/chat/")
    answers = [row for row in rows.values() if row.direction == "inbound"]
    assert len(answers) == 11 and all(
        a.from_address == LEAD and a.to_addresses == [rep.email] for a in answers
    )
    assert not any("Falscher" in row.preview or "system" in row.preview for row in rows.values())
    assert await _chat_replies(sessions, lead_id) == 11

    # After the run: one message edited, one deleted, three new (one from the lead).
    graph.edit_chat_message(
        chat, str(first["id"]), "<p>Angebot &amp; <i>Preise</i> aktualisiert</p>", at=NOW - timedelta(hours=2)
    )
    doomed = next(row for row in rows.values() if row.preview == "Nachricht 5")
    graph.delete_chat_message(chat, doomed.graph_id.rsplit(":", 1)[1], at=NOW - timedelta(hours=2))
    for n in range(2):
        _from(graph, chat, rep, f"Neu {n}", NOW - timedelta(hours=1, minutes=n))
    _from_lead(graph, chat, "Passt, <b>Freitag</b> geht.", NOW - timedelta(minutes=30))
    since = len(graph.requests)

    again, requests = await _sync(sessions, identity, graph, org, rep, lead_id)

    assert (again.stored, again.updated, again.removed, again.replies, again.message_pages) == (3, 1, 1, 1, 1)
    assert requests == 2, "one chat list and one short page, not three"
    (incremental,) = _message_requests(graph, chat, since)
    last_mark = iso(start + timedelta(minutes=301), milliseconds=True)
    assert incremental.query["$filter"] == f"lastModifiedDateTime gt {last_mark}"
    assert incremental.query["$orderby"] == "lastModifiedDateTime desc"
    rows = await _rows(sessions, lead_id)
    assert len(rows) == 122 and doomed.graph_id not in rows
    assert rows[opening.graph_id].preview == "Angebot & Preise aktualisiert"
    assert await _chat_replies(sessions, lead_id) == 12

    quiet, requests = await _sync(sessions, identity, graph, org, rep, lead_id)
    assert (quiet.stored, quiet.updated, quiet.removed, quiet.replies, quiet.seen) == (0, 0, 0, 0, 0)
    assert requests == 2 and len(await _rows(sessions, lead_id)) == 122
    async with sessions() as session:
        mark = await session.get(TenantSetting, (org.tenant_id, mark_key("me", chat, lead_id)))
    assert mark is not None and mark.value["chat_id"] == chat
    assert mark.value["last_modified"] == iso(NOW - timedelta(minutes=30), milliseconds=True)


async def test_a_lost_mark_costs_a_full_read_but_stores_and_signals_nothing_twice(
    sessions: SessionMaker, identity: IdentityDouble, graph: GraphDouble
) -> None:
    org = await make_org(sessions)
    rep = org.reps[0]
    lead_id = await make_lead(sessions, org, email=LEAD, owner=rep)
    graph.add_user(rep.aad_object_id or "", mail=rep.email, tenant_id=org.tenant_id)
    chat = graph.add_chat(members=[_member(graph, rep, org), _lead_member()], tenant_id=org.tenant_id)
    for n in range(60):
        at = NOW - timedelta(hours=5, minutes=-n)
        if n % 3 == 0:
            _from_lead(graph, chat, f"Frage {n}", at)
        else:
            _from(graph, chat, rep, f"Antwort {n}", at)
    report, _ = await _sync(sessions, identity, graph, org, rep, lead_id)
    async with sessions() as session:
        row = await session.get(TenantSetting, (org.tenant_id, mark_key("me", chat, lead_id)))
        assert row is not None
        await session.delete(row)
        await session.commit()
    again, _ = await _sync(sessions, identity, graph, org, rep, lead_id)
    assert (report.stored, report.replies, report.message_pages) == (60, 20, 2)
    assert (again.message_pages, again.stored, again.updated, again.replies) == (2, 0, 0, 0)
    assert len(await _rows(sessions, lead_id)) == 60 and await _chat_replies(sessions, lead_id) == 20


async def test_a_chat_reply_from_the_lead_moves_score_and_cadence(
    sessions: SessionMaker, identity: IdentityDouble, graph: GraphDouble
) -> None:
    org = await make_org(sessions)
    rep = org.reps[0]
    lead_id = await make_lead(
        sessions, org, email=LEAD, owner=rep, first_name="Dana", last_name="Weiß", now=NOW - timedelta(days=1)
    )
    before = await lead_and_active_follow_up(sessions, lead_id)
    graph.add_user(rep.aad_object_id or "", mail=rep.email, tenant_id=org.tenant_id)
    direct = graph.add_chat(members=[_member(graph, rep, org), _lead_member()], tenant_id=org.tenant_id)
    _from(graph, direct, rep, "Haben Sie das Angebot gesehen?", NOW - timedelta(hours=4))
    _from_lead(graph, direct, "Ja, <b>danke</b>! Wir prüfen bis Freitag.", NOW - timedelta(hours=2))
    # A group chat where Graph lists the lead without an email: known by the user id seen in the 1:1 chat.
    group = graph.add_chat(
        members=[_member(graph, rep, org), _member(graph, org.lead_dach, org), _lead_member(email=None)],
        chat_type="group",
        topic="Fabrik Rollout",
        tenant_id=org.tenant_id,
    )
    reply = _from_lead(graph, group, "Können wir <i>Dienstag</i> telefonieren?", NOW - timedelta(hours=1))

    report, _ = await _sync(sessions, identity, graph, org, rep, lead_id)

    assert (report.chats, report.stored, report.replies) == (2, 3, 2)
    async with sessions() as session:
        event = (
            await session.exec(
                select(EngagementEvent).where(
                    EngagementEvent.lead_id == lead_id,
                    EngagementEvent.external_id == f"graph-chat:{group}:{reply['id']}",
                )
            )
        ).one()
    assert event.kind == "chat_reply"
    rows = await _rows(sessions, lead_id)
    from_group = rows[f"chat:{group}:{reply['id']}"]
    assert (from_group.direction, from_group.from_address) == ("inbound", LEAD)
    assert sorted(from_group.to_addresses) == sorted([rep.email, org.lead_dach.email])
    # The thread view: the chat is the thread, a group chat's topic its title, members' names its people.
    assert (from_group.thread_key, from_group.thread_title) == (group, "Fabrik Rollout")
    assert from_group.sender_name == "Dana Weiß" and from_group.signal_id == event.external_id
    assert from_group.participants == [rep.display_name, org.lead_dach.display_name, "Dana Weiß"]
    assert from_group.web_link and from_group.web_link.startswith("https://teams.microsoft.com/l/chat/")
    from_rep = next(r for r in rows.values() if r.thread_key == direct and r.direction == "outbound")
    assert from_rep.thread_title is None, "a 1:1 chat has no topic; the page names it after its people"
    assert from_rep.sender_name == rep.display_name and from_rep.signal_id is None
    assert event.effect is not None and event.effect["score_after"] >= event.effect["score_before"]
    assert_the_reply_moved_the_lead(before, await lead_and_active_follow_up(sessions, lead_id), NOW)


async def test_a_lead_in_none_of_the_chats_reads_no_messages(
    sessions: SessionMaker, identity: IdentityDouble, graph: GraphDouble
) -> None:
    org = await make_org(sessions)
    rep = org.reps[0]
    lead_id = await make_lead(sessions, org, email=LEAD, owner=rep)
    graph.add_user(rep.aad_object_id or "", mail=rep.email, tenant_id=org.tenant_id)
    chat = graph.add_chat(
        members=[_member(graph, rep, org), _member(graph, org.reps[2], org)], tenant_id=org.tenant_id
    )
    _from(graph, chat, org.reps[2], f"Kennt jemand {LEAD}?", NOW - timedelta(hours=1))
    report, requests = await _sync(sessions, identity, graph, org, rep, lead_id)
    assert (report.chats, report.seen, report.stored, report.message_pages, requests) == (0, 0, 0, 0, 1)
    async with sessions() as session:
        assert (await session.exec(select(func.count()).select_from(ConversationMessage))).one() == 0


async def test_a_lead_in_a_40_member_group_chat_is_found_and_system_events_are_skipped(
    sessions: SessionMaker, identity: IdentityDouble, graph: GraphDouble
) -> None:
    org = await make_org(sessions)
    rep = org.reps[0]
    graph.add_user(rep.aad_object_id or "", mail=rep.email, tenant_id=org.tenant_id)
    lead_id = await make_lead(sessions, org, email=LEAD, owner=rep)
    colleagues = [
        graph.chat_member(
            f"0c9e2f7a-0000-4000-8000-0000000{n:05d}",
            email=f"c{n}@contoso.example",
            display_name=f"Colleague {n}",
            tenant_id=org.tenant_id,
        )
        for n in range(38)
    ]
    # The lead is listed last: beyond the 25 members $expand=members returns.
    chat = graph.add_chat(
        members=[_member(graph, rep, org), *colleagues, _lead_member()],
        chat_type="group",
        topic="Fabrik rollout",
        tenant_id=org.tenant_id,
        created=NOW - timedelta(days=2),
    )
    _from_lead(graph, chat, "<p>Passt der Termin?</p>", NOW - timedelta(days=1))
    graph.add_chat_message(
        chat,
        sender_id=rep.aad_object_id or "",
        sender_name=rep.display_name,
        content="<systemEventMessage/>",
        created=NOW - timedelta(hours=20),
        message_type="systemEventMessage",
    )
    _from(graph, chat, rep, "<p>Ja, Donnerstag.</p>", NOW - timedelta(hours=19))

    report, _requests = await _sync(sessions, identity, graph, org, rep, lead_id)

    assert report.chats == 1, "found through the chat's full member list"
    assert (report.seen, report.stored, report.replies) == (3, 2, 1), "the system event is read, not stored"
    assert report.member_lists == 1
    served = [m for family, body in graph.served if family == "chatMessages" for m in body["value"]]
    system = [m for m in served if m["messageType"] == "unknownFutureValue"]
    assert len(system) == 1 and system[0]["from"] is None
    assert [r.path for r in graph.requests if r.path.endswith("/members")] == [f"/chats/{chat}/members"]
