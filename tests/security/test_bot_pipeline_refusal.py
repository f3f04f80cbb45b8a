"""A rep who asks for the pipeline gets a polite card saying who may, instead of silence."""

from __future__ import annotations

import pytest

from tests.bot.conftest import card_text
from tests.security.bot_support import Teams, connector, teams

__all__ = ["connector", "teams"]


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("en-US", "managers and team leads only"), ("de-DE", "nur für Management und Teamleitungen")],
)
async def test_a_rep_asking_for_the_pipeline_is_told_who_may(
    teams: Teams, locale: str, expected: str
) -> None:
    rep = teams.org.reps[0]
    assert await teams.say(rep, "pipeline", locale=locale) == 200
    sent = teams.cards_to(rep)
    assert len(sent) == 1, "exactly one answer, not silence"
    text = card_text(sent[0])
    assert expected in text
    assert "Pipeline" in text and "MQL" not in text, "no pipeline figures reach a rep"


async def test_a_team_lead_still_gets_the_pipeline(teams: Teams) -> None:
    lead = teams.org.lead_dach
    assert await teams.say(lead, "pipeline") == 200
    sent = teams.cards_to(lead)
    assert len(sent) == 1 and "Pipeline: DACH" in card_text(sent[0])
