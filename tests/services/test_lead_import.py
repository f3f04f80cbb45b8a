"""CSV lead import: every problem is reported by line and column, and a rejected file writes nothing."""

from __future__ import annotations

import csv
import io
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Row
from sqlmodel import SQLModel, col, func, select

from app.db import SessionMaker, transaction
from app.models import Company, Lead, Member, OwnershipChange, Team, Tenant
from app.nurturing.enums import AssignmentMethod, BuyerStage, Lifecycle
from app.services.lead_import import (
    CSV_COLUMNS,
    ImportRejected,
    ImportReport,
    RowError,
    import_leads_csv,
)

T0 = datetime(2026, 3, 10, 8, 30, tzinfo=UTC)
MAX_BYTES = 20 * 1024 * 1024
HEADER = ["email", "first_name", "last_name", "company", "owner_email"]


@dataclass
class Org:
    tenant_id: str
    dach: Team
    uk: Team
    anna: Member  # active, DACH
    ben: Member  # active, UK; stored with a mixed-case address
    gone: Member  # deactivated


async def make_org(sessions: SessionMaker, tenant_id: str | None = None) -> Org:
    tenant_id = tenant_id or f"tenant-{uuid.uuid4().hex[:8]}"
    async with transaction(sessions) as session:
        session.add(Tenant(id=tenant_id, tenant_id=tenant_id, name="Vendor GmbH", created_at=T0))
        dach = Team(tenant_id=tenant_id, name="DACH", time_zone="Europe/Berlin")
        uk = Team(tenant_id=tenant_id, name="UK", time_zone="Europe/London")
        session.add_all([dach, uk])
        await session.flush()
        anna = Member(tenant_id=tenant_id, display_name="Anna", email="anna@vendor.example", team_id=dach.id)
        ben = Member(tenant_id=tenant_id, display_name="Ben", email="ben.rep@vendor.example", team_id=uk.id)
        gone = Member(
            tenant_id=tenant_id,
            display_name="Gone",
            email="gone@vendor.example",
            team_id=dach.id,
            active=False,
        )
        session.add_all([anna, ben, gone])
    return Org(tenant_id, dach, uk, anna, ben, gone)


def csv_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


async def counts(sessions: SessionMaker) -> dict[str, int]:
    """Rows in every table the import writes, across all tenants."""
    result: dict[str, int] = {}
    async with sessions() as session:
        for model in (Lead, Company, OwnershipChange):
            table: type[SQLModel] = model
            result[model.__name__] = (await session.exec(select(func.count()).select_from(table))).one()
    return result


async def run_import(sessions: SessionMaker, tenant_id: str, data: bytes, **options: object) -> ImportReport:
    async with transaction(sessions) as session:
        return await import_leads_csv(
            session=session,
            tenant_id=tenant_id,
            data=data,
            now=T0,
            max_bytes=int(options.pop("max_bytes", MAX_BYTES)),  # type: ignore[call-overload]
            **options,  # type: ignore[arg-type]
        )


async def rejected(
    sessions: SessionMaker, tenant_id: str, data: bytes, **options: object
) -> tuple[RowError, ...]:
    """The errors of an import that must be refused, after checking it left the database as it was."""
    before = await counts(sessions)
    with pytest.raises(ImportRejected) as caught:
        await run_import(sessions, tenant_id, data, **options)
    assert await counts(sessions) == before
    return caught.value.errors


LEAD_COLUMNS = (
    "id", "email", "first_name", "last_name", "title", "language", "needs", "topics", "custom_fields",
    "company_id", "owner_id", "team_id", "lifecycle", "stage", "created_at", "updated_at", "version",
)  # fmt: skip


async def leads_of(sessions: SessionMaker, tenant_id: str) -> dict[str, Row[Any]]:
    """The tenant's leads by e-mail; named columns only, so the test reads exactly what it checks."""
    statement = select(*(getattr(Lead, name) for name in LEAD_COLUMNS)).where(
        col(Lead.tenant_id) == tenant_id
    )
    async with sessions() as session:
        rows = (await session.exec(statement)).all()
    return {row.email: row for row in rows}


# --- the happy path ------------------------------------------------------------------------------------


