"""conversation threads: thread key, title, participants and sender name on messages; what an event changed

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 15:55:00.000000
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Plain SQLAlchemy types and literal values only, so this revision never changes when app code does.
JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_MESSAGES = sa.table(
    "conversation_messages",
    sa.column("id", sa.Uuid()),
    sa.column("graph_id", sa.String),
    sa.column("source", sa.String),
    sa.column("direction", sa.String),
    sa.column("thread_key", sa.String),
    sa.column("signal_id", sa.String),
)
_BATCH = 500


def upgrade() -> None:
    with op.batch_alter_table("conversation_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("thread_key", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("thread_title", sa.String(length=500), nullable=True))
        # Rows stored before this revision have no participant names; '[]' says so.
        batch_op.add_column(
            sa.Column("participants", JSON_TYPE, nullable=False, server_default=sa.text("'[]'"))
        )
        batch_op.add_column(sa.Column("sender_name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("signal_id", sa.String(length=200), nullable=True))
        batch_op.create_index(
            "ix_messages_tenant_lead_thread", ["tenant_id", "lead_id", "thread_key"], unique=False
        )
        batch_op.create_index(
            "ix_messages_tenant_signal",
            ["tenant_id", "signal_id"],
            unique=False,
            sqlite_where=sa.text("signal_id IS NOT NULL"),
            postgresql_where=sa.text("signal_id IS NOT NULL"),
        )

    with op.batch_alter_table("engagement_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("effect", JSON_TYPE, nullable=True))

    _link_stored_messages()


def _bounded(key: str, limit: int) -> str:
    # The chat sync's rule for keys longer than their column, repeated here so this revision stands alone.
    if len(key) <= limit:
        return key
    digest = hashlib.sha256(key.encode()).hexdigest()
    return f"{key[: limit - len(digest) - 1]}#{digest}"


def _thread_and_signal(graph_id: str, source: str, inbound: bool) -> tuple[str | None, str | None]:
    """What the stored key already tells: a chat message's chat, and the reply event the sync raised.

    Mail rows keep no conversation id yet (the next sync of that mail fills it in); keys the sync had
    to hash (a '#' in them) are left alone rather than guessed."""
    if source == "chat" and graph_id.startswith("chat:") and "#" not in graph_id:
        chat_id = graph_id[len("chat:") :].rpartition(":")[0] or None
        return chat_id, _bounded(f"graph-{graph_id}", 200) if inbound else None
    if source == "mail" and inbound:
        return None, f"graph-mail:{graph_id}"[:200]
    return None, None


def _link_stored_messages() -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(_MESSAGES.c.id, _MESSAGES.c.graph_id, _MESSAGES.c.source, _MESSAGES.c.direction)
    ).all()
    changes = []
    for row_id, graph_id, source, direction in rows:
        thread_key, signal_id = _thread_and_signal(graph_id, source, direction == "inbound")
        if thread_key is not None or signal_id is not None:
            changes.append({"row_id": row_id, "thread_key": thread_key, "signal_id": signal_id})
    statement = (
        sa.update(_MESSAGES)
        .where(_MESSAGES.c.id == sa.bindparam("row_id"))
        .values(thread_key=sa.bindparam("thread_key"), signal_id=sa.bindparam("signal_id"))
    )
    for start in range(0, len(changes), _BATCH):
        connection.execute(statement, changes[start : start + _BATCH])


def downgrade() -> None:
    with op.batch_alter_table("engagement_events", schema=None) as batch_op:
        batch_op.drop_column("effect")

    with op.batch_alter_table("conversation_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_messages_tenant_signal")
        batch_op.drop_index("ix_messages_tenant_lead_thread")
        batch_op.drop_column("signal_id")
        batch_op.drop_column("sender_name")
        batch_op.drop_column("participants")
        batch_op.drop_column("thread_title")
        batch_op.drop_column("thread_key")
