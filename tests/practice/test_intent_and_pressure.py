"""Intent wins over silence; contact pressure is capped; nurturing ends in dormancy."""

from __future__ import annotations

from datetime import timedelta

from app.db import SessionMaker
from app.nurturing.calendar import WorkingHours, business_hours_between
from app.nurturing.enums import FollowUpKind, FollowUpOutcome, Lifecycle
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
    assert pulled is not None and pulled.kind is FollowUpKind.NURTURE
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


async def test_never_more_than_two_touches_in_any_seven_days(sessions: SessionMaker) -> None:
    """A deciding lead whose engagement keeps rising, worked the moment each follow-up is due."""
    replay = await Replay.start(sessions)
    touches: list = []
    for day in range(0, 42, 2):
        replay.at(max(day, (replay.now - T0).total_seconds() / 86400))
        await replay.event("pricing_view")
        await replay.event("page_view")
        touches += await replay.work_when_due(FollowUpOutcome.NO_ANSWER, until_day=day + 2)
    touches = await replay.outbound_touches()
    assert len(touches) >= 6, "the lead was worked"
    for at in touches:
        window = [t for t in touches if at - timedelta(days=7) < t <= at]
        assert len(window) <= 2, f"{len(window)} touches in the seven days before {at}"


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
