"""The practice health check: the live data measured against the nurturing rules, line by line.

Each line has a traffic light and names the leads behind it, so an admin sees where the process leaks.
Nothing here writes. Every query is filtered by tenant, and the number of queries does not grow with the
data, except the score check, which reads the leads in batches."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import EngagementEvent, FollowUp, HandOff, Lead, Member, OutboxMessage, Team
from app.nurturing.calendar import WorkingHours, add_business_hours
from app.nurturing.enums import (
    ACTIVE_FOLLOW_UP_STATUSES,
    PRESSURE_KINDS,
    EventKind,
    FollowUpStatus,
    HandOffStatus,
    Lifecycle,
    Role,
    TouchpointKind,
)
from app.nurturing.lifecycle import INTENT_KINDS, is_intent
from app.nurturing.reasons import ParamValue, Reason
from app.nurturing.scoring import Signal, score_lead
from app.services.access import Caller, ensure_role
from app.services.errors import InvalidInput
from app.services.lead_context import load_contexts
from app.services.outbox import Notice
from app.services.rescoring import RESCORE_AFTER
from app.services.tenant_config import TenantConfig, load_config, working_hours

DEFAULT_DAYS = 90
MAX_DAYS = 730
NAMED_LIMIT = 20  # leads named per line; the count always covers all of them
SCORE_BATCH = 500

REPROPOSAL_WINDOW = timedelta(days=30)
HOT_SIGNAL_WINDOW = timedelta(days=14)
HOT_PARKED_BUSINESS_DAYS = 3
CAP_WINDOW = timedelta(days=7)

PRE_SAL = (Lifecycle.NEW, Lifecycle.MQL, Lifecycle.RECYCLED)
CLOSED = (Lifecycle.WON, Lifecycle.LOST, Lifecycle.DISQUALIFIED)


# For lines judged by share where only none is green: any case at all makes them amber.
ANY_SHARE = 1e-9


class Light(StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"


_SEVERITY = {Light.GREEN: 0, Light.AMBER: 1, Light.RED: 2}


class Check(StrEnum):
    """The lines of the check, in the order they are reported."""

    REPROPOSED_EARLY = "re_proposed_before_nurture_until"
    REPROPOSED_30_DAYS = "re_proposed_within_30_days"
    HOT_LEADS_PARKED = "hot_leads_parked"
    OVER_CONTACT_CAP = "over_contact_cap"
    MAIL_TO_UNSUBSCRIBED = "mail_to_unsubscribed"
    INACTIVE_OWNERS = "follow_ups_of_inactive_members"
    WITHOUT_OWNER = "leads_without_owner"
    UNADDRESSED_ESCALATIONS = "escalations_without_recipient"
    STALE_SCORES = "stale_scores"
    DORMANT = "dormant_leads"


@dataclass(frozen=True, slots=True)
class Limits:
    """Green below ``amber_from``, amber below ``red_from``, red from there on.

    ``share`` says whether the light judges the count itself or the count as a share of the line's base."""

    amber_from: float
    red_from: float
    share: bool = False

    def light(self, value: float) -> Light:
        """The traffic light for a measured value."""
        if value >= self.red_from:
            return Light.RED
        return Light.AMBER if value >= self.amber_from else Light.GREEN


