"""CRM exports and spreadsheets import as they come: each vendor's layout, Excel's encodings and
separators, workbooks; and bad input changes nothing and names the line."""

from __future__ import annotations

import csv
import io
import uuid
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from openpyxl import Workbook
from sqlmodel import col, func, select

from app.db import SessionMaker, transaction
from app.models import Company, Lead, Member, OwnershipChange, Team, Tenant
from app.nurturing.enums import Lifecycle
from app.services.lead_import import ImportOptions, ImportRejected, ImportReport, import_leads_csv

T0 = datetime(2026, 3, 10, 8, 30, tzinfo=UTC)
MAX_BYTES = 20 * 1024 * 1024


async def make_tenant(sessions: SessionMaker) -> tuple[str, dict[str, Member]]:
    """A tenant with Anna Müller, Ben Okafor, two Chris Meyers (ambiguous) and a deactivated Dora."""
    tenant_id = f"tenant-{uuid.uuid4().hex[:8]}"
    async with transaction(sessions) as session:
        session.add(Tenant(id=tenant_id, tenant_id=tenant_id, name="Vendor GmbH", created_at=T0))
        team = Team(tenant_id=tenant_id, name="DACH", time_zone="Europe/Berlin")
        session.add(team)
        await session.flush()
        people = {
            "anna": Member(tenant_id=tenant_id, display_name="Anna Müller", email="anna@vendor.example"),
            "ben": Member(tenant_id=tenant_id, display_name="Ben Okafor", email="ben@vendor.example"),
            "chris1": Member(tenant_id=tenant_id, display_name="Chris Meyer", email="chris.m@vendor.example"),
            "chris2": Member(tenant_id=tenant_id, display_name="Chris Meyer", email="c.meyer@vendor.example"),
            "dora": Member(
                tenant_id=tenant_id, display_name="Dora Alt", email="dora@vendor.example", active=False
            ),
        }
        for member in people.values():
            member.team_id = team.id
        session.add_all(people.values())
    return tenant_id, people


def csv_text(header: list[str], rows: list[list[str]], delimiter: str = ",") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


async def run(sessions: SessionMaker, tenant_id: str, data: bytes, **options: Any) -> ImportReport:
    async with transaction(sessions) as session:
        return await import_leads_csv(
            session=session,
            tenant_id=tenant_id,
            data=data,
            now=T0,
            max_bytes=int(options.pop("max_bytes", MAX_BYTES)),
            options=ImportOptions(**options),
        )


async def counts(sessions: SessionMaker) -> dict[str, int]:
    async with sessions() as session:
        return {
            model.__name__: (await session.exec(select(func.count()).select_from(model))).one()
            for model in (Lead, Company, OwnershipChange)
        }


async def refused(sessions: SessionMaker, tenant_id: str, data: bytes, **options: Any) -> ImportRejected:
    before = await counts(sessions)
    with pytest.raises(ImportRejected) as caught:
        await run(sessions, tenant_id, data, **options)
    assert await counts(sessions) == before, "a refused file changes nothing"
    return caught.value


@dataclass(frozen=True)
class Seen:
    """A stored lead with its company's firmographics, as the tests read them."""

    lead: Lead
    company: Company | None

    def __getattr__(self, name: str) -> Any:
        if name in {"name", "country", "employees", "industry"}:
            return getattr(self.company, name) if self.company is not None else None
        return getattr(self.lead, name)


async def leads(sessions: SessionMaker, tenant_id: str) -> dict[str, Seen]:
    statement = (
        select(Lead, Company)
        .outerjoin(Company, col(Company.id) == col(Lead.company_id))
        .where(Lead.tenant_id == tenant_id)
    )
    async with sessions() as session:
        return {lead.email: Seen(lead, company) for lead, company in (await session.exec(statement)).all()}


# --- vendors' layouts ----------------------------------------------------------------------------------

HUBSPOT_HEADER = [
    "Record ID", "First Name", "Last Name", "Email", "Job Title", "Company Name", "Country/Region",
    "Industry", "Lifecycle Stage", "Contact owner", "Number of Employees",
]  # fmt: skip
HUBSPOT_ROWS = [
    ["101", "Jürgen", "Weiß", "juergen.weiss@stahlwerk.example", "Leiter Instandhaltung",
     "Stahlwerk Süd GmbH",
     "Deutschland", "Maschinenbau", "Marketing Qualified Lead", "Anna Müller", "51-200"],
    ["102", "Tom", "Reid", "tom@brew.example", "Head of Ops, EMEA", "Brew, Bottle & Co", "United Kingdom",
     "Food", "salesqualifiedlead", "ben@vendor.example", "1,001-5,000"],
    ["103", "Zoë", "", "zoe@kunde.example", "", "", "", "", "Subscriber", "", ""],
]  # fmt: skip


