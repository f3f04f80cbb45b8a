"""The practice health check: one healthy practice that is green on every line, then, line by line, the
data that turns it red. The rows are written through the models, so the check is measured on data as the
engine leaves it, whatever the engine does."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypedDict, Unpack

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import SessionMaker, transaction
from app.models import EngagementEvent, FollowUp, HandOff, Lead, Member
from app.nurturing.enums import (
    FollowUpKind,
    FollowUpStatus,
    HandOffStatus,
    Lifecycle,
    RecycleReason,
    TouchpointKind,
)
from app.nurturing.scoring import score_lead
from app.services.access import Caller
from app.services.lead_context import load_contexts
from app.services.outbox import Notice, enqueue
from app.services.practice_health import Check, Light, Limits, PracticeHealth, describe, practice_health
from app.services.tenant_config import load_config
from tests.factories import T0, Org, make_org


class Fit(TypedDict, total=False):
    """The lead columns that scoring reads as fit."""

    title: str
    persona: str
    custom_fields: dict[str, Any]


class LeadExtras(Fit, total=False):
    """The lead columns a practice case sets beyond name, owner and lifecycle."""

    unsubscribed: bool
    last_touch_at: datetime


# Enough fit that an unsubscribe penalty leaves a score inside 0-100 under any scoring model.
GOOD_FIT: Fit = {
    "title": "Head of IT",
    "persona": "it_leader",
    "custom_fields": {"industry": "manufacturing", "country": "DE"},
}
NOW = T0  # a Tuesday, 09:30 in Berlin, where the reps work 09:00-17:00
DAY = timedelta(days=1)


@dataclass
class Practice:
    org: Org
    session: AsyncSession
    leads: dict[str, Lead] = field(default_factory=dict)

    async def lead(
        self,
        name: str,
        *,
        owner: Member | None = None,
        unowned: bool = False,
        lifecycle: Lifecycle = Lifecycle.MQL,
        **extra: Unpack[LeadExtras],
    ) -> Lead:
        first, _, last = name.partition(" ")
        owner_member = None if unowned else owner or self.org.reps[0]
        lead = Lead(
            tenant_id=self.org.tenant_id,
            email=f"{first}.{last}@kunde.example".lower(),
            first_name=first,
            last_name=last,
            owner_id=owner_member.id if owner_member else None,
            team_id=self.org.dach.id,
            lifecycle=lifecycle,
            **extra,
        )
        self.session.add(lead)
        await self.session.flush()
        self.leads[name] = lead
        return lead

    def follow_up(
        self,
        lead: Lead,
        *,
        due: datetime,
        status: FollowUpStatus = FollowUpStatus.OPEN,
        kind: FollowUpKind = FollowUpKind.NURTURE,
        channel: TouchpointKind = TouchpointKind.MAIL,
        owner: Member | None = None,
    ) -> None:
        done = status is FollowUpStatus.DONE
        self.session.add(
            FollowUp(
                tenant_id=self.org.tenant_id,
                lead_id=lead.id,
                owner_id=(owner or self.org.reps[0]).id,
                due_at=due,
                kind=kind,
                suggested_channel=channel,
                status=status,
                completed_at=due if done else None,
            )
        )

    def signal(self, lead: Lead, kind: str, at: datetime, **properties: str) -> None:
        self.session.add(
            EngagementEvent(
                tenant_id=self.org.tenant_id,
                lead_id=lead.id,
                external_id=uuid.uuid4().hex,
                kind=kind,
                occurred_at=at,
                properties=properties,
            )
        )

    def hand_off(
        self,
        lead: Lead,
        *,
        proposed: datetime,
        rejected: datetime | None = None,
        nurture_until: datetime | None = None,
    ) -> None:
        self.session.add(
            HandOff(
                tenant_id=self.org.tenant_id,
                lead_id=lead.id,
                status=HandOffStatus.REJECTED if rejected else HandOffStatus.PROPOSED,
                proposed_at=proposed,
                decided_at=rejected,
                reason_code=RecycleReason.NO_BUDGET if rejected else None,
                nurture_until=nurture_until,
            )
        )

    async def escalate(self, lead: Lead, *, team_id: uuid.UUID | None, at: datetime) -> None:
        await enqueue(
            session=self.session,
            tenant_id=self.org.tenant_id,
            kind=Notice.SLA_ESCALATE,
            dedupe_key=f"sla:{lead.id}:{at.isoformat()}:escalate",
            payload={"lead_id": str(lead.id)},
            team_id=team_id,
            now=at,
        )


async def _healthy(p: Practice) -> None:
    """A practice that keeps every rule, with data on every line, so green is measured, not empty."""
    rita = await p.lead("Rita Rejected", lifecycle=Lifecycle.RECYCLED)
    p.hand_off(rita, proposed=NOW - 60 * DAY, rejected=NOW - 50 * DAY, nurture_until=NOW - 5 * DAY)
    p.hand_off(rita, proposed=NOW - 4 * DAY)  # after her date, and 46 days after the rejection
    p.follow_up(rita, due=NOW + DAY)

    hans = await p.lead("Hans Hot")
    p.signal(hans, "demo_request", NOW - DAY)
    p.follow_up(hans, due=NOW + DAY)  # inside three business days of the demo request
    tom = await p.lead("Tom Touched", last_touch_at=NOW - 5 * DAY)
    p.signal(tom, "pricing_view", NOW - 6 * DAY)
    p.follow_up(tom, due=NOW + 10 * DAY)  # a rep acted on the signal; the cadence runs on
    nina = await p.lead("Nina Newsletter")
    p.signal(nina, "form_submit", NOW - DAY, form="newsletter")  # not a contact-sales form: no intent
    p.follow_up(nina, due=NOW + 20 * DAY)
    sally = await p.lead("Sally Sales", lifecycle=Lifecycle.SAL)
    p.signal(sally, "demo_request", NOW - DAY)  # sales-owned: its steps are the rep's
    p.follow_up(sally, due=NOW + 20 * DAY, kind=FollowUpKind.SALES_STEP)

    carl = await p.lead("Carl Cadence")
    for offset in (20, 16, 8):  # two in any seven days, never three
        p.follow_up(carl, due=NOW - offset * DAY, status=FollowUpStatus.DONE)
    p.follow_up(carl, due=NOW + 5 * DAY)

    una = await p.lead("Una Unsubscribed", unsubscribed=True, **GOOD_FIT)
    p.follow_up(una, due=NOW + 3 * DAY, channel=TouchpointKind.CALL)

    ina = p.org.reps[2]
    ina.active = False
    p.session.add(ina)
    ivo = await p.lead("Ivo Inherited")
    p.follow_up(ivo, due=NOW - 30 * DAY, status=FollowUpStatus.DONE, owner=ina)  # only finished work
    p.follow_up(ivo, due=NOW + 2 * DAY)

    await p.lead("Lars Lost", unowned=True, lifecycle=Lifecycle.LOST)  # closed: needs no owner

    eva = await p.lead("Eva Escalated")
    await p.escalate(eva, team_id=p.org.dach.id, at=NOW - 3 * DAY)  # the DACH team has a team lead


async def _settle_scores(sessions: SessionMaker, tenant_id: str) -> None:
    """Store each lead's score as it is today, as a fresh re-scoring pass would."""
    async with transaction(sessions) as session:
        config = await load_config(session=session, tenant_id=tenant_id)
        leads = (await session.exec(select(Lead).where(Lead.tenant_id == tenant_id))).all()
        contexts = await load_contexts(session=session, tenant_id=tenant_id, leads=leads, now=NOW)
        for lead in leads:
            context = contexts[lead.id]
            lead.total_score = score_lead(config.scoring, context.facts(), context.signals, NOW).total
            session.add(lead)


