"""Cadence adapts to engagement and always lands in working time; the playbook never sells too early."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from app.nurturing.cadence import (
    CadenceInput,
    CadencePolicy,
    default_cadence_policy,
    intent_reason,
    next_follow_up,
    pull_forward,
)
from app.nurturing.calendar import WorkingHours, business_hours_between, is_working_time
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
    assert replied.kind is FollowUpKind.ANSWER, "answering is a conversation, not a cadence touch"
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
            # German guides are left over, but an English-speaking lead is not sent them.
            assert pick.reasons[-1].code == "no_content_in_language"
            assert pick.reasons[-1].params == {"language": "en"}
            break
        assert pick.content.id not in sent and pick.content.language == "en"
        sent.append(pick.content.id)
    assert sent and len(sent) == len(set(sent))
    english_only = [item for item in LIBRARY if item.language == "en"]
    empty = suggest_touchpoint(
        english_only,
        stage=BuyerStage.AWARENESS,
        persona=None,
        topics=[],
        already_sent=sent,
        signals=[],
        now=NOW,
    )
    assert empty.content is None and empty.reasons[-1].code == "library_exhausted"


def test_a_uk_lead_is_never_offered_german_content_and_a_german_lead_reads_english_when_needed() -> None:
    for topics in (["digitalisation"], ["digitalisation", "production"], []):
        pick = suggest_touchpoint(
            LIBRARY,
            stage=BuyerStage.AWARENESS,
            persona=None,
            topics=topics,
            already_sent=[],
            signals=[],
            now=NOW,
        )
        assert pick.content is not None and pick.content.language == "en"
    german = [item.id for item in LIBRARY if item.language == "de"]
    fallback = suggest_touchpoint(
        LIBRARY,
        stage=BuyerStage.AWARENESS,
        persona=None,
        topics=["digitalisation"],
        already_sent=german,
        signals=[],
        now=NOW,
        language="de-AT",
    )
    assert fallback.content is not None and fallback.content.language == "en"
    assert "content_in_english" in [r.code for r in fallback.reasons]


def test_persona_matches_whatever_its_case() -> None:
    pick = suggest_touchpoint(
        LIBRARY,
        stage=BuyerStage.EVALUATION,
        persona="IT_Leader",
        topics=["integration"],
        already_sent=[],
        signals=[],
        now=NOW,
    )
    assert pick.content is not None and pick.content.id == "comparison-build-buy"


def test_an_unsubscribed_lead_is_called_never_mailed() -> None:
    pick = suggest_touchpoint(
        LIBRARY,
        stage=BuyerStage.AWARENESS,
        persona=None,
        topics=[],
        already_sent=[],
        signals=[],
        now=NOW,
        mail_allowed=False,
    )
    assert pick.channel is TouchpointKind.CALL
    assert "no_marketing_mail" in [r.code for r in pick.reasons]


def test_rising_engagement_counts_before_the_unanswered_counter() -> None:
    warming = next_follow_up(POLICY, CadenceInput(BuyerStage.EVALUATION, 10, 5, None), BERLIN, NOW)
    assert warming.kind is FollowUpKind.REMINDER and not warming.long_term
    assert warming.due_at < NOW + timedelta(days=5)


def test_intent_pulls_a_parked_lead_forward_within_a_business_day() -> None:
    demo = _signal("demo_request", 0)
    parked = CadenceInput(
        BuyerStage.DECISION, 0, 6, NOW, intent_at=demo.occurred_at, intent_reason=intent_reason(demo)
    )
    decision = next_follow_up(POLICY, parked, BERLIN, NOW)
    assert decision.kind is FollowUpKind.SIGNAL and not decision.long_term
    assert business_hours_between(BERLIN, NOW, decision.due_at) <= POLICY.intent_pull_forward_hours
    assert [r.code for r in decision.reasons] == ["demo_requested", "intent_pull_forward"]


def test_the_weekly_cap_moves_touches_and_never_drops_them() -> None:
    touches = (NOW - timedelta(days=3), NOW - timedelta(days=1))
    rising = CadenceInput(BuyerStage.DECISION, 10, 0, NOW, recent_touches=touches)
    decision = next_follow_up(POLICY, rising, BERLIN, NOW)
    assert decision.due_at >= touches[0] + timedelta(days=7)
    assert decision.reasons[-1].code == "contact_cap"
    window = [t for t in touches if decision.due_at - timedelta(days=7) < t]
    assert len(window) < POLICY.weekly_touch_cap
    # A reply is answered at once: talking to someone who wrote is not pressure.
    reply = CadenceInput(BuyerStage.DECISION, 10, 0, NOW, replied_at=NOW, recent_touches=touches)
    assert next_follow_up(POLICY, reply, BERLIN, NOW).due_at < NOW + timedelta(days=1)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=7 * 24 * 60), max_size=6),
    st.sampled_from(list(BuyerStage)),
    st.floats(min_value=-20, max_value=20),
    st.integers(min_value=0, max_value=3),
)
def test_no_plan_ever_breaks_the_weekly_cap(
    minutes_ago: list[int], stage: BuyerStage, trend: float, unanswered: int
) -> None:
    touches = tuple(NOW - timedelta(minutes=m) for m in minutes_ago)
    decision = next_follow_up(
        POLICY, CadenceInput(stage, trend, unanswered, None, recent_touches=touches), BERLIN, NOW
    )
    in_window = [t for t in touches if decision.due_at - timedelta(days=7) < t <= decision.due_at]
    assert len(in_window) < POLICY.weekly_touch_cap
    assert is_working_time(BERLIN, decision.due_at)


def test_long_term_nurture_ends_in_dormancy() -> None:
    last = POLICY.max_unanswered_touches + POLICY.dormant_after_long_term_touches
    still = next_follow_up(POLICY, CadenceInput(BuyerStage.AWARENESS, 0, last - 1, None), BERLIN, NOW)
    assert still.long_term and not still.dormant
    gone = next_follow_up(POLICY, CadenceInput(BuyerStage.AWARENESS, 0, last, None), BERLIN, NOW)
    assert gone.dormant and gone.reasons[0].code == "dormant"


def test_a_recycled_lead_is_nurtured_at_the_long_term_pace_until_its_date() -> None:
    until = NOW + timedelta(days=20)
    parked = next_follow_up(
        POLICY, CadenceInput(BuyerStage.DECISION, 0, 0, None, parked_until=until), BERLIN, NOW
    )
    assert parked.kind is FollowUpKind.LONG_TERM
    assert parked.due_at >= until and parked.due_at - until < timedelta(days=4)
    assert parked.reasons[0].code == "recycled_until"


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