async def test_hubspot_contacts_export(sessions: SessionMaker) -> None:
    tenant_id, people = await make_tenant(sessions)
    report = await run(sessions, tenant_id, csv_text(HUBSPOT_HEADER, HUBSPOT_ROWS).encode("utf-8-sig"))
    assert (report.preset, report.encoding, report.separator) == ("hubspot", "UTF-8 with BOM", "comma")
    assert (report.created, report.updated, report.skipped) == (3, 0, 0)
    assert ("Record ID", "ignore") in report.mapping and ("Contact owner", "owner") in report.mapping
    found = await leads(sessions, tenant_id)
    jurgen = found["juergen.weiss@stahlwerk.example"]
    assert (jurgen.first_name, jurgen.last_name, jurgen.title) == ("Jürgen", "Weiß", "Leiter Instandhaltung")
    assert (jurgen.name, jurgen.country, jurgen.employees, jurgen.industry) == (
        "Stahlwerk Süd GmbH", "DE", 51, "Maschinenbau",
    )  # fmt: skip
    assert jurgen.lifecycle == Lifecycle.MQL and jurgen.owner_id == people["anna"].id
    tom = found["tom@brew.example"]
    assert (tom.name, tom.title, tom.country, tom.employees) == (
        "Brew, Bottle & Co",
        "Head of Ops, EMEA",
        "GB",
        1001,
    )
    assert tom.lifecycle == Lifecycle.SQL and tom.owner_id == people["ben"].id
    zoe = found["zoe@kunde.example"]
    assert (zoe.last_name, zoe.name, zoe.owner_id, zoe.lifecycle) == ("", None, None, Lifecycle.NEW)


async def test_dynamics_365_leads_exported_to_excel_as_csv(sessions: SessionMaker) -> None:
    tenant_id, people = await make_tenant(sessions)
    header = [
        "(Do Not Modify) Lead", "(Do Not Modify) Row Checksum", "(Do Not Modify) Modified On", "Topic",
        "First Name", "Last Name", "Email", "Company Name", "Job Title", "Business Phone", "Country/Region",
        "No. of Employees", "Lead Source", "Status Reason", "Owner",
    ]  # fmt: skip
    rows = [
        [str(uuid.uuid4()), "abc==", "2026-03-01T10:00:00", "ERP-Ablösung", "Sören", "Kühn",
         "s.kuehn@werk.example",
         "Werk Nord AG", "CIO", "+49 40 1234", "Österreich", "250", "Web", "Contacted", "Ben Okafor"],
        [str(uuid.uuid4()), "def==", "2026-03-01T10:00:00", "Demo", "Lena", "Fox", "lena@fox.example",
         "Fox Ltd", "", "", "Schweiz", "", "Event", "Cannot Contact", ""],
    ]  # fmt: skip
    report = await run(sessions, tenant_id, csv_text(header, rows).encode())
    assert report.preset == "dynamics" and report.created == 2
    found = await leads(sessions, tenant_id)
    soren = found["s.kuehn@werk.example"]
    assert (soren.first_name, soren.last_name, soren.phone, soren.source) == (
        "Sören",
        "Kühn",
        "+49 40 1234",
        "Web",
    )
    assert (soren.country, soren.employees, soren.lifecycle) == ("AT", 250, Lifecycle.SAL)
    assert soren.owner_id == people["ben"].id
    assert found["lena@fox.example"].lifecycle == Lifecycle.DISQUALIFIED
    assert found["lena@fox.example"].country == "CH"


