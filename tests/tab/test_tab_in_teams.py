"""The tab inside a Teams host in headless Chromium: teams-js single sign-on, then Graph on the user's behalf.

The host is tests/doubles/teams_host.py under Teams' own name; the tab's token comes from the identity
double, the server exchanges it on behalf of the user (msal) and reads mail through the Graph double
(msgraph-sdk), as in production."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestServer
from sqlmodel import func, select

from app.db import SessionMaker
from app.models import ConversationMessage, Member
from app.server import create_app
from tests.doubles.graph import GraphDouble
from tests.doubles.identity import IdentityDouble
from tests.doubles.teams_host import TeamsHostDouble
from tests.factories import T0, make_lead, make_org
from tests.graph.support import CLIENT_ID, graph_settings
from tests.tab.conftest import background_brightness, in_teams, screenshot

LEAD = "dana@fabrik.example"
NOW = T0 + timedelta(days=20)


async def _serve(
    aiohttp_server: Callable[..., Awaitable[TestServer]],
    url: str,
    identity: IdentityDouble,
    graph: GraphDouble,
) -> TestServer:
    """Nurture accepting Teams SSO tokens from the identity double and reading Graph through the double."""
    settings = graph_settings(
        identity,
        graph,
        database_url=url,
        scheduler_enabled=False,
        dispatcher_enabled=False,
        sso_jwks_url=identity.jwks_url,
        sso_issuers=f"{identity.base_url}/{{tid}}/v2.0",
    )
    server: TestServer = await aiohttp_server(create_app(settings, clock=lambda: NOW))
    return server


def _sso(identity: IdentityDouble, member: Member) -> Callable[[], str]:
    """What Teams' getAuthToken gives ``member``: an Entra ID token for Nurture's app registration."""

    def token() -> str:
        # Entra ID gives every token it issues a unique id (uti). That matters here: msal keeps Entra's
        # HTTP 400 answers for 60 s per identical request, so the same token presented again within a
        # minute of a refusal would get the cached refusal without Entra being asked.
        object_id = member.aad_object_id or ""
        return identity.token(
            tenant_id=member.tenant_id, object_id=object_id, audience=CLIENT_ID, uti=uuid.uuid4().hex
        )

    return token


async def test_missing_consent_is_explained_in_teams_and_mail_arrives_once_granted(
    aiohttp_server: Callable[..., Awaitable[TestServer]],
    tab_database: tuple[str, SessionMaker],
    identity: IdentityDouble,
    graph: GraphDouble,
    playwright: Any,
) -> None:
    url, sessions = tab_database
    org = await make_org(sessions, now=T0)
    rep = org.reps[0]
    lead_id = await make_lead(sessions, org, email=LEAD, first_name="Dana", owner=rep)
    graph.add_user(rep.aad_object_id or "", mail=rep.email, tenant_id=org.tenant_id)
    graph.add_message(
        rep.aad_object_id or "",
        folder="sentitems",
        subject="Pricing for 40 seats",
        sender=rep.email,
        to=[LEAD],
        received=NOW - timedelta(days=2),
    )
    graph.add_message(
        rep.aad_object_id or "",
        subject="Re: Pricing for 40 seats",
        sender=LEAD,
        to=[rep.email],
        received=NOW - timedelta(hours=5),
    )
    server = await _serve(aiohttp_server, url, identity, graph)
    sso_token = _sso(identity, rep)

    # What Teams passes a tab opened from a card's deep link to one lead.
    context = {
        "locale": "en-us",
        "theme": "default",
        "tid": org.tenant_id,
        "userObjectId": rep.aad_object_id,
        "loginHint": rep.email,
        "userPrincipalName": rep.email,
        "entityId": "nurture-leads",
        "subEntityId": str(lead_id),
        "appSessionId": str(uuid.uuid4()),
        "sessionId": str(uuid.uuid4()),
    }

    async def stored_messages() -> int:
        async with sessions() as session:
            return int((await session.exec(select(func.count()).select_from(ConversationMessage))).one())

    identity.withhold_consent(tenant_id=org.tenant_id)
    tab_url = str(server.make_url("/tab/"))
    async with in_teams(
        playwright, TeamsHostDouble(tab_url=tab_url, context=context, auth_token=sso_token)
    ) as (host, page):
        tab = page.frame_locator("#tab")
        notice = tab.get_by_test_id("consent-needed")
        await notice.wait_for()
        assert await notice.inner_text() == (
            "Nurture needs your consent to read your mail and chats. Ask an admin to grant it here."
        )
        link = notice.get_by_role("link", name="Ask an admin to grant it here.")
        assert (await link.get_attribute("href") or "").startswith(
            f"{identity.base_url}/{org.tenant_id}/adminconsent?client_id={CLIENT_ID}"
        )
        body = await tab.locator("body").inner_text()
        assert "Traceback" not in body and "AADSTS" not in body
        # The lead itself still shows: missing consent costs the history, not the page.
        await tab.get_by_role("article").filter(has_text=LEAD).wait_for()
        await screenshot(page, "teams-consent-needed")
        calls = await page.evaluate("window.teamsHost.calls")
        assert {"initialize", "getContext", "authentication.getAuthToken"} <= set(calls)
        assert host.tokens_issued >= 1
        assert identity.token_grants[-1].suberror == "consent_required"
        assert await stored_messages() == 0

        # An admin grants consent; the next time the rep opens the lead (with a newly issued token), the
        # mail is there.
        identity.restore_consent(tenant_id=org.tenant_id)
        await page.reload()
        tab = page.frame_locator("#tab")
        thread = tab.get_by_test_id("thread").filter(has_text="Pricing for 40 seats")
        await thread.first.wait_for()
        await tab.get_by_test_id("message").nth(1).wait_for()
        assert await tab.get_by_test_id("message").count() == 2
        assert await tab.get_by_test_id("consent-needed").count() == 0
        assert await stored_messages() == 2
        await thread.first.scroll_into_view_if_needed()
        await screenshot(page, "teams-history-after-consent")


async def test_a_team_lead_adds_the_pipeline_tab_to_a_channel_and_it_opens_signed_in(
    aiohttp_server: Callable[..., Awaitable[TestServer]],
    tab_database: tuple[str, SessionMaker],
    identity: IdentityDouble,
    graph: GraphDouble,
    playwright: Any,
) -> None:
    url, sessions = tab_database
    org = await make_org(sessions, now=T0)
    await make_lead(sessions, org, email=LEAD, first_name="Dana", owner=org.reps[0])
    server = await _serve(aiohttp_server, url, identity, graph)
    origin = str(server.make_url("")).rstrip("/")
    tabs = json.loads((Path(__file__).parents[2] / "manifest" / "tabs.json").read_text(encoding="utf-8"))
    configuration_url = tabs["configurableTabs"][0]["configurationUrl"].replace("https://{{host}}", origin)
    channel = {
        "locale": "en-us",
        "theme": "default",
        "tid": org.tenant_id,
        "userObjectId": org.lead_dach.aad_object_id,
        "loginHint": org.lead_dach.email,
        "teamId": "19:dach-team@thread.tacv2",
        "channelId": "19:sales-dach@thread.tacv2",
        "channelName": "Sales DACH",
    }

    # Teams shows the configuration page while the tab is added: it must be valid at once, and Save
    # must store a tab whose page Nurture serves.
    configure = TeamsHostDouble(
        tab_url=configuration_url,
        context={**channel, "frameContext": "settings"},
        auth_token=_sso(identity, org.lead_dach),
    )
    async with in_teams(playwright, configure) as (host, page):
        await page.frame_locator("#tab").get_by_role("heading", name="Nurture Pipeline").wait_for()
        await page.wait_for_function("window.teamsHost.valid === true")
        await page.evaluate("window.teamsHost.save()")
        await page.wait_for_function("window.teamsHost.saved !== null")
        assert await page.evaluate("window.teamsHost.saved") is True
        saved = await page.evaluate("window.teamsHost.settings")
    assert saved["entityId"] == "nurture-pipeline" and saved["suggestedDisplayName"] == "Nurture Pipeline"
    assert saved["contentUrl"] == f"{origin}/tab/?view=pipeline"

    # Later, anyone in the channel opens the tab: signed in through Teams, straight on the pipeline.
    content = TeamsHostDouble(
        tab_url=saved["contentUrl"],
        context={**channel, "frameContext": "content", "entityId": saved["entityId"]},
        auth_token=_sso(identity, org.lead_dach),
    )
    async with in_teams(playwright, content) as (host, page):
        tab = page.frame_locator("#tab")
        await tab.get_by_role("heading", name="Leads by lifecycle", exact=True).wait_for()
        assert await tab.get_by_test_id("signed-in-as").inner_text() == org.lead_dach.display_name
        assert await tab.get_by_role("tab", name="Pipeline", selected=True).count() == 1
        await tab.get_by_test_id("chart-funnel").locator("svg").first.wait_for()
        assert (
            await tab.get_by_test_id("chart-funnel").get_by_test_id("chart-table").locator("tbody tr").count()
            == 6
        )
        await screenshot(page, "teams-channel-pipeline")


async def test_a_german_rep_in_dark_teams_gets_the_tab_in_german_and_it_follows_theme_changes(
    aiohttp_server: Callable[..., Awaitable[TestServer]],
    tab_database: tuple[str, SessionMaker],
    identity: IdentityDouble,
    graph: GraphDouble,
    playwright: Any,
) -> None:
    url, sessions = tab_database
    org = await make_org(sessions, now=T0)
    rep = org.reps[0]
    await make_lead(sessions, org, email=LEAD, first_name="Dana", owner=rep)
    server = await _serve(aiohttp_server, url, identity, graph)
    context = {"locale": "de-de", "theme": "dark", "tid": org.tenant_id, "userObjectId": rep.aad_object_id}
    host = TeamsHostDouble(
        tab_url=str(server.make_url("/tab/")), context=context, auth_token=_sso(identity, rep)
    )
    async with in_teams(playwright, host) as (host, page):
        tab = page.frame_locator("#tab")
        await tab.get_by_test_id("follow-up").first.wait_for()
        assert await tab.get_by_role("tab", name="Meine Follow-ups", selected=True).count() == 1
        assert await tab.get_by_role("button", name="Erledigt").count() == 1
        assert await tab.locator("html").get_attribute("lang") == "de"
        assert await background_brightness(tab) < 80, "Teams' dark theme"
        await page.evaluate("window.teamsHost.send('themeChange', ['default'])")
        await tab.locator("body").evaluate(
            "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"
        )
        assert await background_brightness(tab) > 200, "Teams switched to the default (light) theme"
        assert "registerHandler" in await page.evaluate("window.teamsHost.calls")
