"""The aiohttp application factory: one process serves the bot, the API, the tab and the scheduler."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime

from aiohttp import ClientSession, ClientTimeout, web
from pydantic import ValidationError
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from app import keys
from app.api.auth import auth_middleware
from app.api.openapi import build_openapi
from app.api.routes import ROUTES
from app.api.schemas import StaleOut
from app.auth.sso import KeySet, SsoValidator
from app.config import Settings
from app.db import create_engine, create_sessionmaker, current_revision, head_revision, ping
from app.graph import background as graph_background
from app.graph.client import tls_context
from app.graph.tokens import GraphTokens
from app.nurturing.errors import DomainError
from app.observability import Metrics, request_id_middleware
from app.refresher_process import RefresherGroup, uses_process
from app.scheduler import run_forever
from app.services.errors import Conflict, InvalidInput, NotAllowed, NotFound, ServiceError, StaleVersion
from app.services.outbox import outbox_depth
from app.services.pending_events import EventRefresher, pending_depth
from app.tab_site import add_tab_routes
from bot.setup import add_bot

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_STATUS: tuple[tuple[type[Exception], int], ...] = (
    (NotFound, 404),
    (NotAllowed, 403),
    (StaleVersion, 409),
    (Conflict, 409),
    (InvalidInput, 400),
    (DomainError, 422),
)


def utc_clock() -> datetime:
    """The wall clock; only transports read it, and they hand it to services as ``now``."""
    return datetime.now(UTC)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Translate service and domain errors into HTTP statuses, once, without leaking their text."""
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except StaleVersion as error:
        return web.json_response(text=StaleOut(current=error.current).model_dump_json(), status=409)
    except DataError:
        # A value the column cannot hold; the request models should have refused it already.
        log.warning("value refused by the database", extra={"path": request.path})
        return web.json_response(
            {"error": "invalid_input", "message": "a value does not fit where it is stored"}, status=400
        )
    except IntegrityError:
        # A unique rule the request ran into (a second team of the same name, say): nothing was written.
        return web.json_response({"error": "conflict"}, status=409)
    except StaleDataError:
        # Another writer committed between our read and write; the version column caught it.
        return web.json_response({"error": "stale_version"}, status=409)
    except ValidationError as error:
        details = [
            {"field": ".".join(str(p) for p in item["loc"]), "problem": item["msg"]}
            for item in error.errors()
        ]
        return web.json_response({"error": "invalid_input", "details": details}, status=400)
    except InvalidInput as error:
        # Our own messages name the parameter at fault and carry no stored data, so they can be shown.
        return web.json_response({"error": error.code, "message": str(error)}, status=400)
    except (ServiceError, DomainError) as error:
        status = next((code for kind, code in _STATUS if isinstance(error, kind)), 400)
        code = getattr(error, "code", "invalid")
        log.info("request failed: %s", code, extra={"path": request.path, "error": type(error).__name__})
        return web.json_response({"error": code}, status=status)


async def healthz(_request: web.Request) -> web.Response:
    """Liveness: the process answers."""
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """Readiness: the database answers and carries the migrations this build expects."""
    engine = request.app[keys.ENGINE]
    try:
        await ping(engine)
        revision = await current_revision(engine)
    except Exception as error:  # noqa: BLE001 - any failure here means "not ready"
        log.warning("readiness check failed: %s", type(error).__name__)
        return web.json_response({"status": "unavailable", "database": "unreachable"}, status=503)
    expected = request.app[keys.EXPECTED_REVISION]
    if revision != expected:
        return web.json_response(
            {"status": "unavailable", "database": "not migrated", "revision": revision, "expected": expected},
            status=503,
        )
    return web.json_response({"status": "ready", "revision": revision})


async def metrics(request: web.Request) -> web.Response:
    """Prometheus metrics of this process, with the outbox's and the pending events' depths read fresh."""
    registry = request.app[keys.METRICS]
    async with request.app[keys.SESSIONS]() as session:
        registry.outbox_depth.set(await outbox_depth(session=session))
        registry.events_pending.set(await pending_depth(session=session))
    return web.Response(body=registry.render(), headers={"Content-Type": registry.content_type()})


