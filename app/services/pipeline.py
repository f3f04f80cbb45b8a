"""Funnel measurement for managers and team leads: where leads are, how they move, and what is late."""

from __future__ import annotations

import statistics
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import ColumnElement, func, true
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from app.models import FollowUp, HandOff, Lead, LeadStateChange, Member, OutboxMessage, Team
from app.nurturing.enums import ACTIVE_FOLLOW_UP_STATUSES, HandOffStatus, Lifecycle, Role
from app.services.access import Caller
from app.services.errors import NotAllowed, NotFound

FUNNEL = (Lifecycle.MQL, Lifecycle.SAL, Lifecycle.SQL, Lifecycle.OPPORTUNITY, Lifecycle.WON)
WEEKS = 12


@dataclass(frozen=True, slots=True)
class WeekCount:
    week: date  # the Monday (UTC) the week starts on
    mqls: int  # distinct leads that became MQL in the week
    hand_offs: int  # hand-offs proposed in the week


@dataclass(frozen=True, slots=True)
class PipelineMetrics:
    since: datetime
    until: datetime
    by_lifecycle: dict[str, int]
    by_stage: dict[str, int]
    entered: dict[str, int]  # distinct leads that entered each lifecycle in the range
    conversion: dict[str, float | None]  # "mql->sal": share of the range's new MQLs that reached SAL
    median_hours_in_stage: dict[str, float | None]
    median_hours_to_first_touch: float | None
    hand_offs: dict[str, int]
    sla_notices: dict[str, int]
    overdue_by_owner: dict[str, int] = field(default_factory=dict)
    open_by_owner: dict[str, int] = field(default_factory=dict)  # each rep's load of active follow-ups
    dormant: int = 0  # open leads resting after long-term silence, until they engage again
    board: dict[str, dict[str, int]] = field(default_factory=dict)  # lifecycle -> buyer stage -> leads
    weekly: list[WeekCount] = field(default_factory=list)  # the last WEEKS weeks up to now, oldest first


def _scope(caller: Caller, team_id: uuid.UUID | None) -> ColumnElement[bool]:
    if caller.role is Role.LEAD:
        if team_id is not None and team_id != caller.team_id:
            raise NotAllowed("team leads see their own team's pipeline")
        return col(Lead.team_id) == caller.team_id
    if caller.role in (Role.MANAGER, Role.ADMIN):
        return col(Lead.team_id) == team_id if team_id is not None else true()
    raise NotAllowed("reps see their own follow-ups, not the pipeline")


async def pipeline_team(*, session: AsyncSession, caller: Caller, team_id: uuid.UUID) -> Team:
    """The team whose pipeline the caller asks for, once the caller may see that team's pipeline."""
    # Settled before the lookup, so that a refusal does not tell a rep whether some team id exists.
    _scope(caller, team_id)
    team = await session.get(Team, team_id)
    if team is None or team.tenant_id != caller.tenant_id:
        raise NotFound("team", str(team_id))
    return team


def _cohort_conversion(
    first_entry: dict[str, dict[uuid.UUID, datetime]],
    history: dict[uuid.UUID, list[tuple[str, datetime]]],
) -> dict[str, float | None]:
    """Of the leads that entered a step in the range, the share that reached the next step (or one beyond
    it) afterwards. Counting leads rather than transitions keeps a lead recycled back and forth from
    inflating both sides."""
    conversion: dict[str, float | None] = {}
    for index, (earlier, later) in enumerate(zip(FUNNEL, FUNNEL[1:], strict=False)):
        onward = {step.value for step in FUNNEL[index + 1 :]}
        cohort = first_entry.get(earlier.value, {})
        reached = sum(
            1
            for lead_id, entered_at in cohort.items()
            if any(to in onward and at >= entered_at for to, at in history[lead_id])
        )
        conversion[f"{earlier.value}->{later.value}"] = round(reached / len(cohort), 3) if cohort else None
    return conversion


def _week_of(moment: datetime) -> date:
    day = moment.astimezone(UTC).date()
    return day - timedelta(days=day.weekday())


