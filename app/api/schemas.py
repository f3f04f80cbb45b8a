"""Request and response bodies of the REST API (the Public model families live in app/models.py)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from app.input_limits import (
    FOLLOW_UP_AHEAD,
    RECYCLE_AHEAD,
    day_within,
    in_utc,
    now_of,
    within,
)
from app.models import LeadPublic, MemberPublic
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
from app.services.follow_ups import SnoozePreset
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


class TimelineOut(BaseModel):
    """A page of the lead's history, newest first (?filter=all|mail|chat|activity, ?thread=<key>,
    ?cursor=, ?limit=1..100). Messages name their thread; ``GET .../threads`` lists the threads."""

    items: list[TimelineEntry]
    next_cursor: str | None
    history: HistoryStateOut


class ThreadsOut(BaseModel):
    """The lead's mail and chat threads, the most recently active first."""

    items: list[ThreadOut]


class CountOut(BaseModel):
    count: int


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


class HandOffListOut(BaseModel):
    items: list[HandOffOut]
