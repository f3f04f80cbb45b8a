"""Keyset cursors: opaque to clients, and parsed strictly on the way back, since clients can edit them."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from datetime import datetime
from typing import Any

from app.input_limits import in_utc
from app.services.errors import InvalidInput

MAX_CURSOR_CHARS = 200
MAX_SORT_NUMBER = 10**9  # far beyond any score, far inside every integer column


def encode(value: int | datetime, row_id: uuid.UUID) -> str:
    """A cursor that continues after the row with this sort value and id."""
    plain = value.isoformat() if isinstance(value, datetime) else value
    return base64.urlsafe_b64encode(json.dumps([plain, str(row_id)]).encode()).decode()


def _bad() -> InvalidInput:
    return InvalidInput("bad cursor: pass next_cursor from the previous page unchanged")


def _pair(text: str) -> tuple[Any, uuid.UUID]:
    if len(text) > MAX_CURSOR_CHARS:
        raise _bad()
    try:
        values = json.loads(base64.urlsafe_b64decode(text.encode("ascii")))
    except (ValueError, UnicodeError, binascii.Error) as error:
        raise _bad() from error
    if not isinstance(values, list) or len(values) != 2 or not isinstance(values[1], str):
        raise _bad()
    try:
        return values[0], uuid.UUID(values[1])
    except ValueError as error:
        raise _bad() from error


def decode_number(text: str) -> tuple[int, uuid.UUID]:
    """A cursor over an integer column (a score)."""
    value, row_id = _pair(text)
    if type(value) is not int or abs(value) > MAX_SORT_NUMBER:  # bool is an int, and no score
        raise _bad()
    return value, row_id


def decode_moment(text: str) -> tuple[datetime, uuid.UUID]:
    """A cursor over a time column: an ISO 8601 moment with its offset, as ``encode`` wrote it."""
    value, row_id = _pair(text)
    if not isinstance(value, str):
        raise _bad()
    try:
        return in_utc(datetime.fromisoformat(value), "cursor"), row_id
    except ValueError as error:
        raise _bad() from error
