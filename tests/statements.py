"""Counting what SQL an engine runs while a block runs, through SQLAlchemy's engine events."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine


@contextmanager
def statements_run(engine: AsyncEngine) -> Iterator[list[str]]:
    """The SQL texts the engine sends while the block runs, in order (an executemany counts once)."""
    sent: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        sent.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


def verb(statement: str) -> str:
    """SELECT, INSERT, UPDATE, ...: the statement's first word."""
    return statement.split(None, 1)[0].upper()
