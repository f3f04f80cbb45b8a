"""Request and response bodies of the REST API (the Public model families live in app/models.py)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from app.input_limits import (
    FOLLOW_UP_AHEAD,
    LIST_ITEMS,
    RECYCLE_AHEAD,
    Topics,
    day_within,
    in_utc,
    now_of,
    within,
)
from app.models import ApiKeyPublic, LeadPublic, MemberPublic
from app.nurturing import reasons as reason_words
from app.nurturing.enums import (
    BuyerStage,
    FollowUpKind,
    FollowUpOutcome,
    FollowUpStatus,
    HandOffStatus,
    Lifecycle,
    RecycleReason,
    TouchpointKind,
)
from app.nurturing.playbook import ContentKind
from app.services.admin import RoutingRuleIn
from app.services.follow_ups import SnoozePreset
from app.services.practice_health import TITLES, Check, Light, PracticeHealth, describe
from app.services.timeline import HistoryStateOut, ThreadOut, TimelineEntry


class FieldProblemOut(BaseModel):
    field: str = Field(description="Dotted path of the field at fault, e.g. events.0.occurred_at")
    problem: str


class ErrorOut(BaseModel):
    error: str = Field(description="A stable code, e.g. not_found, not_allowed, stale_version")
    message: str | None = Field(None, description="For invalid_input: what was wrong, naming the parameter")
    details: list[FieldProblemOut] | None = Field(None, description="For invalid_input: one entry per field")


class StaleOut(BaseModel):
    error: str = "stale_version"
    current: LeadPublic = Field(description="The lead as it is now; retry against this version")


class MeOut(BaseModel):
    tenant_id: str
    member: MemberPublic


class LeadPageOut(BaseModel):
    items: list[LeadPublic]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page; null on the last page")


# A lead's version is a 32-bit counter in the database; anything outside is no version at all.
Version = Annotated[int, Field(ge=0, le=2**31 - 1, strict=True)]


class AssignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    member_id: uuid.UUID
    version: Version | None = Field(None, description="The lead version the caller saw")
    reason: str | None = Field(None, max_length=500)


class BulkAssignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lead_ids: list[uuid.UUID] = Field(min_length=1, max_length=1000)
    member_id: uuid.UUID
    reason: str | None = Field(None, max_length=500)


class RoundRobinIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lead_ids: list[uuid.UUID] = Field(min_length=1, max_length=1000)
    team_id: uuid.UUID


class OwnershipChangeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    lead_id: uuid.UUID
    from_member_id: uuid.UUID | None
    to_member_id: uuid.UUID | None
    method: str
    changed_at: datetime


class AssignmentsOut(BaseModel):
    changes: list[OwnershipChangeOut]


class ReasonOut(BaseModel):
    """Why the engine decided something: a stable code, its parameters, and the words for people."""

    code: str
    params: dict[str, str | int | float] = Field(default_factory=dict)
    text: dict[str, str] = Field(description="The reason in words, by language: en and de")

    @model_validator(mode="before")
    @classmethod
    def _in_words(cls, data: Any) -> Any:
        # The engine's own wording, so the tab shows the same sentence as the card, in either language.
        if isinstance(data, dict) and "text" not in data and "code" in data:
            reason = reason_words.Reason.from_dict(data)
            words = {language: reason_words.describe(reason, language) for language in ("en", "de")}
            return {**data, "text": words}
        return data


class FollowUpOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    lead_id: uuid.UUID
    owner_id: uuid.UUID | None
    due_at: datetime
    kind: FollowUpKind
    status: FollowUpStatus
    outcome: FollowUpOutcome | None
    reasons: list[ReasonOut]
    suggested_channel: TouchpointKind | None
    suggested_content_key: str | None


class FollowUpListOut(BaseModel):
    items: list[FollowUpOut]


class RecycleFields(BaseModel):
    """Why sales sends a lead back, and the date that reason names (a contract's end, say)."""

    reason_code: RecycleReason | None = Field(
        None, description="Why: sets how long the lead is nurtured before it may return to sales"
    )
    until: date | None = Field(
        None, description="Under contract: when it ends (required). Bad timing or no budget: when to return"
    )

    @field_validator("until")
    @classmethod
    def _within_five_years(cls, value: date | None, info: ValidationInfo) -> date | None:
        now = now_of(info)
        if value is None or now is None:
            return value
        return day_within(
            value,
            today=now.date(),
            ahead=RECYCLE_AHEAD,
            name="until",
            what="between today and five years ahead",
        )

    def until_at(self) -> datetime | None:
        """The date as the start of that day, UTC."""
        return datetime.combine(self.until, time(0, 0), tzinfo=UTC) if self.until is not None else None


class CompleteIn(RecycleFields):
    model_config = ConfigDict(extra="forbid")
    outcome: FollowUpOutcome
    note: str | None = Field(None, max_length=4000)
    version: Version | None = None


class SnoozeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    preset: SnoozePreset
    version: Version | None = None


class RescheduleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # A plain day comes first: pydantic would otherwise read "2026-04-01" as a naive datetime.
    when: date | datetime = Field(
        description="A day (start of the owner's working hours) or an exact time with an offset, "
        "from now to two years ahead"
    )
    version: Version | None = None

    @field_validator("when")
    @classmethod
    def _within_two_years(cls, value: date | datetime, info: ValidationInfo) -> date | datetime:
        now = now_of(info)
        if isinstance(value, datetime):
            moment = in_utc(value, "when")
            if now is None:
                return moment
            return within(
                moment,
                earliest=now - timedelta(minutes=1),
                latest=now + FOLLOW_UP_AHEAD,
                name="when",
                what="between now and two years ahead",
            )
        if now is None:
            return value
        return day_within(
            value,
            today=now.date(),
            ahead=FOLLOW_UP_AHEAD,
            name="when",
            what="between today and two years ahead",
        )


class RejectIn(RecycleFields):
    model_config = ConfigDict(extra="forbid")
    reason_code: RecycleReason = Field(description="Why sales rejects: sets the nurture-until date")
    note: str | None = Field(None, max_length=500, description="Anything the team should know")


class HandOffOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    lead_id: uuid.UUID
    status: HandOffStatus
    evidence: list[ReasonOut]
    proposed_at: datetime
    decided_at: datetime | None
    reason: str | None
    reason_code: RecycleReason | None
    nurture_until: datetime | None


class ApiKeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=120, description="Which integration uses it")


