"""A tenant's nurturing rules: stored as JSON settings rows, falling back to the domain defaults."""

from __future__ import annotations

import time
import uuid
import weakref
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from pydantic import TypeAdapter
from sqlalchemy import event
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import ContentItemRow, Member, RoutingRuleRow, TenantSetting
from app.nurturing.assignment import RoutingFallback, RoutingRule
from app.nurturing.cadence import CadencePolicy, default_cadence_policy
from app.nurturing.calendar import WorkingHours
from app.nurturing.enums import BuyerStage
from app.nurturing.lifecycle import Thresholds
from app.nurturing.playbook import ContentItem, default_content_library
from app.nurturing.recycling import RecyclePolicy
from app.nurturing.scoring import ScoringModel, default_scoring_model
from app.nurturing.sla import SlaPolicy

T = TypeVar("T")

SCORING_KEY = "scoring"
THRESHOLDS_KEY = "thresholds"
CADENCE_KEY = "cadence"
SLA_KEY = "sla"
RECYCLING_KEY = "recycling"
ROUTING_FALLBACK_KEY = "routing_fallback"


@dataclass(frozen=True, slots=True)
class TenantConfig:
    scoring: ScoringModel
    thresholds: Thresholds
    cadence: CadencePolicy
    sla: SlaPolicy
    recycling: RecyclePolicy
    library: tuple[ContentItem, ...]
    routing: tuple[RoutingRule, ...]
    routing_fallback: RoutingFallback | None = None  # None: unmatched leads wait for a team lead


_ADAPTERS: dict[type[Any], TypeAdapter[Any]] = {}


def _adapter(kind: type[T]) -> TypeAdapter[T]:
    if kind not in _ADAPTERS:
        _ADAPTERS[kind] = TypeAdapter(kind)
    return _ADAPTERS[kind]


def to_json(value: object) -> Any:
    """A domain value as a JSON-ready document, for storage and for the API."""
    return _adapter(type(value)).dump_python(value, mode="json")


def from_json(kind: type[T], document: Any) -> T:
    """A stored document validated back into its domain type; raises pydantic's ValidationError."""
    return _adapter(kind).validate_python(document)


async def load_config(*, session: AsyncSession, tenant_id: str) -> TenantConfig:
    """Everything the engine needs for one tenant, in three queries."""
    rows = (await session.exec(select(TenantSetting).where(TenantSetting.tenant_id == tenant_id))).all()
    stored = {row.key: row.value for row in rows}
    content = (
        await session.exec(
            select(ContentItemRow).where(ContentItemRow.tenant_id == tenant_id, ContentItemRow.active)
        )
    ).all()
    routing = (await session.exec(select(RoutingRuleRow).where(RoutingRuleRow.tenant_id == tenant_id))).all()
    return TenantConfig(
        scoring=from_json(ScoringModel, stored[SCORING_KEY])
        if SCORING_KEY in stored
        else default_scoring_model(),
        thresholds=from_json(Thresholds, stored[THRESHOLDS_KEY])
        if THRESHOLDS_KEY in stored
        else Thresholds(),
        cadence=from_json(CadencePolicy, stored[CADENCE_KEY])
        if CADENCE_KEY in stored
        else default_cadence_policy(),
        sla=from_json(SlaPolicy, stored[SLA_KEY]) if SLA_KEY in stored else SlaPolicy(),
        recycling=from_json(RecyclePolicy, stored[RECYCLING_KEY])
        if RECYCLING_KEY in stored
        else RecyclePolicy(),
        library=tuple(content_item(row) for row in content) if content else default_content_library(),
        routing=tuple(routing_rule(row) for row in routing),
        routing_fallback=from_json(RoutingFallback, stored[ROUTING_FALLBACK_KEY])
        if stored.get(ROUTING_FALLBACK_KEY) is not None
        else None,
    )


# How long a card action may work with settings read earlier. Changes made through this process apply
# at once (``forget_config``); another instance's changes within this many seconds.
CONFIG_TTL_SECONDS = 15.0

# Per database engine, so two apps (or tests) on different databases never share a tenant's settings.
_cached: weakref.WeakKeyDictionary[object, dict[str, tuple[float, TenantConfig]]] = (
    weakref.WeakKeyDictionary()
)


async def cached_config(*, session: AsyncSession, tenant_id: str) -> TenantConfig:
    """``load_config``, kept for a few seconds: a card click needs the settings, which rarely change."""
    engine = session.bind
    entries = _cached.setdefault(engine, {})
    held = entries.get(tenant_id)
    if held is not None and time.monotonic() - held[0] < CONFIG_TTL_SECONDS:
        return held[1]
    config = await load_config(session=session, tenant_id=tenant_id)
    entries[tenant_id] = (time.monotonic(), config)
    return config


def forget_config(*, session: AsyncSession, tenant_id: str) -> None:
    """Drop a tenant's cached settings now and again once this transaction commits, so no reader that
    ran in between keeps the old ones."""
    engine = session.bind

    def drop(*_: object) -> None:
        _cached.get(engine, {}).pop(tenant_id, None)

    drop()
    event.listen(session.sync_session, "after_commit", drop, once=True)


async def save_setting(
    *, session: AsyncSession, tenant_id: str, key: str, value: object, now: datetime
) -> None:
    """Store one rule set (scoring, thresholds, cadence, SLA) for a tenant."""
    forget_config(session=session, tenant_id=tenant_id)
    row = await session.get(TenantSetting, (tenant_id, key))
    document = to_json(value)
    if row is None:
        session.add(TenantSetting(tenant_id=tenant_id, key=key, value=document, updated_at=now))
    else:
        row.value = document
        row.updated_at = now
        session.add(row)


def content_item(row: ContentItemRow) -> ContentItem:
    """A library row as the playbook sees it."""
    return ContentItem(
        id=row.key,
        title=row.title,
        url=row.url,
        kind=row.kind,  # type: ignore[arg-type]  # validated when the row was written
        stages=frozenset(BuyerStage(stage) for stage in row.stages),
        personas=frozenset(row.personas),
        topics=frozenset(row.topics),
        language=row.language,
    )


def routing_rule(row: RoutingRuleRow) -> RoutingRule:
    """A routing row as the assignment engine sees it."""
    return RoutingRule(
        id=str(row.id),
        priority=row.priority,
        field=row.field,  # type: ignore[arg-type]
        values=frozenset(row.values),
        team_id=str(row.team_id),
    )


def working_hours(member: Member | None) -> WorkingHours:
    """The owner's working hours; unowned leads fall back to a UTC office day."""
    if member is None:
        return WorkingHours()
    return WorkingHours(
        time_zone=member.time_zone,
        start=member.work_start,
        end=member.work_end,
        workdays=frozenset(member.workdays),
    )


def team_uuid(rule: RoutingRule) -> uuid.UUID:
    """The team a routing rule sends leads to."""
    return uuid.UUID(rule.team_id)
