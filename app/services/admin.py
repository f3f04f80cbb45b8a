"""Admin settings: scoring rules, thresholds, cadence, SLA, content library, routing, teams and roles."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any

from dateutil.rrule import rrulestr
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.input_limits import FOLLOW_UP_AHEAD, in_utc, now_of, within
from app.models import ContentItemRow, LocalTime, Member, RoutingRuleRow, Team, TeamBase, TeamUpdate
from app.nurturing.assignment import RoutingFallback
from app.nurturing.cadence import CadencePolicy
from app.nurturing.calendar import WorkingHours
from app.nurturing.enums import Role
from app.nurturing.lifecycle import Thresholds
from app.nurturing.playbook import ContentItem
from app.nurturing.recycling import RecyclePolicy
from app.nurturing.scoring import ScoringModel
from app.nurturing.sla import SlaPolicy
from app.services.access import Caller
from app.services.departures import hand_over_work
from app.services.errors import InvalidInput, NotAllowed, TeamNotFound
from app.services.lookups import get_member
from app.services.tenant_config import (
    CADENCE_KEY,
    RECYCLING_KEY,
    ROUTING_FALLBACK_KEY,
    SCORING_KEY,
    SLA_KEY,
    THRESHOLDS_KEY,
    forget_config,
    from_json,
    load_config,
    save_setting,
    to_json,
)

RULE_KINDS: dict[str, type[Any]] = {
    SCORING_KEY: ScoringModel,
    THRESHOLDS_KEY: Thresholds,
    CADENCE_KEY: CadencePolicy,
    SLA_KEY: SlaPolicy,
    RECYCLING_KEY: RecyclePolicy,
    ROUTING_FALLBACK_KEY: RoutingFallback,
}


def _admin(caller: Caller) -> None:
    if caller.role is not Role.ADMIN:
        raise NotAllowed("only admins change settings")


def _reader(caller: Caller) -> None:
    if caller.role not in (Role.ADMIN, Role.MANAGER):
        raise NotAllowed("settings are for admins and managers")


class RoutingRuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    priority: int = Field(100, ge=0, le=10_000)
    field: str = Field(max_length=16, pattern="^(country|industry|source)$")
    values: list[Annotated[str, StringConstraints(max_length=80)]] = Field(min_length=1, max_length=200)
    team_id: uuid.UUID


class MemberUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Role | None = None
    team_id: uuid.UUID | None = None
    capacity: int | None = Field(None, ge=0, le=100_000)
    active: bool | None = None
    away_until: datetime | None = Field(None, description="With an offset; at most two years ahead")
    time_zone: str | None = Field(None, max_length=64)
    work_start: LocalTime | None = None
    work_end: LocalTime | None = None
    workdays: list[Annotated[int, Field(ge=0, le=6)]] | None = Field(None, max_length=7)

    @field_validator("away_until")
    @classmethod
    def _away_within_two_years(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        if value is None:
            return None
        moment = in_utc(value, "away_until")
        now = now_of(info)
        if now is None:
            return moment
        return within(
            moment,
            earliest=now - FOLLOW_UP_AHEAD,
            latest=now + FOLLOW_UP_AHEAD,
            name="away_until",
            what="within two years of today",
        )


async def read_settings(*, session: AsyncSession, caller: Caller) -> dict[str, Any]:
    """Every rule set in force (stored or default), the content library and the routing rules."""
    _reader(caller)
    config = await load_config(session=session, tenant_id=caller.tenant_id)
    teams = (await session.exec(select(Team).where(Team.tenant_id == caller.tenant_id))).all()
    return {
        SCORING_KEY: to_json(config.scoring),
        THRESHOLDS_KEY: to_json(config.thresholds),
        CADENCE_KEY: to_json(config.cadence),
        SLA_KEY: to_json(config.sla),
        RECYCLING_KEY: to_json(config.recycling),
        ROUTING_FALLBACK_KEY: to_json(config.routing_fallback) if config.routing_fallback else None,
        "content": [to_json(item) for item in config.library],
        "routing": [to_json(rule) for rule in config.routing],
        "teams": [
            {"id": str(team.id), **TeamBase.model_validate(team).model_dump(mode="json")} for team in teams
        ],
    }


def unknown_keys(given: Any, understood: Any, path: str = "") -> list[str]:
    """Dotted paths of keys in ``given`` that the validated document ``understood`` does not carry:
    the engine's types would drop them silently, and an admin would believe a rule was set."""
    if isinstance(given, dict) and isinstance(understood, dict):
        found = []
        for name, value in given.items():
            where = f"{path}.{name}" if path else str(name)
            if name not in understood:
                found.append(where)
            else:
                found += unknown_keys(value, understood[name], where)
        return found
    if isinstance(given, list) and isinstance(understood, list) and len(given) == len(understood):
        return [
            found
            for index, (item, kept) in enumerate(zip(given, understood, strict=True))
            for found in unknown_keys(item, kept, f"{path}.{index}" if path else str(index))
        ]
    return []