async def test_salesforce_leads_report(sessions: SessionMaker) -> None:
    tenant_id, people = await make_tenant(sessions)
    header = [
        "Lead ID", "First Name", "Last Name", "Title", "Company / Account", "Email", "Phone", "Country",
        "Lead Source", "Lead Status", "Lead Owner", "Email Opt Out", "No. of Employees",
    ]  # fmt: skip
    rows = [
        ["00Q5g00000A1", "Marta", "Nowak", "VP Sales", "Acme, Inc.", "marta@acme.example", "", "Germany",
         "Web", "Working - Contacted", "anna@vendor.example", "0", "10,001+"],
        ["00Q5g00000A2", "Jo", "Lee", "", "Lee & Söhne", "jo@lee.example", "", "Vereinigte Staaten",
         "Partner", "Open - Not Contacted", "", "1", ""],
    ]  # fmt: skip
    report = await run(sessions, tenant_id, csv_text(header, rows).encode())
    assert report.preset == "salesforce" and report.created == 2
    found = await leads(sessions, tenant_id)
    marta = found["marta@acme.example"]
    assert (marta.name, marta.country, marta.employees, marta.lifecycle) == (
        "Acme, Inc.",
        "DE",
        10001,
        Lifecycle.SAL,
    )
    assert marta.owner_id == people["anna"].id and marta.unsubscribed is False
    jo = found["jo@lee.example"]
    assert (jo.name, jo.country, jo.unsubscribed, jo.lifecycle) == ("Lee & Söhne", "US", True, Lifecycle.NEW)


async def test_pipedrive_people_export(sessions: SessionMaker) -> None:
    tenant_id, people = await make_tenant(sessions)
    header = [
        "Person - ID", "Person - Name", "Person - First name", "Person - Last name", "Person - Email - Work",
        "Person - Phone - Work", "Person - Organization", "Person - Owner", "Person - Label",
    ]  # fmt: skip
    rows = [
        ["7", "Ute Groß", "Ute", "Groß", "ute@gross.example", "+49 89 555", "Groß & Partner", "Anna Müller",
         "Hot lead"],
        ["8", "Ali Demir", "Ali", "Demir", "ali@demir.example", "", "", "", ""],
    ]  # fmt: skip
    report = await run(sessions, tenant_id, csv_text(header, rows).encode())
    assert report.preset == "pipedrive" and report.created == 2
    found = await leads(sessions, tenant_id)
    ute = found["ute@gross.example"]
    assert (ute.first_name, ute.last_name, ute.name, ute.phone) == (
        "Ute",
        "Groß",
        "Groß & Partner",
        "+49 89 555",
    )
    assert ute.owner_id == people["anna"].id and ute.custom_fields == {}


# --- encodings, separators, workbooks ------------------------------------------------------------------


async def test_windows_1252_semicolon_csv_as_german_excel_saves_it(sessions: SessionMaker) -> None:
    tenant_id, _ = await make_tenant(sessions)
    text = csv_text(
        ["E-Mail", "Vorname", "Nachname", "Firma", "Land", "Mitarbeiter"],
        [
            ["jörg@müller-bau.example", "Jörg", "Müller", "Müller Bau; Süd", "Österreich", "1.001-5.000"],
            ["anke@werk.example", "Anke", "Straße", "", "", ""],
        ],
        delimiter=";",
    )
    data = text.encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # the case the issue reports: this is not UTF-8
    mapping = {
        "E-Mail": "email", "Vorname": "first_name", "Nachname": "last_name", "Firma": "company",
        "Land": "country", "Mitarbeiter": "employees",
    }  # fmt: skip
    report = await run(sessions, tenant_id, data, mapping=mapping)
    assert (report.encoding, report.separator, report.created) == ("Windows-1252", "semicolon", 2)
    found = await leads(sessions, tenant_id)
    jorg = found["jörg@müller-bau.example"]
    assert (jorg.first_name, jorg.last_name, jorg.name) == ("Jörg", "Müller", "Müller Bau; Süd")
    assert (jorg.country, jorg.employees) == ("AT", 1001)
    assert found["anke@werk.example"].last_name == "Straße"


async def test_utf16_tab_separated_unicode_text(sessions: SessionMaker) -> None:
    tenant_id, people = await make_tenant(sessions)
    text = csv_text(
        ["email", "first_name", "last_name", "company", "country", "owner_email"],
        [
            ["ola@fjord.example", "Øla", "Ødegård", "Fjord, AS", "Norwegen", "ben@vendor.example"],
            ["li@shen.example", "丽", "沈", "", "", ""],
        ],
        delimiter="\t",
    )
    report = await run(sessions, tenant_id, text.encode("utf-16"))  # with a BOM, as Excel writes it
    assert (report.encoding, report.separator, report.created) == ("UTF-16", "tab", 2)
    found = await leads(sessions, tenant_id)
    assert (found["ola@fjord.example"].last_name, found["ola@fjord.example"].name) == ("Ødegård", "Fjord, AS")
    assert (
        found["ola@fjord.example"].country == "NO" and found["ola@fjord.example"].owner_id == people["ben"].id
    )
    assert found["li@shen.example"].first_name == "丽"


