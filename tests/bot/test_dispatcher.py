"""The outbox dispatcher against a Bot Connector double that enforces Teams' limits and injects faults.

Proactive sends go to the double's REST routes as JSON over aiohttp (bot/connector_client.py); these tests
check the requests as the Bot Connector service would see them, and how each of its answers settles a row."""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from aiohttp import ClientSession
from sqlalchemy import insert
from sqlmodel import col, func, select

from app.config import Settings
from app.db import SessionMaker, transaction
from app.models import ConversationReference, FollowUp, Lead, Member, OutboxMessage, Team
from app.nurturing.enums import Role
from app.services.tenants import ensure_tenant
from bot.auth import build_authentication
from bot.card_views import Links
from bot.connector_client import (
    BotConnector,
    ConnectorTokens,
    SendFailed,
    connector_for,
    retry_after_seconds,
)
from bot.dispatcher import Dispatcher, DispatchPolicy
from tests.doubles.connector import RESET, ConnectorDouble
from tests.doubles.identity import IdentityDouble
from tests.factories import T0

ROOT = Path(__file__).resolve().parents[2]


def _reference(service_url: str, conversation_id: str, tenant_id: str) -> dict[str, object]:
    return {
        "activityId": None,
        "user": {"id": f"29:{conversation_id}"},
        "bot": {"id": "28:nurture-bot", "name": "Nurture"},
        "conversation": {"id": conversation_id, "conversationType": "personal", "tenantId": tenant_id},
        "channelId": "msteams",
        "serviceUrl": service_url,
    }


async def seed_due_notices(
    sessions: SessionMaker, service_url: str, *, tenants: int, members: int, per_member: int
) -> list[str]:
    """Tenants with reps who installed the app, each rep with due follow-ups and their queued notices."""
    conversations: list[str] = []
    now = T0
    for t in range(tenants):
        tenant_id = f"tenant-dispatch-{t}-{uuid.uuid4().hex[:6]}"
        async with transaction(sessions) as session:
            await ensure_tenant(session=session, tenant_id=tenant_id, name=f"T{t}", now=now)
            team = Team(tenant_id=tenant_id, name="Sales", time_zone="Europe/Berlin")
            session.add(team)
            await session.flush()
            member_rows, lead_rows, follow_up_rows, reference_rows, outbox_rows = [], [], [], [], []
            for m in range(members):
                member_id = uuid.uuid4()
                conversation_id = f"a:1{tenant_id}-{m}"
                conversations.append(conversation_id)
                member_rows.append(
                    dict(
                        id=member_id,
                        tenant_id=tenant_id,
                        display_name=f"Rep {m}",
                        email=f"rep{m}@t{t}.example",
                        role=Role.REP,
                        team_id=team.id,
                        time_zone="Europe/Berlin",
                        workdays=[0, 1, 2, 3, 4],
                        capacity=100,
                        active=True,
                        locale="en",
                        created_at=now,
                        aad_object_id=str(uuid.uuid4()),
                    )
                )
                reference_rows.append(
                    dict(
                        id=uuid.uuid4(),
                        tenant_id=tenant_id,
                        conversation_id=conversation_id,
                        scope="personal",
                        member_id=member_id,
                        service_url=service_url,
                        reference=_reference(service_url, conversation_id, tenant_id),
                        updated_at=now,
                    )
                )
                for n in range(per_member):
                    lead_id, follow_up_id = uuid.uuid4(), uuid.uuid4()
                    lead_rows.append(
                        dict(
                            id=lead_id,
                            tenant_id=tenant_id,
                            email=f"l{m}-{n}@c{t}.example",
                            first_name="Lead",
                            last_name=f"{m}-{n}",
                            owner_id=member_id,
                            team_id=team.id,
                            topics=[],
                            custom_fields={},
                            score_explanation=[],
                            created_at=now,
                            updated_at=now,
                            version=1,
                            language="en",
                        )
                    )
                    follow_up_rows.append(
                        dict(
                            id=follow_up_id,
                            tenant_id=tenant_id,
                            lead_id=lead_id,
                            owner_id=member_id,
                            due_at=now - timedelta(minutes=n),
                            reasons=[],
                            status="open",
                            created_at=now,
                            notified_at=now,
                        )
                    )
                    outbox_rows.append(
                        dict(
                            id=uuid.uuid4(),
                            tenant_id=tenant_id,
                            dedupe_key=f"follow_up:{follow_up_id}:due",
                            kind="follow_up.due",
                            payload={"follow_up_id": str(follow_up_id)},
                            member_id=member_id,
                            status="pending",
                            attempts=0,
                            not_before=now,
                            created_at=now,
                        )
                    )
            for model, rows in (
                (Member, member_rows),
                (ConversationReference, reference_rows),
                (Lead, lead_rows),
                (FollowUp, follow_up_rows),
                (OutboxMessage, outbox_rows),
            ):
                await session.exec(insert(model), params=rows)
    return conversations