# The thresholds, with why. Where a rule is absolute, a single case is red: amber would excuse a broken rule.
LIMITS: Mapping[Check, Limits] = {
    # Sales must never see a lead again before the date its rejection set.
    Check.REPROPOSED_EARLY: Limits(amber_from=1, red_from=1),
    # Under 5% of rejections coming back within a month is the target; twice that is ping-pong.
    Check.REPROPOSED_30_DAYS: Limits(amber_from=0.05, red_from=0.10, share=True),
    # Intent re-plans at once, so no lag excuses a parked hot lead.
    Check.HOT_LEADS_PARKED: Limits(amber_from=1, red_from=1),
    # A rep can finish touches early by hand, which can overshoot the cap for a few leads; more than 2% of
    # the leads touched means the cadence ignores it.
    Check.OVER_CONTACT_CAP: Limits(amber_from=ANY_SHARE, red_from=0.02, share=True),
    # Consent: a single marketing mail to someone who unsubscribed is one too many.
    Check.MAIL_TO_UNSUBSCRIBED: Limits(amber_from=1, red_from=1),
    # Deactivating a member hands their work over at once.
    Check.INACTIVE_OWNERS: Limits(amber_from=1, red_from=1),
    # A lead can wait briefly for routing; one in twenty-five open leads without an owner is a leak.
    Check.WITHOUT_OWNER: Limits(amber_from=ANY_SHARE, red_from=0.04, share=True),
    # An escalation nobody receives is a silent failure.
    Check.UNADDRESSED_ESCALATIONS: Limits(amber_from=1, red_from=1),
    # Decay moves scores every day between re-scoring passes; a tenth stale means the passes do not run.
    # Any score outside 0-100 is red whatever the share.
    Check.STALE_SCORES: Limits(amber_from=0.02, red_from=0.10, share=True),
    # Dormancy ends nurturing for the silent; a quarter of the open leads dormant: nurturing is not landing.
    Check.DORMANT: Limits(amber_from=0.25, red_from=0.50, share=True),
}


# English for the command line and logs; the tab carries its own English and German.
TITLES: Mapping[Check, str] = {
    Check.REPROPOSED_EARLY: "Proposed again before nurture-until",
    Check.REPROPOSED_30_DAYS: "Rejected hand-offs proposed again within 30 days",
    Check.HOT_LEADS_PARKED: "Hot leads parked over 3 business days",
    Check.OVER_CONTACT_CAP: "Leads over the weekly contact cap",
    Check.MAIL_TO_UNSUBSCRIBED: "Mail suggested to unsubscribed leads",
    Check.INACTIVE_OWNERS: "Follow-ups owned by inactive members",
    Check.WITHOUT_OWNER: "Leads without an owner",
    Check.UNADDRESSED_ESCALATIONS: "Escalations without a recipient",
    Check.STALE_SCORES: "Stale or out-of-range scores",
    Check.DORMANT: "Dormant leads",
}
WHY: Mapping[str, str] = {
    "proposed_before_nurture_until": "proposed on {proposed}, nurture until {nurture_until}",
    "proposed_again_after": "proposed again {days} days after the rejection",
    "no_follow_up_after_intent": "{signal} on {at}, no follow-up planned",
    "follow_up_long_after_intent": "{signal}, next follow-up {days} days later ({due})",
    "touches_in_a_week": "{touches} touches in the 7 days from {since} (cap {cap})",
    "mail_suggested_to_unsubscribed": "unsubscribed, mail suggested for {due}",
    "owner_inactive": "{kind} owned by {owner}, who is inactive",
    "no_owner": "{lifecycle} without an owner",
    "escalation_without_team": "escalated on {at} to nobody",
    "escalation_team_without_lead": "escalated on {at} to {team}: no active team lead, no manager",
    "score_out_of_range": "score {stored} (recomputed {current}) is outside 0-100",
    "score_stale": "stored score {stored}, {current} today",
    "dormant_since": "dormant since {since}",
}


def describe(why: Reason) -> str:
    """A finding in English."""
    template = WHY.get(why.code)
    if template is None:
        return why.code
    words = {key: _word(value) if key in _CODED else value for key, value in why.params.items()}
    return template.format(**words)


def _word(code: ParamValue) -> str:
    """A code such as demo_request or sal as it reads in a sentence."""
    text = str(code)
    return text.upper() if text in _ACRONYMS else text.replace("_", " ")


_CODED = frozenset({"signal", "kind", "lifecycle"})
_ACRONYMS = frozenset({Lifecycle.MQL.value, Lifecycle.SAL.value, Lifecycle.SQL.value})


@dataclass(frozen=True, slots=True)
class NamedLead:
    id: uuid.UUID
    name: str
    why: Reason


