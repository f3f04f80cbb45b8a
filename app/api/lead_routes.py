"""/api/v1/leads: list, read, capture, edit, move, the timeline, the mail sync, CSV in and out."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, cast, get_args

from aiohttp import web

from app import keys
from app.api import schemas
from app.api.route_table import RouteTable, caller, now, path_id, read_body, reply
from app.db import transaction
from app.graph import on_demand
from app.graph.tokens import ConsentRequired, GraphAuthError
from app.models import LeadCreate, LeadPublic, LeadUpdate
from app.nurturing.enums import BuyerStage, Direction, Lifecycle, Role
from app.services import follow_ups, lead_export, leads, timeline
from app.services.errors import InvalidInput
from app.services.lead_queries import LeadFilter, LeadSort, list_leads, read_lead
from app.services.lookups import get_member

table = RouteTable()
ROUTES = table.routes


def _enum(query: Mapping[str, str], name: str, kind: type[Any]) -> Any:
    value = query.get(name)
    if value is None:
        return None
    try:
        return kind(value)
    except ValueError as error:
        raise InvalidInput(f"{name}: unknown value {value!r}") from error


@table.route(
    "GET",
    "/api/v1/leads",
    "Leads the caller may see: filter, search, sort, cursor paging",
    response=schemas.LeadPageOut,
)
async def get_leads(request: web.Request) -> web.Response:
    query = request.query
    try:
        where = LeadFilter(
            lifecycle=_enum(query, "lifecycle", Lifecycle),
            stage=_enum(query, "stage", BuyerStage),
            owner_id=uuid.UUID(query["owner"]) if "owner" in query else None,
            team_id=uuid.UUID(query["team"]) if "team" in query else None,
            unassigned=query.get("unassigned") == "true",
            search=query.get("q"),
        )
        limit = int(query.get("limit", "50"))
    except ValueError as error:
        raise InvalidInput("owner, team and limit must be a uuid, a uuid and a number") from error
    sort = query.get("sort", "-total_score")
    if sort not in get_args(LeadSort):
        raise InvalidInput("unknown sort")
    async with request.app[keys.SESSIONS]() as session:
        page = await list_leads(
            session=session,
            caller=caller(request),
            where=where,
            sort=cast(LeadSort, sort),
            cursor=query.get("cursor"),
            limit=limit,
        )
    items = [LeadPublic.model_validate(lead) for lead in page.items]
    return reply(schemas.LeadPageOut(items=items, next_cursor=page.next_cursor))


@table.route(
    "POST",
    "/api/v1/leads",
    "Capture a lead (routed and scored)",
    body=LeadCreate,
    response=LeadPublic,
    status=201,
    roles="rep (owns it), team lead, admin",
    allowed=(Role.REP, Role.LEAD, Role.ADMIN),
)
async def create_lead(request: web.Request) -> web.Response:
    data = await read_body(request, LeadCreate)
    async with transaction(request.app[keys.SESSIONS]) as session:
        lead = await leads.create_lead(session=session, caller=caller(request), data=data)
        # Inside the transaction: should the stored lead not make a valid reply, nothing is kept.
        out = LeadPublic.model_validate(lead)
    return reply(out, status=201)


@table.route("GET", "/api/v1/leads/{id}", "One lead", response=LeadPublic)
async def get_lead(request: web.Request) -> web.Response:
    async with request.app[keys.SESSIONS]() as session:
        lead = await read_lead(session=session, caller=caller(request), lead_id=path_id(request))
    return reply(LeadPublic.model_validate(lead))


@table.route(
    "PATCH",
    "/api/v1/leads/{id}",
    "Progressive profiling; carries the version (409 if stale)",
    body=LeadUpdate,
    response=LeadPublic,
    roles="owner, team lead, admin",
)
async def update_lead(request: web.Request) -> web.Response:
    data = await read_body(request, LeadUpdate)
    async with transaction(request.app[keys.SESSIONS]) as session:
        lead = await leads.update_lead(
            session=session, caller=caller(request), lead_id=path_id(request), data=data
        )
        out = LeadPublic.model_validate(lead)  # inside the transaction, as in create_lead
    return reply(out)


@table.route(
    "GET",
    "/api/v1/leads/{id}/timeline",
    "Messages, touches, events, stage, lifecycle and owner changes, newest first, cursor paged "
    "(?filter=all|mail|chat|activity, ?thread=<key>)",
    response=schemas.TimelineOut,
    roles="whoever may see the lead",
)
async def get_timeline(request: web.Request) -> web.Response:
    try:
        limit = int(request.query.get("limit", "50"))
    except ValueError as error:
        raise InvalidInput("bad limit") from error
    try:
        only = timeline.TimelineFilter(request.query.get("filter", "all"))
    except ValueError as error:
        raise InvalidInput("filter must be all, mail, chat or activity") from error
    async with request.app[keys.SESSIONS]() as session:
        page = await timeline.lead_timeline(
            session=session,
            caller=caller(request),
            lead_id=path_id(request),
            cursor=request.query.get("cursor"),
            limit=limit,
            only=only,
            thread=request.query.get("thread"),
            graph_connected=request.app[keys.GRAPH_TOKENS].configured,
        )
    return reply(schemas.TimelineOut(items=page.items, next_cursor=page.next_cursor, history=page.history))


@table.route(
    "GET",
    "/api/v1/leads/{id}/threads",
    "The lead's mail and chat threads, the most recently active first",
    response=schemas.ThreadsOut,
    roles="whoever may see the lead",
)
async def get_threads(request: web.Request) -> web.Response:
    async with request.app[keys.SESSIONS]() as session:
        threads = await timeline.lead_threads(
            session=session, caller=caller(request), lead_id=path_id(request)
        )
    return reply(schemas.ThreadsOut(items=threads))


@table.route(
    "GET",
    "/api/v1/leads/export",
    "All leads as CSV, streamed",
    roles="manager, admin",
    allowed=(Role.MANAGER, Role.ADMIN),
)
async def export_leads(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": 'attachment; filename="leads.csv"',
        }
    )
    await response.prepare(request)
    async with request.app[keys.SESSIONS]() as session:
        async for chunk in lead_export.export_leads_csv(session=session, tenant_id=caller(request).tenant_id):
            await response.write(chunk.encode("utf-8"))
    await response.write_eof()
    return response


@table.route(
    "POST",
    "/api/v1/leads/{id}/touchpoints",
    "Log a call, mail, meeting or chat",
    body=schemas.TouchpointIn,
    response=schemas.TouchpointOut,
    status=201,
    roles="owner, team lead, admin",
)
async def post_touchpoint(request: web.Request) -> web.Response:
    body = await read_body(request, schemas.TouchpointIn)
    async with transaction(request.app[keys.SESSIONS]) as session:
        row = await follow_ups.log_touchpoint(
            session=session,
            caller=caller(request),
            lead_id=path_id(request),
            kind=body.kind,
            summary=body.summary,
            expected_version=body.version,
            direction=Direction.INBOUND if body.inbound else Direction.OUTBOUND,
        )
    return reply(schemas.TouchpointOut.model_validate(row), status=201)


@table.route(
    "PUT",
    "/api/v1/leads/{id}/stage",
    "Override the buyer stage, with a reason",
    body=schemas.StageIn,
    response=LeadPublic,
    roles="owner, team lead, admin",
)
async def put_stage(request: web.Request) -> web.Response:
    body = await read_body(request, schemas.StageIn)
    async with transaction(request.app[keys.SESSIONS]) as session:
        lead = await leads.override_stage(
            session=session,
            caller=caller(request),
            lead_id=path_id(request),
            stage=body.stage,
            reason=body.reason,
            expected_version=body.version,
        )
    return reply(LeadPublic.model_validate(lead))


@table.route(
    "PUT",
    "/api/v1/leads/{id}/lifecycle",
    "Move the lifecycle: SQL, opportunity, won, or (with a reason) lost, disqualified, recycled",
    body=schemas.LifecycleIn,
    response=LeadPublic,
    roles="owner, team lead, admin",
)
async def put_lifecycle(request: web.Request) -> web.Response:
    body = await read_body(request, schemas.LifecycleIn)
    async with transaction(request.app[keys.SESSIONS]) as session:
        lead = await leads.set_lifecycle(
            session=session,
            caller=caller(request),
            lead_id=path_id(request),
            lifecycle=body.lifecycle,
            reason=body.reason,
            expected_version=body.version,
            reason_code=body.reason_code,
            until=body.until_at(),
        )
    return reply(LeadPublic.model_validate(lead))


@table.route(
    "POST",
    "/api/v1/leads/{id}/history/sync",
    "Pull the caller's mail with this lead from Microsoft Graph, if the last pull is stale",
    response=schemas.HistorySyncOut,
    roles="anyone who can see the lead",
)
async def sync_history(request: web.Request) -> web.Response:
    who = caller(request)
    lead_id = path_id(request)
    async with request.app[keys.SESSIONS]() as session:
        await read_lead(session=session, caller=who, lead_id=lead_id)  # visibility first
        assert who.member_id is not None
        member = await get_member(session=session, tenant_id=who.tenant_id, member_id=who.member_id)
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not member.aad_object_id:
        # The dev sign-in has no Teams token to exchange; there is no mailbox to read.
        return reply(schemas.HistorySyncOut(status="unavailable"))
    try:
        result = await on_demand.sync_if_stale(
            settings=request.app[keys.SETTINGS],
            sessions=request.app[keys.SESSIONS],
            tokens=request.app[keys.GRAPH_TOKENS],
            tls=request.app[keys.GRAPH_TLS],
            tenant_id=who.tenant_id,
            object_id=member.aad_object_id,
            lead_id=lead_id,
            user_assertion=token.strip(),
            now=now(request),
        )
    except ConsentRequired as missing:
        out = schemas.HistorySyncOut(status="consent_required", admin_consent_url=missing.admin_consent_url)
        return reply(out, status=403)
    except GraphAuthError as error:
        return reply(schemas.HistorySyncOut(status="unavailable", detail=error.code), status=502)
    return reply(schemas.HistorySyncOut(status=result.status, stored=result.stored))
