"""Helpers that look inside card JSON the way a client would: every element, action and string."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

ACTION_TYPES = frozenset({"Action.Execute", "Action.ShowCard", "Action.OpenUrl"})


def nodes(document: Any) -> Iterator[dict[str, Any]]:
    """Every JSON object in the card, depth first, including those inside ShowCard cards and refresh."""
    if isinstance(document, dict):
        yield document
        for value in document.values():
            yield from nodes(value)
    elif isinstance(document, list):
        for value in document:
            yield from nodes(value)


def actions(card: dict[str, Any]) -> list[dict[str, Any]]:
    """Every action anywhere in the card."""
    return [node for node in nodes(card) if str(node.get("type", "")).startswith("Action.")]


def executes(card: dict[str, Any]) -> list[dict[str, Any]]:
    """Every Action.Execute, including the refresh action."""
    return [node for node in actions(card) if node["type"] == "Action.Execute"]


def inputs(card: dict[str, Any]) -> list[dict[str, Any]]:
    """Every input element."""
    return [node for node in nodes(card) if str(node.get("type", "")).startswith("Input.")]


def by_id(card: dict[str, Any], element_id: str) -> list[dict[str, Any]]:
    """Elements with the given id."""
    return [node for node in nodes(card) if node.get("id") == element_id]


def texts(card: dict[str, Any]) -> list[str]:
    """Every user-visible string: text blocks, fact titles and values, labels, titles, choices."""
    found: list[str] = []
    for node in nodes(card):
        for key in ("text", "title", "value", "label", "placeholder", "errorMessage"):
            value = node.get(key)
            if isinstance(value, str):
                found.append(value)
    return found


def all_text(card: dict[str, Any]) -> str:
    """The visible strings joined, for substring checks."""
    return "\n".join(texts(card))


def top_titles(card: dict[str, Any]) -> list[str]:
    """Titles of the card-level buttons, in order."""
    return [action["title"] for action in card.get("actions", [])]
