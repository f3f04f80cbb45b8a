"""Stage and lifecycle changes, recorded so the tab can show how a lead moved and why."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import HandOff, Lead, LeadStateChange
from app.nurturing import lifecycle as lifecycle_rules
from app.nurturing.enums import BuyerStage, HandOffStatus, Lifecycle
from app.nurturing.reasons import Reason
from app.services.lead_context import LeadContext

# A waiting hand-off is decided by any move out of nurturing: back (recycled, out) or on to sales by hand.
_STILL_NURTURING = frozenset({Lifecycle.NEW, Lifecycle.MQL})


def _reason_document(reason: Reason | str | None) -> object:
    if reason is None or isinstance(reason, str):
        return reason
    return reason.to_dict()


def _record(
    session: AsyncSession,
    lead: Lead,
    *,
    field: str,
    from_value: str,
    to_value: str,
    now: datetime,
    automatic: bool,
    reason: Reason | str | None,
    actor_id: uuid.UUID | None,
) -> None:
    session.add(
        LeadStateChange(
            id=uuid.uuid4(),  # given, so the constructor calls no default factory
            tenant_id=lead.tenant_id,
            lead_id=lead.id,
            field=field,
            from_value=from_value,
            to_value=to_value,
            automatic=automatic,
            reason=_reason_document(reason),
            actor_id=actor_id,
            changed_at=now,
        )
    )


def change_stage(
    *,
    session: AsyncSession,
    lead: Lead,
    to_stage: BuyerStage,
    now: datetime,
    automatic: bool,
    reason: Reason | str | None,
    actor_id: uuid.UUID | None = None,
) -> bool:
    """Move the buyer stage and record it; returns False when nothing changed."""
    if lead.stage == to_stage:
        return False
    _record(
        session,
        lead,
        field="stage",
        from_value=lead.stage,
        to_value=to_stage,
        now=now,
        automatic=automatic,
        reason=reason,
        actor_id=actor_id,
    )
    lead.stage = to_stage
    return True


async def change_lifecycle(
    *,
    session: AsyncSession,
    lead: Lead,
    to_lifecycle: Lifecycle,
    now: datetime,
    automatic: bool,
    reason: Reason | str | None,
    actor_id: uuid.UUID | None = None,
    withdraw_hand_offs: bool = True,
    context: LeadContext | None = None,
) -> None:
    """Move the lifecycle through the allowed transitions (InvalidTransition otherwise) and record it.

    A lead that leaves nurturing (back, out, or on to sales by hand) takes its waiting hand-off with it,
    so no team lead decides on a lead whose fate is already settled. ``context`` is the lead's, when the
    caller holds it: it knows whether a hand-off waits, so none is looked for."""
    lifecycle_rules.transition(lead.lifecycle, to_lifecycle)
    if withdraw_hand_offs and to_lifecycle not in _STILL_NURTURING:
        await _withdraw_hand_off(session, lead, context, to_lifecycle, now)
    _record(
        session,
        lead,
        field="lifecycle",
        from_value=lead.lifecycle,
        to_value=to_lifecycle,
        now=now,
        automatic=automatic,
        reason=reason,
        actor_id=actor_id,
    )
    lead.lifecycle = to_lifecycle
    lead.lifecycle_changed_at = now
    if to_lifecycle is Lifecycle.MQL:
        # Speed-to-lead counts from the latest qualification, so a re-qualified lead is chased again.
        lead.mql_at = now
        lead.sla_state = "none"
    if to_lifecycle is Lifecycle.RECYCLED and isinstance(reason, str):
        lead.recycle_reason = reason


async def _withdraw_hand_off(
    session: AsyncSession, lead: Lead, context: LeadContext | None, to_lifecycle: Lifecycle, now: datetime
) -> None:
    reason = f"lead moved to {to_lifecycle.value}"
    if context is None:
        await session.exec(
            update(HandOff)
            .where(
                col(HandOff.tenant_id) == lead.tenant_id,
                col(HandOff.lead_id) == lead.id,
                col(HandOff.status) == HandOffStatus.PROPOSED,
            )
            .values(status=HandOffStatus.WITHDRAWN, decided_at=now, reason=reason)
        )
        return
    # Written with the lead at the next flush: a statement of its own here would flush everything the
    # caller's batch holds so far, and split its executemanys.
    waiting = context.open_hand_off
    if waiting is None:
        return
    waiting.status = HandOffStatus.WITHDRAWN
    waiting.decided_at = now
    waiting.reason = reason
    session.add(waiting)
    context.open_hand_off = None
