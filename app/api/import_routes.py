"""POST /api/v1/leads/import: a CSV or .xlsx of leads, mapped, checked, then written in batches."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Sequence

from aiohttp import web

from app import keys
from app.api import import_schemas
from app.api.route_table import RouteTable, caller, reply
from app.db import transaction
from app.importing.fields import IGNORE, TARGET_FIELDS
from app.importing.mapping import MappingProblem, parse_map_option
from app.importing.presets import PRESETS
from app.nurturing.enums import Role
from app.services import lead_import, rescoring

table = RouteTable()
ROUTES = table.routes


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
) -> import_schemas.ImportOut:
    choices = dict(
        presets=[import_schemas.ImportPresetOut(name=p.name, label=p.label) for p in PRESETS.values()],
        fields=[*TARGET_FIELDS, IGNORE],
        errors=[import_schemas.RowErrorOut(line=e.line, column=e.column, message=e.message) for e in errors],
    )
    if report is None:
        return import_schemas.ImportOut(imported=0, skipped=0, header=list(header), **choices)
    return import_schemas.ImportOut(
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
        mapping=[import_schemas.ImportColumnOut(column=c, field=f) for c, f in report.mapping],
        header=[column for column, _ in report.mapping],
        **choices,
    )


@table.route(
    "POST",
    "/api/v1/leads/import",
    "Lead import from a CSV (UTF-8, UTF-16 or Windows-1252; comma, semicolon or tab) or an .xlsx, "
    "sent as the body. HubSpot, Dynamics 365, Salesforce and Pipedrive exports are recognised "
    "(?preset= forces one); ?map=Source column=field (repeatable) maps a column; "
    "?keep_unmapped=true keeps the other columns as custom fields. Existing leads are updated by "
    "e-mail. ?dry_run=true checks and writes nothing. Nothing is written if any line is bad, unless "
    "?skip_invalid=true",
    response=import_schemas.ImportOut,
    roles="team lead, admin",
    allowed=(Role.LEAD, Role.ADMIN),
    errors_as_response=True,
)
async def import_leads(request: web.Request) -> web.Response:
    who = caller(request)
    settings = request.app[keys.SETTINGS]
    limit = settings.import_max_bytes
    too_big = lead_import.RowError(
        1,
        None,
        f"the file is larger than the limit of {limit / 1_048_576:.1f} MB; split it and import the parts",
    )
    if request.content_length is not None and request.content_length > limit:
        return reply(_import_out(None, [too_big]), status=400)
    try:
        options = _import_options(request)
    except lead_import.ImportRejected as rejected:
        return reply(_import_out(None, rejected.errors), status=400)
    now = who.now
    # The body goes to a spooled file (memory up to 1 MB, then disk), so a big upload is never held whole.
    with tempfile.SpooledTemporaryFile(max_size=1_048_576) as spool:
        size = 0
        async for chunk in request.content.iter_chunked(65_536):
            size += len(chunk)
            if size > limit:
                return reply(_import_out(None, [too_big]), status=400)
            spool.write(chunk)
        spool.seek(0)
        try:
            async with transaction(request.app[keys.SESSIONS]) as session:

                async def settle(ids: list[uuid.UUID]) -> None:
                    await rescoring.settle_new_leads(
                        session=session, tenant_id=who.tenant_id, lead_ids=ids, now=now
                    )

                report = await lead_import.import_leads(
                    session=session,
                    tenant_id=who.tenant_id,
                    stream=spool,  # type: ignore[arg-type]
                    now=now,
                    max_bytes=limit,
                    options=options,
                    after_batch=settle,
                    actor=who,
                )
        except lead_import.ImportRejected as rejected:
            out = _import_out(rejected.report, rejected.errors, rejected.header)
            return reply(out.model_copy(update={"imported": 0}), status=400)
    return reply(_import_out(report, report.errors))
