"""What a rep does with a follow-up: complete it with an outcome, snooze, reschedule, or log a touch."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy import BindParameter, ColumnElement, and_, bindparam
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import Select

from app.models import ACTIVE_FOLLOW_UP, Company, EngagementEvent, FollowUp, Lead, Member, Touchpoint
from app.nurturing.calendar import align_to_working_hours, next_business_day_at
from app.nurturing.enums import (
    ACTIVE_FOLLOW_UP_STATUSES,
    TOUCH_KINDS,
    Direction,
    EventKind,
    FollowUpKind,
    FollowUpOutcome,
    FollowUpStatus,
    RecycleReason,
    Role,
    TouchpointKind,
)
from app.nurturing.recycling import RecycleDecision
from app.nurturing.scoring import Signal
from app.services.access import Caller, ensure_can_work, ensure_role
from app.services.errors import Conflict, FollowUpNotFound, InvalidInput, NotFound, ReasonNeeded
from app.services.lead_context import (
    REJECTION_HORIZON,
    SIGNAL_HORIZON,
    TOUCH_WINDOW,
    LeadContext,
    load_contexts,
)
from app.services.lead_queries import (
    VISIBLE_BOUND,
    bound_visibility,
    ensure_workable,
    lead_for_action,
    read_lead,
    visible_to,
)
from app.services.outbox import enqueued_together
from app.services.planning import CLOSED_LIFECYCLES, SALES_LIFECYCLES, notify_card_changed, plan_follow_up
from app.services.recycling import apply_recycle, decide_recycle
from app.services.refresh import refresh_lead
from app.services.tenant_config import TenantConfig, load_config, working_hours


class SnoozePreset(StrEnum):
    ONE_HOUR = "1h"
    TOMORROW = "tomorrow"
    NEXT_WEEK = "next_week"


# Outcomes that are engagement in their own right, so they feed the score like any other signal.
_OUTCOME_EVENTS = {
    FollowUpOutcome.REPLIED: EventKind.EMAIL_REPLY,
    FollowUpOutcome.MEETING_BOOKED: EventKind.MEETING_BOOKED,
}


def _follow_up_with_lead(visible: ColumnElement[bool]) -> Select[FollowUp, Lead, Company, Member]:
    """The follow-up with its lead, the lead's company and its owner, where the caller may see the lead;
    the tenant, the follow-up and the caller are bound parameters."""
    tenant_id: BindParameter[str] = bindparam("tenant_id")
    owner = aliased(Member)
    return (
        select(FollowUp, Lead, Company, owner)
        .join(Lead, col(Lead.id) == col(FollowUp.lead_id))
        .outerjoin(
            Company, and_(col(Company.id) == col(Lead.company_id), col(Company.tenant_id) == tenant_id)
        )
        .outerjoin(owner, and_(col(owner.id) == col(Lead.owner_id), col(owner.tenant_id) == tenant_id))
        .where(
            col(FollowUp.tenant_id) == tenant_id,
            col(FollowUp.id) == bindparam("follow_up_id"),
            col(Lead.tenant_id) == tenant_id,
            visible,
        )
    )


# Built once: the statement a card action reads first on every click, one for each kind of caller.
_FOLLOW_UP_WITH_LEAD = {kind: _follow_up_with_lead(clause) for kind, clause in VISIBLE_BOUND.items()}


async def _load(
    *,
    session: AsyncSession,
    caller: Caller,
    follow_up_id: uuid.UUID,
    expected_version: int | None,
) -> tuple[FollowUp, LeadContext]:
    """The follow-up, once its lead is visible to the caller (else not found), workable by them (else not
    allowed) and at the version they saw; only then does its own state count.

    One statement reads the follow-up with its lead, the lead's company and its owner, so the context
    that follows finds them in the session."""
    tenant_id = caller.tenant_id
    params: dict[str, object] = {"tenant_id": tenant_id, "follow_up_id": follow_up_id}
    bound = bound_visibility(caller)
    if bound is not None:
        statement = _FOLLOW_UP_WITH_LEAD[bound[0]]
        params.update(bound[1])
    else:
        statement = _follow_up_with_lead(visible_to(caller))
    found = (await session.exec(statement, params=params)).first()
    if found is None:
        raise FollowUpNotFound(follow_up_id)
    follow_up, lead = found[0], found[1]
    ensure_workable(caller, lead, ensure_can_work, expected_version)
    if not FollowUpStatus(follow_up.status).is_active:
        raise Conflict(f"follow-up is already {follow_up.status}")
    contexts = await load_contexts(session=session, tenant_id=tenant_id, leads=[lead], now=caller.now)
    return follow_up, contexts[lead.id]


def _touch(lead: Lead, now: datetime) -> None:
    if lead.first_touch_at is None or (lead.mql_at is not None and lead.first_touch_at < lead.mql_at):
        lead.first_touch_at = now
    lead.last_touch_at = now


def _not_interested(
    *,
    context: LeadContext,
    config: TenantConfig,
    reason_code: RecycleReason | None,
    note: str | None,
    until: datetime | None,
    now: datetime,
) -> RecycleDecision:
    """Not interested: a nurturing lead goes back with a date; a sales-owned one only with a coded reason."""
    lead = context.lead
    if lead.lifecycle in SALES_LIFECYCLES and reason_code is None:
        # Sales-owned work is never recycled by a nurture outcome alone; the rep must say why.
        raise ReasonNeeded("a sales-accepted lead needs a reason to leave sales: " + _REASON_CHOICES)
    return decide_recycle(
        config=config,
        reason_code=reason_code or RecycleReason.NOT_INTERESTED,
        note=note,
        until=until,
        owner=context.owner,
        now=now,
    )


_REASON_CHOICES = ", ".join(reason.value for reason in RecycleReason)


@dataclass(frozen=True, slots=True)
class Completion:
    """A finished follow-up and what a card reporting it shows: the lead as it is now with its company,
    owner and next follow-up (the context), and the touch just logged, if one was."""

    follow_up: FollowUp
    context: LeadContext
    touch: Touchpoint | None


async def complete_follow_up(
    *,
    session: AsyncSession,
    caller: Caller,
    follow_up_id: uuid.UUID,
    outcome: FollowUpOutcome,
    note: str | None = None,
    expected_version: int | None = None,
    config: TenantConfig | None = None,
    reason_code: RecycleReason | None = None,
    until: datetime | None = None,
    answered_card: str | None = None,
) -> Completion:
    """Mark done with an outcome, log the touch, let the outcome move the lead, and plan the next one.

    ``answered_card`` is the card activity the rep clicked in: the invoke's answer replaces that card, so
    no update of it is queued."""
    tenant_id = caller.tenant_id
    follow_up, context = await _load(
        session=session, caller=caller, follow_up_id=follow_up_id, expected_version=expected_version
    )
    config = config or await load_config(session=session, tenant_id=tenant_id)
    return await _finish(
        session=session,
        follow_up=follow_up,
        context=context,
        outcome=outcome,
        caller=caller,
        config=config,
        note=note,
        reason_code=reason_code,
        until=until,
        answered_card=answered_card,
    )


@dataclass(frozen=True, slots=True)
class SystemCompletion:
    """One follow-up the system marks done (the demo's replay), at its own moment."""

    follow_up_id: uuid.UUID
    outcome: FollowUpOutcome
    now: datetime
    reason_code: RecycleReason | None = None


def _as_of(context: LeadContext, now: datetime) -> LeadContext:
    """A context loaded for an earlier moment, cut to the windows ``load_contexts`` applies at ``now``."""
    context.signals = [s for s in context.signals if s.occurred_at >= now - SIGNAL_HORIZON]
    context.recent_touches = [at for at in context.recent_touches if at > now - TOUCH_WINDOW]
    context.recent_rejections = [at for at in context.recent_rejections if at >= now - REJECTION_HORIZON]
    return context


async def complete_follow_ups_as_system(
    *,
    session: AsyncSession,
    tenant_id: str,
    work: Sequence[SystemCompletion],
    config: TenantConfig | None = None,
) -> list[FollowUp | None]:
    """``complete_follow_up`` by the system for follow-ups of different leads, in the order given, reading
    the follow-ups, leads and contexts once for all; one no longer open is skipped (None), as
    ``complete_follow_up`` would refuse it."""
    if not work:
        return []
    config = config or await load_config(session=session, tenant_id=tenant_id)
    ids = [item.follow_up_id for item in work]
    follow_ups = {
        row.id: row
        for row in (
            await session.exec(
                select(FollowUp).where(FollowUp.tenant_id == tenant_id, col(FollowUp.id).in_(ids))
            )
        ).all()
    }
    lead_ids = list({row.lead_id for row in follow_ups.values()})
    if len(lead_ids) != len(follow_ups):
        raise InvalidInput("one follow-up per lead in a batch: each completion re-plans its lead")
    leads = (
        await session.exec(select(Lead).where(Lead.tenant_id == tenant_id, col(Lead.id).in_(lead_ids)))
    ).all()
    contexts = await load_contexts(
        session=session, tenant_id=tenant_id, leads=leads, now=min(item.now for item in work)
    )
    done: list[FollowUp | None] = []
    # Notices (a hand-off proposed, a card to update) go out together at the end: one written on the way
    # would flush the batch so far, and split its executemanys.
    async with enqueued_together(session):
        for item in work:
            follow_up = follow_ups.get(item.follow_up_id)
            if follow_up is None:
                raise FollowUpNotFound(item.follow_up_id)
            if not FollowUpStatus(follow_up.status).is_active:
                done.append(None)
                continue
            context = _as_of(contexts[follow_up.lead_id], item.now)
            finished = await _finish(
                session=session,
                follow_up=follow_up,
                context=context,
                outcome=item.outcome,
                caller=Caller.system(tenant_id, item.now),
                config=config,
                note=None,
                reason_code=item.reason_code,
                until=None,
                flush=False,
            )
            done.append(finished.follow_up)
    # One flush for the whole batch: the unit of work updates the finished rows before it inserts their
    # successors, so the one-active-follow-up index holds, and like rows go out in one executemany.
    await session.flush()
    return done


async def _finish(
    *,
    session: AsyncSession,
    follow_up: FollowUp,
    context: LeadContext,
    outcome: FollowUpOutcome,
    caller: Caller,
    config: TenantConfig,
    note: str | None,
    reason_code: RecycleReason | None,
    until: datetime | None,
    answered_card: str | None = None,
    flush: bool = True,
) -> Completion:
    tenant_id, now = follow_up.tenant_id, caller.now
    lead = context.lead
    actor_id = caller.member_id
    recycling = None
    if outcome is FollowUpOutcome.NOT_INTERESTED and lead.lifecycle not in CLOSED_LIFECYCLES:
        # Decided before anything is written, so a refusal leaves the follow-up and the lead as they were.
        recycling = _not_interested(
            context=context, config=config, reason_code=reason_code, note=note, until=until, now=now
        )

    follow_up.status = FollowUpStatus.DONE
    follow_up.outcome = outcome
    follow_up.note = note
    follow_up.completed_at = now
    follow_up.completed_by = actor_id
    session.add(follow_up)
    context.active_follow_up = None
    if answered_card is None or follow_up.activity_id != answered_card:
        await notify_card_changed(session=session, follow_up=follow_up, now=now)

    if follow_up.kind is FollowUpKind.FIX_ADDRESS:
        # The rep found the right address (or the bounce was temporary): mail may go out again. Nobody
        # was contacted, so no touch is logged; a new bounce brings a new task.
        lead.bounced = False
        await refresh_lead(session=session, context=context, config=config, now=now)
        if flush:
            await session.flush()
        return Completion(follow_up=follow_up, context=context, touch=None)
    channel = TouchpointKind(follow_up.suggested_channel or TouchpointKind.MAIL)
    touch = Touchpoint(
        tenant_id=tenant_id,
        lead_id=lead.id,
        member_id=actor_id,
        kind=TouchpointKind.MEETING if outcome is FollowUpOutcome.MEETING_BOOKED else channel,
        direction=Direction.OUTBOUND,
        summary=note,
        content_key=follow_up.suggested_content_key,
        occurred_at=now,
    )
    session.add(touch)
    if follow_up.suggested_content_key:
        context.sent_content.add(follow_up.suggested_content_key)
    if follow_up.kind in TOUCH_KINDS:
        context.recent_touches.append(now)
    _touch(lead, now)

    replied_at: datetime | None = None
    event_kind = _OUTCOME_EVENTS.get(outcome)
    if event_kind is not None:
        session.add(
            EngagementEvent(
                tenant_id=tenant_id,
                lead_id=lead.id,
                external_id=f"follow_up:{follow_up.id}:{outcome.value}",
                kind=event_kind,
                occurred_at=now,
                properties={"source": "follow_up"},
            )
        )
        context.signals.append(Signal(kind=event_kind, occurred_at=now, properties={"source": "follow_up"}))
    if outcome is FollowUpOutcome.REPLIED:
        replied_at = now
        lead.unanswered_touches = 0
        lead.last_reply_at = now
    elif outcome is FollowUpOutcome.MEETING_BOOKED:
        # A booked meeting is an answer: the lead is talking to us, not silent.
        lead.unanswered_touches = 0
    elif outcome is FollowUpOutcome.NO_ANSWER:
        lead.unanswered_touches += 1
    elif recycling is not None:
        await apply_recycle(
            session=session, lead=lead, decision=recycling, now=now, actor_id=actor_id, context=context
        )

    await refresh_lead(session=session, context=context, config=config, now=now)
    if context.active_follow_up is None or replied_at is not None:
        await plan_follow_up(session=session, context=context, config=config, now=now, replied_at=replied_at)
    # One flush for all of it: the unit of work updates a table's rows before it inserts new ones, so the
    # finished follow-up leaves the one-active index before its successor arrives, and the lead is
    # written (and its version moves) once.
    if flush:
        await session.flush()
    return Completion(follow_up=follow_up, context=context, touch=touch)


def snooze_until(preset: SnoozePreset, *, context: LeadContext, now: datetime) -> datetime:
    """When a snooze preset ends, inside the owner's working hours."""
    hours = working_hours(context.owner)
    if preset is SnoozePreset.ONE_HOUR:
        return align_to_working_hours(hours, now + timedelta(hours=1))
    if preset is SnoozePreset.TOMORROW:
        return next_business_day_at(hours, now)
    return next_business_day_at(hours, now + timedelta(days=6))


async def snooze_follow_up(
    *,
    session: AsyncSession,
    caller: Caller,
    follow_up_id: uuid.UUID,
    preset: SnoozePreset,
    expected_version: int | None = None,
) -> FollowUp:
    """Push the follow-up to 1 h later, the next business morning, or next week."""
    now = caller.now
    follow_up, context = await _load(
        session=session, caller=caller, follow_up_id=follow_up_id, expected_version=expected_version
    )
    follow_up.due_at = snooze_until(preset, context=context, now=now)
    follow_up.status = FollowUpStatus.SNOOZED
    follow_up.notified_at = None
    session.add(follow_up)
    await notify_card_changed(session=session, follow_up=follow_up, now=now)
    await session.flush()
    return follow_up


async def reschedule_follow_up(
    *,
    session: AsyncSession,
    caller: Caller,
    follow_up_id: uuid.UUID,
    when: date | datetime,
    expected_version: int | None = None,
) -> FollowUp:
    """Move the follow-up to a chosen day (at the start of working hours) or time, never into the past."""
    now = caller.now
    follow_up, context = await _load(
        session=session, caller=caller, follow_up_id=follow_up_id, expected_version=expected_version
    )
    hours = working_hours(context.owner)
    if isinstance(when, datetime):
        if when.tzinfo is None:
            raise InvalidInput("a reschedule time needs a time zone")
        target = when
    else:
        target = datetime.combine(when, time(0, 0), tzinfo=ZoneInfo(hours.time_zone))
    if target < now - timedelta(minutes=1):
        raise InvalidInput("cannot reschedule into the past")
    follow_up.due_at = align_to_working_hours(hours, max(target, now))
    follow_up.status = FollowUpStatus.OPEN
    follow_up.notified_at = None
    session.add(follow_up)
    await notify_card_changed(session=session, follow_up=follow_up, now=now)
    await session.flush()
    return follow_up


async def log_touchpoint(
    *,
    session: AsyncSession,
    caller: Caller,
    lead_id: uuid.UUID,
    kind: TouchpointKind,
    summary: str,
    direction: Direction = Direction.OUTBOUND,
    expected_version: int | None = None,
    config: TenantConfig | None = None,
) -> Touchpoint:
    """Record a call, mail or meeting outside the cadence; the next follow-up is re-planned from it."""
    if not summary.strip():
        raise InvalidInput("a logged touch needs a short summary")
    tenant_id, now = caller.tenant_id, caller.now
    lead = await lead_for_action(
        session=session,
        caller=caller,
        lead_id=lead_id,
        allowed=ensure_can_work,
        expected_version=expected_version,
    )
    config = config or await load_config(session=session, tenant_id=tenant_id)
    touchpoint = Touchpoint(
        tenant_id=tenant_id,
        lead_id=lead.id,
        member_id=caller.member_id,
        kind=kind,
        direction=direction,
        summary=summary.strip()[:4000],
        occurred_at=now,
    )
    session.add(touchpoint)
    context = (await load_contexts(session=session, tenant_id=tenant_id, leads=[lead], now=now))[lead.id]
    replied_at = None
    if direction is Direction.INBOUND:
        replied_at = now
        lead.unanswered_touches = 0
        lead.last_reply_at = now
    else:
        _touch(lead, now)
        lead.unanswered_touches += 1
    await plan_follow_up(session=session, context=context, config=config, now=now, replied_at=replied_at)
    lead.updated_at = now
    session.add(lead)
    await session.flush()
    return touchpoint


async def due_follow_ups(
    *, session: AsyncSession, tenant_id: str, now: datetime, limit: int = 500
) -> Sequence[FollowUp]:
    """Active follow-ups that are due and not yet announced, oldest first; served by a partial index."""
    statement = (
        select(FollowUp)
        .where(
            FollowUp.tenant_id == tenant_id,
            # Written exactly as the partial index's predicate, so SQLite (and PostgreSQL under generic
            # plans) can prove the index applies; bound parameters would hide that.
            ACTIVE_FOLLOW_UP,
            col(FollowUp.notified_at).is_(None),
            FollowUp.due_at <= now,
        )
        .order_by(col(FollowUp.due_at))
        .limit(limit)
    )
    return (await session.exec(statement)).all()


async def follow_ups_for_member(
    *,
    session: AsyncSession,
    tenant_id: str,
    member_id: uuid.UUID,
    until: datetime | None = None,
    limit: int = 200,
) -> Sequence[FollowUp]:
    """A rep's active follow-ups, soonest first, optionally only those due by ``until``."""
    statement = select(FollowUp).where(
        FollowUp.tenant_id == tenant_id,
        FollowUp.owner_id == member_id,
        col(FollowUp.status).in_(ACTIVE_FOLLOW_UP_STATUSES),
    )
    if until is not None:
        statement = statement.where(FollowUp.due_at <= until)
    return (await session.exec(statement.order_by(col(FollowUp.due_at)).limit(limit))).all()


FollowUpScope = Literal["mine", "team", "lead"]


async def visible_follow_ups(
    *, session: AsyncSession, caller: Caller, scope: FollowUpScope, lead_id: uuid.UUID | None = None
) -> Sequence[FollowUp]:
    """Active follow-ups, soonest first: the caller's own, or their team's (team leads; managers and admins
    see all); or every follow-up of one lead the caller may see, finished ones included, newest first."""
    tenant_id = caller.tenant_id
    if scope == "lead":
        if lead_id is None:
            raise InvalidInput("scope=lead needs ?lead=<id>")
        await read_lead(session=session, caller=caller, lead_id=lead_id)
        statement = (
            select(FollowUp)
            .where(FollowUp.tenant_id == tenant_id, FollowUp.lead_id == lead_id)
            .order_by(col(FollowUp.due_at).desc())
        )
    else:
        statement = select(FollowUp).where(
            FollowUp.tenant_id == tenant_id, col(FollowUp.status).in_(ACTIVE_FOLLOW_UP_STATUSES)
        )
        if scope == "mine":
            statement = statement.where(FollowUp.owner_id == caller.member_id)
        else:
            ensure_role(caller, Role.LEAD, Role.MANAGER, Role.ADMIN)
            if caller.role is Role.LEAD:
                team = select(Member.id).where(
                    Member.tenant_id == tenant_id, Member.team_id == caller.team_id
                )
                statement = statement.where(col(FollowUp.owner_id).in_(team))
        statement = statement.order_by(col(FollowUp.due_at))
    return (await session.exec(statement.limit(500))).all()


async def workable_follow_up(*, session: AsyncSession, caller: Caller, follow_up_id: uuid.UUID) -> FollowUp:
    """The follow-up, once the caller is known to be allowed to work its lead: authorization comes before
    versions, states and inputs, so a refusal says nothing about the lead."""
    follow_up = await session.get(FollowUp, follow_up_id)
    if follow_up is None or follow_up.tenant_id != caller.tenant_id:
        raise NotFound("follow-up", follow_up_id)
    lead = await session.get(Lead, follow_up.lead_id)
    if lead is None or lead.tenant_id != caller.tenant_id:
        raise NotFound("lead", follow_up.lead_id)
    ensure_can_work(caller, lead)
    return follow_up


async def visible_follow_up(*, session: AsyncSession, caller: Caller, follow_up_id: uuid.UUID) -> FollowUp:
    """The follow-up, if the caller may see its lead; else not found."""
    follow_up = await session.get(FollowUp, follow_up_id)
    if follow_up is None or follow_up.tenant_id != caller.tenant_id:
        raise NotFound("follow-up", follow_up_id)
    await read_lead(session=session, caller=caller, lead_id=follow_up.lead_id)
    return follow_up
