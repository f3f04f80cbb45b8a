"""Handlers of /api/v1: each parses input, calls one service in one transaction, returns a Public model."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar, cast, get_args

from aiohttp import web
from pydantic import BaseModel
from sqlmodel import col, select

from app import keys
from app.api import schemas, vocabulary, webhooks
from app.api.json_input import parse_json
from app.db import transaction
from app.graph import on_demand
from app.graph.tokens import ConsentRequired, GraphAuthError
from app.importing.fields import IGNORE, TARGET_FIELDS
from app.importing.mapping import MappingProblem, parse_map_option
from app.importing.presets import PRESETS
from app.input_limits import REPORT_PAST, in_utc
from app.models import (
    ApiKeyPublic,
    FollowUp,
    HandOff,
    Lead,
    LeadCreate,
    LeadPublic,
    LeadUpdate,
    Member,
    MemberPublic,
    TeamBase,
    TeamPublic,
    TeamUpdate,
)
from app.nurturing.enums import (
    ACTIVE_FOLLOW_UP_STATUSES,
    BuyerStage,
    Direction,
    HandOffStatus,
    Lifecycle,
    Role,
)
from app.services import (
    admin,
    api_keys,
    assignment,
    cursors,
    erasure,
    follow_ups,
    hand_offs,
    lead_export,
    lead_import,
    leads,
    outbox,
    pipeline,
    practice_health,
    scoring,
    timeline,
)
from app.services.access import Actor
from app.services.errors import InvalidInput, NotAllowed
from app.services.lead_queries import LeadFilter, LeadSort, list_leads, read_lead, visible_to

Model = TypeVar("Model", bound=BaseModel)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    path: str
    handler: Handler
    summary: str
    body: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    roles: str = "any member"
    security: str = "teamsSso"
    errors_as_response: bool = False  # a refusal answers with the response model itself (the CSV report)
    allowed: tuple[Role, ...] = ()  # roles that may call it at all; empty means any member

    def guarded(self) -> Handler:
        """The handler behind its role gate, which runs before the body, the ids or the database are read,
        so a role that may never do this learns nothing from the answer."""
        if not self.allowed:
            return self.handler
        allowed, handler = self.allowed, self.handler

        async def gate(request: web.Request) -> web.StreamResponse:
            _require(_actor(request), *allowed)
            return await handler(request)

        gate.__name__ = handler.__name__
        return gate


async def _body(request: web.Request, model: type[Model]) -> Model:
    """The request body as ``model``, validated in full (ranges that depend on the time included) before
    any session is opened, so a refused request can have written nothing."""
    document = parse_json(await request.read())
    return model.model_validate(document, context={"now": _now(request)})


def _reply(model: BaseModel, status: int = 200) -> web.Response:
    return web.json_response(text=model.model_dump_json(), status=status)


def _id(request: web.Request, name: str = "id") -> uuid.UUID:
    try:
        return uuid.UUID(request.match_info[name])
    except ValueError as error:
        raise web.HTTPNotFound(text='{"error": "not_found"}', content_type="application/json") from error


def _actor(request: web.Request) -> Actor:
    return request[keys.ACTOR]


def _now(request: web.Request) -> Any:
    return request.app[keys.CLOCK]()


def _require(actor: Actor, *roles: Role) -> None:
    if actor.role not in roles:
        raise NotAllowed(f"{actor.role} may not do this")


async def me(request: web.Request) -> web.Response:
    actor = _actor(request)
    async with request.app[keys.SESSIONS]() as session:
        member = await session.get(Member, actor.member_id)
    assert member is not None
    return _reply(schemas.MeOut(tenant_id=actor.tenant_id, member=MemberPublic.model_validate(member)))


def _enum(query: Mapping[str, str], name: str, kind: type[Any]) -> Any:
    value = query.get(name)
    if value is None:
        return None
    try:
        return kind(value)
    except ValueError as error:
        raise InvalidInput(f"{name}: unknown value {value!r}") from error


async def get_leads(request: web.Request) -> web.Response:
    actor, query = _actor(request), request.query
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
            actor=actor,
            where=where,
            sort=cast(LeadSort, sort),
            cursor=query.get("cursor"),
            limit=limit,
        )
    items = [LeadPublic.model_validate(lead) for lead in page.items]
    return _reply(schemas.LeadPageOut(items=items, next_cursor=page.next_cursor))


async def get_lead(request: web.Request) -> web.Response:
    async with request.app[keys.SESSIONS]() as session:
        lead = await read_lead(session=session, actor=_actor(request), lead_id=_id(request))
    return _reply(LeadPublic.model_validate(lead))


async def create_lead(request: web.Request) -> web.Response:
    actor = _actor(request)
    _require(actor, Role.REP, Role.LEAD, Role.ADMIN)
    data = await _body(request, LeadCreate)
    async with transaction(request.app[keys.SESSIONS]) as session:
        if actor.role is Role.REP:
            # A rep who captures a lead owns it; they cannot hand it to someone else on the way in.
            own = await session.get(Member, actor.member_id)
            data = data.model_copy(update={"owner_email": own.email if own else None})
        lead = await leads.create_lead(
            session=session, tenant_id=actor.tenant_id, data=data, actor=actor, now=_now(request)
        )
        # Inside the transaction: should the stored lead not make a valid reply, nothing is kept.
        out = LeadPublic.model_validate(lead)
    return _reply(out, status=201)


async def update_lead(request: web.Request) -> web.Response:
    actor = _actor(request)
    data = await _body(request, LeadUpdate)
    async with transaction(request.app[keys.SESSIONS]) as session:
        lead = await leads.update_lead(
            session=session,
            tenant_id=actor.tenant_id,
            lead_id=_id(request),
            data=data,
            actor=actor,
            now=_now(request),
        )
        out = LeadPublic.model_validate(lead)  # inside the transaction, as in create_lead
    return _reply(out)


async def assign_owner(request: web.Request) -> web.Response:
    actor = _actor(request)
    body = await _body(request, schemas.AssignIn)
    async with transaction(request.app[keys.SESSIONS]) as session:
        change = await assignment.assign_owner(
            session=session,
            tenant_id=actor.tenant_id,
            lead_id=_id(request),
            member_id=body.member_id,
            actor=actor,
            now=_now(request),
            reason=body.reason,
            expected_version=body.version,
        )
    changes = [schemas.OwnershipChangeOut.model_validate(change)] if change else []
    return _reply(schemas.AssignmentsOut(changes=changes))


async def bulk_assign(request: web.Request) -> web.Response:
    actor = _actor(request)
    body = await _body(request, schemas.BulkAssignIn)
    async with transaction(request.app[keys.SESSIONS]) as session:
        changes = await assignment.bulk_assign(
            session=session,
            tenant_id=actor.tenant_id,
            lead_ids=body.lead_ids,
            member_id=body.member_id,
            actor=actor,
            now=_now(request),
            reason=body.reason,
        )
    return _reply(
        schemas.AssignmentsOut(changes=[schemas.OwnershipChangeOut.model_validate(c) for c in changes])
    )


async def round_robin(request: web.Request) -> web.Response:
    actor = _actor(request)
    _require(actor, Role.LEAD, Role.ADMIN)
    body = await _body(request, schemas.RoundRobinIn)
    async with transaction(request.app[keys.SESSIONS]) as session:
        changes = await assignment.round_robin_assign(
            session=session,
            tenant_id=actor.tenant_id,
            lead_ids=body.lead_ids,
            team_id=body.team_id,
            actor=actor,
            now=_now(request),
        )
    return _reply(
        schemas.AssignmentsOut(changes=[schemas.OwnershipChangeOut.model_validate(c) for c in changes])
    )


async def get_follow_ups(request: web.Request) -> web.Response:
    actor = _actor(request)
    scope = request.query.get("scope", "mine")
    statement = select(FollowUp).where(
        FollowUp.tenant_id == actor.tenant_id, col(FollowUp.status).in_(ACTIVE_FOLLOW_UP_STATUSES)
    )
    if scope == "lead":  # the follow-ups of one lead the caller may see, finished ones included
        try:
            lead_id = uuid.UUID(request.query.get("lead", ""))
        except ValueError as error:
            raise InvalidInput("scope=lead needs ?lead=<id>") from error
        async with request.app[keys.SESSIONS]() as session:
            await read_lead(session=session, actor=actor, lead_id=lead_id)
        statement = (
            select(FollowUp)
            .where(FollowUp.tenant_id == actor.tenant_id, FollowUp.lead_id == lead_id)
            .order_by(col(FollowUp.due_at).desc())
        )
    elif scope == "mine":
        statement = statement.where(FollowUp.owner_id == actor.member_id)
    elif scope == "team":
        _require(actor, Role.LEAD, Role.MANAGER, Role.ADMIN)
        if actor.role is Role.LEAD:
            team = select(Member.id).where(
                Member.tenant_id == actor.tenant_id, Member.team_id == actor.team_id
            )
            statement = statement.where(col(FollowUp.owner_id).in_(team))
    else:
        raise InvalidInput("scope is mine, team or lead")
    if scope != "lead":
        statement = statement.order_by(col(FollowUp.due_at))
    async with request.app[keys.SESSIONS]() as session:
        rows = (await session.exec(statement.limit(500))).all()
    return _reply(schemas.FollowUpListOut(items=[schemas.FollowUpOut.model_validate(row) for row in rows]))


async def complete_follow_up(request: web.Request) -> web.Response:
    actor = _actor(request)
    body = await _body(request, schemas.CompleteIn)
    async with transaction(request.app[keys.SESSIONS]) as session:
        row = await follow_ups.complete_follow_up(
            session=session,
            tenant_id=actor.tenant_id,
            follow_up_id=_id(request),
            outcome=body.outcome,
            actor=actor,
            now=_now(request),
            note=body.note,
            expected_version=body.version,
            reason_code=body.reason_code,
            until=body.until_at(),
        )
    return _reply(schemas.FollowUpOut.model_validate(row))


async def snooze_follow_up(request: web.Request) -> web.Response:
    actor = _actor(request)
    body = await _body(request, schemas.SnoozeIn)
    async with transaction(request.app[keys.SESSIONS]) as session:
        row = await follow_ups.snooze_follow_up(
            session=session,
            tenant_id=actor.tenant_id,
            follow_up_id=_id(request),
            preset=body.preset,
            actor=actor,
            now=_now(request),
            expected_version=body.version,
        )
    return _reply(schemas.FollowUpOut.model_validate(row))


async def reschedule_follow_up(request: web.Request) -> web.Response:
    actor = _actor(request)
    body = await _body(request, schemas.RescheduleIn)
    async with transaction(request.app[keys.SESSIONS]) as session:
        row = await follow_ups.reschedule_follow_up(
            session=session,
            tenant_id=actor.tenant_id,
            follow_up_id=_id(request),
            when=body.when,
            actor=actor,
            now=_now(request),
            expected_version=body.version,
        )
    return _reply(schemas.FollowUpOut.model_validate(row))


async def accept_hand_off(request: web.Request) -> web.Response:
    actor = _actor(request)
    async with transaction(request.app[keys.SESSIONS]) as session:
        row = await hand_offs.accept_hand_off(
            session=session,
            tenant_id=actor.tenant_id,
            hand_off_id=_id(request),
            actor=actor,
            now=_now(request),
        )
    return _reply(schemas.HandOffOut.model_validate(row))


async def reject_hand_off(request: web.Request) -> web.Response:
    actor = _actor(request)
    body = await _body(request, schemas.RejectIn)
    async with transaction(request.app[keys.SESSIONS]) as session:
        row = await hand_offs.reject_hand_off(
            session=session,
            tenant_id=actor.tenant_id,
            hand_off_id=_id(request),
            reason_code=body.reason_code,
            note=body.note,
            until=body.until_at(),
            actor=actor,
            now=_now(request),
        )
    return _reply(schemas.HandOffOut.model_validate(row))


async def create_key(request: web.Request) -> web.Response:
    actor = _actor(request)
    body = await _body(request, schemas.ApiKeyIn)
    async with transaction(request.app[keys.SESSIONS]) as session:
        row, text = await api_keys.create_api_key(
            session=session, actor=actor, name=body.name, now=_now(request)
        )
    return _reply(schemas.ApiKeyCreatedOut(key=text, details=ApiKeyPublic.model_validate(row)), status=201)


async def get_keys(request: web.Request) -> web.Response:
    async with request.app[keys.SESSIONS]() as session:
        rows = await api_keys.list_api_keys(session=session, actor=_actor(request))
    return _reply(schemas.ApiKeyListOut(items=[ApiKeyPublic.model_validate(row) for row in rows]))


async def revoke_key(request: web.Request) -> web.Response:
    async with transaction(request.app[keys.SESSIONS]) as session:
        row = await api_keys.revoke_api_key(
            session=session, actor=_actor(request), key=_id(request), now=_now(request)
        )
    return _reply(ApiKeyPublic.model_validate(row))


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
            actor=_actor(request),
            lead_id=_id(request),
            before=cursors.decode_moment(cursor) if (cursor := request.query.get("cursor")) else None,
            limit=limit,
            only=only,
            thread=request.query.get("thread"),
            graph_connected=request.app[keys.GRAPH_TOKENS].configured,
        )
    next_cursor = cursors.encode(*page.next_before) if page.next_before else None
    return _reply(schemas.TimelineOut(items=page.items, next_cursor=next_cursor, history=page.history))


async def get_threads(request: web.Request) -> web.Response:
    async with request.app[keys.SESSIONS]() as session:
        threads = await timeline.lead_threads(session=session, actor=_actor(request), lead_id=_id(request))
    return _reply(schemas.ThreadsOut(items=threads))


async def get_pipeline(request: web.Request) -> web.Response:
    now = _now(request)
    query = request.query
    try:
        team = uuid.UUID(query["team"]) if "team" in query else None
        owner = uuid.UUID(query["owner"]) if "owner" in query else None
    except ValueError as error:
        raise InvalidInput("bad id") from error
    since = _moment("since", query.get("since"), now - timedelta(days=30), now=now)
    until = _moment("until", query.get("until"), now, now=now)
    if since > until:
        raise InvalidInput("since must not be after until")
    async with request.app[keys.SESSIONS]() as session:
        metrics = await pipeline.pipeline_metrics(
            session=session,
            actor=_actor(request),
            since=since,
            until=until,
            now=now,
            team_id=team,
            owner_id=owner,
        )
    return _reply(schemas.PipelineOut.model_validate(asdict(metrics)))


async def get_practice_health(request: web.Request) -> web.Response:
    actor = _actor(request)
    _require(actor, Role.MANAGER, Role.ADMIN)
    try:
        days = int(request.query.get("days", str(practice_health.DEFAULT_DAYS)))
    except ValueError as error:
        raise InvalidInput("days must be a whole number") from error
    if not 1 <= days <= practice_health.MAX_DAYS:
        raise InvalidInput(f"days must be between 1 and {practice_health.MAX_DAYS}")
    async with request.app[keys.SESSIONS]() as session:
        health = await practice_health.practice_health(
            session=session, tenant_id=actor.tenant_id, now=_now(request), days=days
        )
    return _reply(schemas.PracticeHealthOut.of(health))


def _import_options(request: web.Request) -> lead_import.ImportOptions:
    """The mapping and switches of an import from its query: ?preset=, ?map=Source=field (repeatable),
    ?keep_unmapped=, ?dry_run=, ?skip_invalid=."""
    query = request.query
    explicit: dict[str, str] = {}
    for text in query.getall("map", []):
        try:
            source, target = parse_map_option(text)
        except MappingProblem as problem:
            raise lead_import.ImportRejected(
                [lead_import.RowError(1, None, p) for p in problem.problems]
            ) from None
        explicit[source] = target
    return lead_import.ImportOptions(
        preset=query.get("preset") or None,
        mapping=explicit,
        keep_unmapped=query.get("keep_unmapped") == "true",
        dry_run=query.get("dry_run") == "true",
        skip_invalid=query.get("skip_invalid") == "true",
    )


def _import_out(
    report: lead_import.ImportReport | None,
    errors: Sequence[lead_import.RowError],
    header: Sequence[str] = (),
) -> schemas.ImportOut:
    choices = dict(
        presets=[schemas.ImportPresetOut(name=p.name, label=p.label) for p in PRESETS.values()],
        fields=[*TARGET_FIELDS, IGNORE],
        errors=[schemas.RowErrorOut(line=e.line, column=e.column, message=e.message) for e in errors],
    )
    if report is None:
        return schemas.ImportOut(imported=0, skipped=0, header=list(header), **choices)
    return schemas.ImportOut(
        imported=report.imported,
        skipped=report.skipped,
        created=report.created,
        updated=report.updated,
        more_errors=report.more_errors,
        dry_run=report.dry_run,
        kind=report.kind,
        encoding=report.encoding,
        separator=report.separator,
        preset=report.preset,
        mapping=[schemas.ImportColumnOut(column=c, field=f) for c, f in report.mapping],
        header=[column for column, _ in report.mapping],
        **choices,
    )


async def import_leads(request: web.Request) -> web.Response:
    actor = _actor(request)
    _require(actor, Role.LEAD, Role.ADMIN)
    settings = request.app[keys.SETTINGS]
    limit = settings.import_max_bytes
    too_big = lead_import.RowError(
        1,
        None,
        f"the file is larger than the limit of {limit / 1_048_576:.1f} MB; split it and import the parts",
    )
    if request.content_length is not None and request.content_length > limit:
        return _reply(_import_out(None, [too_big]), status=400)
    try:
        options = _import_options(request)
    except lead_import.ImportRejected as rejected:
        return _reply(_import_out(None, rejected.errors), status=400)
    now = _now(request)
    # The body goes to a spooled file (memory up to 1 MB, then disk), so a big upload is never held whole.
    with tempfile.SpooledTemporaryFile(max_size=1_048_576) as spool:
        size = 0
        async for chunk in request.content.iter_chunked(65_536):
            size += len(chunk)
            if size > limit:
                return _reply(_import_out(None, [too_big]), status=400)
            spool.write(chunk)
        spool.seek(0)
        try:
            async with transaction(request.app[keys.SESSIONS]) as session:

                async def settle(ids: list[uuid.UUID]) -> None:
                    await scoring.settle_new_leads(
                        session=session, tenant_id=actor.tenant_id, lead_ids=ids, now=now
                    )

                report = await lead_import.import_leads(
                    session=session,
                    tenant_id=actor.tenant_id,
                    stream=spool,  # type: ignore[arg-type]
                    now=now,
                    max_bytes=limit,
                    options=options,
                    after_batch=settle,
                    actor=actor,
                )
        except lead_import.ImportRejected as rejected:
            out = _import_out(rejected.report, rejected.errors, rejected.header)
            return _reply(out.model_copy(update={"imported": 0}), status=400)
    return _reply(_import_out(report, report.errors))


async def export_leads(request: web.Request) -> web.StreamResponse:
    actor = _actor(request)
    _require(actor, Role.MANAGER, Role.ADMIN)
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": 'attachment; filename="leads.csv"',
        }
    )
    await response.prepare(request)
    async with request.app[keys.SESSIONS]() as session:
        async for chunk in lead_export.export_leads_csv(session=session, tenant_id=actor.tenant_id):
            await response.write(chunk.encode("utf-8"))
    await response.write_eof()
    return response


async def get_settings(request: web.Request) -> web.Response:
    async with request.app[keys.SESSIONS]() as session:
        document = await admin.read_settings(session=session, actor=_actor(request))
    return _reply(schemas.SettingsOut.model_validate(document))


async def put_rules(request: web.Request) -> web.Response:
    body = await _body(request, schemas.RulesIn)
    key = request.match_info["key"]
    async with transaction(request.app[keys.SESSIONS]) as session:
        stored = await admin.replace_rules(
            session=session, actor=_actor(request), key=key, document=body.document, now=_now(request)
        )
    return _reply(schemas.RulesOut(key=key, document=stored))


async def put_content(request: web.Request) -> web.Response:
    body = await _body(request, schemas.ContentIn)
    async with transaction(request.app[keys.SESSIONS]) as session:
        count = await admin.replace_content(
            session=session, actor=_actor(request), items=[item.model_dump() for item in body.items]
        )
    return _reply(schemas.CountOut(count=count))


async def put_routing(request: web.Request) -> web.Response:
    body = await _body(request, schemas.RoutingIn)
    async with transaction(request.app[keys.SESSIONS]) as session:
        count = await admin.replace_routing(session=session, actor=_actor(request), rules=body.rules)
    return _reply(schemas.CountOut(count=count))


async def post_team(request: web.Request) -> web.Response:
    body = await _body(request, TeamBase)
    async with transaction(request.app[keys.SESSIONS]) as session:
        team = await admin.create_team(session=session, actor=_actor(request), data=body)
    return _reply(TeamPublic.model_validate(team), status=201)


async def patch_team(request: web.Request) -> web.Response:
    body = await _body(request, TeamUpdate)
    team_id = _id(request)
    async with transaction(request.app[keys.SESSIONS]) as session:
        team = await admin.update_team(session=session, actor=_actor(request), team_id=team_id, changes=body)
    return _reply(TeamPublic.model_validate(team))


async def get_members(request: web.Request) -> web.Response:
    actor = _actor(request)
    async with request.app[keys.SESSIONS]() as session:
        rows = (
            await session.exec(
                select(Member).where(Member.tenant_id == actor.tenant_id).order_by(col(Member.display_name))
            )
        ).all()
    return _reply(schemas.MemberListOut(items=[MemberPublic.model_validate(row) for row in rows]))


async def patch_member(request: web.Request) -> web.Response:
    body = await _body(request, admin.MemberUpdate)
    async with transaction(request.app[keys.SESSIONS]) as session:
        member = await admin.update_member(
            session=session, actor=_actor(request), member_id=_id(request), changes=body, now=_now(request)
        )
    return _reply(MemberPublic.model_validate(member))


async def post_touchpoint(request: web.Request) -> web.Response:
    actor = _actor(request)
    body = await _body(request, schemas.TouchpointIn)
    async with transaction(request.app[keys.SESSIONS]) as session:
        row = await follow_ups.log_touchpoint(
            session=session,
            tenant_id=actor.tenant_id,
            lead_id=_id(request),
            kind=body.kind,
            summary=body.summary,
            actor=actor,
            now=_now(request),
            expected_version=body.version,
            direction=Direction.INBOUND if body.inbound else Direction.OUTBOUND,
        )
    return _reply(schemas.TouchpointOut.model_validate(row), status=201)


async def put_stage(request: web.Request) -> web.Response:
    actor = _actor(request)
    body = await _body(request, schemas.StageIn)
    async with transaction(request.app[keys.SESSIONS]) as session:
        lead = await leads.override_stage(
            session=session,
            tenant_id=actor.tenant_id,
            lead_id=_id(request),
            stage=body.stage,
            reason=body.reason,
            actor=actor,
            now=_now(request),
            expected_version=body.version,
        )
    return _reply(LeadPublic.model_validate(lead))


async def put_lifecycle(request: web.Request) -> web.Response:
    actor = _actor(request)
    body = await _body(request, schemas.LifecycleIn)
    async with transaction(request.app[keys.SESSIONS]) as session:
        lead = await leads.set_lifecycle(
            session=session,
            tenant_id=actor.tenant_id,
            lead_id=_id(request),
            lifecycle=body.lifecycle,
            reason=body.reason,
            actor=actor,
            now=_now(request),
            expected_version=body.version,
            reason_code=body.reason_code,
            until=body.until_at(),
        )
    return _reply(LeadPublic.model_validate(lead))


async def post_hand_off(request: web.Request) -> web.Response:
    actor = _actor(request)
    body = await _body(request, schemas.ProposeIn)
    async with transaction(request.app[keys.SESSIONS]) as session:
        row = await hand_offs.propose_hand_off(
            session=session,
            tenant_id=actor.tenant_id,
            lead_id=_id(request),
            actor=actor,
            now=_now(request),
            note=body.note,
            expected_version=body.version,
        )
    return _reply(schemas.HandOffOut.model_validate(row), status=201)


async def sync_history(request: web.Request) -> web.Response:
    actor = _actor(request)
    lead_id = _id(request)
    async with request.app[keys.SESSIONS]() as session:
        await read_lead(session=session, actor=actor, lead_id=lead_id)  # visibility first
        member = await session.get(Member, actor.member_id)
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or member is None or not member.aad_object_id:
        # The dev sign-in has no Teams token to exchange; there is no mailbox to read.
        return _reply(schemas.HistorySyncOut(status="unavailable"))
    try:
        result = await on_demand.sync_if_stale(
            settings=request.app[keys.SETTINGS],
            sessions=request.app[keys.SESSIONS],
            tokens=request.app[keys.GRAPH_TOKENS],
            tls=request.app[keys.GRAPH_TLS],
            tenant_id=actor.tenant_id,
            object_id=member.aad_object_id,
            lead_id=lead_id,
            user_assertion=token.strip(),
            now=request.app[keys.CLOCK](),
        )
    except ConsentRequired as missing:
        out = schemas.HistorySyncOut(status="consent_required", admin_consent_url=missing.admin_consent_url)
        return _reply(out, status=403)
    except GraphAuthError as error:
        return _reply(schemas.HistorySyncOut(status="unavailable", detail=error.code), status=502)
    return _reply(schemas.HistorySyncOut(status=result.status, stored=result.stored))


async def erase_lead_route(request: web.Request) -> web.Response:
    actor = _actor(request)
    body = await _body(request, schemas.EraseIn)
    async with transaction(request.app[keys.SESSIONS]) as session:
        erased = await erasure.erase_lead(
            session=session, actor=actor, tenant_id=actor.tenant_id, email=body.email
        )
    return _reply(schemas.EraseOut(lead_id=uuid.UUID(erased.lead_id), rows=erased.rows))


async def get_delivery_problems(request: web.Request) -> web.Response:
    actor = _actor(request)
    _require(actor, Role.LEAD, Role.MANAGER, Role.ADMIN)
    async with request.app[keys.SESSIONS]() as session:
        member_ids = None
        if actor.role is Role.LEAD:
            # A team lead sees who in their team the bot cannot reach, and why.
            tenant, team_id = actor.tenant_id, actor.team_id
            team = select(Member.id).where(Member.tenant_id == tenant, Member.team_id == team_id)
            member_ids = (await session.exec(team)).all()
        rows = await outbox.delivery_problems(
            session=session, tenant_id=actor.tenant_id, member_ids=member_ids
        )
    return _reply(
        schemas.DeliveryProblemListOut(items=[schemas.DeliveryProblemOut.model_validate(row) for row in rows])
    )


async def get_hand_offs(request: web.Request) -> web.Response:
    actor = _actor(request)
    _require(actor, Role.LEAD, Role.MANAGER, Role.ADMIN)
    statement = (
        select(HandOff)
        .join(Lead, col(Lead.id) == col(HandOff.lead_id))
        .where(
            HandOff.tenant_id == actor.tenant_id, HandOff.status == HandOffStatus.PROPOSED, visible_to(actor)
        )
        .order_by(col(HandOff.proposed_at))
        .limit(200)
    )
    async with request.app[keys.SESSIONS]() as session:
        rows = (await session.exec(statement)).all()
    return _reply(schemas.HandOffListOut(items=[schemas.HandOffOut.model_validate(row) for row in rows]))


ROUTES: tuple[Route, ...] = (
    Route("GET", "/api/v1/me", me, "The signed-in member", response=schemas.MeOut),
    Route(
        "GET",
        "/api/v1/vocabulary",
        vocabulary.get_vocabulary,
        "Words for codes",
        response=vocabulary.VocabularyOut,
    ),
    Route(
        "GET",
        "/api/v1/leads",
        get_leads,
        "Leads the caller may see: filter, search, sort, cursor paging",
        response=schemas.LeadPageOut,
    ),
    Route(
        "POST",
        "/api/v1/leads",
        create_lead,
        "Capture a lead (routed and scored)",
        body=LeadCreate,
        response=LeadPublic,
        status=201,
        roles="rep (owns it), team lead, admin",
        allowed=(Role.REP, Role.LEAD, Role.ADMIN),
    ),
    Route("GET", "/api/v1/leads/{id}", get_lead, "One lead", response=LeadPublic),
    Route(
        "PATCH",
        "/api/v1/leads/{id}",
        update_lead,
        "Progressive profiling; carries the version (409 if stale)",
        body=LeadUpdate,
        response=LeadPublic,
        roles="owner, team lead, admin",
    ),
    Route(
        "POST",
        "/api/v1/leads/{id}/owner",
        assign_owner,
        "Assign one lead",
        body=schemas.AssignIn,
        response=schemas.AssignmentsOut,
        roles="team lead (own team), admin",
        allowed=(Role.LEAD, Role.ADMIN),
    ),
    Route(
        "POST",
        "/api/v1/assignments/bulk",
        bulk_assign,
        "Assign many leads to one member, all or nothing",
        body=schemas.BulkAssignIn,
        response=schemas.AssignmentsOut,
        roles="team lead (own team), admin",
        allowed=(Role.LEAD, Role.ADMIN),
    ),
    Route(
        "POST",
        "/api/v1/assignments/round-robin",
        round_robin,
        "Spread leads over a team by free capacity",
        body=schemas.RoundRobinIn,
        response=schemas.AssignmentsOut,
        roles="team lead, admin",
        allowed=(Role.LEAD, Role.ADMIN),
    ),
    Route(
        "GET",
        "/api/v1/follow-ups",
        get_follow_ups,
        "Active follow-ups: ?scope=mine or team; or all of one lead: ?scope=lead&lead=<id>",
        response=schemas.FollowUpListOut,
    ),
    Route(
        "POST",
        "/api/v1/follow-ups/{id}/complete",
        complete_follow_up,
        "Done, with an outcome",
        body=schemas.CompleteIn,
        response=schemas.FollowUpOut,
        roles="owner, team lead, admin",
    ),
    Route(
        "POST",
        "/api/v1/follow-ups/{id}/snooze",
        snooze_follow_up,
        "Snooze 1 h, to tomorrow or next week",
        body=schemas.SnoozeIn,
        response=schemas.FollowUpOut,
        roles="owner, team lead, admin",
    ),
    Route(
        "POST",
        "/api/v1/follow-ups/{id}/reschedule",
        reschedule_follow_up,
        "Move to a day or time",
        body=schemas.RescheduleIn,
        response=schemas.FollowUpOut,
        roles="owner, team lead, admin",
    ),
    Route(
        "POST",
        "/api/v1/hand-offs/{id}/accept",
        accept_hand_off,
        "Accept: the lead becomes SAL",
        response=schemas.HandOffOut,
        roles="team lead, admin",
        allowed=(Role.LEAD, Role.ADMIN),
    ),
    Route(
        "POST",
        "/api/v1/hand-offs/{id}/reject",
        reject_hand_off,
        "Reject with a reason: the lead is recycled",
        body=schemas.RejectIn,
        response=schemas.HandOffOut,
        roles="team lead, admin",
        allowed=(Role.LEAD, Role.ADMIN),
    ),
    Route(
        "GET",
        "/api/v1/leads/{id}/timeline",
        get_timeline,
        "Messages, touches, events, stage, lifecycle and owner changes, newest first, cursor paged "
        "(?filter=all|mail|chat|activity, ?thread=<key>)",
        response=schemas.TimelineOut,
        roles="whoever may see the lead",
    ),
    Route(
        "GET",
        "/api/v1/leads/{id}/threads",
        get_threads,
        "The lead's mail and chat threads, the most recently active first",
        response=schemas.ThreadsOut,
        roles="whoever may see the lead",
    ),
    Route(
        "GET",
        "/api/v1/pipeline",
        get_pipeline,
        "Funnel counts, conversions, time in stage, time to first touch, hand-offs, SLA and overdue per rep "
        "(?since=&until= ISO dates, default the last 30 days; ?team= or ?owner=)",
        response=schemas.PipelineOut,
        roles="team lead (own team), manager, admin",
        allowed=(Role.LEAD, Role.MANAGER, Role.ADMIN),
    ),
    Route(
        "GET",
        "/api/v1/health/practice",
        get_practice_health,
        "The practice health check: each nurturing rule measured on the live data, with a traffic light and "
        "the leads behind it (?days= the period, default 90, at most 730)",
        response=schemas.PracticeHealthOut,
        roles="manager, admin",
        allowed=(Role.MANAGER, Role.ADMIN),
    ),
    Route(
        "POST",
        "/api/v1/leads/import",
        import_leads,
        "Lead import from a CSV (UTF-8, UTF-16 or Windows-1252; comma, semicolon or tab) or an .xlsx, "
        "sent as the body. HubSpot, Dynamics 365, Salesforce and Pipedrive exports are recognised "
        "(?preset= forces one); ?map=Source column=field (repeatable) maps a column; "
        "?keep_unmapped=true keeps the other columns as custom fields. Existing leads are updated by "
        "e-mail. ?dry_run=true checks and writes nothing. Nothing is written if any line is bad, unless "
        "?skip_invalid=true",
        response=schemas.ImportOut,
        roles="team lead, admin",
        allowed=(Role.LEAD, Role.ADMIN),
        errors_as_response=True,
    ),
    Route(
        "GET",
        "/api/v1/leads/export",
        export_leads,
        "All leads as CSV, streamed",
        roles="manager, admin",
        allowed=(Role.MANAGER, Role.ADMIN),
    ),
    Route(
        "GET",
        "/api/v1/settings",
        get_settings,
        "Rules in force, content library, routing and teams",
        response=schemas.SettingsOut,
        roles="manager, admin",
        allowed=(Role.MANAGER, Role.ADMIN),
    ),
    Route(
        "PUT",
        "/api/v1/settings/rules/{key}",
        put_rules,
        "Replace one rule set: scoring, thresholds, cadence, sla, recycling or routing_fallback "
        "(validated by the engine's own types)",
        body=schemas.RulesIn,
        response=schemas.RulesOut,
        roles="admin",
        allowed=(Role.ADMIN,),
    ),
    Route(
        "PUT",
        "/api/v1/settings/content",
        put_content,
        "Replace the content library",
        body=schemas.ContentIn,
        response=schemas.CountOut,
        roles="admin",
        allowed=(Role.ADMIN,),
    ),
    Route(
        "PUT",
        "/api/v1/settings/routing",
        put_routing,
        "Replace the routing rules",
        body=schemas.RoutingIn,
        response=schemas.CountOut,
        roles="admin",
        allowed=(Role.ADMIN,),
    ),
    Route(
        "POST",
        "/api/v1/teams",
        post_team,
        "Create a team",
        body=TeamBase,
        response=TeamPublic,
        status=201,
        roles="admin",
        allowed=(Role.ADMIN,),
    ),
    Route(
        "PATCH",
        "/api/v1/teams/{id}",
        patch_team,
        "Change a team: name, time zone, the channel and schedule of its pipeline card",
        body=TeamUpdate,
        response=TeamPublic,
        roles="admin",
        allowed=(Role.ADMIN,),
    ),
    Route(
        "GET",
        "/api/v1/members",
        get_members,
        "Everyone in the tenant (the member picker)",
        response=schemas.MemberListOut,
    ),
    Route(
        "PATCH",
        "/api/v1/members/{id}",
        patch_member,
        "Role, team, capacity, availability, working hours",
        body=admin.MemberUpdate,
        response=MemberPublic,
        roles="admin",
        allowed=(Role.ADMIN,),
    ),
    Route(
        "POST",
        "/api/v1/leads/{id}/touchpoints",
        post_touchpoint,
        "Log a call, mail, meeting or chat",
        body=schemas.TouchpointIn,
        response=schemas.TouchpointOut,
        status=201,
        roles="owner, team lead, admin",
    ),
    Route(
        "PUT",
        "/api/v1/leads/{id}/stage",
        put_stage,
        "Override the buyer stage, with a reason",
        body=schemas.StageIn,
        response=LeadPublic,
        roles="owner, team lead, admin",
    ),
    Route(
        "PUT",
        "/api/v1/leads/{id}/lifecycle",
        put_lifecycle,
        "Move the lifecycle: SQL, opportunity, won, or (with a reason) lost, disqualified, recycled",
        body=schemas.LifecycleIn,
        response=LeadPublic,
        roles="owner, team lead, admin",
    ),
    Route(
        "POST",
        "/api/v1/leads/{id}/hand-offs",
        post_hand_off,
        "Propose a hand-off to sales",
        body=schemas.ProposeIn,
        response=schemas.HandOffOut,
        status=201,
        roles="owner, team lead, admin",
    ),
    Route(
        "POST",
        "/api/v1/leads/{id}/history/sync",
        sync_history,
        "Pull the caller's mail with this lead from Microsoft Graph, if the last pull is stale",
        response=schemas.HistorySyncOut,
        roles="anyone who can see the lead",
    ),
    Route(
        "POST",
        "/api/v1/leads/erase",
        erase_lead_route,
        "Erase a lead and everything about them (GDPR); nothing that names the address is left",
        body=schemas.EraseIn,
        response=schemas.EraseOut,
        roles="admin",
        allowed=(Role.ADMIN,),
    ),
    Route(
        "GET",
        "/api/v1/delivery-problems",
        get_delivery_problems,
        "Notifications the bot could not deliver, with the reason (e.g. app not installed)",
        response=schemas.DeliveryProblemListOut,
        roles="team lead (own team), manager, admin",
        allowed=(Role.LEAD, Role.MANAGER, Role.ADMIN),
    ),
    Route(
        "GET",
        "/api/v1/hand-offs",
        get_hand_offs,
        "Hand-offs waiting for a decision",
        response=schemas.HandOffListOut,
        roles="team lead (own team), manager, admin",
        allowed=(Role.LEAD, Role.MANAGER, Role.ADMIN),
    ),
    Route(
        "POST",
        "/api/v1/settings/api-keys",
        create_key,
        "Create a webhook key; its text is shown once",
        body=schemas.ApiKeyIn,
        response=schemas.ApiKeyCreatedOut,
        status=201,
        roles="admin",
        allowed=(Role.ADMIN,),
    ),
    Route(
        "GET",
        "/api/v1/settings/api-keys",
        get_keys,
        "The tenant's webhook keys, without secrets",
        response=schemas.ApiKeyListOut,
        roles="admin",
        allowed=(Role.ADMIN,),
    ),
    Route(
        "DELETE",
        "/api/v1/settings/api-keys/{id}",
        revoke_key,
        "Revoke a webhook key",
        response=ApiKeyPublic,
        roles="admin",
        allowed=(Role.ADMIN,),
    ),
    Route(
        "POST",
        "/api/v1/webhooks/events",
        webhooks.receive_events,
        "Engagement events from marketing tools, up to 1,000 per call, idempotent by external_id",
        body=webhooks.EventBatchIn,
        response=webhooks.EventBatchOut,
        roles="API key",
        security="webhookKey",
    ),
    Route(
        "POST",
        "/api/v1/webhooks/leads",
        webhooks.capture_lead,
        "Lead capture from a form",
        body=LeadCreate,
        response=webhooks.LeadCaptureOut,
        status=201,
        roles="API key",
        security="webhookKey",
    ),
)