async def _weekly(
    session: AsyncSession, tenant: str, leads_in_scope: SelectOfScalar[uuid.UUID], now: datetime
) -> list[WeekCount]:
    """New MQLs and proposed hand-offs per week over the last WEEKS weeks, independent of the range."""
    weeks = [_week_of(now) - timedelta(weeks=back) for back in range(WEEKS - 1, -1, -1)]
    start = datetime.combine(weeks[0], datetime.min.time(), tzinfo=UTC)
    mql_rows = await session.exec(
        select(LeadStateChange.lead_id, LeadStateChange.changed_at).where(
            LeadStateChange.tenant_id == tenant,
            LeadStateChange.field == "lifecycle",
            LeadStateChange.to_value == Lifecycle.MQL.value,
            col(LeadStateChange.lead_id).in_(leads_in_scope),
            LeadStateChange.changed_at >= start,
            LeadStateChange.changed_at <= now,
        )
    )
    mqls: dict[date, set[uuid.UUID]] = defaultdict(set)
    for lead_id, changed_at in mql_rows:
        mqls[_week_of(changed_at)].add(lead_id)
    proposed = await session.exec(
        select(HandOff.proposed_at).where(
            HandOff.tenant_id == tenant,
            col(HandOff.lead_id).in_(leads_in_scope),
            HandOff.proposed_at >= start,
            HandOff.proposed_at <= now,
        )
    )
    hand_offs: dict[date, int] = defaultdict(int)
    for proposed_at in proposed:
        hand_offs[_week_of(proposed_at)] += 1
    return [WeekCount(week=week, mqls=len(mqls[week]), hand_offs=hand_offs[week]) for week in weeks]


