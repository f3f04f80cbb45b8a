"""CSV lead export: streamed per tenant, safe to open in a spreadsheet, and re-importable as is."""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert
from sqlmodel import select

from app.db import SessionMaker, transaction
from app.models import Company, Lead, Member, Team, Tenant
from app.services.lead_export import PARTITION_SIZE, export_leads_csv
from app.services.lead_import import CSV_COLUMNS, READ_ONLY_COLUMNS, ImportReport, import_leads_csv

T0 = datetime(2026, 3, 10, 8, 30, tzinfo=UTC)
MAX_BYTES = 20 * 1024 * 1024


@dataclass
class Org:
    tenant_id: str
    anna: Member
    ben: Member


async def make_org(sessions: SessionMaker) -> Org:
    """A tenant with one team and the same two reps every time, so a file moves between tenants."""
    tenant_id = f"tenant-{uuid.uuid4().hex[:8]}"
    async with transaction(sessions) as session:
        session.add(Tenant(id=tenant_id, tenant_id=tenant_id, name="Vendor GmbH", created_at=T0))
        team = Team(tenant_id=tenant_id, name="DACH")
        session.add(team)
        await session.flush()
        anna = Member(tenant_id=tenant_id, display_name="Anna", email="anna@vendor.example", team_id=team.id)
        ben = Member(tenant_id=tenant_id, display_name="Ben", email="ben@vendor.example", team_id=team.id)
        session.add_all([anna, ben])
    return Org(tenant_id, anna, ben)


def csv_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


async def run_import(sessions: SessionMaker, tenant_id: str, data: bytes, now: datetime = T0) -> ImportReport:
    async with transaction(sessions) as session:
        return await import_leads_csv(
            session=session, tenant_id=tenant_id, data=data, now=now, max_bytes=MAX_BYTES
        )


async def export(sessions: SessionMaker, tenant_id: str) -> list[str]:
    async with sessions() as session:
        return [chunk async for chunk in export_leads_csv(session=session, tenant_id=tenant_id)]


def records(chunks: list[str]) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO("".join(chunks), newline="")))


TRICKY_HEADER = [
    "email", "first_name", "last_name", "title", "persona", "phone", "language", "source", "needs", "topics",
    "company", "company_domain", "industry", "country", "employees", "owner_email",
    "custom.crm id", "custom.Tier",
]  # fmt: skip
TRICKY_ROWS = [
    [
        "jana@werk.example", "Jana", "Müller", "'=quoted already", "@champion", "+49 30 1234", "de",
        "-webinar",
        '=1+1, "quoted"\nsecond line', "erp;cloud", "Werk GmbH", "werk.example", "Manufacturing", "DE", "300",
        "anna@vendor.example", "=cmd|' /C calc'!A0", "gold",
    ],
    [
        "tom@werk.example", "Tom", "", "", "", "", "en", "", "", "", "Werk GmbH", "werk.example", "", "", "",
        "ben@vendor.example", "", "",
    ],
    ["solo@else.example", "Solo", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "CRM-3", ""],
]  # fmt: skip


async def test_an_exported_file_reimports_into_a_fresh_tenant(sessions: SessionMaker) -> None:
    source = await make_org(sessions)
    report = await run_import(sessions, source.tenant_id, csv_bytes(TRICKY_HEADER, TRICKY_ROWS))
    exported = await export(sessions, source.tenant_id)
    rows = records(exported)
    assert list(rows[0]) == [*CSV_COLUMNS, "custom.Tier", "custom.crm id"]
    assert sorted(row["id"] for row in rows) == sorted(str(lead_id) for lead_id in report.lead_ids)
    assert {(row["lifecycle"], row["stage"], row["fit_score"], row["total_score"]) for row in rows} == {
        ("new", "awareness", "0", "0")
    }
    assert {row["created_at"] for row in rows} == {"2026-03-10T08:30:00+00:00"}
    jana = next(row for row in rows if row["email"] == "jana@werk.example")
    assert jana["phone"] == "'+49 30 1234" and jana["custom.crm id"] == "'=cmd|' /C calc'!A0"
    assert (jana["company"], jana["country"], jana["employees"], jana["owner_email"]) == (
        "Werk GmbH", "DE", "300", "anna@vendor.example"
    )  # fmt: skip

    target = await make_org(sessions)
    again = await run_import(sessions, target.tenant_id, "".join(exported).encode("utf-8"))

    assert (again.imported, again.skipped, again.errors) == (3, 0, ())
    writable = [name for name in rows[0] if name not in READ_ONLY_COLUMNS]
    second = records(await export(sessions, target.tenant_id))
    assert sorted(row["id"] for row in second) == sorted(str(lead_id) for lead_id in again.lead_ids)

    def writable_cells(exported_rows: list[dict[str, str]]) -> list[dict[str, str]]:
        # One import shares one created_at, so the export orders those leads by their new ids.
        return sorted(
            ({name: row[name] for name in writable} for row in exported_rows), key=lambda r: r["email"]
        )

    assert writable_cells(second) == writable_cells(rows)
    assert len(writable_cells(rows)) == 3
    async with sessions() as session:
        stored = (
            await session.exec(
                select(Lead).where(Lead.tenant_id == target.tenant_id, Lead.email == "jana@werk.example")
            )
        ).one()
    assert (
        stored.email, stored.title, stored.persona, stored.phone, stored.source, stored.needs, stored.topics,
        stored.custom_fields, stored.owner_id,
    ) == (
        "jana@werk.example", "=quoted already", "@champion", "+49 30 1234", "-webinar",
        '=1+1, "quoted"\nsecond line', ["erp", "cloud"], {"crm id": "=cmd|' /C calc'!A0", "Tier": "gold"},
        target.anna.id,
    )  # fmt: skip