async def test_fifty_rows_with_owners_shared_companies_custom_fields_and_topics(
    sessions: SessionMaker,
) -> None:
    org = await make_org(sessions)
    async with transaction(sessions) as session:
        # Known already, without an industry: the file fills that gap but never overwrites the name.
        session.add(
            Company(tenant_id=org.tenant_id, name="Stahl AG (CRM)", domain="stahl.example", created_at=T0)
        )
    header = [
        " Email ", "First_Name", "last_name", "title", "language", "topics", "company", "COMPANY_DOMAIN",
        "industry", "country", "employees", "owner_email", "custom.CRM Id", "custom.segment",
    ]  # fmt: skip
    companies = [
        ("Stahl AG", "stahl.example", "Steel", "de", "1200"),
        ("Werk GmbH", "WERK.example", "Manufacturing", "AT", "300"),
        ("Brew Ltd", "brew.example", "Food", "gb", "45"),
        ("Nameless Partners", "", "Consulting", "CH", "12"),  # matched by name only
        ("Solo", "", "", "", ""),
    ]
    owners = ["anna@vendor.example", "BEN.REP@vendor.example", ""]
    rows = []
    for i in range(50):
        name, domain, industry, country, employees = companies[i % 5]
        rows.append(
            [
                f"  Lead{i}@Customer.example ", f"First{i}", f"Last{i}", "Head of IT" if i % 2 else "",
                "DE" if i % 3 == 0 else "", "erp; cloud ;;erp" if i % 4 == 0 else "",
                name, domain, industry, country, employees, owners[i % 3], f"CRM-{i}", "" if i % 2 else "A",
            ]
        )  # fmt: skip
    data = b"\xef\xbb\xbf" + csv_bytes(header, rows).replace(b"\n", b"\r\n")  # Excel: BOM and CRLF

    report = await run_import(sessions, org.tenant_id, data)

    assert (report.imported, report.skipped, report.errors) == (50, 0, ())
    leads = await leads_of(sessions, org.tenant_id)
    assert [lead_id for lead_id in report.lead_ids] == [
        leads[f"lead{i}@customer.example"].id for i in range(50)
    ]
    first, second, third, fourth = (leads[f"lead{i}@customer.example"] for i in range(4))
    assert (first.first_name, first.last_name, first.title, first.language) == ("First0", "Last0", None, "de")
    assert first.topics == ["erp", "cloud"]
    assert first.custom_fields == {"CRM Id": "CRM-0", "segment": "A"}
    assert second.custom_fields == {"CRM Id": "CRM-1"} and second.title == "Head of IT"
    assert second.language == "en" and second.topics == []
    assert (first.owner_id, first.team_id) == (org.anna.id, org.dach.id)
    assert (second.owner_id, second.team_id) == (org.ben.id, org.uk.id)
    assert (third.owner_id, third.team_id) == (None, None)
    for lead in (first, fourth):
        assert (lead.lifecycle, lead.stage) == (Lifecycle.NEW, BuyerStage.AWARENESS)
        assert lead.created_at == lead.updated_at == T0
        assert lead.version == 1

    async with sessions() as session:
        stored = (await session.exec(select(Company).where(Company.tenant_id == org.tenant_id))).all()
        changes = (
            await session.exec(select(OwnershipChange).where(OwnershipChange.tenant_id == org.tenant_id))
        ).all()
    by_name = {company.name: company for company in stored}
    assert sorted(by_name) == ["Brew Ltd", "Nameless Partners", "Solo", "Stahl AG (CRM)", "Werk GmbH"]
    assert Counter(lead.company_id for lead in leads.values()) == {company.id: 10 for company in stored}
    assert first.company_id == by_name["Stahl AG (CRM)"].id, "the existing company is found by its domain"
    steel = by_name["Stahl AG (CRM)"]
    assert (steel.domain, steel.industry, steel.country, steel.employees) == (
        "stahl.example",
        "Steel",
        "DE",
        1200,
    )
    werk = by_name["Werk GmbH"]
    assert (werk.domain, werk.industry, werk.country, werk.employees) == (
        "werk.example",
        "Manufacturing",
        "AT",
        300,
    )
    assert by_name["Brew Ltd"].country == "GB"
    assert by_name["Nameless Partners"].domain is None and by_name["Solo"].industry is None
    assert len(changes) == 34  # the lines with an owner: i % 3 in (0, 1)
    assert {(c.from_member_id, c.method, c.changed_at, c.changed_by) for c in changes} == {
        (None, AssignmentMethod.IMPORT, T0, None)
    }
    assert Counter(c.to_member_id for c in changes) == {org.anna.id: 17, org.ben.id: 17}
    assert {c.lead_id for c in changes} == {lead.id for lead in leads.values() if lead.owner_id}