Change = Callable[[Practice], Awaitable[None]]


async def _measure(
    sessions: SessionMaker, *changes: Change, after_scoring: Change | None = None
) -> PracticeHealth:
    org = await make_org(sessions)
    async with transaction(sessions) as session:
        practice = Practice(org, session)
        await _healthy(practice)
        for change in changes:
            await change(practice)
    await _settle_scores(sessions, org.tenant_id)
    if after_scoring is not None:
        async with transaction(sessions) as session:
            await after_scoring(Practice(org, session))
    async with sessions() as session:
        return await practice_health(session=session, caller=Caller.system(org.tenant_id, NOW))


def _lights(health: PracticeHealth) -> dict[Check, Light]:
    return {line.check: line.light for line in health.lines}


async def test_a_practice_that_keeps_the_rules_is_green_on_every_line(sessions: SessionMaker) -> None:
    # Another tenant's leaks must not show up in this one's check.
    other = await make_org(sessions)
    async with transaction(sessions) as session:
        await Practice(other, session).lead("Olga Orphan", unowned=True)
    health = await _measure(sessions)
    assert _lights(health) == dict.fromkeys(Check, Light.GREEN)
    assert health.light is Light.GREEN
    lines = {line.check: line for line in health.lines}
    assert all(line.count == 0 and not line.leads for line in health.lines)
    # The lines measured something: the rejection, the two hot leads, the touched leads, the escalation.
    assert lines[Check.REPROPOSED_30_DAYS].base == 1
    assert lines[Check.HOT_LEADS_PARKED].base == 2
    assert lines[Check.OVER_CONTACT_CAP].base == 2
    assert lines[Check.UNADDRESSED_ESCALATIONS].base == 1
    assert lines[Check.STALE_SCORES].base == lines[Check.WITHOUT_OWNER].base == 9
    assert health.days == 90 and health.until - health.since == 90 * DAY


