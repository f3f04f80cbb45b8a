"""The scheduler sends one list card to a rep with more than three follow-ups falling due at once."""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from datetime import timedelta
from typing import Any

from sqlmodel import col, select

from app.db import SessionMaker
from app.models import FollowUp, OutboxMessage
from app.scheduler import run_tick
from bot.setup import DISPATCHER
from tests.bot.conftest import NOW, Teams, actions_of, card_text, personal_conversation
from tests.factories import T0, make_lead


def _due_cards(cards: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [card for card in cards if any(a["verb"] == "followup.done" for a in actions_of(card))]


async def _notices(sessions: SessionMaker) -> list[OutboxMessage]:
    async with sessions() as session:
        statement = select(OutboxMessage).where(col(OutboxMessage.kind).startswith("follow_up.due"))
        return list((await session.exec(statement.order_by(col(OutboxMessage.created_at)))).all())


async def test_sixteen_due_make_one_card_and_three_stay_three(teams: Teams, sessions: SessionMaker) -> None:
    busy, calm = teams.org.reps[0], teams.org.reps[1]
    for i in range(16):
        await make_lead(sessions, teams.org, owner=busy, last_name=f"Busy {i:02d}")
    for i in range(3):
        await make_lead(sessions, teams.org, owner=calm, last_name=f"Calm {i}")
    for rep in (busy, calm):
        assert await teams.say(rep, "help") == 200  # their chats exist, as after installing the app
    report = await run_tick(sessions=sessions, now=NOW)
    assert report.follow_ups_announced == 19
    kinds = Counter((row.member_id, row.kind) for row in await _notices(sessions))
    assert kinds == {(busy.id, "follow_up.due_list"): 1, (calm.id, "follow_up.due"): 3}

    await teams.client.app[DISPATCHER].drain_once()
    busy_cards = _due_cards(teams.cards_to(busy))
    assert len(busy_cards) == 1, "sixteen due, one card"
    listed = busy_cards[0]
    assert "16 due" in card_text(listed) and "Show more" in card_text(listed)
    assert len([a for a in actions_of(listed) if a["verb"] == "followup.done"]) == 8
    calm_cards = _due_cards(teams.cards_to(calm))
    assert len(calm_cards) == 3 and all("list_offset" not in str(card) for card in calm_cards)

    # The list card's place is kept, so Done on a row (or in the tab) refreshes it in place.
    activity_id = next(
        activity["id"]
        for activity in teams.connector.activities(personal_conversation(busy))
        if activity["attachments"][0]["content"] == listed
    )
    row = next(a for a in actions_of(listed) if a["verb"] == "followup.done")["data"]
    follow_up_id = row["follow_up_id"]
    async with sessions() as session:
        shown = await session.get(FollowUp, uuid.UUID(follow_up_id))
    assert shown is not None and shown.activity_id == f"list:{activity_id}"
    status, body = await teams.execute(
        busy, "followup.done", dict(row) | {f"outcome.{follow_up_id}": "replied"}, reply_to=activity_id
    )
    assert status == 200 and "marked done (Replied)" in card_text(body["value"])
    assert follow_up_id not in [a["data"].get("follow_up_id") for a in actions_of(body["value"])]


async def test_a_notice_whose_follow_ups_were_all_worked_off_is_not_sent(
    teams: Teams, sessions: SessionMaker
) -> None:
    rep = teams.org.reps[0]
    for i in range(4):
        await make_lead(sessions, teams.org, owner=rep, last_name=f"Early {i}")
    await teams.say(rep, "help")
    await run_tick(sessions=sessions, now=NOW)
    async with sessions() as session:
        follow_ups = (await session.exec(select(FollowUp).where(FollowUp.owner_id == rep.id))).all()
    for follow_up in follow_ups:  # the rep works them off in the tab before the dispatcher runs
        response = await teams.client.post(
            f"/api/v1/follow-ups/{follow_up.id}/complete",
            json={"outcome": "replied"},
            headers={"Authorization": f"Dev {rep.tenant_id} {rep.email}"},
        )
        assert response.status == 200
    await teams.client.app[DISPATCHER].drain_once()
    assert _due_cards(teams.cards_to(rep)) == []
    (notice,) = [row for row in await _notices(sessions) if row.kind == "follow_up.due_list"]
    assert notice.status == "skipped"


async def test_replaying_three_weeks_of_ticks_never_floods_and_announces_each_once(
    teams: Teams, sessions: SessionMaker
) -> None:
    rep = teams.org.reps[0]
    made = 0
    # New leads arrive on different days in different numbers, so some ticks find one due, some many.
    for day, count in enumerate((1, 6, 0, 2, 9, 3, 4)):
        for i in range(count):
            await make_lead(
                sessions, teams.org, owner=rep, now=T0 + timedelta(days=day), last_name=f"D{day}-{i}"
            )
            made += 1
    seen = 0
    per_tick: list[Counter[str]] = []
    moment = T0
    while moment <= T0 + timedelta(days=21):
        await run_tick(sessions=sessions, now=moment)
        rows = await _notices(sessions)
        fresh = rows[seen:]
        seen = len(rows)
        per_tick.append(Counter(row.kind for row in fresh if row.member_id == rep.id))
        moment += timedelta(hours=6)
    for kinds in per_tick:
        # Either up to three single cards, or exactly one list card and nothing else, in each tick.
        assert kinds["follow_up.due"] <= 3
        assert kinds["follow_up.due_list"] <= 1
        assert not (kinds["follow_up.due_list"] and kinds["follow_up.due"])
    assert any(kinds["follow_up.due_list"] for kinds in per_tick), "a busy day makes a list"
    assert any(kinds["follow_up.due"] for kinds in per_tick), "a quiet day makes single cards"

    announced: Counter[str] = Counter()
    for row in await _notices(sessions):
        ids = row.payload.get("follow_up_ids") or [row.payload["follow_up_id"]]
        announced.update(ids)
    async with sessions() as session:
        first_follow_ups = (await session.exec(select(FollowUp).where(FollowUp.owner_id == rep.id))).all()
    by_id = defaultdict(int, announced)
    assert {str(f.id) for f in first_follow_ups} == set(announced), "every due follow-up announced"
    assert max(by_id.values()) == 1, "and none twice"
    assert len(first_follow_ups) == made
