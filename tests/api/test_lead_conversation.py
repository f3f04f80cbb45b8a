"""The lead page's conversation: typed messages in threads, the lead's reply with what it changed, activity
as codes plus names, the filters, the thread list, and the history state, all behind read_lead."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from app.db import SessionMaker, transaction
from app.nurturing.enums import MessageSource, TouchpointKind
from app.services.assignment import assign_owner
from app.services.follow_ups import log_touchpoint
from app.services.lead_messages import MessageIn, chat_key, store_messages
from tests.api.conftest import Api
from tests.factories import T0, make_lead

LEAD = "paula@kunde.example"
THREAD = "AAQkAGVmMDEzpilot="
CHAT = "19:anna_paula@unq.gbl.spaces"


def _message(lead_id: uuid.UUID, key: str, minutes: int, *, from_lead: bool, chat: bool = False) -> MessageIn:
    return MessageIn(
        lead_id=lead_id,
        key=chat_key(CHAT, key) if chat else key,
        source=MessageSource.CHAT if chat else MessageSource.MAIL,
        thread_key=CHAT if chat else THREAD,
        thread_title=None if chat else ("Re: Pilot" if from_lead else "Pilot"),
        participants=["Anna Rep", "Paula Prospect"],
        sender_address=LEAD if from_lead else "anna.rep@vendor.example",
        sender_name="Paula Prospect" if from_lead else "Anna Rep",
        recipients=["anna.rep@vendor.example"] if from_lead else [LEAD],
        from_lead=from_lead,
        preview=f"message {key}",
        sent_at=T0 + timedelta(minutes=minutes),
        web_link=f"https://teams.microsoft.com/l/chat/{CHAT}/0" if chat else f"https://outlook.example/{key}",
    )


async def _conversation(api: Api, sessions: SessionMaker) -> uuid.UUID:
    org = api.org
    lead_id = await make_lead(sessions, org, email=LEAD, owner=org.reps[0])
    async with transaction(sessions) as session:
        await log_touchpoint(
            session=session,
            tenant_id=org.tenant_id,
            lead_id=lead_id,
            kind=TouchpointKind.CALL,
            summary="Talked about the pilot",
            actor=org.actor(org.reps[0]),
            now=T0 + timedelta(minutes=5),
        )
    async with transaction(sessions) as session:
        await store_messages(
            session,
            tenant_id=org.tenant_id,
            items=[_message(lead_id, "<pilot@vendor.example>", 10, from_lead=False)],
            now=T0 + timedelta(minutes=10),
        )
    async with transaction(sessions) as session:
        await store_messages(
            session,
            tenant_id=org.tenant_id,
            items=[_message(lead_id, "<re-pilot@kunde.example>", 60, from_lead=True)],
            now=T0 + timedelta(minutes=61),
        )
    async with transaction(sessions) as session:
        await store_messages(
            session,
            tenant_id=org.tenant_id,
            items=[_message(lead_id, "1700000000000", 120, from_lead=True, chat=True)],
            now=T0 + timedelta(minutes=121),
        )
    async with transaction(sessions) as session:
        await assign_owner(
            session=session,
            tenant_id=org.tenant_id,
            lead_id=lead_id,
            member_id=org.reps[1].id,
            actor=org.actor(org.lead_dach),
            now=T0 + timedelta(minutes=180),
            reason="Covers the Berlin region",
        )
    return lead_id


async def _page(api: Api, path: str) -> dict[str, Any]:
    status, body = await api.call("GET", path, api.org.reps[1])
    assert status == 200, body
    page: dict[str, Any] = body
    return page


async def test_the_conversation_reads_as_typed_threads_with_the_replys_effect(
    api: Api, sessions: SessionMaker
) -> None:
    lead_id = await _conversation(api, sessions)
    page = await _page(api, f"/api/v1/leads/{lead_id}/timeline")
    items = page["items"]
    assert [i["at"] for i in items] == sorted((i["at"] for i in items), reverse=True)
    messages = [i for i in items if i["kind"] == "message"]
    assert [m["source"] for m in messages] == ["chat", "mail", "mail"]
    chat, reply, first = messages
    assert reply["is_lead_reply"] and reply["direction"] == "inbound"
    assert not first["is_lead_reply"] and first["direction"] == "outbound"
    assert reply["sender"] == {"name": "Paula Prospect", "address": LEAD}
    assert reply["thread"] == first["thread"] | {"title": "Re: Pilot"}
    assert first["thread"] == {
        "key": THREAD,
        "title": "Pilot",
        "participants": ["Anna Rep", "Paula Prospect"],
    }
    assert chat["thread"]["key"] == CHAT and chat["thread"]["title"] is None
    assert chat["web_link"].startswith("https://teams.microsoft.com/l/chat/")

    # The reply moved the lead; the page says how, from the event the reply raised.
    effect = reply["effect"]
    assert effect["score_delta"] == effect["score_after"] - effect["score_before"] > 0
    assert effect["stage"] == {"from_value": "awareness", "to_value": "evaluation"}
    assert first["effect"] is None
    # ...and does not list that reply event a second time.
    assert not [i for i in items if i["kind"] == "event" and i["event"] == "email_reply"]

    ownership = next(i for i in items if i["kind"] == "ownership")
    assert ownership["from_owner"]["display_name"] == "Anna Rep"
    assert ownership["to_owner"]["display_name"] == "Jürgen Rep"
    assert ownership["changed_by"]["display_name"] == "Lena Lead"
    assert ownership["method"] == "manual" and ownership["note"] == "Covers the Berlin region"
    touch = next(i for i in items if i["kind"] == "touchpoint")
    assert touch["channel"] == "call" and touch["member"]["display_name"] == "Anna Rep"
    stage = next(i for i in items if i["kind"] == "stage")
    assert (stage["from_value"], stage["to_value"], stage["automatic"]) == ("awareness", "evaluation", True)
    # The engine's reason is a code with its words in both languages, not a pre-rendered sentence alone.
    assert stage["reason"]["code"] and set(stage["reason"]["text"]) == {"en", "de"}
    assert stage["note"] is None
    assert page["history"]["status"] == "synced" and page["history"]["messages"] == 3


async def test_filters_threads_and_paging(api: Api, sessions: SessionMaker) -> None:
    lead_id = await _conversation(api, sessions)
    base = f"/api/v1/leads/{lead_id}"
    mail = (await _page(api, f"{base}/timeline?filter=mail"))["items"]
    chat = (await _page(api, f"{base}/timeline?filter=chat"))["items"]
    activity = (await _page(api, f"{base}/timeline?filter=activity"))["items"]
    assert [(i["kind"], i["source"]) for i in mail] == [("message", "mail")] * 2
    assert [(i["kind"], i["source"]) for i in chat] == [("message", "chat")]
    assert activity and all(i["kind"] != "message" for i in activity)
    # Without the messages, the replies show as events, with what they changed.
    replies = [i for i in activity if i["kind"] == "event"]
    assert sorted(i["event"] for i in replies) == ["chat_reply", "email_reply"]
    email_reply = next(i for i in replies if i["event"] == "email_reply")
    assert email_reply["effect"]["stage"] == {"from_value": "awareness", "to_value": "evaluation"}

    one = (await _page(api, f"{base}/timeline?thread={THREAD}"))["items"]
    assert [i["thread"]["key"] for i in one] == [THREAD, THREAD]

    threads = (await _page(api, f"{base}/threads"))["items"]
    assert [(t["key"], t["source"], t["messages"], t["lead_messages"]) for t in threads] == [
        (CHAT, "chat", 1, 1),
        (THREAD, "mail", 2, 1),
    ]
    assert threads[1]["title"] == "Pilot" and threads[1]["last_preview"] == "message <re-pilot@kunde.example>"

    everything = [i["id"] for i in (await _page(api, f"{base}/timeline?filter=all&limit=100"))["items"]]
    paged: list[str] = []
    cursor = None
    while True:
        suffix = f"&cursor={cursor}" if cursor else ""
        part = await _page(api, f"{base}/timeline?limit=2{suffix}")
        paged += [i["id"] for i in part["items"]]
        cursor = part["next_cursor"]
        if not cursor:
            break
    assert paged == everything


async def test_nothing_is_read_for_a_caller_who_may_not_see_the_lead(
    api: Api, sessions: SessionMaker
) -> None:
    lead_id = await _conversation(api, sessions)
    outsider = api.org.reps[2]
    for path in ("timeline", "timeline?filter=mail", f"timeline?thread={THREAD}", "threads"):
        status, body = await api.call("GET", f"/api/v1/leads/{lead_id}/{path}", outsider)
        assert status == 404 and "Paula" not in str(body) and "message" not in str(body)


async def test_bad_filters_fail_cleanly(api: Api, sessions: SessionMaker) -> None:
    lead_id = await _conversation(api, sessions)
    for query in ("filter=everything", "filter=activity&thread=x", "thread=" + "x" * 301):
        status, body = await api.call("GET", f"/api/v1/leads/{lead_id}/timeline?{query}", api.org.reps[1])
        assert status == 400, (query, body)


async def test_a_lead_without_history_says_graph_is_not_connected(api: Api, sessions: SessionMaker) -> None:
    lead_id = await make_lead(sessions, api.org, email="quiet@kunde.example", owner=api.org.reps[1])
    page = await _page(api, f"/api/v1/leads/{lead_id}/timeline?filter=mail")
    assert page["items"] == []
    assert page["history"] == {
        "status": "unavailable",
        "last_synced_at": None,
        "admin_consent_url": None,
        "messages": 0,
    }