class ApiKeyCreatedOut(BaseModel):
    key: str = Field(description="Send as Authorization: Bearer <key>; shown only this once")
    details: ApiKeyPublic


class ApiKeyListOut(BaseModel):
    items: list[ApiKeyPublic]


class TimelineOut(BaseModel):
    """A page of the lead's history, newest first (?filter=all|mail|chat|activity, ?thread=<key>,
    ?cursor=, ?limit=1..100). Messages name their thread; ``GET .../threads`` lists the threads."""

    items: list[TimelineEntry]
    next_cursor: str | None
    history: HistoryStateOut


class ThreadsOut(BaseModel):
    """The lead's mail and chat threads, the most recently active first."""

    items: list[ThreadOut]


class WeekOut(BaseModel):
    week: date = Field(description="The Monday (UTC) the week starts on")
    mqls: int = Field(description="Leads that became MQL in the week")
    hand_offs: int = Field(description="Hand-offs proposed in the week")


class PipelineOut(BaseModel):
    since: datetime
    until: datetime
    by_lifecycle: dict[str, int]
    by_stage: dict[str, int]
    entered: dict[str, int] = Field(
        description="Distinct leads that entered each lifecycle stage in the range (a lead counts once)"
    )
    conversion: dict[str, float | None] = Field(
        description="By cohort, e.g. mql->sal: of the leads that became MQL in the range, the share that "
        "reached SAL or beyond by the end of the range; null when nobody entered the earlier step"
    )
    median_hours_in_stage: dict[str, float | None]
    median_hours_to_first_touch: float | None
    hand_offs: dict[str, int]
    sla_notices: dict[str, int]
    overdue_by_owner: dict[str, int]
    open_by_owner: dict[str, int] = Field(description="Each rep's load: active follow-ups")
    dormant: int = Field(0, description="Open leads resting after long-term silence, until they engage")
    board: dict[str, dict[str, int]] = Field(description="Leads by lifecycle, then buyer stage")
    weekly: list[WeekOut] = Field(description="The last 12 weeks up to now, oldest first, whatever the range")


