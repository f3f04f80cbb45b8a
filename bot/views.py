"""Read what a card shows from the database and hand it to `cards/` as plain views."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.models import (
    Company,
    ConversationMessage,
    ConversationReference,
    FollowUp,
    HandOff,
    Lead,
    Member,
    OwnershipChange,
    Team,
    Touchpoint,
)
from app.nurturing.enums import FollowUpStatus, HandOffStatus, Lifecycle
from app.nurturing.reasons import Reason
from app.services.access import Actor
from app.services.follow_ups import follow_ups_for_member
from app.services.pipeline import pipeline_metrics
from app.services.tenant_config import TenantConfig
from cards.views import (
    ContentView,
    DigestView,
    ExchangeView,
    FollowUpView,
    HandOffView,
    LeadView,
    OwnershipView,
    PipelineView,
    ReasonView,
    ScoreView,
    SlaView,
)

HOT_LEADS = 5
TOP_REASONS = 3


@dataclass(frozen=True, slots=True)
class Links:
    """Where "Open in tab" goes: a Teams deep link when the app id is known, else the tab's own URL."""

    public_url: str
    teams_app_id: str | None

    @classmethod
    def of(cls, settings: Settings) -> Links:
        """From settings."""
        return cls(public_url=settings.public_url.rstrip("/"), teams_app_id=settings.teams_app_id)

    def lead(self, lead_id: uuid.UUID) -> str:
        """A link that opens this lead in the tab."""
        if self.teams_app_id:
            context = quote(json.dumps({"subEntityId": str(lead_id)}, separators=(",", ":")))
            return f"https://teams.microsoft.com/l/entity/{self.teams_app_id}/nurture-home?context={context}"
        return f"{self.public_url}/tab/?lead={lead_id}"


def _reason(document: dict[str, object]) -> ReasonView:
    reason = Reason.from_dict(document)
    return ReasonView(code=reason.code, params=dict(reason.params))


def _score(lead: Lead) -> ScoreView:
    ranked = sorted(lead.score_explanation, key=lambda item: -abs(int(item.get("points", 0))))
    top = tuple(
        ReasonView(
            code="score_rule", params={"label": str(item.get("label", "")), "points": int(item["points"])}
        )
        for item in ranked[:TOP_REASONS]
    )
    return ScoreView(
        total=lead.total_score, fit=lead.fit_score, engagement=lead.engagement_score, top_reasons=top
    )