@dataclass(frozen=True, slots=True)
class HealthLine:
    check: Check
    light: Light
    count: int  # the cases found: leads, follow-ups, proposals or escalations, as the line says
    base: int | None  # what the share is of, where the light judges a share
    limits: Limits
    leads: tuple[NamedLead, ...]  # at most NAMED_LIMIT of the leads behind the count

    @property
    def value(self) -> float:
        """What the light judges: the count, or its share of the base."""
        if not self.limits.share:
            return float(self.count)
        return self.count / self.base if self.base else 0.0


@dataclass(frozen=True, slots=True)
class PracticeHealth:
    tenant_id: str
    days: int
    since: datetime
    until: datetime
    lines: tuple[HealthLine, ...]

    @property
    def light(self) -> Light:
        """The worst light of any line."""
        return max((line.light for line in self.lines), key=_SEVERITY.__getitem__, default=Light.GREEN)


@dataclass(slots=True)
class _Finding:
    """A line while it is measured: every case's lead and why, named later in one query."""

    check: Check
    count: int = 0
    base: int | None = None
    force_red: bool = False
    cases: list[tuple[uuid.UUID, Reason, float]] = field(default_factory=list)  # lead, why, sort weight

    def add(self, lead_id: uuid.UUID, code: str, weight: float = 0.0, **params: ParamValue) -> None:
        self.cases.append((lead_id, Reason(code, params), weight))


def _day(moment: datetime) -> str:
    return moment.date().isoformat()


def _named(finding: _Finding) -> list[tuple[uuid.UUID, Reason]]:
    """One entry per lead, the heaviest case first, then by id so the list is stable."""
    seen: set[uuid.UUID] = set()
    ordered: list[tuple[uuid.UUID, Reason]] = []
    for lead_id, why, _weight in sorted(finding.cases, key=lambda case: (-case[2], str(case[0]))):
        if lead_id not in seen:
            seen.add(lead_id)
            ordered.append((lead_id, why))
    return ordered[:NAMED_LIMIT]


def _hours(member: Member | None) -> WorkingHours:
    try:
        return working_hours(member)
    except (ValueError, OSError):
        # A broken time zone on a member must not hide every other finding; UTC office hours stand in.
        return WorkingHours()


def _work_day_hours(hours: WorkingHours) -> float:
    start = timedelta(hours=hours.start.hour, minutes=hours.start.minute)
    end = timedelta(hours=hours.end.hour, minutes=hours.end.minute)
    return (end - start).total_seconds() / 3600


# --- the lines -----------------------------------------------------------------------------------------


async def _re_proposals(
    session: AsyncSession, tenant_id: str, since: datetime, until: datetime
) -> tuple[_Finding, _Finding]:
    rejected = (
        await session.exec(
            select(HandOff.lead_id, HandOff.decided_at, HandOff.nurture_until).where(
                HandOff.tenant_id == tenant_id,
                HandOff.status == HandOffStatus.REJECTED,
                col(HandOff.decided_at) >= since,
                col(HandOff.decided_at) <= until,
            )
        )
    ).all()
    rejected_leads = select(HandOff.lead_id).where(
        HandOff.tenant_id == tenant_id,
        HandOff.status == HandOffStatus.REJECTED,
        col(HandOff.decided_at) >= since,
        col(HandOff.decided_at) <= until,
    )
    proposals: dict[uuid.UUID, list[tuple[uuid.UUID, datetime]]] = defaultdict(list)
    for hand_off_id, lead_id, proposed_at in await session.exec(
        select(HandOff.id, HandOff.lead_id, HandOff.proposed_at).where(
            HandOff.tenant_id == tenant_id,
            col(HandOff.lead_id).in_(rejected_leads),
            HandOff.proposed_at >= since,
        )
    ):
        proposals[lead_id].append((hand_off_id, proposed_at))
    early = _Finding(Check.REPROPOSED_EARLY, base=sum(1 for row in rejected if row[2] is not None))
    again = _Finding(Check.REPROPOSED_30_DAYS, base=len(rejected))
    early_ids: set[uuid.UUID] = set()
    for lead_id, decided_at, nurture_until in rejected:
        assert decided_at is not None  # filtered on above
        later = sorted((at, hand_off_id) for hand_off_id, at in proposals[lead_id] if at > decided_at)
        if later and later[0][0] - decided_at <= REPROPOSAL_WINDOW:
            again.count += 1
            days = round((later[0][0] - decided_at) / timedelta(days=1), 1)
            again.add(lead_id, "proposed_again_after", weight=-days, days=days)
        for proposed_at, hand_off_id in later:
            if nurture_until is not None and proposed_at < nurture_until and hand_off_id not in early_ids:
                early_ids.add(hand_off_id)
                early.count += 1
                early.add(
                    lead_id,
                    "proposed_before_nurture_until",
                    weight=(nurture_until - proposed_at) / timedelta(days=1),
                    proposed=_day(proposed_at),
                    nurture_until=_day(nurture_until),
                )
    return early, again


