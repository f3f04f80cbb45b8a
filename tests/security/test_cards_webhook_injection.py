"""The reproduction: a web form puts a Markdown link into a lead's name, and the owner's card shows it dead.

The form goes through the signed lead webhook, the lead is routed and assigned, the dispatcher sends the
"New lead assigned" card to the owner's chat through the Bot Connector double, and Microsoft's
adaptivecards renderer draws that card with Markdown on in headless Chromium."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from app.db import SessionMaker
from app.services.api_keys import signature
from bot.setup import DISPATCHER
from tests.bot.conftest import NOW, card_text
from tests.cards.rendered import render
from tests.security.bot_support import Teams, connector, teams
from tests.tab.conftest import launch_chromium

__all__ = ["connector", "teams"]

PHISH = "[Your Teams session expired - sign in again](https://evil.example/login)"


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await launch_chromium(playwright)
        yield chromium
        await chromium.close()


async def _signed_form(teams: Teams, form: dict[str, Any]) -> tuple[int, Any]:
    admin = teams.org.admin
    assert admin is not None
    dev = {"Authorization": f"Dev {admin.tenant_id} {admin.email}"}
    created = await teams.client.post("/api/v1/settings/api-keys", json={"name": "Web form"}, headers=dev)
    assert created.status == 201, await created.text()
    key = str((await created.json())["key"])
    raw = json.dumps(form).encode()
    stamp = str(int(NOW.timestamp()))
    headers = {
        "Authorization": f"Bearer {key}",
        "X-Nurture-Timestamp": stamp,
        "X-Nurture-Signature": signature(key.split("_", 2)[2], stamp, raw),
        "Content-Type": "application/json",
    }
    response = await teams.client.post("/api/v1/webhooks/leads", data=raw, headers=headers)
    return response.status, await response.json()


async def test_a_link_typed_into_a_web_form_arrives_dead_in_the_owners_card(
    teams: Teams, sessions: SessionMaker, browser: Any
) -> None:
    for rep in teams.org.reps:
        status, _ = await teams.post(teams.activity(rep, "installationUpdate", action="add"))
        assert status == 200
    form = {
        "email": "visitor@fabrik.example",
        "first_name": PHISH,
        "last_name": "Visitor mailto:help@evil.example",
        "country": "DE",
        "company_name": "**Fabrik** <https://evil.example/company>",
    }
    status, body = await _signed_form(teams, form)
    assert status == 201, body

    await teams.client.app[DISPATCHER].drain_once()
    assigned = [
        card
        for rep in teams.org.reps
        for card in teams.cards_to(rep)
        if "New lead assigned" in card_text(card)
    ]
    assert len(assigned) == 1, "the owner got the ownership card"

    shown = await render(browser, assigned[0])
    assert not [href for href in shown.links if "evil.example" in href], shown.links
    assert "Your Teams session expired - sign in again" in shown.text
    assert "evil.example/login" in shown.text.replace("\u2060", ""), "the address is shown as text"
    assert "**Fabrik**" in shown.text, "the company reads as typed"