class ViewReader:
    """Builds card views for one tenant inside one session."""

    def __init__(self, *, session: AsyncSession, tenant_id: str, links: Links, now: datetime) -> None:
        self.session = session
        self.tenant_id = tenant_id
        self.links = links
        self.now = now
        self._members: dict[uuid.UUID, Member | None] = {}

    async def member(self, member_id: uuid.UUID | None) -> Member | None:
        """A member of this tenant, cached for the turn."""
        if member_id is None:
            return None
        if member_id not in self._members:
            member = await self.session.get(Member, member_id)
            self._members[member_id] = member if member and member.tenant_id == self.tenant_id else None
        return self._members[member_id]

    async def _name(self, member_id: uuid.UUID | None) -> str | None:
        member = await self.member(member_id)
        return member.display_name if member else None

    async def lead(self, lead: Lead) -> LeadView:
        """The lead as every card shows it."""
        company = await self.session.get(Company, lead.company_id) if lead.company_id else None
        name = f"{lead.first_name} {lead.last_name}".strip() or lead.email
        return LeadView(
            id=str(lead.id),
            version=lead.version,
            name=name,
            email=lead.email,
            title=lead.title,
            company=company.name if company else None,
            stage=str(lead.stage),
            lifecycle=str(lead.lifecycle),
            score=_score(lead),
            owner_name=await self._name(lead.owner_id),
            tab_url=self.links.lead(lead.id),
            tenant_id=self.tenant_id,
        )

    async def last_exchange(self, lead_id: uuid.UUID) -> ExchangeView | None:
        """The newest mail, chat or logged touch with this lead."""
        message = (
            await self.session.exec(
                select(ConversationMessage)
                .where(
                    ConversationMessage.tenant_id == self.tenant_id, ConversationMessage.lead_id == lead_id
                )
                .order_by(col(ConversationMessage.sent_at).desc())
                .limit(1)
            )
        ).first()
        touch = (
            await self.session.exec(
                select(Touchpoint)
                .where(Touchpoint.tenant_id == self.tenant_id, Touchpoint.lead_id == lead_id)
                .order_by(col(Touchpoint.occurred_at).desc())
                .limit(1)
            )
        ).first()
        if message is not None and (touch is None or message.sent_at >= touch.occurred_at):
            summary = " · ".join(part for part in (message.subject, message.preview) if part)
            return ExchangeView(
                direction=str(message.direction), channel=message.source, at=message.sent_at, summary=summary
            )
        if touch is not None:
            return ExchangeView(
                direction=str(touch.direction),
                channel=str(touch.kind),
                at=touch.occurred_at,
                summary=touch.summary or "",
            )
        return None

    async def follow_up(self, follow_up: FollowUp, lead: Lead, config: TenantConfig) -> FollowUpView:
        """A follow-up card's content: why now, what to send, what was said last."""
        owner = await self.member(follow_up.owner_id or lead.owner_id)
        content = next((item for item in config.library if item.id == follow_up.suggested_content_key), None)
        active = FollowUpStatus(follow_up.status).is_active
        return FollowUpView(
            id=str(follow_up.id),
            lead=await self.lead(lead),
            due_at=follow_up.due_at,
            time_zone=owner.time_zone if owner else "UTC",
            overdue=active and follow_up.due_at < self.now - timedelta(hours=1),
            kind=str(follow_up.kind),
            why_now=tuple(_reason(item) for item in follow_up.reasons),
            suggested_channel=str(follow_up.suggested_channel) if follow_up.suggested_channel else None,
            content=ContentView(title=content.title, url=content.url, kind=str(content.kind))
            if content
            else None,
            last_exchange=await self.last_exchange(lead.id),
            status=str(follow_up.status),
            outcome=str(follow_up.outcome) if follow_up.outcome else None,
        )

    async def follow_up_by_id(self, follow_up_id: uuid.UUID, config: TenantConfig) -> FollowUpView | None:
        """A follow-up of this tenant, or None."""
        row = await self.session.get(FollowUp, follow_up_id)
        if row is None or row.tenant_id != self.tenant_id:
            return None
        lead = await self.session.get(Lead, row.lead_id)
        if lead is None:
            return None
        return await self.follow_up(row, lead, config)

    async def active_follow_up(self, lead_id: uuid.UUID) -> FollowUp | None:
        """The lead's one active follow-up, if any."""
        statement = select(FollowUp).where(
            FollowUp.tenant_id == self.tenant_id,
            FollowUp.lead_id == lead_id,
            col(FollowUp.status).in_([FollowUpStatus.OPEN.value, FollowUpStatus.SNOOZED.value]),
        )
        return (await self.session.exec(statement)).first()

    async def due_for(self, member: Member, *, until: datetime) -> Sequence[FollowUp]:
        """A member's active follow-ups due by ``until``, oldest first."""
        return await follow_ups_for_member(
            session=self.session, tenant_id=self.tenant_id, member_id=member.id, until=until
        )

    async def hand_off(self, hand_off: HandOff) -> HandOffView | None:
        """A hand-off with its evidence."""
        lead = await self.session.get(Lead, hand_off.lead_id)
        if lead is None or lead.tenant_id != self.tenant_id:
            return None
        evidence = tuple(_reason(item) for item in hand_off.evidence)
        note = next((str(r.params.get("note")) for r in evidence if r.code == "rep_proposed"), None)
        return HandOffView(
            id=str(hand_off.id),
            lead=await self.lead(lead),
            proposed_by=await self._name(hand_off.proposed_by) or "Nurture",
            note=note or None,
            evidence=tuple(r for r in evidence if r.code != "rep_proposed"),
            status=HandOffStatus(hand_off.status).value,
            decided_by=await self._name(hand_off.decided_by),
            reject_reason=hand_off.reason,
            reject_code=hand_off.reason_code.value if hand_off.reason_code else None,
            nurture_until=hand_off.nurture_until,
        )

    async def ownership(self, change: OwnershipChange, config: TenantConfig) -> OwnershipView | None:
        """An ownership change, with the new owner's first suggested step."""
        lead = await self.session.get(Lead, change.lead_id)
        if lead is None or lead.tenant_id != self.tenant_id:
            return None
        active = await self.active_follow_up(lead.id)
        return OwnershipView(
            lead=await self.lead(lead),
            new_owner=await self._name(change.to_member_id) or "",
            previous_owner=await self._name(change.from_member_id),
            changed_by=await self._name(change.changed_by),
            reason=change.reason,
            first_step=await self.follow_up(active, lead, config) if active else None,
        )

    async def sla(self, lead: Lead, kind: str) -> SlaView:
        """A speed-to-lead nudge or escalation."""
        since = lead.mql_at or lead.created_at
        return SlaView(
            kind=kind,
            lead=await self.lead(lead),
            owner_name=await self._name(lead.owner_id),
            hours_untouched=round((self.now - since).total_seconds() / 3600, 1),
        )

    async def digest(self, member: Member, config: TenantConfig) -> DigestView:
        """A rep's morning: what is due today, what is overdue, and the three that matter most."""
        zone = ZoneInfo(member.time_zone)
        local_day: date = self.now.astimezone(zone).date()
        end_of_day = datetime.combine(local_day + timedelta(days=1), datetime.min.time(), zone)
        due = list(await self.due_for(member, until=end_of_day))
        overdue = [f for f in due if f.due_at < self.now]
        leads = {
            lead.id: lead
            for lead in (
                await self.session.exec(
                    select(Lead).where(
                        Lead.tenant_id == self.tenant_id, col(Lead.id).in_([f.lead_id for f in due])
                    )
                )
            ).all()
        }
        ranked = sorted(due, key=lambda f: (-leads[f.lead_id].total_score, f.due_at))
        top = tuple([await self.follow_up(f, leads[f.lead_id], config) for f in ranked[:3]])
        return DigestView(
            member_name=member.display_name,
            day=local_day,
            due_today=len(due) - len(overdue),
            overdue=len(overdue),
            top=top,
        )

    async def pipeline(
        self, *, actor: Actor, team: Team | None, viewer_ids: Sequence[str] = ()
    ) -> PipelineView:
        """The last seven days' pipeline for a team (or the whole tenant), as current numbers."""
        zone = ZoneInfo(team.time_zone if team else "UTC")
        local = self.now.astimezone(zone)
        # A rolling week, not the calendar week: on a Monday morning "this week" would be nearly empty.
        week_start = datetime.combine(local.date() - timedelta(days=7), datetime.min.time(), zone)
        metrics = await pipeline_metrics(
            session=self.session,
            actor=actor,
            since=week_start,
            until=self.now,
            now=self.now,
            team_id=team.id if team else None,
        )
        hot = (
            await self.session.exec(
                select(Lead)
                .where(
                    Lead.tenant_id == self.tenant_id,
                    col(Lead.lifecycle).in_([Lifecycle.MQL.value, Lifecycle.SAL.value, Lifecycle.SQL.value]),
                    *([Lead.team_id == team.id] if team else []),
                )
                .order_by(col(Lead.total_score).desc(), col(Lead.id))
                .limit(HOT_LEADS)
            )
        ).all()
        # The metrics count overdue work by the owner's display name already.
        overdue = sorted(
            ((name, n) for name, n in metrics.overdue_by_owner.items() if n), key=lambda row: -row[1]
        )
        return PipelineView(
            team_id=str(team.id) if team else "",
            team_name=team.name if team else "",
            since=week_start,
            until=self.now,
            by_lifecycle=dict(metrics.by_lifecycle),
            by_stage=dict(metrics.by_stage),
            new_mqls=metrics.entered.get(Lifecycle.MQL.value, 0),
            hand_offs_accepted=metrics.hand_offs.get("accepted", 0),
            hand_offs_rejected=metrics.hand_offs.get("rejected", 0),
            conversion=dict(metrics.conversion),
            median_hours_to_first_touch=metrics.median_hours_to_first_touch,
            overdue_by_rep=tuple(overdue),
            hot_leads=tuple([await self.lead(lead) for lead in hot]),
            refresh_user_ids=tuple(viewer_ids[:60]),
            tenant_id=self.tenant_id,
        )

    async def channel_viewers(self, team: Team | None) -> list[str]:
        """Object ids of the people whose open card refreshes itself: the team, its lead and managers."""
        statement = select(Member.aad_object_id).where(
            Member.tenant_id == self.tenant_id,
            col(Member.active).is_(True),
            col(Member.aad_object_id).is_not(None),
        )
        if team is not None:
            statement = statement.where(
                or_(col(Member.team_id) == team.id, col(Member.role).in_(["manager", "admin"]))
            )
        statement = statement.order_by(col(Member.role), col(Member.display_name)).limit(60)
        return [value for value in (await self.session.exec(statement)).all() if value]

    async def team_for_channel(self, conversation_id: str) -> Team | None:
        """The team whose pipeline a channel carries."""
        reference = (
            await self.session.exec(
                select(ConversationReference).where(
                    ConversationReference.tenant_id == self.tenant_id,
                    ConversationReference.conversation_id == conversation_id,
                )
            )
        ).first()
        if reference is not None and reference.team_id is not None:
            return await self.session.get(Team, reference.team_id)
        return (
            await self.session.exec(
                select(Team).where(
                    Team.tenant_id == self.tenant_id, Team.pipeline_channel_id == conversation_id
                )
            )
        ).first()

    async def count_due(self, member: Member) -> int:
        """How many active follow-ups a member has due now."""
        statement = select(func.count()).where(
            FollowUp.tenant_id == self.tenant_id,
            FollowUp.owner_id == member.id,
            col(FollowUp.status).in_([FollowUpStatus.OPEN.value, FollowUpStatus.SNOOZED.value]),
            FollowUp.due_at <= self.now,
        )
        return int((await self.session.exec(statement)).one())