async def _hot_leads_parked(
    session: AsyncSession, tenant_id: str, now: datetime, members: Mapping[uuid.UUID, Member]
) -> _Finding:
    hot = (
        select(Lead.id)
        .join(EngagementEvent, col(EngagementEvent.lead_id) == col(Lead.id))
        .where(
            Lead.tenant_id == tenant_id,
            EngagementEvent.tenant_id == tenant_id,
            col(Lead.lifecycle).in_(PRE_SAL),
            col(Lead.dormant_since).is_(None),
            col(EngagementEvent.kind).in_([*INTENT_KINDS, EventKind.FORM_SUBMIT]),
            EngagementEvent.occurred_at >= now - HOT_SIGNAL_WINDOW,
            EngagementEvent.occurred_at <= now,
        )
    )
    rows = await session.exec(
        select(
            EngagementEvent.lead_id,
            EngagementEvent.kind,
            EngagementEvent.occurred_at,
            EngagementEvent.properties,
        ).where(
            EngagementEvent.tenant_id == tenant_id,
            col(EngagementEvent.lead_id).in_(hot),
            col(EngagementEvent.kind).in_([*INTENT_KINDS, EventKind.FORM_SUBMIT]),
            EngagementEvent.occurred_at >= now - HOT_SIGNAL_WINDOW,
            EngagementEvent.occurred_at <= now,
        )
    )
    latest: dict[uuid.UUID, tuple[datetime, str]] = {}
    for lead_id, kind, occurred_at, properties in rows:
        signal = Signal(kind, occurred_at, {key: str(value) for key, value in (properties or {}).items()})
        if not is_intent(signal):
            continue
        if lead_id not in latest or occurred_at > latest[lead_id][0]:
            latest[lead_id] = (occurred_at, kind)
    leads = {
        lead_id: (owner_id, last_touch_at, recycled_at)
        for lead_id, owner_id, last_touch_at, recycled_at in await session.exec(
            select(Lead.id, Lead.owner_id, Lead.last_touch_at, Lead.recycled_at).where(
                Lead.tenant_id == tenant_id, col(Lead.id).in_(hot)
            )
        )
    }
    waiting = {
        lead_id: due_at
        for lead_id, due_at in await session.exec(
            select(FollowUp.lead_id, FollowUp.due_at).where(
                FollowUp.tenant_id == tenant_id,
                col(FollowUp.lead_id).in_(hot),
                col(FollowUp.status).in_(ACTIVE_FOLLOW_UP_STATUSES),
            )
        )
    }
    finding = _Finding(Check.HOT_LEADS_PARKED, base=len(latest))
    for lead_id, (signal_at, kind) in latest.items():
        owner_id, last_touch_at, recycled_at = leads[lead_id]
        # A touch at or after the signal acted on it (a "meeting booked" the rep records is that touch);
        # from then on the cadence may plan as usual. Intent from before sales sent the lead back was what
        # sales judged: only engagement since the recycle is news, as the engine itself counts it.
        if last_touch_at is not None and last_touch_at >= signal_at:
            continue
        if recycled_at is not None and signal_at <= recycled_at:
            continue
        hours = _hours(members.get(owner_id) if owner_id else None)
        deadline = add_business_hours(hours, signal_at, HOT_PARKED_BUSINESS_DAYS * _work_day_hours(hours))
        due_at = waiting.get(lead_id)
        if due_at is None:
            finding.count += 1
            finding.add(lead_id, "no_follow_up_after_intent", weight=1e9, signal=kind, at=_day(signal_at))
        elif due_at > deadline:
            finding.count += 1
            late = round((due_at - signal_at) / timedelta(days=1), 1)
            finding.add(
                lead_id, "follow_up_long_after_intent", weight=late, signal=kind, days=late, due=_day(due_at)
            )
    return finding


