"""Headless Chromium for the tab tests: skipped with a reason when it is missing, required in CI."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from app.db import SessionMaker, create_sessionmaker, engine_for_url
from app.tab_site import TAB_DIST
from tests.doubles.teams_host import TeamsHostDouble
from tests.graph.fixtures import graph, identity

__all__ = ["graph", "identity"]

IN_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Nothing in the background that would reach for the internet, which these machines cannot.
QUIET_CHROMIUM = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ARTEFACTS = Path(__file__).parents[2] / "test-artifacts"


def require(condition: bool, reason: str) -> None:
    """Skip with ``reason`` when ``condition`` fails, except in CI, where the browser tests are required."""
    if not condition:
        if IN_CI:
            pytest.fail(f"{reason} (required in CI)")
        pytest.skip(reason)


async def launch_chromium(playwright: Any, *extra_args: str) -> Any:
    """Debian's Chromium through Playwright, headless."""
    require(CHROMIUM is not None, "Chromium is not installed (Debian package chromium)")
    return await playwright.chromium.launch(executable_path=CHROMIUM, args=[*QUIET_CHROMIUM, *extra_args])


async def screenshot(page: Any, name: str) -> None:
    """Keep what the browser showed, for people reviewing a CI run."""
    ARTEFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTEFACTS / f"{name}.png"), full_page=True)


@contextlib.asynccontextmanager
async def in_teams(playwright: Any, host: TeamsHostDouble) -> AsyncIterator[tuple[TeamsHostDouble, Any]]:
    """A browser page showing ``host``'s Teams page with the tab in it: the host started, Chromium pointed
    at it, both stopped after."""
    async with host:
        browser = await launch_chromium(playwright, *host.chromium_args())
        try:
            page = await browser.new_page()
            await page.goto(host.url)
            yield host, page
        finally:
            await browser.close()


async def background_brightness(page: Any) -> int:
    """The brightest channel of the tab's background colour: low in Teams' dark theme, high in light."""
    colour: str = await page.locator(".fui-FluentProvider").first.evaluate(
        "element => getComputedStyle(element).backgroundColor"
    )
    red, green, blue = (int(part) for part in colour[colour.index("(") + 1 : -1].split(",")[:3])
    return max(red, green, blue)


@pytest.fixture
async def playwright() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as running:
        yield running


@pytest.fixture
async def browser(playwright: Any) -> AsyncIterator[Any]:
    chromium = await launch_chromium(playwright)
    yield chromium
    await chromium.close()


@pytest.fixture
async def tab_database(sqlite_template: Path, tmp_path: Path) -> AsyncIterator[tuple[str, SessionMaker]]:
    """A migrated SQLite database of the test's own for the server the browser talks to: URL and sessions."""
    require((TAB_DIST / "index.html").is_file(), "the tab is not built (make tab)")
    database = tmp_path / "tab.db"
    shutil.copyfile(sqlite_template, database)
    url = f"sqlite+aiosqlite:///{database}"
    engine = engine_for_url(url)
    yield url, create_sessionmaker(engine)
    await engine.dispose()
