"""GET /api/v1/vocabulary: every code a person sees has words in English and German, and each role is told
what it may call, from the route table itself. The pipeline's weekly series feeds the tab's chart."""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum

import pytest

from app import vocabulary
from app.api.routes import ROUTES
from app.db import SessionMaker, transaction
from app.nurturing.enums import (
    AssignmentMethod,
    BuyerStage,
    Direction,
    EventKind,
    FollowUpKind,
    FollowUpOutcome,
    FollowUpStatus,
    HandOffStatus,
    Lifecycle,
    RecycleReason,
    Role,
    TouchpointKind,
)
from app.services.access import Caller
from app.services.admin import RULE_KINDS
from app.services.events import EventIn, ingest_events
from app.services.hand_offs import propose_hand_off
from cards.strings import label as card_label
from tests.api.conftest import Api
from tests.factories import T0, make_lead

ENUMS: dict[str, type[StrEnum]] = {
    "stage": BuyerStage,
    "lifecycle": Lifecycle,
    "follow_up_status": FollowUpStatus,
    "outcome": FollowUpOutcome,
    "follow_up_kind": FollowUpKind,
    "event_kind": EventKind,
    "event_sentence": EventKind,
    "lifecycle_sentence": Lifecycle,
    "role": Role,
    "touchpoint_kind": TouchpointKind,
    "direction": Direction,
    "hand_off_status": HandOffStatus,
    "recycle_reason": RecycleReason,
    "assignment_method": AssignmentMethod,
}


@pytest.mark.parametrize("group", sorted(ENUMS))
def test_every_enum_value_has_english_and_german_words(group: str) -> None:
    words = vocabulary.GROUPS[group]
    assert set(words) == {member.value for member in ENUMS[group]}
    for english, german in words.values():
        assert english.strip() and german.strip()
        assert "_" not in english + german, "a label must not read like a code"


def test_every_settings_section_has_words() -> None:
    sections = set(RULE_KINDS) | {"content", "routing", "teams"}
    assert sections <= set(vocabulary.SETTINGS_SECTION)


def test_the_cards_read_the_same_words() -> None:
    assert card_label("de-DE", "lifecycle", "recycled") == vocabulary.LIFECYCLE[Lifecycle.RECYCLED][1]
    assert (
        card_label("en-US", "recycle_reason", "no_budget")
        == vocabulary.RECYCLE_REASON[RecycleReason.NO_BUDGET][0]
    )


async def test_the_vocabulary_names_codes_content_and_capabilities(api: Api) -> None:
    org = api.org
    assert org.admin is not None and org.manager is not None
    status, body = await api.call("GET", "/api/v1/vocabulary", org.reps[0])
    assert status == 200, body
    lifecycle = body["groups"]["lifecycle"]
    assert [term["code"] for term in lifecycle] == [member.value for member in Lifecycle], "funnel order"
    assert {"code": "mql", "en": "MQL", "de": "MQL"} in lifecycle
    assert {"code": "decision", "en": "Decision", "de": "Entscheidung"} in body["groups"]["stage"]
    assert body["content"], "the default content library has titles"
    assert all(item["title"] and item["url"].startswith("https://") for item in body["content"])

    allowed: dict[str, set[str]] = {}
    for member in (org.reps[0], org.lead_dach, org.manager, org.admin):
        status, answer = await api.call("GET", "/api/v1/vocabulary", member)
        assert status == 200
        allowed[member.role] = set(answer["capabilities"])
    assert "get_pipeline" not in allowed["rep"] and "get_follow_ups" in allowed["rep"]
    assert {"get_pipeline", "bulk_assign", "accept_hand_off"} <= allowed["lead"]
    assert "get_practice_health" not in allowed["lead"]
    assert {"get_pipeline", "get_practice_health", "get_settings"} <= allowed["manager"]
    assert "put_rules" not in allowed["manager"] and "accept_hand_off" not in allowed["manager"]
    assert "put_rules" in allowed["admin"]
    # Exactly what the route table declares, so the tab offers nothing the API would refuse to the role.
    for role, operations in allowed.items():
        expected = {r.handler.__name__ for r in ROUTES if not r.allowed or Role(role) in r.allowed}
        assert operations == expected
    assert (await api.call("GET", "/api/v1/vocabulary", None))[0] == 401


async def test_the_pipeline_counts_mqls_and_hand_offs_per_week(api: Api, sessions: SessionMaker) -> None:
    org = api.org
    leads = [
        await make_lead(sessions, org, email=f"week{index}@fabrik.example", owner=org.reps[0], title="CTO")
        for index in range(2)
    ]
    async with transaction(sessions) as session:
        await ingest_events(
            session=session,
            tenant_id=org.tenant_id,
            now=T0,
            events=[
                EventIn(
                    external_id=f"{kind}-{lead}", kind=kind, occurred_at=T0 - timedelta(hours=1), lead_id=lead
                )
                for lead in leads
                for kind in ("demo_request", "pricing_view", "email_reply")
            ],
        )
    async with transaction(sessions) as session:
        await propose_hand_off(
            session=session,
            lead_id=leads[0],
            caller=Caller.system(org.tenant_id, T0),
        )
    status, metrics = await api.call("GET", "/api/v1/pipeline", org.manager)
    assert status == 200, metrics
    weekly = metrics["weekly"]
    weeks = [date.fromisoformat(week["week"]) for week in weekly]
    assert len(weeks) == 12 and all(week.weekday() == 0 for week in weeks)
    assert [later - earlier for earlier, later in zip(weeks, weeks[1:], strict=False)] == [
        timedelta(weeks=1)
    ] * 11
    assert weeks[-1] <= T0.date() < weeks[-1] + timedelta(weeks=1)
    assert weekly[-1]["mqls"] == 2
    assert weekly[-1]["hand_offs"] == 1
    assert all(week["mqls"] == 0 and week["hand_offs"] == 0 for week in weekly[:-1])
