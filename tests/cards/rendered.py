"""A card rendered to HTML by Microsoft's adaptivecards JS library in headless Chromium, Markdown on.

The library leaves Markdown to its host. Teams renders a CommonMark subset and turns web addresses in
text into links; markdown-it with linkify for addresses that name their scheme (or start with www.)
stands in for that, so a test sees the links a reader could click."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.tab.conftest import require

RENDERER = Path(__file__).resolve().parent / "renderer" / "node_modules"
ADAPTIVECARDS_JS = RENDERER / "adaptivecards" / "dist" / "adaptivecards.js"
MARKDOWN_IT_JS = RENDERER / "markdown-it" / "dist" / "browser" / "markdown-it.umd.min.js"

_RENDER = """(card) => {
  const markdown = window.markdownit({ linkify: true });
  markdown.linkify.set({ fuzzyLink: false, fuzzyEmail: false });
  AdaptiveCards.AdaptiveCard.onProcessMarkdown = (text, result) => {
    result.outputHtml = markdown.render(text);
    result.didProcess = true;
  };
  const adaptive = new AdaptiveCards.AdaptiveCard();
  adaptive.parse(card);
  const element = adaptive.render();
  document.body.appendChild(element);
  return {
    links: [...element.querySelectorAll("a")].map((anchor) => anchor.getAttribute("href") || ""),
    text: element.innerText,
  };
}"""


@dataclass(frozen=True)
class Rendered:
    links: list[str]  # the href of every <a> in the rendered card
    text: str  # what a reader sees


async def render(browser: Any, card: dict[str, Any]) -> Rendered:
    """``card`` as the renderer draws it, in a fresh page of ``browser``."""
    require(
        ADAPTIVECARDS_JS.is_file() and MARKDOWN_IT_JS.is_file(),
        "the card renderer is not installed: cd tests/cards/renderer && npm install",
    )
    page = await browser.new_page()
    try:
        await page.set_content("<!doctype html><html><body></body></html>")
        await page.add_script_tag(path=str(MARKDOWN_IT_JS))
        await page.add_script_tag(path=str(ADAPTIVECARDS_JS))
        result = await page.evaluate(_RENDER, card)
    finally:
        await page.close()
    return Rendered(links=list(result["links"]), text=str(result["text"]))
