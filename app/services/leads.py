"""Creating, reading and editing leads, with optimistic locking by version."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Company, Lead, LeadBase, LeadCreate, LeadUpdate, Member
from app.nurturing import stages
from app.nurturing.enums import BuyerStage, Lifecycle, RecycleReason, Role
from app.services.access import Caller, ensure_can_assign, ensure_can_work
from app.services.company_facts import FIRMOGRAPHICS, gaps_filled
from app.services.errors import Conflict, InvalidInput, StaleVersion
from app.services.lead_context import load_contexts
from app.services.lead_history import change_lifecycle, change_stage
from app.services.lead_queries import lead_for_action
from app.services.lookups import get_member
from app.services.ownership import assign_owner, route_unassigned
from app.services.planning import CLOSED_LIFECYCLES, cancel_active, plan_follow_up
from app.services.recycling import apply_recycle, decide_recycle
from app.services.refresh import refresh_lead
from app.services.tenant_config import TenantConfig, load_config


async def _company(session: AsyncSession, tenant_id: str, data: LeadCreate) -> Company | None:
    name, domain = data.company_name, (data.company_domain or "").strip().lower() or None
    if not name and not domain:
        return None
    if domain:
        clause = func.lower(col(Company.domain)) == domain
    else:
        clause = func.lower(col(Company.name)) == (name or "").lower()
    company = (await session.exec(select(Company).where(Company.tenant_id == tenant_id, clause))).first()
    if company is None:
        company = Company(tenant_id=tenant_id, name=name or domain or "", domain=domain)
        session.add(company)
    offered = {
        "industry": data.industry,
        "country": data.country.upper() if data.country else None,
        "employees": data.employees,
    }
    known = {name: getattr(company, name) for name in FIRMOGRAPHICS}
    for name, value in gaps_filled(known, offered).items():
        setattr(company, name, value)
    await session.flush()
    return company


async def create_lead(
    *,
    session: AsyncSession,
    caller: Caller,
    data: LeadCreate,
    config: TenantConfig | None = None,
) -> Lead:
    """Capture a lead: company, owner (named, or by routing rules), first score and first follow-up.

    A rep who captures a lead owns it: whatever owner they name, the lead is theirs."""
    tenant_id, now = caller.tenant_id, caller.now
    if caller.role is Role.REP and caller.member_id is not None:
        own = await get_member(session=session, tenant_id=tenant_id, member_id=caller.member_id)
        data = data.model_copy(update={"owner_email": own.email})
    email = str(data.email).strip().lower()
    exists = (
        await session.exec(select(Lead.id).where(Lead.tenant_id == tenant_id, Lead.email == email))
    ).first()
    if exists is not None:
        raise Conflict(f"a lead with e-mail {email} already exists")
    owner: Member | None = None
    if data.owner_email:
        owner = (
            await session.exec(
                select(Member).where(
                    Member.tenant_id == tenant_id, Member.email == data.owner_email.strip().lower()
                )
            )
        ).first()
        if owner is None or not owner.active:
            raise InvalidInput(f"unknown owner {data.owner_email}")
    company = await _company(session, tenant_id, data)
    fields = data.model_dump(include=set(LeadBase.model_fields) - {"email"})
    lead = Lead(
        tenant_id=tenant_id,
        email=email,
        company_id=company.id if company else None,
        created_at=now,
        updated_at=now,
        **fields,
    )
    session.add(lead)
    await session.flush()
    config = config or await load_config(session=session, tenant_id=tenant_id)
    if owner is not None:
        # A rep capturing their own lead may own it; anyone else needs the right to assign to that owner.
        self_capture = caller.role is Role.REP and caller.member_id == owner.id
        if not self_capture:
            ensure_can_assign(caller, lead, owner)
        await assign_owner(
            authorised=True,
            session=session,
            caller=caller,
            lead_id=lead.id,
            member_id=owner.id,
            config=config,
        )
    else:
        await route_unassigned(
            session=session, caller=Caller.system(tenant_id, now), lead_ids=[lead.id], config=config
        )
    context = (await load_contexts(session=session, tenant_id=tenant_id, leads=[lead], now=now))[lead.id]
    await refresh_lead(session=session, context=context, config=config, now=now)
    await session.flush()
    return lead


async def update_lead(
    *,
    session: AsyncSession,
    caller: Caller,
    lead_id: uuid.UUID,
    data: LeadUpdate,
) -> Lead:
    """Progressive profiling: change the fields given, if the caller saw the current version."""
    tenant_id, now = caller.tenant_id, caller.now
    lead = await lead_for_action(
        session=session,
        caller=caller,
        lead_id=lead_id,
        allowed=ensure_can_work,
        expected_version=data.version,
    )
    changes = data.model_dump(exclude={"version"}, exclude_unset=True, exclude_none=True)
    if "email" in changes:
        changes["email"] = str(changes["email"]).strip().lower()
        if changes["email"] == lead.email:
            del changes["email"]
        else:
            taken = await session.exec(
                select(Lead.id).where(Lead.tenant_id == tenant_id, Lead.email == changes["email"])
            )
            if taken.first() is not None:
                raise Conflict("another lead already has this e-mail address")
            lead.bounced = False
    if "custom_fields" in changes:
        changes["custom_fields"] = {**lead.custom_fields, **changes["custom_fields"]}
    for name, value in changes.items():
        setattr(lead, name, value)
    config = await load_config(session=session, tenant_id=tenant_id)
    context = (await load_contexts(session=session, tenant_id=tenant_id, leads=[lead], now=now))[lead.id]
    await refresh_lead(session=session, context=context, config=config, now=now)
    try:
        await session.flush()
    except StaleDataError as error:
        # Another writer committed between our read and our write; the version column caught it.
        raise StaleVersion(data.version, lead) from error
    return lead


async def override_stage(
    *,
    session: AsyncSession,
    caller: Caller,
    lead_id: uuid.UUID,
    stage: BuyerStage,
    reason: str,
    expected_version: int,
) -> Lead:
    """A rep knows better than the signals: set the buyer stage, in either direction, with a reason."""
    now = caller.now
    lead = await lead_for_action(
        session=session,
        caller=caller,
        lead_id=lead_id,
        allowed=ensure_can_work,
        expected_version=expected_version,
    )
    change = stages.override_stage(lead.stage, stage, reason)
    change_stage(
        session=session,
        lead=lead,
        to_stage=change.to_stage,
        now=now,
        automatic=False,
        reason=reason.strip(),
        actor_id=caller.member_id,
    )
    # The override holds until a stronger signal arrives after it (see resolve_stage).
    lead.stage_override_at = now
    lead.updated_at = now
    session.add(lead)
    await session.flush()
    return lead


async def set_lifecycle(
    *,
    session: AsyncSession,
    caller: Caller,
    lead_id: uuid.UUID,
    lifecycle: Lifecycle,
    reason: str | None,
    expected_version: int,
    reason_code: RecycleReason | None = None,
    until: datetime | None = None,
) -> Lead:
    """Move a lead along the sales lifecycle by hand (SQL, opportunity, won, lost, disqualified).

    Recycling takes a coded reason, which sets how long the lead is nurtured before it may return."""
    tenant_id, now = caller.tenant_id, caller.now
    lead = await lead_for_action(
        session=session,
        caller=caller,
        lead_id=lead_id,
        allowed=ensure_can_work,
        expected_version=expected_version,
    )
    config = await load_config(session=session, tenant_id=tenant_id)
    context = (await load_contexts(session=session, tenant_id=tenant_id, leads=[lead], now=now))[lead.id]
    actor_id = caller.member_id
    if lifecycle is Lifecycle.RECYCLED or (lifecycle is Lifecycle.DISQUALIFIED and reason_code is not None):
        decision = decide_recycle(
            config=config, reason_code=reason_code, note=reason, until=until, owner=context.owner, now=now
        )
        if decision.lifecycle is not lifecycle:
            raise InvalidInput(f"{decision.reason.value} moves a lead to {decision.lifecycle.value}")
        await apply_recycle(session=session, lead=lead, decision=decision, now=now, actor_id=actor_id)
    else:
        if lifecycle in (Lifecycle.DISQUALIFIED, Lifecycle.LOST) and not (reason or "").strip():
            raise InvalidInput(f"moving a lead to {lifecycle} needs a reason")
        await change_lifecycle(
            session=session,
            lead=lead,
            to_lifecycle=lifecycle,
            now=now,
            automatic=False,
            reason=reason,
            actor_id=actor_id,
        )
    if lifecycle in CLOSED_LIFECYCLES:
        await cancel_active(session=session, context=context, now=now)
    else:
        # Moving into or out of sales changes what the next follow-up is: a sales step or the cadence.
        await session.flush()
        await plan_follow_up(session=session, context=context, config=config, now=now)
    lead.updated_at = now
    session.add(lead)
    await session.flush()
    return lead
