"""Facts about the network peer of a request."""

from __future__ import annotations

import ipaddress

from aiohttp import web

from app import keys


def _address(text: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address((text or "").strip())
    except ValueError:
        return None


def client_address(request: web.Request) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The client's address: the TCP peer, unless the peer is a configured proxy, in which case the last
    X-Forwarded-For entry that no trusted proxy added. Anyone else's forwarded headers are ignored."""
    peer = _address(request.remote)
    proxies = request.app[keys.SETTINGS].proxy_networks
    if peer is None or not any(peer in network for network in proxies):
        return peer
    hops = [hop for header in request.headers.getall("X-Forwarded-For", []) for hop in header.split(",")]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            return None  # a proxy we trust sent something we cannot read: the client is unknown
        if not any(address in network for network in proxies):
            return address
    return None  # only proxies, or no header at all: the request did not come from a client we know


def is_loopback(request: web.Request) -> bool:
    """Whether the client is this machine; behind a configured proxy, the client it forwards for."""
    address = client_address(request)
    return address is not None and address.is_loopback