async def _proposed_before_its_date(p: Practice) -> None:
    bernd = await p.lead("Bernd Budget", lifecycle=Lifecycle.RECYCLED)
    p.hand_off(bernd, proposed=NOW - 30 * DAY, rejected=NOW - 20 * DAY, nurture_until=NOW + 100 * DAY)
    p.hand_off(bernd, proposed=NOW - 10 * DAY)


async def _proposed_again_soon(p: Practice) -> None:
    pia = await p.lead("Pia Pingpong", lifecycle=Lifecycle.RECYCLED)
    p.hand_off(pia, proposed=NOW - 45 * DAY, rejected=NOW - 40 * DAY, nurture_until=NOW - 35 * DAY)
    p.hand_off(pia, proposed=NOW - 30 * DAY)  # after her date, but ten days after the rejection


async def _parked_after_pricing(p: Practice) -> None:
    paul = await p.lead("Paul Parked", lifecycle=Lifecycle.RECYCLED)
    p.signal(paul, "pricing_view", NOW - 2 * DAY)
    p.follow_up(paul, due=NOW + 20 * DAY, kind=FollowUpKind.LONG_TERM)


async def _contact_sales_without_follow_up(p: Practice) -> None:
    fritz = await p.lead("Fritz Form", lifecycle=Lifecycle.NEW)
    p.signal(fritz, "form_submit", NOW - 2 * DAY, form="contact_sales")


async def _three_touches_in_a_week(p: Practice) -> None:
    olaf = await p.lead("Olaf Overloaded")
    for offset in (6, 4, 2):
        p.follow_up(olaf, due=NOW - offset * DAY, status=FollowUpStatus.DONE, kind=FollowUpKind.REMINDER)


async def _mail_to_unsubscribed(p: Practice) -> None:
    ulla = await p.lead("Ulla Unsubscribed", unsubscribed=True, **GOOD_FIT)
    p.follow_up(ulla, due=NOW + 3 * DAY, channel=TouchpointKind.MAIL)


async def _work_left_with_a_leaver(p: Practice) -> None:
    lea = await p.lead("Lea Left", owner=p.org.reps[2])
    p.follow_up(lea, due=NOW + DAY, owner=p.org.reps[2])


async def _unowned_sal(p: Practice) -> None:
    await p.lead("Otto Orphan", unowned=True, lifecycle=Lifecycle.SAL)


async def _escalation_to_nobody(p: Practice) -> None:
    await p.escalate(await p.lead("Nora Nobody"), team_id=None, at=NOW - DAY)


async def _escalation_to_a_team_without_lead_or_manager(p: Practice) -> None:
    for member in (p.org.lead_uk, p.org.manager):
        assert member is not None
        member.active = False
        p.session.add(member)
    await p.escalate(await p.lead("Uwe Unread"), team_id=p.org.uk.id, at=NOW - DAY)


async def _most_leads_dormant(p: Practice) -> None:
    await p.session.exec(
        update(Lead)
        .where(col(Lead.tenant_id) == p.org.tenant_id, col(Lead.lifecycle) != Lifecycle.LOST)
        .values(dormant_since=NOW - 60 * DAY)
    )


async def _score_above_100(p: Practice) -> None:
    await p.session.exec(
        update(Lead)
        .where(col(Lead.tenant_id) == p.org.tenant_id, col(Lead.first_name) == "Hans")
        .values(total_score=140)
    )


