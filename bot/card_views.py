"""Read what a card shows from the database and hand it to `cards/` as plain views."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.models import FollowUp, HandOff, Lead, Member, OwnershipChange, Team
from app.nurturing.enums import FollowUpStatus, HandOffStatus, Lifecycle
from app.nurturing.reasons import Reason
from app.services import card_reads
from app.services.access import Caller
from app.services.follow_ups import Completion, follow_ups_for_member
from app.services.pipeline import pipeline_metrics
from app.services.tenant_config import TenantConfig
from cards.contract import LIST_PAGE_SIZE
from cards.views import (
    ContentView,
    DigestView,
    ExchangeView,
    FollowUpListView,
    FollowUpRowView,
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
OVERDUE_AFTER = timedelta(hours=1)  # a follow-up due in the last hour is due, not yet overdue


def end_of_day(member: Member, now: datetime) -> datetime:
    """Midnight after ``now`` in the member's zone: "due" means due by the end of their working day."""
    zone = ZoneInfo(member.time_zone)
    return datetime.combine(now.astimezone(zone).date() + timedelta(days=1), datetime.min.time(), zone)


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
            self._members[member_id] = await card_reads.member(self.session, self.tenant_id, member_id)
        return self._members[member_id]

    async def _name(self, member_id: uuid.UUID | None) -> str | None:
        member = await self.member(member_id)
        return member.display_name if member else None

    async def lead(self, lead: Lead) -> LeadView:
        """The lead as every card shows it."""
        return self._lead_view(
            lead, await card_reads.company_name(self.session, lead), await self._name(lead.owner_id)
        )

    def _lead_view(self, lead: Lead, company: str | None, owner_name: str | None) -> LeadView:
        name = f"{lead.first_name} {lead.last_name}".strip() or lead.email
        return LeadView(
            id=str(lead.id),
            version=lead.version,
            name=name,
            email=lead.email,
            title=lead.title,
            company=company,
            stage=str(lead.stage),
            lifecycle=str(lead.lifecycle),
            score=_score(lead),
            owner_name=owner_name,
            tab_url=self.links.lead(lead.id),
            tenant_id=self.tenant_id,
        )

    async def last_exchange(self, lead_id: uuid.UUID) -> ExchangeView | None:
        """The newest mail, chat or logged touch with this lead."""
        message = await card_reads.last_message(self.session, self.tenant_id, lead_id)
        touch = await card_reads.last_touch(self.session, self.tenant_id, lead_id)
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
        return self._follow_up_view(
            follow_up, await self.lead(lead), owner, config, await self.last_exchange(lead.id)
        )

    async def completed(self, done: Completion, config: TenantConfig) -> FollowUpView:
        """The card of a follow-up just completed, from what the service handed back: the lead, its
        company and owner as they are now, and the touch just logged, which is the newest exchange."""
        context = done.context
        if context.owner is not None:
            self._members[context.owner.id] = context.owner
        lead = context.lead
        owner = await self.member(done.follow_up.owner_id or lead.owner_id)
        view = self._lead_view(
            lead, context.company.name if context.company else None, await self._name(lead.owner_id)
        )
        touch = done.touch
        exchange = (
            ExchangeView(
                direction=str(touch.direction),
                channel=str(touch.kind),
                at=touch.occurred_at,
                summary=touch.summary or "",
            )
            if touch is not None
            else await self.last_exchange(lead.id)
        )
        return self._follow_up_view(done.follow_up, view, owner, config, exchange)

    def _follow_up_view(
        self,
        follow_up: FollowUp,
        lead: LeadView,
        owner: Member | None,
        config: TenantConfig,
        exchange: ExchangeView | None,
    ) -> FollowUpView:
        content = next((item for item in config.library if item.id == follow_up.suggested_content_key), None)
        active = FollowUpStatus(follow_up.status).is_active
        return FollowUpView(
            id=str(follow_up.id),
            lead=lead,
            due_at=follow_up.due_at,
            time_zone=owner.time_zone if owner else "UTC",
            overdue=active and follow_up.due_at < self.now - OVERDUE_AFTER,
            kind=str(follow_up.kind),
            why_now=tuple(_reason(item) for item in follow_up.reasons),
            suggested_channel=str(follow_up.suggested_channel) if follow_up.suggested_channel else None,
            content=ContentView(title=content.title, url=content.url, kind=str(content.kind))
            if content
            else None,
            last_exchange=exchange,
            status=str(follow_up.status),
            outcome=str(follow_up.outcome) if follow_up.outcome else None,
        )

    async def follow_up_by_id(self, follow_up_id: uuid.UUID, config: TenantConfig) -> FollowUpView | None:
        """A follow-up of this tenant, or None."""
        row = await card_reads.follow_up(self.session, self.tenant_id, follow_up_id)
        if row is None:
            return None
        lead = await card_reads.lead(self.session, self.tenant_id, row.lead_id)
        if lead is None:
            return None
        return await self.follow_up(row, lead, config)

    async def active_follow_up(self, lead_id: uuid.UUID) -> FollowUp | None:
        """The lead's one active follow-up, if any."""
        return await card_reads.active_follow_up(self.session, self.tenant_id, lead_id)

    async def due_for(self, member: Member, *, until: datetime) -> Sequence[FollowUp]:
        """A member's active follow-ups due by ``until``, oldest first."""
        return await follow_ups_for_member(
            session=self.session, tenant_id=self.tenant_id, member_id=member.id, until=until
        )

    async def follow_up_list(self, member: Member, offset: int = 0) -> FollowUpListView:
        """A page of a rep's due and overdue follow-ups, with the totals, from one query."""
        due = await card_reads.due_rows(self.session, self.tenant_id, member.id, end_of_day(member, self.now))
        if offset >= len(due):
            # The rows of that page were worked off meanwhile: show the last page there is.
            offset = max(0, (len(due) - 1) // LIST_PAGE_SIZE * LIST_PAGE_SIZE)
        late = self.now - OVERDUE_AFTER
        rows = tuple(
            FollowUpRowView(
                id=str(row.follow_up_id),
                lead_id=str(row.lead_id),
                lead_version=row.lead_version,
                lead_name=f"{row.first_name} {row.last_name}".strip() or row.email,
                company=row.company,
                lifecycle=row.lifecycle,
                kind=row.kind,
                due_at=row.due_at,
                overdue=row.due_at < late,
                status=row.status,
                suggested_channel=row.suggested_channel,
                tab_url=self.links.lead(row.lead_id),
            )
            for row in due[offset : offset + LIST_PAGE_SIZE]
        )
        return FollowUpListView(
            tenant_id=self.tenant_id,
            time_zone=member.time_zone,
            rows=rows,
            total=len(due),
            overdue=sum(1 for row in due if row.due_at < late),
            offset=offset,
        )

    async def hand_off(self, hand_off: HandOff) -> HandOffView | None:
        """A hand-off with its evidence."""
        lead = await card_reads.lead(self.session, self.tenant_id, hand_off.lead_id)
        if lead is None:
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
        lead = await card_reads.lead(self.session, self.tenant_id, change.lead_id)
        if lead is None:
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
        leads = await card_reads.leads_by_id(self.session, self.tenant_id, [f.lead_id for f in due])
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
        self, *, caller: Caller, team: Team | None, viewer_ids: Sequence[str] = ()
    ) -> PipelineView:
        """The last seven days' pipeline for a team (or the whole tenant), as current numbers."""
        zone = ZoneInfo(team.time_zone if team else "UTC")
        local = self.now.astimezone(zone)
        # A rolling week, not the calendar week: on a Monday morning "this week" would be nearly empty.
        week_start = datetime.combine(local.date() - timedelta(days=7), datetime.min.time(), zone)
        metrics = await pipeline_metrics(
            session=self.session,
            caller=caller,
            since=week_start,
            until=self.now,
            team_id=team.id if team else None,
        )
        hot = await card_reads.hot_leads(self.session, self.tenant_id, team.id if team else None, HOT_LEADS)
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
        return await card_reads.channel_viewers(self.session, self.tenant_id, team.id if team else None)

    async def team_for_channel(self, conversation_id: str) -> Team | None:
        """The team whose pipeline a channel carries."""
        return await card_reads.team_for_channel(self.session, self.tenant_id, conversation_id)

    async def count_due(self, member: Member) -> int:
        """How many active follow-ups a member has due now."""
        return await card_reads.count_due(self.session, self.tenant_id, member.id, self.now)
