"""practice rules: recycling with a reason and a date, dormancy, stage overrides that hold

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 12:54:54.909714
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

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
    _move_rules_to_the_bounded_scale()


# Plain SQLAlchemy and literal values only, so this revision never changes when app code does.
_SETTINGS = sa.table(
    "settings",
    sa.column("tenant_id", sa.String),
    sa.column("key", sa.String),
    sa.column("value", sa.JSON().with_variant(postgresql.JSONB(), "postgresql")),
)
_THRESHOLD_FIELDS = ("mql_score", "mql_min_engagement", "hand_off_fit_min", "hand_off_engagement_min")
_SUPPORTING_TITLES = [
    "assistant",
    "assistent",
    "assistentin",
    "intern",
    "praktikant",
    "praktikantin",
    "werkstudent",
    "werkstudentin",
    "trainee",
    "student",
]


def _thresholds(document: dict[str, Any]) -> dict[str, Any]:
    # Scores are 0-100 now; a stored threshold above that could never be reached.
    return {k: min(max(int(v), 0), 100) if k in _THRESHOLD_FIELDS else v for k, v in document.items()}


def _scoring(document: dict[str, Any]) -> dict[str, Any]:
    # Role words matched as substrings ("coo" in "Coordinator"); whole words with the supporting-role
    # exceptions keep the intent without the false matches. Caps default to 50 + 50 when absent.
    if not isinstance(document.get("fit_rules"), list):
        return document
    rules = []
    for rule in document["fit_rules"]:
        if rule.get("property") == "title" and rule.get("operator") == "contains_any":
            rule = {**rule, "operator": "words_any", "unless": rule.get("unless") or _SUPPORTING_TITLES}
        rules.append(rule)
    return {**document, "fit_rules": rules}


def _move_rules_to_the_bounded_scale() -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(_SETTINGS.c.tenant_id, _SETTINGS.c.key, _SETTINGS.c.value).where(
            _SETTINGS.c.key.in_(["thresholds", "scoring"])
        )
    ).all()
    for tenant_id, key, value in rows:
        if not isinstance(value, dict):
            continue
        moved = _thresholds(value) if key == "thresholds" else _scoring(value)
        if moved != value:
            connection.execute(
                sa.update(_SETTINGS)
                .where(_SETTINGS.c.tenant_id == tenant_id, _SETTINGS.c.key == key)
                .values(value=moved)
            )


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
