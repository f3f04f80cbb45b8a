"""One accountable owner per lead: manual, bulk, round-robin and rule-based assignment, all audited."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Lead, Member, OwnershipChange
from app.nurturing.assignment import Candidate, distribute, route
from app.nurturing.enums import AssignmentMethod, Role
from app.services.access import Caller, ensure_can_assign
from app.services.errors import InvalidInput, LeadNotFound, TeamNotFound
from app.services.lead_context import LeadContext, load_contexts
from app.services.lead_queries import ensure_current, lead_for_action, visible_to
from app.services.lookups import get_member
from app.services.outbox import Notice, enqueue, enqueued_together
from app.services.planning import CLOSED_LIFECYCLES, plan_follow_up
from app.services.recipients import team_lead_recipients
from app.services.tenant_config import TenantConfig, load_config, team_uuid

MAX_BULK = 1000


async def _leads(session: AsyncSession, caller: Caller, lead_ids: Sequence[uuid.UUID]) -> list[Lead]:
    """The leads, in the order given; one the caller may not see is missing, exactly like a made-up id."""
    if len(lead_ids) > MAX_BULK:
        raise InvalidInput(f"at most {MAX_BULK} leads at once")
    statement = select(Lead).where(
        Lead.tenant_id == caller.tenant_id, col(Lead.id).in_(lead_ids), visible_to(caller)
    )
    rows = (await session.exec(statement)).all()
    found = {lead.id for lead in rows}
    missing = [lead_id for lead_id in lead_ids if lead_id not in found]
    if missing:
        raise LeadNotFound(missing[0])
    order = {lead_id: index for index, lead_id in enumerate(lead_ids)}
    return sorted(rows, key=lambda lead: order[lead.id])


async def apply_ownership(
    *,
    session: AsyncSession,
    leads: Sequence[Lead],
    owners: dict[uuid.UUID, Member],
    method: AssignmentMethod,
    caller: Caller,
    reason: str | None,
    config: TenantConfig,
    tell_previous: bool = True,
    contexts: Mapping[uuid.UUID, LeadContext] | None = None,
    flush: bool = True,
) -> list[OwnershipChange]:
    """Write owner, audit row and notices per (lead, owner); a lead its owner already has is skipped.

    ``contexts`` are the leads' contexts when the caller holds them already (a lead created in this
    transaction has nothing to read); the others are loaded. ``flush=False`` leaves the rows to the
    caller's next flush, so that a lead changed again in the same transaction is written once."""
    now = caller.now
    changes: list[OwnershipChange] = []
    moved = [lead for lead in leads if owners[lead.id].id != lead.owner_id]
    if not moved:
        return changes
    tenant_id = moved[0].tenant_id
    known = dict(contexts or {})
    missing = [lead for lead in moved if lead.id not in known]
    known.update(await load_contexts(session=session, tenant_id=tenant_id, leads=missing, now=now))
    # Notices go out in one statement at the end; an enqueue inside the loop would flush per lead.
    async with enqueued_together(session):
        for lead in moved:
            owner = owners[lead.id]
            previous = lead.owner_id
            change = OwnershipChange(
                tenant_id=tenant_id,
                lead_id=lead.id,
                from_member_id=previous,
                to_member_id=owner.id,
                changed_by=caller.member_id,
                method=method,
                reason=reason,
                changed_at=now,
            )
            session.add(change)
            changes.append(change)
            lead.owner_id = owner.id
            lead.team_id = owner.team_id
            lead.updated_at = now
            session.add(lead)
            owner.last_assigned_at = now
            session.add(owner)
            context = known[lead.id]
            context.owner = owner
            if lead.lifecycle not in CLOSED_LIFECYCLES:
                # The due time moves into the new owner's working hours and time zone.
                await plan_follow_up(session=session, context=context, config=config, now=now)
            payload = {"lead_id": str(lead.id), "change_id": str(change.id)}
            await enqueue(
                session=session,
                tenant_id=tenant_id,
                kind=Notice.OWNER_ASSIGNED,
                dedupe_key=f"ownership:{change.id}:new",
                payload=payload,
                member_id=owner.id,
                now=now,
            )
            if previous is not None and tell_previous:
                await enqueue(
                    session=session,
                    tenant_id=tenant_id,
                    kind=Notice.OWNER_RELEASED,
                    dedupe_key=f"ownership:{change.id}:previous",
                    payload=payload,
                    member_id=previous,
                    now=now,
                )
    if flush:
        await session.flush()
    return changes


