"""Bad input on /api/messages fails cleanly: a 4xx or an error card, never a 500 or a lost activity."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from app.db import SessionMaker
from tests.bot.conftest import card_text
from tests.factories import make_lead
from tests.security.bot_support import Teams, connector, data_of, teams

__all__ = ["connector", "teams"]


def _invoke(teams: Teams, value: Any) -> dict[str, Any]:
    rep = teams.org.reps[0]
    return teams.activity(rep, "invoke", name="adaptiveCard/action", value=value)


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("followup.done", id="value-is-a-string"),
        pytest.param([1, 2], id="value-is-a-list"),
        pytest.param(7, id="value-is-a-number"),
        pytest.param({"action": "followup.done"}, id="action-is-a-string"),
        pytest.param({"action": {"type": "Action.Execute", "verb": "followup.done", "data": "x"}}, id="data"),
        pytest.param({"action": {"type": "Action.Execute", "verb": "followup.done", "data": [1]}}, id="list"),
    ],
)
async def test_an_invoke_of_the_wrong_shape_gets_a_clean_answer(teams: Teams, value: Any) -> None:
    status, body = await teams.post(_invoke(teams, value))
    # Teams puts the invoke response in place of the card: our error card, not a failed turn.
    assert status == 200, body
    assert body["statusCode"] == 200 and body["type"] == "application/vnd.microsoft.card.adaptive"
    assert "did not work" in card_text(body["value"])


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("depth", [900, 100_000])
@pytest.mark.parametrize("where", ["top", "value"])
async def test_deeply_nested_json_is_refused_with_400(teams: Teams, where: str, depth: int) -> None:
    document = _invoke(teams, {"action": {"type": "Action.Execute", "verb": "followup.done", "data": {}}})
    raw = json.dumps(document)
    if where == "top":
        raw = raw[:-1] + f', "x": {_nested(depth)}}}'
    else:
        raw = raw.replace('"data": {}', f'"data": {{"deep": {_nested(depth)}}}')
    response = await teams.client.post(
        "/api/messages", data=raw.encode(), headers={"Content-Type": "application/json"}
    )
    assert response.status == 400
    assert (await response.json())["error"] in ("malformed_json", "too_deep")


async def _chunks(raw: bytes, size: int = 16 * 1024) -> AsyncIterator[bytes]:
    # A pause between chunks, as over a real network: the server must not take the first chunk for all.
    for start in range(0, len(raw), size):
        yield raw[start : start + size]
        await asyncio.sleep(0.005)


async def test_a_large_activity_sent_chunked_is_accepted_like_a_plain_one(
    teams: Teams, sessions: SessionMaker
) -> None:
    rep = teams.org.reps[0]
    await make_lead(sessions, teams.org, owner=rep, first_name="Chunky")
    card = await teams.follow_up_card(rep)
    data = data_of(card, "followup.log") | {"touch_kind": "call", "summary": "Talked budget"}
    document = teams.activity(
        rep,
        "invoke",
        name="adaptiveCard/action",
        value={"action": {"type": "Action.Execute", "verb": "followup.log", "data": data}},
    )
    # Teams sends entities and channel data that the bot ignores; padding stands in for them.
    document["channelData"]["padding"] = "x" * 150_000
    raw = json.dumps(document).encode()
    assert 150_000 < len(raw) < 256 * 1024

    response = await teams.client.post(
        "/api/messages", data=_chunks(raw), headers={"Content-Type": "application/json"}
    )
    assert response.status == 200, await response.text()
    body = await response.json()
    assert "logged" in card_text(body["value"])

    # Past the limit, chunked or not, the answer is the same 413.
    document["channelData"]["padding"] = "x" * 300_000
    too_big = json.dumps(document).encode()
    chunked = await teams.client.post(
        "/api/messages", data=_chunks(too_big), headers={"Content-Type": "application/json"}
    )
    plain = await teams.client.post(
        "/api/messages", data=too_big, headers={"Content-Type": "application/json"}
    )
    assert chunked.status == plain.status == 413
