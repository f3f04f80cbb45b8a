"""Cutting long id lists into pieces a single SQL statement takes comfortably."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

Item = TypeVar("Item")

DEFAULT_SIZE = 500  # well under SQLite's and asyncpg's bound-parameter limits


def batches(values: Sequence[Item], size: int = DEFAULT_SIZE) -> Iterator[list[Item]]:
    """``values`` in order, ``size`` at a time (the last piece may be shorter)."""
    for start in range(0, len(values), size):
        yield list(values[start : start + size])