async def assign_owner(
    *,
    session: AsyncSession,
    caller: Caller,
    lead_id: uuid.UUID,
    member_id: uuid.UUID,
    reason: str | None = None,
    expected_version: int | None = None,
    method: AssignmentMethod = AssignmentMethod.MANUAL,
    config: TenantConfig | None = None,
    authorised: bool = False,
) -> OwnershipChange | None:
    """Give a lead to one member; None when that member already owns it."""
    tenant_id = caller.tenant_id
    lead = await lead_for_action(
        session=session,
        # The calling service has already decided this caller may set this owner (a rep capturing their
        # own lead).
        caller=Caller.system(tenant_id, caller.now) if authorised else caller,
        lead_id=lead_id,
        allowed=lambda who, lead: ensure_can_assign(who, lead, None),
        expected_version=None,
    )
    owner = await get_member(session=session, tenant_id=tenant_id, member_id=member_id)
    if not owner.active:
        raise InvalidInput("cannot assign a lead to an inactive member")
    if not authorised:
        ensure_can_assign(caller, lead, owner)
    # The version last, once the whole request is allowed: a refusal never depends on it.
    ensure_current(expected_version, lead)
    config = config or await load_config(session=session, tenant_id=tenant_id)
    changes = await apply_ownership(
        session=session,
        leads=[lead],
        owners={lead.id: owner},
        method=method,
        caller=caller,
        reason=reason,
        config=config,
    )
    return changes[0] if changes else None


async def bulk_assign(
    *,
    session: AsyncSession,
    caller: Caller,
    lead_ids: Sequence[uuid.UUID],
    member_id: uuid.UUID,
    reason: str | None = None,
    config: TenantConfig | None = None,
) -> list[OwnershipChange]:
    """Give many leads to one member in one transaction: all or nothing."""
    tenant_id = caller.tenant_id
    leads = await _leads(session, caller, lead_ids)
    for lead in leads:
        ensure_can_assign(caller, lead, None)
    owner = await get_member(session=session, tenant_id=tenant_id, member_id=member_id)
    if not owner.active:
        raise InvalidInput("cannot assign leads to an inactive member")
    for lead in leads:
        ensure_can_assign(caller, lead, owner)
    config = config or await load_config(session=session, tenant_id=tenant_id)
    return await apply_ownership(
        session=session,
        leads=leads,
        owners={lead.id: owner for lead in leads},
        method=AssignmentMethod.MANUAL,
        caller=caller,
        reason=reason,
        config=config,
    )


@dataclass(slots=True)
class TeamPools:
    """Reps of some teams with their load of open leads, read once; a batch that assigns keeps the loads
    as they would be read again after it."""

    reps: dict[uuid.UUID, list[Member]]
    loads: dict[uuid.UUID, int]

    def candidates(self, team_id: uuid.UUID) -> list[tuple[Member, Candidate]]:
        """The team's reps as round-robin sees them now."""
        return [
            (
                member,
                Candidate(
                    member_id=str(member.id),
                    team_id=str(member.team_id),
                    active=member.active,
                    away_until=member.away_until,
                    capacity=member.capacity,
                    open_leads=self.loads.get(member.id, 0),
                    last_assigned_at=member.last_assigned_at,
                    name=member.display_name or member.email,
                ),
            )
            for member in self.reps.get(team_id, [])
        ]

    def took(self, leads: Sequence[Lead], owners: Mapping[uuid.UUID, Member]) -> None:
        """Count the open ones of the leads just given to their owners (each of them unowned before), as a
        new read of the loads would."""
        for lead in leads:
            if lead.id in owners and lead.lifecycle not in CLOSED_LIFECYCLES:
                owner = owners[lead.id]
                self.loads[owner.id] = self.loads.get(owner.id, 0) + 1


async def team_pools(*, session: AsyncSession, tenant_id: str, team_ids: Collection[uuid.UUID]) -> TeamPools:
    """The reps of the given teams and their open leads, in two statements however many teams."""
    pools = TeamPools(reps={team_id: [] for team_id in team_ids}, loads={})
    if not team_ids:
        return pools
    members = (
        await session.exec(
            select(Member).where(
                Member.tenant_id == tenant_id,
                col(Member.team_id).in_(list(team_ids)),
                Member.role == Role.REP,
            )
        )
    ).all()
    for member in members:
        assert member.team_id is not None
        pools.reps[member.team_id].append(member)
    if not members:
        return pools
    pools.loads.update(
        (owner_id, int(count))
        for owner_id, count in (
            await session.exec(
                select(Lead.owner_id, func.count())
                .where(
                    Lead.tenant_id == tenant_id,
                    col(Lead.owner_id).in_([member.id for member in members]),
                    col(Lead.lifecycle).not_in(CLOSED_LIFECYCLES),
                )
                .group_by(col(Lead.owner_id))
            )
        ).all()
        if owner_id is not None
    )
    return pools