async def test_cells_a_spreadsheet_would_run_get_a_leading_apostrophe(sessions: SessionMaker) -> None:
    org = await make_org(sessions)
    async with transaction(sessions) as session:
        company = Company(tenant_id=org.tenant_id, name='=HYPERLINK("http://evil.example")', created_at=T0)
        session.add(company)
        await session.flush()
        lead = Lead(
            tenant_id=org.tenant_id,
            email="x@evil.example",
            first_name="+SUM(1)",
            last_name="-2",
            title="@A1",
            persona="\t=1",
            phone="\r=1",
            source="'+already protected looking",
            needs="plain = text",
            topics=["=a", "b"],
            custom_fields={"n": 42, "flag": True, "list": [1], "neg": -3, "gone": None},
            company_id=company.id,
            fit_score=-5,
            created_at=T0,
            updated_at=T0,
        )
        # Named columns only (NULLs left out), the way the import writes: stored as given, no validation.
        values = {name: value for name, value in lead.model_dump().items() if value is not None}
        await session.exec(insert(Lead).values(**values))
    (row,) = records(await export(sessions, org.tenant_id))
    assert {
        name: row[name] for name in ("first_name", "last_name", "title", "persona", "phone", "source")
    } == {
        "first_name": "'+SUM(1)",
        "last_name": "'-2",
        "title": "'@A1",
        "persona": "'\t=1",
        "phone": "'\r=1",
        "source": "''+already protected looking",
    }
    assert row["needs"] == "plain = text"
    assert row["topics"] == "'=a;b"
    assert row["company"] == '\'=HYPERLINK("http://evil.example")'
    assert row["fit_score"] == "-5", "a number is not a formula"
    custom = tuple(row[f"custom.{name}"] for name in ("n", "flag", "list", "neg", "gone"))
    assert custom == (
        "42", "true", "[1]", "-3", ""
    )  # fmt: skip

    # Read back, the protection comes off again: the values are as stored (cells are trimmed on import).
    fresh = await make_org(sessions)
    exported = "".join(await export(sessions, org.tenant_id)).encode("utf-8")
    assert (await run_import(sessions, fresh.tenant_id, exported)).imported == 1
    async with sessions() as session:
        lead, company = (
            await session.exec(
                select(Lead, Company).where(Lead.tenant_id == fresh.tenant_id, Company.id == Lead.company_id)
            )
        ).one()
    assert (
        lead.first_name, lead.last_name, lead.title, lead.persona, lead.phone, lead.source,
        lead.topics, lead.custom_fields, company.name,
    ) == (
        "+SUM(1)", "-2", "@A1", "=1", "=1", "'+already protected looking", ["=a", "b"],
        {"n": "42", "flag": "true", "list": "[1]", "neg": "-3"}, '=HYPERLINK("http://evil.example")',
    )  # fmt: skip


async def test_export_never_contains_another_tenants_leads(sessions: SessionMaker) -> None:
    alpha = await make_org(sessions)
    beta = await make_org(sessions)
    header = ["email", "company", "company_domain", "owner_email", "custom.alpha_only"]
    alpha_rows = [["a@alpha.example", "Alpha Co", "alpha.example", "anna@vendor.example", "x"]]
    await run_import(sessions, alpha.tenant_id, csv_bytes(header, alpha_rows))
    await run_import(sessions, beta.tenant_id, csv_bytes(header, [["b@beta.example", "Beta Co", "", "", ""]]))
    chunks = await export(sessions, beta.tenant_id)
    assert [(row["email"], row["company"], row["owner_email"]) for row in records(chunks)] == [
        ("b@beta.example", "Beta Co", "")
    ]
    text = "".join(chunks).lower()
    assert "alpha" not in text and "anna" not in text
    empty = await make_org(sessions)
    assert await export(sessions, empty.tenant_id) == [",".join(CSV_COLUMNS) + "\r\n"]


async def test_rows_stream_in_partitions_ordered_by_creation_then_id(sessions: SessionMaker) -> None:
    org = await make_org(sessions)
    later = [[f"lead{i}@x.example"] for i in range(PARTITION_SIZE + 200)]
    await run_import(sessions, org.tenant_id, csv_bytes(["email"], later))
    await run_import(
        sessions, org.tenant_id, csv_bytes(["email"], [["earliest@x.example"]]), now=T0 - timedelta(days=1)
    )
    chunks = await export(sessions, org.tenant_id)
    assert chunks[0] == ",".join(CSV_COLUMNS) + "\r\n"
    assert [chunk.count("\r\n") for chunk in chunks[1:]] == [PARTITION_SIZE, 201]
    rows = records(chunks)
    assert rows[0]["email"] == "earliest@x.example"
    ids = [uuid.UUID(row["id"]) for row in rows[1:]]
    assert len(ids) == PARTITION_SIZE + 200 and ids == sorted(ids)
