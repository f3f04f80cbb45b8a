"""`my follow-ups` answers with one list card, and acting on a row refreshes that card in place."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from sqlmodel import col, func, select

from app.db import SessionMaker
from app.models import FollowUp, Lead, OutboxMessage
from app.nurturing.enums import FollowUpStatus
from bot.setup import DISPATCHER
from cards import contract
from tests.bot.conftest import NOW, Teams, actions_of, card_text, personal_conversation
from tests.cards.walk import inputs, nodes
from tests.factories import make_lead

PAGE = contract.LIST_PAGE_SIZE


async def _due(teams: Teams, sessions: SessionMaker, count: int, **fields: Any) -> list[uuid.UUID]:
    rep = teams.org.reps[0]
    return [
        await make_lead(sessions, teams.org, owner=rep, last_name=f"Lister {i:02d}", **fields)
        for i in range(count)
    ]


def _rows(card: dict[str, Any]) -> list[dict[str, Any]]:
    """The Mark-done action of each row, in order: one per row."""
    return [a for a in actions_of(card) if a["verb"] == "followup.done"]


def _row_ids(card: dict[str, Any]) -> list[str]:
    return [str(a["data"]["follow_up_id"]) for a in _rows(card)]


def _row_data(card: dict[str, Any], verb: str, index: int) -> dict[str, Any]:
    return dict([a for a in actions_of(card) if a["verb"] == verb][index]["data"])


async def _follow_up(sessions: SessionMaker, follow_up_id: str) -> FollowUp:
    async with sessions() as session:
        row = await session.get(FollowUp, uuid.UUID(follow_up_id))
        assert row is not None
        return row


async def _active_count(sessions: SessionMaker) -> int:
    async with sessions() as session:
        statement = (
            select(func.count()).select_from(FollowUp).where(col(FollowUp.status).in_(["open", "snoozed"]))
        )
        return int((await session.exec(statement)).one())


async def test_my_follow_ups_sends_one_list_card_and_done_on_a_row_refreshes_it(
    teams: Teams, sessions: SessionMaker
) -> None:
    rep = teams.org.reps[0]
    await _due(teams, sessions, 12)
    assert await teams.say(rep, "my follow-ups") == 200
    sent = teams.connector.activities(personal_conversation(rep))
    assert len(sent) == 1, "one outgoing call, however many follow-ups are due"
    card = sent[0]["attachments"][0]["content"]
    assert len(json.dumps(card, ensure_ascii=False).encode()) < 28 * 1024
    ids = _row_ids(card)
    assert len(ids) == PAGE and len(set(ids)) == PAGE
    text = card_text(card)
    assert "12 due" in text and "showing 1–8" in text and "Show more" in text
    read = [
        str(node.get("text") or node.get("title") or "")
        for node in nodes(card)
        if node.get("type") == "TextBlock" or "title" in node
    ]
    assert not [line for line in read if re.search(r"\b[a-z]+_[a-z_]+\b|followup\.", line)], "no codes"
    opens = actions_of(card, "Action.OpenUrl")
    assert len(opens) == PAGE and all("/tab/?lead=" in a["url"] for a in opens)

    # Where the list sits is kept on every row shown, marked as a list.
    for follow_up_id in ids:
        row = await _follow_up(sessions, follow_up_id)
        assert row.activity_id == f"list:{sent[0]['id']}"
        assert row.conversation_id == personal_conversation(rep)

    target = ids[2]
    data = _row_data(card, "followup.done", 2) | {f"outcome.{target}": "no_answer"}
    status, body = await teams.execute(rep, "followup.done", data, reply_to=sent[0]["id"])
    assert status == 200 and body["statusCode"] == 200
    refreshed = body["value"]
    assert "marked done (No answer)" in card_text(refreshed)
    async with sessions() as session:
        lead = await session.get(Lead, (await _follow_up(sessions, target)).lead_id)
    assert lead is not None and lead.last_name in card_text(refreshed["body"][0]), "the banner names the lead"
    remaining = _row_ids(refreshed)
    assert target not in remaining and len(remaining) == PAGE, "the next one moves up onto the page"
    assert set(ids) - {target} <= set(remaining)
    done = await _follow_up(sessions, target)
    assert done.status == FollowUpStatus.DONE and done.outcome == "no_answer"
    async with sessions() as session:
        pending = (
            await session.exec(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.kind == "follow_up.changed")
            )
        ).one()
    assert pending == 0, "the invoke response refreshed the list; no outgoing update is queued"
    assert len(teams.connector.activities(personal_conversation(rep))) == 1
    moved_up = (set(remaining) - set(ids)).pop()
    assert (await _follow_up(sessions, moved_up)).activity_id == f"list:{sent[0]['id']}"


async def test_snooze_and_show_more_keep_to_the_list(teams: Teams, sessions: SessionMaker) -> None:
    rep = teams.org.reps[0]
    await _due(teams, sessions, 11)
    await teams.say(rep, "meine follow-ups", locale="de-DE")
    card = teams.cards_to(rep)[0]
    assert "Weitere anzeigen" in card_text(card) and "Erledigt" in card_text(card)

    target = _row_ids(card)[0]
    data = _row_data(card, "followup.snooze", 0) | {f"snooze.{target}": "next_week"}
    status, body = await teams.execute(rep, "followup.snooze", data)
    assert status == 200 and "snoozed until" in card_text(body["value"])
    assert target not in _row_ids(body["value"]), "snoozed past today, it leaves today's list"
    snoozed = await _follow_up(sessions, target)
    assert snoozed.status == FollowUpStatus.SNOOZED and snoozed.due_at > NOW

    more = next(a for a in actions_of(body["value"]) if a["verb"] == "followup.list")
    status, body = await teams.execute(rep, "followup.list", dict(more["data"]))
    page_two = body["value"]
    assert status == 200 and "showing 9–10" in card_text(page_two) and len(_row_ids(page_two)) == 2
    assert not set(_row_ids(page_two)) & set(_row_ids(card))
    assert "Back to the first" in card_text(page_two) and "Show more" not in card_text(page_two)


async def test_tampered_row_payloads_fail_cleanly_and_write_nothing(
    teams: Teams, sessions: SessionMaker
) -> None:
    rep, other_rep = teams.org.reps[0], teams.org.reps[1]
    await _due(teams, sessions, 4)
    await teams.say(rep, "my follow-ups")
    card = teams.cards_to(rep)[0]
    target = _row_ids(card)[0]
    data = _row_data(card, "followup.done", 0) | {f"outcome.{target}": "replied"}
    before = await _active_count(sessions)

    status, body = await teams.execute(other_rep, "followup.done", data)
    assert status == 200 and "not allowed" in card_text(body["value"])
    assert "Lister" not in card_text(body["value"]), "the refusal shows nothing of the rep's list"

    status, body = await teams.execute(rep, "followup.done", data | {"follow_up_id": str(uuid.uuid4())})
    assert status == 200 and "no longer exists" in card_text(body["value"])

    for field, value in (
        ("list_offset", "-1"),
        ("list_offset", "lots"),
        (f"outcome.{target}", "won_the_lottery"),
    ):
        status, body = await teams.execute(rep, "followup.done", data | {field: value})
        assert status == 200 and "check the field" in card_text(body["value"]), (field, value)

    status, body = await teams.execute(rep, "followup.done", data | {"tenant_id": "tenant-elsewhere"})
    assert status == 200 and "not allowed" in card_text(body["value"])

    stale = data | {"version": int(data["version"]) - 1}
    status, body = await teams.execute(rep, "followup.done", stale)
    refreshed = body["value"]
    assert status == 200 and "changed since the card was sent" in card_text(refreshed)
    assert target in _row_ids(refreshed), "the list is shown afresh, the row still open"

    assert await _active_count(sessions) == before
    assert (await _follow_up(sessions, target)).status == FollowUpStatus.OPEN


async def test_a_change_in_the_tab_refreshes_the_list_card_in_place(
    teams: Teams, sessions: SessionMaker
) -> None:
    rep = teams.org.reps[0]
    await _due(teams, sessions, 5)
    await teams.say(rep, "my follow-ups")
    sent = teams.connector.activities(personal_conversation(rep))[0]
    card = sent["attachments"][0]["content"]
    target = _row_ids(card)[1]
    response = await teams.client.post(
        f"/api/v1/follow-ups/{target}/complete",
        json={"outcome": "replied"},
        headers={"Authorization": f"Dev {rep.tenant_id} {rep.email}"},
    )
    assert response.status == 200
    await teams.client.app[DISPATCHER].drain_once()
    updates = teams.connector.updates(personal_conversation(rep))
    assert len(updates) == 1 and updates[0]["id"] == sent["id"]
    updated = updates[0]["attachments"][0]["content"]
    assert "Your follow-ups" in card_text(updated), "the list stays a list"
    assert target not in _row_ids(updated)
    assert set(_row_ids(card)) - {target} <= set(_row_ids(updated)), "the other rows stay actionable"


async def test_rows_of_sales_owned_leads_leave_not_interested_to_the_single_card(
    teams: Teams, sessions: SessionMaker
) -> None:
    rep = teams.org.reps[0]
    lead_ids = await _due(teams, sessions, 2)
    async with sessions() as session:
        lead = await session.get(Lead, lead_ids[0])
        assert lead is not None
        lead.lifecycle = "sql"  # type: ignore[assignment]
        session.add(lead)
        await session.commit()
    await teams.say(rep, "my follow-ups")
    card = teams.cards_to(rep)[0]
    choices = {
        element["id"]: [choice["value"] for choice in element["choices"]]
        for element in inputs(card)
        if element["id"].startswith("outcome.")
    }
    by_lead = {str(a["data"]["lead_id"]): str(a["data"]["follow_up_id"]) for a in _rows(card)}
    assert "not_interested" not in choices[f"outcome.{by_lead[str(lead_ids[0])]}"]
    assert "not_interested" in choices[f"outcome.{by_lead[str(lead_ids[1])]}"]
