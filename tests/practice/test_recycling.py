"""Recycling with a reason and a date: sales never sees the same lead every few days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from app.db import SessionMaker
from app.nurturing.enums import HandOffStatus, Lifecycle, RecycleReason
from tests.factories import T0
from tests.practice.replay import Replay


async def _qualified(sessions: SessionMaker) -> Replay:
    """A CTO at a fitting company downloads, views pricing and asks for a demo: MQL and a hand-off."""
    replay = await Replay.start(sessions)
    replay.at(1)
    await replay.event("content_download")
    await replay.event("pricing_view")
    await replay.event("demo_request")
    assert (await replay.lead()).lifecycle is Lifecycle.MQL
    assert await replay.open_hand_off() is not None
    return replay


async def test_no_budget_keeps_the_lead_from_sales_until_the_next_fiscal_year(sessions: SessionMaker) -> None:
    replay = await _qualified(sessions)
    replay.at(2)
    await replay.reject(RecycleReason.NO_BUDGET)
    lead = await replay.lead()
    fiscal_year = datetime(2027, 1, 1, tzinfo=ZoneInfo("Europe/Berlin"))  # in the owner's zone
    assert lead.lifecycle is Lifecycle.RECYCLED and lead.nurture_until == fiscal_year
    # Weeks of opens, clicks and even pricing visits: still nurtured, never proposed again before the date.
    for day in range(5, 290, 9):
        replay.at(day)
        await replay.event("email_open")
        await replay.event("email_click")
        if day % 27 == 0:
            await replay.event("pricing_view")
        assert (await replay.lead()).lifecycle is Lifecycle.RECYCLED, f"back to MQL on day {day}"
    assert len(await replay.hand_offs()) == 1
    # The new budget year: fresh intent brings the lead back to sales, once.
    replay.at((fiscal_year - T0).days + 3)
    await replay.event("demo_request")
    await replay.event("pricing_view")
    assert (await replay.lead()).lifecycle is Lifecycle.MQL
    assert [h.status for h in await replay.hand_offs()] == [HandOffStatus.REJECTED, HandOffStatus.PROPOSED]


async def test_interest_from_before_the_recycle_does_not_requalify(sessions: SessionMaker) -> None:
    replay = await _qualified(sessions)
    replay.at(2)
    await replay.reject(RecycleReason.NO_AUTHORITY)
    lead = await replay.lead()
    assert lead.nurture_until == replay.now + timedelta(days=30)
    # After the date, a single open is not the engagement an MQL needs; the old demo request was judged.
    replay.at(40)
    await replay.event("email_open")
    assert (await replay.lead()).lifecycle is Lifecycle.RECYCLED
    assert len(await replay.hand_offs()) == 1


async def test_under_contract_returns_before_the_renewal_not_in_three_days(sessions: SessionMaker) -> None:
    replay = await _qualified(sessions)
    replay.at(2)
    await replay.reject(RecycleReason.UNDER_CONTRACT, until=datetime(2028, 3, 31, tzinfo=UTC))
    for day in (5, 30, 200, 600):
        replay.at(day)
        await replay.event("pricing_view")
        await replay.event("demo_request")
        assert (await replay.lead()).lifecycle is Lifecycle.RECYCLED, f"re-proposed on day {day}"
    replay.at((datetime(2028, 1, 2, tzinfo=UTC) - T0).days)
    await replay.event("demo_request")
    await replay.event("pricing_view")
    assert (await replay.lead()).lifecycle is Lifecycle.MQL


async def test_two_rejections_in_ninety_days_wait_for_a_team_leads_decision(sessions: SessionMaker) -> None:
    replay = await _qualified(sessions)
    replay.at(2)
    await replay.reject(RecycleReason.BAD_TIMING, until=T0 + timedelta(days=16))
    replay.at(20)
    await replay.event("demo_request")
    await replay.event("pricing_view")
    assert len(await replay.hand_offs()) == 2
    replay.at(21)
    await replay.reject(RecycleReason.BAD_TIMING, until=T0 + timedelta(days=40))
    replay.at(45)
    await replay.event("demo_request")
    await replay.event("pricing_view")
    lead = await replay.lead()
    assert lead.lifecycle is Lifecycle.MQL, "still marketing qualified"
    assert len(await replay.hand_offs()) == 2, "but not proposed a third time without a team lead"
