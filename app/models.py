"""Database tables and the API-facing model families. Every row carries the Entra ID ``tenant_id``."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BeforeValidator, ConfigDict, EmailStr, PlainSerializer, StrictInt, WithJsonSchema
from sqlalchemy import CheckConstraint, Column, Index, Integer, Text, UniqueConstraint, event, text
from sqlalchemy import Enum as SAEnum
from sqlalchemy.orm import Session
from sqlmodel import Field, SQLModel

from app.db_types import JsonType, UTCDateTime
from app.input_limits import LONG_TEXT_CHARS, NullableScalarMap, Topics
from app.nurturing.enums import (
    AssignmentMethod,
    BuyerStage,
    Direction,
    FollowUpKind,
    FollowUpOutcome,
    FollowUpStatus,
    HandOffStatus,
    Lifecycle,
    RecycleReason,
    Role,
    TouchpointKind,
)

# Both dialects understand this predicate, so the partial indexes below are real on SQLite and PostgreSQL.
ACTIVE_FOLLOW_UP = text("status IN ('open', 'snoozed')")


def utcnow() -> datetime:
    """Default for created/updated columns; domain code never calls this, it receives ``now``."""
    return datetime.now(UTC)


def _ts(*, nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable, index=index)


def _created() -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


def _empty_dict() -> dict[str, Any]:
    return {}


def _empty_list() -> list[Any]:
    return []


# Pydantic reads a default factory's signature on every construction of a table model. For a builtin
# such as ``dict`` that means parsing its text signature, about 0.4 ms per field and object; for a plain
# Python function it is a few microseconds. Bulk paths build hundreds of rows at once.
_PLAIN_FACTORIES: dict[Any, Any] = {dict: _empty_dict, list: _empty_list}


def _json(default_factory: Any = dict) -> Any:
    factory = _PLAIN_FACTORIES.get(default_factory, default_factory)
    return Field(default_factory=factory, sa_type=JsonType, nullable=False)


def _new_id() -> uuid.UUID:
    return uuid.uuid4()


def _id() -> Any:
    return Field(default_factory=_new_id, primary_key=True)


def _enum(enum_cls: type[StrEnum], default: Any = ...) -> Any:
    # Stored as its plain value in a VARCHAR: readable in SQL, and a new member needs no ALTER TYPE.
    column_type = SAEnum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=20,
        values_callable=lambda members: [member.value for member in members],
    )
    if default is ...:
        return Field(sa_type=column_type, nullable=False)
    return Field(default=default, sa_type=column_type, nullable=default is None)


def _tenant() -> Any:
    return Field(max_length=64, index=True, nullable=False)


# --- tenants and settings ----------------------------------------------------------------------------


class Tenant(SQLModel, table=True):
    __tablename__ = "tenants"

    id: str = Field(primary_key=True, max_length=64)  # the Entra ID tenant id
    tenant_id: str = Field(max_length=64, unique=True)  # equal to id, so every table filters the same way
    name: str = Field(max_length=200)
    default_locale: str = Field(default="en", max_length=10)
    created_at: datetime = _created()


class TenantSetting(SQLModel, table=True):
    """One JSON document per tenant and key: scoring rules, thresholds, cadence, SLA, Graph sync state."""

    __tablename__ = "settings"

    tenant_id: str = Field(primary_key=True, max_length=64)
    key: str = Field(primary_key=True, max_length=80)
    value: Any = _json()
    updated_at: datetime = _created()


# --- teams and members -------------------------------------------------------------------------------


class TeamBase(SQLModel):
    name: str = Field(max_length=120)
    time_zone: str = Field(default="UTC", max_length=64)
    pipeline_channel_id: str | None = Field(default=None, max_length=300)
    # An RFC 5545 RRULE evaluated in the team's time zone, e.g. weekly on Monday at 09:00.
    pipeline_schedule: str | None = Field(default="FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0", max_length=200)


class Team(TeamBase, table=True):
    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    id: uuid.UUID = _id()
    tenant_id: str = _tenant()
    created_at: datetime = _created()


class TeamUpdate(SQLModel):
    """A partial change to a team; only the fields sent are changed."""

    name: str | None = Field(default=None, max_length=120)
    time_zone: str | None = Field(default=None, max_length=64)
    pipeline_channel_id: str | None = Field(default=None, max_length=300)
    pipeline_schedule: str | None = Field(default=None, max_length=200)


class TeamPublic(TeamBase):
    id: uuid.UUID


class MemberBase(SQLModel):
    display_name: str = Field(max_length=200)
    email: str = Field(max_length=320)
    role: Role = _enum(Role, Role.REP)
    team_id: uuid.UUID | None = Field(default=None, foreign_key="teams.id", index=True)
    time_zone: str = Field(default="UTC", max_length=64)
    work_start: time = Field(default=time(9, 0))
    work_end: time = Field(default=time(17, 0))
    workdays: list[int] = _json(lambda: [0, 1, 2, 3, 4])
    capacity: int = Field(default=150, ge=0)
    active: bool = True
    locale: str = Field(default="en", max_length=10)


class Member(MemberBase, table=True):
    __tablename__ = "members"
    __table_args__ = (
        UniqueConstraint("tenant_id", "email"),
        # Addresses are compared as stored, so they are stored lower-case; the database holds writers to it.
        CheckConstraint("email = lower(email)", name="ck_members_email_lower"),
        Index(
            "uq_members_tenant_aad",
            "tenant_id",
            "aad_object_id",
            unique=True,
            sqlite_where=text("aad_object_id IS NOT NULL"),
            postgresql_where=text("aad_object_id IS NOT NULL"),
        ),
    )

    id: uuid.UUID = _id()
    tenant_id: str = _tenant()
    aad_object_id: str | None = Field(default=None, max_length=64)
    away_until: datetime | None = _ts()
    last_assigned_at: datetime | None = _ts()
    created_at: datetime = _created()


def _wall_time(value: object) -> object:
    if isinstance(value, str):
        return time.fromisoformat(value)
    return value


# A wall-clock time in the member's own zone: "HH:MM" on the wire, since JSON Schema's "time" format
# demands an offset that a local working day does not have.
LocalTime = Annotated[
    time,
    BeforeValidator(_wall_time),
    PlainSerializer(lambda value: value.strftime("%H:%M"), return_type=str),
    WithJsonSchema({"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"}),
]


class MemberPublic(MemberBase):
    id: uuid.UUID
    away_until: datetime | None
    work_start: LocalTime
    work_end: LocalTime


# --- companies and leads -----------------------------------------------------------------------------


class Company(SQLModel, table=True):
    __tablename__ = "companies"
    __table_args__ = (
        # One company per domain and tenant, so concurrent imports cannot create the same company twice.
        Index(
            "uq_companies_tenant_domain",
            "tenant_id",
            "domain",
            unique=True,
            sqlite_where=text("domain IS NOT NULL"),
            postgresql_where=text("domain IS NOT NULL"),
        ),
        CheckConstraint("domain = lower(domain)", name="ck_companies_domain_lower"),
    )

    id: uuid.UUID = _id()
    tenant_id: str = _tenant()
    name: str = Field(max_length=200)
    domain: str | None = Field(default=None, max_length=253)
    industry: str | None = Field(default=None, max_length=80)
    country: str | None = Field(default=None, max_length=2)  # ISO 3166-1 alpha-2
    employees: int | None = None
    annual_revenue_eur: int | None = None
    created_at: datetime = _created()


class LeadBase(SQLModel):
    email: str = Field(max_length=320)
    first_name: str = Field(default="", max_length=100)
    last_name: str = Field(default="", max_length=100)
    title: str | None = Field(default=None, max_length=200)
    persona: str | None = Field(default=None, max_length=60)
    phone: str | None = Field(default=None, max_length=40)
    language: str = Field(default="en", max_length=10)
    source: str | None = Field(default=None, max_length=80)
    needs: str | None = Field(default=None, sa_type=Text)
    topics: list[str] = _json(list)
    custom_fields: dict[str, Any] = _json()


_LEAD_VERSION = Column("version", Integer, nullable=False, default=1)


class Lead(LeadBase, table=True):
    __tablename__ = "leads"
    __table_args__ = (
        UniqueConstraint("tenant_id", "email"),
        CheckConstraint("email = lower(email)", name="ck_leads_email_lower"),
        Index("ix_leads_tenant_owner", "tenant_id", "owner_id"),
        Index("ix_leads_tenant_lifecycle", "tenant_id", "lifecycle"),
        Index("ix_leads_tenant_score", "tenant_id", "total_score"),
    )

    id: uuid.UUID = _id()
    tenant_id: str = _tenant()
    company_id: uuid.UUID | None = Field(default=None, foreign_key="companies.id", index=True)
    owner_id: uuid.UUID | None = Field(default=None, foreign_key="members.id")
    team_id: uuid.UUID | None = Field(default=None, foreign_key="teams.id", index=True)
    stage: BuyerStage = _enum(BuyerStage, BuyerStage.AWARENESS)
    lifecycle: Lifecycle = _enum(Lifecycle, Lifecycle.NEW)
    fit_score: int = 0
    engagement_score: int = 0
    total_score: int = 0
    score_explanation: list[dict[str, Any]] = _json(list)
    scored_at: datetime | None = _ts()
    unsubscribed: bool = False
    bounced: bool = False
    unanswered_touches: int = 0
    first_touch_at: datetime | None = _ts()
    last_touch_at: datetime | None = _ts()
    last_reply_at: datetime | None = _ts()
    mql_at: datetime | None = _ts()
    lifecycle_changed_at: datetime | None = _ts()
    sla_state: str = Field(
        default="none", max_length=16
    )  # last speed-to-lead action taken: none/nudge/escalate
    recycle_reason: str | None = Field(default=None, max_length=500)
    recycle_reason_code: RecycleReason | None = _enum(RecycleReason, None)
    recycled_at: datetime | None = _ts()  # engagement after this moment is what can re-qualify the lead
    nurture_until: datetime | None = _ts()  # a recycled lead is not an MQL again before this date
    dormant_since: datetime | None = _ts()  # silent through long-term nurture: no follow-ups until it engages
    stage_override_at: datetime | None = _ts()  # a rep's stage holds until a stronger signal after this
    created_at: datetime = _created()
    updated_at: datetime = _created()
    # Optimistic locking: SQLAlchemy adds "AND version = :seen" to every UPDATE and bumps it, so two
    # writers can never silently overwrite each other (the loser gets StaleDataError).
    version: int = Field(default=1, sa_column=_LEAD_VERSION)

    # The version moves once per transaction (see _bump_lead_versions), not once per flush, so a client
    # that saw version n and changed the lead sees n + 1.
    __mapper_args__ = {"version_id_col": _LEAD_VERSION, "version_id_generator": False}


class LeadCreate(LeadBase):
    email: EmailStr = Field(max_length=320)
    needs: str | None = Field(default=None, max_length=LONG_TEXT_CHARS)
    topics: Topics = Field(default_factory=list)
    custom_fields: NullableScalarMap = Field(default_factory=dict)
    company_name: str | None = Field(default=None, max_length=200)
    company_domain: str | None = Field(default=None, max_length=253)
    industry: str | None = Field(default=None, max_length=80)
    country: str | None = Field(default=None, min_length=2, max_length=2)
    employees: StrictInt | None = Field(default=None, ge=0, le=2**31 - 1)
    owner_email: str | None = Field(default=None, max_length=320)


class LeadUpdate(SQLModel):
    """Progressive profiling: the fields sent, each held to its column, at the version the caller saw."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    version: StrictInt = Field(ge=0, le=2**31 - 1)
    # A corrected address clears a bounce (and the "fix the address" task with it).
    email: EmailStr | None = Field(default=None, max_length=320)
    first_name: str | None = Field(default=None, max_length=100)
    last_name: str | None = Field(default=None, max_length=100)
    title: str | None = Field(default=None, max_length=200)
    persona: str | None = Field(default=None, max_length=60)
    phone: str | None = Field(default=None, max_length=40)
    language: str | None = Field(default=None, max_length=10)
    source: str | None = Field(default=None, max_length=80)
    needs: str | None = Field(default=None, max_length=LONG_TEXT_CHARS)
    topics: Topics | None = None
    custom_fields: NullableScalarMap | None = None


