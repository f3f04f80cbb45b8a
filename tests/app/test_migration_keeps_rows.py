"""Upgrading a database that holds data keeps every row: fill the first revision's schema, migrate to
head, and compare each table row for row.

The tables come from reflecting revision 0001, so a later migration that drops, truncates or rewrites
rows of any of them (say, a table rebuilt on SQLite without copying its data) fails here."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import text
from sqlalchemy.engine import Connection, make_url
from sqlmodel import SQLModel

import app.models  # noqa: F401  (the tables' own column types, used to write and read values as the app does)
from app.db import current_revision, engine_for_url, head_revision, upgrade_database

PG_ENV = "NURTURE_TEST_PG_URL"
IN_CI = os.environ.get("CI", "").lower() == "true"
FIRST = "0001"
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)

# What revision 0001 created; the test also reflects the schema, and fails if the two disagree, so every
# table that ever existed at 0001 gets rows.
TABLES_AT_FIRST = {
    "tenants",
    "settings",
    "teams",
    "members",
    "companies",
    "leads",
    "engagement_events",
    "follow_ups",
    "touchpoints",
    "conversation_messages",
    "ownership_changes",
    "lead_state_changes",
    "hand_offs",
    "content_items",
    "routing_rules",
    "conversation_references",
    "outbox",
}


def _backends() -> list[Any]:
    params = [pytest.param("sqlite", id="sqlite")]
    if os.environ.get(PG_ENV) or IN_CI:
        params.append(pytest.param("postgres", id="postgres", marks=pytest.mark.postgres))
    return params


async def _admin(url: str, statement: str) -> None:
    engine = engine_for_url(url)
    try:
        async with engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


@pytest.fixture(params=_backends())
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database that was never migrated: a new SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'upgrade.db'}"
        return
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.fail(f"CI=true but {PG_ENV} is not set: PostgreSQL tests are required in CI")
    url = make_url(base)
    admin = url.set(database=url.database or "postgres").render_as_string(hide_password=False)
    name = f"nurture_upgrade_{uuid.uuid4().hex[:10]}"
    try:
        asyncio.run(_admin(admin, f'CREATE DATABASE "{name}"'))
    except Exception as error:  # noqa: BLE001 - any connection failure means the same thing here
        message = f"PostgreSQL at {PG_ENV} is unreachable: {error!r}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    yield url.set(database=name).render_as_string(hide_password=False)
    asyncio.run(_admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


# --- realistic rows for the 0001 schema --------------------------------------------------------------


def _ids(*names: str) -> dict[str, uuid.UUID]:
    return {name: uuid.uuid5(uuid.NAMESPACE_URL, f"nurture-upgrade/{name}") for name in names}


def _rows() -> dict[str, list[dict[str, Any]]]:
    """Two tenants with a little of everything, written as the app of revision 0001 would have."""
    i = _ids(
        "team_uk",
        "team_dach",
        "team_b",
        "ann",
        "bob",
        "cleo",
        "dirk",
        "eve",
        "acme",
        "globex",
        "initech",
        "lead_gareth",
        "lead_hanna",
        "lead_ivo",
        "lead_b",
        "fu_open",
        "fu_done",
        "fu_snoozed",
        "fu_b",
    )
    t1, t2 = "2f0c4a4e-6b0e-4d7a-9b1c-1e2d3c4b5a61", "7a1b2c3d-4e5f-4a6b-8c9d-0e1f2a3b4c5d"
    day = timedelta(days=1)

    def member(key: str, tenant: str, team: str, name: str, role: str, **extra: Any) -> dict[str, Any]:
        return {
            "id": i[key],
            "tenant_id": tenant,
            "display_name": name,
            "email": f"{name.split()[0].lower()}@{'contoso' if tenant == t1 else 'fabrikam'}.example",
            "role": role,
            "team_id": i[team],
            "time_zone": "Europe/Berlin" if team == "team_dach" else "Europe/London",
            "work_start": time(8, 30),
            "work_end": time(17, 0),
            "workdays": [0, 1, 2, 3, 4],
            "capacity": 120,
            "active": True,
            "locale": "de" if team == "team_dach" else "en",
            "aad_object_id": str(uuid.uuid5(uuid.NAMESPACE_DNS, name)),
            "away_until": None,
            "last_assigned_at": NOW - day,
            "created_at": NOW - 90 * day,
            **extra,
        }

    def lead(key: str, tenant: str, email: str, first: str, last: str, **extra: Any) -> dict[str, Any]:
        return {
            "id": i[key],
            "tenant_id": tenant,
            "email": email,
            "first_name": first,
            "last_name": last,
            "title": "Head of Operations",
            "persona": "operations",
            "phone": "+44 20 7946 0000",
            "language": "en",
            "source": "webinar",
            "needs": "Cut unplanned downtime on two lines.",
            "topics": ["predictive maintenance", "oee"],
            "custom_fields": {"plants": 3, "erp": "SAP"},
            "company_id": None,
            "owner_id": None,
            "team_id": None,
            "stage": "evaluation",
            "lifecycle": "mql",
            "fit_score": 40,
            "engagement_score": 25,
            "total_score": 65,
            "score_explanation": [
                {"rule": "icp.industry", "points": 15},
                {"rule": "pricing_view", "points": 10},
            ],
            "scored_at": NOW - day,
            "unsubscribed": False,
            "bounced": False,
            "unanswered_touches": 1,
            "first_touch_at": NOW - 5 * day,
            "last_touch_at": NOW - 2 * day,
            "last_reply_at": None,
            "mql_at": NOW - 6 * day,
            "lifecycle_changed_at": NOW - 6 * day,
            "sla_state": "met",
            "recycle_reason": None,
            "created_at": NOW - 20 * day,
            "updated_at": NOW - day,
            "version": 4,
            **extra,
        }

    def follow_up(
        key: str, tenant: str, lead_key: str, owner: str, status: str, **extra: Any
    ) -> dict[str, Any]:
        return {
            "id": i[key],
            "tenant_id": tenant,
            "lead_id": i[lead_key],
            "owner_id": i[owner],
            "due_at": NOW + day,
            "kind": "nurture",
            "reasons": ["pricing page viewed twice", "no reply for 7 days"],
            "suggested_channel": "mail",
            "suggested_content_key": "roi-guide",
            "status": status,
            "outcome": None,
            "note": None,
            "notified_at": None,
            "activity_id": None,
            "conversation_id": None,
            "created_at": NOW - 3 * day,
            "completed_at": None,
            "completed_by": None,
            **extra,
        }

    def uid(name: str) -> uuid.UUID:
        return uuid.uuid5(uuid.NAMESPACE_URL, f"nurture-upgrade/row/{name}")

    return {
        "tenants": [
            {
                "id": t1,
                "tenant_id": t1,
                "name": "Contoso",
                "default_locale": "en",
                "created_at": NOW - 100 * day,
            },
            {
                "id": t2,
                "tenant_id": t2,
                "name": "Fabrikam",
                "default_locale": "de",
                "created_at": NOW - 50 * day,
            },
        ],
        "settings": [
            {
                "tenant_id": t1,
                "key": "scoring",
                "value": {"rules": [{"field": "industry", "equals": "manufacturing", "points": 15}]},
                "updated_at": NOW - 10 * day,
            },
            {
                "tenant_id": t1,
                "key": "thresholds",
                "value": {"mql": 40, "sal": 70},
                "updated_at": NOW - 10 * day,
            },
            {"tenant_id": t1, "key": "cadence", "value": {"base_days": 7, "min_days": 2}, "updated_at": NOW},
            {"tenant_id": t2, "key": "sla", "value": {"first_touch_hours": 4}, "updated_at": NOW - day},
        ],
        "teams": [
            {
                "id": i["team_uk"],
                "tenant_id": t1,
                "name": "UK Manufacturing",
                "time_zone": "Europe/London",
                "pipeline_channel_id": "19:uk-pipeline@thread.tacv2",
                "pipeline_schedule": "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0",
                "created_at": NOW - 90 * day,
            },
            {
                "id": i["team_dach"],
                "tenant_id": t1,
                "name": "DACH",
                "time_zone": "Europe/Berlin",
                "pipeline_channel_id": None,
                "pipeline_schedule": None,
                "created_at": NOW - 80 * day,
            },
            {
                "id": i["team_b"],
                "tenant_id": t2,
                "name": "Sales",
                "time_zone": "UTC",
                "pipeline_channel_id": None,
                "pipeline_schedule": "FREQ=WEEKLY;BYDAY=FR;BYHOUR=16;BYMINUTE=30",
                "created_at": NOW - 40 * day,
            },
        ],
        "members": [
            member("ann", t1, "team_uk", "Ann Archer", "rep"),
            member("bob", t1, "team_uk", "Bob Baker", "lead"),
            member("cleo", t1, "team_dach", "Cleo Conrad", "rep", away_until=NOW + 7 * day, capacity=80),
            member("dirk", t1, "team_dach", "Dirk Decker", "admin", aad_object_id=None, active=False),
            member("eve", t2, "team_b", "Eve Engel", "manager"),
        ],
        "companies": [
            {
                "id": i["acme"],
                "tenant_id": t1,
                "name": "Acme Tools Ltd",
                "domain": "acme-tools.example",
                "industry": "manufacturing",
                "country": "GB",
                "employees": 850,
                "annual_revenue_eur": 120_000_000,
                "created_at": NOW - 30 * day,
            },
            {
                "id": i["globex"],
                "tenant_id": t1,
                "name": "Globex GmbH",
                "domain": None,
                "industry": None,
                "country": "DE",
                "employees": None,
                "annual_revenue_eur": None,
                "created_at": NOW - 25 * day,
            },
            {
                "id": i["initech"],
                "tenant_id": t2,
                "name": "Initech",
                "domain": "initech.example",
                "industry": "software",
                "country": "US",
                "employees": 120,
                "annual_revenue_eur": 9_500_000,
                "created_at": NOW - 15 * day,
            },
        ],
        "leads": [
            lead(
                "lead_gareth",
                t1,
                "gareth.holloway@acme-tools.example",
                "Gareth",
                "Holloway",
                company_id=i["acme"],
                owner_id=i["ann"],
                team_id=i["team_uk"],
            ),
            lead(
                "lead_hanna",
                t1,
                "hanna.schulz@globex.example",
                "Hanna",
                "Schulz",
                company_id=i["globex"],
                owner_id=i["cleo"],
                team_id=i["team_dach"],
                language="de",
                stage="awareness",
                lifecycle="new",
                mql_at=None,
                first_touch_at=None,
                last_touch_at=None,
                sla_state="none",
                custom_fields={},
                topics=[],
            ),
            lead(
                "lead_ivo",
                t1,
                "ivo@example.org",
                "Ivo",
                "Novak",
                lifecycle="recycled",
                recycle_reason="Budget frozen until Q3",
                unsubscribed=True,
                bounced=True,
                needs=None,
                title=None,
                persona=None,
                phone=None,
                source=None,
                scored_at=None,
                version=9,
            ),
            lead(
                "lead_b",
                t2,
                "sam@initech.example",
                "Sam",
                "Lee",
                company_id=i["initech"],
                owner_id=i["eve"],
                team_id=i["team_b"],
                stage="decision",
                lifecycle="sal",
                last_reply_at=NOW - day,
            ),
        ],
        "engagement_events": [
            {
                "id": uid("ev1"),
                "tenant_id": t1,
                "lead_id": i["lead_gareth"],
                "external_id": "hubspot:evt:881",
                "kind": "pricing_view",
                "occurred_at": NOW - 2 * day,
                "properties": {"url": "https://contoso.example/pricing", "seconds": 95},
                "created_at": NOW - 2 * day,
            },
            {
                "id": uid("ev2"),
                "tenant_id": t1,
                "lead_id": i["lead_gareth"],
                "external_id": "hubspot:evt:882",
                "kind": "email_open",
                "occurred_at": NOW - day,
                "properties": {},
                "created_at": NOW - day,
            },
            {
                "id": uid("ev3"),
                "tenant_id": t2,
                "lead_id": i["lead_b"],
                "external_id": "form:demo:12",
                "kind": "demo_request",
                "occurred_at": NOW - 3 * day,
                "properties": {"slot": "Tue 10:00"},
                "created_at": NOW - 3 * day,
            },
        ],
        "follow_ups": [
            follow_up(
                "fu_open",
                t1,
                "lead_gareth",
                "ann",
                "open",
                notified_at=NOW - day,
                activity_id="1700000000001",
            ),
            follow_up(
                "fu_done",
                t1,
                "lead_gareth",
                "ann",
                "done",
                outcome="replied",
                note="Asked for the ROI sheet.",
                completed_at=NOW - 4 * day,
                completed_by=i["ann"],
                conversation_id="a:1ann-chat",
            ),
            follow_up(
                "fu_snoozed", t1, "lead_hanna", "cleo", "snoozed", kind="reminder", due_at=NOW + 3 * day
            ),
            follow_up("fu_b", t2, "lead_b", "eve", "open", kind="discovery_call", suggested_content_key=None),
        ],
        "touchpoints": [
            {
                "id": uid("tp1"),
                "tenant_id": t1,
                "lead_id": i["lead_gareth"],
                "member_id": i["ann"],
                "kind": "call",
                "direction": "outbound",
                "summary": "Walked through the pilot scope.",
                "content_key": "roi-guide",
                "occurred_at": NOW - 4 * day,
                "created_at": NOW - 4 * day,
            },
            {
                "id": uid("tp2"),
                "tenant_id": t2,
                "lead_id": i["lead_b"],
                "member_id": None,
                "kind": "mail",
                "direction": "inbound",
                "summary": None,
                "content_key": None,
                "occurred_at": NOW - day,
                "created_at": NOW - day,
            },
        ],
        "conversation_messages": [
            {
                "id": uid("msg1"),
                "tenant_id": t1,
                "lead_id": i["lead_gareth"],
                "graph_id": "AAMkAGI2TG93AAA=",
                "source": "mail",
                "subject": "Re: Pilot for line 3",
                "preview": "Thanks Ann, could you send the ROI numbers for two lines?",
                "from_address": "gareth.holloway@acme-tools.example",
                "to_addresses": ["ann@contoso.example"],
                "direction": "inbound",
                "sent_at": NOW - 3 * day,
                "web_link": "https://outlook.office365.com/owa/?ItemID=AAMkAGI2TG93AAA%3D",
                "created_at": NOW - 3 * day,
            },
            {
                "id": uid("msg2"),
                "tenant_id": t1,
                "lead_id": i["lead_gareth"],
                "graph_id": "1616964509832",
                "source": "chat",
                "subject": None,
                "preview": "Sure, Tuesday works.",
                "from_address": None,
                "to_addresses": [],
                "direction": "outbound",
                "sent_at": NOW - 2 * day,
                "web_link": None,
                "created_at": NOW - 2 * day,
            },
        ],
        "ownership_changes": [
            {
                "id": uid("own1"),
                "tenant_id": t1,
                "lead_id": i["lead_gareth"],
                "from_member_id": None,
                "to_member_id": i["ann"],
                "changed_by": None,
                "method": "round_robin",
                "reason": None,
                "changed_at": NOW - 20 * day,
            },
            {
                "id": uid("own2"),
                "tenant_id": t1,
                "lead_id": i["lead_hanna"],
                "from_member_id": i["ann"],
                "to_member_id": i["cleo"],
                "changed_by": i["bob"],
                "method": "manual",
                "reason": "German-speaking lead",
                "changed_at": NOW - 10 * day,
            },
        ],
        "lead_state_changes": [
            {
                "id": uid("sc1"),
                "tenant_id": t1,
                "lead_id": i["lead_gareth"],
                "field": "lifecycle",
                "from_value": "new",
                "to_value": "mql",
                "automatic": True,
                "reason": {"score": 65, "threshold": 40},
                "actor_id": None,
                "changed_at": NOW - 6 * day,
            },
            {
                "id": uid("sc2"),
                "tenant_id": t1,
                "lead_id": i["lead_ivo"],
                "field": "lifecycle",
                "from_value": "mql",
                "to_value": "recycled",
                "automatic": False,
                "reason": None,
                "actor_id": i["bob"],
                "changed_at": NOW - 8 * day,
            },
        ],
        "hand_offs": [
            {
                "id": uid("ho1"),
                "tenant_id": t1,
                "lead_id": i["lead_gareth"],
                "status": "proposed",
                "evidence": [{"kind": "pricing_view", "at": (NOW - 2 * day).isoformat()}],
                "proposed_by": i["ann"],
                "proposed_at": NOW - day,
                "decided_by": None,
                "decided_at": None,
                "reason": None,
            },
            {
                "id": uid("ho2"),
                "tenant_id": t2,
                "lead_id": i["lead_b"],
                "status": "accepted",
                "evidence": [],
                "proposed_by": None,
                "proposed_at": NOW - 5 * day,
                "decided_by": i["eve"],
                "decided_at": NOW - 4 * day,
                "reason": "Budget confirmed",
            },
        ],
        "content_items": [
            {
                "id": uid("ci1"),
                "tenant_id": t1,
                "key": "roi-guide",
                "title": "ROI of predictive maintenance",
                "url": "https://contoso.example/guides/roi",
                "kind": "guide",
                "stages": ["evaluation"],
                "personas": ["operations", "finance"],
                "topics": ["predictive maintenance"],
                "language": "en",
                "active": True,
            },
            {
                "id": uid("ci2"),
                "tenant_id": t1,
                "key": "fallstudie-werk",
                "title": "Fallstudie: Werk Augsburg",
                "url": "https://contoso.example/de/fallstudie",
                "kind": "case_study",
                "stages": ["evaluation", "decision"],
                "personas": [],
                "topics": [],
                "language": "de",
                "active": False,
            },
        ],
        "routing_rules": [
            {
                "id": uid("rr1"),
                "tenant_id": t1,
                "priority": 10,
                "field": "country",
                "values": ["DE", "AT", "CH"],
                "team_id": i["team_dach"],
            },
            {
                "id": uid("rr2"),
                "tenant_id": t1,
                "priority": 20,
                "field": "industry",
                "values": ["manufacturing"],
                "team_id": i["team_uk"],
            },
        ],
        "conversation_references": [
            {
                "id": uid("cr1"),
                "tenant_id": t1,
                "conversation_id": "a:1ann-chat",
                "scope": "personal",
                "member_id": i["ann"],
                "team_id": None,
                "service_url": "https://smba.trafficmanager.net/emea/",
                "reference": {
                    "bot": {"id": "28:nurture-bot", "name": "Nurture"},
                    "user": {
                        "id": "29:1ann",
                        "aadObjectId": str(uuid.uuid5(uuid.NAMESPACE_DNS, "Ann Archer")),
                    },
                    "conversation": {"id": "a:1ann-chat", "conversationType": "personal", "tenantId": t1},
                    "channelId": "msteams",
                    "serviceUrl": "https://smba.trafficmanager.net/emea/",
                },
                "updated_at": NOW - 30 * day,
            },
            {
                "id": uid("cr2"),
                "tenant_id": t1,
                "conversation_id": "19:uk-pipeline@thread.tacv2",
                "scope": "channel",
                "member_id": None,
                "team_id": i["team_uk"],
                "service_url": "https://smba.trafficmanager.net/emea/",
                "reference": {
                    "bot": {"id": "28:nurture-bot", "name": "Nurture"},
                    "conversation": {
                        "id": "19:uk-pipeline@thread.tacv2",
                        "conversationType": "channel",
                        "isGroup": True,
                        "tenantId": t1,
                    },
                    "channelId": "msteams",
                    "serviceUrl": "https://smba.trafficmanager.net/emea/",
                },
                "updated_at": NOW - 30 * day,
            },
        ],
        "outbox": [
            {
                "id": uid("ob1"),
                "tenant_id": t1,
                "dedupe_key": f"follow_up:{i['fu_open']}:due:{(NOW - day).isoformat()}",
                "kind": "follow_up.due",
                "payload": {"follow_up_id": str(i["fu_open"]), "lead_id": str(i["lead_gareth"])},
                "member_id": i["ann"],
                "team_id": None,
                "status": "sent",
                "attempts": 1,
                "not_before": NOW - day,
                "lease_until": None,
                "claimed_by": "web-1:4711:a1b2c3",
                "activity_id": "1700000000001",
                "last_error": None,
                "created_at": NOW - day,
                "sent_at": NOW - day + timedelta(seconds=2),
            },
            {
                "id": uid("ob2"),
                "tenant_id": t1,
                "dedupe_key": f"pipeline:{i['team_uk']}:2026-03-02T09:00:00+00:00",
                "kind": "pipeline.post",
                "payload": {"occurrence": "2026-03-02T09:00:00+00:00"},
                "member_id": None,
                "team_id": i["team_uk"],
                "status": "pending",
                "attempts": 2,
                "not_before": NOW + timedelta(minutes=4),
                "lease_until": None,
                "claimed_by": None,
                "activity_id": None,
                "last_error": "HTTP 429",
                "created_at": NOW - timedelta(minutes=30),
                "sent_at": None,
            },
            {
                "id": uid("ob3"),
                "tenant_id": t1,
                "dedupe_key": "digest:cleo:2026-03-02",
                "kind": "digest.morning",
                "payload": {"day": "2026-03-02"},
                "member_id": i["cleo"],
                "team_id": None,
                "status": "sending",
                "attempts": 1,
                "not_before": NOW,
                "lease_until": NOW + timedelta(seconds=90),
                "claimed_by": "web-2:99:ffeedd",
                "activity_id": None,
                "last_error": None,
                "created_at": NOW,
                "sent_at": None,
            },
            {
                "id": uid("ob4"),
                "tenant_id": t2,
                "dedupe_key": f"follow_up:{i['fu_b']}:due:{(NOW + day).isoformat()}",
                "kind": "follow_up.due",
                "payload": {"follow_up_id": str(i["fu_b"])},
                "member_id": i["eve"],
                "team_id": None,
                "status": "blocked",
                "attempts": 1,
                "not_before": NOW,
                "lease_until": None,
                "claimed_by": "web-1:4711:a1b2c3",
                "activity_id": None,
                "last_error": "the user blocked or removed the bot (403)",
                "created_at": NOW,
                "sent_at": None,
            },
        ],
    }


# --- reading and comparing -----------------------------------------------------------------------------


def _reflect(connection: Connection) -> sa.MetaData:
    metadata = sa.MetaData()
    metadata.reflect(connection)
    metadata.remove(metadata.tables["alembic_version"])
    return metadata


def _typed(reflected: sa.Table) -> sa.Table:
    """The reflected columns, each with the app's own column type where the models still know it, so
    values are written and read (UUIDs, UTC datetimes, JSON) exactly as the app does it."""
    model = SQLModel.metadata.tables.get(reflected.name)
    columns = [
        sa.Column(
            column.name,
            model.c[column.name].type if model is not None and column.name in model.c else column.type,
            primary_key=column.primary_key,
        )
        for column in reflected.columns
    ]
    return sa.Table(reflected.name, sa.MetaData(), *columns)


def _plain(value: Any) -> Any:
    """A dialect-independent form of a value, for hashing."""
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).isoformat()
    if isinstance(value, date | time | uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, str):
        try:  # a JSON column may come back as text from a reflected-only type
            return _plain(json.loads(value)) if value[:1] in "[{" else value
        except ValueError:
            return value
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def _snapshot(connection: Connection, tables: dict[str, list[str]]) -> dict[str, Snapshot | None]:
    """Each table's rows over the given columns (those it still has), in plain values; None if it is gone."""
    metadata = _reflect(connection)
    found: dict[str, Snapshot | None] = {}
    for name, wanted in tables.items():
        if name not in metadata.tables:
            found[name] = None
            continue
        table = _typed(metadata.tables[name])
        kept = [column for column in wanted if column in table.c]
        rows = connection.execute(sa.select(*(table.c[column] for column in kept))).mappings()
        found[name] = Snapshot(
            key=[column.name for column in table.primary_key.columns],
            rows=[{column: _plain(row[column]) for column in kept} for row in rows],
        )
    return found


