"""Sending a lead back to nurturing with a coded reason and a nurture-until date, or out of the funnel."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Lead, Member
from app.nurturing.enums import Lifecycle, RecycleReason
from app.nurturing.errors import ReasonRequired
from app.nurturing.lifecycle import ALLOWED_TRANSITIONS
from app.nurturing.recycling import RecycleDecision, recycle
from app.services.errors import InvalidInput
from app.services.lead_context import LeadContext
from app.services.lead_history import change_lifecycle
from app.services.tenant_config import TenantConfig


def decide_recycle(
    *,
    config: TenantConfig,
    reason_code: RecycleReason | None,
    note: str | None,
    until: datetime | None,
    owner: Member | None,
    now: datetime,
) -> RecycleDecision:
    """The engine's decision for a coded reason; a missing code or contract date is the caller's error."""
    if reason_code is None:
        raise InvalidInput("choose a reason: " + ", ".join(reason.value for reason in RecycleReason))
    if until is not None and until.tzinfo is None:
        raise InvalidInput("the date needs a time zone")
    try:
        return recycle(
            config.recycling,
            reason_code,
            now,
            note=note,
            until=until,
            time_zone=owner.time_zone if owner is not None else "UTC",
        )
    except ReasonRequired as error:
        raise InvalidInput(str(error)) from error


async def apply_recycle(
    *,
    session: AsyncSession,
    lead: Lead,
    decision: RecycleDecision,
    now: datetime,
    actor_id: uuid.UUID | None,
    withdraw_hand_offs: bool = True,
    context: LeadContext | None = None,
) -> None:
    """Move the lead and remember why and until when; a lead already recycled only gets the new date.

    ``context`` is the lead's, when the caller holds it (see ``change_lifecycle``)."""
    label = decision.reason.value if decision.note is None else f"{decision.reason.value}: {decision.note}"
    if lead.lifecycle is not decision.lifecycle:
        if decision.lifecycle not in ALLOWED_TRANSITIONS[lead.lifecycle]:
            raise InvalidInput(f"a {lead.lifecycle.value} lead cannot move to {decision.lifecycle.value}")
        await change_lifecycle(
            session=session,
            lead=lead,
            to_lifecycle=decision.lifecycle,
            now=now,
            automatic=False,
            reason=label,
            actor_id=actor_id,
            withdraw_hand_offs=withdraw_hand_offs,
            context=context,
        )
    lead.recycle_reason_code = decision.reason
    lead.recycle_reason = label[:500]
    if decision.lifecycle is Lifecycle.RECYCLED:
        lead.recycled_at = now
        lead.nurture_until = decision.nurture_until
        # Back in nurturing from a clean slate: the unanswered count belonged to the sales conversation.
        lead.unanswered_touches = 0
        lead.dormant_since = None
    else:
        lead.nurture_until = None
    lead.updated_at = now
    session.add(lead)
