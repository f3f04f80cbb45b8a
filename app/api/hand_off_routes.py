"""/api/v1/hand-offs: propose one, the list waiting for a decision, accept and reject."""

from __future__ import annotations

from aiohttp import web

from app import keys
from app.api import schemas
from app.api.route_table import RouteTable, caller, path_id, read_body, reply
from app.db import transaction
from app.nurturing.enums import Role
from app.services import hand_offs

table = RouteTable()
ROUTES = table.routes


@table.route(
    "POST",
    "/api/v1/hand-offs/{id}/accept",
    "Accept: the lead becomes SAL",
    response=schemas.HandOffOut,
    roles="team lead, admin",
    allowed=(Role.LEAD, Role.ADMIN),
)
async def accept_hand_off(request: web.Request) -> web.Response:
    async with transaction(request.app[keys.SESSIONS]) as session:
        row = await hand_offs.accept_hand_off(
            session=session, caller=caller(request), hand_off_id=path_id(request)
        )
    return reply(schemas.HandOffOut.model_validate(row))


@table.route(
    "POST",
    "/api/v1/hand-offs/{id}/reject",
    "Reject with a reason: the lead is recycled",
    body=schemas.RejectIn,
    response=schemas.HandOffOut,
    roles="team lead, admin",
    allowed=(Role.LEAD, Role.ADMIN),
)
async def reject_hand_off(request: web.Request) -> web.Response:
    body = await read_body(request, schemas.RejectIn)
    async with transaction(request.app[keys.SESSIONS]) as session:
        row = await hand_offs.reject_hand_off(
            session=session,
            caller=caller(request),
            hand_off_id=path_id(request),
            reason_code=body.reason_code,
            note=body.note,
            until=body.until_at(),
        )
    return reply(schemas.HandOffOut.model_validate(row))


@table.route(
    "POST",
    "/api/v1/leads/{id}/hand-offs",
    "Propose a hand-off to sales",
    body=schemas.ProposeIn,
    response=schemas.HandOffOut,
    status=201,
    roles="owner, team lead, admin",
)
async def post_hand_off(request: web.Request) -> web.Response:
    body = await read_body(request, schemas.ProposeIn)
    async with transaction(request.app[keys.SESSIONS]) as session:
        row = await hand_offs.propose_hand_off(
            session=session,
            caller=caller(request),
            lead_id=path_id(request),
            note=body.note,
            expected_version=body.version,
        )
    return reply(schemas.HandOffOut.model_validate(row), status=201)


@table.route(
    "GET",
    "/api/v1/hand-offs",
    "Hand-offs waiting for a decision",
    response=schemas.HandOffListOut,
    roles="team lead (own team), manager, admin",
    allowed=(Role.LEAD, Role.MANAGER, Role.ADMIN),
)
async def get_hand_offs(request: web.Request) -> web.Response:
    async with request.app[keys.SESSIONS]() as session:
        rows = await hand_offs.waiting_hand_offs(session=session, caller=caller(request))
    return reply(schemas.HandOffListOut(items=[schemas.HandOffOut.model_validate(row) for row in rows]))
