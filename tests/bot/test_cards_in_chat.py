"""A rep works follow-ups from cards in the 1:1 chat, through the real botbuilder turn pipeline."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

from sqlmodel import col, func, select

from app.db import SessionMaker, transaction
from app.models import ConversationReference, FollowUp, HandOff, Lead, OutboxMessage, Touchpoint
from app.nurturing.enums import FollowUpStatus, Lifecycle
from app.scheduler import run_tick
from app.services.access import Caller
from app.services.leads import set_lifecycle
from bot.setup import DISPATCHER
from tests.bot.conftest import NOW, Teams, actions_of, card_text
from tests.factories import make_lead, make_org


async def _active(sessions: SessionMaker, lead_id: uuid.UUID) -> FollowUp:
    async with sessions() as session:
        return (
            await session.exec(
                select(FollowUp).where(
                    FollowUp.lead_id == lead_id, col(FollowUp.status).in_(["open", "snoozed"])
                )
            )
        ).one()


async def _lead(sessions: SessionMaker, lead_id: uuid.UUID) -> Lead:
    async with sessions() as session:
        return (await session.exec(select(Lead).where(Lead.id == lead_id))).one()


def _data(card: dict[str, Any], verb: str) -> dict[str, Any]:
    action = next(a for a in actions_of(card) if a["verb"] == verb)
    return dict(action["data"])


def _verbs(card: dict[str, Any]) -> set[str]:
    return {str(a["verb"]) for a in actions_of(card)}


async def test_a_due_card_then_done_updates_it_in_place(teams: Teams, sessions: SessionMaker) -> None:
    rep = teams.org.reps[0]
    lead_id = await make_lead(sessions, teams.org, owner=rep, first_name="Jana", last_name="Weiß")
    assert await teams.say(rep, "help") == 200  # the chat exists, as after installing the app
    await run_tick(sessions=sessions, now=NOW)
    await teams.client.app[DISPATCHER].drain_once()
    due = [card for card in teams.cards_to(rep) if _verbs(card) & {"followup.done"}]
    assert len(due) == 1, "one card for the one due follow-up (beside help and the morning digest)"
    card = due[0]
    assert "list_offset" not in json.dumps(card), "three or fewer due come as single cards"
    assert "Jana Weiß" in card_text(card) and card["version"] == "1.5"
    async with sessions() as session:
        reference = (await session.exec(select(ConversationReference))).one()
    assert reference.member_id == rep.id and reference.scope == "personal"
    follow_up = await _active(sessions, lead_id)
    assert follow_up.activity_id is not None, "the card's activity id is kept to update it in place later"

    data = _data(card, "followup.done") | {"outcome": "meeting_booked"}
    status, body = await teams.execute(rep, "followup.done", data, reply_to=follow_up.activity_id)
    assert status == 200 and body["statusCode"] == 200
    assert body["type"] == "application/vnd.microsoft.card.adaptive"
    updated = body["value"]
    assert "Marked done" in card_text(updated)
    assert not [a for a in actions_of(updated) if a["verb"] == "followup.done"], (
        "a closed card offers no Done"
    )
    async with sessions() as session:
        done = await session.get(FollowUp, follow_up.id)
        assert done is not None and done.status == FollowUpStatus.DONE and done.outcome == "meeting_booked"
        touches = (await session.exec(select(func.count()).select_from(Touchpoint))).one()
        pending_updates = (
            await session.exec(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.kind == "follow_up.changed")
            )
        ).one()
    assert touches == 1
    assert pending_updates == 0, "the invoke response already updated this card; no outgoing update is queued"
    next_one = await _active(sessions, lead_id)
    assert next_one.id != follow_up.id, "the cadence planned the next follow-up"


async def test_snooze_reschedule_and_log_from_the_card(teams: Teams, sessions: SessionMaker) -> None:
    rep = teams.org.reps[0]
    lead_id = await make_lead(sessions, teams.org, owner=rep)
    card = await teams.follow_up_card(rep, locale="de-DE")
    assert "Erledigt" in card_text(teams.cards_to(rep)[-1]), "German Teams gets German cards"

    status, body = await teams.execute(
        rep, "followup.snooze", _data(card, "followup.snooze") | {"snooze": "tomorrow"}
    )
    assert status == 200 and "Zurückgestellt" not in card_text(body["value"])  # the invoke came in English
    snoozed = await _active(sessions, lead_id)
    assert snoozed.status == FollowUpStatus.SNOOZED and snoozed.due_at > NOW

    fresh = await _lead(sessions, lead_id)
    data = _data(card, "followup.log") | {
        "version": fresh.version,
        "touch_kind": "call",
        "summary": "Talked budget",
    }
    status, body = await teams.execute(rep, "followup.log", data)
    assert status == 200 and "logged" in card_text(body["value"])

    fresh = await _lead(sessions, lead_id)
    data = _data(card, "followup.reschedule") | {
        "version": fresh.version,
        "due_date": "2026-04-08",
        "due_time": "10:30",
    }
    status, body = await teams.execute(rep, "followup.reschedule", data)
    assert status == 200 and "Rescheduled" in card_text(body["value"])
    moved = await _active(sessions, lead_id)
    assert moved.due_at.isoformat().startswith("2026-04-08T08:30"), "10:30 Berlin summer time, stored in UTC"


async def test_stale_version_gets_a_card_saying_what_changed(teams: Teams, sessions: SessionMaker) -> None:
    rep = teams.org.reps[0]
    lead_id = await make_lead(sessions, teams.org, owner=rep)
    card = await teams.follow_up_card(rep)
    data = _data(card, "followup.done")
    data["version"] = int(data["version"]) - 1
    before = await _active(sessions, lead_id)
    status, body = await teams.execute(rep, "followup.done", data | {"outcome": "replied"})
    assert status == 200
    text = card_text(body["value"])
    assert "changed since the card was sent" in text and "Awareness" in text
    after = await _active(sessions, lead_id)
    assert after.id == before.id and after.status == before.status, "nothing was written"


async def test_tampered_payloads_change_nothing(teams: Teams, sessions: SessionMaker) -> None:
    rep, other_rep = teams.org.reps[0], teams.org.reps[1]
    lead_id = await make_lead(sessions, teams.org, owner=rep)
    data = _data(await teams.follow_up_card(rep), "followup.done") | {"outcome": "replied"}
    before = await _active(sessions, lead_id)

    # Another rep replays the card's payload: not their lead.
    status, body = await teams.execute(other_rep, "followup.done", data)
    assert status == 200 and "not allowed" in card_text(body["value"])

    # A lead id from another tenant, in a payload claiming that tenant.
    foreign = await make_org(sessions)
    foreign_lead = await make_lead(sessions, foreign, owner=foreign.reps[0])
    foreign_follow_up = await _active(sessions, foreign_lead)
    forged = data | {
        "tenant_id": foreign.tenant_id,
        "lead_id": str(foreign_lead),
        "follow_up_id": str(foreign_follow_up.id),
    }
    status, body = await teams.execute(rep, "followup.done", forged)
    assert status == 200 and "not allowed" in card_text(body["value"])
    # ... and the same ids under our own tenant id: not found, and nothing of theirs shown.
    status, body = await teams.execute(rep, "followup.done", forged | {"tenant_id": teams.org.tenant_id})
    assert status == 200 and "Paula" not in card_text(body["value"])

    # Garbage where ids belong, and an unknown verb.
    status, body = await teams.execute(rep, "followup.done", data | {"follow_up_id": "'; drop table leads"})
    # The banner names the field as a reader sees it: Markdown escapes (follow\_up\_id) do not show.
    assert status == 200 and "follow_up_id" in card_text(body["value"]).replace("\\", "")
    status, body = await teams.execute(rep, "followup.delete_everything", data)
    assert status == 200 and "verb" in card_text(body["value"])

    after = await _active(sessions, lead_id)
    theirs = await _active(sessions, foreign_lead)
    assert (after.id, after.status) == (before.id, before.status)
    assert (theirs.id, theirs.status) == (foreign_follow_up.id, foreign_follow_up.status)


async def test_malformed_activities_get_400(teams: Teams) -> None:
    response = await teams.client.post(
        "/api/messages", data=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status == 400 and (await response.json())["error"] == "malformed_json"
    status, body = await teams.post({"text": "no type"})
    assert (status, body["error"]) == (400, "not_an_activity")
    status, body = await teams.post({"type": "message", "text": "no conversation"})
    assert (status, body["error"]) == (400, "not_an_activity")
    huge = teams.activity(teams.org.reps[0], "message", text="x" * 300_000)
    status, _ = await teams.post(huge)
    assert status == 413


async def test_commands_and_help(teams: Teams, sessions: SessionMaker) -> None:
    rep = teams.org.reps[0]
    await make_lead(
        sessions, teams.org, owner=rep, first_name="Björn", last_name="Krüger", email="bjoern@kunde.example"
    )
    assert await teams.say(rep, "lead bjoern@kunde.example") == 200
    assert "Björn Krüger" in card_text(teams.cards_to(rep)[-1])
    assert await teams.say(rep, "what can you do") == 200
    assert "my follow-ups" in card_text(teams.cards_to(rep)[-1])
    assert await teams.say(rep, "hilfe", locale="de-DE") == 200
    assert "meine follow-ups" in card_text(teams.cards_to(rep)[-1]).lower()
    assert await teams.say(rep, "digest") == 200
    assert await teams.say(teams.org.manager, "pipeline") == 200
    assert teams.connector.activities(f"a:1personal-{teams.org.manager.id.hex}")


async def test_hand_off_from_the_card_to_the_team_lead_who_decides_in_chat(
    teams: Teams, sessions: SessionMaker
) -> None:
    rep, lead_person = teams.org.reps[0], teams.org.lead_dach
    lead_id = await make_lead(sessions, teams.org, owner=rep, first_name="Miriam", last_name="Köhler")
    card = await teams.follow_up_card(rep)
    data = _data(card, "handoff.propose") | {"handoff_note": "Asked for a quote for 40 lines"}
    status, body = await teams.execute(rep, "handoff.propose", data)
    assert status == 200 and "Hand-off proposed" in card_text(body["value"])
    async with sessions() as session:
        hand_off = (await session.exec(select(HandOff).where(HandOff.lead_id == lead_id))).one()
        notice = (
            await session.exec(select(OutboxMessage).where(OutboxMessage.kind == "hand_off.proposed"))
        ).one()
    assert notice.team_id == teams.org.dach.id

    await teams.say(lead_person, "help")  # the team lead's chat exists, as after installing the app
    await teams.client.app[DISPATCHER].drain_once()
    hand_off_card = teams.cards_to(lead_person)[-1]
    text = card_text(hand_off_card)
    assert "Miriam Köhler" in text and "Asked for a quote for 40 lines" in text
    accept = _data(hand_off_card, "handoff.accept")
    assert accept["hand_off_id"] == str(hand_off.id)

    # The rep cannot decide their own hand-off by replaying the lead's card.
    status, body = await teams.execute(rep, "handoff.accept", accept)
    assert status == 200 and "not allowed" in card_text(body["value"])
    status, body = await teams.execute(lead_person, "handoff.reject", _data(hand_off_card, "handoff.reject"))
    assert status == 200 and "recycle_reason" in card_text(body["value"]), "a rejection needs a coded reason"
    status, body = await teams.execute(lead_person, "handoff.accept", accept)
    assert status == 200 and "accepted" in card_text(body["value"])
    assert not actions_of(body["value"]), "a decided hand-off offers no more decisions"
    lead = await _lead(sessions, lead_id)
    assert lead.lifecycle == "sal"


async def test_a_burst_of_first_messages_from_one_chat_all_get_answers(
    teams: Teams, sessions: SessionMaker
) -> None:
    rep = teams.org.reps[0]
    # Six, because Teams itself answers a seventh reply within a second with 429.
    statuses = await asyncio.gather(*(teams.say(rep, "help") for _ in range(6)))
    assert statuses == [200] * 6
    assert len(teams.cards_to(rep)) == 6, "no turn was lost to a race on storing the chat"
    async with sessions() as session:
        assert len((await session.exec(select(ConversationReference))).all()) == 1


async def test_a_sales_owned_lead_leaves_sales_only_with_a_coded_reason(
    teams: Teams, sessions: SessionMaker
) -> None:
    rep = teams.org.reps[0]
    lead_id = await make_lead(sessions, teams.org, owner=rep, first_name="Sven", last_name="Sommer")
    for lifecycle in (Lifecycle.SAL, Lifecycle.SQL):  # accepted by sales, then qualified
        async with transaction(sessions) as session:
            await set_lifecycle(
                session=session,
                lead_id=lead_id,
                lifecycle=lifecycle,
                reason=None,
                caller=Caller.system(teams.org.tenant_id, NOW),
                expected_version=(await _lead(sessions, lead_id)).version,
            )
    async with transaction(sessions) as session:  # a week later: the agreed next step is due
        due = (await session.exec(select(FollowUp).where(FollowUp.lead_id == lead_id))).one()
        due.due_at = NOW
        session.add(due)
    card = await teams.follow_up_card(rep)
    step = await _active(sessions, lead_id)
    assert step.kind == "sales_step" and "Next sales step due" in card_text(card)

    refused = _data(card, "followup.done") | {"outcome": "not_interested"}
    status, body = await teams.execute(rep, "followup.done", refused)
    assert status == 200 and "choose why it leaves sales" in card_text(body["value"])
    assert (await _lead(sessions, lead_id)).lifecycle == "sql", "a refused action writes nothing"
    assert (await _active(sessions, lead_id)).id == step.id

    coded = refused | {"recycle_reason": "under_contract", "recycle_until": "2027-09-30"}
    status, body = await teams.execute(rep, "followup.done", coded)
    assert status == 200 and "Marked done" in card_text(body["value"])
    lead = await _lead(sessions, lead_id)
    assert lead.lifecycle == "recycled" and lead.recycle_reason_code == "under_contract"
    assert lead.nurture_until is not None and lead.nurture_until.date().isoformat() == "2027-07-01"