@dataclass(frozen=True, slots=True)
class Snapshot:
    key: list[str]
    rows: list[dict[str, Any]]

    def keys(self) -> list[str]:
        return sorted(json.dumps([row[k] for k in self.key]) for row in self.rows)

    def checksum(self, columns: list[str]) -> str:
        """A hash of the rows over ``columns``, independent of row order."""
        lines = sorted(json.dumps([row[c] for c in columns], sort_keys=True) for row in self.rows)
        return hashlib.sha256("\n".join(lines).encode()).hexdigest()


async def _run(url: str, work: Any) -> Any:
    engine = engine_for_url(url)
    try:
        async with engine.begin() as connection:
            return await connection.run_sync(work)
    finally:
        await engine.dispose()


def _fill(connection: Connection) -> dict[str, list[str]]:
    """Insert the rows into the reflected 0001 schema (parents first); return each table's columns."""
    metadata = _reflect(connection)
    assert set(metadata.tables) == TABLES_AT_FIRST, "revision 0001's tables; add rows for a new one"
    rows = _rows()
    assert set(rows) == set(metadata.tables), "every 0001 table gets rows"
    for reflected in metadata.sorted_tables:
        table = _typed(reflected)
        batch = rows[reflected.name]
        for row in batch:
            unknown = set(row) - set(table.c.keys())
            assert not unknown, f"{reflected.name} had no such columns at 0001: {unknown}"
            required = {c.name for c in reflected.columns if not c.nullable} - set(row)
            assert not required, f"{reflected.name}: give every NOT NULL column a value: {required}"
        connection.execute(sa.insert(table), batch)
    return {name: list(table.c.keys()) for name, table in metadata.tables.items()}


