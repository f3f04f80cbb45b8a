"""Exporting a tenant's leads as CSV, streamed in chunks so a large tenant never sits in memory.

The file re-imports as is: its columns are the import's, plus read-only ones the import ignores, plus a
``custom.<name>`` column per custom field in use. Cells that a spreadsheet would run as a formula get a
leading apostrophe (OWASP CSV injection advice); the import removes it again.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import and_, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Company, Lead, Member
from app.services.lead_import import CSV_COLUMNS, CUSTOM_PREFIX, needs_protection

PARTITION_SIZE = 1000
"""Rows fetched per round trip, and written per yielded chunk."""


_COLUMNS = {
    "email": col(Lead.email),
    "first_name": col(Lead.first_name),
    "last_name": col(Lead.last_name),
    "title": col(Lead.title),
    "persona": col(Lead.persona),
    "phone": col(Lead.phone),
    "language": col(Lead.language),
    "source": col(Lead.source),
    "needs": col(Lead.needs),
    "topics": col(Lead.topics),
    "unsubscribed": col(Lead.unsubscribed),
    "bounced": col(Lead.bounced),
    "company": col(Company.name),
    "company_domain": col(Company.domain),
    "industry": col(Company.industry),
    "country": col(Company.country),
    "employees": col(Company.employees),
    "owner_email": col(Member.email),
    "id": col(Lead.id),
    "lifecycle": col(Lead.lifecycle),
    "stage": col(Lead.stage),
    "fit_score": col(Lead.fit_score),
    "engagement_score": col(Lead.engagement_score),
    "total_score": col(Lead.total_score),
    "created_at": col(Lead.created_at),
}
if tuple(_COLUMNS) != CSV_COLUMNS:  # pragma: no cover - a programming error, caught by any test run
    raise RuntimeError("the export must write exactly the columns the import reads, in order")


def protect(value: str) -> str:
    """A leading apostrophe for a cell a spreadsheet would evaluate, and for one that already looks
    protected, so the import's un-protecting gives back exactly the original value."""
    return "'" + value if needs_protection(value) else value


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)  # numbers are never formulas; a negative score stays a number
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return protect(";".join(value))
    if isinstance(value, str):
        return protect(value)
    return protect(json.dumps(value, ensure_ascii=False, sort_keys=True))


async def _custom_keys(session: AsyncSession, tenant_id: str) -> list[str]:
    """Every custom field name the tenant's leads use, sorted; one streamed pass over that column only."""
    keys: set[str] = set()
    statement = (
        select(col(Lead.custom_fields))
        .where(col(Lead.tenant_id) == tenant_id)
        .execution_options(yield_per=PARTITION_SIZE)
    )
    result = await session.stream(statement)
    async for partition in result.partitions():
        for (fields,) in partition:
            keys.update(fields or {})
    return sorted(keys)


def _chunk(rows: Sequence[Sequence[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


async def export_leads_csv(*, session: AsyncSession, tenant_id: str) -> AsyncIterator[str]:
    """CSV text chunks, the header first, with all of the tenant's leads ordered by creation time."""
    custom_keys = await _custom_keys(session, tenant_id)
    yield _chunk([[*CSV_COLUMNS, *(CUSTOM_PREFIX + key for key in custom_keys)]])
    statement = (
        select(*_COLUMNS.values(), col(Lead.custom_fields))
        .outerjoin(
            Company, and_(col(Company.id) == col(Lead.company_id), col(Company.tenant_id) == tenant_id)
        )
        .outerjoin(Member, and_(col(Member.id) == col(Lead.owner_id), col(Member.tenant_id) == tenant_id))
        .where(col(Lead.tenant_id) == tenant_id)
        .order_by(col(Lead.created_at), col(Lead.id))
        .execution_options(yield_per=PARTITION_SIZE)
    )
    result = await session.stream(statement)
    async for partition in result.partitions():
        rows = []
        for row in partition:
            *values, custom = row
            custom = custom or {}
            rows.append([*map(_cell, values), *(_cell(custom.get(key)) for key in custom_keys)])
        yield _chunk(rows)
