"""Reading JSON bodies from the network: standard JSON only, nested no deeper than any of our models."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

# Our deepest request document (a scoring rule set) nests five levels; 32 leaves room and stops a body
# built to exhaust the parser or the validators that walk it.
MAX_DEPTH = 32


def _problem(code: str, message: str) -> web.HTTPBadRequest:
    return web.HTTPBadRequest(
        text=json.dumps({"error": code, "message": message}), content_type="application/json"
    )


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _depth(document: Any) -> int:
    deepest, stack = 0, [(document, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict):
            node = list(node.values())
        elif not isinstance(node, list):
            continue
        deepest = max(deepest, level)
        if deepest > MAX_DEPTH:
            return deepest
        stack.extend((child, level + 1) for child in node)
    return deepest


def parse_json(body: bytes) -> Any:
    """The document in ``body``, or an HTTP 400 that says what is wrong with it."""
    try:
        document = json.loads(body, parse_constant=_refuse_constant)
    except RecursionError as error:
        raise _problem("too_deep", f"JSON nested deeper than {MAX_DEPTH} levels") from error
    except (ValueError, UnicodeDecodeError) as error:  # JSONDecodeError is a ValueError
        raise _problem(
            "malformed_json", "the body is not standard JSON (NaN and Infinity are not)"
        ) from error
    if _depth(document) > MAX_DEPTH:
        raise _problem("too_deep", f"JSON nested deeper than {MAX_DEPTH} levels")
    return document
