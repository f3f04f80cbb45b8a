"""Who may do what. Identity always comes from a validated token or the CLI, never from a payload."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from app.models import Lead, Member
from app.nurturing.enums import Role
from app.services.errors import NotAllowed


@dataclass(frozen=True, slots=True)
class Actor:
    tenant_id: str
    member_id: uuid.UUID
    role: Role
    team_id: uuid.UUID | None

    @classmethod
    def of(cls, member: Member) -> Actor:
        """The actor a stored member acts as."""
        return cls(tenant_id=member.tenant_id, member_id=member.id, role=member.role, team_id=member.team_id)


def _leads_team(actor: Actor, lead: Lead) -> bool:
    return actor.role is Role.LEAD and actor.team_id is not None and lead.team_id == actor.team_id


def ensure_same_tenant(actor: Actor | None, tenant_id: str) -> None:
    """A token from one tenant never reaches another tenant's rows."""
    if actor is not None and actor.tenant_id != tenant_id:
        raise NotAllowed("actor belongs to another tenant")


def ensure_can_work(actor: Actor | None, lead: Lead) -> None:
    """Reps work their own leads; team leads their team's; admins any. ``None`` is the system itself."""
    if actor is None:
        return
    ensure_same_tenant(actor, lead.tenant_id)
    if actor.role is Role.ADMIN or lead.owner_id == actor.member_id or _leads_team(actor, lead):
        return
    raise NotAllowed("only the owner, the team lead or an admin can work this lead")


def ensure_can_assign(actor: Actor | None, lead: Lead, target: Member | None) -> None:
    """Team leads assign within their team; admins anywhere."""
    if actor is None:
        return
    ensure_same_tenant(actor, lead.tenant_id)
    if actor.role is Role.ADMIN:
        return
    if actor.role is Role.LEAD and actor.team_id is not None:
        lead_in_team = lead.team_id in (None, actor.team_id)
        target_in_team = target is None or target.team_id == actor.team_id
        if lead_in_team and target_in_team:
            return
    raise NotAllowed("only a team lead (within the team) or an admin can assign owners")


def ensure_can_decide_hand_off(actor: Actor | None, lead: Lead) -> None:
    """Sales accepts or rejects: the lead's team lead, or an admin."""
    if actor is None:
        return
    ensure_same_tenant(actor, lead.tenant_id)
    if actor.role is Role.ADMIN or _leads_team(actor, lead):
        return
    raise NotAllowed("only the team lead or an admin can accept or reject a hand-off")
