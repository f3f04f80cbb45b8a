"""Typed keys for everything the aiohttp application shares; no string keys anywhere else."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

from aiohttp import ClientSession, web
from sqlalchemy.ext.asyncio import AsyncEngine

from app.config import Settings
from app.db import SessionMaker

Clock = Callable[[], datetime]

SETTINGS = web.AppKey("settings", Settings)
CLOCK: web.AppKey[Clock] = web.AppKey("clock")
ENGINE = web.AppKey("engine", AsyncEngine)
SESSIONS = web.AppKey("sessions", SessionMaker)
HTTP = web.AppKey("http", ClientSession)
SCHEDULER_TASK = web.AppKey("scheduler_task", asyncio.Task[None])
