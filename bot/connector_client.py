"""Proactive sends straight to the Bot Connector REST API, over the app's one aiohttp session.

botbuilder's proactive path builds a turn, serialises the activity through msrest's models and sends it
with synchronous ``requests`` in a thread pool; that was most of a proactive send's CPU. Here the activity
is the JSON botbuilder would send for a card (same fields, taken from the stored conversation reference),
posted with aiohttp, and the bearer token comes from the bot's own credentials, cached until shortly
before it expires. Incoming turns still go through botbuilder."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

import jwt
from aiohttp import ClientError, ClientSession, ClientTimeout
from botframework.connector.auth import AppCredentials, ServiceClientCredentialsFactory
from yarl import URL

from app.config import Settings
from bot.auth import CachingAuthentication, sdk_configuration

log = logging.getLogger(__name__)

# When a token's lifetime cannot be read from it (not a JWT), ask the credentials again after this long;
# msal answers from its own cache until the token nears expiry, so asking is cheap.
UNKNOWN_LIFETIME_RECHECK = 300.0
# Never ask more often than this, even when msal hands back a token already inside the renewal window.
MIN_RECHECK = 30.0
_OK = frozenset({200, 201, 202})


class SendFailed(Exception):
    """The connector refused or never answered. ``status`` is None when no HTTP answer came."""

    def __init__(self, status: int | None, retry_after: float | None, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.retry_after = retry_after


class IncompleteReference(ValueError):
    """A stored conversation reference lacks the service URL or the conversation id; no retry helps."""


class ConnectorTokens:
    """``Authorization`` values for the Bot Connector, from the bot's credentials factory (msal), cached."""

    def __init__(
        self,
        credentials: ServiceClientCredentialsFactory,
        *,
        app_id: str,
        scope: str,
        login_url: str,
        renew_before: float = 300.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._factory = credentials
        self._app_id = app_id
        self._scope = scope
        self._login_url = login_url
        self._renew_before = renew_before
        self._clock = clock
        self._credentials: AppCredentials | None = None
        self._header: str | None = None
        self._expires = 0.0
        self._renew_at = 0.0
        self._lock = asyncio.Lock()
        self.fetches = 0

    async def authorization(self) -> str | None:
        """``Bearer <token>``, or None in local mode: with no app id the Emulator and the Playground take
        unsigned sends, as botbuilder does for them."""
        if not self._app_id:
            return None
        if self._header is not None and self._clock() < self._renew_at:
            return self._header
        async with self._lock:
            if self._header is None or self._clock() >= self._renew_at:
                await self._renew()
        return self._header

    async def _renew(self) -> None:
        try:
            if self._credentials is None:
                self._credentials = await self._factory.create_credentials(
                    self._app_id, self._scope, self._login_url, False
                )
            # msal is synchronous and may go to Entra ID: never on the event loop.
            token = await asyncio.to_thread(self._credentials.get_access_token)
        except Exception:
            if self._header is not None and self._clock() < self._expires:
                # Entra ID is briefly unreachable, but the token we hold is still good: keep sending.
                log.warning("bot token renewal failed; the current token is still valid", exc_info=True)
                self._renew_at = self._clock() + MIN_RECHECK
                return
            raise
        self.fetches += 1
        now = self._clock()
        expires = _expiry(token)
        if expires is None:
            self._expires, self._renew_at = now + UNKNOWN_LIFETIME_RECHECK, now + UNKNOWN_LIFETIME_RECHECK
        else:
            self._expires = expires
            self._renew_at = max(expires - self._renew_before, now + MIN_RECHECK)
        self._header = f"Bearer {token}"


def _expiry(token: str) -> float | None:
    """The ``exp`` claim, read to know when to renew; the token is ours, so nothing here is trusted."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    exp = claims.get("exp")
    return float(exp) if isinstance(exp, int | float) else None


def retry_after_seconds(raw: str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds from now: either delta-seconds or an HTTP-date (RFC 9110)."""
    if raw is None or not raw.strip():
        return None
    text = raw.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def activities_url(reference: Mapping[str, Any], activity_id: str | None = None) -> URL:
    """``{serviceUrl}/v3/conversations/{id}/activities[/{activityId}]``, ids percent-encoded whole as
    botbuilder's client does (Teams ids hold ':', ';', '@' and sometimes '/')."""
    service_url = reference.get("serviceUrl")
    conversation_id = (reference.get("conversation") or {}).get("id")
    if not service_url or not conversation_id:
        raise IncompleteReference("the conversation reference has no serviceUrl or conversation id")
    path = (
        f"{str(service_url).rstrip('/')}/v3/conversations/{quote(str(conversation_id), safe='')}/activities"
    )
    if activity_id is not None:
        path += f"/{quote(activity_id, safe='')}"
    # Already encoded: yarl must send it as it is, or an encoded '/' could turn back into a separator.
    return URL(path, encoded=True)


def message_activity(
    reference: Mapping[str, Any], attachments: Sequence[Mapping[str, Any]], *, update_of: str | None = None
) -> dict[str, Any]:
    """The message activity botbuilder would send from the bot into the reference's conversation."""
    activity: dict[str, Any] = {
        "type": "message",
        "serviceUrl": reference.get("serviceUrl"),
        "channelId": reference.get("channelId"),
        "from": reference.get("bot"),
        "recipient": reference.get("user"),
        "conversation": reference.get("conversation"),
        "attachmentLayout": "list",
        "attachments": [dict(attachment) for attachment in attachments],
    }
    if update_of is None:
        activity["inputHint"] = "acceptingInput"
    else:
        activity["id"] = update_of
    if reference.get("locale"):
        activity["locale"] = reference["locale"]
    return {key: value for key, value in activity.items() if value is not None}


class BotConnector:
    """Sends and updates messages in Teams conversations through the Bot Connector REST API."""

    def __init__(self, *, http: ClientSession, tokens: ConnectorTokens, timeout: float = 30.0) -> None:
        self._http = http
        self._tokens = tokens
        self._timeout = ClientTimeout(total=timeout)

    async def send(
        self, reference: Mapping[str, Any], attachments: Sequence[Mapping[str, Any]]
    ) -> str | None:
        """Post a new message (POST …/activities); returns the activity id the connector gave it."""
        answer = await self._call("POST", activities_url(reference), message_activity(reference, attachments))
        activity_id = answer.get("id")
        return str(activity_id) if activity_id else None

    async def update(
        self, reference: Mapping[str, Any], activity_id: str, attachments: Sequence[Mapping[str, Any]]
    ) -> str:
        """Replace a message the bot sent earlier (PUT …/activities/{activityId}), in place."""
        body = message_activity(reference, attachments, update_of=activity_id)
        await self._call("PUT", activities_url(reference, activity_id), body)
        return activity_id

    async def _call(self, method: str, url: URL, body: dict[str, Any]) -> dict[str, Any]:
        headers = {"Content-Type": "application/json; charset=utf-8", "Accept": "application/json"}
        try:
            authorization = await self._tokens.authorization()
        except asyncio.CancelledError:
            raise
        except Exception as error:  # noqa: BLE001 - msal or Entra ID: retried like a connection error
            raise SendFailed(None, None, f"no bot token ({type(error).__name__})") from error
        if authorization is not None:
            headers["Authorization"] = authorization
        data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        try:
            async with self._http.request(
                method, url, data=data, headers=headers, timeout=self._timeout
            ) as response:
                status = response.status
                retry_after = response.headers.get("Retry-After")
                payload = await response.read()
        except (ClientError, TimeoutError) as error:
            # Resets, refused connections, disconnects and timeouts: no answer, so retried.
            raise SendFailed(None, None, type(error).__name__) from error
        if status not in _OK:
            raise SendFailed(status, retry_after_seconds(retry_after), f"HTTP {status}{_error_code(payload)}")
        if not payload:
            return {}
        try:
            answer = json.loads(payload)
        except ValueError:
            return {}
        return answer if isinstance(answer, dict) else {}


def _error_code(payload: bytes) -> str:
    try:
        error = json.loads(payload).get("error") or {}
        code = error.get("code") if isinstance(error, dict) else None
    except (ValueError, AttributeError):
        return ""
    return f" {code}" if isinstance(code, str) and code else ""


def connector_for(*, settings: Settings, auth: CachingAuthentication, http: ClientSession) -> BotConnector:
    """The dispatcher's client: the app's HTTP session, and tokens from the bot's own credentials."""
    tokens = ConnectorTokens(
        auth.credentials,
        app_id=settings.bot_app_id or "",
        scope=settings.bot_oauth_scope,
        login_url=sdk_configuration(settings).TO_CHANNEL_FROM_BOT_LOGIN_URL,
    )
    return BotConnector(http=http, tokens=tokens)