class LeadPublic(LeadBase):
    id: uuid.UUID
    company_id: uuid.UUID | None
    owner_id: uuid.UUID | None
    team_id: uuid.UUID | None
    stage: BuyerStage
    lifecycle: Lifecycle
    fit_score: int
    engagement_score: int
    total_score: int
    score_explanation: list[dict[str, Any]]
    first_touch_at: datetime | None
    last_touch_at: datetime | None
    mql_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int


# --- engagement, follow-ups and touchpoints ----------------------------------------------------------


class EngagementEvent(SQLModel, table=True):
    __tablename__ = "engagement_events"
    __table_args__ = (
        UniqueConstraint("tenant_id", "external_id"),
        Index("ix_events_tenant_lead_time", "tenant_id", "lead_id", "occurred_at"),
        # Only the few events stored but not yet applied to their lead: the refresher's queue.
        Index(
            "ix_events_pending",
            "tenant_id",
            "created_at",
            sqlite_where=text("pending"),
            postgresql_where=text("pending"),
        ),
    )

    id: uuid.UUID = _id()
    tenant_id: str = _tenant()
    lead_id: uuid.UUID = Field(foreign_key="leads.id", ondelete="CASCADE")
    external_id: str = Field(max_length=200)
    kind: str = Field(max_length=60)
    occurred_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    properties: dict[str, Any] = _json()
    # What arriving changed on the lead (score before/after, stage and lifecycle moves, a hand-off
    # proposal); set on the newest event of its lead in the batch that was ingested together.
    effect: dict[str, Any] | None = Field(default=None, sa_type=JsonType, nullable=True)
    # Stored for the refresher to apply (an integration asked for 202 Accepted); it has not yet re-scored,
    # re-staged or re-planned its lead. Applied events, and those of every other path, are False.
    pending: bool = Field(default=False, sa_column_kwargs={"server_default": text("false")})
    created_at: datetime = _created()


