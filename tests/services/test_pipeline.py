"""Funnel metrics count leads, not transitions: conversion is measured on the cohort that entered a step."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlmodel import col, select

from app.db import SessionMaker, transaction
from app.models import Lead
from app.nurturing.enums import Lifecycle
from app.services.errors import NotAllowed, NotFound
from app.services.lead_history import change_lifecycle
from app.services.pipeline import pipeline_metrics, pipeline_team
from tests.factories import T0, Org, make_org


async def _walk(sessions: SessionMaker, org: Org, name: str, steps: list[Lifecycle]) -> None:
    """A lead that moves through ``steps``, one day apart, starting ten days before T0."""
    async with transaction(sessions) as session:
        lead = Lead(
            tenant_id=org.tenant_id,
            email=f"{name}@kunde.example",
            first_name=name.title(),
            team_id=org.dach.id,
            owner_id=org.reps[0].id,
        )
        session.add(lead)
        await session.flush()
        for day, step in enumerate(steps):
            await change_lifecycle(
                session=session,
                lead=lead,
                to_lifecycle=step,
                now=T0 - timedelta(days=10 - day),
                automatic=True,
                reason=None,
            )
        session.add(lead)


async def test_a_lead_that_became_mql_three_times_counts_once(sessions: SessionMaker) -> None:
    org = await make_org(sessions)
    mql, recycled, sal, sql = Lifecycle.MQL, Lifecycle.RECYCLED, Lifecycle.SAL, Lifecycle.SQL
    await _walk(sessions, org, "pingpong", [mql, recycled, mql, recycled, mql, sal])
    await _walk(sessions, org, "quiet", [mql])
    await _walk(sessions, org, "steady", [mql, sal, sql])
    await _walk(sessions, org, "straight", [sal])  # never an MQL: not in the MQL cohort
    async with sessions() as session:
        metrics = await pipeline_metrics(
            session=session,
            caller=org.caller(org.manager, T0),
            since=T0 - timedelta(days=30),
            until=T0,
        )
    # Five MQL transitions, but three leads; two of the three reached SAL.
    assert metrics.entered == {"mql": 3, "recycled": 1, "sal": 3, "sql": 1}
    assert metrics.conversion["mql->sal"] == 0.667
    assert metrics.conversion["sal->sql"] == 0.333
    assert metrics.conversion["sql->opportunity"] == 0.0
    assert metrics.conversion["opportunity->won"] is None


async def test_the_cohort_is_the_range_and_reaching_a_later_step_counts(sessions: SessionMaker) -> None:
    org = await make_org(sessions)
    await _walk(sessions, org, "early", [Lifecycle.MQL, Lifecycle.SAL])
    await _walk(sessions, org, "late", [Lifecycle.MQL, Lifecycle.SAL, Lifecycle.SQL, Lifecycle.OPPORTUNITY])
    async with sessions() as session:
        metrics = await pipeline_metrics(
            session=session,
            caller=org.caller(org.manager, T0),
            since=T0 - timedelta(days=9, hours=12),  # after both MQL entries, before the SAL ones
            until=T0,
        )
    # Nobody became MQL in the range, so there is no MQL cohort to convert.
    assert metrics.entered == {"sal": 2, "sql": 1, "opportunity": 1}
    assert metrics.conversion["mql->sal"] is None
    assert metrics.conversion["sal->sql"] == 0.5
    assert metrics.conversion["sql->opportunity"] == 1.0


async def test_dormant_leads_are_counted_in_the_pipeline(sessions: SessionMaker) -> None:
    org = await make_org(sessions)
    for name in ("quiet", "resting", "awake"):
        await _walk(sessions, org, name, [Lifecycle.MQL])
    async with transaction(sessions) as session:
        for lead in (
            await session.exec(select(Lead).where(col(Lead.first_name).in_(["Quiet", "Resting"])))
        ).all():
            lead.dormant_since = T0 - timedelta(days=3)
            session.add(lead)
    async with sessions() as session:
        metrics = await pipeline_metrics(
            session=session,
            caller=org.caller(org.lead_dach, T0),
            since=T0 - timedelta(days=30),
            until=T0,
        )
    assert metrics.dormant == 2


async def test_who_may_see_which_teams_pipeline_is_settled_before_the_team_is_looked_up(
    sessions: SessionMaker,
) -> None:
    org = await make_org(sessions)
    unknown = uuid.uuid4()
    async with sessions() as session:
        for member, team_id in (
            (org.reps[0], org.dach.id),
            (org.reps[0], unknown),
            (org.lead_uk, org.dach.id),
            (org.lead_uk, unknown),
        ):
            # The same refusal for a real team and a made-up one.
            with pytest.raises(NotAllowed):
                await pipeline_team(session=session, caller=org.caller(member, T0), team_id=team_id)
        own = await pipeline_team(session=session, caller=org.caller(org.lead_dach, T0), team_id=org.dach.id)
        assert own.id == org.dach.id
        other = await pipeline_team(session=session, caller=org.caller(org.manager, T0), team_id=org.uk.id)
        assert other.id == org.uk.id
        with pytest.raises(NotFound):
            await pipeline_team(session=session, caller=org.caller(org.manager, T0), team_id=unknown)
