"""What a lead's firmographics may change about its company: the one rule every writer follows."""

from __future__ import annotations

from collections.abc import Mapping

FIRMOGRAPHICS = ("industry", "country", "employees")


def gaps_filled(known: Mapping[str, object], offered: Mapping[str, object]) -> dict[str, object]:
    """The offered values that fill a gap in what the tenant knows; nothing known is ever overwritten."""
    return {
        name: value
        for name, value in offered.items()
        if name in FIRMOGRAPHICS and value is not None and known.get(name) is None
    }