class FollowUp(SQLModel, table=True):
    __tablename__ = "follow_ups"
    __table_args__ = (
        # A lead has exactly one follow-up waiting on a rep; the database enforces it.
        Index(
            "uq_follow_ups_one_active",
            "tenant_id",
            "lead_id",
            unique=True,
            sqlite_where=ACTIVE_FOLLOW_UP,
            postgresql_where=ACTIVE_FOLLOW_UP,
        ),
        # The scheduler's due query walks this index from the oldest due time, so its cost is flat
        # however many finished follow-ups pile up.
        Index(
            "ix_follow_ups_due",
            "tenant_id",
            "due_at",
            sqlite_where=text("status IN ('open', 'snoozed') AND notified_at IS NULL"),
            postgresql_where=text("status IN ('open', 'snoozed') AND notified_at IS NULL"),
        ),
        Index("ix_follow_ups_owner", "tenant_id", "owner_id", "status", "due_at"),
        Index("ix_follow_ups_lead", "tenant_id", "lead_id"),
    )

    id: uuid.UUID = _id()
    tenant_id: str = _tenant()
    lead_id: uuid.UUID = Field(foreign_key="leads.id", ondelete="CASCADE")
    owner_id: uuid.UUID | None = Field(default=None, foreign_key="members.id")
    due_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    kind: FollowUpKind = _enum(FollowUpKind, FollowUpKind.NURTURE)
    reasons: list[dict[str, Any]] = _json(list)
    suggested_channel: TouchpointKind | None = _enum(TouchpointKind, None)
    suggested_content_key: str | None = Field(default=None, max_length=80)
    status: FollowUpStatus = _enum(FollowUpStatus, FollowUpStatus.OPEN)
    outcome: FollowUpOutcome | None = _enum(FollowUpOutcome, None)
    note: str | None = Field(default=None, sa_type=Text)
    notified_at: datetime | None = _ts()
    planned_at: datetime | None = _ts()  # when the engine last planned it; intent after this re-plans it
    activity_id: str | None = Field(default=None, max_length=200)  # the sent card, to update it in place
    conversation_id: str | None = Field(default=None, max_length=300)
    created_at: datetime = _created()
    completed_at: datetime | None = _ts()
    completed_by: uuid.UUID | None = None


