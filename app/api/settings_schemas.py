"""Request and response bodies of the settings and administration routes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
)

from app.input_limits import (
    LIST_ITEMS,
    Topics,
)
from app.models import ApiKeyPublic, MemberPublic
from app.nurturing.enums import (
    BuyerStage,
)
from app.nurturing.playbook import ContentKind
from app.services.admin import RoutingRuleIn


class ApiKeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=120, description="Which integration uses it")


class ApiKeyCreatedOut(BaseModel):
    key: str = Field(description="Send as Authorization: Bearer <key>; shown only this once")
    details: ApiKeyPublic


class ApiKeyListOut(BaseModel):
    items: list[ApiKeyPublic]


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


class MemberListOut(BaseModel):
    items: list[MemberPublic]


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
