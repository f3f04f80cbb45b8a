"""Creating, reading and editing leads, with optimistic locking by version."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NoReturn

from sqlalchemy import func
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Company, Lead, LeadBase, LeadCreate, LeadUpdate, Member
from app.nurturing import stages
from app.nurturing.enums import AssignmentMethod, BuyerStage, Lifecycle, RecycleReason, Role
from app.services.access import Caller, ensure_can_assign, ensure_can_work
from app.services.batches import batches
from app.services.company_facts import FIRMOGRAPHICS, gaps_filled
from app.services.errors import Conflict, InvalidInput, LeadNotFound, StaleVersion
from app.services.lead_context import LeadContext, load_contexts
from app.services.lead_history import change_lifecycle, change_stage
from app.services.lead_queries import ensure_workable, lead_for_action, visible_to
from app.services.lookups import get_member
from app.services.outbox import enqueued_together
from app.services.ownership import apply_ownership, route_unassigned
from app.services.planning import CLOSED_LIFECYCLES, cancel_active, plan_follow_up
from app.services.recycling import apply_recycle, decide_recycle
from app.services.refresh import refresh_lead, refresh_leads
from app.services.tenant_config import TenantConfig, load_config


def _company_key(data: LeadCreate) -> tuple[str, str] | None:
    """How a lead names its company: by domain when it gives one, else by name (both compared lower-case)."""
    name, domain = data.company_name, (data.company_domain or "").strip().lower() or None
    if domain:
        return "domain", domain
    if name:
        return "name", name.lower()
    return None


async def _companies(
    session: AsyncSession, tenant_id: str, items: Sequence[LeadCreate]
) -> list[Company | None]:
    """Each lead's company, found or created once per batch, its firmographic gaps filled in lead order."""
    keys = [_company_key(data) for data in items]
    domains = sorted({key[1] for key in keys if key is not None and key[0] == "domain"})
    names = sorted({key[1] for key in keys if key is not None and key[0] == "name"})
    known: dict[tuple[str, str], Company] = {}
    for field, values, column in (("domain", domains, Company.domain), ("name", names, Company.name)):
        for chunk in batches(values):
            rows = await session.exec(
                select(Company)
                .where(Company.tenant_id == tenant_id, func.lower(col(column)).in_(chunk))
                .order_by(col(Company.created_at), col(Company.id))
            )
            for row in rows:
                named = (row.domain if field == "domain" else row.name) or ""
                known.setdefault((field, named.lower()), row)
    companies: list[Company | None] = []
    for data, key in zip(items, keys, strict=True):
        if key is None:
            companies.append(None)
            continue
        company = known.get(key)
        if company is None:
            domain = key[1] if key[0] == "domain" else None
            company = Company(tenant_id=tenant_id, name=data.company_name or domain or "", domain=domain)
            known[key] = company
            session.add(company)
        offered: dict[str, object] = {
            "industry": data.industry,
            "country": data.country.upper() if data.country else None,
            "employees": data.employees,
        }
        have = {attribute: getattr(company, attribute) for attribute in FIRMOGRAPHICS}
        for attribute, value in gaps_filled(have, offered).items():
            setattr(company, attribute, value)
        companies.append(company)
    return companies


async def _named_owners(
    session: AsyncSession, caller: Caller, items: Sequence[LeadCreate]
) -> list[Member | None]:
    """The owner each lead names, checked to be an active member; a rep's own leads are the rep's."""
    tenant_id = caller.tenant_id
    if caller.role is Role.REP and caller.member_id is not None:
        own = await get_member(session=session, tenant_id=tenant_id, member_id=caller.member_id)
        if own.email is None:
            return [None for _ in items]
        if not own.active:
            _refuse(own.email)
        return [own for _ in items]
    wanted = sorted({data.owner_email.strip().lower() for data in items if data.owner_email})
    found: dict[str, Member] = {}
    for chunk in batches(wanted):
        rows = await session.exec(
            select(Member).where(Member.tenant_id == tenant_id, col(Member.email).in_(chunk))
        )
        found.update({str(member.email): member for member in rows})
    owners: list[Member | None] = []
    for data in items:
        if not data.owner_email:
            owners.append(None)
            continue
        owner = found.get(data.owner_email.strip().lower())
        if owner is None or not owner.active:
            _refuse(data.owner_email)
        owners.append(owner)
    return owners