@pytest.fixture
def connector_in_thread() -> Iterator[ConnectorDouble]:
    # Other processes send to it, so it runs on its own loop; 5% of requests get 429 or 500.
    double = ConnectorDouble(fault_rate=0.05, faults=(429, 500), seed=7, bot_limits=((1.0, 10_000),))
    double.start_in_thread()
    yield double
    double.stop()


async def test_two_processes_deliver_5000_notices_exactly_once_within_limits(
    database_url: str, sessions: SessionMaker, connector_in_thread: ConnectorDouble
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("two dispatcher processes share one database only on PostgreSQL")
    connector = connector_in_thread
    conversations = await seed_due_notices(sessions, connector.url, tenants=10, members=50, per_member=10)
    command = [
        sys.executable,
        "-m",
        "tests.bot.dispatch_worker",
        "--database-url",
        database_url,
        "--tenant-rate",
        "100",
        "--base-backoff",
        "0.2",
        "--timeout",
        "240",
    ]
    workers = [
        await asyncio.create_subprocess_exec(
            *command, cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
        for _ in range(2)
    ]
    results = []
    for worker in workers:
        out, err = await asyncio.wait_for(worker.communicate(), timeout=300)
        assert worker.returncode == 0, err.decode()[-3000:]
        results.append(json.loads(out))

    assert sum(r["sent"] for r in results) == 5000
    assert all(r["sent"] > 0 for r in results), "both processes took a share of the tenants"
    delivered: Counter[str] = Counter()
    per_conversation: dict[str, int] = defaultdict(int)
    for delivery in connector.deliveries:
        per_conversation[delivery.conversation_id] += 1
        for attachment in (delivery.activity or {}).get("attachments") or []:
            for action in json.dumps(attachment["content"]).split('"follow_up_id": "')[1:2]:
                delivered[action.split('"')[0]] += 1
    assert len(delivered) == 5000 and set(delivered.values()) == {1}, "each notice reached Teams exactly once"
    assert set(per_conversation) == set(conversations) and set(per_conversation.values()) == {10}
    assert connector.failed_injected > 0, "faults were injected"
    assert connector.violations == [], "no send broke a Teams rate window"
    async with sessions() as session:
        states = dict(
            (
                await session.exec(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))
            ).all()
        )
        with_card = (
            await session.exec(
                select(func.count()).select_from(FollowUp).where(col(FollowUp.activity_id).is_not(None))
            )
        ).one()
    assert states == {"sent": 5000}, "nothing lost, nothing left behind"
    assert with_card == 5000, "every follow-up knows its card's activity id"


# --- the REST client and the dispatcher in this process --------------------------------------------------

APP_ID = "6f1c2d3e-0000-4000-8000-00000000d15a"
SECRET = "dispatcher-secret-for-tests"
CARD = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock", "text": "Call Ada"}]}
ATTACHMENT = {"contentType": "application/vnd.microsoft.card.adaptive", "content": CARD}


@pytest.fixture
async def connector() -> AsyncIterator[ConnectorDouble]:
    async with ConnectorDouble() as double:
        yield double


@pytest.fixture
async def http() -> AsyncIterator[ClientSession]:
    async with ClientSession() as session:
        yield session


def _local(http: ClientSession) -> BotConnector:
    settings = Settings(database_url="sqlite+aiosqlite://")
    return connector_for(settings=settings, auth=build_authentication(settings), http=http)


def _dispatcher(
    database_url: str, sessions: SessionMaker, connector: BotConnector, base_backoff: float = 30.0
) -> Dispatcher:
    return Dispatcher(
        connector=connector,
        sessions=sessions,
        clock=lambda: datetime.now(UTC),
        links=Links.of(Settings(database_url=database_url)),
        policy=DispatchPolicy(base_backoff=base_backoff),
    )


async def _rows(sessions: SessionMaker) -> list[OutboxMessage]:
    async with sessions() as session:
        return list((await session.exec(select(OutboxMessage))).all())


async def test_a_card_is_posted_as_the_activity_botbuilder_would_send_and_updated_in_place(
    connector: ConnectorDouble, http: ClientSession
) -> None:
    # A Teams channel thread id: ':' ';' '@' and '=' must stay inside the one path segment, and so must
    # a '/', which Teams ids may hold.
    conversation = "19:abc/def@thread.tacv2;messageid=1700000000000"
    reference = _reference(connector.url, conversation, "tenant-1") | {"locale": "de-DE"}
    client = _local(http)

    activity_id = await client.send(reference, [ATTACHMENT])

    assert activity_id is not None
    [exchange] = connector.exchanges
    assert (exchange.method, exchange.status, exchange.conversation_id) == ("POST", 201, conversation)
    assert exchange.path.endswith("/activities") and not exchange.has_auth, "local mode sends no token"
    [sent] = connector.activities(conversation)
    assert sent == {
        "type": "message",
        "serviceUrl": connector.url,
        "channelId": "msteams",
        "from": {"id": "28:nurture-bot", "name": "Nurture"},
        "recipient": {"id": f"29:{conversation}"},
        "conversation": {"id": conversation, "conversationType": "personal", "tenantId": "tenant-1"},
        "attachmentLayout": "list",
        "inputHint": "acceptingInput",
        "locale": "de-DE",
        "attachments": [ATTACHMENT],
        "id": activity_id,
    }

    changed = dict(ATTACHMENT, content=dict(CARD, body=[{"type": "TextBlock", "text": "Done"}]))
    assert await client.update(reference, activity_id, [changed]) == activity_id
    put = connector.exchanges[-1]
    assert (put.method, put.status, put.activity_id) == ("PUT", 200, activity_id)
    shown = connector.current(conversation, activity_id)
    assert shown is not None and shown["attachments"] == [changed] and shown["id"] == activity_id
    assert len(connector.activities(conversation)) == 1, "an update is no new message"


async def test_each_refusal_becomes_a_send_failure_with_its_status_and_retry_after(
    connector: ConnectorDouble, http: ClientSession
) -> None:
    reference = _reference(connector.url, "a:1refusals", "tenant-1")
    client = _local(http)
    cases: list[tuple[int | str, int | None, int | None]] = [
        (429, 7, 429),
        (412, None, 412),
        (502, None, 502),
        (RESET, None, None),
    ]
    for fault, retry_after, status in cases:
        connector.fail_next(1, fault, retry_after=retry_after)  # type: ignore[arg-type]
        with pytest.raises(SendFailed) as failure:
            await client.send(reference, [ATTACHMENT])
        assert failure.value.status == status, fault
        assert failure.value.retry_after == (float(retry_after) if retry_after else None)
    with pytest.raises(SendFailed) as unknown:
        await client.update(reference, "1700000000999", [ATTACHMENT])
    assert unknown.value.status == 404 and "ActivityNotFoundInConversation" in str(unknown.value)
    connector.block("a:1refusals")
    with pytest.raises(SendFailed) as blocked:
        await client.send(reference, [ATTACHMENT])
    assert blocked.value.status == 403 and "ConversationBlockedByUser" in str(blocked.value)
    assert connector.activities("a:1refusals") == [], "nothing was delivered"


def test_retry_after_reads_seconds_and_http_dates() -> None:
    now = datetime(2026, 12, 7, 18, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("12", now) == 12.0
    assert retry_after_seconds("1.5", now) == 1.5
    assert retry_after_seconds("Mon, 07 Dec 2026 18:00:30 GMT", now) == 30.0
    assert retry_after_seconds("Mon, 07 Dec 2026 17:59:00 GMT", now) == 0.0, "a date passed means now"
    assert retry_after_seconds("-3", now) == 0.0
    assert retry_after_seconds("soon", now) is None
    assert retry_after_seconds(None, now) is None


async def test_the_dispatcher_settles_412_403_404_and_retry_after_as_before(
    database_url: str, sessions: SessionMaker, connector: ConnectorDouble, http: ClientSession
) -> None:
    first, second, third = await seed_due_notices(sessions, connector.url, tenants=1, members=3, per_member=1)
    connector.block(second)
    dispatcher = _dispatcher(database_url, sessions, _local(http))
    connector.fail_next(1, 412)  # the first request, whichever chat it goes to
    before = datetime.now(UTC)
    await dispatcher.drain_once()
    rows = await _rows(sessions)
    by_state = Counter((row.status, row.last_error) for row in rows)
    blocked = {row.last_error for row in rows if row.status == "blocked"}
    assert blocked == {"the user blocked or removed the bot (403)"}
    retried = [row for row in rows if row.last_error == "HTTP 412"]
    assert len(retried) == 1 and retried[0].status == "pending" and retried[0].attempts == 1, by_state
    assert retried[0].not_before >= before + timedelta(seconds=24), "412 backs off (30 s, +-20% jitter)"
    assert sum(1 for row in rows if row.status == "sent") == 1
    assert dispatcher.stats.retried == 1 and dispatcher.stats.final["blocked"] == 1
    assert {e.conversation_id for e in connector.exchanges} <= {first, second, third}


async def test_429_holds_the_row_and_its_chat_until_retry_after(
    database_url: str, sessions: SessionMaker, connector: ConnectorDouble, http: ClientSession
) -> None:
    await seed_due_notices(sessions, connector.url, tenants=1, members=1, per_member=2)
    dispatcher = _dispatcher(database_url, sessions, _local(http), base_backoff=0.1)
    connector.fail_next(1, 429, retry_after=2)
    await dispatcher.drain_once()
    refused, *accepted = connector.exchanges
    assert refused.status == 429 and [e.status for e in accepted] == [201, 201]
    assert accepted[0].at - refused.at >= 2.0, "nothing went to that chat before Retry-After had passed"
    rows = await _rows(sessions)
    assert sorted((row.status, row.attempts) for row in rows) == [("sent", 1), ("sent", 2)]
    assert dispatcher.stats.throttled == 1 and dispatcher.stats.retried == 1


async def test_an_update_of_a_card_teams_no_longer_knows_is_undeliverable(
    database_url: str, sessions: SessionMaker, connector: ConnectorDouble, http: ClientSession
) -> None:
    await seed_due_notices(sessions, connector.url, tenants=1, members=1, per_member=1)
    dispatcher = _dispatcher(database_url, sessions, _local(http))
    await dispatcher.drain_once()
    async with transaction(sessions) as session:
        follow_up = (await session.exec(select(FollowUp))).one()
        assert follow_up.activity_id is not None, "the sent card's id was recorded"
        follow_up.activity_id = "1700000000999"  # a card the double never issued
        session.add(follow_up)
        row = OutboxMessage(
            tenant_id=follow_up.tenant_id,
            dedupe_key=f"follow_up:{follow_up.id}:changed",
            kind="follow_up.changed",
            payload={"follow_up_id": str(follow_up.id)},
            member_id=follow_up.owner_id,
            status="pending",
            attempts=0,
            not_before=T0,
            created_at=T0,
        )
        session.add(row)
    await dispatcher.drain_once()
    async with sessions() as session:
        changed = (
            await session.exec(select(OutboxMessage).where(OutboxMessage.kind == "follow_up.changed"))
        ).one()
    assert (changed.status, changed.last_error) == ("undeliverable", "conversation not found (404)")
    assert connector.exchanges[-1].method == "PUT" and connector.exchanges[-1].status == 404


async def test_a_reference_without_a_service_url_is_undeliverable_without_a_request(
    database_url: str, sessions: SessionMaker, connector: ConnectorDouble, http: ClientSession
) -> None:
    await seed_due_notices(sessions, connector.url, tenants=1, members=1, per_member=1)
    async with transaction(sessions) as session:
        stored = (await session.exec(select(ConversationReference))).one()
        stored.reference = {key: value for key, value in stored.reference.items() if key != "serviceUrl"}
        session.add(stored)
    dispatcher = _dispatcher(database_url, sessions, _local(http))
    await dispatcher.drain_once()
    [row] = await _rows(sessions)
    assert row.status == "undeliverable" and "serviceUrl" in (row.last_error or "")
    assert connector.exchanges == []


@pytest.fixture(scope="module")
def identity(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IdentityDouble]:
    double = IdentityDouble(tmp_path_factory.mktemp("dispatch-identity")).start()
    double.add_client(APP_ID, SECRET)
    yield double
    double.stop()


def _signed_settings(database_url: str, identity: IdentityDouble) -> Settings:
    return Settings(
        database_url=database_url,
        bot_app_id=APP_ID,
        bot_app_type="MultiTenant",
        bot_app_password=SECRET,
        bot_openid_metadata_url=identity.bot_channel_metadata_url,
        bot_token_issuer=identity.bot_channel_issuer,
        bot_login_url=identity.base_url,
        tls_ca_file=str(identity.ca_file),
    )


async def test_sends_carry_an_msal_token_the_connector_accepts_fetched_once(
    database_url: str, sessions: SessionMaker, identity: IdentityDouble, http: ClientSession
) -> None:
    check = identity.access_token_check(audience="https://api.botframework.com")
    async with ConnectorDouble(require_token=check) as guarded:
        await seed_due_notices(sessions, guarded.url, tenants=1, members=4, per_member=2)
        settings = _signed_settings(database_url, identity)
        auth = build_authentication(settings)
        before = identity.token_requests
        try:
            dispatcher = _dispatcher(
                database_url, sessions, connector_for(settings=settings, auth=auth, http=http)
            )
            async with asyncio.timeout(60):
                await dispatcher.drain()
        finally:
            await auth.close()
        assert dispatcher.stats.sent == 8
        assert len(guarded.deliveries) == 8 and all(d.has_auth for d in guarded.deliveries)
        assert {e.status for e in guarded.exchanges} == {201}, "the double validated every token"
        assert identity.token_requests - before == 1, "one token from Entra ID for all eight sends"


async def test_a_token_is_cached_and_asked_for_again_shortly_before_it_expires(
    identity: IdentityDouble, database_url: str
) -> None:
    now = [1_000_000.0]
    settings = _signed_settings(database_url, identity)
    auth = build_authentication(settings)
    tokens = ConnectorTokens(
        auth.credentials,
        app_id=APP_ID,
        scope=settings.bot_oauth_scope,
        login_url=settings.bot_login_url,
        clock=lambda: now[0],
    )
    identity.access_token_lifetime = 1200
    try:
        first = await tokens.authorization()
        assert first is not None and first.startswith("Bearer ")
        check = identity.access_token_check(audience="https://api.botframework.com")
        assert check(first.removeprefix("Bearer "))
        assert await tokens.authorization() == first and tokens.fetches == 1, "cached"
        # The clock is ours; the token's exp is real: move to five minutes before it ends.
        claims: dict[str, Any] = jwt.decode(
            first.removeprefix("Bearer "), options={"verify_signature": False}
        )
        now[0] = float(claims["exp"]) - 299
        await tokens.authorization()
        assert tokens.fetches == 2, "asked the credentials again inside the renewal window"
    finally:
        identity.access_token_lifetime = 3600
        await auth.close()


async def test_local_mode_asks_for_no_token(http: ClientSession) -> None:
    settings = Settings(database_url="sqlite+aiosqlite://")
    auth = build_authentication(settings)
    tokens = ConnectorTokens(auth.credentials, app_id="", scope=settings.bot_oauth_scope, login_url="")
    assert await tokens.authorization() is None and tokens.fetches == 0
