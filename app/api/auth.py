"""Authentication for /api/v1: a Teams SSO bearer token, or the dev sign-in on loopback in local mode."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from app import keys
from app.auth.sso import InvalidToken
from app.net import is_loopback
from app.services.access import Caller
from app.services.lookups import member_by_email, member_by_object_id

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
PUBLIC_PATHS = frozenset({"/api/v1/openapi.json"})
WEBHOOK_PREFIX = "/api/v1/webhooks/"


def _json_error(status: type[web.HTTPException], code: str) -> web.HTTPException:
    headers = {"WWW-Authenticate": 'Bearer error="invalid_token"'} if status is web.HTTPUnauthorized else None
    return status(text=f'{{"error": "{code}"}}', content_type="application/json", headers=headers)


async def authenticate(request: web.Request) -> Caller:
    """The caller behind the request; identity comes only from a validated token or the dev sign-in."""
    header = request.headers.get("Authorization", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() == "bearer" and keys.SSO_VALIDATOR in request.app:
        try:
            identity = await request.app[keys.SSO_VALIDATOR].validate(credentials.strip())
        except InvalidToken as error:
            log.info("rejected token: %s", error.reason)
            raise _json_error(web.HTTPUnauthorized, "unauthorized") from error
        async with request.app[keys.SESSIONS]() as session:
            member = await member_by_object_id(
                session=session, tenant_id=identity.tenant_id, object_id=identity.object_id
            )
    elif scheme.lower() == "dev" and request.app[keys.SETTINGS].dev_shortcuts and is_loopback(request):
        tenant_id, _, email = credentials.strip().partition(" ")
        async with request.app[keys.SESSIONS]() as session:
            member = await member_by_email(session=session, tenant_id=tenant_id, email=email)
    else:
        raise _json_error(web.HTTPUnauthorized, "unauthorized")
    if member is None or not member.active:
        raise _json_error(web.HTTPForbidden, "not_a_member")
    return Caller.of(member, request.app[keys.CLOCK]())


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every /api/v1 route but the OpenAPI document needs an authenticated caller."""
    webhook = request.path.startswith(WEBHOOK_PREFIX)  # signed with an API key instead, see webhooks.py
    if request.path.startswith("/api/v1/") and request.path not in PUBLIC_PATHS and not webhook:
        request[keys.CALLER] = await authenticate(request)
    return await handler(request)
