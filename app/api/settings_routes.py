"""/api/v1/settings: the rules in force, the content library, routing, and the webhook keys."""

from __future__ import annotations

from aiohttp import web

from app import keys
from app.api import schemas, settings_schemas
from app.api.route_table import RouteTable, caller, path_id, read_body, reply
from app.db import transaction
from app.models import ApiKeyPublic
from app.nurturing.enums import Role
from app.services import admin, api_keys

table = RouteTable()
ROUTES = table.routes


@table.route(
    "GET",
    "/api/v1/settings",
    "Rules in force, content library, routing and teams",
    response=settings_schemas.SettingsOut,
    roles="manager, admin",
    allowed=(Role.MANAGER, Role.ADMIN),
)
async def get_settings(request: web.Request) -> web.Response:
    async with request.app[keys.SESSIONS]() as session:
        document = await admin.read_settings(session=session, caller=caller(request))
    return reply(settings_schemas.SettingsOut.model_validate(document))


@table.route(
    "PUT",
    "/api/v1/settings/rules/{key}",
    "Replace one rule set: scoring, thresholds, cadence, sla, recycling or routing_fallback "
    "(validated by the engine's own types)",
    body=settings_schemas.RulesIn,
    response=settings_schemas.RulesOut,
    roles="admin",
    allowed=(Role.ADMIN,),
)
async def put_rules(request: web.Request) -> web.Response:
    body = await read_body(request, settings_schemas.RulesIn)
    key = request.match_info["key"]
    async with transaction(request.app[keys.SESSIONS]) as session:
        stored = await admin.replace_rules(
            session=session, caller=caller(request), key=key, document=body.document
        )
    return reply(settings_schemas.RulesOut(key=key, document=stored))


@table.route(
    "PUT",
    "/api/v1/settings/content",
    "Replace the content library",
    body=settings_schemas.ContentIn,
    response=schemas.CountOut,
    roles="admin",
    allowed=(Role.ADMIN,),
)
async def put_content(request: web.Request) -> web.Response:
    body = await read_body(request, settings_schemas.ContentIn)
    async with transaction(request.app[keys.SESSIONS]) as session:
        count = await admin.replace_content(
            session=session, caller=caller(request), items=[item.model_dump() for item in body.items]
        )
    return reply(schemas.CountOut(count=count))


@table.route(
    "PUT",
    "/api/v1/settings/routing",
    "Replace the routing rules",
    body=settings_schemas.RoutingIn,
    response=schemas.CountOut,
    roles="admin",
    allowed=(Role.ADMIN,),
)
async def put_routing(request: web.Request) -> web.Response:
    body = await read_body(request, settings_schemas.RoutingIn)
    async with transaction(request.app[keys.SESSIONS]) as session:
        count = await admin.replace_routing(session=session, caller=caller(request), rules=body.rules)
    return reply(schemas.CountOut(count=count))


@table.route(
    "POST",
    "/api/v1/settings/api-keys",
    "Create a webhook key; its text is shown once",
    body=settings_schemas.ApiKeyIn,
    response=settings_schemas.ApiKeyCreatedOut,
    status=201,
    roles="admin",
    allowed=(Role.ADMIN,),
)
async def create_key(request: web.Request) -> web.Response:
    body = await read_body(request, settings_schemas.ApiKeyIn)
    async with transaction(request.app[keys.SESSIONS]) as session:
        row, text = await api_keys.create_api_key(session=session, caller=caller(request), name=body.name)
    return reply(
        settings_schemas.ApiKeyCreatedOut(key=text, details=ApiKeyPublic.model_validate(row)), status=201
    )


@table.route(
    "GET",
    "/api/v1/settings/api-keys",
    "The tenant's webhook keys, without secrets",
    response=settings_schemas.ApiKeyListOut,
    roles="admin",
    allowed=(Role.ADMIN,),
)
async def get_keys(request: web.Request) -> web.Response:
    async with request.app[keys.SESSIONS]() as session:
        rows = await api_keys.list_api_keys(session=session, caller=caller(request))
    return reply(settings_schemas.ApiKeyListOut(items=[ApiKeyPublic.model_validate(row) for row in rows]))


@table.route(
    "DELETE",
    "/api/v1/settings/api-keys/{id}",
    "Revoke a webhook key",
    response=ApiKeyPublic,
    roles="admin",
    allowed=(Role.ADMIN,),
)
async def revoke_key(request: web.Request) -> web.Response:
    async with transaction(request.app[keys.SESSIONS]) as session:
        row = await api_keys.revoke_api_key(session=session, caller=caller(request), key=path_id(request))
    return reply(ApiKeyPublic.model_validate(row))
