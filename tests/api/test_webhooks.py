"""Webhooks: signed batches are ingested once; anything unsigned, tampered, replayed or revoked is refused."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from pytest_aiohttp import AiohttpClient
from sqlalchemy import event
from sqlmodel import col, func, select

from app import keys as app_keys
from app.api.webhooks import EventBatchIn
from app.db import SessionMaker
from app.models import ApiKey, EngagementEvent, Lead
from app.server import create_app
from app.services.api_keys import signature
from app.services.events import ingest_posted
from tests.api.conftest import Api, sso_settings
from tests.doubles.identity import IdentityDouble
from tests.factories import T0, make_lead, make_org


async def _new_key(api: Api) -> str:
    status, body = await api.call(
        "POST", "/api/v1/settings/api-keys", api.org.admin, {"name": "HubSpot sync"}
    )
    assert status == 201, body
    return str(body["key"])


def _signed(
    key: str,
    document: Any,
    *,
    timestamp: int | None = None,
    sign_with: str | None = None,
    prefer: str | None = None,
) -> dict[str, str]:
    stamp = str(timestamp if timestamp is not None else int(T0.timestamp()))
    parts = key.split("_", 2)
    secret = parts[2] if len(parts) == 3 else "no-secret"
    headers = {
        "Authorization": f"Bearer {key}",
        "X-Nurture-Timestamp": stamp,
        "X-Nurture-Signature": signature(sign_with or secret, stamp, json.dumps(document).encode()),
        "Content-Type": "application/json",
    }
    if prefer is not None:
        headers["Prefer"] = prefer
    return headers


async def _post(
    api: Api,
    path: str,
    key: str,
    document: Any,
    *,
    timestamp: int | None = None,
    body: bytes | None = None,
    sign_with: str | None = None,
    prefer: str | None = None,
) -> tuple[int, Any]:
    raw = json.dumps(document).encode() if body is None else body
    headers = _signed(key, document, timestamp=timestamp, sign_with=sign_with, prefer=prefer)
    response = await api.client.post(path, data=raw, headers=headers)
    return response.status, await response.json()


def _events(email: str, count: int, prefix: str = "hs") -> dict[str, Any]:
    return {
        "events": [
            {
                "external_id": f"{prefix}-{i}",
                "kind": "email_click",
                "occurred_at": T0.isoformat(),
                "email": email,
            }
            for i in range(count)
        ]
    }


async def test_a_signed_batch_is_ingested_once(api: Api, sessions: SessionMaker) -> None:
    await make_lead(sessions, api.org, email="jana@werk.example", owner=api.org.reps[0])
    key = await _new_key(api)
    status, body = await _post(api, "/api/v1/webhooks/events", key, _events("jana@werk.example", 3))
    assert (status, body) == (200, {"accepted": 3, "duplicates": 0, "unknown_lead": []})
    status, body = await _post(api, "/api/v1/webhooks/events", key, _events("jana@werk.example", 3))
    assert (status, body) == (200, {"accepted": 0, "duplicates": 3, "unknown_lead": []})
    async with sessions() as session:
        stored = (await session.exec(select(func.count()).select_from(EngagementEvent))).one()
        lead = (await session.exec(select(Lead).where(Lead.email == "jana@werk.example"))).one()
        keys = (await session.exec(select(ApiKey))).all()
    assert stored == 3 and lead.engagement_score > 0
    assert key.split("_", 2)[2] not in {k.secret_hash for k in keys}, "only a hash is stored"


async def _pending(sessions: SessionMaker) -> int:
    async with sessions() as session:
        return int(
            (
                await session.exec(
                    select(func.count()).select_from(EngagementEvent).where(col(EngagementEvent.pending))
                )
            ).one()
        )


async def test_respond_async_answers_202_once_stored_and_the_server_applies_the_events_soon_after(
    api: Api, sessions: SessionMaker
) -> None:
    lead_id = await make_lead(sessions, api.org, email="jana@werk.example", owner=api.org.reps[0])
    async with sessions() as session:
        before = await session.get(Lead, lead_id)
    assert before is not None
    key = await _new_key(api)
    response = await api.client.post(
        "/api/v1/webhooks/events",
        data=json.dumps(_events("jana@werk.example", 3)),
        headers=_signed(key, _events("jana@werk.example", 3), prefer="wait=5, respond-async"),
    )
    assert response.status == 202
    assert response.headers["Preference-Applied"] == "respond-async"
    assert await response.json() == {"accepted": 3, "duplicates": 0, "unknown_lead": []}
    # The post woke the server's refresher: applied well before its 5-second poll would have found them.
    for _ in range(60):
        if not await _pending(sessions):
            break
        await asyncio.sleep(0.05)
    assert await _pending(sessions) == 0
    async with sessions() as session:
        lead = await session.get(Lead, lead_id)
        effects = (
            await session.exec(select(EngagementEvent.effect).where(col(EngagementEvent.effect).is_not(None)))
        ).all()
    assert lead is not None and lead.engagement_score > before.engagement_score
    assert len(effects) == 1
    effect = effects[0]
    assert effect is not None and effect["score_after"] == lead.total_score
    again = await _post(
        api, "/api/v1/webhooks/events", key, _events("jana@werk.example", 3), prefer="respond-async"
    )
    assert again == (202, {"accepted": 0, "duplicates": 3, "unknown_lead": []})


async def test_events_waiting_to_be_applied_show_in_the_metrics(
    aiohttp_client: AiohttpClient, database_url: str, sessions: SessionMaker, identity: IdentityDouble
) -> None:
    org = await make_org(sessions, now=T0)
    await make_lead(sessions, org, email="jana@werk.example", owner=org.reps[0])
    # A server whose refresher would look again only in an hour, so the backlog stays to be seen.
    settings = sso_settings(database_url, identity).model_copy(update={"event_refresh_poll_seconds": 3600})
    client = await aiohttp_client(create_app(settings, clock=lambda: T0))
    stored = await ingest_posted(
        sessions=sessions,
        tenant_id=org.tenant_id,
        events=EventBatchIn.model_validate(_events("jana@werk.example", 4)).events,
        now=T0,
        defer=True,
    )
    assert stored.accepted == 4
    body = await (await client.get("/metrics")).text()
    assert "nurture_events_pending 4.0" in body.splitlines()


async def test_other_preferences_leave_the_answer_as_it_was_and_refusals_store_nothing(
    api: Api, sessions: SessionMaker
) -> None:
    await make_lead(sessions, api.org, email="jana@werk.example", owner=api.org.reps[0])
    key = await _new_key(api)
    document = _events("jana@werk.example", 2)
    tampered = json.dumps(_events("jana@werk.example", 50)).encode()
    refused = await _post(
        api, "/api/v1/webhooks/events", key, document, body=tampered, prefer="respond-async"
    )
    assert refused[0] == 401
    assert (await _post(api, "/api/v1/webhooks/events", key, document, prefer="respond-asynchronously"))[
        0
    ] == 200
    async with sessions() as session:
        stored = (await session.exec(select(func.count()).select_from(EngagementEvent))).one()
    assert stored == 2 and await _pending(sessions) == 0


async def test_refusals(api: Api, sessions: SessionMaker) -> None:
    await make_lead(sessions, api.org, email="jana@werk.example", owner=api.org.reps[0])
    key = await _new_key(api)
    document = _events("jana@werk.example", 1)
    tampered = json.dumps(_events("jana@werk.example", 50)).encode()
    old = int(T0.timestamp()) - 3600
    cases = {
        "tampered body": await _post(api, "/api/v1/webhooks/events", key, document, body=tampered),
        "wrong secret": await _post(api, "/api/v1/webhooks/events", key, document, sign_with="guess"),
        "replayed an hour later": await _post(api, "/api/v1/webhooks/events", key, document, timestamp=old),
        "unknown key": await _post(api, "/api/v1/webhooks/events", "nk_0000000000000000_abc", document),
        "not a key": await _post(api, "/api/v1/webhooks/events", "hello", document),
    }
    for name, (status, _) in cases.items():
        assert status == 401, name
    unsigned = await api.client.post("/api/v1/webhooks/events", json=document)
    assert unsigned.status == 401
    status, keys = await api.call("GET", "/api/v1/settings/api-keys", api.org.admin)
    await api.call("DELETE", f"/api/v1/settings/api-keys/{keys['items'][0]['id']}", api.org.admin)
    assert (await _post(api, "/api/v1/webhooks/events", key, document))[0] == 401, "revoked"
    async with sessions() as session:
        assert (await session.exec(select(func.count()).select_from(EngagementEvent))).one() == 0


async def test_a_verified_key_is_read_once_yet_its_secret_is_checked_on_every_call(
    api: Api, sessions: SessionMaker
) -> None:
    await make_lead(sessions, api.org, email="jana@werk.example", owner=api.org.reps[0])
    key = await _new_key(api)
    forged = "_".join([*key.split("_")[:2], "x" * 43])  # the real key id with a guessed secret
    statements: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        if "api_keys" in statement:
            statements.append(statement.split()[0])

    engine = api.client.app[app_keys.SESSIONS].kw["bind"].sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        answers = [
            (await _post(api, "/api/v1/webhooks/events", key, _events("jana@werk.example", 1, f"p{n}")))[0]
            for n in range(3)
        ]
        refused = (await _post(api, "/api/v1/webhooks/events", forged, _events("jana@werk.example", 1)))[0]
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert answers == [200, 200, 200] and refused == 401
    assert statements == ["SELECT", "UPDATE"], "one read and one last-used stamp for three calls"


async def test_a_key_revoked_here_is_refused_at_once_though_just_verified(
    api: Api, sessions: SessionMaker
) -> None:
    await make_lead(sessions, api.org, email="jana@werk.example", owner=api.org.reps[0])
    key = await _new_key(api)
    assert (await _post(api, "/api/v1/webhooks/events", key, _events("jana@werk.example", 1)))[0] == 200
    status, keys = await api.call("GET", "/api/v1/settings/api-keys", api.org.admin)
    await api.call("DELETE", f"/api/v1/settings/api-keys/{keys['items'][0]['id']}", api.org.admin)
    document = _events("jana@werk.example", 1, "after")
    assert (await _post(api, "/api/v1/webhooks/events", key, document))[0] == 401


async def test_bad_batches_fail_with_details_and_store_nothing(api: Api, sessions: SessionMaker) -> None:
    key = await _new_key(api)
    too_many = _events("a@b.example", 1001)
    status, body = await _post(api, "/api/v1/webhooks/events", key, too_many)
    assert status == 400 and body["error"] == "invalid_input"
    broken = {
        "events": [
            {"external_id": "x", "kind": "email_open", "occurred_at": "yesterday", "email": "a@b.example"}
        ]
    }
    status, body = await _post(api, "/api/v1/webhooks/events", key, broken)
    assert status == 400 and body["details"][0]["field"] == "events.0.occurred_at"
    async with sessions() as session:
        assert (await session.exec(select(func.count()).select_from(EngagementEvent))).one() == 0


async def test_a_key_only_reaches_its_own_tenant(api: Api, sessions: SessionMaker) -> None:
    await make_lead(sessions, api.org, email="jana@werk.example", owner=api.org.reps[0])
    other = await make_org(sessions)
    assert other.admin is not None
    status, body = await api.call("POST", "/api/v1/settings/api-keys", other.admin, {"name": "other"})
    other_key = body["key"]
    status, body = await _post(api, "/api/v1/webhooks/events", other_key, _events("jana@werk.example", 2))
    assert status == 200 and body["accepted"] == 0 and body["unknown_lead"] == ["hs-0", "hs-1"]
    assert (await api.call("GET", "/api/v1/settings/api-keys", api.org.reps[0]))[0] == 403, "admins only"


async def test_form_capture_creates_once(api: Api, sessions: SessionMaker) -> None:
    key = await _new_key(api)
    form = {
        "email": "New.Lead@Fabrik.example",
        "first_name": "Nina",
        "country": "DE",
        "company_name": "Fabrik AG",
    }
    status, first = await _post(api, "/api/v1/webhooks/leads", key, form)
    assert status == 201 and first["created"] is True
    status, again = await _post(api, "/api/v1/webhooks/leads", key, form)
    assert status == 200 and again == {"lead_id": first["lead_id"], "created": False}
    async with sessions() as session:
        lead = (await session.exec(select(Lead).where(Lead.email == "new.lead@fabrik.example"))).one()
    assert lead.team_id == api.org.dach.id, "routed like any other lead"
