"""Importing leads from a file: a thin service over ``app.importing`` that writes in batches as it reads.

The file streams through in batches of ``BATCH_SIZE`` lines. For each batch:

1. ``app.importing`` (pure, run in a worker thread) reads and checks the lines against the mapping.
2. Owners are found among the tenant's members (by e-mail or display name), and leads that already exist
   are found by e-mail, in one query per batch, always filtered by tenant.
3. Unless this is a dry run, new leads are inserted and existing ones updated (matched by e-mail), with
   their companies and ownership audit rows, as long as no line so far had a problem.

Any problem in a line makes the import refuse the whole file (``ImportRejected``) after every line has
been checked, and the caller's transaction then rolls back what earlier batches wrote: all or nothing,
while memory stays flat as the file grows. ``skip_invalid`` imports the good lines instead. A dry run
checks everything and writes nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import uuid
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, BinaryIO

from sqlalchemy import Table, bindparam, insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel, col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.importing.fields import CSV_COLUMNS, CUSTOM_PREFIX, IMPORT_COLUMNS, READ_ONLY_COLUMNS
from app.importing.mapping import Mapping, MappingProblem, build_mapping
from app.importing.reading import FileProblem, Sheet, open_sheet
from app.importing.validator import FIRMOGRAPHICS, Checked, CompanyFacts, LeadRow, Problem, check_row
from app.importing.validator import needs_protection as needs_protection
from app.importing.values import shown
from app.models import Company, Lead, Member, OwnershipChange
from app.nurturing.enums import AssignmentMethod, BuyerStage, Lifecycle, Role
from app.services.access import Caller
from app.services.batches import batches
from app.services.company_facts import gaps_filled
from app.services.errors import InvalidInput

__all__ = [
    "CSV_COLUMNS",
    "CUSTOM_PREFIX",
    "IMPORT_COLUMNS",
    "READ_ONLY_COLUMNS",
    "ImportOptions",
    "ImportRejected",
    "ImportReport",
    "RowError",
    "import_leads",
    "import_leads_csv",
    "needs_protection",
]

BATCH_SIZE = 1000
"""Lines per batch: read, checked, looked up and written together."""
LOOKUP_CHUNK = 500
"""Values per ``IN (...)`` list when looking up existing rows."""
MAX_REPORTED = 1000
"""Problems kept for the report; past that they are only counted, so a bad big file stays small."""

RowError = Problem
"""One problem: ``line`` is the line in the file (the header is line 1), ``column`` its header."""


@dataclass(frozen=True, slots=True)
class ImportOptions:
    """How to read the file: a preset, explicit 'Source column' -> field choices, and what to do."""

    preset: str | None = None
    mapping: dict[str, str] = field(default_factory=dict)
    keep_unmapped: bool = False
    dry_run: bool = False
    skip_invalid: bool = False


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What was (or, in a dry run, would be) done, and how the file was read."""

    created: int
    updated: int
    skipped: int  # lines not imported because they had problems
    errors: tuple[RowError, ...]
    more_errors: int  # problems past MAX_REPORTED, counted only
    dry_run: bool
    kind: str  # "csv" or "xlsx"
    encoding: str | None
    separator: str | None
    preset: str | None
    preset_label: str | None
    mapping: tuple[tuple[str, str], ...]  # (header as written, field or "ignore"), in file order
    lead_ids: tuple[uuid.UUID, ...] = ()  # only from import_leads_csv, for callers that score afterwards

    @property
    def imported(self) -> int:
        """Leads written (created or updated); 0 in a dry run."""
        return 0 if self.dry_run else self.created + self.updated


class ImportRejected(InvalidInput):
    """Nothing was written; ``errors`` says why, line by line, and ``header`` lists the file's columns so
    a caller can offer to map them."""

    code = "import_rejected"

    def __init__(
        self,
        errors: Sequence[RowError],
        *,
        header: Sequence[str] = (),
        report: ImportReport | None = None,
    ) -> None:
        super().__init__(f"lead import rejected with {len(errors)} problem(s)")
        self.errors: tuple[RowError, ...] = tuple(errors)
        self.header = tuple(header)
        self.report = report


