"""POST /api/messages: validate, run the turn, and write the invoke response ourselves.

`CloudAdapter.process` would serialise an adaptive-card invoke response twice and fail (DESIGN.md), so
the activity is deserialised here and handed to `process_activity`."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity

from app import keys
from app.net import is_loopback
from app.observability import Stopwatch
from bot.auth import CachingAuthentication
from bot.handler import NurtureBot
from cards.contract import VERBS

log = logging.getLogger(__name__)

_KNOWN_TYPES = frozenset({"message", "invoke", "conversationUpdate", "installationUpdate", "messageReaction"})
MAX_ACTIVITY_BYTES = 256 * 1024  # Teams caps a message at about 100 KB; anything far larger is not Teams
# Activities and card data nest a dozen levels at most; msrest and our own code recurse over them.
MAX_DEPTH = 64


@dataclass(slots=True)
class BotRuntime:
    adapter: CloudAdapter
    auth: CachingAuthentication
    bot: NurtureBot
    app_id: str


BOT = web.AppKey("bot", BotRuntime)


async def _read_at_most(request: web.Request, limit: int) -> bytes | None:
    """The whole body, or None past ``limit``. A chunked body has no length up front and arrives in pieces;
    one read() would return only what has arrived so far."""
    parts: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > limit:
            return None
        parts.append(chunk)
    return b"".join(parts)


def _shallow(document: object, limit: int) -> bool:
    """Whether no container nests deeper than ``limit``; walked without recursion, so depth cannot hurt."""
    stack: list[tuple[object, int]] = [(document, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else None
        if children is None:
            continue
        if depth > limit:
            return False
        stack.extend((child, depth + 1) for child in children)
    return True


def _problem(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": code, "message": message}, status=status)


async def on_turn_error(context: TurnContext, error: Exception) -> None:
    # Logged with the type only: exception text can carry message content.
    log.error("bot turn failed: %s", type(error).__name__, exc_info=error)


async def messages(request: web.Request) -> web.StreamResponse:
    """The Bot Framework messaging endpoint."""
    settings = request.app[keys.SETTINGS]
    runtime = request.app[BOT]
    if not settings.bot_app_id:
        # Unauthenticated Emulator/Playground traffic only when local mode was asked for, from this machine.
        if not settings.dev_shortcuts:
            return _problem(
                403, "not_configured", "set NURTURE_BOT_APP_ID, or NURTURE_LOCAL_MODE=true on this machine"
            )
        if not is_loopback(request):
            return _problem(
                403, "local_mode", "without a bot app id only the Emulator or Playground on this machine"
            )
    if request.content_length is not None and request.content_length > MAX_ACTIVITY_BYTES:
        return _problem(413, "too_large", "activity too large")
    body = await _read_at_most(request, MAX_ACTIVITY_BYTES)
    if body is None:
        return _problem(413, "too_large", "activity too large")
    try:
        document: Any = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return _problem(400, "malformed_json", "the body is not JSON")
    if not _shallow(document, MAX_DEPTH):
        return _problem(400, "too_deep", f"the activity nests deeper than {MAX_DEPTH} levels")
    if not isinstance(document, dict) or not isinstance(document.get("type"), str):
        return _problem(400, "not_an_activity", "type is missing")
    try:
        activity = Activity().deserialize(document)
    except Exception:  # noqa: BLE001 - msrest raises several kinds for a body of the wrong shape
        return _problem(400, "not_an_activity", "the body is not a Bot Framework activity")
    if not activity.service_url or activity.conversation is None or not activity.conversation.id:
        return _problem(400, "not_an_activity", "serviceUrl and conversation.id are required")

    auth_header = request.headers.get("Authorization")
    if settings.bot_app_id and not auth_header:
        return _problem(401, "unauthorized", "a Bot Framework token is required")
    try:
        # The SDK answers some bad tokens with exceptions that are not PermissionError (an expired token
        # raises from pyjwt, a missing key an IndexError); every failure here is the caller's, so 401.
        authenticated = await runtime.auth.authenticate_request(activity, auth_header)
    except Exception as error:  # noqa: BLE001
        log.warning("bot request refused: %s", type(error).__name__)
        return _problem(401, "unauthorized", "the token was not accepted")

    metrics = request.app[keys.METRICS]
    kind = activity.type if activity.type in _KNOWN_TYPES else "other"
    metrics.turns.labels(type=kind).inc()
    if activity.type == "invoke":
        value = document.get("value")
        action = value.get("action") if isinstance(value, dict) else None
        verb = action.get("verb") if isinstance(action, dict) else None
        metrics.invokes.labels(verb=verb if verb in VERBS else "other").inc()
    watch = Stopwatch()
    invoke_response = await runtime.adapter.process_activity(authenticated, activity, runtime.bot.on_turn)
    metrics.turn_seconds.labels(type=kind).observe(watch.seconds())
    if invoke_response is None:
        return web.Response(status=200)
    body_out = invoke_response.body
    if hasattr(body_out, "serialize"):
        body_out = body_out.serialize()
    return web.json_response(body_out, status=int(invoke_response.status or 200))
