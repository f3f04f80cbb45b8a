"""Every bad input on the REST API and the webhooks gets a clear 4xx, and no traceback in the log."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import pytest
from sqlmodel import select

from app.db import SessionMaker
from app.models import EngagementEvent, FollowUp, TenantSetting
from tests.factories import make_lead
from tests.security.conftest import Api, Quiet, Webhook


def _cursor(values: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode()


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(
    ("sort", "cursor"),
    [
        ("-total_score", [1, "not-a-uuid"]),
        ("-total_score", [{"a": 1}, str(uuid.UUID(int=1))]),
        ("-total_score", [None, None]),
        ("-total_score", [True, str(uuid.UUID(int=1))]),
        ("-total_score", [10**30, str(uuid.UUID(int=1))]),
        ("created_at", [5, str(uuid.UUID(int=1))]),
        ("created_at", ["2026-03-10T08:30:00", str(uuid.UUID(int=1))]),
        ("-created_at", ["0001-01-01T00:00:00+14:00", str(uuid.UUID(int=1))]),
        ("created_at", [[], str(uuid.UUID(int=1))]),
    ],
)
async def test_a_bad_lead_cursor_is_a_400(api: Api, quiet: Quiet, sort: str, cursor: Any) -> None:
    status, body = await api.call(
        "GET", f"/api/v1/leads?sort={sort}&cursor={_cursor(cursor)}", api.org.reps[0]
    )
    assert status == 400 and body["error"] == "invalid_input" and "cursor" in body["message"]


@pytest.mark.parametrize(
    "cursor",
    [
        _cursor(["2026-03-10T08:30:00", str(uuid.UUID(int=1))]),
        _cursor(["0001-01-01T00:00:00+01:00", str(uuid.UUID(int=1))]),
        _cursor([1, 2]),
        _cursor({"at": 1}),
        "%%%",
    ],
)
async def test_a_bad_timeline_cursor_is_a_400(
    api: Api, sessions: SessionMaker, quiet: Quiet, cursor: str
) -> None:
    rep = api.org.reps[0]
    lead_id = await make_lead(sessions, api.org, owner=rep)
    status, body = await api.call("GET", f"/api/v1/leads/{lead_id}/timeline?cursor={cursor}", rep)
    assert status == 400 and "cursor" in body["message"]


@pytest.mark.parametrize(
    "query",
    [
        "since=0001-01-01T00:00:00%2B14:00",
        "until=9999-12-31T23:59:59-12:00",
        "since=2026-03-01&until=2026-02-01",
        "since=yesterday",
    ],
)
async def test_pipeline_dates_are_bounded(api: Api, quiet: Quiet, query: str) -> None:
    status, body = await api.call("GET", f"/api/v1/pipeline?{query}", api.org.manager)
    assert status == 400 and body["error"] == "invalid_input"


@pytest.mark.parametrize(
    "when", ["9999-12-31T23:00-12:00", "0001-01-01T00:00+14:00", "2031-01-01", "2020-01-01"]
)
async def test_a_reschedule_outside_two_years_is_a_400_and_moves_nothing(
    api: Api, sessions: SessionMaker, quiet: Quiet, when: str
) -> None:
    rep = api.org.reps[0]
    lead_id = await make_lead(sessions, api.org, owner=rep)
    async with sessions() as session:
        row = (await session.exec(select(FollowUp).where(FollowUp.lead_id == lead_id))).one()
    status, body = await api.call("POST", f"/api/v1/follow-ups/{row.id}/reschedule", rep, {"when": when})
    assert status == 400 and body["error"] == "invalid_input"
    async with sessions() as session:
        after = (await session.exec(select(FollowUp).where(FollowUp.id == row.id))).one()
    assert after.due_at == row.due_at


async def test_deeply_nested_json_is_a_400_on_the_rest_api(
    api: Api, sessions: SessionMaker, quiet: Quiet
) -> None:
    rep = api.org.reps[0]
    lead_id = await make_lead(sessions, api.org, owner=rep)
    for depth in (40, 100_000):
        body = '{"version": 1, "custom_fields": {"a": ' + _nested(depth) + "}}"
        response = await api.client.patch(
            f"/api/v1/leads/{lead_id}",
            data=body,
            headers={**api.headers(rep), "Content-Type": "application/json"},
        )
        assert response.status == 400, await response.text()
        assert (await response.json())["error"] in ("too_deep", "invalid_input")


async def test_nan_is_not_json(api: Api, sessions: SessionMaker, quiet: Quiet) -> None:
    rep = api.org.reps[0]
    lead_id = await make_lead(sessions, api.org, owner=rep)
    response = await api.client.patch(
        f"/api/v1/leads/{lead_id}",
        data='{"version": 1, "custom_fields": {"budget": NaN}}',
        headers={**api.headers(rep), "Content-Type": "application/json"},
    )
    assert response.status == 400 and (await response.json())["error"] == "malformed_json"


async def test_unknown_keys_in_a_settings_document_are_named(
    api: Api, sessions: SessionMaker, quiet: Quiet
) -> None:
    status, body = await api.call(
        "PUT", "/api/v1/settings/rules/thresholds", api.org.admin, {"document": {"mql": "lots"}}
    )
    assert status == 400 and "mql" in json.dumps(body)
    status, current = await api.call("GET", "/api/v1/settings", api.org.admin)
    assert status == 200
    document = dict(current["scoring"])
    document["bogus_rule"] = 1
    status, body = await api.call(
        "PUT", "/api/v1/settings/rules/scoring", api.org.admin, {"document": document}
    )
    assert status == 400 and "bogus_rule" in json.dumps(body)
    async with sessions() as session:
        stored = (
            await session.exec(select(TenantSetting).where(TenantSetting.tenant_id == api.org.tenant_id))
        ).all()
    assert stored == [], "a refused settings document is not stored"


async def test_a_webhook_timestamp_of_5000_digits_is_refused_before_the_key_lookup(
    webhook: Webhook, quiet: Quiet
) -> None:
    raw = b'{"events": []}'
    status, body = await webhook.post("/api/v1/webhooks/events", raw, **{"X-Nurture-Timestamp": "9" * 5000})
    assert status == 401 and body["error"] == "unauthorized"
    status, _ = await webhook.post("/api/v1/webhooks/events", raw, **{"X-Nurture-Signature": "s" * 5000})
    assert status == 401
    status, _ = await webhook.post("/api/v1/webhooks/events", raw, Authorization="Bearer " + "k" * 5000)
    assert status == 401


async def test_deeply_nested_json_is_a_400_on_the_webhooks(webhook: Webhook, quiet: Quiet) -> None:
    for depth in (40, 100_000):
        raw = (
            '{"events": [{"external_id": "x", "kind": "page_view", "properties": ' + _nested(depth) + "}]}"
        ).encode()
        status, body = await webhook.post("/api/v1/webhooks/events", raw)
        assert status == 400 and body["error"] in ("too_deep", "invalid_input"), body


def _event(email: str, **fields: Any) -> dict[str, Any]:
    event = {
        "external_id": uuid.uuid4().hex,
        "kind": "page_view",
        "occurred_at": "2026-03-10T08:00:00Z",
        "email": email,
    }
    event.update(fields)
    return event


@pytest.mark.parametrize(
    "fields",
    [
        {"occurred_at": "0001-01-01T00:00:00+01:00"},
        {"occurred_at": "9999-12-31T23:59:59+00:00"},
        {"occurred_at": "2020-01-01T00:00:00+00:00"},
        {"occurred_at": "2026-03-12T08:00:00+00:00"},
        {"properties": {"huge": "x" * 900_000}},
        {"properties": {f"p{n}": n for n in range(51)}},
        {"properties": {"k" * 61: 1}},
    ],
    ids=["year-1", "year-9999", "six-years-ago", "two-days-ahead", "900kb", "51-keys", "long-key"],
)
async def test_an_out_of_range_event_is_refused_and_nothing_is_stored(
    api: Api, sessions: SessionMaker, webhook: Webhook, quiet: Quiet, fields: dict[str, Any]
) -> None:
    lead_id = await make_lead(sessions, api.org, owner=api.org.reps[0], email="events@customer.example")
    status, body = await webhook.events(
        [_event("events@customer.example"), _event("events@customer.example", **fields)]
    )
    assert status in (400, 413) and body["error"] in ("invalid_input", "too_large"), body
    async with sessions() as session:
        assert (
            await session.exec(select(EngagementEvent).where(EngagementEvent.lead_id == lead_id))
        ).all() == []


async def test_nan_in_event_properties_is_refused(webhook: Webhook, quiet: Quiet) -> None:
    raw = json.dumps({"events": [_event("a@b.example", properties={"score": float("nan")})]}).encode()
    status, body = await webhook.post("/api/v1/webhooks/events", raw)
    assert status == 400 and body["error"] == "malformed_json"


async def test_found_by_schemathesis_an_ancient_away_until_and_a_boolean_head_count(
    api: Api, quiet: Quiet
) -> None:
    member = api.org.reps[0]
    status, body = await api.call(
        "PATCH", f"/api/v1/members/{member.id}", api.org.admin, {"away_until": "0365-11-15T10:05:39+03:03"}
    )
    assert status == 400 and body["details"][0]["field"] == "away_until"
    status, body = await api.call(
        "POST", "/api/v1/leads", api.org.admin, {"email": "count@customer.example", "employees": False}
    )
    assert status == 400 and body["details"][0]["field"] == "employees"
    status, body = await api.call(
        "PATCH", f"/api/v1/leads/{uuid.uuid4()}", api.org.admin, {"version": True, "title": "x"}
    )
    assert status == 400 and body["details"][0]["field"] == "version"


async def test_a_recycle_date_beyond_five_years_is_a_400(
    api: Api, sessions: SessionMaker, quiet: Quiet
) -> None:
    rep = api.org.reps[0]
    lead_id = await make_lead(sessions, api.org, owner=rep)
    status, lead = await api.call("GET", f"/api/v1/leads/{lead_id}", rep)
    assert status == 200
    body = {
        "lifecycle": "recycled",
        "reason_code": "under_contract",
        "until": "9999-12-31",
        "version": lead["version"],
    }
    status, answer = await api.call("PUT", f"/api/v1/leads/{lead_id}/lifecycle", rep, body)
    assert status == 400 and answer["details"][0]["field"] == "until"
    assert (await api.call("GET", f"/api/v1/leads/{lead_id}", rep))[1]["version"] == lead["version"]