class Touchpoint(SQLModel, table=True):
    __tablename__ = "touchpoints"
    __table_args__ = (Index("ix_touchpoints_tenant_lead_time", "tenant_id", "lead_id", "occurred_at"),)

    id: uuid.UUID = _id()
    tenant_id: str = _tenant()
    lead_id: uuid.UUID = Field(foreign_key="leads.id", ondelete="CASCADE")
    member_id: uuid.UUID | None = Field(default=None, foreign_key="members.id")
    kind: TouchpointKind = _enum(TouchpointKind)
    direction: Direction = _enum(Direction, Direction.OUTBOUND)
    summary: str | None = Field(default=None, sa_type=Text)
    content_key: str | None = Field(default=None, max_length=80)
    occurred_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    created_at: datetime = _created()


class ConversationMessage(SQLModel, table=True):
    """A mail or Teams chat message from Graph that involves a known lead; only a preview is kept."""

    __tablename__ = "conversation_messages"
    __table_args__ = (
        UniqueConstraint("tenant_id", "graph_id"),
        Index("ix_messages_tenant_lead_time", "tenant_id", "lead_id", "sent_at"),
        Index("ix_messages_tenant_lead_thread", "tenant_id", "lead_id", "thread_key"),
        # The timeline folds a reply event into its message by this link, once per event it lists.
        Index(
            "ix_messages_tenant_signal",
            "tenant_id",
            "signal_id",
            sqlite_where=text("signal_id IS NOT NULL"),
            postgresql_where=text("signal_id IS NOT NULL"),
        ),
    )

    id: uuid.UUID = _id()
    tenant_id: str = _tenant()
    lead_id: uuid.UUID = Field(foreign_key="leads.id", ondelete="CASCADE")
    graph_id: str = Field(max_length=300)
    source: str = Field(max_length=8)  # mail or chat
    subject: str | None = Field(default=None, max_length=500)
    preview: str = Field(default="", max_length=1000)
    from_address: str | None = Field(default=None, max_length=320)
    to_addresses: list[str] = _json(list)
    direction: Direction = _enum(Direction)
    sent_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    web_link: str | None = Field(default=None, max_length=2000)
    # The thread view: mail's conversationId or the chat id, the subject or a group chat's topic, and the
    # display names of the people in it (a 1:1 chat has no topic; the tab names it after them).
    thread_key: str | None = Field(default=None, max_length=300)
    thread_title: str | None = Field(default=None, max_length=500)
    participants: list[str] = _json(list)
    sender_name: str | None = Field(default=None, max_length=200)
    # The external id of the reply event a message from the lead raised: the link to what it changed.
    signal_id: str | None = Field(default=None, max_length=200)
    created_at: datetime = _created()


