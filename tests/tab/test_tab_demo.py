"""The tab in headless Chromium against the seeded demo: the lead's conversation in English and German, the
conversation filter, no raw codes on any page for any role, the Pipeline's charts, and axe on every page."""

from __future__ import annotations

import asyncio
import random
import re
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from sqlmodel import col, select

from app import vocabulary
from app.config import Settings
from app.db import create_sessionmaker, engine_for_url
from app.models import ConversationMessage, Lead, Member
from app.nurturing.enums import Role
from app.server import create_app
from app.services.demo_seed import DEMO_TENANT_ID, seed_demo_tenant
from app.tab_site import TAB_DIST
from tests.tab.conftest import require, screenshot

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
AXE = TAB_DIST.parent / "node_modules" / "axe-core" / "axe.min.js"


@dataclass(frozen=True)
class Demo:
    url: str  # the /tab/ page of a running server
    lead: Lead  # a lead with a mail thread and a chat, each with the lead's reply
    members: dict[Role, Member]  # one member per role; the rep owns the lead


async def _seed(url: str) -> None:
    engine = engine_for_url(url)
    try:
        await seed_demo_tenant(sessions=create_sessionmaker(engine), now=NOW, rng=random.Random(7), leads=60)
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
def demo_database(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo seeded once for this module (it takes a while); each test serves a copy of it."""
    require((TAB_DIST / "index.html").is_file(), "the tab is not built (make tab)")
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    shutil.copyfile(sqlite_template, path)
    asyncio.run(_seed(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture
async def demo(
    demo_database: Path, tmp_path: Path, aiohttp_server: Callable[..., Awaitable[TestServer]]
) -> AsyncIterator[Demo]:
    database = tmp_path / "demo.db"
    shutil.copyfile(demo_database, database)
    url = f"sqlite+aiosqlite:///{database}"
    engine = engine_for_url(url)
    sessions = create_sessionmaker(engine)
    async with sessions() as session:
        messages = (
            await session.exec(
                select(
                    ConversationMessage.lead_id, ConversationMessage.source, ConversationMessage.direction
                ).where(ConversationMessage.tenant_id == DEMO_TENANT_ID)
            )
        ).all()
        seen: dict[Any, set[str]] = {}
        for lead_id, source, direction in messages:
            seen.setdefault(lead_id, set()).update({str(source), f"{source}:{direction}"})
        # A mail thread and a chat, and the lead's own reply among them.
        talkative = sorted(
            (
                lead_id
                for lead_id, kinds in seen.items()
                if {"mail", "chat"} <= kinds and kinds & {"mail:inbound", "chat:inbound"}
            ),
            key=str,
        )
        assert talkative, "the demo has leads with mail, a chat and a reply"
        leads = (
            await session.exec(
                select(Lead)
                .where(col(Lead.id).in_(talkative), col(Lead.owner_id).is_not(None))
                .order_by(Lead.email)
            )
        ).all()
        lead = next(lead for lead in leads if lead.owner_id is not None)
        owner = await session.get(Member, lead.owner_id)
        assert owner is not None and owner.role is Role.REP
        members: dict[Role, Member] = {Role.REP: owner}
        for role in (Role.LEAD, Role.MANAGER, Role.ADMIN):
            query = select(Member).where(Member.tenant_id == DEMO_TENANT_ID, Member.role == role)
            if role is Role.LEAD:  # the rep's own team lead, who sees the lead
                query = query.where(Member.team_id == owner.team_id)
            members[role] = (await session.exec(query.order_by(Member.email))).first()  # type: ignore[assignment]
            assert members[role] is not None, f"no {role} in the demo"
    await engine.dispose()
    server = await aiohttp_server(
        create_app(
            Settings(database_url=url, scheduler_enabled=False, dispatcher_enabled=False), clock=lambda: NOW
        )
    )
    yield Demo(str(server.make_url("/tab/")), lead, members)


async def _sign_in(page: Any, demo: Demo, member: Member, locale: str, lead: Lead | None = None) -> None:
    target = f"&lead={lead.id}" if lead else ""
    await page.goto(f"{demo.url}?tenant={DEMO_TENANT_ID}&locale={locale}{target}")
    await page.get_by_label("E-mail" if locale == "en" else "E-Mail").fill(member.email)
    await page.get_by_role("button", name="Sign in" if locale == "en" else "Anmelden").click()
    await page.get_by_test_id("signed-in-as").wait_for()


async def _conversation(page: Any) -> Any:
    threads = page.get_by_test_id("thread")
    await threads.first.wait_for()
    return threads


async def test_a_rep_reads_the_leads_mail_and_chat_with_the_reply_marked(demo: Demo, browser: Any) -> None:
    page = await browser.new_page(viewport={"width": 1280, "height": 900})
    await _sign_in(page, demo, demo.members[Role.REP], "en", demo.lead)
    threads = await _conversation(page)
    assert await page.locator("[data-testid=thread][data-source=mail]").count() >= 1
    assert await page.locator("[data-testid=thread][data-source=chat]").count() >= 1
    replies = page.locator("[data-testid=message][data-lead-reply=true]")
    assert await replies.count() >= 1
    assert await replies.first.get_by_test_id("lead-reply").inner_text() == "Reply from the lead"
    assert await page.get_by_role("tab", name="Mail", exact=True).count() == 1
    first = await threads.first.inner_text()
    assert "To the lead" in first or "Reply from the lead" in first
    links = page.get_by_role("link", name=re.compile("^Open in (Outlook|Teams)$"))
    assert await links.count() >= 2
    for href in await links.evaluate_all("links => links.map(link => link.href)"):
        assert href.startswith(("https://outlook.office365.com/", "https://teams.microsoft.com/"))
    await page.get_by_test_id("activity").wait_for()
    assert await page.get_by_test_id("timeline-item").count() >= 1
    await screenshot(page, "demo-lead-en")


async def test_the_same_lead_in_german_has_german_words_and_dates(demo: Demo, browser: Any) -> None:
    page = await browser.new_page()
    await _sign_in(page, demo, demo.members[Role.REP], "de", demo.lead)
    await _conversation(page)
    assert await page.get_by_role("tab", name="Aktivität").count() == 1
    assert await page.get_by_test_id("lead-reply").first.inner_text() == "Antwort des Leads"
    times = await page.locator("[data-testid=message] time").all_inner_texts()
    assert times and all(re.fullmatch(r"\d{2}\.\d{2}\.\d{4}, \d{2}:\d{2}", text) for text in times), times
    headings = await page.locator("[data-testid=activity] h4").all_inner_texts()
    weekdays = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
    assert headings and all(heading.startswith(weekdays) for heading in headings), headings
    text = await page.locator("article").inner_text()
    assert "Kaufphase" in text and "Lebenszyklus" in text
    for english in (
        "Reply from the lead",
        "To the lead",
        "Open in Outlook",
        "Monday",
        "Tuesday",
        " PM",
        " AM",
    ):
        assert english not in text
    await screenshot(page, "demo-lead-de")


async def test_the_filter_switches_between_mail_chat_and_activity(demo: Demo, browser: Any) -> None:
    page = await browser.new_page()
    await _sign_in(page, demo, demo.members[Role.REP], "en", demo.lead)
    await _conversation(page)
    threads = page.get_by_test_id("thread")

    async def settled(source: str | None) -> None:
        # The list reloads from the server; wait until only what the filter asks for is shown.
        await page.wait_for_function(
            "source => { const shown = [...document.querySelectorAll('[data-testid=thread]')];"
            " return source === null ? shown.length === 0 && document.querySelector('[data-testid=activity]')"
            " : shown.length > 0 && shown.every(t => t.dataset.source === source); }",
            arg=source,
        )

    await page.get_by_role("tab", name="Mail", exact=True).click()
    await settled("mail")
    assert await page.get_by_test_id("activity").count() == 0
    await page.get_by_role("tab", name="Chat", exact=True).click()
    await settled("chat")
    assert await threads.count() >= 1
    await page.get_by_role("tab", name="Activity", exact=True).click()
    await settled(None)
    assert await page.get_by_test_id("timeline-item").count() >= 1
    await page.get_by_role("tab", name="All", exact=True).click()
    await page.locator("[data-testid=thread][data-source=mail]").first.wait_for()
    await page.locator("[data-testid=thread][data-source=chat]").first.wait_for()


# Codes a person must never read: every code of every vocabulary group whose label differs from it.
CODES = {
    str(code)
    for name, group in vocabulary.GROUPS.items()
    if name not in ("sentence",)
    for code, (english, german) in group.items()
    if str(code) not in (english, german)
}
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
ABBREVIATIONS = re.compile(r"\b(?:mql|sal|sql)\b")  # the labels spell these in capitals


def raw_values(leaves: list[str], text: str) -> list[str]:
    """The raw codes in a page's words: snake_case words, lower-case lifecycle abbreviations, and any element
    whose whole text is a code."""
    found = SNAKE.findall(text) + ABBREVIATIONS.findall(text)
    found += [leaf for leaf in leaves if leaf in CODES]
    return sorted(set(found))


# The page's text without what people wrote themselves (message previews, notes, names, addresses), which
# may say anything; and the text of every element that has no child elements.
VISIBLE_WORDS = """() => {
  const copy = document.body.cloneNode(true);
  copy.querySelectorAll('[data-free-text], input, textarea, script, style').forEach(e => e.remove());
  const leaves = [...copy.querySelectorAll('*')].filter(e => e.children.length === 0)
    .map(e => (e.textContent || '').trim()).filter(Boolean);
  const walker = document.createTreeWalker(copy, NodeFilter.SHOW_TEXT);
  const words = [];
  while (walker.nextNode()) words.push(walker.currentNode.nodeValue);
  return [leaves, words.join(' ')];
}"""


def test_the_raw_value_check_finds_codes() -> None:
    assert raw_values(["Stage"], "Stage: awaiting_reply") == ["awaiting_reply"]
    assert raw_values(["recycled"], "recycled") == ["recycled"]
    assert raw_values(["MQL"], "mql->sal: 40%") == ["mql", "sal"]
    assert raw_values(["MQL", "Recycled"], "Became a marketing-qualified lead. MQL → SAL. Recycled") == []


async def _axe(page: Any) -> list[str]:
    if not await page.evaluate("typeof axe !== 'undefined'"):
        await page.add_script_tag(path=str(AXE))
    result: list[str] = await page.evaluate(
        # Fluent's focus manager (tabster) adds aria-hidden focus sentinels that hand focus straight on;
        # they are excluded, everything we render is checked.
        "async () => (await axe.run({exclude: [['[data-tabster-dummy]']]},"
        " {runOnly: ['wcag2a', 'wcag2aa']}))"
        ".violations"
        ".filter(v => ['serious', 'critical'].includes(v.impact))"
        ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(' | '))"
    )
    return result


@pytest.mark.parametrize("role", [Role.REP, Role.LEAD, Role.MANAGER, Role.ADMIN])
@pytest.mark.parametrize("locale", ["en", "de"])
async def test_every_page_speaks_words_not_codes_and_passes_axe(
    demo: Demo, browser: Any, role: Role, locale: str
) -> None:
    require(AXE.is_file(), "axe-core is not installed (make tab)")
    page = await browser.new_page(viewport={"width": 1280, "height": 900})
    await _sign_in(page, demo, demo.members[role], locale)
    tabs = page.locator("header [role=tab]")
    names = await tabs.all_inner_texts()
    assert len(names) == {Role.REP: 2, Role.LEAD: 4, Role.MANAGER: 5, Role.ADMIN: 5}[role], names
    codes: dict[str, list[str]] = {}
    violations: dict[str, list[str]] = {}
    for name in names:
        await page.locator("header").get_by_role("tab", name=name, exact=True).click()
        await page.wait_for_load_state("networkidle")
        await page.wait_for_timeout(300)
        leaves, text = await page.evaluate(VISIBLE_WORDS)
        if found := raw_values(leaves, text):
            codes[name] = found
        if problems := await _axe(page):
            violations[name] = problems
    # The lead page too, opened the way people open it: from the list.
    await page.goto(f"{demo.url}?tenant={DEMO_TENANT_ID}&locale={locale}&lead={demo.lead.id}")
    await page.get_by_test_id("thread").first.wait_for()
    await page.wait_for_load_state("networkidle")
    leaves, text = await page.evaluate(VISIBLE_WORDS)
    if found := raw_values(leaves, text):
        codes["lead"] = found
    if problems := await _axe(page):
        violations["lead"] = problems
    assert codes == {}
    assert violations == {}


async def test_the_pipeline_draws_its_charts_as_svg_with_tables_behind_them(demo: Demo, browser: Any) -> None:
    page = await browser.new_page(viewport={"width": 1400, "height": 1000})
    await _sign_in(page, demo, demo.members[Role.MANAGER], "en")
    await page.locator("header").get_by_role("tab", name="Pipeline").click()
    for chart in ("funnel", "stages", "weekly", "conversion", "reps"):
        figure = page.get_by_test_id(f"chart-{chart}")
        await figure.locator("svg").first.wait_for()
        assert await figure.locator("svg").count() >= 1, chart
        table = figure.get_by_test_id("chart-table")
        assert await table.locator("tbody tr").count() >= 1, chart
    weekly = page.get_by_test_id("chart-weekly").get_by_test_id("chart-table")
    assert await weekly.locator("tbody tr").count() == 12
    funnel = await page.get_by_test_id("chart-funnel").get_by_test_id("chart-table").inner_text()
    assert "MQL" in funnel and "Opportunity" in funnel
    await page.wait_for_timeout(500)
    await screenshot(page, "demo-pipeline")
