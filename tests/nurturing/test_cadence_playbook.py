"""Cadence adapts to engagement and always lands in working time; the playbook never sells too early."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from app.nurturing.cadence import (
    CadenceInput,
    CadencePolicy,
    default_cadence_policy,
    next_follow_up,
    pull_forward,
)
from app.nurturing.calendar import WorkingHours, is_working_time
from app.nurturing.enums import BuyerStage, FollowUpKind, TouchpointKind
from app.nurturing.playbook import SALES_PUSH_KINDS, ContentItem, default_content_library, suggest_touchpoint
from app.nurturing.scoring import Signal
from tests.nurturing.strategies import instants, working_hours

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)  # Tuesday, 10:00 in Berlin
BERLIN = WorkingHours(time_zone="Europe/Berlin")
POLICY = default_cadence_policy()
LIBRARY = default_content_library()


def _due(stage: BuyerStage, trend: float = 0, unanswered: int = 0) -> datetime:
    return next_follow_up(POLICY, CadenceInput(stage, trend, unanswered, None), BERLIN, NOW).due_at


def test_base_interval_per_stage() -> None:
    assert _due(BuyerStage.AWARENESS) == NOW + timedelta(days=14)
    assert _due(BuyerStage.EVALUATION) == datetime(2026, 3, 16, 8, 0, tzinfo=UTC)  # Sunday -> Monday 09:00
    assert _due(BuyerStage.DECISION) == NOW + timedelta(days=2)


def test_rising_engagement_shortens_and_falling_lengthens() -> None:
    assert _due(BuyerStage.AWARENESS, trend=10) == NOW + timedelta(days=7)
    assert _due(BuyerStage.AWARENESS, trend=-10) == NOW + timedelta(days=21)
    decision = next_follow_up(POLICY, CadenceInput(BuyerStage.AWARENESS, 10, 0, None), BERLIN, NOW)
    assert [r.code for r in decision.reasons] == ["cadence", "engagement_rising"]


def test_intervals_are_clamped() -> None:
    policy = CadencePolicy(min_interval_days=1.5, max_interval_days=20)
    fast = next_follow_up(policy, CadenceInput(BuyerStage.DECISION, 50, 0, None), BERLIN, NOW)
    slow = next_follow_up(policy, CadenceInput(BuyerStage.AWARENESS, -50, 0, None), BERLIN, NOW)
    assert fast.due_at == datetime(2026, 3, 12, 8, 0, tzinfo=UTC)  # 1.5 days is Wednesday night -> Thursday
    assert slow.due_at == NOW + timedelta(days=20)


def test_no_reply_means_a_reminder_then_long_term_nurture() -> None:
    reminder = next_follow_up(POLICY, CadenceInput(BuyerStage.EVALUATION, 0, 1, None), BERLIN, NOW)
    assert reminder.kind is FollowUpKind.REMINDER and not reminder.long_term
    parked = next_follow_up(POLICY, CadenceInput(BuyerStage.EVALUATION, 0, 4, None), BERLIN, NOW)
    assert parked.kind is FollowUpKind.LONG_TERM and parked.long_term
    assert parked.due_at == NOW + timedelta(days=45)  # a Friday, 11:00 in Berlin
    assert parked.reasons[0].params == {"touches": 4}


def test_a_reply_pulls_the_next_touch_within_hours() -> None:
    replied = next_follow_up(
        POLICY, CadenceInput(BuyerStage.AWARENESS, 0, 2, None, replied_at=NOW), BERLIN, NOW
    )
    assert replied.due_at == NOW + timedelta(hours=4)
    assert replied.kind is FollowUpKind.NURTURE
    planned = NOW + timedelta(days=10)
    assert pull_forward(POLICY, planned, BERLIN, NOW) == NOW + timedelta(hours=4)
    assert pull_forward(POLICY, NOW + timedelta(hours=1), BERLIN, NOW) == NOW + timedelta(hours=1), (
        "never later"
    )


@settings(max_examples=300, deadline=None)
@given(
    working_hours(),
    instants,
    st.sampled_from(list(BuyerStage)),
    st.floats(min_value=-100, max_value=100),
    st.integers(min_value=0, max_value=8),
    st.one_of(st.none(), st.integers(min_value=-30 * 24, max_value=30 * 24)),
    st.booleans(),
)
def test_cadence_due_times_always_fall_inside_working_hours(
    hours: WorkingHours,
    now: datetime,
    stage: BuyerStage,
    trend: float,
    unanswered: int,
    last_touch_offset: int | None,
    replied: bool,
) -> None:
    last_touch = now + timedelta(hours=last_touch_offset) if last_touch_offset is not None else None
    decision = next_follow_up(
        POLICY,
        CadenceInput(stage, trend, unanswered, last_touch, replied_at=now if replied else None),
        hours,
        now,
    )
    assert decision.due_at >= now
    assert is_working_time(hours, decision.due_at)
    assert decision.due_at.astimezone(hours.zone).weekday() in hours.workdays


def _signal(kind: str, days_ago: float) -> Signal:
    return Signal(kind=kind, occurred_at=NOW - timedelta(days=days_ago))


def test_the_playbook_matches_stage_topics_and_says_why() -> None:
    pick = suggest_touchpoint(
        LIBRARY,
        stage=BuyerStage.EVALUATION,
        persona="operations_leader",
        topics=["Logistics"],
        already_sent=[],
        signals=[_signal("pricing_view", 1), _signal("pricing_view", 3)],
        now=NOW,
    )
    assert pick.content is not None and pick.content.id == "case-logistics"
    assert pick.channel is TouchpointKind.MAIL
    assert [r.code for r in pick.reasons] == ["pricing_views", "stage_content", "topic_match"]
    assert pick.reasons[0].params == {"count": 2, "days": 7}


def test_the_playbook_never_repeats_and_says_when_it_ran_out() -> None:
    sent: list[str] = []
    for _ in range(len(LIBRARY) + 1):
        pick = suggest_touchpoint(
            LIBRARY,
            stage=BuyerStage.AWARENESS,
            persona=None,
            topics=[],
            already_sent=sent,
            signals=[],
            now=NOW,
        )
        if pick.content is None:
            assert pick.reasons[-1].code == "library_exhausted"
            break
        assert pick.content.id not in sent
        sent.append(pick.content.id)
    assert sent and len(sent) == len(set(sent))


def test_decision_and_replies_call_instead_of_mail() -> None:
    decision = suggest_touchpoint(
        LIBRARY, stage=BuyerStage.DECISION, persona=None, topics=[], already_sent=[], signals=[], now=NOW
    )
    replied = suggest_touchpoint(
        LIBRARY,
        stage=BuyerStage.AWARENESS,
        persona=None,
        topics=[],
        already_sent=[],
        signals=[_signal("email_reply", 1)],
        now=NOW,
    )
    assert decision.channel is TouchpointKind.CALL and replied.channel is TouchpointKind.CALL


def test_german_leads_get_german_content_first() -> None:
    pick = suggest_touchpoint(
        LIBRARY,
        stage=BuyerStage.AWARENESS,
        persona=None,
        topics=["digitalisation"],
        already_sent=[],
        signals=[],
        now=NOW,
        language="de",
    )
    assert pick.content is not None and pick.content.language == "de"


content_items = st.builds(
    ContentItem,
    id=st.text(alphabet="abcdefgh", min_size=1, max_size=6),
    title=st.just("t"),
    url=st.just("https://example.com"),
    kind=st.sampled_from(["article", "guide", "case_study", "comparison", "pricing", "demo", "webinar"]),
    stages=st.frozensets(st.sampled_from(list(BuyerStage)), min_size=1),
    personas=st.frozensets(st.sampled_from(["executive", "it_leader"])),
    topics=st.frozensets(st.sampled_from(["maintenance", "pricing", "security"])),
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(content_items, max_size=20),
    st.one_of(st.none(), st.sampled_from(["executive", "it_leader"])),
    st.lists(st.sampled_from(["maintenance", "pricing", "security"]), max_size=3),
)
def test_awareness_never_gets_pricing_or_a_demo(
    library: list[ContentItem], persona: str | None, topics: list[str]
) -> None:
    pick = suggest_touchpoint(
        library,
        stage=BuyerStage.AWARENESS,
        persona=persona,
        topics=topics,
        already_sent=[],
        signals=[],
        now=NOW,
    )
    if pick.content is not None:
        assert pick.content.kind not in SALES_PUSH_KINDS
        assert BuyerStage.AWARENESS in pick.content.stages