# --- audit trails ------------------------------------------------------------------------------------


class OwnershipChange(SQLModel, table=True):
    __tablename__ = "ownership_changes"
    __table_args__ = (Index("ix_ownership_tenant_lead_time", "tenant_id", "lead_id", "changed_at"),)

    id: uuid.UUID = _id()
    tenant_id: str = _tenant()
    lead_id: uuid.UUID = Field(foreign_key="leads.id", ondelete="CASCADE")
    from_member_id: uuid.UUID | None = None
    to_member_id: uuid.UUID | None = None
    changed_by: uuid.UUID | None = None  # None: the system (routing, round-robin from the scheduler)
    method: AssignmentMethod = _enum(AssignmentMethod)
    reason: str | None = Field(default=None, max_length=500)
    changed_at: datetime = Field(sa_type=UTCDateTime, nullable=False)


class LeadStateChange(SQLModel, table=True):
    """History of buyer stage and lifecycle, so the tab can show how a lead moved."""

    __tablename__ = "lead_state_changes"
    __table_args__ = (Index("ix_state_changes_tenant_lead_time", "tenant_id", "lead_id", "changed_at"),)

    id: uuid.UUID = _id()
    tenant_id: str = _tenant()
    lead_id: uuid.UUID = Field(foreign_key="leads.id", ondelete="CASCADE")
    field: str = Field(max_length=16)  # stage or lifecycle
    from_value: str | None = Field(default=None, max_length=16)
    to_value: str = Field(max_length=16)
    automatic: bool = True
    reason: Any = Field(default=None, sa_type=JsonType, nullable=True)
    actor_id: uuid.UUID | None = None
    changed_at: datetime = Field(sa_type=UTCDateTime, nullable=False)


class HandOff(SQLModel, table=True):
    __tablename__ = "hand_offs"
    __table_args__ = (
        Index(
            "uq_hand_offs_one_proposed",
            "tenant_id",
            "lead_id",
            unique=True,
            sqlite_where=text("status = 'proposed'"),
            postgresql_where=text("status = 'proposed'"),
        ),
        Index("ix_hand_offs_tenant_status", "tenant_id", "status", "proposed_at"),
    )

    id: uuid.UUID = _id()
    tenant_id: str = _tenant()
    lead_id: uuid.UUID = Field(foreign_key="leads.id", ondelete="CASCADE")
    status: HandOffStatus = _enum(HandOffStatus, HandOffStatus.PROPOSED)
    evidence: list[dict[str, Any]] = _json(list)
    proposed_by: uuid.UUID | None = None
    proposed_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    decided_by: uuid.UUID | None = None
    decided_at: datetime | None = _ts()
    reason: str | None = Field(default=None, max_length=500)
    reason_code: RecycleReason | None = _enum(RecycleReason, None)
    nurture_until: datetime | None = _ts()


# --- playbook and routing ----------------------------------------------------------------------------