def _refuse(owner_email: str | None) -> NoReturn:
    raise InvalidInput(f"unknown owner {owner_email}")


async def create_lead(
    *,
    session: AsyncSession,
    caller: Caller,
    data: LeadCreate,
    config: TenantConfig | None = None,
) -> Lead:
    """Capture a lead: company, owner (named, or by routing rules), first score and first follow-up.

    A rep who captures a lead owns it: whatever owner they name, the lead is theirs."""
    return (await create_leads(session=session, caller=caller, items=[data], config=config))[0]


async def create_leads(
    *,
    session: AsyncSession,
    caller: Caller,
    items: Sequence[LeadCreate],
    config: TenantConfig | None = None,
) -> list[Lead]:
    """Capture many leads at the caller's moment, as ``create_lead`` would one by one, in a number of
    statements that does not grow with the batch, but for each lead's own row updates.

    Leads that name their owner get theirs first; round-robin then sees the others in the order given."""
    tenant_id, now = caller.tenant_id, caller.now
    if not items:
        return []
    emails = [str(data.email).strip().lower() for data in items]
    taken = next((email for email, n in Counter(emails).items() if n > 1), None)
    for chunk in batches(sorted(set(emails))):
        if taken is not None:
            break
        taken = (
            await session.exec(
                select(Lead.email).where(Lead.tenant_id == tenant_id, col(Lead.email).in_(chunk))
            )
        ).first()
    if taken is not None:
        raise Conflict(f"a lead with e-mail {taken} already exists")
    owners = await _named_owners(session, caller, items)
    companies = await _companies(session, tenant_id, items)
    leads: list[Lead] = []
    for data, email, company in zip(items, emails, companies, strict=True):
        fields = data.model_dump(include=set(LeadBase.model_fields) - {"email"})
        leads.append(
            Lead(
                tenant_id=tenant_id,
                email=email,
                company_id=company.id if company else None,
                created_at=now,
                updated_at=now,
                **fields,
            )
        )
    session.add_all(leads)
    # Inserted first: the unit of work orders tables by class name, not by foreign key, so a lead's first
    # follow-up would otherwise go in before the lead.
    await session.flush()
    config = config or await load_config(session=session, tenant_id=tenant_id)
    # New leads have no events, follow-ups, touches or hand-offs yet: their contexts are known without
    # reading, and routing, planning and scoring all work on these.
    contexts = {
        lead.id: LeadContext(lead=lead, company=company)
        for lead, company in zip(leads, companies, strict=True)
    }
    named = {lead.id: owner for lead, owner in zip(leads, owners, strict=True) if owner is not None}
    for lead in leads:
        owner = named.get(lead.id)
        # A rep capturing their own lead may own it; anyone else needs the right to assign to that owner.
        if owner is not None and not (caller.role is Role.REP and caller.member_id == owner.id):
            ensure_can_assign(caller, lead, owner)
    # Named owners are written first: round-robin counts their new leads when it reads the reps' loads.
    await apply_ownership(
        session=session,
        leads=[lead for lead in leads if lead.id in named],
        owners=named,
        method=AssignmentMethod.MANUAL,
        caller=caller,
        reason=None,
        config=config,
        contexts=contexts,
    )
    # The routed owners, the scores and the first follow-ups are written in the one flush at the end, so
    # each routed lead is updated once: routing reads the loads before it assigns, and counts the leads
    # it gives itself.
    with session.no_autoflush:
        unowned = [lead.id for lead in leads if lead.id not in named]
        if unowned:
            await route_unassigned(
                session=session,
                caller=Caller.system(tenant_id, now),
                lead_ids=unowned,
                config=config,
                contexts=contexts,
                flush=False,
            )
        await refresh_leads(session=session, contexts=contexts, config=config, now=now)
    await session.flush()
    return leads


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


