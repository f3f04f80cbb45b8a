"""Apply the nurturing engine to leads: score, buyer stage, MQL, hand-off proposals and the next follow-up."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Table, bindparam, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import BUMPED_LEADS, FollowUp, Lead
from app.nurturing.enums import PRESSURE_KINDS, EventKind, FollowUpKind, Lifecycle, TouchpointKind
from app.nurturing.lifecycle import becomes_mql, is_intent, may_return, propose_hand_off, since_recycle
from app.nurturing.recycling import on_hold
from app.nurturing.scoring import Signal, score_lead
from app.nurturing.stages import StageOverride, resolve_stage
from app.services.hand_offs import record_proposal
from app.services.lead_context import LeadContext
from app.services.lead_history import change_lifecycle, change_stage
from app.services.planning import plan_follow_up, pull_active_forward
from app.services.tenant_config import TenantConfig


@dataclass(frozen=True, slots=True)
class RefreshResult:
    lead_id: uuid.UUID
    score_before: int
    score_after: int
    became_mql: bool
    hand_off_proposed: bool


# Buying signals that pull a waiting touch forward; replies are handled on their own (they also reset the
# unanswered counter and complete an awaiting-reply follow-up).
_REPLY_KINDS = frozenset({EventKind.EMAIL_REPLY, EventKind.CHAT_REPLY})
INTENT_FRESHNESS = timedelta(days=14)


def _fresh_intent(context: LeadContext, now: datetime, delivered: Sequence[Signal]) -> Signal | None:
    """The latest recent buying signal the waiting follow-up was not planned with.

    That is one that happened after the plan, or one just delivered: integrations report late, and a
    demo request from this morning that arrives tonight is still news to the plan made at noon."""
    active = context.active_follow_up
    if active is not None and active.kind not in PRESSURE_KINDS:
        return None
    planned = (active.planned_at or active.created_at) if active is not None else None
    # A signal the rep already followed up (a touch since) is not news either.
    seen = max((at for at in (planned, context.lead.last_touch_at) if at is not None), default=None)
    news = [s for s in context.signals if seen is None or s.occurred_at > seen]
    candidates = [
        s
        for s in (*news, *delivered)
        if is_intent(s)
        and s.kind not in _REPLY_KINDS
        and timedelta() <= now - s.occurred_at <= INTENT_FRESHNESS
    ]
    return max(candidates, key=lambda s: s.occurred_at) if candidates else None


def _apply_stage(
    session: AsyncSession, lead: Lead, context: LeadContext, config: TenantConfig, now: datetime
) -> bool:
    override = (
        StageOverride(stage=lead.stage, at=lead.stage_override_at)
        if lead.stage_override_at is not None
        else None
    )
    resolution = resolve_stage(
        context.signals, now, evidence_days=config.thresholds.stage_evidence_days, override=override
    )
    if not resolution.override_holds and lead.stage_override_at is not None:
        lead.stage_override_at = None
    return change_stage(
        session=session,
        lead=lead,
        to_stage=resolution.stage,
        now=now,
        automatic=True,
        reason=resolution.reasons[0] if resolution.reasons else None,
    )


def _consent_changed(context: LeadContext) -> bool:
    """The waiting follow-up no longer fits consent: mail to an unsubscribed lead, or the address state."""
    active = context.active_follow_up
    if active is None:
        return False
    lead = context.lead
    if lead.bounced != (active.kind is FollowUpKind.FIX_ADDRESS):
        return True  # a new bounce, or an address fixed while its task still waits
    return lead.unsubscribed and active.suggested_channel is TouchpointKind.MAIL


def _wake_if_engaged(lead: Lead, context: LeadContext) -> bool:
    """A dormant lead that engages again is nurtured again, from a clean slate."""
    if lead.dormant_since is None:
        return False
    since = lead.dormant_since
    if not any(s.occurred_at > since for s in context.signals):
        return False
    lead.dormant_since = None
    lead.unanswered_touches = 0
    return True


async def refresh_lead(
    *,
    session: AsyncSession,
    context: LeadContext,
    config: TenantConfig,
    now: datetime,
    replied_at: datetime | None = None,
    delivered: Sequence[Signal] = (),
) -> RefreshResult:
    """Re-derive everything the engine decides about one lead from its facts and signals.

    ``delivered`` are the signals that just arrived for it, whenever they happened."""
    try:
        return await _refresh(
            session=session,
            context=context,
            config=config,
            now=now,
            replied_at=replied_at,
            delivered=delivered,
        )
    finally:
        context.score = None


async def _refresh(
    *,
    session: AsyncSession,
    context: LeadContext,
    config: TenantConfig,
    now: datetime,
    replied_at: datetime | None,
    delivered: Sequence[Signal],
) -> RefreshResult:
    lead = context.lead
    before = lead.total_score
    facts = context.facts()
    score = context.score = score_lead(config.scoring, facts, context.signals, now)
    scored: dict[str, object] = {
        "fit_score": score.fit,
        "engagement_score": score.engagement,
        "total_score": score.total,
        "score_explanation": [
            {"rule_id": c.rule_id, "label": c.label, "category": c.category, "points": c.points}
            for c in score.contributions
        ],
        "scored_at": now,
    }
    for name, value in scored.items():
        # An assignment goes through pydantic and the ORM both; most of a lead's score stays as it was.
        if getattr(lead, name) != value:
            setattr(lead, name, value)
    stage_moved = _apply_stage(session, lead, context, config, now)
    woke = _wake_if_engaged(lead, context)

    # A lead sales sent back is judged on what it did since, and only once its date has passed.
    fresh_signals = since_recycle(context.signals, lead.recycled_at)
    fresh = score if lead.recycled_at is None else score_lead(config.scoring, facts, fresh_signals, now)
    became_mql = False
    returning = lead.lifecycle is not Lifecycle.RECYCLED or may_return(lead.nurture_until, now)
    if returning and becomes_mql(lead.lifecycle, fresh, config.thresholds):
        await change_lifecycle(
            session=session,
            lead=lead,
            to_lifecycle=Lifecycle.MQL,
            now=now,
            automatic=True,
            reason="score_threshold",
        )
        became_mql = True

    proposed = False
    if (
        lead.lifecycle is Lifecycle.MQL
        and context.open_hand_off is None
        and not on_hold(config.recycling, context.recent_rejections, now)
    ):
        proposal = propose_hand_off(lead.lifecycle, fresh, fresh_signals, config.thresholds, now, facts)
        if proposal is not None:
            context.open_hand_off = await record_proposal(
                session=session,
                lead=lead,
                evidence=[reason.to_dict() for reason in proposal.evidence],
                proposed_by=None,
                now=now,
            )
            proposed = True

    if replied_at is not None:
        lead.last_reply_at = max(replied_at, lead.last_reply_at) if lead.last_reply_at else replied_at
        lead.unanswered_touches = 0
        await pull_active_forward(session=session, context=context, config=config, now=now)
    else:
        active = context.active_follow_up
        # Only an unsolicited cadence touch is the cadence's to move; an answer we owe, a discovery call
        # or a sales step keeps its time.
        movable = active is None or active.kind in PRESSURE_KINDS
        intent = _fresh_intent(context, now, delivered) if movable else None
        if intent is None and became_mql and movable:
            # Qualifying is intent too: the rep hears about the new MQL now, not at a touch weeks away.
            intent = Signal(kind="mql", occurred_at=now)
        # A new stage changes the pace and the content that fit (value content again once it cools down).
        restage = stage_moved and movable and active is not None
        if intent is not None or woke or restage or _consent_changed(context) or active is None:
            kept = (active.due_at, active.notified_at) if active is not None and intent is None else None
            planned = await plan_follow_up(
                session=session, context=context, config=config, now=now, intent=intent
            )
            if (
                restage
                and kept is not None
                and planned is not None
                and planned is active
                and planned.kind in PRESSURE_KINDS
                and planned.due_at > kept[0]
            ):
                # A new stage changes what the touch offers, never delays one that was due sooner.
                planned.due_at, planned.notified_at = kept

    lead.updated_at = now
    if lead not in session:  # adding a lead the session holds walks its cascades for nothing
        session.add(lead)
    return RefreshResult(lead.id, before, lead.total_score, became_mql, proposed)


async def refresh_leads(
    *,
    session: AsyncSession,
    contexts: Mapping[uuid.UUID, LeadContext],
    config: TenantConfig,
    now: datetime,
    replies: Mapping[uuid.UUID, datetime] | None = None,
    delivered: Mapping[uuid.UUID, Sequence[Signal]] | None = None,
) -> list[RefreshResult]:
    """Refresh many leads whose contexts were loaded together."""
    replies = replies or {}
    delivered = delivered or {}
    return [
        await refresh_lead(
            session=session,
            context=context,
            config=config,
            now=now,
            replied_at=replies.get(lead_id),
            delivered=delivered.get(lead_id, ()),
        )
        for lead_id, context in contexts.items()
    ]


# Every column the engine may change while refreshing (and ingestion while applying events). Written as one
# set for every lead, so a whole batch is one executemany.
REFRESHED_COLUMNS = (
    "fit_score",
    "engagement_score",
    "total_score",
    "score_explanation",
    "scored_at",
    "stage",
    "stage_override_at",
    "lifecycle",
    "lifecycle_changed_at",
    "mql_at",
    "sla_state",
    "dormant_since",
    "unanswered_touches",
    "last_reply_at",
    "unsubscribed",
    "bounced",
    "updated_at",
)


async def write_leads(
    *, session: AsyncSession, leads: Sequence[Lead], held: Set[uuid.UUID] = frozenset()
) -> None:
    """Write refreshed leads, and the follow-ups planned for them, each in one executemany.

    Each lead's version moves once per transaction, as the ORM's own flush would move it.

    Only for leads this transaction holds locked (ingestion): the lock, not the version check, keeps
    writers apart, and rows are not counted. Leads in ``held`` (the caller had them before) stay in the
    session with the written values taken as committed; the others leave it, so the flush that follows
    does not compare each of their columns again (a later read in this transaction loads them anew)."""
    if not leads:
        return
    bumped: set[uuid.UUID] = session.sync_session.info.setdefault(BUMPED_LEADS, set())
    table: Table = Lead.__table__  # type: ignore[attr-defined]
    statement = update(table).where(
        table.c.id == bindparam("lead_id"), table.c.version == bindparam("seen_version")
    )
    rows = []
    for lead in leads:
        version = lead.version if lead.id in bumped else lead.version + 1
        row: dict[str, object] = {name: getattr(lead, name) for name in REFRESHED_COLUMNS}
        row.update(lead_id=lead.id, seen_version=lead.version, version=version)
        rows.append(row)
    await session.exec(statement, params=rows)
    for lead, row in zip(leads, rows, strict=True):
        bumped.add(lead.id)
        if lead.id in held:
            for name in (*REFRESHED_COLUMNS, "version"):
                set_committed_value(lead, name, row[name])
        else:
            session.expunge(lead)
            set_committed_value(lead, "version", row["version"])
    await _write_follow_ups(session)


# Every column planning may change on a follow-up that exists already.
PLANNED_COLUMNS = (
    "owner_id",
    "due_at",
    "kind",
    "reasons",
    "suggested_channel",
    "suggested_content_key",
    "status",
    "outcome",
    "notified_at",
    "planned_at",
    "completed_at",
)


async def _write_follow_ups(session: AsyncSession) -> None:
    """Re-planned, finished and cancelled follow-ups in one executemany of one column set.

    The ORM would group them by which columns changed, a statement per run of alike rows. These updates
    go before the flush that inserts new follow-ups, so a finished one leaves the one-active index first."""
    changed = [
        item
        for item in session.dirty
        if isinstance(item, FollowUp) and session.is_modified(item, include_collections=False)
    ]
    if not changed:
        return
    table: Table = FollowUp.__table__  # type: ignore[attr-defined]
    rows = []
    for follow_up in changed:
        row: dict[str, object] = {name: getattr(follow_up, name) for name in PLANNED_COLUMNS}
        row["follow_up_id"] = follow_up.id
        rows.append(row)
    await session.exec(update(table).where(table.c.id == bindparam("follow_up_id")), params=rows)
    for follow_up, row in zip(changed, rows, strict=True):
        for name in PLANNED_COLUMNS:
            set_committed_value(follow_up, name, row[name])