class RowErrorOut(BaseModel):
    line: int = Field(description="Physical line in the file; the header is line 1")
    column: str | None
    message: str


class ImportColumnOut(BaseModel):
    column: str = Field(description="The header as written in the file")
    field: str = Field(description="The lead field it fills, custom.<name>, or ignore")


class ImportPresetOut(BaseModel):
    name: str
    label: str


class ImportOut(BaseModel):
    imported: int = Field(description="Leads written, created or updated; 0 in a dry run")
    skipped: int = Field(description="Lines not imported because they have problems")
    errors: list[RowErrorOut]
    created: int = Field(0, description="Leads this file creates (or would create, in a dry run)")
    updated: int = Field(0, description="Existing leads, matched by e-mail, this file updates")
    more_errors: int = Field(0, description="Problems past the first 1,000, counted only")
    dry_run: bool = False
    kind: str | None = Field(None, description="csv or xlsx")
    encoding: str | None = Field(None, description="The text encoding that was detected, for a CSV")
    separator: str | None = Field(None, description="comma, semicolon or tab, for a CSV")
    preset: str | None = Field(None, description="The export layout recognised or chosen")
    mapping: list[ImportColumnOut] = Field(default_factory=list)
    header: list[str] = Field(default_factory=list, description="The file's columns, to map them")
    presets: list[ImportPresetOut] = Field(default_factory=list, description="The layouts to choose from")
    fields: list[str] = Field(default_factory=list, description="The fields a column can be mapped to")


class SettingsOut(BaseModel):
    scoring: dict[str, Any]
    thresholds: dict[str, Any]
    cadence: dict[str, Any]
    sla: dict[str, Any]
    content: list[dict[str, Any]]
    routing: list[dict[str, Any]]
    # Where leads no routing rule matches go: {"team_id": ...} or {"member_id": ...}; null when unset.
    routing_fallback: dict[str, Any] | None = None
    teams: list[dict[str, Any]]


class RulesIn(BaseModel):
    """A whole rule set (scoring, thresholds, cadence, sla, recycling or routing_fallback), in the shape
    GET /settings returns it."""

    model_config = ConfigDict(extra="forbid")
    document: dict[str, Any]


class RulesOut(BaseModel):
    key: str
    document: dict[str, Any] | None  # None: the routing fallback was removed


Persona = Annotated[str, StringConstraints(max_length=60)]


