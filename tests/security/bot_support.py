"""The bot fixtures of tests/bot for the security tests, plus the helpers several of them need."""

from __future__ import annotations

from typing import Any

from tests.bot.conftest import Teams, actions_of, connector, teams

__all__ = ["Teams", "connector", "data_of", "teams"]


def data_of(card: dict[str, Any], verb: str) -> dict[str, Any]:
    """The fixed data of the first Action.Execute with ``verb`` on a card."""
    action = next(action for action in actions_of(card) if action["verb"] == verb)
    return dict(action["data"])