def _reject(message: str, line: int = 1, header: Sequence[str] = ()) -> ImportRejected:
    return ImportRejected([RowError(line, None, message)], header=header)


# --- owners --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Owner:
    id: uuid.UUID
    team_id: uuid.UUID | None
    active: bool
    email: str
    name: str


def _name_key(name: str) -> str:
    return " ".join(name.casefold().split())


class _Owners:
    """The tenant's members, found by e-mail or display name. A team is small next to a lead file, so all
    of them are loaded once; matching in Python also folds non-ASCII case, which SQLite's lower() does
    not."""

    def __init__(self, members: Sequence[_Owner]) -> None:
        self.by_email: dict[str, list[_Owner]] = {}
        self.by_name: dict[str, list[_Owner]] = {}
        for member in members:
            self.by_email.setdefault(member.email, []).append(member)
            self.by_name.setdefault(_name_key(member.name), []).append(member)

    @classmethod
    async def load(cls, session: AsyncSession, tenant_id: str) -> _Owners:
        members = await session.exec(select(Member).where(Member.tenant_id == tenant_id))
        return cls([_Owner(m.id, m.team_id, m.active, m.email.lower(), m.display_name) for m in members])

    def find(self, value: str) -> _Owner | str:
        """The active member this value names, or why there is none."""
        if "@" in value:
            found = self.by_email.get(value.lower(), [])
            active = [member for member in found if member.active]
            if active:
                return active[0]
            if found:
                return f"unknown owner {shown(value)}: this team member is deactivated"
            return f"unknown owner {shown(value)}: no team member in Nurture has this e-mail address"
        found = self.by_name.get(_name_key(value), [])
        active = [member for member in found if member.active]
        if len(active) == 1:
            return active[0]
        if len(active) > 1:
            addresses = ", ".join(sorted(member.email for member in active))
            return (
                f"the owner name {shown(value)} is ambiguous: {len(active)} team members are called that "
                f"({addresses}); name the owner by e-mail address instead"
            )
        if found:
            return f"unknown owner {shown(value)}: this team member is deactivated"
        return f"unknown owner {shown(value)}: no team member in Nurture has this name or e-mail address"


# --- reading in batches --------------------------------------------------------------------------------


def _header(sheet: Sheet) -> tuple[int, list[str]]:
    first = next(sheet.rows, None)
    if first is None:
        raise FileProblem(
            "the file is empty; it needs a header line (with an e-mail column) and one line per lead"
        )
    line, cells = first
    if sheet.kind == "xlsx":
        while cells and not cells[-1].strip():
            cells.pop()
    return line, cells


def _batch(rows: Iterator[tuple[int, list[str]]], mapping: Mapping, width_free: bool) -> list[Checked]:
    checked: list[Checked] = []
    for line, cells in rows:
        checked.append(check_row(mapping, line, cells, width_free=width_free))
        if len(checked) >= BATCH_SIZE:
            break
    return checked


def _fingerprint(email: str) -> int:
    # 8 bytes per address instead of the address itself: the one thing kept for every line, to find an
    # address that appears twice. A collision of two different addresses is about 1 in 10^14 per pair.
    return int.from_bytes(hashlib.blake2b(email.encode(), digest_size=8).digest(), "big")


@dataclass(slots=True)
class _Existing:
    id: uuid.UUID
    owner_id: uuid.UUID | None
    team_id: uuid.UUID | None
    custom_fields: dict[str, Any]


