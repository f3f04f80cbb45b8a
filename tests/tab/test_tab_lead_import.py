"""The import dialog in headless Chromium: a team lead brings a HubSpot export into Nurture."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from sqlmodel import col, select

from app.config import Settings
from app.db import SessionMaker
from app.models import Lead
from app.nurturing.enums import Lifecycle
from app.server import create_app
from tests.factories import T0, Org, make_org
from tests.tab.conftest import screenshot


@pytest.fixture
async def site(
    aiohttp_server: Callable[..., Awaitable[TestServer]], tab_database: tuple[str, SessionMaker]
) -> AsyncIterator[tuple[str, Org, SessionMaker]]:
    url, sessions = tab_database
    org = await make_org(sessions, now=T0)
    server = await aiohttp_server(
        create_app(
            Settings(database_url=url, scheduler_enabled=False, dispatcher_enabled=False), clock=lambda: T0
        )
    )
    yield str(server.make_url("/tab/")), org, sessions


def hubspot_export(org: Org) -> bytes:
    """A HubSpot contacts export whose second contact carries a lifecycle stage of the team's own making."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(
        ["Record ID", "First Name", "Last Name", "Email", "Job Title", "Company Name", "Country/Region",
         "Lifecycle Stage", "Contact owner"]
    )  # fmt: skip
    writer.writerow(
        ["1", "Jürgen", "Weiß", "juergen@stahl-import.example", "Einkauf", "Stahl Süd GmbH", "Deutschland",
         "Lead", org.reps[0].display_name]
    )  # fmt: skip
    writer.writerow(
        ["2", "Tom", "Reid", "tom@brew-import.example", "Ops", "Brew, Bottle & Co", "United Kingdom",
         "Warm (custom stage)", org.reps[1].display_name]
    )  # fmt: skip
    return buffer.getvalue().encode("utf-8-sig")


async def test_a_team_lead_imports_a_hubspot_export_fixing_one_mapping(
    site: tuple[str, Org, SessionMaker], browser: Any
) -> None:
    base, org, sessions = site
    page = await browser.new_page()
    await page.goto(f"{base}?tenant={org.tenant_id}&locale=en")
    await page.get_by_label("E-mail").fill(org.lead_dach.email)
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_test_id("signed-in-as").wait_for()
    await page.get_by_role("tab", name="Leads").click()
    await page.get_by_role("button", name="Import leads").click()
    await page.get_by_label("CSV or Excel file").set_input_files(
        {"name": "hubspot-contacts.csv", "mimeType": "text/csv", "buffer": hubspot_export(org)}
    )
    # The dry run: the layout is recognised, and the custom stage is named with its line and column.
    problems = page.get_by_test_id("import-problems")
    await problems.wait_for()
    assert (
        "Line 3 (Lifecycle Stage): 'Warm (custom stage)' is not a lifecycle stage"
        in await problems.inner_text()
    )
    layout = await page.get_by_label("Layout").evaluate("select => select.selectedOptions[0].textContent")
    assert layout == "HubSpot contacts (recognised automatically)"
    assert "UTF-8 with BOM, comma" in await page.get_by_test_id("import-read-as").inner_text()
    assert await page.get_by_role("button", name="Import", exact=True).is_disabled()
    # The fix: this team's stages are not HubSpot's, so the column is left out.
    await page.get_by_label("Field for column Lifecycle Stage").select_option("ignore")
    await page.get_by_role("button", name="Check again").click()
    await page.wait_for_function(
        "() => document.querySelector('[data-testid=import-dry-run]')?.innerText"
        ".includes('2 new, 0 updated, 0 skipped') && !document.querySelector('[data-testid=import-problems]')"
    )
    async with sessions() as session:
        assert (await session.exec(select(Lead).where(col(Lead.email).like("%-import.example")))).all() == []
    await screenshot(page, "import-dry-run")
    await page.get_by_role("button", name="Import", exact=True).click()
    result = page.get_by_test_id("import-result")
    await result.wait_for()
    assert "Imported: 2 new, 0 updated" in await result.inner_text()
    await page.get_by_role("button", name="Close").click()
    # The grid shows the new leads with the owners the file named by display name.
    await page.get_by_label("Search name, e-mail or company").fill("import.example")
    await page.wait_for_function("document.querySelectorAll('[data-testid=lead-row]').length === 2")
    rows = [await row.inner_text() for row in await page.get_by_test_id("lead-row").all()]
    assert any("Jürgen Weiß" in row and org.reps[0].display_name in row for row in rows), rows
    assert any("Tom Reid" in row and org.reps[1].display_name in row for row in rows), rows
    await screenshot(page, "import-done")
    async with sessions() as session:
        leads = {
            lead.email: lead
            for lead in (
                await session.exec(select(Lead).where(col(Lead.email).like("%-import.example")))
            ).all()
        }
    assert leads["juergen@stahl-import.example"].owner_id == org.reps[0].id
    assert leads["tom@brew-import.example"].owner_id == org.reps[1].id
    assert leads["tom@brew-import.example"].lifecycle != Lifecycle.WON
