"""End to end through Microsoft's Teams emulator: a rep asks for follow-ups and marks one done on its card.

Nothing here is ours except the bot under test: `nurture demo` seeds the demo tenant and serves the bot,
the Microsoft 365 Agents Playground (npm) plays Teams with the repository's .m365agentsplayground.yml,
and headless Chromium clicks through the Playground's web UI as Oliver Hughes."""

from __future__ import annotations

import os
import re
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from app.db import create_sessionmaker, engine_for_url
from app.models import FollowUp, Lead
from app.nurturing.enums import FollowUpOutcome, FollowUpStatus
from cards import actions as act
from tests.playground.processes import (
    PLAYGROUND_CLI,
    REPO,
    Running,
    free_port,
    start_nurture_demo,
    start_playground,
)
from tests.playground.ui import PlaygroundUI

IN_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
NODE = shutil.which("node")
ARTEFACTS = REPO / "test-artifacts" / "playground"

# The people .m365agentsplayground.yml names, as `nurture demo` seeds them.
DEMO_TENANT_ID = "3f2c1d9e-7b4a-4e2f-9c1d-0de70de70de7"
OLIVER_OBJECT_ID = "1ef0b1dc-d250-5be9-8a3d-d2e373324fe2"
# Fewer leads than `make demo` (500) to seed in seconds; with seed 7 Oliver still has follow-ups due.
DEMO_LEADS = 200
MAX_FOLLOW_UP_CARDS = 5  # the bot's cap per answer (contract), the rest wait in the tab


def _require(condition: bool, reason: str) -> None:
    if not condition:
        if IN_CI:
            pytest.fail(f"{reason} (required in CI)")
        pytest.skip(reason)


@dataclass(frozen=True)
class Stack:
    ui_url: str
    database_url: str
    workdir: Path


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    """Nurture's demo and the Playground pointed at it, both real subprocesses on free loopback ports."""
    _require(NODE is not None, "node is not installed (Node 20 or newer)")
    _require(
        PLAYGROUND_CLI.is_file(),
        "the Agents Playground is not installed (make playground, or npm install in tests/playground)",
    )
    _require(CHROMIUM is not None, "Chromium is not installed (Debian package chromium)")
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}"
    started: list[Running] = []
    try:
        bot_port = free_port()
        started.append(
            start_nurture_demo(tmp_path, port=bot_port, database_url=database_url, leads=DEMO_LEADS)
        )
        playground, ui_port = start_playground(tmp_path, port=free_port(), bot_port=bot_port)
        started.append(playground)
        yield Stack(ui_url=f"http://localhost:{ui_port}/", database_url=database_url, workdir=tmp_path)
    finally:
        for running in reversed(started):
            running.stop()
        # Both logs next to the screenshots: what the bot and the emulator said is the first thing to read.
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        for name in ("nurture.log", "playground.log", "playground-console.log"):
            if (tmp_path / name).is_file():
                shutil.copyfile(tmp_path / name, ARTEFACTS / name)


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield chromium
        await chromium.close()


async def _screenshot(page: Any, name: str) -> None:
    """Keep what the browser showed, for people reviewing a CI run (and the README picture)."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTEFACTS / f"{name}.png"))


async def _follow_up(database_url: str, follow_up_id: str) -> tuple[FollowUp, Lead]:
    engine = engine_for_url(database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            follow_up = await session.get(FollowUp, uuid.UUID(follow_up_id))
            assert follow_up is not None, f"the invoke named follow-up {follow_up_id}, which does not exist"
            lead = await session.get(Lead, follow_up.lead_id)
            assert lead is not None
            return follow_up, lead
    finally:
        await engine.dispose()


async def test_a_rep_marks_a_follow_up_done_on_its_card_in_the_playground(stack: Stack, browser: Any) -> None:
    page = await browser.new_page(viewport={"width": 1440, "height": 1000})
    playground = PlaygroundUI(page)
    await playground.open(stack.ui_url)
    assert await page.get_by_text("Oliver Hughes").first.is_visible(), "the configured user is not shown"

    await playground.send("my follow-ups")
    cards = playground.card_messages()
    intro = cards.filter(has_text=re.compile(r"You have \d+ follow-ups? due"))
    await intro.wait_for()
    counted = re.search(r"You have (\d+) follow-ups? due", await intro.inner_text())
    assert counted is not None
    due = int(counted.group(1))
    assert due >= 1, "the demo seed gave Oliver nothing due; the rest of this test would prove nothing"

    # One card per due follow-up, at most five; each offers "Done" among its top-level actions.
    follow_ups = cards.filter(has=page.get_by_role("button", name="Done", exact=True))
    expected = min(due, MAX_FOLLOW_UP_CARDS)
    await follow_ups.nth(expected - 1).wait_for()
    assert await follow_ups.count() == expected
    await _screenshot(page, "01-my-follow-ups")

    # Pin the first follow-up card by its position in the chat: after the update it has no "Done" any more.
    texts = await cards.all_inner_texts()
    first = await follow_ups.first.inner_text()
    position = texts.index(first)
    card = cards.nth(position)
    messages_before = await cards.count()
    invokes_before = await playground.log_entry("invoke").count()

    await card.get_by_role("button", name="Done", exact=True).click()
    mark_done = card.get_by_role("button", name="Mark done")
    await mark_done.wait_for()
    assert await card.get_by_role("radio", name="Replied").is_checked(), "outcome should default to Replied"
    await _screenshot(page, "02-done-expanded")
    await mark_done.click()

    # The Playground logs the invoke with the HTTP status the bot answered.
    invoke = playground.log_entry("invoke").nth(invokes_before)
    await invoke.wait_for()
    assert await invoke.inner_text() == "invoke 200"

    # The refreshed card replaced the old one where it was: a "Done" banner, no "Mark done", nothing appended.
    banner = card.locator("p").filter(has_text=re.compile(r"^(Marked )?[Dd]one\b"))
    await banner.first.wait_for()
    assert await card.get_by_role("button", name="Mark done").count() == 0
    assert await card.get_by_role("button", name="Done", exact=True).count() == 0
    assert await cards.count() == messages_before
    await _screenshot(page, "03-marked-done")

    request, response = await playground.log_details(invoke)
    assert request["type"] == "invoke"
    assert request["name"] == "adaptiveCard/action"
    assert request["from"]["aadObjectId"] == OLIVER_OBJECT_ID
    assert request["conversation"]["tenantId"] == DEMO_TENANT_ID
    assert request["conversation"]["conversationType"] == "personal"
    action = request["value"]["action"]
    assert action["type"] == "Action.Execute"
    assert action["verb"] == act.FOLLOW_UP_DONE
    assert action["data"][act.INPUT_OUTCOME] == "replied"
    assert response["statusCode"] == 200
    assert response["type"] == "application/vnd.microsoft.card.adaptive"

    # And it really happened: the follow-up the card was about is done, and the card names its lead.
    follow_up, lead = await _follow_up(stack.database_url, action["data"][act.DATA_FOLLOW_UP_ID])
    assert follow_up.status == FollowUpStatus.DONE
    assert follow_up.outcome == FollowUpOutcome.REPLIED
    assert f"{lead.first_name} {lead.last_name}" in await card.inner_text()

    # The picture for the README: the updated card in the chat, the invoke in the log panel.
    await page.get_by_role("tab", name="Request").click()
    await card.evaluate("element => element.scrollIntoView({block: 'start'})")
    await _screenshot(page, "playground-readme")