async def test_second_import_reuses_companies_created_by_the_first(sessions: SessionMaker) -> None:
    org = await make_org(sessions)
    header = ["email", "company", "company_domain", "industry"]
    await run_import(
        sessions, org.tenant_id, csv_bytes(header, [["a@x.example", "Acme", "acme.example", ""]])
    )
    await run_import(
        sessions,
        org.tenant_id,
        csv_bytes(
            header, [["b@x.example", "ACME", "", "Retail"], ["c@x.example", "", "Acme.Example", "Food"]]
        ),
    )
    async with sessions() as session:
        stored = (await session.exec(select(Company).where(Company.tenant_id == org.tenant_id))).all()
    assert [(c.name, c.domain, c.industry) for c in stored] == [("Acme", "acme.example", "Retail")]
    leads = await leads_of(sessions, org.tenant_id)
    assert {lead.company_id for lead in leads.values()} == {stored[0].id}


async def test_semicolon_separated_file_from_a_german_excel_and_quoted_line_breaks(
    sessions: SessionMaker,
) -> None:
    org = await make_org(sessions)
    data = (
        b'email;first_name;needs;topics\n'
        b'jana@kunde.example;Jana;"Zwei\nZeilen; mit Semikolon";"erp;crm"\n'
        b'bad@@kunde.example;Tom;;\n'
    )  # fmt: skip
    errors = await rejected(sessions, org.tenant_id, data)
    assert [(e.line, e.column) for e in errors] == [(4, "email")], "the quoted value spans lines 2 and 3"
    report = await run_import(sessions, org.tenant_id, data, skip_invalid=True)
    lead = (await leads_of(sessions, org.tenant_id))["jana@kunde.example"]
    assert (
        report.imported == 1 and lead.needs == "Zwei\nZeilen; mit Semikolon" and lead.topics == ["erp", "crm"]
    )


# --- file-level problems -------------------------------------------------------------------------------


async def test_missing_required_column(sessions: SessionMaker) -> None:
    org = await make_org(sessions)
    errors = await rejected(sessions, org.tenant_id, csv_bytes(["first_name", "company"], [["Jana", "Werk"]]))
    assert len(errors) == 1
    assert (errors[0].line, errors[0].column) == (1, None)
    assert "no 'email' column" in errors[0].message


async def test_unknown_columns_are_listed_with_suggestions(sessions: SessionMaker) -> None:
    org = await make_org(sessions)
    data = csv_bytes(
        ["email", "frist_name", "Revenue", "custom.ok", "lifecycle"], [["a@x.example", "A", "1", "", ""]]
    )
    errors = await rejected(sessions, org.tenant_id, data, skip_invalid=True)
    assert len(errors) == 1
    assert (errors[0].line, errors[0].column) == (1, None)
    message = errors[0].message
    assert "unknown columns 'frist_name' (did you mean 'first_name'?), 'Revenue'" in message
    assert "custom.ok" not in message and "'lifecycle'" not in message, (
        "custom and read-only columns are fine"
    )


async def test_duplicate_and_unnamed_header_columns(sessions: SessionMaker) -> None:
    org = await make_org(sessions)
    errors = await rejected(
        sessions, org.tenant_id, csv_bytes(["email", "EMAIL", ""], [["a@x.example", "b", ""]])
    )
    assert [e.message for e in errors] == [
        "column 3 of the header has no name; name it or delete the column",
        "the header has the column 'EMAIL' twice",
    ]


async def test_a_file_that_is_not_utf8_is_read_as_windows_1252(sessions: SessionMaker) -> None:
    org = await make_org(sessions)
    data = "email,last_name\na@x.example,Maier\nb@x.example,Müller – Lüdenscheid\n".encode("cp1252")
    report = await run_import(sessions, org.tenant_id, data)
    assert (report.created, report.encoding, report.separator) == (2, "Windows-1252", "comma")
    assert (await leads_of(sessions, org.tenant_id))["b@x.example"].last_name == "Müller – Lüdenscheid"


