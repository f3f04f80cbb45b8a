"""Importing leads from a CSV file: the whole file is checked before a single row is written.

The work happens in three steps:

1. ``_parse`` (synchronous, CPU-bound, run in a worker thread) turns the bytes into checked rows. It
   finds every problem the file itself can show: size, encoding, header, ragged rows, bad values,
   duplicate e-mail addresses.
2. Two chunked queries, always filtered by tenant, find e-mail addresses that already exist and the
   active team members named as owners.
3. Only when nothing is wrong (or the caller asked to skip the bad rows) are companies, leads and
   ownership audit rows inserted, in batches. The caller owns the transaction.

Cells that the export protected against formula injection (a leading apostrophe before ``= + - @``,
tab or carriage return) are read back without that apostrophe, so an exported file re-imports as is.
"""

from __future__ import annotations

import asyncio
import csv
import difflib
import functools
import io
import re
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from pydantic_core import PydanticCustomError
from sqlalchemy import Table, insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel, col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Company, Lead, Member, OwnershipChange
from app.nurturing.enums import AssignmentMethod, BuyerStage, Lifecycle
from app.services.batches import batches
from app.services.company_facts import FIRMOGRAPHICS, gaps_filled
from app.services.errors import InvalidInput

LEAD_COLUMNS = (
    "email",
    "first_name",
    "last_name",
    "title",
    "persona",
    "phone",
    "language",
    "source",
    "needs",
    "topics",
    "unsubscribed",
    "bounced",
)
COMPANY_COLUMNS = ("company", "company_domain", "industry", "country", "employees")
IMPORT_COLUMNS = (*LEAD_COLUMNS, *COMPANY_COLUMNS, "owner_email")
"""Columns whose values the import writes."""
READ_ONLY_COLUMNS = ("id", "lifecycle", "stage", "fit_score", "engagement_score", "total_score", "created_at")
"""Columns the export adds; the import accepts them and ignores their values."""
CSV_COLUMNS = (*IMPORT_COLUMNS, *READ_ONLY_COLUMNS)
"""Every accepted header name, in export order. ``custom.<name>`` columns come after them."""
REQUIRED_COLUMNS = ("email",)
CUSTOM_PREFIX = "custom."
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet treat a cell as a formula (OWASP CSV injection)."""
LANGUAGES = ("en", "de")

BATCH_SIZE = 1000
"""Leads per INSERT batch; also how often ``progress`` is called."""
LOOKUP_CHUNK = 500
"""Values per ``IN (...)`` list when looking up existing rows."""
_MAX_EMPLOYEES = 2_147_483_647  # the column is a 32-bit integer
_SHOWN_VALUE = 60  # characters of a bad value quoted back in a message


# --- public types --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem. ``line`` is the physical line in the file (the header is line 1); ``column`` is the
    header name as written in the file, or None when the problem concerns the whole file or line."""

    line: int
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class ImportReport:
    imported: int
    skipped: int  # rows not imported because they had errors (only with skip_invalid)
    errors: tuple[RowError, ...]
    lead_ids: tuple[uuid.UUID, ...]  # in file order, so the caller can score them


class ImportRejected(InvalidInput):
    """Nothing was written; ``errors`` says why, line by line."""

    code = "import_rejected"

    def __init__(self, errors: Sequence[RowError]) -> None:
        super().__init__(f"lead import rejected with {len(errors)} problem(s)")
        self.errors: tuple[RowError, ...] = tuple(errors)


# --- per-row validation --------------------------------------------------------------------------------


def needs_protection(value: str) -> bool:
    """Whether a spreadsheet could run this cell as a formula, or it already looks protected."""
    return value[:1] in FORMULA_TRIGGERS or (value[:1] == "'" and value[1:2] in FORMULA_TRIGGERS)


def _quote(value: str) -> str:
    shown = value if len(value) <= _SHOWN_VALUE else value[: _SHOWN_VALUE - 1] + "…"
    return "'" + shown.replace("\n", " ") + "'"


