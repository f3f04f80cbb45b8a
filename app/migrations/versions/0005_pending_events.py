"""pending events: stored for the refresher to apply, when an integration asked for 202 Accepted

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-08 01:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Every event stored before this revision was applied when it arrived: false for all of them.
    with op.batch_alter_table("engagement_events", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("pending", sa.Boolean(), nullable=False, server_default=sa.text("false"))
        )
        batch_op.create_index(
            "ix_events_pending",
            ["tenant_id", "created_at"],
            unique=False,
            sqlite_where=sa.text("pending"),
            postgresql_where=sa.text("pending"),
        )


def downgrade() -> None:
    with op.batch_alter_table("engagement_events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_pending")
        batch_op.drop_column("pending")
