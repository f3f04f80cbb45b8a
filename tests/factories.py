"""Builders for a small tenant with real rows; tests pass ``now`` explicitly, nothing reads the clock."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, time

from sqlmodel import select

from app.db import SessionMaker, transaction
from app.models import Company, Lead, LeadCreate, Member, RoutingRuleRow, Team
from app.nurturing.enums import Role
from app.services.access import Caller
from app.services.leads import create_lead
from app.services.tenants import ensure_tenant

# A Tuesday morning in Berlin: working time for the DACH team.
T0 = datetime(2026, 3, 10, 8, 30, tzinfo=UTC)


@dataclass
class Org:
    tenant_id: str
    dach: Team
    uk: Team
    lead_dach: Member
    lead_uk: Member
    reps: list[Member]
    uk_rep: Member
    admin: Member
    manager: Member

    def caller(self, member: Member | None, now: datetime) -> Caller:
        """The caller a member of this tenant acts as at ``now``; ``None`` is Nurture itself."""
        return Caller.of(member, now) if member is not None else Caller.system(self.tenant_id, now)


def _member(tenant_id: str, name: str, role: Role, team: Team | None, capacity: int | None = None) -> Member:
    member = Member(
        tenant_id=tenant_id,
        display_name=name,
        email=f"{name.lower().replace(' ', '.')}@vendor.example",
        role=role,
        team_id=team.id if team else None,
        time_zone=team.time_zone if team else "UTC",
        work_start=time(9, 0),
        work_end=time(17, 0),
        aad_object_id=str(uuid.uuid4()),
    )
    if capacity is not None:
        member.capacity = capacity
    return member


async def make_org(sessions: SessionMaker, tenant_id: str | None = None, now: datetime = T0) -> Org:
    """Two teams (DACH in Berlin, UK in London), a team lead each, three DACH reps, one UK rep."""
    tenant_id = tenant_id or f"tenant-{uuid.uuid4().hex[:8]}"
    async with transaction(sessions) as session:
        await ensure_tenant(session=session, tenant_id=tenant_id, name="Vendor GmbH", now=now)
        dach = Team(tenant_id=tenant_id, name="DACH", time_zone="Europe/Berlin")
        uk = Team(tenant_id=tenant_id, name="UK", time_zone="Europe/London")
        session.add_all([dach, uk])
        await session.flush()
        org = Org(
            tenant_id=tenant_id,
            dach=dach,
            uk=uk,
            lead_dach=_member(tenant_id, "Lena Lead", Role.LEAD, dach),
            lead_uk=_member(tenant_id, "Liam Lead", Role.LEAD, uk),
            reps=[
                _member(tenant_id, "Anna Rep", Role.REP, dach, capacity=100),
                _member(tenant_id, "Jürgen Rep", Role.REP, dach, capacity=100),
                _member(tenant_id, "Zoe Rep", Role.REP, dach, capacity=100),
            ],
            uk_rep=_member(tenant_id, "Olivia Rep", Role.REP, uk),
            admin=_member(tenant_id, "Ada Admin", Role.ADMIN, None),
            manager=_member(tenant_id, "Max Manager", Role.MANAGER, None),
        )
        session.add_all([org.lead_dach, org.lead_uk, *org.reps, org.uk_rep, org.admin, org.manager])
        session.add_all(
            [
                RoutingRuleRow(
                    tenant_id=tenant_id,
                    priority=10,
                    field="country",
                    values=["DE", "AT", "CH"],
                    team_id=dach.id,
                ),
                RoutingRuleRow(
                    tenant_id=tenant_id, priority=10, field="country", values=["GB", "IE"], team_id=uk.id
                ),
            ]
        )
    return org


async def make_lead(
    sessions: SessionMaker,
    org: Org,
    *,
    email: str | None = None,
    owner: Member | None = None,
    now: datetime = T0,
    **fields: object,
) -> uuid.UUID:
    """A lead created through the real service (scored, routed, with its first follow-up)."""
    # The extra fields are checked by LeadCreate's own validation, as a request body would be.
    data = LeadCreate.model_validate(
        {
            "email": email or f"lead-{uuid.uuid4().hex[:8]}@customer.example",
            "first_name": str(fields.pop("first_name", "Paula")),
            "last_name": str(fields.pop("last_name", "Prospect")),
            "owner_email": owner.email if owner else None,
            "company_name": str(fields.pop("company_name", "Kunde AG")),
            "company_domain": fields.pop("company_domain", None),
            **fields,
        }
    )
    async with transaction(sessions) as session:
        lead = await create_lead(
            session=session,
            data=data,
            caller=Caller.system(org.tenant_id, now),
        )
        return lead.id


async def set_company(sessions: SessionMaker, org: Org, lead_id: uuid.UUID, **fields: object) -> None:
    """Firmographics for the lead's company (country, industry, employees)."""
    async with transaction(sessions) as session:
        lead = (await session.exec(select(Lead).where(Lead.id == lead_id))).one()
        company = await session.get(Company, lead.company_id)
        assert company is not None
        for name, value in fields.items():
            setattr(company, name, value)
        session.add(company)
