"""Typed keys for everything the aiohttp application shares; no string keys anywhere else."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Callable
from datetime import datetime

from aiohttp import ClientSession, web
from sqlalchemy.ext.asyncio import AsyncEngine

from app.auth.sso import SsoValidator
from app.config import Settings
from app.db import SessionMaker
from app.graph.tokens import GraphTokens
from app.observability import Metrics
from app.refresher_process import Wakeable
from app.services.access import Caller

Clock = Callable[[], datetime]

SETTINGS = web.AppKey("settings", Settings)
CLOCK: web.AppKey[Clock] = web.AppKey("clock")
ENGINE = web.AppKey("engine", AsyncEngine)
SESSIONS = web.AppKey("sessions", SessionMaker)
# The newest migration this build ships, read once at start instead of from disk on every probe.
EXPECTED_REVISION = web.AppKey("expected_revision", str)
HTTP = web.AppKey("http", ClientSession)
METRICS = web.AppKey("metrics", Metrics)
GRAPH_TOKENS = web.AppKey("graph_tokens", GraphTokens)
GRAPH_TLS = web.AppKey("graph_tls", ssl.SSLContext)
SCHEDULER_TASK = web.AppKey("scheduler_task", asyncio.Task[None])
# The in-process refresher, or the child process's handle: either is woken after a 202 post.
EVENT_REFRESHER: web.AppKey[Wakeable] = web.AppKey("event_refresher")

# Set only when Entra ID is configured; in local mode the dev sign-in stands in for it.
SSO_VALIDATOR = web.AppKey("sso_validator", SsoValidator)
CALLER = web.RequestKey("caller", Caller)