async def _over_contact_cap(
    session: AsyncSession, tenant_id: str, since: datetime, until: datetime, cap: int
) -> _Finding:
    touches: dict[uuid.UUID, list[datetime]] = defaultdict(list)
    for lead_id, completed_at in await session.exec(
        select(FollowUp.lead_id, FollowUp.completed_at)
        .where(
            FollowUp.tenant_id == tenant_id,
            FollowUp.status == FollowUpStatus.DONE,
            col(FollowUp.kind).in_(PRESSURE_KINDS),
            col(FollowUp.completed_at) >= since - CAP_WINDOW,
            col(FollowUp.completed_at) <= until,
        )
        .order_by(col(FollowUp.lead_id), col(FollowUp.completed_at))
    ):
        if completed_at is not None:
            touches[lead_id].append(completed_at)
    finding = _Finding(Check.OVER_CONTACT_CAP)
    touched_in_period = 0
    for lead_id, moments in touches.items():
        if moments[-1] < since:
            continue
        touched_in_period += 1
        worst, worst_start, start = 0, moments[0], 0
        for end, moment in enumerate(moments):
            while moment - moments[start] >= CAP_WINDOW:
                start += 1
            # Only windows that end inside the period count; earlier ones belong to an earlier check.
            if moment >= since and end - start + 1 > worst:
                worst, worst_start = end - start + 1, moments[start]
        if worst > cap:
            finding.count += 1
            finding.add(
                lead_id, "touches_in_a_week", weight=worst, touches=worst, cap=cap, since=_day(worst_start)
            )
    finding.base = touched_in_period
    return finding


async def _mail_to_unsubscribed(session: AsyncSession, tenant_id: str) -> _Finding:
    rows = (
        await session.exec(
            select(FollowUp.lead_id, FollowUp.due_at)
            .join(Lead, col(Lead.id) == col(FollowUp.lead_id))
            .where(
                FollowUp.tenant_id == tenant_id,
                Lead.tenant_id == tenant_id,
                col(Lead.unsubscribed).is_(True),
                col(FollowUp.status).in_(ACTIVE_FOLLOW_UP_STATUSES),
                FollowUp.suggested_channel == TouchpointKind.MAIL,
            )
        )
    ).all()
    finding = _Finding(Check.MAIL_TO_UNSUBSCRIBED, count=len(rows))
    for lead_id, due_at in rows:
        finding.add(lead_id, "mail_suggested_to_unsubscribed", due=_day(due_at))
    return finding


async def _inactive_owners(session: AsyncSession, tenant_id: str) -> _Finding:
    rows = (
        await session.exec(
            select(FollowUp.lead_id, Member.display_name, FollowUp.kind)
            .join(Member, col(Member.id) == col(FollowUp.owner_id))
            .where(
                FollowUp.tenant_id == tenant_id,
                Member.tenant_id == tenant_id,
                col(Member.active).is_(False),
                col(FollowUp.status).in_(ACTIVE_FOLLOW_UP_STATUSES),
            )
        )
    ).all()
    finding = _Finding(Check.INACTIVE_OWNERS, count=len(rows))
    for lead_id, owner, kind in rows:
        finding.add(lead_id, "owner_inactive", owner=owner, kind=str(kind))
    return finding