def _median_hours(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


async def pipeline_metrics(
    *,
    session: AsyncSession,
    caller: Caller,
    since: datetime,
    until: datetime,
    team_id: uuid.UUID | None = None,
    owner_id: uuid.UUID | None = None,
) -> PipelineMetrics:
    """Snapshot counts now, plus movement between ``since`` and ``until``, for a team, a rep or everyone."""
    now = caller.now
    tenant = caller.tenant_id
    scope = _scope(caller, team_id)
    if owner_id is not None:
        scope = scope & (col(Lead.owner_id) == owner_id)
    leads_in_scope = select(Lead.id).where(Lead.tenant_id == tenant, scope)

    lifecycle_counts = await session.exec(
        select(Lead.lifecycle, func.count())
        .where(Lead.tenant_id == tenant, scope)
        .group_by(col(Lead.lifecycle))
    )
    stage_counts = await session.exec(
        select(Lead.stage, func.count()).where(Lead.tenant_id == tenant, scope).group_by(col(Lead.stage))
    )
    changes = (
        await session.exec(
            select(LeadStateChange.lead_id, LeadStateChange.to_value, LeadStateChange.changed_at)
            .where(
                LeadStateChange.tenant_id == tenant,
                LeadStateChange.field == "lifecycle",
                col(LeadStateChange.lead_id).in_(leads_in_scope),
                LeadStateChange.changed_at <= until,
            )
            .order_by(col(LeadStateChange.lead_id), col(LeadStateChange.changed_at))
        )
    ).all()
    durations: dict[str, list[float]] = defaultdict(list)
    previous: dict[uuid.UUID, tuple[str, datetime]] = {}
    # Each lead's first entry into each lifecycle within the range: a lead that turns MQL three times
    # is one lead in the MQL cohort, not three.
    first_entry: dict[str, dict[uuid.UUID, datetime]] = defaultdict(dict)
    history: dict[uuid.UUID, list[tuple[str, datetime]]] = defaultdict(list)
    for lead_id, to_value, changed_at in changes:
        history[lead_id].append((to_value, changed_at))
        if changed_at >= since:
            first_entry[to_value].setdefault(lead_id, changed_at)
        if lead_id in previous:
            stage, started = previous[lead_id]
            if changed_at >= since:
                durations[stage].append((changed_at - started).total_seconds() / 3600)
        previous[lead_id] = (to_value, changed_at)
    entered = {lifecycle: len(leads) for lifecycle, leads in first_entry.items()}
    conversion = _cohort_conversion(first_entry, history)

    touches = await session.exec(
        select(Lead.mql_at, Lead.first_touch_at).where(
            Lead.tenant_id == tenant,
            scope,
            col(Lead.mql_at).is_not(None),
            col(Lead.mql_at) >= since,
            col(Lead.mql_at) <= until,
            col(Lead.first_touch_at).is_not(None),
        )
    )
    first_touch = [
        (touched - qualified).total_seconds() / 3600
        for qualified, touched in touches
        if qualified is not None and touched is not None and touched >= qualified
    ]
    hand_offs = await session.exec(
        select(HandOff.status, func.count())
        .where(
            HandOff.tenant_id == tenant,
            col(HandOff.lead_id).in_(leads_in_scope),
            col(HandOff.decided_at) >= since,
            col(HandOff.decided_at) <= until,
        )
        .group_by(col(HandOff.status))
    )
    sla = await session.exec(
        select(OutboxMessage.kind, func.count())
        .where(
            OutboxMessage.tenant_id == tenant,
            col(OutboxMessage.kind).in_(["sla.nudge", "sla.escalate"]),
            OutboxMessage.created_at >= since,
            OutboxMessage.created_at <= until,
        )
        .group_by(col(OutboxMessage.kind))
    )
    board_rows = await session.exec(
        select(Lead.lifecycle, Lead.stage, func.count())
        .where(Lead.tenant_id == tenant, scope)
        .group_by(col(Lead.lifecycle), col(Lead.stage))
    )
    board: dict[str, dict[str, int]] = defaultdict(dict)
    for lifecycle, stage, count in board_rows:
        board[str(lifecycle)][str(stage)] = int(count)
    load = await session.exec(
        select(Member.display_name, func.count())
        .select_from(FollowUp)
        .join(Member, col(Member.id) == col(FollowUp.owner_id))
        .where(
            FollowUp.tenant_id == tenant,
            Member.tenant_id == tenant,
            col(FollowUp.status).in_(ACTIVE_FOLLOW_UP_STATUSES),
            col(FollowUp.lead_id).in_(leads_in_scope),
        )
        .group_by(col(Member.display_name))
    )
    overdue = await session.exec(
        select(Member.display_name, func.count())
        .select_from(FollowUp)
        .join(Member, col(Member.id) == col(FollowUp.owner_id))
        .where(
            FollowUp.tenant_id == tenant,
            Member.tenant_id == tenant,
            col(FollowUp.status).in_(ACTIVE_FOLLOW_UP_STATUSES),
            FollowUp.due_at < now,
            col(FollowUp.lead_id).in_(leads_in_scope),
        )
        .group_by(col(Member.display_name))
    )
    dormant = (
        await session.exec(
            select(func.count())
            .select_from(Lead)
            .where(Lead.tenant_id == tenant, scope, col(Lead.dormant_since).is_not(None))
        )
    ).one()
    decided = {status.value: 0 for status in (HandOffStatus.ACCEPTED, HandOffStatus.REJECTED)}
    decided.update({str(status): int(count) for status, count in hand_offs if status in decided})
    return PipelineMetrics(
        since=since,
        until=until,
        by_lifecycle={str(k): int(v) for k, v in lifecycle_counts},
        by_stage={str(k): int(v) for k, v in stage_counts},
        entered=dict(entered),
        conversion=conversion,
        median_hours_in_stage={stage: _median_hours(values) for stage, values in durations.items()},
        median_hours_to_first_touch=_median_hours(first_touch),
        hand_offs=decided,
        sla_notices={str(k): int(v) for k, v in sla},
        overdue_by_owner={str(k): int(v) for k, v in overdue},
        open_by_owner={str(k): int(v) for k, v in load},
        dormant=int(dormant),
        board=dict(board),
        weekly=await _weekly(session, tenant, leads_in_scope, now),
    )
