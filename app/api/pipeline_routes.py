"""/api/v1/pipeline and the practice health check: what managers read."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

from aiohttp import web

from app import keys
from app.api import pipeline_schemas
from app.api.route_table import RouteTable, caller, reply
from app.input_limits import REPORT_PAST, in_utc
from app.nurturing.enums import Role
from app.services import pipeline, practice_health
from app.services.errors import InvalidInput

table = RouteTable()
ROUTES = table.routes


def _moment(name: str, text: str | None, default: datetime, *, now: datetime) -> datetime:
    """A report boundary: ISO 8601, read as UTC without an offset, no more than ten years back or a day
    ahead, so no boundary can fall off the calendar once it is converted to UTC."""
    if not text:
        return default
    try:
        value = datetime.fromisoformat(text)
        moment = in_utc(value if value.tzinfo else value.replace(tzinfo=UTC), name)
    except ValueError as error:
        raise InvalidInput(f"{name} is not an ISO 8601 date") from error
    if not now - REPORT_PAST <= moment <= now + timedelta(days=1):
        raise InvalidInput(f"{name} must lie within the last ten years")
    return moment


@table.route(
    "GET",
    "/api/v1/pipeline",
    "Funnel counts, conversions, time in stage, time to first touch, hand-offs, SLA and overdue per rep "
    "(?since=&until= ISO dates, default the last 30 days; ?team= or ?owner=)",
    response=pipeline_schemas.PipelineOut,
    roles="team lead (own team), manager, admin",
    allowed=(Role.LEAD, Role.MANAGER, Role.ADMIN),
)
async def get_pipeline(request: web.Request) -> web.Response:
    who = caller(request)
    query = request.query
    try:
        team = uuid.UUID(query["team"]) if "team" in query else None
        owner = uuid.UUID(query["owner"]) if "owner" in query else None
    except ValueError as error:
        raise InvalidInput("bad id") from error
    since = _moment("since", query.get("since"), who.now - timedelta(days=30), now=who.now)
    until = _moment("until", query.get("until"), who.now, now=who.now)
    if since > until:
        raise InvalidInput("since must not be after until")
    async with request.app[keys.SESSIONS]() as session:
        metrics = await pipeline.pipeline_metrics(
            session=session, caller=who, since=since, until=until, team_id=team, owner_id=owner
        )
    return reply(pipeline_schemas.PipelineOut.model_validate(asdict(metrics)))


@table.route(
    "GET",
    "/api/v1/health/practice",
    "The practice health check: each nurturing rule measured on the live data, with a traffic light and "
    "the leads behind it (?days= the period, default 90, at most 730)",
    response=pipeline_schemas.PracticeHealthOut,
    roles="manager, admin",
    allowed=(Role.MANAGER, Role.ADMIN),
)
async def get_practice_health(request: web.Request) -> web.Response:
    try:
        days = int(request.query.get("days", str(practice_health.DEFAULT_DAYS)))
    except ValueError as error:
        raise InvalidInput("days must be a whole number") from error
    async with request.app[keys.SESSIONS]() as session:
        health = await practice_health.practice_health(session=session, caller=caller(request), days=days)
    return reply(pipeline_schemas.PracticeHealthOut.of(health))