class ContentItemRow(SQLModel, table=True):
    __tablename__ = "content_items"
    __table_args__ = (UniqueConstraint("tenant_id", "key"),)

    id: uuid.UUID = _id()
    tenant_id: str = _tenant()
    key: str = Field(max_length=80)
    title: str = Field(max_length=200)
    url: str = Field(max_length=2000)
    kind: str = Field(max_length=30)
    stages: list[str] = _json(list)
    personas: list[str] = _json(list)
    topics: list[str] = _json(list)
    language: str = Field(default="en", max_length=10)
    active: bool = True


class RoutingRuleRow(SQLModel, table=True):
    __tablename__ = "routing_rules"

    id: uuid.UUID = _id()
    tenant_id: str = _tenant()
    priority: int = 100
    field: str = Field(max_length=16)  # country, industry or source
    values: list[str] = _json(list)
    team_id: uuid.UUID = Field(foreign_key="teams.id")


# --- Teams delivery ----------------------------------------------------------------------------------


class ConversationReference(SQLModel, table=True):
    __tablename__ = "conversation_references"
    __table_args__ = (UniqueConstraint("tenant_id", "conversation_id"),)

    id: uuid.UUID = _id()
    tenant_id: str = _tenant()
    conversation_id: str = Field(max_length=300)
    scope: str = Field(max_length=16)  # personal, groupChat or channel
    member_id: uuid.UUID | None = Field(default=None, foreign_key="members.id", index=True)
    team_id: uuid.UUID | None = Field(default=None, foreign_key="teams.id")
    service_url: str = Field(max_length=500)
    reference: dict[str, Any] = _json()
    updated_at: datetime = _created()


class OutboxMessage(SQLModel, table=True):
    """A notification waiting to go out; the dedupe key makes a second enqueue of the same thing a no-op."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("tenant_id", "dedupe_key"),
        Index("ix_outbox_tenant_status_due", "tenant_id", "status", "not_before"),
    )

    id: uuid.UUID = _id()
    tenant_id: str = _tenant()
    dedupe_key: str = Field(max_length=300)
    kind: str = Field(max_length=40)
    payload: dict[str, Any] = _json()
    member_id: uuid.UUID | None = Field(default=None, foreign_key="members.id")
    team_id: uuid.UUID | None = Field(default=None, foreign_key="teams.id")
    status: str = Field(default="pending", max_length=16)  # pending, sending, sent, failed, blocked
    attempts: int = 0
    not_before: datetime = _created()
    lease_until: datetime | None = _ts()
    claimed_by: str | None = Field(default=None, max_length=100)
    activity_id: str | None = Field(default=None, max_length=200)
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = _created()
    sent_at: datetime | None = _ts()


TENANT_TABLES: tuple[type[SQLModel], ...] = (
    TenantSetting,
    Team,
    Member,
    Company,
    Lead,
    EngagementEvent,
    FollowUp,
    Touchpoint,
    ConversationMessage,
    OwnershipChange,
    LeadStateChange,
    HandOff,
    ContentItemRow,
    RoutingRuleRow,
    ConversationReference,
    OutboxMessage,
)


BUMPED_LEADS = "nurture.bumped_lead_versions"


@event.listens_for(Session, "before_flush")
def _bump_lead_versions(session: Session, _context: object, _instances: object) -> None:
    bumped: set[uuid.UUID] = session.info.setdefault(BUMPED_LEADS, set())
    for instance in session.dirty:
        if isinstance(instance, Lead) and instance.id not in bumped and session.is_modified(instance):
            instance.version = instance.version + 1
            bumped.add(instance.id)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_bumped_leads(session: Session) -> None:
    session.info.pop(BUMPED_LEADS, None)


class ApiKey(SQLModel, table=True):
    """A tenant's key for webhooks and integrations. Only a hash of the secret is stored."""

    __tablename__ = "api_keys"
    __table_args__ = (UniqueConstraint("key_id"),)

    id: uuid.UUID = _id()
    tenant_id: str = _tenant()
    key_id: str = Field(max_length=24)  # public part, shown in lists and logs
    secret_hash: str = Field(max_length=64)  # SHA-256 of a 256-bit random secret
    name: str = Field(max_length=120)
    created_by: uuid.UUID | None = None
    created_at: datetime = _created()
    last_used_at: datetime | None = _ts()
    revoked_at: datetime | None = _ts()


class ApiKeyPublic(SQLModel):
    id: uuid.UUID
    key_id: str
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
