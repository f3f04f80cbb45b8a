"""Webhooks for marketing tools and forms: API-key authenticated, HMAC-signed, replay-limited."""

from __future__ import annotations

import hmac
import logging
from datetime import datetime

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from app import keys
from app.api.json_input import parse_json
from app.api.route_table import RouteTable
from app.api.schemas import ErrorOut
from app.db import transaction
from app.models import LeadCreate
from app.services.access import Caller
from app.services.api_keys import signature, verify_api_key
from app.services.errors import Conflict, NotAllowed
from app.services.events import MAX_BATCH, EventIn, ingest_posted
from app.services.lead_queries import find_by_email
from app.services.leads import create_lead

log = logging.getLogger(__name__)
table = RouteTable()
ROUTES = table.routes

MAX_CLOCK_SKEW_SECONDS = 300
MAX_BODY_BYTES = 2 * 1024 * 1024
# Longer than any header we issue or expect; checked before any parsing or lookup, so a header of
# thousands of digits or characters costs nothing and cannot fail deeper down.
MAX_KEY_CHARS = 120  # "nk_" + 16 hex + "_" + 43 url-safe characters
MAX_TIMESTAMP_DIGITS = 12
MAX_SIGNATURE_CHARS = 80  # "sha256=" + 64 hex


class EventBatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    events: list[EventIn] = Field(min_length=1, max_length=MAX_BATCH)


class EventBatchOut(BaseModel):
    accepted: int
    duplicates: int
    unknown_lead: list[str] = Field(description="External ids whose lead is not known in this tenant")


class LeadCaptureOut(BaseModel):
    lead_id: str
    created: bool


def _unauthorized(code: str) -> web.HTTPUnauthorized:
    return web.HTTPUnauthorized(text=ErrorOut(error=code).model_dump_json(), content_type="application/json")


async def _verified_body(request: web.Request, now: datetime) -> tuple[str, bytes]:
    """The tenant of the key and the raw body, once key, timestamp and signature all check out."""
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise web.HTTPRequestEntityTooLarge(max_size=MAX_BODY_BYTES, actual_size=request.content_length)
    body = await request.read()
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    timestamp = request.headers.get("X-Nurture-Timestamp", "")
    sent = request.headers.get("X-Nurture-Signature", "")
    well_formed = (
        scheme.lower() == "bearer"
        and 0 < len(presented) <= MAX_KEY_CHARS
        and 0 < len(timestamp) <= MAX_TIMESTAMP_DIGITS
        and timestamp.isascii()
        and timestamp.isdigit()
        and 0 < len(sent) <= MAX_SIGNATURE_CHARS
    )
    if not well_formed:
        raise _unauthorized("unauthorized")
    if abs(now.timestamp() - int(timestamp)) > MAX_CLOCK_SKEW_SECONDS:
        raise _unauthorized("stale_timestamp")
    try:
        key, secret = await verify_api_key(sessions=request.app[keys.SESSIONS], presented=presented, now=now)
    except NotAllowed as error:
        raise _unauthorized("unauthorized") from error
    tenant_id = key.tenant_id
    if not hmac.compare_digest(sent, signature(secret, timestamp, body)):
        log.info("webhook signature mismatch for key %s", key.key_id)
        raise _unauthorized("bad_signature")
    return tenant_id, body


RESPOND_ASYNC = "respond-async"


def _prefers_async(request: web.Request) -> bool:
    """Whether the caller sent ``Prefer: respond-async`` (RFC 7240), among whatever other preferences."""
    for header in request.headers.getall("Prefer", []):
        for preference in header.split(","):
            name = preference.split(";", 1)[0].split("=", 1)[0].strip()
            if name.lower() == RESPOND_ASYNC:
                return True
    return False


def _parse(body: bytes, model: type[BaseModel], now: datetime) -> BaseModel:
    return model.model_validate(parse_json(body), context={"now": now})


@table.route(
    "POST",
    "/api/v1/webhooks/events",
    "Engagement events from marketing tools, up to 1,000 per call, idempotent by external_id",
    body=EventBatchIn,
    response=EventBatchOut,
    roles="API key",
    security="webhookKey",
)
async def receive_events(request: web.Request) -> web.Response:
    """Up to 1,000 engagement events; an external id seen before is counted as a duplicate, not stored.

    By default the answer comes once every lead is re-scored, re-staged and re-planned. With
    ``Prefer: respond-async`` it comes as soon as the events are stored (202, same counts); each server's
    refresher then applies them, usually within a second, and a restart loses none."""
    now = request.app[keys.CLOCK]()
    tenant_id, body = await _verified_body(request, now)
    batch = _parse(body, EventBatchIn, now)
    assert isinstance(batch, EventBatchIn)
    defer = _prefers_async(request)
    result = await ingest_posted(
        sessions=request.app[keys.SESSIONS], tenant_id=tenant_id, events=batch.events, now=now, defer=defer
    )
    out = EventBatchOut(
        accepted=result.accepted, duplicates=result.duplicates, unknown_lead=list(result.unknown_lead)
    )
    if not defer:
        return web.json_response(text=out.model_dump_json())
    if result.accepted:
        request.app[keys.EVENT_REFRESHER].wake()
    return web.json_response(
        text=out.model_dump_json(), status=202, headers={"Preference-Applied": RESPOND_ASYNC}
    )


@table.route(
    "POST",
    "/api/v1/webhooks/leads",
    "Lead capture from a form",
    body=LeadCreate,
    response=LeadCaptureOut,
    status=201,
    roles="API key",
    security="webhookKey",
)
async def capture_lead(request: web.Request) -> web.Response:
    """A form submission: a new lead is created, routed and scored; a known address is left as it is."""
    now = request.app[keys.CLOCK]()
    tenant_id, body = await _verified_body(request, now)
    data = _parse(body, LeadCreate, now)
    assert isinstance(data, LeadCreate)
    try:
        async with transaction(request.app[keys.SESSIONS]) as session:
            lead = await create_lead(
                session=session,
                data=data,
                caller=Caller.system(tenant_id, now),
            )
        return web.json_response(
            text=LeadCaptureOut(lead_id=str(lead.id), created=True).model_dump_json(), status=201
        )
    except Conflict:
        async with request.app[keys.SESSIONS]() as session:
            existing = await find_by_email(session=session, tenant_id=tenant_id, email=str(data.email))
        return web.json_response(
            text=LeadCaptureOut(lead_id=str(existing.id), created=False).model_dump_json()
        )