async def _database(app: web.Application) -> AsyncIterator[None]:
    engine = create_engine(app[keys.SETTINGS])
    app[keys.ENGINE] = engine
    expected: str | None = await asyncio.to_thread(head_revision)
    app[keys.EXPECTED_REVISION] = expected or ""
    app[keys.SESSIONS] = create_sessionmaker(engine)
    yield
    await engine.dispose()


async def _http(app: web.Application) -> AsyncIterator[None]:
    # One outgoing HTTP session for the whole process, so connections are pooled.
    async with ClientSession(timeout=ClientTimeout(total=30)) as session:
        app[keys.HTTP] = session
        yield


async def _sso(app: web.Application) -> AsyncIterator[None]:
    settings = app[keys.SETTINGS]
    if not settings.dev_shortcuts:
        context = None
        if settings.tls_ca_file:
            context = await asyncio.to_thread(ssl.create_default_context, cafile=settings.tls_ca_file)
        app[keys.SSO_VALIDATOR] = SsoValidator(
            keys=KeySet(http=app[keys.HTTP], jwks_url=settings.sso_jwks_url, ssl_context=context),
            client_id=settings.entra_client_id or "",
            app_id_uri=settings.entra_app_id_uri,
            issuer_templates=settings.issuer_templates,
            allowed_tenants=frozenset({settings.entra_tenant_id}) if settings.entra_tenant_id else None,
        )
    yield


async def _graph(app: web.Application) -> AsyncIterator[None]:
    settings = app[keys.SETTINGS]
    app[keys.GRAPH_TOKENS] = await asyncio.to_thread(GraphTokens, settings)
    app[keys.GRAPH_TLS] = await tls_context(settings)
    yield


async def openapi(_request: web.Request) -> web.Response:
    """The OpenAPI 3.1 document of /api/v1."""
    return web.json_response(build_openapi())


async def _scheduler(app: web.Application) -> AsyncIterator[None]:
    settings = app[keys.SETTINGS]
    if not settings.scheduler_enabled:
        yield
        return
    task = asyncio.create_task(
        run_forever(
            sessions=app[keys.SESSIONS], clock=app[keys.CLOCK], interval=settings.scheduler_interval_seconds
        ),
        name="nurture-scheduler",
    )
    app[keys.SCHEDULER_TASK] = task
    housekeeping = asyncio.create_task(
        graph_background.run_forever(
            settings=settings,
            sessions=app[keys.SESSIONS],
            tokens=app[keys.GRAPH_TOKENS],
            tls=app[keys.GRAPH_TLS],
            clock=app[keys.CLOCK],
        ),
        name="nurture-graph-housekeeping",
    )
    yield
    for running in (task, housekeeping):
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running


async def _event_refresher(app: web.Application) -> AsyncIterator[None]:
    # Always on, whatever the scheduler setting: a 202 from the webhook promises the events will be applied.
    settings = app[keys.SETTINGS]
    if uses_process(settings):
        processes = RefresherGroup(settings)
        await processes.start()
        app[keys.EVENT_REFRESHER] = processes
        yield
        await processes.stop()
        return
    refresher = EventRefresher(
        app[keys.SESSIONS], app[keys.CLOCK], poll_seconds=settings.event_refresh_poll_seconds
    )
    app[keys.EVENT_REFRESHER] = refresher
    task = asyncio.create_task(refresher.run_forever(), name="nurture-event-refresher")
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def create_app(settings: Settings, *, clock: keys.Clock = utc_clock) -> web.Application:
    """Wire the whole application; nothing is connected until the app starts."""
    app = web.Application(middlewares=[request_id_middleware, error_middleware, auth_middleware])
    app[keys.SETTINGS] = settings
    app[keys.METRICS] = Metrics()
    app[keys.CLOCK] = clock
    app.cleanup_ctx.extend([_database, _http, _sso, _graph, _scheduler, _event_refresher])
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/api/v1/openapi.json", openapi)
    add_bot(app)
    add_tab_routes(app)
    # Fixed paths first, so /leads/export is never taken for /leads/{id}.
    for route in sorted(ROUTES, key=lambda r: "{" in r.path):
        app.router.add_route(route.method, route.path, route.guarded())
    return app
