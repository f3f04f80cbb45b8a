"""Who may do what. Identity always comes from a validated token or the CLI, never from a payload."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import bindparam
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Lead, Member
from app.nurturing.enums import Role
from app.services.errors import NotAllowed


@dataclass(frozen=True, slots=True)
class Caller:
    """Who a service acts for, in which tenant, and when: the one argument every service takes."""

    tenant_id: str
    member_id: uuid.UUID | None  # None: the system itself (scheduler, webhooks, CLI, the engine's own steps)
    role: Role | None
    team_id: uuid.UUID | None
    now: datetime

    @classmethod
    def of(cls, member: Member, now: datetime) -> Caller:
        """The caller a stored member acts as."""
        return cls(
            tenant_id=member.tenant_id, member_id=member.id, role=member.role, team_id=member.team_id, now=now
        )

    @classmethod
    def system(cls, tenant_id: str, now: datetime) -> Caller:
        """Nurture itself, acting in one tenant: every check that guards a person passes."""
        return cls(tenant_id=tenant_id, member_id=None, role=None, team_id=None, now=now)

    @property
    def is_system(self) -> bool:
        """True when no person is behind the call."""
        return self.member_id is None

    def at(self, now: datetime) -> Caller:
        """The same caller at another moment (a step that runs later in the same request)."""
        return replace(self, now=now)


# Built once: every card action reads its sender first (`conversations.member_by_object_id`, bound).
_ACTING_MEMBER = select(Member).where(
    col(Member.tenant_id) == bindparam("tenant_id"),
    col(Member.aad_object_id) == bindparam("object_id"),
    col(Member.active).is_(True),
)


async def acting_member(*, session: AsyncSession, tenant_id: str, object_id: str) -> Member | None:
    """The active member a Teams user acts as, by their Entra ID object id."""
    params = {"tenant_id": tenant_id, "object_id": object_id}
    return (await session.exec(_ACTING_MEMBER, params=params)).first()


def _leads_team(caller: Caller, lead: Lead) -> bool:
    return caller.role is Role.LEAD and caller.team_id is not None and lead.team_id == caller.team_id


def ensure_same_tenant(caller: Caller, tenant_id: str) -> None:
    """A token from one tenant never reaches another tenant's rows."""
    if caller.tenant_id != tenant_id:
        raise NotAllowed("caller belongs to another tenant")


def ensure_role(caller: Caller, *roles: Role) -> None:
    """Only these roles (or the system) may take this step at all."""
    if not caller.is_system and caller.role not in roles:
        raise NotAllowed(f"{caller.role} may not do this")


def ensure_can_work(caller: Caller, lead: Lead) -> None:
    """Reps work their own leads; team leads their team's; admins any; the system any."""
    ensure_same_tenant(caller, lead.tenant_id)
    if caller.is_system or caller.role is Role.ADMIN:
        return
    if lead.owner_id == caller.member_id or _leads_team(caller, lead):
        return
    raise NotAllowed("only the owner, the team lead or an admin can work this lead")


def ensure_can_assign(caller: Caller, lead: Lead, target: Member | None) -> None:
    """Team leads assign within their team; admins anywhere."""
    ensure_same_tenant(caller, lead.tenant_id)
    if caller.is_system or caller.role is Role.ADMIN:
        return
    if caller.role is Role.LEAD and caller.team_id is not None:
        lead_in_team = lead.team_id in (None, caller.team_id)
        target_in_team = target is None or target.team_id == caller.team_id
        if lead_in_team and target_in_team:
            return
    raise NotAllowed("only a team lead (within the team) or an admin can assign owners")


def ensure_can_decide_hand_off(caller: Caller, lead: Lead) -> None:
    """Sales accepts or rejects: the lead's team lead, or an admin."""
    ensure_same_tenant(caller, lead.tenant_id)
    if caller.is_system or caller.role is Role.ADMIN or _leads_team(caller, lead):
        return
    raise NotAllowed("only the team lead or an admin can accept or reject a hand-off")