async def _revision(url: str) -> str | None:
    engine = engine_for_url(url)
    try:
        return await current_revision(engine)
    finally:
        await engine.dispose()


def test_upgrading_from_the_first_revision_keeps_every_row(empty_url: str) -> None:
    upgrade_database(empty_url, FIRST)
    columns: dict[str, list[str]] = asyncio.run(_run(empty_url, _fill))
    before = asyncio.run(_run(empty_url, lambda connection: _snapshot(connection, columns)))
    assert {name: len(s.rows) if s else 0 for name, s in before.items()} == {
        name: len(rows) for name, rows in _rows().items()
    }, "every row written at 0001 reads back"

    upgrade_database(empty_url)

    assert asyncio.run(_revision(empty_url)) == head_revision()
    after = asyncio.run(_run(empty_url, lambda connection: _snapshot(connection, columns)))
    gone = sorted(name for name, snapshot in after.items() if snapshot is None)
    assert not gone, f"tables dropped by an upgrade: {gone}"
    for name, was in before.items():
        now = after[name]
        assert was is not None and now is not None
        assert len(now.rows) == len(was.rows), (
            f"{name}: {len(was.rows)} row(s) before the upgrade, {len(now.rows)} after"
        )
        assert now.keys() == was.keys(), f"{name}: the upgrade changed which rows exist"
        # Columns dropped since 0001 are gone on purpose; every column that is left keeps its values.
        kept = [column for column in columns[name] if column in now.rows[0]]
        assert set(was.key) <= set(kept), f"{name}: its primary key changed"
        assert now.checksum(kept) == was.checksum(kept), f"{name}: the upgrade changed the rows' values"