async def team_candidates(
    *, session: AsyncSession, tenant_id: str, team_id: uuid.UUID
) -> list[tuple[Member, Candidate]]:
    """The team's reps with their current load of open leads, as round-robin sees them."""
    pools = await team_pools(session=session, tenant_id=tenant_id, team_ids=[team_id])
    return pools.candidates(team_id)


async def round_robin_assign(
    *,
    session: AsyncSession,
    caller: Caller,
    lead_ids: Sequence[uuid.UUID],
    team_id: uuid.UUID,
    method: AssignmentMethod = AssignmentMethod.ROUND_ROBIN,
    reason: str | None = None,
    config: TenantConfig | None = None,
    contexts: Mapping[uuid.UUID, LeadContext] | None = None,
) -> list[OwnershipChange]:
    """Spread leads over the team's reps by free capacity, skipping inactive and away members."""
    tenant_id = caller.tenant_id
    leads = await _leads(session, caller, lead_ids)
    for lead in leads:
        ensure_can_assign(caller, lead, None)
    pools = await team_pools(session=session, tenant_id=tenant_id, team_ids=[team_id])
    config = config or await load_config(session=session, tenant_id=tenant_id)
    return await _round_robin(
        session=session,
        caller=caller,
        leads=leads,
        team_id=team_id,
        pools=pools,
        method=method,
        reason=reason,
        config=config,
        contexts=contexts,
    )


async def _round_robin(
    *,
    session: AsyncSession,
    caller: Caller,
    leads: Sequence[Lead],
    team_id: uuid.UUID,
    pools: TeamPools,
    method: AssignmentMethod,
    reason: str | None,
    config: TenantConfig,
    contexts: Mapping[uuid.UUID, LeadContext] | None,
    flush: bool = True,
) -> list[OwnershipChange]:
    """``round_robin_assign`` for leads the caller may see, over pools read before; the pools count the
    leads given."""
    pool = pools.candidates(team_id)
    if not pool and not leads:
        return []
    if not pool:
        raise TeamNotFound(team_id)
    by_id = {str(member.id): member for member, _ in pool}
    for lead in leads:
        ensure_can_assign(caller, lead, pool[0][0])
    plan = distribute([str(lead.id) for lead in leads], [candidate for _, candidate in pool], caller.now)
    owners = {lead.id: by_id[plan[str(lead.id)]] for lead in leads if str(lead.id) in plan}
    changes = await apply_ownership(
        session=session,
        leads=[lead for lead in leads if lead.id in owners],
        owners=owners,
        method=method,
        caller=caller,
        reason=reason,
        config=config,
        contexts=contexts,
        flush=flush,
    )
    pools.took(leads, owners)
    return changes


async def fallback_owners(
    *,
    session: AsyncSession,
    tenant_id: str,
    leads: Sequence[Lead],
    config: TenantConfig,
    now: datetime,
    pools: TeamPools | None = None,
) -> dict[uuid.UUID, Member]:
    """Owners for leads by the tenant's routing fallback: round-robin in its team, or its one member.

    Leads it has no room for, and all leads when there is no usable fallback, are left out. ``pools``
    are the teams' reps read before, when they hold the fallback team."""
    fallback = config.routing_fallback
    if fallback is None or not leads:
        return {}
    if fallback.member_id is not None:
        # The catch-all an admin chose: it takes every lead, as a manual assignment would.
        member = await session.get(Member, uuid.UUID(fallback.member_id))
        if member is None or member.tenant_id != tenant_id or not member.active:
            return {}
        return {lead.id: member for lead in leads}
    assert fallback.team_id is not None
    team_id = uuid.UUID(fallback.team_id)
    if pools is None or team_id not in pools.reps:
        pools = await team_pools(session=session, tenant_id=tenant_id, team_ids=[team_id])
    pool = pools.candidates(team_id)
    by_id = {str(member.id): member for member, _ in pool}
    plan = distribute([str(lead.id) for lead in leads], [candidate for _, candidate in pool], now)
    return {lead.id: by_id[plan[str(lead.id)]] for lead in leads if str(lead.id) in plan}


UNROUTED_SHOWN = 20


