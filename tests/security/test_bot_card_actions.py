"""Card actions authorize first: a stale invoke shows only what the caller may see."""

from __future__ import annotations

import uuid

import pytest

from app.db import SessionMaker, transaction
from app.services.access import Caller
from app.services.hand_offs import accept_hand_off, propose_hand_off
from tests.bot.conftest import NOW, card_text
from tests.factories import make_lead
from tests.security.bot_support import Teams, connector, data_of, teams

__all__ = ["connector", "teams"]


@pytest.mark.parametrize("card", ["single", "list"])
async def test_a_stale_invoke_with_another_reps_lead_id_shows_only_the_callers_lead(
    teams: Teams, sessions: SessionMaker, card: str
) -> None:
    rep, other = teams.org.reps[0], teams.org.reps[1]
    await make_lead(sessions, teams.org, owner=rep, first_name="Mine")
    secret = await make_lead(sessions, teams.org, owner=other, first_name="Secret")
    if card == "single":
        data = data_of(await teams.follow_up_card(rep), "followup.done") | {"outcome": "replied"}
    else:
        await teams.say(rep, "my follow-ups")
        data = data_of(teams.cards_to(rep)[-1], "followup.done")
    data |= {"version": 9999, "lead_id": str(secret)}

    status, body = await teams.execute(rep, "followup.done", data)

    assert status == 200
    shown = card_text(body["value"])
    assert "changed since the card was sent" in shown, "the rep's own follow-up is still stale"
    assert other.display_name not in shown, "the other rep's name must not appear"
    assert "Secret" not in shown
    assert "Mine" in shown, "the banner describes the caller's own lead"


async def test_a_rep_who_may_not_decide_a_hand_off_learns_nothing_of_its_state(
    teams: Teams, sessions: SessionMaker
) -> None:
    rep = teams.org.reps[0]
    lead_id = await make_lead(sessions, teams.org, owner=rep)
    async with transaction(sessions) as session:
        proposed = await propose_hand_off(
            session=session,
            lead_id=lead_id,
            caller=Caller.system(teams.org.tenant_id, NOW),
        )
        hand_off_id = proposed.id
    async with transaction(sessions) as session:
        await accept_hand_off(
            session=session,
            hand_off_id=hand_off_id,
            caller=Caller.system(teams.org.tenant_id, NOW),
        )
    data = {"tenant_id": teams.org.tenant_id, "lead_id": str(lead_id), "version": 0}

    status, body = await teams.execute(rep, "handoff.accept", data | {"hand_off_id": str(hand_off_id)})

    # Deciding is the team lead's; the rep is refused before the hand-off's state is looked at.
    assert status == 200
    shown = card_text(body["value"])
    assert "not allowed" in shown and "already" not in shown


async def test_a_rep_refreshing_a_pipeline_card_is_refused_before_the_team_is_looked_up(teams: Teams) -> None:
    rep = teams.org.reps[0]
    for team_id in (str(teams.org.dach.id), str(uuid.uuid4())):
        data = {"tenant_id": teams.org.tenant_id, "team_id": team_id}
        status, body = await teams.execute(rep, "pipeline.refresh", data)
        # The same refusal for a real team and a made-up one: nothing tells the rep which exists.
        assert status == 200
        shown = card_text(body["value"])
        assert "not allowed" in shown and "no longer exists" not in shown
