"""Stages cool down, overrides hold, sales steps from SAL on, consent, the three SAL criteria, 0-100."""

from __future__ import annotations

from sqlmodel import col, select

from app.db import SessionMaker, transaction
from app.models import Lead, LeadUpdate
from app.nurturing.enums import BuyerStage, FollowUpKind, FollowUpOutcome, Lifecycle, TouchpointKind
from app.services.errors import InvalidInput
from app.services.leads import override_stage, update_lead
from app.services.rescoring import rescore_stale_leads
from tests.practice.replay import Replay


async def test_one_demo_request_does_not_mean_deciding_forever(sessions: SessionMaker) -> None:
    replay = await Replay.start(sessions, title="Engineer")
    replay.at(1)
    await replay.event("demo_request")
    assert (await replay.lead()).stage is BuyerStage.DECISION
    await replay.work_when_due(FollowUpOutcome.NO_ANSWER, until_day=3)  # the rep follows the request up
    replay.at(95)
    async with transaction(sessions) as session:
        await rescore_stale_leads(session=session, tenant_id=replay.org.tenant_id, now=replay.now)
    lead = await replay.lead()
    assert lead.stage is BuyerStage.AWARENESS
    active = await replay.active()
    assert active is not None and active.suggested_channel is not TouchpointKind.CALL
    assert "call_decision" not in [r["code"] for r in active.reasons], "no more 'they are deciding' calls"


async def test_a_reps_downward_override_survives_the_next_open(sessions: SessionMaker) -> None:
    replay = await Replay.start(sessions)
    replay.at(1)
    await replay.event("demo_request")
    replay.at(2)
    lead = await replay.lead()
    async with transaction(sessions) as session:
        await override_stage(
            session=session,
            lead_id=replay.lead_id,
            stage=BuyerStage.AWARENESS,
            reason="the demo was for a student project",
            caller=replay.org.caller(replay.org.reps[0], replay.now),
            expected_version=lead.version,
        )
    replay.at(3)
    await replay.event("email_open")
    assert (await replay.lead()).stage is BuyerStage.AWARENESS
    replay.at(10)
    await replay.event("demo_request")
    assert (await replay.lead()).stage is BuyerStage.DECISION, "a new, stronger signal wins"


async def test_from_sal_on_the_follow_ups_are_sales_steps(sessions: SessionMaker) -> None:
    replay = await Replay.start(sessions)
    replay.at(1)
    await replay.event("pricing_view")
    await replay.event("demo_request")
    await replay.event("content_download")
    replay.at(2)
    await replay.accept()
    call = await replay.active()
    assert call is not None and call.kind is FollowUpKind.DISCOVERY_CALL
    replay.at(3)
    await replay.work(FollowUpOutcome.MEETING_BOOKED)
    step = await replay.active()
    assert step is not None and step.kind is FollowUpKind.SALES_STEP
    assert step.suggested_content_key is None and step.suggested_channel is TouchpointKind.CALL
    # Engagement keeps arriving: it never turns the sales step back into a nurture touch.
    replay.at(4)
    await replay.event("email_open")
    await replay.event("pricing_view")
    assert (await replay.active()).kind is FollowUpKind.SALES_STEP  # type: ignore[union-attr]
    replay.at(12)
    try:
        await replay.work(FollowUpOutcome.NOT_INTERESTED)
        raise AssertionError("a sales-accepted lead was recycled without a reason")
    except InvalidInput:
        pass
    assert (await replay.lead()).lifecycle is Lifecycle.SAL


async def test_unsubscribed_leads_are_called_and_bounced_ones_get_their_address_fixed(
    sessions: SessionMaker,
) -> None:
    quiet = await Replay.start(sessions)
    quiet.at(1)
    await quiet.event("unsubscribed")
    for _ in range(3):
        active = await quiet.active()
        assert active is not None and active.suggested_channel is not TouchpointKind.MAIL
        assert "no_marketing_mail" in [r["code"] for r in active.reasons]
        await quiet.work_when_due(FollowUpOutcome.NO_ANSWER, until_day=(active.due_at - quiet.now).days + 2)
    bounced = await Replay.start(sessions)
    bounced.at(1)
    await bounced.event("bounced")
    task = await bounced.active()
    assert task is not None and task.kind is FollowUpKind.FIX_ADDRESS
    assert [r["code"] for r in task.reasons] == ["fix_address"]
    # The rep corrects the address: the bounce is cleared and nurturing goes on.
    lead = await bounced.lead()
    async with transaction(sessions) as session:
        await update_lead(
            session=session,
            lead_id=bounced.lead_id,
            data=LeadUpdate(version=lead.version, email="paula.prospect@kunde.example"),
            caller=bounced.org.caller(bounced.org.reps[0], bounced.now),
        )
    fixed = await bounced.lead()
    after = await bounced.active()
    assert fixed.email == "paula.prospect@kunde.example" and not fixed.bounced
    assert after is not None and after.kind is not FollowUpKind.FIX_ADDRESS
    # A second bounce brings the task back; working it ("address fixed") clears it without a touch.
    bounced.at(3)
    await bounced.event("bounced")
    assert (await bounced.active()).kind is FollowUpKind.FIX_ADDRESS  # type: ignore[union-attr]
    await bounced.work(FollowUpOutcome.NO_ANSWER)
    assert not (await bounced.lead()).bounced
    assert (await bounced.active()).kind is not FollowUpKind.FIX_ADDRESS  # type: ignore[union-attr]
    assert await bounced.outbound_touches() == []


async def test_the_hand_off_names_fit_influence_and_intent(sessions: SessionMaker) -> None:
    engineer = await Replay.start(sessions, title="Senior Engineer")
    vp = await Replay.start(sessions, title="Vice President Operations")
    for replay in (engineer, vp):
        replay.at(1)
        for kind in ("pricing_view", "demo_request", "content_download"):
            await replay.event(kind)
    assert (await engineer.lead()).lifecycle is Lifecycle.MQL and await engineer.open_hand_off() is None
    hand_off = await vp.open_hand_off()
    assert hand_off is not None
    codes = [reason["code"] for reason in hand_off.evidence]
    assert codes[:3] == ["fit", "influence_title", "engagement"] and "intent" in codes


async def test_scores_stay_between_0_and_100_and_fresh(sessions: SessionMaker) -> None:
    replay = await Replay.start(sessions)
    replay.at(1)
    for kind in (
        "pricing_view",
        "pricing_view",
        "demo_request",
        "trial_signup",
        "email_reply",
        "webinar_attended",
    ):
        await replay.event(kind)
    hot = await replay.lead()
    assert 0 <= hot.total_score <= 100
    assert sum(c["points"] for c in hot.score_explanation) == hot.total_score
    replay.at(60)
    async with transaction(sessions) as session:
        looked, changed = await rescore_stale_leads(
            session=session, tenant_id=replay.org.tenant_id, now=replay.now
        )
    assert looked >= 1 and changed >= 1
    cooled = await replay.lead()
    assert cooled.total_score < hot.total_score and cooled.scored_at == replay.now
    async with sessions() as session:
        versions = (await session.exec(select(Lead.version).where(col(Lead.id) == replay.lead_id))).one()
    assert versions == hot.version or cooled.stage is not hot.stage, (
        "decay alone does not stale the rep's card"
    )
