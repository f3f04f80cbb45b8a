"""One row of a mapped file checked: every problem named with its column, the valid values typed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from email_validator import EmailNotValidError
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from pydantic_core import PydanticCustomError

from app.importing import values
from app.importing.fields import CUSTOM_PREFIX, IGNORE
from app.importing.mapping import Mapping
from app.importing.values import BadValue, shown
from app.nurturing.enums import Lifecycle

LANGUAGES = ("en", "de")
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet treat a cell as a formula (OWASP CSV injection)."""
FIRMOGRAPHICS = ("industry", "country", "employees")
LEAD_COLUMNS = (
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
"""Lead table columns a row can set."""


def needs_protection(value: str) -> bool:
    """Whether a spreadsheet could run this cell as a formula, or it already looks protected."""
    return value[:1] in FORMULA_TRIGGERS or (value[:1] == "'" and value[1:2] in FORMULA_TRIGGERS)


def unescape(value: str) -> str:
    """Undo the export's formula protection: "'=SUM(1)" reads as "=SUM(1)", "''=x" as "'=x"."""
    if value[:1] == "'" and needs_protection(value[1:]):
        return value[1:].strip()
    return value


def _problem(message: str) -> PydanticCustomError:
    # The message goes in through the context so braces in a user's value are never read as a template.
    return PydanticCustomError("nurture", "{message}", {"message": message})


def _through(convert: Callable[[str], Any]) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        try:
            return convert(value)
        except BadValue as bad:
            raise _problem(str(bad)) from None

    return check


def _email(value: str) -> str:
    try:
        return values.normalise_email(value)
    except EmailNotValidError as error:
        raise _problem(f"{shown(value)} is not a valid e-mail address. {error}") from None


def _language(value: str) -> str:
    language = value.lower()[:2] if value.lower()[:3] in {"en-", "de-", "en_", "de_"} else value.lower()
    if language in {"english", "englisch"}:
        language = "en"
    if language in {"german", "deutsch"}:
        language = "de"
    if language not in LANGUAGES:
        raise _problem(f"{shown(value)} is not a supported language; use one of: {', '.join(LANGUAGES)}")
    return language


def _topics(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    topics: list[str] = []
    for part in value.split(";"):
        topic = part.strip()
        if topic and topic not in topics:
            topics.append(topic)
    return topics


def _domain(value: str) -> str:
    # Websites arrive as URLs ("https://www.acme.example/de"); the company key is the bare host.
    text = value.strip().lower()
    for prefix in ("https://", "http://"):
        text = text.removeprefix(prefix)
    text = text.split("/", 1)[0].removeprefix("www.")
    return text


class RowModel(BaseModel):
    """One line after empty cells are dropped; field names are the mapping's targets."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    email: Annotated[str, AfterValidator(_email)]
    first_name: str | None = Field(None, max_length=100)
    last_name: str | None = Field(None, max_length=100)
    title: str | None = Field(None, max_length=200)
    persona: str | None = Field(None, max_length=60)
    phone: str | None = Field(None, max_length=40)
    language: Annotated[str, AfterValidator(_language)] | None = None
    source: str | None = Field(None, max_length=80)
    needs: str | None = None
    topics: Annotated[list[str], BeforeValidator(_topics)] | None = None
    unsubscribed: Annotated[bool, BeforeValidator(_through(values.flag))] | None = None
    bounced: Annotated[bool, BeforeValidator(_through(values.flag))] | None = None
    company: str | None = Field(None, max_length=200)
    company_domain: Annotated[str, AfterValidator(_domain), Field(max_length=253)] | None = None
    industry: str | None = Field(None, max_length=80)
    country: Annotated[str, BeforeValidator(_through(values.country))] | None = None
    employees: Annotated[int, BeforeValidator(_through(values.employees))] | None = None
    owner: str | None = Field(None, max_length=320)
    lifecycle: str | None = None


@dataclass(frozen=True, slots=True)
class CompanyFacts:
    key: tuple[str, str]  # ("domain", lower domain) or ("name", lower name)
    name: str
    domain: str | None
    industry: str | None
    country: str | None
    employees: int | None


@dataclass(frozen=True, slots=True)
class LeadRow:
    """A valid line: only the fields it gives, so an update leaves the others as they are."""

    line: int
    email: str
    fields: dict[str, Any]
    custom: dict[str, str]
    company: CompanyFacts | None
    owner: str | None  # an e-mail address (lower-cased) or a display name, still to be found
    lifecycle: Lifecycle | None


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem with a line; ``column`` is the header as written in the file."""

    line: int
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class Checked:
    line: int
    email: str | None  # known even when another cell is bad, to find duplicates
    row: LeadRow | None  # None when the line has problems
    problems: tuple[Problem, ...]


def _error_message(error: Any, raw: str | None) -> str:
    kind = error["type"]
    if kind == "nurture":
        return str(error["msg"])
    if kind == "missing":
        return "the e-mail address is empty; every lead needs one"
    quoted = shown(raw or "")
    if kind == "string_too_long":
        return f"{quoted} is too long: at most {error['ctx']['max_length']} characters are allowed"
    return f"{quoted} is not valid here ({error['msg']})"


def _lifecycle(mapping: Mapping, value: str) -> Lifecycle | None:
    if mapping.preset is not None:
        found = mapping.preset.lifecycle(value)
        if found is not None:
            return found
    word = values.fold(value).replace(" ", "_")
    for lifecycle in Lifecycle:
        if word == lifecycle.value:
            return lifecycle
    return None


def _lifecycle_choices(mapping: Mapping) -> str:
    if mapping.preset is not None and mapping.preset.lifecycles:
        return ", ".join(f"'{label}'" for label in mapping.preset.lifecycles)
    return ", ".join(lifecycle.value for lifecycle in Lifecycle)


def _company(row: RowModel) -> CompanyFacts | None:
    domain = row.company_domain or None
    if domain:
        key = ("domain", domain)
    elif row.company:
        key = ("name", row.company.lower())
    else:
        return None
    return CompanyFacts(
        key=key,
        name=row.company or domain[:200] if domain else row.company or "",
        domain=domain,
        industry=row.industry,
        country=row.country,
        employees=row.employees,
    )


def _in_file_order(mapping: Mapping, problems: list[Problem]) -> tuple[Problem, ...]:
    order = {column.header: column.index for column in mapping.columns}
    return tuple(sorted(problems, key=lambda problem: order.get(problem.column or "", -1)))


def check_row(mapping: Mapping, line: int, cells: list[str], *, width_free: bool = False) -> Checked:
    """Validate one data line against the mapping. ``width_free`` pads short rows (workbooks)."""
    width = len(mapping.columns)
    if width_free and len(cells) != width:
        extra = cells[width:]
        if any(cell.strip() for cell in extra):
            message = f"this row has values beyond the {width} columns of the header"
            return Checked(line, None, None, (Problem(line, None, message),))
        cells = (cells + [""] * width)[:width]
    if len(cells) != width:
        message = (
            f"this line has {len(cells)} value{'s' if len(cells) != 1 else ''} but the header has {width} "
            "columns; check for a missing or extra separator or an unquoted separator inside a value"
        )
        return Checked(line, None, None, (Problem(line, None, message),))
    given: dict[str, str] = {}
    custom: dict[str, str] = {}
    for column in mapping.columns:
        if column.target == IGNORE:
            continue
        value = unescape(cells[column.index].strip())
        if not value:
            continue
        if column.target.startswith(CUSTOM_PREFIX):
            custom[column.target[len(CUSTOM_PREFIX) :]] = value
        else:
            given[column.target] = value
    problems: list[Problem] = []
    email: str | None = None
    try:
        row = RowModel.model_validate(given)
    except ValidationError as invalid:
        bad = set()
        for error in invalid.errors(include_url=False):
            name = str(error["loc"][0])
            bad.add(name)
            problems.append(
                Problem(line, mapping.header_of(name) or name, _error_message(error, given.get(name)))
            )
        if "email" not in bad:
            email = values.normalise_email(given["email"])
        return Checked(line, email, None, _in_file_order(mapping, problems))
    email = row.email
    lifecycle: Lifecycle | None = None
    if row.lifecycle is not None:
        lifecycle = _lifecycle(mapping, row.lifecycle)
        if lifecycle is None:
            problems.append(
                Problem(
                    line,
                    mapping.header_of("lifecycle"),
                    f"{shown(row.lifecycle)} is not a lifecycle stage we know; use one of "
                    f"{_lifecycle_choices(mapping)}, or map the column to 'ignore'",
                )
            )
    company = _company(row)
    if company is None:
        for name in FIRMOGRAPHICS:
            if getattr(row, name) is not None:
                problems.append(
                    Problem(
                        line,
                        mapping.header_of(name),
                        f"{name} is given but the line has no company or company_domain",
                    )
                )
    owner = row.owner
    if owner is not None and "@" in owner:
        try:
            owner = values.normalise_email(owner)
        except EmailNotValidError:
            problems.append(
                Problem(
                    line, mapping.header_of("owner"), f"{shown(owner)} is not a valid owner e-mail address"
                )
            )
    if problems:
        return Checked(line, email, None, _in_file_order(mapping, problems))
    fields = {name: getattr(row, name) for name in LEAD_COLUMNS if getattr(row, name) is not None}
    lead = LeadRow(line, email, fields, custom, company, owner, lifecycle)
    return Checked(line, email, lead, ())
