"""Reading and driving the Agents Playground's web UI (version 0.2.28) through Playwright.

The UI has few test ids, so these selectors lean on what it renders for people and for the Adaptive
Cards renderer it embeds:
- in a personal chat the compose box is the only `role=textbox` (channels add a second); Enter sends
- each chat message with a card is a `.fai-OutputCard` (Fluent AI) holding an `.ac-adaptiveCard`;
  card actions are buttons named by their title, inputs keep their roles (radio, combobox, ...)
- in a channel the bot hears only mentions; typing "@" opens a Fluent menu with a `menuitem` per name
- the log panel lists one line per activity, e.g. "invoke 200" or "message 201"; clicking one shows
  its JSON under a Request/Response tab list, in the contenteditable viewer next to that tab list.

Keeping them here means a Playground upgrade that moves things touches one file."""

from __future__ import annotations

import json
import re
from typing import Any

from playwright.async_api import expect

CARD_MESSAGE = ".fai-OutputCard"
CARD = ".ac-adaptiveCard"


class PlaygroundUI:
    """One browser tab on the Playground, in the personal chat it opens with."""

    def __init__(self, page: Any) -> None:
        self.page = page

    async def open(self, url: str) -> None:
        """Load the UI and wait until it has told the bot about the personal chat.

        Loading the page is what makes the Playground send installationUpdate and conversationUpdate;
        typing before the bot has seen them would race its installation handling."""
        await self.page.goto(url)
        await self.page.get_by_role("textbox").wait_for()
        # The two arrive in either order.
        await self.log_entry("installationUpdate").wait_for()
        await self.log_entry("conversationUpdate").wait_for()

    async def send(self, text: str) -> None:
        box = self.page.get_by_role("textbox")
        await box.fill(text)
        await box.press("Enter")

    async def open_channel(self, name: str) -> None:
        """Switch to a channel of the configured team in the left rail; its conversation opens."""
        await self.page.get_by_text(name, exact=True).click()
        await self.page.get_by_role("textbox").nth(1).wait_for()

    async def mention_and_send(self, bot: str, text: str) -> None:
        """In a channel the bot hears only mentions: type "@", pick the bot from the picker, then the text.

        The channel view has two text boxes, a new post and a reply under the latest post; the reply box
        is the one the bot's own welcome post offers."""
        box = self.page.get_by_role("textbox").last
        await box.click()
        await self.page.keyboard.type(f"@{bot[:3]}")
        # The picker is a Fluent menu: one menuitem per person or bot that can be mentioned.
        await self.page.get_by_role("menuitem", name=bot).click()
        await self.page.keyboard.type(f" {text}")
        await self.page.keyboard.press("Enter")

    def cards(self) -> Any:
        """Every rendered Adaptive Card, in any chat or channel view."""
        return self.page.locator(CARD)

    def card_messages(self) -> Any:
        """Every chat message that carries an Adaptive Card, oldest first; positions never shift."""
        return self.page.locator(CARD_MESSAGE).filter(has=self.page.locator(CARD))

    def log_entry(self, kind: str) -> Any:
        """Log panel lines for one activity type ("invoke", "message", ...), each "<type> <HTTP status>"."""
        return self.page.get_by_text(re.compile(rf"^{re.escape(kind)} \d{{3}}$"))

    def _viewer(self) -> Any:
        tabs = self.page.get_by_role("tablist")
        return tabs.locator("xpath=../following-sibling::*[@contenteditable='true']")

    async def log_request(self, entry: Any) -> dict[str, Any]:
        """The activity the Playground sent for a log line (a message's response has no body to read)."""
        await entry.click()
        await self.page.get_by_role("tab", name="Request").click()
        parsed: dict[str, Any] = json.loads(await self._viewer().inner_text())
        return parsed

    async def log_details(self, entry: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        """The request the Playground sent and the response it got, as it shows them for a log line."""
        request = await self.log_request(entry)
        viewer = self._viewer()
        shown = await viewer.inner_text()
        await self.page.get_by_role("tab", name="Response").click()
        # The viewer re-renders after the tab switch: wait until it no longer shows the request.
        await expect(viewer).not_to_have_text(shown)
        response = json.loads(await viewer.inner_text())
        return request, response
