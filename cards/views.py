"""Plain data the cards are built from; the bot fills these from the database, tests build them by hand."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

ParamValue = str | int | float


@dataclass(frozen=True, slots=True)
class ReasonView:
    code: str  # the codes of app/nurturing/reasons.py
    params: Mapping[str, ParamValue]


@dataclass(frozen=True, slots=True)
class ScoreView:
    total: int
    fit: int
    engagement: int
    top_reasons: tuple[ReasonView, ...]


@dataclass(frozen=True, slots=True)
class LeadView:
    id: str
    version: int
    name: str
    email: str
    title: str | None
    company: str | None
    stage: str  # awareness | evaluation | decision
    lifecycle: str  # new | mql | sal | sql | opportunity | won | lost | recycled | disqualified
    score: ScoreView
    owner_name: str | None
    tab_url: str
    # Every card action echoes the tenant so the bot can refuse a payload from another tenant.
    tenant_id: str


@dataclass(frozen=True, slots=True)
class ContentView:
    title: str
    url: str
    kind: str


@dataclass(frozen=True, slots=True)
class ExchangeView:
    direction: str  # inbound | outbound
    channel: str  # mail | chat | call | meeting | event
    at: datetime
    summary: str


@dataclass(frozen=True, slots=True)
class FollowUpView:
    id: str
    lead: LeadView
    due_at: datetime
    time_zone: str  # IANA name of the rep's zone; times on the card are shown in it
    overdue: bool
    kind: str
    why_now: tuple[ReasonView, ...]
    suggested_channel: str | None
    content: ContentView | None
    last_exchange: ExchangeView | None
    status: str  # open | snoozed | done | skipped | cancelled
    outcome: str | None  # replied | no_answer | meeting_booked | not_interested


@dataclass(frozen=True, slots=True)
class Banner:
    kind: str  # success | warning | error
    code: str
    params: Mapping[str, ParamValue] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class HandOffView:
    id: str
    lead: LeadView
    proposed_by: str
    note: str | None
    evidence: tuple[ReasonView, ...]
    status: str  # proposed | accepted | rejected | withdrawn
    decided_by: str | None
    reject_reason: str | None  # the note beside the coded reason
    reject_code: str | None = None
    nurture_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class OwnershipView:
    lead: LeadView
    new_owner: str
    previous_owner: str | None
    changed_by: str | None
    reason: str | None
    first_step: FollowUpView | None


@dataclass(frozen=True, slots=True)
class SlaView:
    kind: str  # nudge | escalate
    lead: LeadView
    owner_name: str | None
    hours_untouched: float


@dataclass(frozen=True, slots=True)
class DigestView:
    member_name: str
    day: date
    due_today: int
    overdue: int
    top: tuple[FollowUpView, ...]  # at most 3 are shown


@dataclass(frozen=True, slots=True)
class PipelineView:
    team_id: str
    team_name: str
    since: datetime
    until: datetime
    by_lifecycle: Mapping[str, int]
    by_stage: Mapping[str, int]
    new_mqls: int
    hand_offs_accepted: int
    hand_offs_rejected: int
    conversion: Mapping[str, float | None]  # "new->mql", "mql->sal", ...: a share between 0 and 1
    median_hours_to_first_touch: float | None
    overdue_by_rep: tuple[tuple[str, int], ...]
    hot_leads: tuple[LeadView, ...]
    refresh_user_ids: tuple[str, ...]  # only the first 60 go into refresh.userIds
    tenant_id: str


@dataclass(frozen=True, slots=True)
class UnroutedView:
    cause: str  # fallback: the tenant's routing fallback took them | unowned: nobody had room or no rule
    count: int  # all the leads the notice is about; ``leads`` holds the first few that still exist
    leads: tuple[LeadView, ...]
    team_name: str | None


@dataclass(frozen=True, slots=True)
class FollowUpRowView:
    """One row of the list card: enough to act on a follow-up without opening it."""

    id: str
    lead_id: str
    lead_version: int
    lead_name: str
    company: str | None
    lifecycle: str  # a sales-owned lead (sal, sql, opportunity) needs a coded reason for "not interested"
    kind: str  # nurture | reminder | answer | signal | ... (app.nurturing.enums.FollowUpKind)
    due_at: datetime
    overdue: bool
    status: str  # open | snoozed
    suggested_channel: str | None
    tab_url: str


@dataclass(frozen=True, slots=True)
class FollowUpListView:
    """One page of a rep's due and overdue follow-ups."""

    tenant_id: str
    time_zone: str  # the rep's IANA zone; due times are shown in it
    rows: tuple[FollowUpRowView, ...]
    total: int  # all due follow-ups, on every page
    overdue: int  # of ``total``
    offset: int  # index of the first row in ``rows`` among all ``total``
