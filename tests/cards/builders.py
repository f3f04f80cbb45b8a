"""Small factories for card views; each test overrides only what it is about."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from cards.views import (
    ContentView,
    ExchangeView,
    FollowUpView,
    HandOffView,
    LeadView,
    PipelineView,
    ReasonView,
    ScoreView,
)

NOW = datetime(2026, 3, 10, 13, 0, tzinfo=UTC)
TENANT = "tenant-1"


def lead(**changes: Any) -> LeadView:
    base = LeadView(
        id="lead-1",
        version=3,
        name="Matthias Größer",
        email="m.groesser@brenner-maschinenbau.de",
        title="Leiter Instandhaltung",
        company="Brenner Maschinenbau GmbH",
        stage="evaluation",
        lifecycle="mql",
        score=ScoreView(total=62, fit=35, engagement=27, top_reasons=(ReasonView("demo_requested", {}),)),
        owner_name="Jürgen Weiß",
        tab_url="https://nurture.example.com/tab/leads/lead-1",
        tenant_id=TENANT,
    )
    return replace(base, **changes)


def follow_up(**changes: Any) -> FollowUpView:
    base = FollowUpView(
        id="fu-1",
        lead=lead(),
        due_at=NOW - timedelta(hours=2),
        time_zone="Europe/Berlin",
        overdue=True,
        kind="nurture",
        why_now=(ReasonView("pricing_views", {"count": 3, "days": 7}),),
        suggested_channel="call",
        content=ContentView("Fallstudie Gießerei", "https://example.com/c", "case_study"),
        last_exchange=ExchangeView("inbound", "mail", NOW - timedelta(days=2), "Was kostet ein Pilot?"),
        status="open",
        outcome=None,
    )
    return replace(base, **changes)


def hand_off(**changes: Any) -> HandOffView:
    base = HandOffView(
        id="ho-1",
        lead=lead(),
        proposed_by="Jürgen Weiß",
        note="Budget freigegeben",
        evidence=(ReasonView("demo_requested", {}),),
        status="proposed",
        decided_by=None,
        reject_reason=None,
    )
    return replace(base, **changes)


def pipeline(**changes: Any) -> PipelineView:
    base = PipelineView(
        team_id="team-1",
        team_name="Vertrieb DACH",
        since=NOW - timedelta(days=7),
        until=NOW,
        by_lifecycle={"mql": 10, "new": 40, "won": 1},
        by_stage={"decision": 3, "awareness": 30},
        new_mqls=4,
        hand_offs_accepted=2,
        hand_offs_rejected=1,
        conversion={"new->mql": 0.25, "mql->sal": None},
        median_hours_to_first_touch=5.5,
        overdue_by_rep=(("Anna", 0), ("Björn", 2), ("Carla", 5)),
        hot_leads=(lead(),),
        refresh_user_ids=("29:a", "29:b"),
        tenant_id=TENANT,
    )
    return replace(base, **changes)
