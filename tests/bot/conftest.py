"""A real Nurture app and a Bot Connector double on loopback, and activities as Teams sends them."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from aiohttp.web import Application, Request
from pytest_aiohttp import AiohttpClient

from app.config import Settings
from app.db import SessionMaker
from app.models import Member
from app.server import create_app
from tests.doubles.connector import ConnectorDouble
from tests.factories import T0, Org, make_org

NOW = T0 + timedelta(days=20)  # a Monday, when the first follow-ups of T0 leads are due


def personal_conversation(member: Member) -> str:
    return f"a:1personal-{member.id.hex}"


@dataclass
class Teams:
    """Sends activities to the bot the way Teams does, and reads what the bot sent back."""

    client: TestClient[Request, Application]
    connector: ConnectorDouble
    org: Org

    def activity(self, member: Member, kind: str, **fields: Any) -> dict[str, Any]:
        conversation = fields.pop("conversation", None) or {
            "id": personal_conversation(member),
            "conversationType": "personal",
            "tenantId": member.tenant_id,
        }
        document: dict[str, Any] = {
            "type": kind,
            "id": f"1:{uuid.uuid4().hex}",
            "timestamp": NOW.isoformat(),
            "channelId": "msteams",
            "serviceUrl": self.connector.url,
            "from": {
                "id": f"29:{member.aad_object_id}",
                "aadObjectId": member.aad_object_id,
                "name": member.display_name,
            },
            "recipient": {"id": "28:nurture-bot", "name": "Nurture"},
            "conversation": conversation,
            "channelData": {"tenant": {"id": member.tenant_id}},
            "locale": fields.pop("locale", "en-US"),
        }
        document.update(fields)
        return document

    async def post(self, document: Any, headers: dict[str, str] | None = None) -> tuple[int, Any]:
        response = await self.client.post("/api/messages", json=document, headers=headers or {})
        body = await response.json() if response.content_type == "application/json" else await response.text()
        return response.status, body

    async def say(self, member: Member, text: str, **fields: Any) -> int:
        status, _ = await self.post(self.activity(member, "message", text=text, **fields))
        return status

    async def execute(
        self, member: Member, verb: str, data: dict[str, Any], reply_to: str | None = None
    ) -> tuple[int, Any]:
        value = {"action": {"type": "Action.Execute", "verb": verb, "data": data}, "trigger": "manual"}
        document = self.activity(member, "invoke", name="adaptiveCard/action", value=value)
        if reply_to:
            document["replyToId"] = reply_to
        return await self.post(document)

    async def follow_up_card(self, member: Member, **fields: Any) -> dict[str, Any]:
        """The full card of the first follow-up on the member's list, as "Open follow-up" shows it."""
        await self.say(member, "my follow-ups", **fields)
        done = next(a for a in actions_of(self.cards_to(member)[-1]) if a["verb"] == "followup.done")
        data = {key: value for key, value in done["data"].items() if key != "list_offset"}
        status, body = await self.execute(member, "followup.show", data)
        assert status == 200
        return dict(body["value"])

    def cards_to(self, member: Member) -> list[dict[str, Any]]:
        return [
            attachment["content"]
            for activity in self.connector.activities(personal_conversation(member))
            for attachment in activity.get("attachments") or []
        ]


def card_text(card: Any) -> str:
    """Every string in a card, for assertions on what a person would read."""
    if isinstance(card, dict):
        return " ".join(card_text(value) for value in card.values())
    if isinstance(card, list):
        return " ".join(card_text(value) for value in card)
    return card if isinstance(card, str) else ""


def actions_of(card: Any, kind: str = "Action.Execute") -> list[dict[str, Any]]:
    """Every action of a type anywhere in a card, show-cards included."""
    found: list[dict[str, Any]] = []
    if isinstance(card, dict):
        if card.get("type") == kind:
            found.append(card)
        for value in card.values():
            found.extend(actions_of(value, kind))
    elif isinstance(card, list):
        for value in card:
            found.extend(actions_of(value, kind))
    return found


@pytest.fixture
async def connector() -> AsyncIterator[ConnectorDouble]:
    async with ConnectorDouble() as double:
        yield double


@pytest.fixture
async def teams(
    aiohttp_client: AiohttpClient,
    database_url: str,
    sessions: SessionMaker,
    connector: ConnectorDouble,
) -> Teams:
    org = await make_org(sessions, now=T0)
    settings = Settings(database_url=database_url, scheduler_enabled=False, dispatcher_enabled=False)
    client = await aiohttp_client(create_app(settings, clock=lambda: NOW))
    return Teams(client=client, connector=connector, org=org)


def clock_at(moment: datetime) -> Callable[[], datetime]:
    return lambda: moment
