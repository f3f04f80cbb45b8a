"""The route entry every /api/v1 handler is declared with, and the few helpers all handlers share.

A handler's path, method, roles and models sit on its decorator, right above it; the OpenAPI document,
the role gate and the router all read that one entry, so they cannot disagree."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from aiohttp import web
from pydantic import BaseModel

from app import keys
from app.api.json_input import parse_json
from app.nurturing.enums import Role
from app.services.access import Caller, ensure_role

Model = TypeVar("Model", bound=BaseModel)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    path: str
    handler: Handler
    summary: str
    body: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    roles: str = "any member"
    security: str = "teamsSso"
    errors_as_response: bool = False  # a refusal answers with the response model itself (the CSV report)
    allowed: tuple[Role, ...] = ()  # roles that may call it at all; empty means any member

    def guarded(self) -> Handler:
        """The handler behind its role gate, which runs before the body, the ids or the database are read,
        so a role that may never do this learns nothing from the answer. The one place ``allowed`` is
        enforced; the services check again where the rule is the domain's."""
        if not self.allowed:
            return self.handler
        allowed, handler = self.allowed, self.handler

        async def gate(request: web.Request) -> web.StreamResponse:
            ensure_role(caller(request), *allowed)
            return await handler(request)

        gate.__name__ = handler.__name__
        return gate


class RouteTable:
    """The routes of one resource, each added by the decorator on its handler."""

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def route(
        self,
        method: str,
        path: str,
        summary: str,
        *,
        body: type[BaseModel] | None = None,
        response: type[BaseModel] | None = None,
        status: int = 200,
        roles: str = "any member",
        security: str = "teamsSso",
        errors_as_response: bool = False,
        allowed: tuple[Role, ...] = (),
    ) -> Callable[[Handler], Handler]:
        """Declare the handler below as ``method path``; it is returned unchanged."""

        def add(handler: Handler) -> Handler:
            self.routes.append(
                Route(
                    method,
                    path,
                    handler,
                    summary,
                    body=body,
                    response=response,
                    status=status,
                    roles=roles,
                    security=security,
                    errors_as_response=errors_as_response,
                    allowed=allowed,
                )
            )
            return handler

        return add


async def read_body(request: web.Request, model: type[Model]) -> Model:
    """The request body as ``model``, validated in full (ranges that depend on the time included) before
    any session is opened, so a refused request can have written nothing."""
    document = parse_json(await request.read())
    return model.model_validate(document, context={"now": now(request)})


def reply(model: BaseModel, status: int = 200) -> web.Response:
    """A Public model as the JSON answer."""
    return web.json_response(text=model.model_dump_json(), status=status)


def path_id(request: web.Request, name: str = "id") -> uuid.UUID:
    """A uuid from the path; anything else is a 404, as an unknown id would be."""
    try:
        return uuid.UUID(request.match_info[name])
    except ValueError as error:
        raise web.HTTPNotFound(text='{"error": "not_found"}', content_type="application/json") from error


def caller(request: web.Request) -> Caller:
    """Who is calling, as the authentication middleware established it."""
    return request[keys.CALLER]


def now(request: web.Request) -> datetime:
    """The server's clock (a fixed one in tests)."""
    return request.app[keys.CLOCK]()