async def _existing_leads(
    session: AsyncSession, tenant_id: str, emails: Sequence[str], with_custom: bool
) -> dict[str, _Existing]:
    # Every writer stores lead e-mails lower-cased, so the (tenant_id, email) unique index answers this.
    found: dict[str, _Existing] = {}
    for start in range(0, len(emails), LOOKUP_CHUNK):
        chunk = emails[start : start + LOOKUP_CHUNK]
        statement = select(Lead.email, Lead.id, Lead.owner_id, Lead.team_id).where(
            Lead.tenant_id == tenant_id, col(Lead.email).in_(chunk)
        )
        for email, lead_id, owner_id, team_id in await session.exec(statement):
            found[email] = _Existing(lead_id, owner_id, team_id, {})
        if not with_custom:
            continue  # custom fields are read only to merge new ones into them
        customs = select(Lead.email, Lead.custom_fields).where(
            Lead.tenant_id == tenant_id, col(Lead.email).in_(chunk)
        )
        for email, custom in await session.exec(customs):
            found[email].custom_fields = dict(custom or {})
    return found


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
    session: AsyncSession, tenant_id: str, rows: Sequence[LeadRow], now: datetime
) -> dict[tuple[str, str], uuid.UUID]:
    """Company id per company key: the tenant's existing company (gaps filled), else a new one."""
    facts: dict[tuple[str, str], CompanyFacts] = {}  # the first line naming each company
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
    # Firmographics fill gaps, the first line naming a value wins, and what the tenant already knows
    # about a company is never overwritten.
    for row in rows:
        if row.company is None:
            continue
        target = targets[row.company.key]
        known = (
            {name: getattr(target, name) for name in FIRMOGRAPHICS} if isinstance(target, Company) else target
        )
        offered = {name: getattr(row.company, name) for name in FIRMOGRAPHICS}
        for name, value in gaps_filled(known, offered).items():
            if isinstance(target, Company):
                setattr(target, name, value)
            else:
                target[name] = value
    await session.flush()
    for chunk in batches(inserts, BATCH_SIZE):
        await session.exec(insert(_table(Company)), params=list(chunk))
    return {
        key: target.id if isinstance(target, Company) else target["id"] for key, target in targets.items()
    }


_INSERT_DEFAULTS: dict[str, Any] = {
    "first_name": "",
    "last_name": "",
    "title": None,
    "persona": None,
    "phone": None,
    "language": "en",
    "source": None,
    "needs": None,
    "topics": [],
    "unsubscribed": False,
    "bounced": False,
    "company_id": None,
}


def _ownership_change(
    tenant_id: str, lead_id: uuid.UUID, before: uuid.UUID | None, after: uuid.UUID, now: datetime
) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "tenant_id": tenant_id,
        "lead_id": lead_id,
        "from_member_id": before,
        "to_member_id": after,
        "changed_by": None,
        "method": AssignmentMethod.IMPORT,
        "reason": "import",
        "changed_at": now,
    }


async def _write(
    session: AsyncSession,
    tenant_id: str,
    rows: Sequence[tuple[LeadRow, _Owner | None]],
    existing: dict[str, _Existing],
    now: datetime,
) -> list[uuid.UUID]:
    """Insert the new leads and update the known ones of one batch; returns their ids."""
    await session.flush()  # whatever the caller added goes first (foreign keys)
    companies = await _companies(session, tenant_id, [row for row, _ in rows], now)
    # One template from the model, so every column default the model declares is applied. Columns that
    # default to NULL are left out and stay NULL, as with an ORM insert.
    blank = Lead(tenant_id=tenant_id, email="", created_at=now, updated_at=now).model_dump()
    template = {name: value for name, value in blank.items() if value is not None}
    template.update(stage=BuyerStage.AWARENESS, lifecycle=Lifecycle.NEW, score_explanation=[])
    # An executemany binds the keys of its first row to every row, so each new lead names every column.
    template.update(_INSERT_DEFAULTS)
    inserts: list[dict[str, Any]] = []
    updates: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    changes: list[dict[str, Any]] = []
    ids: list[uuid.UUID] = []
    for row, owner in rows:
        known = existing.get(row.email)
        values: dict[str, Any] = dict(row.fields)
        if row.company is not None:
            values["company_id"] = companies[row.company.key]
        if row.lifecycle is not None:
            values["lifecycle"] = row.lifecycle
        if known is None:
            lead_id = uuid.uuid4()
            lead = dict(template)
            lead.update(values)
            lead.update(
                id=lead_id,
                email=row.email,
                custom_fields=row.custom,
                owner_id=owner.id if owner else None,
                team_id=owner.team_id if owner else None,
            )
            inserts.append(lead)
            if owner is not None:
                changes.append(_ownership_change(tenant_id, lead_id, None, owner.id, now))
        else:
            lead_id = known.id
            if row.custom:
                values["custom_fields"] = {**known.custom_fields, **row.custom}
            if owner is not None and owner.id != known.owner_id:
                values.update(owner_id=owner.id, team_id=owner.team_id)
                changes.append(_ownership_change(tenant_id, lead_id, known.owner_id, owner.id, now))
            values.update(b_id=lead_id, updated_at=now)
            updates.setdefault(tuple(sorted(values)), []).append(values)
        ids.append(lead_id)
    table = _table(Lead)
    if inserts:
        await session.exec(insert(table), params=inserts)
    for names, params in updates.items():
        # One executemany per set of columns given; the version moves so open tabs see the change.
        statement = (
            table.update()
            .where(table.c.id == bindparam("b_id"), table.c.tenant_id == tenant_id)
            .values(
                {name: bindparam("v_" + name, type_=table.c[name].type) for name in names if name != "b_id"}
                | {"version": table.c.version + 1}
            )
        )
        await session.exec(statement, params=[_rename(param) for param in params])
    if changes:
        await session.exec(insert(_table(OwnershipChange)), params=changes)
    return ids