RED_CASES: dict[str, tuple[Change, set[Check], str, str]] = {
    "re-proposed before nurture-until": (
        _proposed_before_its_date,
        {Check.REPROPOSED_EARLY, Check.REPROPOSED_30_DAYS},
        "Bernd Budget",
        "proposed_before_nurture_until",
    ),
    "re-proposed within 30 days": (
        _proposed_again_soon,
        {Check.REPROPOSED_30_DAYS},
        "Pia Pingpong",
        "proposed_again_after",
    ),
    "hot lead parked in long-term nurture": (
        _parked_after_pricing,
        {Check.HOT_LEADS_PARKED},
        "Paul Parked",
        "follow_up_long_after_intent",
    ),
    "contact-sales form with nothing planned": (
        _contact_sales_without_follow_up,
        {Check.HOT_LEADS_PARKED},
        "Fritz Form",
        "no_follow_up_after_intent",
    ),
    "three touches in a week": (
        _three_touches_in_a_week,
        {Check.OVER_CONTACT_CAP},
        "Olaf Overloaded",
        "touches_in_a_week",
    ),
    "mail to an unsubscribed lead": (
        _mail_to_unsubscribed,
        {Check.MAIL_TO_UNSUBSCRIBED},
        "Ulla Unsubscribed",
        "mail_suggested_to_unsubscribed",
    ),
    "follow-up left with an inactive member": (
        _work_left_with_a_leaver,
        {Check.INACTIVE_OWNERS},
        "Lea Left",
        "owner_inactive",
    ),
    "SAL without an owner": (_unowned_sal, {Check.WITHOUT_OWNER}, "Otto Orphan", "no_owner"),
    "escalation to nobody": (
        _escalation_to_nobody,
        {Check.UNADDRESSED_ESCALATIONS},
        "Nora Nobody",
        "escalation_without_team",
    ),
    "escalation to a team with no team lead and no manager": (
        _escalation_to_a_team_without_lead_or_manager,
        {Check.UNADDRESSED_ESCALATIONS},
        "Uwe Unread",
        "escalation_team_without_lead",
    ),
    "most open leads dormant": (_most_leads_dormant, {Check.DORMANT}, "Rita Rejected", "dormant_since"),
}


@pytest.mark.parametrize("case", list(RED_CASES))
async def test_each_broken_rule_turns_its_line_red_and_names_the_lead(
    sessions: SessionMaker, case: str
) -> None:
    change, red, name, why = RED_CASES[case]
    health = await _measure(sessions, change)
    expected = {check: Light.RED if check in red else Light.GREEN for check in Check}
    assert _lights(health) == expected
    assert health.light is Light.RED
    line = next(
        line for line in health.lines if line.check in red and line.leads and line.leads[0].why.code == why
    )
    assert line.count >= 1
    assert name in [lead.name for lead in line.leads]
    assert describe(line.leads[0].why) != why  # the finding reads as a sentence, not a code


async def test_a_score_outside_0_to_100_or_stale_turns_the_score_line_red(sessions: SessionMaker) -> None:
    health = await _measure(sessions, after_scoring=_score_above_100)
    scores = next(line for line in health.lines if line.check is Check.STALE_SCORES)
    assert scores.light is Light.RED  # one lead in nine is out of range: red whatever the share
    assert [(lead.name, lead.why.code, lead.why.params["stored"]) for lead in scores.leads] == [
        ("Hans Hot", "score_out_of_range", 140)
    ]

    async def one_stale(p: Practice) -> None:
        await p.session.exec(
            update(Lead)
            .where(col(Lead.tenant_id) == p.org.tenant_id, col(Lead.first_name) == "Carl")
            .values(total_score=col(Lead.total_score) + 3)
        )

    health = await _measure(sessions, after_scoring=one_stale)
    scores = next(line for line in health.lines if line.check is Check.STALE_SCORES)
    assert (scores.light, scores.count, scores.base) == (Light.RED, 1, 9)  # 11% stale: re-scoring lags
    assert [(lead.name, lead.why.code) for lead in scores.leads] == [("Carl Cadence", "score_stale")]


def test_the_lights_follow_the_stated_thresholds() -> None:
    rate = Limits(amber_from=0.05, red_from=0.10, share=True)
    assert [rate.light(v) for v in (0.0, 0.049, 0.05, 0.099, 0.10)] == [
        Light.GREEN,
        Light.GREEN,
        Light.AMBER,
        Light.AMBER,
        Light.RED,
    ]
    absolute = Limits(amber_from=1, red_from=1)
    assert [absolute.light(v) for v in (0, 1, 7)] == [Light.GREEN, Light.RED, Light.RED]


async def test_the_number_of_queries_does_not_grow_with_the_leads(
    sessions: SessionMaker, engine: AsyncEngine
) -> None:
    statements: list[str] = []

    def count(*_args: object) -> None:
        statements.append("")

    async def more_leads(p: Practice) -> None:
        for index in range(25):
            lead = await p.lead(f"Extra Lead{index}")
            p.signal(lead, "demo_request", NOW - DAY)
            p.follow_up(lead, due=NOW + 30 * DAY)
            await p.escalate(lead, team_id=None, at=NOW - DAY)

    async def measured(*changes: Change) -> int:
        org = await make_org(sessions)
        async with transaction(sessions) as session:
            practice = Practice(org, session)
            await _healthy(practice)
            for change in changes:
                await change(practice)
        statements.clear()
        event.listen(engine.sync_engine, "before_cursor_execute", count)
        try:
            async with sessions() as session:
                health = await practice_health(session=session, caller=Caller.system(org.tenant_id, NOW))
        finally:
            event.remove(engine.sync_engine, "before_cursor_execute", count)
        assert health.lines
        return len(statements)

    assert await measured() == await measured(more_leads)
