"""Stage and lifecycle changes, recorded so the tab can show how a lead moved and why."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Lead, LeadStateChange
from app.nurturing import lifecycle as lifecycle_rules
from app.nurturing.enums import BuyerStage, Lifecycle
from app.nurturing.reasons import Reason


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


def change_lifecycle(
    *,
    session: AsyncSession,
    lead: Lead,
    to_lifecycle: Lifecycle,
    now: datetime,
    automatic: bool,
    reason: Reason | str | None,
    actor_id: uuid.UUID | None = None,
) -> None:
    """Move the lifecycle through the allowed transitions (InvalidTransition otherwise) and record it."""
    lifecycle_rules.transition(lead.lifecycle, to_lifecycle)
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