def _problem(message: str) -> PydanticCustomError:
    # The message goes in through the context so braces in a user's value are never read as a template.
    return PydanticCustomError("nurture", "{message}", {"message": message})


@functools.lru_cache(maxsize=4096)  # owner addresses repeat on many lines
def normalise_email(value: str) -> str:
    """The address as stored: validated (syntax only, no DNS) and lower-cased. Raises EmailNotValidError."""
    return validate_email(value, check_deliverability=False).normalized.lower()


def _email(value: str) -> str:
    try:
        return normalise_email(value)
    except EmailNotValidError as error:
        raise _problem(f"{_quote(value)} is not a valid e-mail address. {error}") from None


def _language(value: str) -> str:
    language = value.lower()
    if language not in LANGUAGES:
        raise _problem(f"{_quote(value)} is not a supported language; use one of: {', '.join(LANGUAGES)}")
    return language


def _country(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z]{2}", value):
        raise _problem(f"{_quote(value)} is not a two-letter country code (ISO 3166-1, such as DE, AT or GB)")
    return value.upper()


def _employees(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if not re.fullmatch(r"[+-]?\d+", value):
        raise _problem(f"{_quote(value)} is not a whole number; write the number of employees, such as 250")
    number = int(value)
    if number < 0:
        raise _problem(f"{_quote(value)} is negative; the number of employees must be 0 or more")
    if number > _MAX_EMPLOYEES:
        raise _problem(f"{_quote(value)} is too large for a number of employees")
    return number


# Yes/no as CRMs and spreadsheets export it, in English and German. Anything else is refused rather than
# guessed: a consent flag read wrong either mails someone who opted out or silences a willing lead.
_YES = frozenset({"true", "yes", "y", "1", "ja", "j", "wahr", "x"})
_NO = frozenset({"false", "no", "n", "0", "nein", "falsch"})


def _flag(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    word = value.strip().casefold()
    if word in _YES:
        return True
    if word in _NO:
        return False
    raise _problem(f"{_quote(value)} is not yes or no; write true or false")


def _topics(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    topics: list[str] = []
    for part in value.split(";"):
        topic = part.strip()
        if topic and topic not in topics:
            topics.append(topic)
    return topics


EmailAddress = Annotated[str, AfterValidator(_email)]


class _RowModel(BaseModel):
    """One CSV line after empty cells are dropped; field names are the canonical column names."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    email: EmailAddress
    first_name: str = Field("", max_length=100)
    last_name: str = Field("", max_length=100)
    title: str | None = Field(None, max_length=200)
    persona: str | None = Field(None, max_length=60)
    phone: str | None = Field(None, max_length=40)
    language: Annotated[str, AfterValidator(_language)] = "en"
    source: str | None = Field(None, max_length=80)
    needs: str | None = None
    topics: Annotated[list[str], BeforeValidator(_topics)] = Field(default_factory=list)
    unsubscribed: Annotated[bool, BeforeValidator(_flag)] = False
    bounced: Annotated[bool, BeforeValidator(_flag)] = False
    company: str | None = Field(None, max_length=200)
    company_domain: str | None = Field(None, max_length=253)
    industry: str | None = Field(None, max_length=80)
    country: Annotated[str, AfterValidator(_country)] | None = None
    employees: Annotated[int, BeforeValidator(_employees)] | None = None
    owner_email: EmailAddress | None = None


def _error_message(error: Any, raw: str | None) -> str:
    kind = error["type"]
    if kind == "nurture":
        return str(error["msg"])
    if kind == "missing":
        return "the e-mail address is empty; every lead needs one"
    shown = _quote(raw or "")
    if kind == "string_too_long":
        return f"{shown} is too long: at most {error['ctx']['max_length']} characters are allowed"
    return f"{shown} is not valid here ({error['msg']})"


# --- parsing -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Column:
    header: str  # as written in the file, trimmed
    name: str  # canonical name, or the custom field's key
    kind: str  # "field", "custom" or "read_only"


@dataclass(frozen=True, slots=True)
class _CompanyFacts:
    key: tuple[str, str]  # ("domain", lower domain) or ("name", lower name)
    name: str
    domain: str | None
    industry: str | None
    country: str | None
    employees: int | None


@dataclass(frozen=True, slots=True)
class _LeadRow:
    line: int
    email: str
    fields: dict[str, Any]  # LeadBase columns
    company: _CompanyFacts | None
    owner_email: str | None


@dataclass(slots=True)
class _Checked:
    """One data line: what could be validated, plus the lead to write when the whole line is valid."""

    line: int
    email: str | None
    owner_email: str | None
    lead: _LeadRow | None


@dataclass(slots=True)
class _Parsed:
    columns: list[_Column]
    headers: dict[str, str] = field(default_factory=dict)  # canonical field name -> header as written
    rows: list[_Checked] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    bad_lines: set[int] = field(default_factory=set)

    def fail(self, line: int, column: str | None, message: str) -> None:
        self.errors.append(RowError(line, column, message))
        self.bad_lines.add(line)


def _reject(message: str, line: int = 1) -> ImportRejected:
    return ImportRejected([RowError(line, None, message)])


def _size(count: int) -> str:
    return f"{count / 1_048_576:.1f} MB ({count:,} bytes)"


def _line_of_offset(data: bytes, offset: int) -> int:
    before = data[:offset]
    return before.count(b"\n") + before.count(b"\r") - before.count(b"\r\n") + 1


def _decode(data: bytes, max_bytes: int) -> str:
    """The file as text, or ImportRejected for a file that is too big, empty or not UTF-8."""
    if len(data) > max_bytes:
        raise _reject(
            f"the file is {_size(len(data))}, larger than the limit of {_size(max_bytes)}; "
            "split it into smaller files and import them one by one"
        )
    if data.startswith(b"PK\x03\x04"):
        raise _reject("this looks like an Excel workbook, not a CSV file; in Excel use Save As > CSV UTF-8")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _reject("the file is saved as UTF-16 (Unicode Text); save it as CSV UTF-8 and import it again")
    if not data.removeprefix(b"\xef\xbb\xbf").strip():
        raise _reject(
            "the file is empty; it needs a header line (with an email column) and one line per lead"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = _line_of_offset(data, error.start)
        raise _reject(
            f"the file is not valid UTF-8: the first bad byte (0x{data[error.start]:02X}) is on line {line} "
            f"at byte offset {error.start}; save the file as CSV UTF-8 and import it again",
            line,
        ) from None
    text = text.removeprefix("\ufeff")
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise _reject(
            "the file contains NUL characters, so it is not a text CSV file; save it as CSV UTF-8", line
        )
    return text


def _records(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(first physical line, cells) per CSV record, blank lines skipped."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    previous = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error:
            raise _reject(
                f"line {previous + 1} cannot be read as CSV: check its double quotes (a quoted value must "
                'end with a quote, and a quote inside a value is written as two quotes ""); a single value '
                "also cannot be longer than 131,072 characters",
                previous + 1,
            ) from None
        line, previous = previous + 1, reader.line_num
        if any(cell.strip() for cell in cells):
            yield line, cells


def _canonical(name: str) -> str:
    return name.strip().lower()


def _known(name: str) -> bool:
    name = _canonical(name)
    return name in CSV_COLUMNS or (name.startswith(CUSTOM_PREFIX) and len(name) > len(CUSTOM_PREFIX))


def _delimiter(text: str) -> str:
    """Comma, or the semicolon/tab a spreadsheet in another locale wrote, judged by the header line."""
    first = re.split(r"\r\n|\r|\n", text, maxsplit=1)[0]
    best, best_known = ",", 0
    for candidate in (",", ";", "\t"):
        try:
            header = next(csv.reader([first], delimiter=candidate))
        except (csv.Error, StopIteration):
            continue
        known = sum(_known(name) for name in header)
        if known > best_known:
            best, best_known = candidate, known
    return best


def _header(line: int, cells: list[str]) -> list[_Column]:
    problems: list[str] = []
    columns: list[_Column] = []
    seen: dict[str, str] = {}
    unknown: list[str] = []
    for position, cell in enumerate(cells, start=1):
        header = cell.strip().removeprefix("\ufeff")
        lowered = header.lower()
        if not header:
            problems.append(f"column {position} of the header has no name; name it or delete the column")
            continue
        if lowered.startswith(CUSTOM_PREFIX):
            key = header[len(CUSTOM_PREFIX) :].strip()
            if not key:
                problems.append(f"the header {_quote(header)} needs a field name after 'custom.'")
                continue
            column = _Column(header, key, "custom")
            identity = CUSTOM_PREFIX + key
        elif lowered in IMPORT_COLUMNS:
            column = _Column(header, lowered, "field")
            identity = lowered
        elif lowered in READ_ONLY_COLUMNS:
            column = _Column(header, lowered, "read_only")
            identity = lowered
        else:
            unknown.append(header)
            continue
        if identity in seen:
            problems.append(f"the header has the column {_quote(header)} twice")
            continue
        seen[identity] = header
        columns.append(column)
    if unknown:
        described = []
        for header in unknown:
            close = difflib.get_close_matches(header.lower(), CSV_COLUMNS, n=1)
            described.append(_quote(header) + (f" (did you mean '{close[0]}'?)" if close else ""))
        problems.append(
            f"unknown column{'s' if len(unknown) > 1 else ''} {', '.join(described)}. The accepted "
            f"columns are {', '.join(CSV_COLUMNS)}, and custom.<name> for your own fields"
        )
    for required in REQUIRED_COLUMNS:
        if required not in seen:
            problems.append(f"the header has no '{required}' column; it is required")
    if problems:
        raise ImportRejected([RowError(line, None, problem) for problem in problems])
    return columns


def _unescape(value: str) -> str:
    """Undo the export's formula protection: "'=SUM(1)" reads as "=SUM(1)", "''=x" as "'=x"."""
    if value[:1] == "'" and needs_protection(value[1:]):
        return value[1:].strip()
    return value


def _company_facts(row: _RowModel) -> _CompanyFacts | None:
    domain = row.company_domain.lower() if row.company_domain else None
    if domain:
        key = ("domain", domain)
    elif row.company:
        key = ("name", row.company.lower())
    else:
        return None
    return _CompanyFacts(
        key=key,
        name=row.company or (domain or "")[:200],  # Company.name holds 200 characters, a domain 253
        domain=domain,
        industry=row.industry,
        country=row.country,
        employees=row.employees,
    )


_LEAD_FIELDS = (
    "first_name",
    "last_name",
    "title",
    "persona",
    "phone",
    "language",
    "source",
    "needs",
    "topics",
    "unsubscribed",
    "bounced",
)


def _check_row(parsed: _Parsed, line: int, cells: list[str], first_seen: dict[str, int]) -> None:
    columns = parsed.columns
    if len(cells) != len(columns):
        parsed.fail(
            line,
            None,
            f"this line has {len(cells)} value{'s' if len(cells) != 1 else ''} but the header has "
            f"{len(columns)} columns; check for a missing or extra separator or an unquoted comma",
        )
        return
    values: dict[str, str] = {}
    custom: dict[str, str] = {}
    headers = parsed.headers
    for column, cell in zip(columns, cells, strict=True):
        if column.kind == "read_only":
            continue
        value = _unescape(cell.strip())
        if not value:
            continue
        if column.kind == "custom":
            custom[column.name] = value
        else:
            values[column.name] = value
    row: _RowModel | None = None
    email: str | None = None
    owner_email: str | None = None
    try:
        row = _RowModel.model_validate(values)
        email, owner_email = row.email, row.owner_email
    except ValidationError as invalid:
        bad_fields = set()
        for error in invalid.errors(include_url=False):
            name = str(error["loc"][0])
            bad_fields.add(name)
            parsed.fail(line, headers.get(name, name), _error_message(error, values.get(name)))
        if "email" not in bad_fields:
            email = normalise_email(values["email"])
        if "owner_email" not in bad_fields and values.get("owner_email"):
            owner_email = normalise_email(values["owner_email"])
    if email is not None:
        first = first_seen.setdefault(email, line)
        if first != line:
            parsed.fail(
                line,
                headers["email"],
                f"{_quote(email)} appears twice in the file: it is also on line {first}",
            )
    company = _company_facts(row) if row is not None else None
    if row is not None and company is None:
        for name in FIRMOGRAPHICS:
            if getattr(row, name) is not None:
                parsed.fail(
                    line, headers[name], f"{name} is given but the line has no company or company_domain"
                )
    lead: _LeadRow | None = None
    if row is not None and email is not None and line not in parsed.bad_lines:
        fields = {name: getattr(row, name) for name in _LEAD_FIELDS}
        fields["custom_fields"] = custom
        lead = _LeadRow(line=line, email=email, fields=fields, company=company, owner_email=owner_email)
    parsed.rows.append(_Checked(line=line, email=email, owner_email=owner_email, lead=lead))


def _parse(data: bytes, max_bytes: int) -> _Parsed:
    """Everything that can be checked without the database. Raises ImportRejected for file-level problems."""
    text = _decode(data, max_bytes)
    records = _records(text, _delimiter(text))
    first = next(records, None)
    if first is None:
        raise _reject(
            "the file is empty; it needs a header line (with an email column) and one line per lead"
        )
    columns = _header(*first)
    parsed = _Parsed(columns, {column.name: column.header for column in columns if column.kind == "field"})
    first_seen: dict[str, int] = {}
    for line, cells in records:
        _check_row(parsed, line, cells, first_seen)
    if not parsed.rows:
        raise _reject("the file has a header but no rows; add one line per lead below the header")
    return parsed


# --- database checks -----------------------------------------------------------------------------------


async def _existing_emails(session: AsyncSession, tenant_id: str, emails: Iterable[str]) -> set[str]:
    # Every writer stores lead e-mails lower-cased, so the (tenant_id, email) unique index answers this.
    found: set[str] = set()
    for chunk in batches(sorted(set(emails)), LOOKUP_CHUNK):
        statement = select(Lead.email).where(Lead.tenant_id == tenant_id, col(Lead.email).in_(chunk))
        found.update(await session.exec(statement))
    return found


@dataclass(frozen=True, slots=True)
class _Owner:
    id: uuid.UUID
    team_id: uuid.UUID | None
    active: bool


async def _members(session: AsyncSession, tenant_id: str, emails: Iterable[str]) -> dict[str, _Owner]:
    """Members of this tenant by lower-cased e-mail; an active one wins over an inactive namesake."""
    members: dict[str, _Owner] = {}
    for chunk in batches(sorted(set(emails)), LOOKUP_CHUNK):
        statement = select(Member.email, Member.id, Member.team_id, Member.active).where(
            Member.tenant_id == tenant_id, func.lower(Member.email).in_(chunk)
        )
        for email, member_id, team_id, active in await session.exec(statement):
            key = email.lower()
            if key not in members or (active and not members[key].active):
                members[key] = _Owner(member_id, team_id, active)
    return members


async def _check_against_database(
    session: AsyncSession, tenant_id: str, parsed: _Parsed
) -> dict[str, _Owner]:
    """Flag e-mails that already exist and owners who are not active members; return the members found."""
    email_header, owner_header = parsed.headers["email"], parsed.headers.get("owner_email")
    existing = await _existing_emails(session, tenant_id, (r.email for r in parsed.rows if r.email))
    members = await _members(session, tenant_id, (r.owner_email for r in parsed.rows if r.owner_email))
    for row in parsed.rows:
        if row.email in existing:
            parsed.fail(
                row.line, email_header, f"a lead with the e-mail address {_quote(row.email)} already exists"
            )
        if row.owner_email:
            owner = members.get(row.owner_email)
            if owner is None:
                message = "no team member in Nurture has this e-mail address"
            elif not owner.active:
                message = "this team member is deactivated"
            else:
                continue
            parsed.fail(row.line, owner_header, f"unknown owner {_quote(row.owner_email)}: {message}")
    return members


# --- writing -------------------------------------------------------------------------------------------


def _table(model: type[SQLModel]) -> Table:
    # Core inserts: one executemany per batch. The ORM's bulk path inserts row by row for these models.
    table = getattr(model, "__table__", None)
    if not isinstance(table, Table):  # pragma: no cover - every table model has one
        raise TypeError(f"{model.__name__} is not a table model")
    return table


async def _existing_companies(
    session: AsyncSession, tenant_id: str, keys: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], Company]:
    """The tenant's companies by lower-cased domain or name; the oldest wins when several match."""
    found: dict[tuple[str, str], Company] = {}
    for kind, column in (("domain", Company.domain), ("name", Company.name)):
        wanted = sorted(value for key_kind, value in keys if key_kind == kind)
        for chunk in batches(wanted, LOOKUP_CHUNK):
            statement = (
                select(Company)
                .where(Company.tenant_id == tenant_id, func.lower(col(column)).in_(chunk))
                .order_by(col(Company.created_at), col(Company.id))
            )
            for company in await session.exec(statement):
                value = (company.domain if kind == "domain" else company.name) or ""
                found.setdefault((kind, value.lower()), company)
    return found


async def _companies(
    session: AsyncSession, tenant_id: str, rows: Sequence[_LeadRow], now: datetime
) -> dict[tuple[str, str], uuid.UUID]:
    """Company id per company key: the tenant's existing company (gaps filled), else a new one."""
    facts: dict[tuple[str, str], _CompanyFacts] = {}  # the first line naming each company
    for row in rows:
        if row.company is not None:
            facts.setdefault(row.company.key, row.company)
    if not facts:
        return {}
    found = await _existing_companies(session, tenant_id, list(facts))
    targets: dict[tuple[str, str], Company | dict[str, Any]] = {}
    inserts: list[dict[str, Any]] = []
    new_by_name: dict[str, dict[str, Any]] = {}
    # Companies with a domain first, so a line naming only "Acme" finds the Acme created from a domain.
    for key in sorted(facts, key=lambda key: key[0] != "domain"):
        fact = facts[key]
        if key in found:
            targets[key] = found[key]
        elif key[0] == "name" and key[1] in new_by_name:
            targets[key] = new_by_name[key[1]]
        else:
            company: dict[str, Any] = {
                "id": uuid.uuid4(),
                "tenant_id": tenant_id,
                "name": fact.name,
                "domain": fact.domain,
                "annual_revenue_eur": None,
                "created_at": now,
                **dict.fromkeys(FIRMOGRAPHICS),
            }
            inserts.append(company)
            targets[key] = company
            new_by_name.setdefault(fact.name.lower(), company)
    # Firmographics fill gaps (company_facts), and the first line naming a value wins.
    for row in rows:
        if row.company is None:
            continue
        target = targets[row.company.key]
        offered = {name: getattr(row.company, name) for name in FIRMOGRAPHICS}
        if isinstance(target, Company):
            for name, value in gaps_filled({n: getattr(target, n) for n in FIRMOGRAPHICS}, offered).items():
                setattr(target, name, value)
        else:
            target.update(gaps_filled(target, offered))
    await session.flush()
    for chunk in batches(inserts, BATCH_SIZE):
        await session.exec(insert(_table(Company)), params=list(chunk))
    return {
        key: target.id if isinstance(target, Company) else target["id"] for key, target in targets.items()
    }


async def _write(
    session: AsyncSession,
    tenant_id: str,
    rows: Sequence[_LeadRow],
    members: dict[str, _Owner],
    now: datetime,
    progress: Callable[[int, int], None] | None,
) -> list[uuid.UUID]:
    total = len(rows)
    if progress is not None:
        progress(0, total)
    await session.flush()  # whatever the caller added goes first (foreign keys)
    companies = await _companies(session, tenant_id, rows, now)
    # One template from the model, so every column default the model declares is applied. Columns that
    # default to NULL are left out and stay NULL, as with an ORM insert.
    blank = Lead(tenant_id=tenant_id, email="", created_at=now, updated_at=now).model_dump()
    template = {name: value for name, value in blank.items() if value is not None}
    template.update(stage=BuyerStage.AWARENESS, lifecycle=Lifecycle.NEW, score_explanation=[])
    lead_ids: list[uuid.UUID] = []
    done = 0
    for batch in batches(rows, BATCH_SIZE):
        leads: list[dict[str, Any]] = []
        changes: list[dict[str, Any]] = []
        for row in batch:
            owner = members[row.owner_email] if row.owner_email else None
            lead_id = uuid.uuid4()
            lead = dict(template)
            lead.update(row.fields)
            lead.update(
                id=lead_id,
                email=row.email,
                company_id=companies[row.company.key] if row.company else None,
                owner_id=owner.id if owner else None,
                team_id=owner.team_id if owner else None,
            )
            leads.append(lead)
            lead_ids.append(lead_id)
            if owner is not None:
                changes.append(
                    {
                        "id": uuid.uuid4(),
                        "tenant_id": tenant_id,
                        "lead_id": lead_id,
                        "from_member_id": None,
                        "to_member_id": owner.id,
                        "changed_by": None,
                        "method": AssignmentMethod.IMPORT,
                        "reason": "CSV import",
                        "changed_at": now,
                    }
                )
        await session.exec(insert(_table(Lead)), params=leads)
        if changes:
            await session.exec(insert(_table(OwnershipChange)), params=changes)
        done += len(batch)
        if progress is not None:
            progress(done, total)
    return lead_ids


async def import_leads_csv(
    *,
    session: AsyncSession,
    tenant_id: str,
    data: bytes,
    now: datetime,
    max_bytes: int,
    skip_invalid: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Import leads from CSV bytes into one tenant; all or nothing unless ``skip_invalid``.

    Raises ImportRejected, having written nothing, for any problem with the file as a whole, and for
    any problem with a row unless ``skip_invalid`` is set; then the valid rows are imported and the
    rest are reported. ``progress(done, total)`` is called before the first and after every batch.
    """
    parsed = await asyncio.to_thread(_parse, data, max_bytes)
    members = await _check_against_database(session, tenant_id, parsed)
    order = {column.header: index for index, column in enumerate(parsed.columns)}
    errors = tuple(sorted(parsed.errors, key=lambda error: (error.line, order.get(error.column or "", -1))))
    if errors and not skip_invalid:
        raise ImportRejected(errors)
    rows = [row.lead for row in parsed.rows if row.lead is not None and row.line not in parsed.bad_lines]
    try:
        lead_ids = await _write(session, tenant_id, rows, members, now, progress)
    except IntegrityError:
        # Checked a moment ago; someone else added one of these leads (or removed a member) meanwhile.
        raise _reject(
            "the leads changed while this file was being imported (another import or a colleague added "
            "some of the same leads); nothing was imported, please import the file again"
        ) from None
    return ImportReport(
        imported=len(lead_ids),
        skipped=len(parsed.bad_lines),
        errors=errors,
        lead_ids=tuple(lead_ids),
    )
