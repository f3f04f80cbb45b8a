"""A refused request writes nothing: limits are checked before the session is touched."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from app.db import SessionMaker
from tests.factories import make_lead
from tests.security.conftest import Api, Quiet


async def _lead(api: Api, lead_id: uuid.UUID, member: Any) -> dict[str, Any]:
    status, body = await api.call("GET", f"/api/v1/leads/{lead_id}", member)
    assert status == 200, body
    return dict(body)


@pytest.mark.parametrize(
    "changes",
    [
        {"first_name": "x" * 50_000, "language": "y" * 5_000, "phone": "1" * 3_000},
        {"last_name": "x" * 101},
        {"title": "x" * 201},
        {"needs": "x" * 20_001},
        {"topics": ["t" * 81]},
        {"topics": [f"topic {n}" for n in range(51)]},
        {"custom_fields": {f"field_{n}": n for n in range(51)}},
        {"custom_fields": {"notes": "x" * 2_001}},
        {"custom_fields": {"k" * 61: 1}},
    ],
    ids=lambda changes: ",".join(changes),
)
async def test_an_oversized_update_is_refused_and_nothing_is_stored(
    api: Api, sessions: SessionMaker, quiet: Quiet, changes: dict[str, Any]
) -> None:
    rep = api.org.reps[0]
    lead_id = await make_lead(sessions, api.org, owner=rep)
    before = await _lead(api, lead_id, rep)
    status, body = await api.call(
        "PATCH", f"/api/v1/leads/{lead_id}", rep, {"version": before["version"], **changes}
    )
    assert status == 400 and body["error"] == "invalid_input"
    assert {item["field"].split(".")[0] for item in body["details"]} <= set(changes)
    assert await _lead(api, lead_id, rep) == before, "the refused update changed the lead"
    status, page = await api.call("GET", "/api/v1/leads", rep)
    assert status == 200 and [item["id"] for item in page["items"]] == [str(lead_id)]


async def test_an_oversized_capture_is_refused_before_anything_is_written(api: Api, quiet: Quiet) -> None:
    rep = api.org.reps[0]
    status, body = await api.call(
        "POST",
        "/api/v1/leads",
        rep,
        {"email": "long@customer.example", "first_name": "x" * 101, "owner_email": "o" * 400},
    )
    assert status == 400 and {d["field"] for d in body["details"]} == {"first_name", "owner_email"}
    status, page = await api.call("GET", "/api/v1/leads?q=long", rep)
    assert status == 200 and page["items"] == []