@pytest.mark.parametrize("data", [b"", b"  \r\n\n\t", b"\xef\xbb\xbf", b"\xef\xbb\xbf \n"], ids=repr)
async def test_empty_file(sessions: SessionMaker, data: bytes) -> None:
    org = await make_org(sessions)
    errors = await rejected(sessions, org.tenant_id, data, skip_invalid=True)
    assert [(e.line, e.column) for e in errors] == [(1, None)]
    assert errors[0].message.startswith("the file is empty")


async def test_header_without_rows(sessions: SessionMaker) -> None:
    org = await make_org(sessions)
    errors = await rejected(sessions, org.tenant_id, b"email,first_name\r\n,\r\n\r\n")
    assert [(e.line, e.column) for e in errors] == [(1, None)]
    assert "no rows" in errors[0].message


async def test_fifty_megabytes_are_refused_before_parsing(sessions: SessionMaker) -> None:
    org = await make_org(sessions)
    # Not UTF-8 and no header: any parsing at all would report something else.
    data = b"\xff" * (50 * 1024 * 1024)
    errors = await rejected(sessions, org.tenant_id, data, skip_invalid=True)
    assert errors == (
        RowError(
            1,
            None,
            "the file is 50.0 MB (52,428,800 bytes), larger than the limit of 20.0 MB (20,971,520 bytes); "
            "split it into smaller files and import them one by one",
        ),
    )


async def test_limit_counts_bytes_exactly(sessions: SessionMaker) -> None:
    org = await make_org(sessions)
    data = csv_bytes(["email"], [["a@x.example"]])
    errors = await rejected(sessions, org.tenant_id, data, max_bytes=len(data) - 1)
    assert "larger than the limit" in errors[0].message
    assert (await run_import(sessions, org.tenant_id, data, max_bytes=len(data))).imported == 1


async def test_unclosed_quote_is_a_file_level_error(sessions: SessionMaker) -> None:
    org = await make_org(sessions)
    data = b'email,first_name\na@x.example,Ann\nb@x.example,"Bob\nc@x.example,Cid\n'
    errors = await rejected(sessions, org.tenant_id, data, skip_invalid=True)
    assert [(e.line, e.column) for e in errors] == [(3, None)]
    assert "check its double quotes" in errors[0].message


# --- row problems --------------------------------------------------------------------------------------


async def test_ragged_rows(sessions: SessionMaker) -> None:
    org = await make_org(sessions)
    data = b"email,first_name,last_name\na@x.example,Ann,Lee\nb@x.example,Bob\nc@x.example,Cid,Ng,extra\n"
    errors = await rejected(sessions, org.tenant_id, data)
    assert [(e.line, e.column) for e in errors] == [(3, None), (4, None)]
    assert errors[0].message.startswith("this line has 2 values but the header has 3 columns")
    assert errors[1].message.startswith("this line has 4 values but the header has 3 columns")


async def test_bad_email(sessions: SessionMaker) -> None:
    org = await make_org(sessions)
    data = csv_bytes(
        HEADER, [["ok@x.example", "", "", "", ""], ["bob@@x", "Bob", "", "", ""], ["", "No", "Mail", "", ""]]
    )
    errors = await rejected(sessions, org.tenant_id, data)
    assert [(e.line, e.column) for e in errors] == [(3, "email"), (4, "email")]
    assert errors[0].message.startswith("'bob@@x' is not a valid e-mail address.")
    assert str(errors[0]).startswith("line 3, column email: 'bob@@x' is not a valid e-mail address")
    assert errors[1].message == "the e-mail address is empty; every lead needs one"


