"""GET /api/v1/vocabulary: the words for every code the tab shows, and what the caller's role may do."""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, Field

from app import keys, vocabulary
from app.nurturing.enums import Role
from app.services.tenant_config import load_config


class TermOut(BaseModel):
    code: str
    en: str
    de: str


class ContentTitleOut(BaseModel):
    id: str
    title: str
    url: str
    kind: str


class VocabularyOut(BaseModel):
    groups: dict[str, list[TermOut]] = Field(
        description="Each group's codes in reading order, with their English and German words "
        "(stage, lifecycle, outcome, follow_up_kind, event_kind, role, settings_section, ...)"
    )
    content: list[ContentTitleOut] = Field(
        description="The tenant's content library: what a content key names"
    )
    capabilities: list[str] = Field(
        description="The operationIds of the OpenAPI document that the caller's role may call at all"
    )


def capabilities(role: Role) -> list[str]:
    """The operations a role may call, read from the route table's own role declarations."""
    # The route table names this module's handler, so it is read when asked, not when imported.
    from app.api.routes import ROUTES

    return sorted({route.handler.__name__ for route in ROUTES if not route.allowed or role in route.allowed})


def terms() -> dict[str, list[TermOut]]:
    """Every vocabulary group as an ordered list of terms."""
    return {
        name: [TermOut(code=str(code), en=en, de=de) for code, (en, de) in group.items()]
        for name, group in vocabulary.GROUPS.items()
    }


async def get_vocabulary(request: web.Request) -> web.Response:
    """The vocabulary for the signed-in member's tenant and role."""
    who = request[keys.CALLER]
    async with request.app[keys.SESSIONS]() as session:
        config = await load_config(session=session, tenant_id=who.tenant_id)
    body = VocabularyOut(
        groups=terms(),
        content=[
            ContentTitleOut(id=item.id, title=item.title, url=item.url, kind=item.kind)
            for item in config.library
        ],
        capabilities=capabilities(who.role) if who.role is not None else [],
    )
    return web.json_response(text=body.model_dump_json())