async def announce_unrouted(
    *, session: AsyncSession, tenant_id: str, leads: Sequence[Lead], cause: str, now: datetime
) -> None:
    """Tell each team's leads (or, without any, the managers) about leads that needed the fallback or
    found no owner; one notice per team and recipient, however many leads."""
    by_team: dict[uuid.UUID | None, list[Lead]] = {}
    for lead in leads:
        by_team.setdefault(lead.team_id, []).append(lead)
    for team_id, team_leads in by_team.items():
        recipients = await team_lead_recipients(session=session, tenant_id=tenant_id, team_id=team_id)
        ids = sorted(str(lead.id) for lead in team_leads)
        payload = {"lead_ids": ids[:UNROUTED_SHOWN], "count": len(ids), "cause": cause}
        for recipient in recipients:
            await enqueue(
                session=session,
                tenant_id=tenant_id,
                kind=Notice.LEAD_UNROUTED,
                dedupe_key=f"unrouted:{cause}:{team_id}:{ids[0]}:{now.isoformat()}:{recipient.id}",
                payload=payload,
                member_id=recipient.id,
                team_id=team_id,
                now=now,
            )


async def route_unassigned(
    *,
    session: AsyncSession,
    caller: Caller,
    lead_ids: Sequence[uuid.UUID],
    config: TenantConfig | None = None,
    contexts: Mapping[uuid.UUID, LeadContext] | None = None,
    flush: bool = True,
) -> list[OwnershipChange]:
    """Send each unowned lead to the team its country, industry or source routes to; round-robin there.

    A lead no rule matches goes to the tenant's routing fallback, and the team lead there is told; one
    nobody has room for stays unowned, and its team lead (or a manager) is told.

    The teams' reps and their loads are read once for all teams, before anything is written; notices go
    out in one statement. ``flush=False`` leaves the rows to the caller's next flush (see
    ``apply_ownership``)."""
    tenant_id, now = caller.tenant_id, caller.now
    known = dict(contexts or {})
    if caller.is_system and all(lead_id in known for lead_id in lead_ids):
        # The caller holds these leads (it may have created them in this transaction), and the system
        # sees every lead: reading them again would find the same objects.
        held = [known[lead_id].lead for lead_id in dict.fromkeys(lead_ids)]
    else:
        held = await _leads(session, Caller.system(tenant_id, now), lead_ids)
    leads = [lead for lead in held if lead.owner_id is None]
    config = config or await load_config(session=session, tenant_id=tenant_id)
    missing = [lead for lead in leads if lead.id not in known]
    known.update(await load_contexts(session=session, tenant_id=tenant_id, leads=missing, now=now))
    by_team: dict[uuid.UUID, list[uuid.UUID]] = {}
    unmatched: list[Lead] = []
    for lead in leads:
        rule = route(config.routing, known[lead.id].facts().properties)
        if rule is not None:
            by_team.setdefault(team_uuid(rule), []).append(lead.id)
        else:
            unmatched.append(lead)
    fallback = config.routing_fallback
    teams = set(by_team)
    if unmatched and fallback is not None and fallback.team_id is not None:
        teams.add(uuid.UUID(fallback.team_id))
    pools = await team_pools(session=session, tenant_id=tenant_id, team_ids=teams)
    changes: list[OwnershipChange] = []
    async with enqueued_together(session):
        for team_id, team_leads in by_team.items():
            team = await _leads(session, caller, team_leads) if not caller.is_system else None
            chosen = team if team is not None else [known[lead_id].lead for lead_id in team_leads]
            for lead in chosen:
                ensure_can_assign(caller, lead, None)
            changes += await _round_robin(
                session=session,
                caller=caller,
                leads=chosen,
                team_id=team_id,
                pools=pools,
                method=AssignmentMethod.RULE,
                reason="routing rule",
                config=config,
                contexts=known,
                flush=False,
            )
        for team_id, team_leads in by_team.items():
            for lead in leads:
                if lead.id in team_leads and lead.owner_id is None:
                    # Nobody in the team had room: the lead waits in the team's unassigned list.
                    lead.team_id = team_id
                    session.add(lead)
        owners = await fallback_owners(
            session=session, tenant_id=tenant_id, leads=unmatched, config=config, now=now, pools=pools
        )
        placed = [lead for lead in unmatched if lead.id in owners]
        changes += await apply_ownership(
            session=session,
            leads=placed,
            owners=owners,
            method=AssignmentMethod.FALLBACK,
            caller=caller,
            reason="routing fallback",
            config=config,
            contexts=known,
            flush=False,
        )
        await announce_unrouted(session=session, tenant_id=tenant_id, leads=placed, cause="fallback", now=now)
        unowned = [lead for lead in leads if lead.owner_id is None]
        await announce_unrouted(session=session, tenant_id=tenant_id, leads=unowned, cause="unowned", now=now)
    if flush:
        await session.flush()
    return changes