async def test_unknown_owner_is_any_address_that_is_not_an_active_member_of_this_tenant(
    sessions: SessionMaker,
) -> None:
    org = await make_org(sessions)
    other = await make_org(sessions)
    async with transaction(sessions) as session:
        stranger = Member(tenant_id=other.tenant_id, display_name="S", email="stranger@vendor.example")
        session.add(stranger)
    data = csv_bytes(
        HEADER,
        [
            ["a@x.example", "", "", "", "ANNA@vendor.example"],
            ["b@x.example", "", "", "", "stranger@vendor.example"],
            ["c@x.example", "", "", "", "gone@vendor.example"],
            ["d@x.example", "", "", "", "nobody@vendor.example"],
            ["e@x.example", "", "", "", "not-an-address"],
        ],
    )
    errors = await rejected(sessions, org.tenant_id, data)
    assert [(e.line, e.column) for e in errors] == [
        (3, "owner_email"),
        (4, "owner_email"),
        (5, "owner_email"),
        (6, "owner_email"),
    ]
    assert errors[0].message == (
        "unknown owner 'stranger@vendor.example': no team member in Nurture has this e-mail address"
    )
    assert errors[1].message == "unknown owner 'gone@vendor.example': this team member is deactivated"
    assert errors[2].message.startswith("unknown owner 'nobody@vendor.example'")
    # Without an @ the owner is looked for by display name.
    assert errors[3].message == (
        "unknown owner 'not-an-address': no team member in Nurture has this name or e-mail address"
    )
    # The same owner is fine in the tenant it belongs to.
    report = await run_import(
        sessions, other.tenant_id, csv_bytes(HEADER, [["a@x.example", "", "", "", "stranger@vendor.example"]])
    )
    assert report.imported == 1


async def test_duplicate_email_within_the_file(sessions: SessionMaker) -> None:
    org = await make_org(sessions)
    rows = [
        ["jana@x.example", "Jana", "", "", ""],
        ["tom@x.example", "", "", "", ""],
        [" JANA@X.example", "", "", "", ""],
    ]
    errors = await rejected(sessions, org.tenant_id, csv_bytes(HEADER, rows))
    assert errors == (
        RowError(4, "email", "'jana@x.example' appears twice in the file: it is also on line 2"),
    )


async def test_email_that_already_exists_updates_that_lead(sessions: SessionMaker) -> None:
    org = await make_org(sessions)
    other = await make_org(sessions)
    await run_import(sessions, org.tenant_id, csv_bytes(["email", "title"], [["jana@x.example", "CTO"]]))
    before = (await leads_of(sessions, org.tenant_id))["jana@x.example"]
    report = await run_import(
        sessions,
        org.tenant_id,
        csv_bytes(["email", "first_name"], [["new@x.example", "N"], ["Jana@X.example", "Jana"]]),
    )
    assert (report.created, report.updated) == (1, 1)
    after = (await leads_of(sessions, org.tenant_id))["jana@x.example"]
    assert (after.id, after.first_name, after.title) == (before.id, "Jana", "CTO"), (
        "empty cells change nothing"
    )
    assert after.version == before.version + 1
    # Another tenant may have the same address.
    assert (
        await run_import(sessions, other.tenant_id, csv_bytes(["email"], [["jana@x.example"]]))
    ).imported == 1


async def test_all_bad_values_of_all_rows_are_reported_in_file_order(sessions: SessionMaker) -> None:
    org = await make_org(sessions)
    header = ["email", "language", "country", "employees", "company", "phone"]
    rows = [
        ["a@x.example", "fr", "Germania", "many", "Werk", ""],
        ["b@x.example", "de", "de", "-5", "Werk", "+49 " + "1" * 40],
        ["c@x.example", "", "AT", "10", "", ""],
    ]
    errors = await rejected(sessions, org.tenant_id, csv_bytes(header, rows))
    assert [(e.line, e.column) for e in errors] == [
        (2, "language"), (2, "country"), (2, "employees"),
        (3, "employees"), (3, "phone"),
        (4, "country"), (4, "employees"),
    ]  # fmt: skip
    messages = [e.message for e in errors]
    assert messages[0] == "'fr' is not a supported language; use one of: en, de"
    assert messages[1].startswith("'Germania' is not a country we know")
    assert messages[2].startswith("'many' is not a number of employees")
    assert messages[3].startswith("'-5' is not a number of employees")
    assert messages[4].endswith("is too long: at most 40 characters are allowed")
    assert messages[5] == "country is given but the line has no company or company_domain"