@dataclass(frozen=True, slots=True)
class LifecycleMove:
    """One lead's move along the sales lifecycle, as ``set_lifecycle`` takes it."""

    lead_id: uuid.UUID
    lifecycle: Lifecycle
    reason: str | None
    expected_version: int
    reason_code: RecycleReason | None = None
    until: datetime | None = None


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
    config: TenantConfig | None = None,
) -> Lead:
    """Move a lead along the sales lifecycle by hand (SQL, opportunity, won, lost, disqualified).

    Recycling takes a coded reason, which sets how long the lead is nurtured before it may return."""
    move = LifecycleMove(
        lead_id=lead_id,
        lifecycle=lifecycle,
        reason=reason,
        expected_version=expected_version,
        reason_code=reason_code,
        until=until,
    )
    return (await set_lifecycles(session=session, caller=caller, moves=[move], config=config))[0]


async def set_lifecycles(
    *,
    session: AsyncSession,
    caller: Caller,
    moves: Sequence[LifecycleMove],
    config: TenantConfig | None = None,
) -> list[Lead]:
    """``set_lifecycle`` for moves of different leads at the caller's moment, in the order given, reading
    the leads and their contexts once for all."""
    tenant_id, now = caller.tenant_id, caller.now
    if not moves:
        return []
    ids = [move.lead_id for move in moves]
    if len(set(ids)) != len(ids):
        raise InvalidInput("one move per lead in a batch")
    found: dict[uuid.UUID, Lead] = {}
    for chunk in batches(ids):
        rows = await session.exec(
            select(Lead).where(Lead.tenant_id == tenant_id, col(Lead.id).in_(chunk), visible_to(caller))
        )
        found.update((lead.id, lead) for lead in rows)
    leads: list[Lead] = []
    for move in moves:
        lead = found.get(move.lead_id)
        if lead is None:
            raise LeadNotFound(move.lead_id)
        leads.append(ensure_workable(caller, lead, ensure_can_work, move.expected_version))
    config = config or await load_config(session=session, tenant_id=tenant_id)
    contexts = await load_contexts(session=session, tenant_id=tenant_id, leads=leads, now=now)
    # The notices go out together and the moves are written in one flush at the end: a flush per move, or
    # a notice written on the way, would write the batch piecemeal.
    async with enqueued_together(session):
        for move, lead in zip(moves, leads, strict=True):
            await _move(session, caller, move, lead, contexts[lead.id], config)
    await session.flush()
    return leads


async def _move(
    session: AsyncSession,
    caller: Caller,
    move: LifecycleMove,
    lead: Lead,
    context: LeadContext,
    config: TenantConfig,
) -> None:
    now, actor_id = caller.now, caller.member_id
    lifecycle, reason, reason_code = move.lifecycle, move.reason, move.reason_code
    recycling = lifecycle is Lifecycle.RECYCLED
    if recycling or (lifecycle is Lifecycle.DISQUALIFIED and reason_code is not None):
        decision = decide_recycle(
            config=config,
            reason_code=reason_code,
            note=reason,
            until=move.until,
            owner=context.owner,
            now=now,
        )
        if decision.lifecycle is not lifecycle:
            raise InvalidInput(f"{decision.reason.value} moves a lead to {decision.lifecycle.value}")
        await apply_recycle(
            session=session, lead=lead, decision=decision, now=now, actor_id=actor_id, context=context
        )
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
            context=context,
        )
    if lifecycle in CLOSED_LIFECYCLES:
        await cancel_active(session=session, context=context, now=now)
    else:
        # Moving into or out of sales changes what the next follow-up is: a sales step or the cadence.
        await plan_follow_up(session=session, context=context, config=config, now=now)
    lead.updated_at = now
    session.add(lead)