class ContentItemIn(BaseModel):
    """One entry of the content library; cards link to ``url``, so only https addresses are taken."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1, max_length=80)
    title: str = Field(min_length=1, max_length=200)
    url: str = Field(max_length=2000, pattern=r"^https://[^\s]+$")
    kind: ContentKind
    stages: list[BuyerStage] = Field(min_length=1, max_length=len(BuyerStage))
    personas: list[Annotated[str, StringConstraints(max_length=60)]] = Field(
        default_factory=list, max_length=LIST_ITEMS
    )
    topics: Topics = Field(default_factory=list)
    language: str = Field("en", min_length=2, max_length=10)


class ContentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    items: list[ContentItemIn] = Field(max_length=2000)


class RoutingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rules: list[RoutingRuleIn] = Field(max_length=500)


class CountOut(BaseModel):
    count: int


class MemberListOut(BaseModel):
    items: list[MemberPublic]


class TouchpointIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: TouchpointKind
    summary: str = Field(min_length=1, max_length=4000)
    inbound: bool = Field(
        False, description="True when the lead reached out (a reply); it pulls the cadence forward"
    )
    version: Version | None = None


class TouchpointOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    lead_id: uuid.UUID
    kind: TouchpointKind
    summary: str | None
    occurred_at: datetime


class StageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    stage: BuyerStage
    reason: str = Field(min_length=1, max_length=500)
    version: Version


class LifecycleIn(RecycleFields):
    model_config = ConfigDict(extra="forbid")
    lifecycle: Lifecycle
    reason: str | None = Field(None, max_length=500)
    version: Version


class ProposeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str | None = Field(None, max_length=500)
    version: Version | None = None


class HistorySyncOut(BaseModel):
    status: str = Field(description="synced, fresh (synced recently), unavailable or consent_required")
    stored: int = 0
    admin_consent_url: str | None = Field(None, description="Where an admin grants Nurture's Graph access")
    detail: str | None = None


class EraseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: EmailStr = Field(max_length=320, description="The lead's address")


class EraseOut(BaseModel):
    lead_id: uuid.UUID
    rows: dict[str, int] = Field(description="Rows removed (or redacted) per table")


class DeliveryProblemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    kind: str = Field(description="What the notice was, e.g. follow_up.due or ownership.assigned")
    member_id: uuid.UUID | None
    team_id: uuid.UUID | None
    status: str = Field(description="undeliverable, blocked or failed")
    last_error: str | None = Field(description="Why, e.g. the member has not installed the Nurture app")
    attempts: int
    created_at: datetime


class DeliveryProblemListOut(BaseModel):
    items: list[DeliveryProblemOut]


class HandOffListOut(BaseModel):
    items: list[HandOffOut]


class HealthWhyOut(BaseModel):
    code: str = Field(description="Why the lead is named, e.g. proposed_again_after or no_owner")
    params: dict[str, str | int | float] = Field(description="The figures and dates the reason names")


class HealthLeadOut(BaseModel):
    id: uuid.UUID
    name: str
    why: HealthWhyOut
    why_text: str = Field(description="The reason in English")


class HealthLineOut(BaseModel):
    check: Check
    title: str = Field(description="The line in English")
    light: Light
    count: int = Field(description="Cases found: leads, follow-ups, proposals or escalations")
    base: int | None = Field(description="What the share is of, where the line is judged by a share")
    value: float = Field(description="What the light judges: the count, or its share of the base")
    share: bool = Field(description="Whether value is a share (0-1) rather than a count")
    amber_from: float = Field(description="Value from which the line is amber")
    red_from: float = Field(description="Value from which the line is red")
    leads: list[HealthLeadOut] = Field(description="Up to 20 of the leads behind the count, worst first")


class PracticeHealthOut(BaseModel):
    days: int
    since: datetime
    until: datetime
    light: Light = Field(description="The worst light of any line")
    lines: list[HealthLineOut]

    @classmethod
    def of(cls, health: PracticeHealth) -> PracticeHealthOut:
        """The check as the API and ``nurture health --json`` show it."""
        return cls(
            days=health.days,
            since=health.since,
            until=health.until,
            light=health.light,
            lines=[
                HealthLineOut(
                    check=line.check,
                    title=TITLES[line.check],
                    light=line.light,
                    count=line.count,
                    base=line.base,
                    value=round(line.value, 4),
                    share=line.limits.share,
                    amber_from=line.limits.amber_from,
                    red_from=line.limits.red_from,
                    leads=[
                        HealthLeadOut(
                            id=lead.id,
                            name=lead.name,
                            why=HealthWhyOut(code=lead.why.code, params=dict(lead.why.params)),
                            why_text=describe(lead.why),
                        )
                        for lead in line.leads
                    ],
                )
                for line in health.lines
            ],
        )
