"""/api/v1/follow-ups: the lists, and done, snooze and reschedule."""

from __future__ import annotations

import uuid
from typing import cast, get_args

from aiohttp import web

from app import keys
from app.api import schemas
from app.api.route_table import RouteTable, caller, path_id, read_body, reply
from app.db import transaction
from app.services import follow_ups
from app.services.errors import InvalidInput

table = RouteTable()
ROUTES = table.routes


@table.route(
    "GET",
    "/api/v1/follow-ups",
    "Active follow-ups: ?scope=mine or team; or all of one lead: ?scope=lead&lead=<id>",
    response=schemas.FollowUpListOut,
)
async def get_follow_ups(request: web.Request) -> web.Response:
    scope = request.query.get("scope", "mine")
    if scope not in get_args(follow_ups.FollowUpScope):
        raise InvalidInput("scope is mine, team or lead")
    lead_id = None
    if scope == "lead":
        try:
            lead_id = uuid.UUID(request.query.get("lead", ""))
        except ValueError as error:
            raise InvalidInput("scope=lead needs ?lead=<id>") from error
    async with request.app[keys.SESSIONS]() as session:
        rows = await follow_ups.visible_follow_ups(
            session=session,
            caller=caller(request),
            scope=cast(follow_ups.FollowUpScope, scope),
            lead_id=lead_id,
        )
    return reply(schemas.FollowUpListOut(items=[schemas.FollowUpOut.model_validate(row) for row in rows]))


@table.route(
    "POST",
    "/api/v1/follow-ups/{id}/complete",
    "Done, with an outcome",
    body=schemas.CompleteIn,
    response=schemas.FollowUpOut,
    roles="owner, team lead, admin",
)
async def complete_follow_up(request: web.Request) -> web.Response:
    body = await read_body(request, schemas.CompleteIn)
    async with transaction(request.app[keys.SESSIONS]) as session:
        done = await follow_ups.complete_follow_up(
            session=session,
            caller=caller(request),
            follow_up_id=path_id(request),
            outcome=body.outcome,
            note=body.note,
            expected_version=body.version,
            reason_code=body.reason_code,
            until=body.until_at(),
        )
    return reply(schemas.FollowUpOut.model_validate(done.follow_up))


@table.route(
    "POST",
    "/api/v1/follow-ups/{id}/snooze",
    "Snooze 1 h, to tomorrow or next week",
    body=schemas.SnoozeIn,
    response=schemas.FollowUpOut,
    roles="owner, team lead, admin",
)
async def snooze_follow_up(request: web.Request) -> web.Response:
    body = await read_body(request, schemas.SnoozeIn)
    async with transaction(request.app[keys.SESSIONS]) as session:
        row = await follow_ups.snooze_follow_up(
            session=session,
            caller=caller(request),
            follow_up_id=path_id(request),
            preset=body.preset,
            expected_version=body.version,
        )
    return reply(schemas.FollowUpOut.model_validate(row))


@table.route(
    "POST",
    "/api/v1/follow-ups/{id}/reschedule",
    "Move to a day or time",
    body=schemas.RescheduleIn,
    response=schemas.FollowUpOut,
    roles="owner, team lead, admin",
)
async def reschedule_follow_up(request: web.Request) -> web.Response:
    body = await read_body(request, schemas.RescheduleIn)
    async with transaction(request.app[keys.SESSIONS]) as session:
        row = await follow_ups.reschedule_follow_up(
            session=session,
            caller=caller(request),
            follow_up_id=path_id(request),
            when=body.when,
            expected_version=body.version,
        )
    return reply(schemas.FollowUpOut.model_validate(row))
