"""Facts about the network peer of a request."""

from __future__ import annotations

import ipaddress

from aiohttp import web


def is_loopback(request: web.Request) -> bool:
    """Whether the TCP peer is this machine (no proxy headers are trusted for this)."""
    try:
        return request.remote is not None and ipaddress.ip_address(request.remote).is_loopback
    except ValueError:
        return False
