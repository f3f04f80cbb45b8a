"""Intent wins over silence; contact pressure is capped; nurturing ends in dormancy."""

from __future__ import annotations

from datetime import timedelta

from app.db import SessionMaker
from app.nurturing.calendar import WorkingHours, business_hours_between
from app.nurturing.enums import PRESSURE_KINDS, FollowUpKind, FollowUpOutcome, Lifecycle
from tests.factories import T0
from tests.practice.replay import Replay

BERLIN = WorkingHours(time_zone="Europe/Berlin")
BUSINESS_DAY = 8.0


async def test_a_demo_request_pulls_a_parked_lead_forward(sessions: SessionMaker) -> None:
    replay = await Replay.start(sessions, title="Engineer")
    for _ in range(4):
        await replay.work_when_due(FollowUpOutcome.NO_ANSWER, until_day=200)
        active = await replay.active()
        if active is not None and active.kind is FollowUpKind.LONG_TERM:
            break
    parked = await replay.active()
    assert parked is not None and parked.kind is FollowUpKind.LONG_TERM
    replay.at((parked.due_at - T0).days - 30)  # weeks before the parked touch
    await replay.event("demo_request")
    pulled = await replay.active()
    assert pulled is not None and pulled.kind is FollowUpKind.SIGNAL
    assert business_hours_between(BERLIN, replay.now, pulled.due_at) <= BUSINESS_DAY
    assert pulled.reasons[0]["code"] == "demo_requested"


async def test_becoming_mql_replans_the_waiting_touch(sessions: SessionMaker) -> None:
    replay = await Replay.start(sessions, title="Engineer")  # no influence: MQL, but no hand-off
    waiting = await replay.active()
    assert waiting is not None and waiting.due_at - replay.now > timedelta(days=10)
    replay.at(2)
    for kind in ("content_download", "webinar_attended", "email_click", "content_download"):
        await replay.event(kind)
    lead = await replay.lead()
    assert lead.lifecycle is Lifecycle.MQL
    replanned = await replay.active()
    assert replanned is not None
    assert business_hours_between(BERLIN, replay.now, replanned.due_at) <= BUSINESS_DAY
    assert await replay.open_hand_off() is None, "an engineer does not decide the purchase"


async def test_a_booked_meeting_is_an_answer_not_silence(sessions: SessionMaker) -> None:
    replay = await Replay.start(sessions)
    await replay.work_when_due(FollowUpOutcome.NO_ANSWER, until_day=20)
    assert (await replay.lead()).unanswered_touches >= 1
    active = await replay.active()
    assert active is not None
    replay.at((active.due_at - T0).total_seconds() / 86400)
    await replay.work(FollowUpOutcome.MEETING_BOOKED)
    lead = await replay.lead()
    following = await replay.active()
    assert lead.unanswered_touches == 0
    assert following is not None and following.kind is not FollowUpKind.REMINDER


async def test_never_more_than_two_unsolicited_touches_in_any_seven_days(sessions: SessionMaker) -> None:
    """A lead whose engagement keeps rising, worked the moment each follow-up is due, for six weeks."""
    replay = await Replay.start(sessions)
    for day in range(0, 42, 2):
        replay.at(max(day, (replay.now - T0).total_seconds() / 86400))
        for kind in ("page_view", "email_click", "content_download"):
            await replay.event(kind)
        await replay.work_when_due(FollowUpOutcome.NO_ANSWER, until_day=day + 2)
    unsolicited = await replay.worked(PRESSURE_KINDS)
    assert len(unsolicited) >= 6, "the lead was worked"
    for at in unsolicited:
        window = [t for t in unsolicited if at - timedelta(days=7) < t <= at]
        assert len(window) <= 2, f"{len(window)} touches in the seven days before {at}"


async def test_a_buying_signal_is_followed_up_even_when_the_week_is_full(sessions: SessionMaker) -> None:
    replay = await Replay.start(sessions)
    for day in (0, 2):
        replay.at(day)
        for kind in ("page_view", "email_click", "content_download"):
            await replay.event(kind)
        await replay.work_when_due(FollowUpOutcome.NO_ANSWER, until_day=day + 2)
    replay.at(4)
    await replay.event("demo_request")
    signal = await replay.active()
    assert signal is not None and signal.kind is FollowUpKind.SIGNAL
    assert business_hours_between(BERLIN, replay.now, signal.due_at) <= BUSINESS_DAY


async def test_after_long_term_silence_the_lead_rests_until_it_engages(sessions: SessionMaker) -> None:
    replay = await Replay.start(sessions, title="Analyst")
    await replay.work_when_due(FollowUpOutcome.NO_ANSWER, until_day=800)
    lead = await replay.lead()
    assert lead.dormant_since is not None and await replay.active() is None
    assert lead.unanswered_touches == 8  # four cadence touches, then four long-term ones
    replay.at((lead.dormant_since - T0).days + 60)
    await replay.event("email_click")
    woke = await replay.lead()
    assert woke.dormant_since is None and woke.unanswered_touches == 0
    assert await replay.active() is not None