def workbook_bytes(header: list[str], rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.create_sheet("Notes").append(["not read: only the first sheet is"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def test_xlsx_first_sheet_with_numbers_and_empty_cells(sessions: SessionMaker) -> None:
    tenant_id, people = await make_tenant(sessions)
    data = workbook_bytes(
        HUBSPOT_HEADER,
        [
            [201, "Käthe", "Brandt", "kaethe@brandt.example", None, "Brandt KG", "Germany", None,
             "Lead", "Anna Müller", 320],
            [202, "Max", None, "max@mx.example", "CTO", None, None, None, "Customer", None, None],
        ],
    )  # fmt: skip
    report = await run(sessions, tenant_id, data)
    assert (report.kind, report.preset, report.encoding, report.created) == ("xlsx", "hubspot", None, 2)
    found = await leads(sessions, tenant_id)
    kathe = found["kaethe@brandt.example"]
    assert (kathe.first_name, kathe.name, kathe.country, kathe.employees) == ("Käthe", "Brandt KG", "DE", 320)
    assert kathe.owner_id == people["anna"].id and kathe.lifecycle == Lifecycle.NEW
    assert found["max@mx.example"].lifecycle == Lifecycle.WON and found["max@mx.example"].title == "CTO"


# --- dry run and re-import -----------------------------------------------------------------------------


async def test_dry_run_counts_and_writes_nothing_then_reimport_updates_without_duplicates(
    sessions: SessionMaker,
) -> None:
    tenant_id, people = await make_tenant(sessions)
    data = csv_text(HUBSPOT_HEADER, HUBSPOT_ROWS).encode()
    before = await counts(sessions)
    dry = await run(sessions, tenant_id, data, dry_run=True)
    assert (dry.dry_run, dry.created, dry.updated, dry.imported) == (True, 3, 0, 0)
    assert await counts(sessions) == before
    await run(sessions, tenant_id, data)
    changed = [row[:] for row in HUBSPOT_ROWS]
    changed[0][4] = "Geschäftsführer"
    changed[0][9] = "Ben Okafor"
    second = csv_text(HUBSPOT_HEADER, changed).encode()
    again = await run(sessions, tenant_id, second, dry_run=True)
    assert (again.created, again.updated) == (0, 3)
    report = await run(sessions, tenant_id, second)
    assert (report.created, report.updated) == (0, 3)
    after = await counts(sessions)
    assert after["Lead"] - before["Lead"] == 3 and after["Company"] - before["Company"] == 2
    jurgen = (await leads(sessions, tenant_id))["juergen.weiss@stahlwerk.example"]
    assert jurgen.title == "Geschäftsführer" and jurgen.owner_id == people["ben"].id
    async with sessions() as session:
        changes = (
            await session.exec(
                select(OwnershipChange.from_member_id, OwnershipChange.to_member_id).where(
                    OwnershipChange.tenant_id == tenant_id, OwnershipChange.to_member_id == people["ben"].id
                )
            )
        ).all()
    assert (people["anna"].id, people["ben"].id) in [tuple(change) for change in changes]


# --- bad input changes nothing and names the line ------------------------------------------------------


async def test_mapping_to_an_unknown_field(sessions: SessionMaker) -> None:
    tenant_id, _ = await make_tenant(sessions)
    data = csv_text(["Mail", "Name"], [["a@x.example", "A"]]).encode()
    error = await refused(sessions, tenant_id, data, mapping={"Mail": "email", "Name": "frist_name"})
    assert [(e.line, e.column) for e in error.errors] == [(1, None)]
    assert "'frist_name' is not a field (did you mean 'first_name'?)" in error.errors[0].message
    assert error.header == ("Mail", "Name"), "the columns come back, so the tab can offer to map them"


async def test_mapping_two_columns_to_one_field(sessions: SessionMaker) -> None:
    tenant_id, _ = await make_tenant(sessions)
    data = csv_text(["Mail", "Work mail"], [["a@x.example", "b@x.example"]]).encode()
    error = await refused(sessions, tenant_id, data, mapping={"Mail": "email", "Work mail": "email"})
    assert [e.message for e in error.errors] == [
        "the columns 'Mail' and 'Work mail' both fill 'email'; "
        "map one of them to another field or to 'ignore'"
    ]


async def test_unknown_and_ambiguous_owner_names_and_unknown_lifecycle(sessions: SessionMaker) -> None:
    tenant_id, _ = await make_tenant(sessions)
    rows = [
        ["1", "A", "", "a@x.example", "", "", "", "", "Lead", "Anna Müller", ""],
        ["2", "B", "", "b@x.example", "", "", "", "", "Lead", "Nobody Known", ""],
        ["3", "C", "", "c@x.example", "", "", "", "", "Lead", "Chris Meyer", ""],
        ["4", "D", "", "d@x.example", "", "", "", "", "Lead", "Dora Alt", ""],
        ["5", "E", "", "e@x.example", "", "", "", "", "Hot prospect", "", ""],
    ]
    error = await refused(sessions, tenant_id, csv_text(HUBSPOT_HEADER, rows).encode())
    assert [(e.line, e.column) for e in error.errors] == [
        (3, "Contact owner"), (4, "Contact owner"), (5, "Contact owner"), (6, "Lifecycle Stage"),
    ]  # fmt: skip
    messages = [e.message for e in error.errors]
    assert messages[0] == (
        "unknown owner 'Nobody Known': no team member in Nurture has this name or e-mail address"
    )
    assert messages[1].startswith("the owner name 'Chris Meyer' is ambiguous: 2 team members are called that")
    assert "c.meyer@vendor.example, chris.m@vendor.example" in messages[1]
    assert messages[2] == "unknown owner 'Dora Alt': this team member is deactivated"
    assert messages[3].startswith("'Hot prospect' is not a lifecycle stage we know; use one of 'Subscriber'")
    assert error.report is not None and error.report.skipped == 4


async def test_bad_lines_after_written_batches_leave_nothing_behind(sessions: SessionMaker) -> None:
    tenant_id, _ = await make_tenant(sessions)
    rows = [[f"lead{i}@x.example", "Anna Müller"] for i in range(2500)]
    rows[2400][1] = "Chris Meyer"  # batches 1 and 2 are written before this line is read
    data = csv_text(["email", "owner"], rows).encode()
    error = await refused(sessions, tenant_id, data)
    assert [(e.line, e.column) for e in error.errors] == [(2402, "owner")]


async def test_fifty_megabyte_file_is_refused_by_size(sessions: SessionMaker) -> None:
    tenant_id, _ = await make_tenant(sessions)
    data = csv_text(["email"], [["a@x.example"]]).encode() + b" " * (50 * 1024 * 1024)
    error = await refused(sessions, tenant_id, data)
    assert [(e.line, e.column) for e in error.errors] == [(1, None)]
    assert error.errors[0].message.startswith("the file is 50.0 MB")


async def test_zip_bomb_xlsx_is_refused_by_declared_size_before_parsing(sessions: SessionMaker) -> None:
    tenant_id, _ = await make_tenant(sessions)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        # 1 GB of zeros squeezes into about 1 MB; a parser that inflated it would run out of memory.
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            block = b"\0" * (16 * 1024 * 1024)
            for _ in range(64):
                member.write(block)
    data = buffer.getvalue()
    assert len(data) < 2 * 1024 * 1024
    error = await refused(sessions, tenant_id, data)
    assert [(e.line, e.column) for e in error.errors] == [(1, None)]
    assert "would expand" in error.errors[0].message and "sheet1.xml" in error.errors[0].message


async def test_unicode_line_separators_inside_a_cell_stay_in_the_cell(sessions: SessionMaker) -> None:
    tenant_id, _ = await make_tenant(sessions)
    # Pasted from the web: U+2028 and NEL are line breaks to Python's str.splitlines, not to a CSV.
    data = 'email,needs\r\na@x.example,Wartung\u2028Ersatzteile\r\nb@x.example,"zwei\r\nZeilen"\r\n'.encode()
    report = await run(sessions, tenant_id, data)
    assert report.created == 2
    async with sessions() as session:
        needs = dict(
            (await session.exec(select(Lead.email, Lead.needs).where(Lead.tenant_id == tenant_id))).all()
        )
    assert needs == {"a@x.example": "Wartung\u2028Ersatzteile", "b@x.example": "zwei\r\nZeilen"}
