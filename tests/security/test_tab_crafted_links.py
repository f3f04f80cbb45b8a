"""A crafted tab link cannot act as whoever opens it: a lead id from the URL or from Teams is data.

The reproduction: ``/tab/?lead=..%2Fhand-offs%2F<id>%2Faccept%23`` opened by a team lead made the lead
page's history sync resolve ``../`` and post to ``/api/v1/hand-offs/<id>/accept``. Inside Teams the same
value arrives as ``subPageId`` from a deep link anyone can post in a chat. Headless Chromium opens both,
and every request the tab sends is recorded."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from aiohttp.test_utils import TestServer

from app.config import Settings
from app.db import SessionMaker, transaction
from app.models import HandOff
from app.server import create_app
from app.services.access import Caller
from app.services.hand_offs import propose_hand_off
from app.tab_site import TAB_DIST
from tests.doubles.graph import GraphDouble
from tests.doubles.identity import IdentityDouble
from tests.doubles.teams_host import TeamsHostDouble
from tests.factories import T0, Org, make_lead, make_org
from tests.graph.fixtures import graph, identity
from tests.graph.support import CLIENT_ID, graph_settings
from tests.tab.conftest import in_teams, launch_chromium, require

__all__ = ["graph", "identity"]

NOW = T0 + timedelta(days=1)


@pytest.fixture
async def playwright() -> Any:
    from playwright.async_api import async_playwright

    async with async_playwright() as running:
        yield running


async def _proposed_hand_off(sessions: SessionMaker) -> tuple[Org, uuid.UUID]:
    org = await make_org(sessions, now=T0)
    lead_id = await make_lead(sessions, org, owner=org.reps[0])
    async with transaction(sessions) as session:
        hand_off = await propose_hand_off(
            session=session,
            lead_id=lead_id,
            caller=Caller.system(org.tenant_id, T0),
        )
        return org, hand_off.id


def _traversal(hand_off_id: uuid.UUID) -> str:
    return f"../hand-offs/{hand_off_id}/accept#"


def _recorder(page: Any) -> list[tuple[str, str]]:
    """Method and path of every request any frame of ``page`` sends to the API."""
    seen: list[tuple[str, str]] = []

    def record(request: Any) -> None:
        path = urlsplit(request.url).path
        if path.startswith("/api/"):
            seen.append((request.method, path))

    page.on("request", record)
    return seen


async def _assert_untouched(
    sessions: SessionMaker, hand_off_id: uuid.UUID, seen: list[tuple[str, str]]
) -> None:
    assert seen, "the tab talked to the API, so the check below means something"
    assert not [entry for entry in seen if "/hand-offs/" in entry[1]], seen
    assert not [entry for entry in seen if entry[0] != "GET"], "opening a link changes nothing"
    async with sessions() as session:
        row = await session.get(HandOff, hand_off_id)
    assert row is not None and row.status == "proposed", "the hand-off stays unaccepted"


async def test_a_traversal_in_the_lead_parameter_sends_nothing_elsewhere(
    aiohttp_server: Callable[..., Awaitable[TestServer]],
    database_url: str,
    sessions: SessionMaker,
    playwright: Any,
) -> None:
    require((TAB_DIST / "index.html").is_file(), "the tab is not built (make tab)")
    org, hand_off_id = await _proposed_hand_off(sessions)
    settings = Settings(database_url=database_url, scheduler_enabled=False, dispatcher_enabled=False)
    server = await aiohttp_server(create_app(settings, clock=lambda: NOW))
    browser = await launch_chromium(playwright)
    try:
        page = await browser.new_page()
        seen = _recorder(page)
        crafted = quote(_traversal(hand_off_id), safe="")
        await page.goto(str(server.make_url(f"/tab/?tenant={org.tenant_id}&locale=en&lead={crafted}")))
        await page.get_by_label("E-mail").fill(org.lead_dach.email)
        await page.get_by_role("button", name="Sign in").click()
        await page.get_by_test_id("signed-in-as").wait_for()
        await page.wait_for_load_state("networkidle")
        await page.wait_for_timeout(500)
    finally:
        await browser.close()
    await _assert_untouched(sessions, hand_off_id, seen)


async def test_a_traversal_in_the_teams_sub_page_id_sends_nothing_elsewhere(
    aiohttp_server: Callable[..., Awaitable[TestServer]],
    database_url: str,
    sessions: SessionMaker,
    identity: IdentityDouble,
    graph: GraphDouble,
    playwright: Any,
) -> None:
    require((TAB_DIST / "index.html").is_file(), "the tab is not built (make tab)")
    org, hand_off_id = await _proposed_hand_off(sessions)
    settings = graph_settings(
        identity,
        graph,
        database_url=database_url,
        scheduler_enabled=False,
        dispatcher_enabled=False,
        sso_jwks_url=identity.jwks_url,
        sso_issuers=f"{identity.base_url}/{{tid}}/v2.0",
    )
    server = await aiohttp_server(create_app(settings, clock=lambda: NOW))
    team_lead = org.lead_dach

    def sso() -> str:
        object_id = team_lead.aad_object_id or ""
        return identity.token(
            tenant_id=org.tenant_id, object_id=object_id, audience=CLIENT_ID, uti=uuid.uuid4().hex
        )

    # What Teams passes a tab opened from a deep link whose context someone crafted.
    context = {
        "locale": "en-us",
        "theme": "default",
        "tid": org.tenant_id,
        "userObjectId": team_lead.aad_object_id,
        "entityId": "nurture-leads",
        "subEntityId": _traversal(hand_off_id),
    }
    host = TeamsHostDouble(tab_url=str(server.make_url("/tab/")), context=context, auth_token=sso)
    async with in_teams(playwright, host) as (_, page):
        seen = _recorder(page)
        await page.reload()
        await page.frame_locator("#tab").get_by_test_id("signed-in-as").wait_for()
        await page.wait_for_load_state("networkidle")
        await page.wait_for_timeout(500)
    await _assert_untouched(sessions, hand_off_id, seen)
