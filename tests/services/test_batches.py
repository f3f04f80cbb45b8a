"""Long value lists in SQL: both forms of a membership test find the same rows on both databases."""

from __future__ import annotations

from sqlmodel import col, select

from app.db import SessionMaker
from app.models import Lead
from app.services.batches import among, one_of, pieces
from tests.factories import make_lead, make_org


async def test_among_and_one_of_find_exactly_the_tenants_rows_asked_for(sessions: SessionMaker) -> None:
    org, other = await make_org(sessions), await make_org(sessions)
    for i in range(12):
        await make_lead(sessions, org, email=f"lead{i}@kunde.example")
    await make_lead(sessions, other, email="lead3@kunde.example")  # the same address, another tenant
    asked = [f"lead{i}@kunde.example" for i in range(0, 24, 2)]  # half of them unknown
    found: dict[str, set[str]] = {}
    async with sessions() as session:
        # Seven times each: from the sixth run on, PostgreSQL may plan a prepared statement generically.
        for _ in range(7):
            for name, membership in (("among", among), ("one_of", one_of)):
                rows: set[str] = set()
                for chunk in pieces(session, asked, 5):
                    query = select(Lead.email).where(
                        Lead.tenant_id == org.tenant_id, membership(session, col(Lead.email), chunk)
                    )
                    rows.update((await session.exec(query)).all())
                assert found.setdefault(name, rows) == rows
    assert found["among"] == found["one_of"] == {f"lead{i}@kunde.example" for i in range(0, 12, 2)}
