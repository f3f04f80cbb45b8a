"""Reading and driving the Agents Playground's web UI (version 0.2.28) through Playwright.

The UI has few test ids, so these selectors lean on what it renders for people and for the Adaptive
Cards renderer it embeds:
- in a personal chat the compose box is the only `role=textbox` (channels add a second); Enter sends
- each chat message with a card is a `.fai-OutputCard` (Fluent AI) holding an `.ac-adaptiveCard`;
  card actions are buttons named by their title, inputs keep their roles (radio, combobox, ...)
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

    def card_messages(self) -> Any:
        """Every chat message that carries an Adaptive Card, oldest first; positions never shift."""
        return self.page.locator(CARD_MESSAGE).filter(has=self.page.locator(CARD))

    def log_entry(self, kind: str) -> Any:
        """Log panel lines for one activity type ("invoke", "message", ...), each "<type> <HTTP status>"."""
        return self.page.get_by_text(re.compile(rf"^{re.escape(kind)} \d{{3}}$"))

    async def log_details(self, entry: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        """The request the Playground sent and the response it got, as it shows them for a log line."""
        await entry.click()
        tabs = self.page.get_by_role("tablist")
        viewer = tabs.locator("xpath=../following-sibling::*[@contenteditable='true']")
        await self.page.get_by_role("tab", name="Request").click()
        shown = await viewer.inner_text()
        request = json.loads(shown)
        await self.page.get_by_role("tab", name="Response").click()
        # The viewer re-renders after the tab switch: wait until it no longer shows the request.
        await expect(viewer).not_to_have_text(shown)
        response = json.loads(await viewer.inner_text())
        return request, response
