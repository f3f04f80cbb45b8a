"""Mount the bot on the aiohttp application: /api/messages, the dispatcher and key refresh."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import timedelta

from aiohttp import web
from botbuilder.integration.aiohttp import CloudAdapter

from app import keys
from bot.auth import build_authentication, keep_signing_keys_fresh, keep_tokens_fresh, warm_signing_keys
from bot.card_views import Links
from bot.connector_client import connector_for
from bot.dispatcher import Dispatcher, DispatchPolicy
from bot.endpoint import BOT, BotRuntime, messages, on_turn_error
from bot.handler import NurtureBot

DISPATCHER = web.AppKey("dispatcher", Dispatcher)
SHUTDOWN_GRACE_SECONDS = 15.0

# Teams sends "trigger": "manual" with every Action.Execute and botbuilder's model has no such field, so
# msrest would log a warning on every card click.
logging.getLogger("msrest.serialization").setLevel(logging.ERROR)


async def _bot(app: web.Application) -> AsyncIterator[None]:
    settings = app[keys.SETTINGS]
    auth = await asyncio.to_thread(build_authentication, settings)  # may read a certificate file
    adapter = CloudAdapter(auth)
    adapter.on_turn_error = on_turn_error
    links = Links.of(settings)
    # Proactive sends, and the list card that answers "my follow-ups", skip botbuilder's reply path: JSON
    # over the app's one HTTP session (bot/connector_client.py).
    connector = connector_for(settings=settings, auth=auth, http=app[keys.HTTP])
    bot = NurtureBot(sessions=app[keys.SESSIONS], clock=app[keys.CLOCK], links=links, connector=connector)
    app[BOT] = BotRuntime(adapter=adapter, auth=auth, bot=bot, app_id=settings.bot_app_id or "")
    app[DISPATCHER] = Dispatcher(
        connector=connector,
        sessions=app[keys.SESSIONS],
        clock=app[keys.CLOCK],
        links=links,
        policy=DispatchPolicy(
            tenant_rate=settings.dispatcher_per_tenant_rate,
            lease=timedelta(seconds=settings.dispatcher_lease_seconds),
            concurrency=settings.dispatcher_concurrency,
        ),
        metrics=app[keys.METRICS],
    )
    tasks: list[asyncio.Task[None]] = []
    if settings.bot_app_id:
        await warm_signing_keys(settings)
        tasks.append(asyncio.create_task(keep_signing_keys_fresh(settings), name="nurture-bot-keys"))
        tasks.append(asyncio.create_task(keep_tokens_fresh(auth), name="nurture-bot-tokens"))
    if settings.dispatcher_enabled:
        tasks.append(asyncio.create_task(app[DISPATCHER].run_forever(), name="nurture-dispatcher"))
    yield
    # Graceful: the dispatcher finishes the sends under way and hands the rest back at once, so another
    # instance takes them without waiting for the lease.
    app[DISPATCHER].stop()
    for task in tasks:
        if task.get_name() == "nurture-dispatcher":
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(asyncio.shield(task), timeout=SHUTDOWN_GRACE_SECONDS)
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task
    await auth.close()


def add_bot(app: web.Application) -> None:
    """Serve the bot at /api/messages; call after the database context is registered."""
    app.cleanup_ctx.append(_bot)
    app.router.add_post("/api/messages", messages)
