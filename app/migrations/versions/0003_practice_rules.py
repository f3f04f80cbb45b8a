"""practice rules: recycling with a reason and a date, dormancy, stage overrides that hold

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 12:54:54.909714
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ts(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=True)


def upgrade() -> None:
    # Plain SQLAlchemy types only, so this revision never changes when app code does.
    with op.batch_alter_table("follow_ups", schema=None) as batch_op:
        batch_op.add_column(_ts("planned_at"))

    with op.batch_alter_table("hand_offs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason_code", sa.String(length=20), nullable=True))
        batch_op.add_column(_ts("nurture_until"))

    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("recycle_reason_code", sa.String(length=20), nullable=True))
        batch_op.add_column(_ts("recycled_at"))
        batch_op.add_column(_ts("nurture_until"))
        batch_op.add_column(_ts("dormant_since"))
        batch_op.add_column(_ts("stage_override_at"))

    # Existing recycled leads: engagement since their last lifecycle change is what may re-qualify them.
    op.execute("UPDATE leads SET recycled_at = lifecycle_changed_at WHERE lifecycle = 'recycled'")


def downgrade() -> None:
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_column("stage_override_at")
        batch_op.drop_column("dormant_since")
        batch_op.drop_column("nurture_until")
        batch_op.drop_column("recycled_at")
        batch_op.drop_column("recycle_reason_code")

    with op.batch_alter_table("hand_offs", schema=None) as batch_op:
        batch_op.drop_column("nurture_until")
        batch_op.drop_column("reason_code")

    with op.batch_alter_table("follow_ups", schema=None) as batch_op:
        batch_op.drop_column("planned_at")