async def replace_rules(*, session: AsyncSession, caller: Caller, key: str, document: Any) -> Any:
    """Validate a whole rule set with the engine's own types before storing it; unknown keys are refused."""
    _admin(caller)
    if key not in RULE_KINDS:
        raise InvalidInput(f"unknown settings {key!r}")
    if key == ROUTING_FALLBACK_KEY and document == {}:
        # No fallback: unmatched leads wait unassigned, and the managers are told.
        await save_setting(session=session, tenant_id=caller.tenant_id, key=key, value=None, now=caller.now)
        return None
    value = from_json(RULE_KINDS[key], document)  # pydantic ValidationError -> 400 at the edge
    unknown = unknown_keys(document, to_json(value))
    if unknown:
        raise InvalidInput(f"unknown key{'s' if len(unknown) > 1 else ''} in {key}: {', '.join(unknown)}")
    if isinstance(value, RoutingFallback):
        await _check_fallback(session, caller.tenant_id, value)
    await save_setting(session=session, tenant_id=caller.tenant_id, key=key, value=value, now=caller.now)
    return to_json(value)


def _uuid(value: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError as error:
        raise InvalidInput(f"routing_fallback: {what} must be a uuid") from error


async def _check_fallback(session: AsyncSession, tenant_id: str, fallback: RoutingFallback) -> None:
    """The fallback must be one of the tenant's teams, or an active member of the tenant."""
    if fallback.team_id is not None:
        team_id = _uuid(fallback.team_id, "team_id")
        found = (
            await session.exec(select(Team.id).where(Team.tenant_id == tenant_id, Team.id == team_id))
        ).first()
        if found is None:
            raise TeamNotFound(team_id)
        return
    assert fallback.member_id is not None
    member = await get_member(
        session=session, tenant_id=tenant_id, member_id=_uuid(fallback.member_id, "member_id")
    )
    if not member.active:
        raise InvalidInput("routing_fallback: the member is inactive")


async def replace_content(*, session: AsyncSession, caller: Caller, items: Sequence[Any]) -> int:
    """The content library, replaced as a whole."""
    _admin(caller)
    parsed = [from_json(ContentItem, item) for item in items]
    if len({item.id for item in parsed}) != len(parsed):
        raise InvalidInput("content ids must be unique")
    forget_config(session=session, tenant_id=caller.tenant_id)
    await session.exec(delete(ContentItemRow).where(col(ContentItemRow.tenant_id) == caller.tenant_id))
    session.add_all(
        ContentItemRow(
            tenant_id=caller.tenant_id,
            key=item.id,
            title=item.title,
            url=item.url,
            kind=item.kind,
            stages=sorted(stage.value for stage in item.stages),
            personas=sorted(item.personas),
            topics=sorted(item.topics),
            language=item.language,
        )
        for item in parsed
    )
    await session.flush()
    return len(parsed)


async def replace_routing(*, session: AsyncSession, caller: Caller, rules: Sequence[RoutingRuleIn]) -> int:
    """Routing rules, replaced as a whole; every team must belong to the tenant."""
    _admin(caller)
    team_ids = set((await session.exec(select(Team.id).where(Team.tenant_id == caller.tenant_id))).all())
    for rule in rules:
        if rule.team_id not in team_ids:
            raise TeamNotFound(rule.team_id)
    forget_config(session=session, tenant_id=caller.tenant_id)
    await session.exec(delete(RoutingRuleRow).where(col(RoutingRuleRow.tenant_id) == caller.tenant_id))
    session.add_all(
        RoutingRuleRow(
            tenant_id=caller.tenant_id,
            priority=rule.priority,
            field=rule.field,
            values=rule.values,
            team_id=rule.team_id,
        )
        for rule in rules
    )
    await session.flush()
    return len(rules)


def _check_team(time_zone: str | None, schedule: str | None) -> None:
    if time_zone is not None:
        try:
            WorkingHours(time_zone=time_zone)
        except ValueError as error:
            raise InvalidInput(f"unknown time zone {time_zone!r}") from error
    if schedule:
        try:
            rrulestr(schedule, dtstart=datetime(2026, 1, 5))
        except (ValueError, TypeError) as error:
            raise InvalidInput(f"pipeline_schedule is not an RFC 5545 rule: {schedule!r}") from error


async def create_team(*, session: AsyncSession, caller: Caller, data: TeamBase) -> Team:
    """A new sales team."""
    _admin(caller)
    _check_team(data.time_zone, data.pipeline_schedule)
    team = Team(tenant_id=caller.tenant_id, **data.model_dump())
    session.add(team)
    await session.flush()
    return team


async def update_team(
    *, session: AsyncSession, caller: Caller, team_id: uuid.UUID, changes: TeamUpdate
) -> Team:
    """Rename a team, move its time zone, or set the channel and schedule of its pipeline card."""
    _admin(caller)
    team = (
        await session.exec(select(Team).where(Team.tenant_id == caller.tenant_id, Team.id == team_id))
    ).first()
    if team is None:
        raise TeamNotFound(team_id)
    values = changes.model_dump(exclude_unset=True)
    emptied = [name for name in ("name", "time_zone") if name in values and values[name] is None]
    if emptied:
        raise InvalidInput(f"{', '.join(emptied)} cannot be empty")
    _check_team(values.get("time_zone"), values.get("pipeline_schedule"))
    for name, value in values.items():
        setattr(team, name, value)
    session.add(team)
    await session.flush()
    return team


async def update_member(
    *, session: AsyncSession, caller: Caller, member_id: uuid.UUID, changes: MemberUpdate
) -> Member:
    """Role, team, capacity, availability and working hours of one member.

    Deactivating a member hands their open leads and follow-ups to their team in the same transaction."""
    _admin(caller)
    member = await get_member(session=session, tenant_id=caller.tenant_id, member_id=member_id)
    values = changes.model_dump(exclude_unset=True)
    nullable = ("team_id", "away_until")
    required = [name for name, value in values.items() if value is None and name not in nullable]
    if required:
        raise InvalidInput(f"{', '.join(required)} cannot be empty")
    if "team_id" in values and values["team_id"] is not None:
        team = (
            await session.exec(
                select(Team.id).where(Team.tenant_id == caller.tenant_id, Team.id == values["team_id"])
            )
        ).first()
        if team is None:
            raise TeamNotFound(values["team_id"])
    leaving = member.active and values.get("active") is False
    for name, value in values.items():
        setattr(member, name, value)
    try:
        WorkingHours(
            time_zone=member.time_zone,
            start=member.work_start,
            end=member.work_end,
            workdays=frozenset(member.workdays),
        )
    except (ValueError, TypeError) as error:
        raise InvalidInput("working hours or time zone are not valid") from error
    session.add(member)
    await session.flush()
    if leaving:
        await hand_over_work(session=session, caller=caller, member=member)
    return member