async def test_skip_invalid_imports_the_valid_rows_only(sessions: SessionMaker) -> None:
    org = await make_org(sessions)
    await run_import(sessions, org.tenant_id, csv_bytes(["email"], [["old@x.example"]]))
    rows = [
        ["a@x.example", "Ann", "", "Werk", "anna@vendor.example"],
        ["bad@@x", "", "", "", ""],
        ["b@x.example", "Bob", "", "Werk", "nobody@vendor.example"],
        ["old@x.example", "", "", "", ""],
        ["c@x.example", "Cid", "", "", ""],
        ["a@x.example", "Again", "", "", ""],
    ]
    before = await counts(sessions)
    progress: list[tuple[int, int]] = []
    report = await run_import(
        sessions,
        org.tenant_id,
        csv_bytes(HEADER, rows),
        skip_invalid=True,
        progress=lambda d, t: progress.append((d, t)),
    )
    assert (report.created, report.updated, report.skipped) == (2, 1, 3)
    assert [(e.line, e.column) for e in report.errors] == [
        (3, "email"),
        (4, "owner_email"),
        (7, "email"),
    ]
    leads = await leads_of(sessions, org.tenant_id)
    assert sorted(leads) == ["a@x.example", "c@x.example", "old@x.example"]
    assert leads["a@x.example"].first_name == "Ann" and leads["a@x.example"].owner_id == org.anna.id
    assert report.lead_ids == (leads["a@x.example"].id, leads["old@x.example"].id, leads["c@x.example"].id)
    after = await counts(sessions)
    assert {name: after[name] - before[name] for name in after} == {
        "Lead": 2,
        "Company": 1,
        "OwnershipChange": 1,
    }
    size = len(csv_bytes(HEADER, rows))
    assert progress[0] == (0, size) and progress[-1] == (size, size)


async def test_progress_reports_every_batch_with_the_total(sessions: SessionMaker) -> None:
    org = await make_org(sessions)
    rows = [[f"lead{i}@x.example", "", "", f"Company {i % 7}", "anna@vendor.example"] for i in range(2100)]
    progress: list[tuple[int, int]] = []
    report = await run_import(
        sessions, org.tenant_id, csv_bytes(HEADER, rows), progress=lambda d, t: progress.append((d, t))
    )
    assert report.imported == 2100
    # Progress counts bytes read, so it needs no count of the lines before the import starts.
    size = len(csv_bytes(HEADER, rows))
    assert [total for _, total in progress] == [size] * len(progress)
    done = [count for count, _ in progress]
    assert done[0] == 0 and done[-1] == size and done == sorted(done) and len(done) >= 4
    async with sessions() as session:
        stored = (
            await session.exec(
                select(func.count()).select_from(Lead).where(col(Lead.tenant_id) == org.tenant_id)
            )
        ).one()
    assert stored == 2100


async def test_accepted_columns_are_the_export_columns() -> None:
    assert CSV_COLUMNS[:2] == ("email", "first_name")
    assert CSV_COLUMNS[-7:] == (
        "id",
        "lifecycle",
        "stage",
        "fit_score",
        "engagement_score",
        "total_score",
        "created_at",
    )


async def test_consent_flags_read_yes_and_no_words_and_false_is_not_set(sessions: SessionMaker) -> None:
    org = await make_org(sessions)
    header = ["email", "unsubscribed", "bounced"]
    words = {"false": False, "no": False, "0": False, "Nein": False, "TRUE": True, "ja": True, "1": True}
    rows = [[f"lead{i}@x.example", word, "false"] for i, word in enumerate(words)]
    rows.append(["quiet@x.example", "", ""])  # an empty cell: not unsubscribed, not bounced
    report = await run_import(sessions, org.tenant_id, csv_bytes(header, rows))
    assert report.imported == len(words) + 1
    async with sessions() as session:
        leads = {
            lead.email: (lead.unsubscribed, lead.bounced)
            for lead in (await session.exec(select(Lead).where(Lead.tenant_id == org.tenant_id))).all()
        }
    expected = {f"lead{i}@x.example": (flag, False) for i, flag in enumerate(words.values())}
    assert leads == {**expected, "quiet@x.example": (False, False)}
    errors = await rejected(sessions, org.tenant_id, csv_bytes(header, [["maybe@x.example", "maybe", "no"]]))
    assert [(e.line, e.column, e.message) for e in errors] == [
        (2, "unsubscribed", "'maybe' is not yes or no; write true or false")
    ]