def _rename(values: dict[str, Any]) -> dict[str, Any]:
    # SQLAlchemy reserves a column's own name for its SET clause, so the bound values carry a prefix.
    return {name if name == "b_id" else "v_" + name: value for name, value in values.items()}


# --- the use case --------------------------------------------------------------------------------------


async def import_leads(
    *,
    session: AsyncSession,
    tenant_id: str,
    stream: BinaryIO,
    now: datetime,
    max_bytes: int,
    options: ImportOptions | None = None,
    progress: Callable[[int, int], None] | None = None,
    after_batch: Callable[[list[uuid.UUID]], Awaitable[None]] | None = None,
    actor: Caller | None = None,
) -> ImportReport:
    """Import (or with ``dry_run`` only check) the leads of a CSV or XLSX file into one tenant.

    Raises ImportRejected for a problem with the file or its mapping, and, unless ``skip_invalid`` or
    ``dry_run``, for a problem in any line; then what this call wrote must be rolled back by the caller.
    ``progress(done, total)`` counts bytes (CSV) or rows (workbook); ``after_batch`` gets the ids of
    the leads each batch wrote, for scoring within the same transaction. A team lead as ``actor`` may
    update only the leads of their own team and the unassigned ones; ``None`` is the operator's CLI.
    """
    options = options or ImportOptions()
    header: list[str] = []
    try:
        sheet = await asyncio.to_thread(open_sheet, stream, max_bytes=max_bytes)
        _, header = await asyncio.to_thread(_header, sheet)
        mapping = build_mapping(
            header, preset_name=options.preset, explicit=options.mapping, keep_unmapped=options.keep_unmapped
        )
    except FileProblem as problem:
        raise _reject(problem.message, problem.line, header) from None
    except MappingProblem as problem:
        sheet.rows.close()  # type: ignore[attr-defined]  # a generator: lets go of the file now
        raise ImportRejected([RowError(1, None, text) for text in problem.problems], header=header) from None
    owners = await _Owners.load(session, tenant_id)
    seen: dict[int, int] = {}
    errors: list[RowError] = []
    error_count = 0
    bad_lines = 0
    created = updated = lines = 0
    writing = not options.dry_run
    width_free = sheet.kind == "xlsx"

    def fail(problem: RowError) -> None:
        nonlocal error_count
        error_count += 1
        if len(errors) < MAX_REPORTED:
            errors.append(problem)

    if progress is not None:
        progress(0, sheet.size)
    while True:
        try:
            batch = await asyncio.to_thread(_batch, sheet.rows, mapping, width_free)
        except FileProblem as problem:
            raise _reject(problem.message, problem.line, header) from None
        if not batch:
            break
        lines += len(batch)
        good: list[tuple[LeadRow, _Owner | None]] = []
        for checked in batch:
            problems = list(checked.problems)
            if checked.email is not None:
                first = seen.setdefault(_fingerprint(checked.email), checked.line)
                if first != checked.line:
                    problems.append(
                        RowError(
                            checked.line,
                            mapping.header_of("email"),
                            f"{shown(checked.email)} appears twice in the file: it is also on line {first}",
                        )
                    )
            owner: _Owner | None = None
            if checked.row is not None and checked.row.owner is not None:
                found = owners.find(checked.row.owner)
                if isinstance(found, str):
                    problems.append(RowError(checked.line, mapping.header_of("owner"), found))
                else:
                    owner = found
            if problems:
                bad_lines += 1
                for each in problems:
                    fail(each)
            elif checked.row is not None:
                good.append((checked.row, owner))
        existing = await _existing_leads(
            session, tenant_id, sorted({row.email for row, _ in good}), any(row.custom for row, _ in good)
        )
        if actor is not None and actor.role is Role.LEAD:
            allowed: list[tuple[LeadRow, _Owner | None]] = []
            for row, owner in good:
                known = existing.get(row.email)
                if known is not None and known.owner_id is not None and known.team_id != actor.team_id:
                    bad_lines += 1
                    fail(
                        RowError(
                            row.line,
                            mapping.header_of("email"),
                            f"the lead {shown(row.email)} belongs to another team; a team lead updates only "
                            "their own team's leads and unassigned ones",
                        )
                    )
                else:
                    allowed.append((row, owner))
            good = allowed
        updated += sum(row.email in existing for row, _ in good)
        created += sum(row.email not in existing for row, _ in good)
        if error_count and not options.skip_invalid:
            writing = False  # the file will be refused; keep checking to name every problem
        if writing and good:
            try:
                ids = await _write(session, tenant_id, good, existing, now)
            except IntegrityError:
                # Checked a moment ago; someone else added one of these leads (or removed a member) meanwhile.
                raise _reject(
                    "the leads changed while this file was being imported (another import or a colleague "
                    "added some of the same leads); nothing was imported, please import the file again"
                ) from None
            if after_batch is not None:
                await after_batch(ids)
        if progress is not None:
            progress(sheet.position[0], sheet.size)
    if progress is not None:
        progress(sheet.size, sheet.size)
    if lines == 0:
        raise _reject("the file has a header but no rows; add one line per lead below the header", 1, header)
    report = ImportReport(
        created=created,
        updated=updated,
        skipped=bad_lines,
        errors=tuple(errors),
        more_errors=error_count - len(errors),
        dry_run=options.dry_run,
        kind=sheet.kind,
        encoding=sheet.encoding,
        separator=sheet.separator,
        preset=mapping.preset.name if mapping.preset else None,
        preset_label=mapping.preset.label if mapping.preset else None,
        mapping=tuple((column.header, column.target) for column in mapping.columns),
    )
    if error_count and not options.skip_invalid and not options.dry_run:
        raise ImportRejected(errors, header=header, report=report)
    return report


async def import_leads_csv(
    *,
    session: AsyncSession,
    tenant_id: str,
    data: bytes,
    now: datetime,
    max_bytes: int,
    skip_invalid: bool = False,
    options: ImportOptions | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Import a file held in memory; the report carries the written leads' ids, for scoring afterwards."""
    ids: list[uuid.UUID] = []

    async def collect(batch: list[uuid.UUID]) -> None:
        ids.extend(batch)

    if options is None:
        options = ImportOptions(skip_invalid=skip_invalid)
    report = await import_leads(
        session=session,
        tenant_id=tenant_id,
        stream=io.BytesIO(data),
        now=now,
        max_bytes=max_bytes,
        options=options,
        progress=progress,
        after_batch=collect,
    )
    return ImportReport(**{**_fields(report), "lead_ids": tuple(ids)})


def _fields(report: ImportReport) -> dict[str, Any]:
    return {name: getattr(report, name) for name in ImportReport.__dataclass_fields__}
