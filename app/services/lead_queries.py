"""Reading leads for the tab: who may see which leads, filters, search and keyset paging."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import ColumnElement, and_, bindparam, func, or_, true
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Company, Lead
from app.nurturing.enums import BuyerStage, Lifecycle, Role
from app.services import cursors
from app.services.access import Caller
from app.services.errors import LeadNotFound, StaleVersion

LeadSort = Literal["-total_score", "-created_at", "created_at"]
MAX_PAGE = 200


@dataclass(frozen=True, slots=True)
class LeadFilter:
    lifecycle: Lifecycle | None = None
    stage: BuyerStage | None = None
    owner_id: uuid.UUID | None = None
    team_id: uuid.UUID | None = None
    unassigned: bool = False
    search: str | None = None


@dataclass(frozen=True, slots=True)
class LeadPage:
    items: Sequence[Lead]
    next_cursor: str | None


def visible_to(caller: Caller) -> ColumnElement[bool]:
    """Reps see their own leads, team leads their team's and the unassigned ones, managers, admins and the
    system all."""
    if caller.is_system or caller.role in (Role.MANAGER, Role.ADMIN):
        return true()
    if caller.role is Role.LEAD:
        return or_(col(Lead.team_id) == caller.team_id, col(Lead.owner_id).is_(None))
    return col(Lead.owner_id) == caller.member_id


# `visible_to` once for each kind of caller, with the caller in bound parameters, for statements that are
# built once at import and reused (SQLAlchemy then neither rebuilds them nor recomputes their cache key).
VISIBLE_BOUND: dict[str, ColumnElement[bool]] = {
    "all": true(),
    "team": or_(col(Lead.team_id) == bindparam("visible_team_id"), col(Lead.owner_id).is_(None)),
    "own": col(Lead.owner_id) == bindparam("visible_member_id"),
}


def bound_visibility(caller: Caller) -> tuple[str, dict[str, object]] | None:
    """Which `VISIBLE_BOUND` clause says `visible_to(caller)`, with its parameters; None for a team lead
    without a team, whose rule only `visible_to` writes (a bound NULL would match nothing)."""
    if caller.is_system or caller.role in (Role.MANAGER, Role.ADMIN):
        return "all", {}
    if caller.role is Role.LEAD:
        return ("team", {"visible_team_id": caller.team_id}) if caller.team_id is not None else None
    return "own", {"visible_member_id": caller.member_id}


async def read_lead(*, session: AsyncSession, caller: Caller, lead_id: uuid.UUID) -> Lead:
    """One lead the caller may see; another's lead is reported as not found, so ids reveal nothing."""
    lead = (
        await session.exec(
            select(Lead).where(Lead.tenant_id == caller.tenant_id, Lead.id == lead_id, visible_to(caller))
        )
    ).first()
    if lead is None:
        raise LeadNotFound(lead_id)
    return lead


def ensure_current(expected_version: int | None, lead: Lead) -> None:
    """The version check, the one place it is written: a caller who saw an older lead changes nothing."""
    if expected_version is not None and expected_version != lead.version:
        raise StaleVersion(expected_version, lead)


def ensure_workable(
    caller: Caller, lead: Lead, allowed: Callable[[Caller, Lead], None], expected_version: int | None
) -> Lead:
    """A visible lead checked in the one safe order: allowed (else not allowed), then current (else
    stale, carrying a lead the caller may see)."""
    allowed(caller, lead)
    ensure_current(expected_version, lead)
    return lead


async def lead_for_action(
    *,
    session: AsyncSession,
    caller: Caller,
    lead_id: uuid.UUID,
    allowed: Callable[[Caller, Lead], None],
    expected_version: int | None,
) -> Lead:
    """The lead an action works on: visible (else not found), then ``ensure_workable``."""
    lead = await read_lead(session=session, caller=caller, lead_id=lead_id)
    return ensure_workable(caller, lead, allowed, expected_version)


async def list_leads(
    *,
    session: AsyncSession,
    caller: Caller,
    where: LeadFilter,
    sort: LeadSort = "-total_score",
    cursor: str | None = None,
    limit: int = 50,
) -> LeadPage:
    """A page of visible leads; the cursor continues exactly after the last row, however rows change."""
    limit = max(1, min(limit, MAX_PAGE))
    statement = select(Lead).where(Lead.tenant_id == caller.tenant_id, visible_to(caller))
    if where.lifecycle is not None:
        statement = statement.where(Lead.lifecycle == where.lifecycle)
    if where.stage is not None:
        statement = statement.where(Lead.stage == where.stage)
    if where.owner_id is not None:
        statement = statement.where(Lead.owner_id == where.owner_id)
    if where.team_id is not None:
        statement = statement.where(Lead.team_id == where.team_id)
    if where.unassigned:
        statement = statement.where(col(Lead.owner_id).is_(None))
    if where.search and where.search.strip():
        text = where.search.strip().lower().replace("%", "").replace("_", "")
        pattern = f"%{text}%"
        company_ids = select(Company.id).where(
            Company.tenant_id == caller.tenant_id, func.lower(col(Company.name)).like(pattern)
        )
        statement = statement.where(
            or_(
                col(Lead.email).like(pattern),
                func.lower(col(Lead.first_name) + " " + col(Lead.last_name)).like(pattern),
                col(Lead.company_id).in_(company_ids),
            )
        )
    key = {
        "-total_score": (col(Lead.total_score), True),
        "-created_at": (col(Lead.created_at), True),
        "created_at": (col(Lead.created_at), False),
    }[sort]
    column, descending = key
    if cursor:
        value, last = (
            cursors.decode_number(cursor) if sort == "-total_score" else cursors.decode_moment(cursor)
        )
        after = (
            or_(column < value, and_(column == value, col(Lead.id) > last))
            if descending
            else or_(column > value, and_(column == value, col(Lead.id) > last))
        )
        statement = statement.where(after)
    statement = statement.order_by(column.desc() if descending else column.asc(), col(Lead.id)).limit(
        limit + 1
    )
    rows = list((await session.exec(statement)).all())
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        tail = rows[-1]
        value = tail.total_score if sort == "-total_score" else tail.created_at
        next_cursor = cursors.encode(value, tail.id)
    return LeadPage(items=rows, next_cursor=next_cursor)


async def find_by_email(*, session: AsyncSession, tenant_id: str, email: str) -> Lead:
    """The tenant's lead with this address (stored lower-case)."""
    statement = select(Lead).where(Lead.tenant_id == tenant_id, Lead.email == email.strip().lower())
    lead = (await session.exec(statement)).first()
    if lead is None:
        raise LeadNotFound(email)
    return lead
