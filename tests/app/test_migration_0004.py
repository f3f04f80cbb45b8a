"""Revision 0004 links stored messages to their thread and reply, keeps every row, and goes back cleanly."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import sqlalchemy as sa
from alembic import command
from sqlalchemy.engine import Connection

from app.db import alembic_config, upgrade_database
from tests.app.test_migration_keeps_rows import NOW, _run, _typed, empty_url  # noqa: F401  (fixture)

LEAD = uuid.UUID("00000000-0000-4000-8000-000000000001")
MAIL_IN = uuid.UUID("00000000-0000-4000-8000-000000000011")
MAIL_OUT = uuid.UUID("00000000-0000-4000-8000-000000000012")
CHAT_IN = uuid.UUID("00000000-0000-4000-8000-000000000013")
CHAT_ID = "19:abc_def@unq.gbl.spaces"


def _message(row_id: uuid.UUID, graph_id: str, source: str, direction: str) -> dict[str, Any]:
    return {
        "id": row_id,
        "tenant_id": "t-old",
        "lead_id": LEAD,
        "graph_id": graph_id,
        "source": source,
        "subject": "Pilot" if source == "mail" else None,
        "preview": f"{source} {direction}",
        "from_address": "ana@kunde.example" if direction == "inbound" else "rep@vendor.example",
        "to_addresses": ["rep@vendor.example"],
        "direction": direction,
        "sent_at": NOW,
        "web_link": None,
        "created_at": NOW,
    }


def _fill(connection: Connection) -> None:
    metadata = sa.MetaData()
    metadata.reflect(connection, only=["tenants", "leads", "conversation_messages", "engagement_events"])
    tables = {name: _typed(table) for name, table in metadata.tables.items()}
    connection.execute(
        sa.insert(tables["tenants"]),
        [
            {
                "id": "t-old",
                "tenant_id": "t-old",
                "name": "Old GmbH",
                "default_locale": "de",
                "created_at": NOW,
            }
        ],
    )
    connection.execute(
        sa.insert(tables["leads"]),
        [
            {
                "id": LEAD,
                "tenant_id": "t-old",
                "email": "ana@kunde.example",
                "first_name": "Ana",
                "last_name": "Roth",
                "language": "de",
                "topics": [],
                "custom_fields": {},
                "stage": "awareness",
                "lifecycle": "new",
                "fit_score": 0,
                "engagement_score": 0,
                "total_score": 0,
                "score_explanation": [],
                "unsubscribed": False,
                "bounced": False,
                "unanswered_touches": 0,
                "sla_state": "none",
                "created_at": NOW,
                "updated_at": NOW,
                "version": 1,
            }
        ],
    )
    connection.execute(
        sa.insert(tables["conversation_messages"]),
        [
            _message(MAIL_IN, "<in@kunde.example>", "mail", "inbound"),
            _message(MAIL_OUT, "<out@vendor.example>", "mail", "outbound"),
            _message(CHAT_IN, f"chat:{CHAT_ID}:1700000000000", "chat", "inbound"),
        ],
    )
    connection.execute(
        sa.insert(tables["engagement_events"]),
        [
            {
                "id": uuid.uuid4(),
                "tenant_id": "t-old",
                "lead_id": LEAD,
                "external_id": "graph-mail:<in@kunde.example>",
                "kind": "email_reply",
                "occurred_at": NOW,
                "properties": {},
                "created_at": NOW,
            }
        ],
    )


def _messages(connection: Connection) -> dict[uuid.UUID, dict[str, Any]]:
    table = _typed(sa.Table("conversation_messages", sa.MetaData(), autoload_with=connection))
    return {row["id"]: dict(row) for row in connection.execute(sa.select(table)).mappings()}


def _columns(connection: Connection, table: str) -> set[str]:
    return {column["name"] for column in sa.inspect(connection).get_columns(table)}


def _events(connection: Connection) -> int:
    return int(connection.execute(sa.text("SELECT count(*) FROM engagement_events")).scalar_one())


def test_0004_links_stored_messages_and_downgrades_with_rows_kept(empty_url: str) -> None:  # noqa: F811
    upgrade_database(empty_url, "0003")
    asyncio.run(_run(empty_url, _fill))
    upgrade_database(empty_url)

    rows = asyncio.run(_run(empty_url, _messages))
    assert set(rows) == {MAIL_IN, MAIL_OUT, CHAT_IN}
    # A chat row learns its chat from its key; mail has no conversation id stored to learn from.
    assert rows[CHAT_IN]["thread_key"] == CHAT_ID
    assert rows[MAIL_IN]["thread_key"] is None
    # The lead's messages name the reply event the sync raised for them, exactly as it was keyed.
    assert rows[MAIL_IN]["signal_id"] == "graph-mail:<in@kunde.example>"
    assert rows[CHAT_IN]["signal_id"] == f"graph-chat:{CHAT_ID}:1700000000000"
    assert rows[MAIL_OUT]["signal_id"] is None
    assert all(row["participants"] == [] for row in rows.values())
    assert rows[MAIL_IN]["preview"] == "mail inbound"

    command.downgrade(alembic_config(empty_url), "0003")
    assert "thread_key" not in asyncio.run(_run(empty_url, lambda c: _columns(c, "conversation_messages")))
    assert "effect" not in asyncio.run(_run(empty_url, lambda c: _columns(c, "engagement_events")))
    back = asyncio.run(_run(empty_url, _messages))
    assert {row_id: row["preview"] for row_id, row in back.items()} == {
        MAIL_IN: "mail inbound",
        MAIL_OUT: "mail outbound",
        CHAT_IN: "chat inbound",
    }
    assert asyncio.run(_run(empty_url, _events)) == 1

    upgrade_database(empty_url)
    assert asyncio.run(_run(empty_url, _messages))[CHAT_IN]["thread_key"] == CHAT_ID
