"""Concurrent signed webhook posts over HTTP, batched and single, on leads in common: all answered 2xx,
every event stored once, and nothing about the race (no traceback, no SQL) in the log."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest
from sqlmodel import func, select

from app.db import SessionMaker
from app.models import EngagementEvent
from app.services.api_keys import signature
from tests.api.conftest import Api
from tests.factories import T0, make_lead

LEADS = 6
KINDS = ["email_open", "pricing_view", "email_reply", "demo_request", "page_view", "email_click"]


def _events(prefix: str, count: int, shift: int) -> dict[str, Any]:
    return {
        "events": [
            {
                "external_id": f"{prefix}-{i}",
                "kind": KINDS[(i + shift) % len(KINDS)],
                "occurred_at": T0.isoformat(),
                "email": f"lead{(i + shift) % LEADS}@werk.example",
            }
            for i in range(count)
        ]
    }


async def _post(api: Api, key: str, document: dict[str, Any]) -> tuple[int, Any]:
    body = json.dumps(document).encode()
    stamp = str(int(T0.timestamp()))
    headers = {
        "Authorization": f"Bearer {key}",
        "X-Nurture-Timestamp": stamp,
        "X-Nurture-Signature": signature(key.split("_", 2)[2], stamp, body),
        "Content-Type": "application/json",
    }
    response = await api.client.post("/api/v1/webhooks/events", data=body, headers=headers)
    text = await response.text()
    return response.status, json.loads(text) if response.content_type == "application/json" else text


async def test_concurrent_batches_and_single_posts_on_shared_leads_all_succeed_once(
    api: Api, sessions: SessionMaker, caplog: pytest.LogCaptureFixture
) -> None:
    for index in range(LEADS):
        await make_lead(sessions, api.org, email=f"lead{index}@werk.example", owner=api.org.reps[index % 3])
    status, body = await api.call("POST", "/api/v1/settings/api-keys", api.org.admin, {"name": "HubSpot"})
    assert status == 201, body
    key = str(body["key"])
    # Four batches over every lead: two distinct ones, each also posted in reverse order at the same time
    # (a marketing tool retrying), so the same external ids race across requests in opposite orders. And
    # 32 single-event posts, half of them repeating an id the first batch carries.
    first, second = _events("batch0", 150, shift=0), _events("batch1", 150, shift=1)
    documents = [first, {"events": first["events"][::-1]}, second, {"events": second["events"][::-1]}]
    documents += [
        {"events": [first["events"][n] if n % 2 else _events(f"single{n}", n + 1, shift=n)["events"][n]]}
        for n in range(32)
    ]
    caplog.set_level(logging.INFO)
    answers = await asyncio.gather(*(_post(api, key, document) for document in documents))
    assert [status for status, _ in answers] == [200] * len(answers), answers
    accepted = sum(answer["accepted"] for _, answer in answers)
    duplicates = sum(answer["duplicates"] for _, answer in answers)
    distinct = 2 * 150 + 16
    assert (accepted, duplicates) == (distinct, 2 * 150 + 16)
    async with sessions() as session:
        stored = (await session.exec(select(func.count()).select_from(EngagementEvent))).one()
    assert stored == distinct
    noisy = [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info is not None]
    assert noisy == [], [r.getMessage() for r in noisy]
    assert not any("SELECT" in r.getMessage() or "INSERT" in r.getMessage() for r in caplog.records)
