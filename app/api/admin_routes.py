"""The signed-in member, the people and teams of the tenant, erasure and delivery problems."""

from __future__ import annotations

import uuid

from aiohttp import web

from app import keys
from app.api import schemas, settings_schemas
from app.api.route_table import RouteTable, caller, path_id, read_body, reply
from app.db import transaction
from app.models import MemberPublic, TeamBase, TeamPublic, TeamUpdate
from app.nurturing.enums import Role
from app.services import admin, erasure, outbox
from app.services.lookups import get_member, list_members

table = RouteTable()
ROUTES = table.routes


@table.route("GET", "/api/v1/me", "The signed-in member", response=schemas.MeOut)
async def me(request: web.Request) -> web.Response:
    who = caller(request)
    assert who.member_id is not None
    async with request.app[keys.SESSIONS]() as session:
        member = await get_member(session=session, tenant_id=who.tenant_id, member_id=who.member_id)
    return reply(schemas.MeOut(tenant_id=who.tenant_id, member=MemberPublic.model_validate(member)))


@table.route(
    "POST",
    "/api/v1/teams",
    "Create a team",
    body=TeamBase,
    response=TeamPublic,
    status=201,
    roles="admin",
    allowed=(Role.ADMIN,),
)
async def post_team(request: web.Request) -> web.Response:
    body = await read_body(request, TeamBase)
    async with transaction(request.app[keys.SESSIONS]) as session:
        team = await admin.create_team(session=session, caller=caller(request), data=body)
    return reply(TeamPublic.model_validate(team), status=201)


@table.route(
    "PATCH",
    "/api/v1/teams/{id}",
    "Change a team: name, time zone, the channel and schedule of its pipeline card",
    body=TeamUpdate,
    response=TeamPublic,
    roles="admin",
    allowed=(Role.ADMIN,),
)
async def patch_team(request: web.Request) -> web.Response:
    body = await read_body(request, TeamUpdate)
    team_id = path_id(request)
    async with transaction(request.app[keys.SESSIONS]) as session:
        team = await admin.update_team(session=session, caller=caller(request), team_id=team_id, changes=body)
    return reply(TeamPublic.model_validate(team))


@table.route(
    "GET",
    "/api/v1/members",
    "Everyone in the tenant (the member picker)",
    response=settings_schemas.MemberListOut,
)
async def get_members(request: web.Request) -> web.Response:
    async with request.app[keys.SESSIONS]() as session:
        rows = await list_members(session=session, caller=caller(request))
    return reply(settings_schemas.MemberListOut(items=[MemberPublic.model_validate(row) for row in rows]))


@table.route(
    "PATCH",
    "/api/v1/members/{id}",
    "Role, team, capacity, availability, working hours",
    body=admin.MemberUpdate,
    response=MemberPublic,
    roles="admin",
    allowed=(Role.ADMIN,),
)
async def patch_member(request: web.Request) -> web.Response:
    body = await read_body(request, admin.MemberUpdate)
    async with transaction(request.app[keys.SESSIONS]) as session:
        member = await admin.update_member(
            session=session, caller=caller(request), member_id=path_id(request), changes=body
        )
    return reply(MemberPublic.model_validate(member))


@table.route(
    "POST",
    "/api/v1/leads/erase",
    "Erase a lead and everything about them (GDPR); nothing that names the address is left",
    body=settings_schemas.EraseIn,
    response=settings_schemas.EraseOut,
    roles="admin",
    allowed=(Role.ADMIN,),
)
async def erase_lead_route(request: web.Request) -> web.Response:
    body = await read_body(request, settings_schemas.EraseIn)
    async with transaction(request.app[keys.SESSIONS]) as session:
        erased = await erasure.erase_lead(session=session, caller=caller(request), email=body.email)
    return reply(settings_schemas.EraseOut(lead_id=uuid.UUID(erased.lead_id), rows=erased.rows))


@table.route(
    "GET",
    "/api/v1/delivery-problems",
    "Notifications the bot could not deliver, with the reason (e.g. app not installed)",
    response=settings_schemas.DeliveryProblemListOut,
    roles="team lead (own team), manager, admin",
    allowed=(Role.LEAD, Role.MANAGER, Role.ADMIN),
)
async def get_delivery_problems(request: web.Request) -> web.Response:
    async with request.app[keys.SESSIONS]() as session:
        rows = await outbox.delivery_problems(session=session, caller=caller(request))
    return reply(
        settings_schemas.DeliveryProblemListOut(
            items=[settings_schemas.DeliveryProblemOut.model_validate(row) for row in rows]
        )
    )
