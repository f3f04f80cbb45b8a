"""Long value lists in SQL: cut into pieces a statement takes comfortably, or sent as one array."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import any_, bindparam, func, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel.ext.asyncio.session import AsyncSession

Item = TypeVar("Item")

DEFAULT_SIZE = 500  # well under SQLite's and asyncpg's bound-parameter limits


def batches(values: Sequence[Item], size: int = DEFAULT_SIZE) -> Iterator[list[Item]]:
    """``values`` in order, ``size`` at a time (the last piece may be shorter)."""
    for start in range(0, len(values), size):
        yield list(values[start : start + size])


def is_postgres(session: AsyncSession) -> bool:
    """Whether the session talks to PostgreSQL (else SQLite)."""
    return session.bind is not None and session.bind.dialect.name == "postgresql"


def pieces(session: AsyncSession, values: Sequence[Item], size: int = DEFAULT_SIZE) -> Iterator[list[Item]]:
    """``values`` as ``one_of`` takes them: whole on PostgreSQL (one array parameter), else in batches."""
    if is_postgres(session):
        if values:
            yield list(values)
        return
    yield from batches(values, size)


def one_of(session: AsyncSession, column: Any, values: Sequence[Any]) -> ColumnElement[bool]:
    """``column IN (values)``; on PostgreSQL ``column = ANY(:array)``.

    An expanded IN is a parameter per value and a new SQL text for every count, which PostgreSQL parses
    and plans each time (asyncpg prepares each text anew); one array parameter keeps one statement."""
    clause: ColumnElement[bool]
    if is_postgres(session):
        clause = column == any_(bindparam(None, list(values), type_=postgresql.ARRAY(column.type)))
    else:
        clause = column.in_(values)
    return clause


def among(session: AsyncSession, column: Any, values: Sequence[Any]) -> ColumnElement[bool]:
    """``column IN (values)``; on PostgreSQL ``column IN (SELECT unnest(:array))``, for a long list looked up
    through an index on ``column``.

    After five runs PostgreSQL may keep a generic plan for a prepared statement. For ``= ANY(:array)``
    that plan can filter every row of the tenant against the whole array: measured on 2,000 leads and 800
    addresses, 44-71 ms a lookup from the sixth batch on, against 2 ms. Joined to the unnested array, the
    generic plan probes the index once per value as the custom one does."""
    clause: ColumnElement[bool]
    if is_postgres(session):
        array = bindparam(None, list(values), type_=postgresql.ARRAY(column.type))
        clause = column.in_(select(func.unnest(array)).scalar_subquery())
    else:
        clause = column.in_(values)
    return clause