async def _without_owner(session: AsyncSession, tenant_id: str, open_leads: int) -> _Finding:
    rows = (
        await session.exec(
            select(Lead.id, Lead.lifecycle).where(
                Lead.tenant_id == tenant_id,
                col(Lead.owner_id).is_(None),
                col(Lead.lifecycle).not_in(CLOSED),
            )
        )
    ).all()
    finding = _Finding(Check.WITHOUT_OWNER, count=len(rows), base=open_leads)
    funnel = [
        Lifecycle.NEW,
        Lifecycle.RECYCLED,
        Lifecycle.MQL,
        Lifecycle.SAL,
        Lifecycle.SQL,
        Lifecycle.OPPORTUNITY,
    ]
    for lead_id, lifecycle in rows:
        # Leads further down the funnel first: an unowned SAL costs more than an unowned new lead.
        weight = funnel.index(Lifecycle(lifecycle)) if lifecycle in funnel else 0
        finding.add(lead_id, "no_owner", weight=weight, lifecycle=str(lifecycle))
    return finding


async def _unaddressed_escalations(
    session: AsyncSession,
    tenant_id: str,
    since: datetime,
    until: datetime,
    members: Mapping[uuid.UUID, Member],
    teams: Mapping[uuid.UUID, str],
) -> _Finding:
    rows = (
        await session.exec(
            select(
                OutboxMessage.payload,
                OutboxMessage.member_id,
                OutboxMessage.team_id,
                OutboxMessage.created_at,
            )
            .where(
                OutboxMessage.tenant_id == tenant_id,
                OutboxMessage.kind == Notice.SLA_ESCALATE.value,
                OutboxMessage.created_at >= since,
                OutboxMessage.created_at <= until,
            )
            .order_by(col(OutboxMessage.created_at))
        )
    ).all()
    active = [member for member in members.values() if member.active]
    led_teams = {member.team_id for member in active if member.role is Role.LEAD}
    any_manager = any(member.role is Role.MANAGER for member in active)
    finding = _Finding(Check.UNADDRESSED_ESCALATIONS, base=len(rows))
    for payload, member_id, team_id, created_at in rows:
        if member_id is not None or (team_id is not None and (team_id in led_teams or any_manager)):
            continue
        finding.count += 1
        try:
            lead_id = uuid.UUID(str((payload or {}).get("lead_id")))
        except ValueError:
            continue  # counted, but there is no lead to name
        if team_id is None:
            finding.add(lead_id, "escalation_without_team", at=_day(created_at))
        else:
            finding.add(
                lead_id, "escalation_team_without_lead", team=teams.get(team_id, ""), at=_day(created_at)
            )
    return finding


async def _stale_scores(
    session: AsyncSession, tenant_id: str, config: TenantConfig, now: datetime
) -> _Finding:
    finding = _Finding(Check.STALE_SCORES, base=0)
    after: uuid.UUID | None = None
    while True:
        statement = (
            select(Lead)
            .where(Lead.tenant_id == tenant_id, col(Lead.lifecycle).not_in(CLOSED))
            .order_by(col(Lead.id))
            .limit(SCORE_BATCH)
        )
        if after is not None:
            statement = statement.where(col(Lead.id) > after)
        leads = (await session.exec(statement)).all()
        if not leads:
            return finding
        contexts = await load_contexts(session=session, tenant_id=tenant_id, leads=leads, now=now)
        for lead in leads:
            context = contexts[lead.id]
            current = score_lead(config.scoring, context.facts(), context.signals, now).total
            finding.base = (finding.base or 0) + 1
            if not 0 <= lead.total_score <= 100 or not 0 <= current <= 100:
                finding.force_red = True
                finding.count += 1
                finding.add(
                    lead.id, "score_out_of_range", weight=1e9, stored=lead.total_score, current=current
                )
            elif current != lead.total_score and (
                lead.scored_at is None or lead.scored_at < now - RESCORE_AFTER
            ):
                # Decay moves scores by the hour; the promise is a fresh score every re-scoring period.
                finding.count += 1
                finding.add(
                    lead.id,
                    "score_stale",
                    weight=abs(current - lead.total_score),
                    stored=lead.total_score,
                    current=current,
                )
        after = leads[-1].id


