"""Owners: assign one lead, many at once, or round-robin over a team."""

from __future__ import annotations

from aiohttp import web

from app import keys
from app.api import schemas
from app.api.route_table import RouteTable, caller, path_id, read_body, reply
from app.db import transaction
from app.nurturing.enums import Role
from app.services import ownership

table = RouteTable()
ROUTES = table.routes


@table.route(
    "POST",
    "/api/v1/leads/{id}/owner",
    "Assign one lead",
    body=schemas.AssignIn,
    response=schemas.AssignmentsOut,
    roles="team lead (own team), admin",
    allowed=(Role.LEAD, Role.ADMIN),
)
async def assign_owner(request: web.Request) -> web.Response:
    body = await read_body(request, schemas.AssignIn)
    async with transaction(request.app[keys.SESSIONS]) as session:
        change = await ownership.assign_owner(
            session=session,
            caller=caller(request),
            lead_id=path_id(request),
            member_id=body.member_id,
            reason=body.reason,
            expected_version=body.version,
        )
    changes = [schemas.OwnershipChangeOut.model_validate(change)] if change else []
    return reply(schemas.AssignmentsOut(changes=changes))


@table.route(
    "POST",
    "/api/v1/assignments/bulk",
    "Assign many leads to one member, all or nothing",
    body=schemas.BulkAssignIn,
    response=schemas.AssignmentsOut,
    roles="team lead (own team), admin",
    allowed=(Role.LEAD, Role.ADMIN),
)
async def bulk_assign(request: web.Request) -> web.Response:
    body = await read_body(request, schemas.BulkAssignIn)
    async with transaction(request.app[keys.SESSIONS]) as session:
        changes = await ownership.bulk_assign(
            session=session,
            caller=caller(request),
            lead_ids=body.lead_ids,
            member_id=body.member_id,
            reason=body.reason,
        )
    return reply(
        schemas.AssignmentsOut(changes=[schemas.OwnershipChangeOut.model_validate(c) for c in changes])
    )


@table.route(
    "POST",
    "/api/v1/assignments/round-robin",
    "Spread leads over a team by free capacity",
    body=schemas.RoundRobinIn,
    response=schemas.AssignmentsOut,
    roles="team lead, admin",
    allowed=(Role.LEAD, Role.ADMIN),
)
async def round_robin(request: web.Request) -> web.Response:
    body = await read_body(request, schemas.RoundRobinIn)
    async with transaction(request.app[keys.SESSIONS]) as session:
        changes = await ownership.round_robin_assign(
            session=session, caller=caller(request), lead_ids=body.lead_ids, team_id=body.team_id
        )
    return reply(
        schemas.AssignmentsOut(changes=[schemas.OwnershipChangeOut.model_validate(c) for c in changes])
    )
