"""Proactive cards: installation, the scheduler's notices, the dispatcher, and its refusals and retries."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select

from app.db import SessionMaker, transaction
from app.models import ConversationReference, FollowUp, Lead, Member, OutboxMessage, Team
from app.nurturing.enums import Lifecycle
from app.scheduler import run_tick
from bot.setup import DISPATCHER
from tests.bot.conftest import NOW, Teams, card_text, personal_conversation
from tests.factories import make_lead


def _dev(member: Member) -> dict[str, str]:
    return {"Authorization": f"Dev {member.tenant_id} {member.email}"}


async def _install(teams: Teams, member: Member) -> int:
    status, _ = await teams.post(teams.activity(member, "installationUpdate", action="add"))
    return status


async def _outbox(sessions: SessionMaker) -> list[OutboxMessage]:
    async with sessions() as session:
        return list((await session.exec(select(OutboxMessage).order_by(col(OutboxMessage.kind)))).all())


async def test_install_welcomes_and_stores_the_chat_then_due_cards_arrive(
    teams: Teams, sessions: SessionMaker
) -> None:
    rep, lonely = teams.org.reps[0], teams.org.reps[1]
    await make_lead(sessions, teams.org, owner=rep, first_name="Elif", last_name="Yılmaz")
    await make_lead(sessions, teams.org, owner=lonely, first_name="Sören", last_name="Kahl")
    assert await _install(teams, rep) == 200
    welcome = teams.cards_to(rep)
    assert len(welcome) == 1 and "my follow-ups" in card_text(welcome[0])
    async with sessions() as session:
        stored = (await session.exec(select(ConversationReference))).one()
    assert stored.member_id == rep.id and stored.conversation_id == personal_conversation(rep)

    report = await run_tick(sessions=sessions, now=NOW)
    assert report.follow_ups_announced == 2
    dispatcher = teams.client.app[DISPATCHER]
    await dispatcher.drain_once()
    cards = teams.cards_to(rep)
    assert len(cards) >= 2 and any("Elif Yılmaz" in card_text(card) for card in cards[1:])
    async with sessions() as session:
        sent = (await session.exec(select(FollowUp).where(FollowUp.owner_id == rep.id))).one()
    assert sent.activity_id is not None and sent.conversation_id == personal_conversation(rep)

    # The rep who never installed the app: the reason is kept, and their team lead can read it.
    rows = {row.member_id: row for row in await _outbox(sessions) if row.kind == "follow_up.due"}
    assert rows[rep.id].status == "sent" and rows[lonely.id].status == "undeliverable"
    assert "has not installed" in (rows[lonely.id].last_error or "")
    response = await teams.client.get("/api/v1/delivery-problems", headers=_dev(teams.org.lead_dach))
    problems = (await response.json())["items"]
    assert response.status == 200 and {p["member_id"] for p in problems} == {str(lonely.id)}
    response = await teams.client.get("/api/v1/delivery-problems", headers=_dev(teams.org.lead_uk))
    assert (await response.json())["items"] == [], "another team's lead does not see them"


async def test_done_in_the_tab_updates_the_card_in_place(teams: Teams, sessions: SessionMaker) -> None:
    rep = teams.org.reps[0]
    await make_lead(sessions, teams.org, owner=rep)
    await _install(teams, rep)
    await run_tick(sessions=sessions, now=NOW)
    dispatcher = teams.client.app[DISPATCHER]
    await dispatcher.drain_once()
    async with sessions() as session:
        follow_up = (await session.exec(select(FollowUp).where(FollowUp.owner_id == rep.id))).one()
    assert follow_up.activity_id
    response = await teams.client.post(
        f"/api/v1/follow-ups/{follow_up.id}/complete", json={"outcome": "no_answer"}, headers=_dev(rep)
    )
    assert response.status == 200
    await dispatcher.drain_once()
    updates = teams.connector.updates(personal_conversation(rep))
    assert len(updates) == 1 and updates[0]["id"] == follow_up.activity_id
    assert "Done" in card_text(updates[0]) or "done" in card_text(updates[0])
    assert [
        a
        for a in updates[0]["attachments"][0]["content"].get("actions", [])
        if a.get("verb") == "followup.done"
    ] == []


async def test_blocked_is_final_and_429_waits_for_retry_after(teams: Teams, sessions: SessionMaker) -> None:
    rep, other = teams.org.reps[0], teams.org.reps[1]
    await make_lead(sessions, teams.org, owner=rep)
    await make_lead(sessions, teams.org, owner=other)
    await _install(teams, rep)
    await _install(teams, other)
    await run_tick(sessions=sessions, now=NOW)
    teams.connector.block(personal_conversation(rep))
    dispatcher = teams.client.app[DISPATCHER]
    await dispatcher.drain_once()
    rows = await _outbox(sessions)
    to_rep = [row for row in rows if row.member_id == rep.id]
    assert to_rep and {(row.status, row.attempts) for row in to_rep} == {("blocked", 1)}, "403 is final"
    assert "blocked" in (to_rep[0].last_error or "")

    await make_lead(sessions, teams.org, owner=other)  # queues one "you own a new lead" card
    teams.connector.fail_next(1, 429, retry_after=30)
    await dispatcher.drain_once()
    throttled = [row for row in await _outbox(sessions) if row.last_error == "HTTP 429"]
    assert len(throttled) == 1 and throttled[0].member_id == other.id
    assert throttled[0].status == "pending" and throttled[0].attempts == 1
    assert throttled[0].not_before >= NOW + timedelta(seconds=30), "Retry-After is honoured"
    assert dispatcher.stats.throttled == 1
    assert await dispatcher.drain_once() == 0, "nothing is due again before Retry-After has passed"
    assert teams.connector.activities(personal_conversation(rep))[1:] == [], "nothing reached a blocked chat"


async def test_a_team_install_keeps_the_channel_and_posts_the_scheduled_pipeline(
    teams: Teams, sessions: SessionMaker
) -> None:
    lead = teams.org.lead_dach
    channel = "19:dach-pipeline@thread.tacv2"
    async with transaction(sessions) as session:
        team = await session.get(Team, teams.org.dach.id)
        assert team is not None
        team.pipeline_channel_id = channel
        team.pipeline_schedule = "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0"
        session.add(team)
    conversation = {"id": channel, "conversationType": "channel", "tenantId": lead.tenant_id}
    added = teams.activity(
        lead,
        "conversationUpdate",
        conversation=conversation,
        membersAdded=[{"id": "28:nurture-bot"}],
        channelData={
            "tenant": {"id": lead.tenant_id},
            "eventType": "teamMemberAdded",
            "team": {"id": channel},
        },
    )
    status, _ = await teams.post(added)
    assert status == 200
    async with sessions() as session:
        stored = (await session.exec(select(ConversationReference))).one()
    assert stored.scope == "channel" and stored.team_id == teams.org.dach.id

    monday_morning = NOW.replace(hour=8, minute=5)  # 10:05 in Berlin on Monday 30 March
    report = await run_tick(sessions=sessions, now=monday_morning)
    again = await run_tick(sessions=sessions, now=monday_morning + timedelta(minutes=30))
    assert report.pipeline_posts >= 1 and again.pipeline_posts >= 1
    posts = [row for row in await _outbox(sessions) if row.kind == "pipeline.post"]
    assert len(posts) == 2, "one post per team per occurrence, however often the scheduler ticks"
    await teams.client.app[DISPATCHER].drain_once()
    posted = teams.connector.activities(channel)
    assert len(posted) == 1
    card = posted[0]["attachments"][0]["content"]
    assert card["refresh"]["action"]["verb"] == "pipeline.refresh" and "DACH" in card_text(card)


async def test_shutdown_hands_unsent_notices_back_at_once(teams: Teams, sessions: SessionMaker) -> None:
    for rep in teams.org.reps:
        await _install(teams, rep)
        for _ in range(3):
            await make_lead(sessions, teams.org, owner=rep)
    dispatcher = teams.client.app[DISPATCHER]
    dispatcher.stop()  # as on SIGTERM, before this pass gets going
    await dispatcher.drain_once()
    rows = await _outbox(sessions)
    assert rows and {row.status for row in rows} == {"pending"}, "nothing sent, nothing left leased"
    assert all(row.claimed_by is None and row.attempts == 0 for row in rows)


async def test_a_dead_workers_leased_notices_are_taken_over_without_waiting_for_the_lease(
    teams: Teams, sessions: SessionMaker
) -> None:
    rep = teams.org.reps[0]
    await _install(teams, rep)
    await make_lead(sessions, teams.org, owner=rep)
    async with transaction(sessions) as session:
        for row in (await session.exec(select(OutboxMessage))).all():
            row.status, row.claimed_by, row.lease_until = (
                "sending",
                "dead-host:1:abc",
                NOW + timedelta(hours=1),
            )
            session.add(row)
    dispatcher = teams.client.app[DISPATCHER]
    await dispatcher.drain_once()
    rows = await _outbox(sessions)
    assert rows and {row.status for row in rows} == {"sent"}, "the survivor sent them at once"


async def test_a_team_without_a_lead_escalates_to_the_manager_and_unrouted_leads_reach_them(
    teams: Teams, sessions: SessionMaker
) -> None:
    manager, team_lead = teams.org.manager, teams.org.lead_dach
    assert manager is not None
    await _install(teams, manager)
    await _install(teams, team_lead)
    async with transaction(sessions) as session:
        gone = await session.get(Member, team_lead.id)
        assert gone is not None
        gone.active = False  # the team lead left; the team has no lead now
        session.add(gone)
    lead_id = await make_lead(
        sessions, teams.org, owner=teams.org.reps[0], first_name="Ines", last_name="Ott"
    )
    await make_lead(sessions, teams.org, country="FR", first_name="Marc", last_name="Roux")  # no rule matches
    async with transaction(sessions) as session:
        lead = await session.get(Lead, lead_id)
        assert lead is not None
        lead.lifecycle, lead.mql_at = Lifecycle.MQL, NOW - timedelta(days=3)
        session.add(lead)
    await run_tick(sessions=sessions, now=NOW)
    await teams.client.app[DISPATCHER].drain_once()
    texts = [card_text(card) for card in teams.cards_to(manager)[1:]]
    assert any("SLA breached" in text and "Ines Ott" in text for text in texts)
    assert any("without an owner" in text and "Marc Roux" in text for text in texts)
    assert teams.cards_to(team_lead)[1:] == [], "nothing goes to the lead who left"