async def _dormant(session: AsyncSession, tenant_id: str, open_leads: int) -> _Finding:
    rows = (
        await session.exec(
            select(Lead.id, Lead.dormant_since).where(
                Lead.tenant_id == tenant_id,
                col(Lead.dormant_since).is_not(None),
                col(Lead.lifecycle).not_in(CLOSED),
            )
        )
    ).all()
    finding = _Finding(Check.DORMANT, count=len(rows), base=open_leads)
    for lead_id, dormant_since in rows:
        assert dormant_since is not None
        finding.add(lead_id, "dormant_since", weight=-dormant_since.timestamp(), since=_day(dormant_since))
    return finding


# --- the check -----------------------------------------------------------------------------------------


def _display_name(first: str, last: str, email: str) -> str:
    return f"{first} {last}".strip() or email


async def _names(session: AsyncSession, tenant_id: str, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    wanted = list(set(ids))
    if not wanted:
        return {}
    rows = await session.exec(
        select(Lead.id, Lead.first_name, Lead.last_name, Lead.email).where(
            Lead.tenant_id == tenant_id, col(Lead.id).in_(wanted)
        )
    )
    return {lead_id: _display_name(first, last, email) for lead_id, first, last, email in rows}


def _line(finding: _Finding, names: Mapping[uuid.UUID, str]) -> HealthLine:
    limits = LIMITS[finding.check]
    named = tuple(
        NamedLead(id=lead_id, name=names.get(lead_id, ""), why=why) for lead_id, why in _named(finding)
    )
    line = HealthLine(
        check=finding.check,
        light=Light.GREEN,
        count=finding.count,
        base=finding.base,
        limits=limits,
        leads=named,
    )
    return replace(line, light=Light.RED if finding.force_red else limits.light(line.value))


async def practice_health(
    *, session: AsyncSession, caller: Caller, days: int = DEFAULT_DAYS
) -> PracticeHealth:
    """Measure the tenant's live data against the nurturing rules over the last ``days`` days.

    Rejections, touches and escalations are judged within the period; ownership, follow-ups, scores and
    dormancy as they stand now. Managers and admins (and the operator's CLI) may see it."""
    ensure_role(caller, Role.MANAGER, Role.ADMIN)
    if not 1 <= days <= MAX_DAYS:
        raise InvalidInput(f"days must be between 1 and {MAX_DAYS}")
    tenant_id, now = caller.tenant_id, caller.now
    since = now - timedelta(days=days)
    config = await load_config(session=session, tenant_id=tenant_id)
    members = {
        member.id: member
        for member in (await session.exec(select(Member).where(Member.tenant_id == tenant_id))).all()
    }
    teams = {
        team_id: name
        for team_id, name in await session.exec(select(Team.id, Team.name).where(Team.tenant_id == tenant_id))
    }
    open_leads = int(
        (
            await session.exec(
                select(func.count())
                .select_from(Lead)
                .where(Lead.tenant_id == tenant_id, col(Lead.lifecycle).not_in(CLOSED))
            )
        ).one()
    )
    early, again = await _re_proposals(session, tenant_id, since, now)
    findings = [
        early,
        again,
        await _hot_leads_parked(session, tenant_id, now, members),
        await _over_contact_cap(session, tenant_id, since, now, config.cadence.weekly_touch_cap),
        await _mail_to_unsubscribed(session, tenant_id),
        await _inactive_owners(session, tenant_id),
        await _without_owner(session, tenant_id, open_leads),
        await _unaddressed_escalations(session, tenant_id, since, now, members, teams),
        await _stale_scores(session, tenant_id, config, now),
        await _dormant(session, tenant_id, open_leads),
    ]
    named = await _names(
        session, tenant_id, (lead_id for finding in findings for lead_id, _ in _named(finding))
    )
    return PracticeHealth(
        tenant_id=tenant_id,
        days=days,
        since=since,
        until=now,
        lines=tuple(_line(finding, named) for finding in findings),
    )
