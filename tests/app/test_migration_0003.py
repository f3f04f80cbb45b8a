"""Revision 0003 moves stored rules to the bounded 0-100 scale and whole-word role matching."""

from __future__ import annotations

import asyncio
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from app.db import create_sessionmaker, engine_for_url, upgrade_database
from app.nurturing.lifecycle import Thresholds
from app.nurturing.scoring import fit_rule_matches
from app.services.tenant_config import load_config
from tests.app.test_migration_keeps_rows import NOW, _run, empty_url  # noqa: F401  (fixture)

OLD_SCORING = {
    "fit_rules": [
        {
            "id": "boss",
            "label": "decides",
            "property": "title",
            "operator": "contains_any",
            "value": ["coo", "cto", "head"],
            "points": 20,
        },
        {
            "id": "de",
            "label": "Germany",
            "property": "country",
            "operator": "eq",
            "value": "DE",
            "points": 10,
        },
    ],
    "behaviour_rules": [],
    "negative_rules": [],
}


def _fill(connection: Connection) -> None:
    metadata = sa.MetaData()
    metadata.reflect(connection, only=["tenants", "settings"])
    connection.execute(
        sa.insert(metadata.tables["tenants"]),
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
        sa.insert(metadata.tables["settings"]),
        [
            {"tenant_id": "t-old", "key": "scoring", "value": OLD_SCORING, "updated_at": NOW},
            {
                "tenant_id": "t-old",
                "key": "thresholds",
                "value": {
                    "mql_score": 140,
                    "mql_min_engagement": 5,
                    "hand_off_fit_min": 20,
                    "hand_off_engagement_min": 130,
                },
                "updated_at": NOW,
            },
        ],
    )


async def _config(url: str) -> Any:
    engine = engine_for_url(url)
    try:
        async with create_sessionmaker(engine)() as session:
            return await load_config(session=session, tenant_id="t-old")
    finally:
        await engine.dispose()


def test_stored_rules_load_on_the_new_scale_after_the_upgrade(empty_url: str) -> None:  # noqa: F811
    upgrade_database(empty_url, "0002")
    asyncio.run(_run(empty_url, _fill))
    upgrade_database(empty_url)
    config = asyncio.run(_config(empty_url))
    assert config.thresholds == Thresholds(mql_score=100, hand_off_engagement_min=100)
    boss = config.scoring.fit_rules[0]
    assert boss.operator == "words_any"
    assert fit_rule_matches(boss, {"title": "COO"})
    assert not fit_rule_matches(boss, {"title": "Project Coordinator"})
    assert not fit_rule_matches(boss, {"title": "Assistant to the CTO"})
    assert (config.scoring.fit_max, config.scoring.engagement_max) == (50, 50)
