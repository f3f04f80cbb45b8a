"""The access log without query strings: searches carry names and e-mail addresses, so only the names
of the parameters are kept."""

from __future__ import annotations

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger


class PathOnlyAccessLogger(AbstractAccessLogger):
    """One line per request: method, path, the query's parameter names, status, size and duration."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        names = sorted(set(request.query.keys()))
        target = request.path + ("?" + "&".join(names) if names else "")
        self.logger.info(
            "%s %s %s %s %.3fs",
            request.method,
            target,
            response.status,
            response.body_length,
            time,
            extra={"method": request.method, "path": request.path, "status": response.status},
        )
