"""Which column fills which field: a preset, the user's own choices, or our own column names."""

from __future__ import annotations

import difflib
from collections.abc import Mapping as MappingOf
from collections.abc import Sequence
from dataclasses import dataclass

from app.importing.fields import (
    CSV_COLUMNS,
    CUSTOM_PREFIX,
    IGNORE,
    READ_ONLY_COLUMNS,
    REQUIRED_FIELDS,
    TARGET_FIELDS,
)
from app.importing.presets import PRESETS, Preset, detect
from app.importing.values import fold, shown


class MappingProblem(ValueError):
    """The mapping cannot be used; every problem is listed, all concern the header (line 1)."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = tuple(problems)


@dataclass(frozen=True, slots=True)
class Column:
    """One column of the file and the field it fills."""

    index: int
    header: str
    target: str  # a field of TARGET_FIELDS, "custom.<name>" or "ignore"
    origin: str  # "preset", "map", "own" (our own column name), "keep" (--keep-unmapped) or "none"


@dataclass(frozen=True, slots=True)
class Mapping:
    """The whole header, mapped; ``preset`` is None for our own layout or a mapping given by hand."""

    preset: Preset | None
    columns: tuple[Column, ...]

    def used(self) -> tuple[Column, ...]:
        """The columns that fill a field."""
        return tuple(column for column in self.columns if column.target != IGNORE)

    def header_of(self, target: str) -> str | None:
        """The file's header for a field, for messages."""
        for column in self.columns:
            if column.target == target:
                return column.header
        return None


def parse_map_option(text: str) -> tuple[str, str]:
    """'Source column=field' as given on the command line or in the API, split at the last '='."""
    source, separator, target = text.rpartition("=")
    if not separator or not source.strip() or not target.strip():
        raise MappingProblem([f"{shown(text)} is not a mapping; write it as 'Source column=field'"])
    return source.strip(), target.strip()


def _target_problem(target: str) -> str | None:
    if target in TARGET_FIELDS or target == IGNORE:
        return None
    if target.lower().startswith(CUSTOM_PREFIX):
        return (
            None if target[len(CUSTOM_PREFIX) :].strip() else f"{shown(target)} needs a name after 'custom.'"
        )
    choices = (*TARGET_FIELDS, IGNORE)
    close = difflib.get_close_matches(target.lower(), choices, n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return (
        f"{shown(target)} is not a field{hint}. The fields are {', '.join(choices)}, and custom.<name> for "
        "your own fields"
    )


def _own(header: str) -> str | None:
    """The target of one of our own column names, as our export writes them."""
    lowered = header.lower()
    if lowered.startswith(CUSTOM_PREFIX):
        return (
            CUSTOM_PREFIX + header[len(CUSTOM_PREFIX) :].strip()
            if header[len(CUSTOM_PREFIX) :].strip()
            else None
        )
    if lowered in READ_ONLY_COLUMNS:
        return IGNORE
    if lowered in {"owner_email", "owner"}:
        return "owner"
    if lowered in CSV_COLUMNS:
        return lowered
    return None


def _canonical_target(target: str) -> str:
    if target.lower().startswith(CUSTOM_PREFIX):
        return CUSTOM_PREFIX + target[len(CUSTOM_PREFIX) :].strip()
    return "owner" if target == "owner_email" else target


def build_mapping(
    header: Sequence[str],
    *,
    preset_name: str | None = None,
    explicit: MappingOf[str, str] | None = None,
    keep_unmapped: bool = False,
) -> Mapping:
    """Map a header: explicit choices first, then the preset (named or recognised), then our own names."""
    problems: list[str] = []
    names = [cell.strip() for cell in header]
    explicit = dict(explicit or {})
    by_name: dict[str, int] = {}
    for index, name in enumerate(names):
        by_name.setdefault(fold(name), index)
    chosen: dict[int, str] = {}
    for source, target in explicit.items():
        problem = _target_problem(target)
        if problem is not None:
            problems.append(f"the mapping {shown(source + '=' + target)}: {problem}")
            if fold(source) in by_name:
                chosen[by_name[fold(source)]] = IGNORE  # named already; not also an unknown column
            continue
        found = by_name.get(fold(source))
        if found is None:
            listed = ", ".join(shown(name) for name in names if name)
            problems.append(
                f"the mapping names the column {shown(source)}, but the file has no such column "
                f"(its columns are {listed})"
            )
            continue
        chosen[found] = _canonical_target(target)

    preset: Preset | None = None
    if preset_name is not None:
        preset = PRESETS.get(preset_name.lower())
        if preset is None:
            problems.append(f"there is no preset {shown(preset_name)}; the presets are {', '.join(PRESETS)}")
    elif not all(_own(name) is not None for name in names if name):
        preset = detect(names)

    columns: list[Column] = []
    unknown: list[str] = []
    for index, name in enumerate(names):
        if index in chosen:
            columns.append(Column(index, name, chosen[index], "map"))
            continue
        if not name:
            if preset is None and not keep_unmapped:
                problems.append(f"column {index + 1} of the header has no name; name it or delete the column")
            columns.append(Column(index, name, IGNORE, "none"))
            continue
        vendor = preset.target(name) if preset is not None else None
        if vendor is not None:
            columns.append(Column(index, name, _canonical_target(vendor), "preset"))
            continue
        own = _own(name)
        if own is not None:
            columns.append(Column(index, name, own, "own"))
        elif keep_unmapped:
            columns.append(Column(index, name, CUSTOM_PREFIX + name, "keep"))
        elif preset is not None:
            columns.append(Column(index, name, IGNORE, "none"))
        else:
            unknown.append(name)
    if unknown:
        described = []
        for name in unknown:
            close = difflib.get_close_matches(name.lower(), CSV_COLUMNS, n=1)
            described.append(shown(name) + (f" (did you mean '{close[0]}'?)" if close else ""))
        problems.append(
            f"unknown column{'s' if len(unknown) > 1 else ''} {', '.join(described)}. Map "
            f"{'them' if len(unknown) > 1 else 'it'} to a field ('Source column=field'), choose a preset, or "
            f"keep unmapped columns as custom fields. The fields are {', '.join(TARGET_FIELDS)}"
        )
    seen: dict[str, str] = {}
    for position, column in enumerate(columns):
        if column.target == IGNORE:
            continue
        key = column.target.lower()
        if key in seen and column.origin == "preset":
            # A preset lists alternatives (a mobile and a business phone): the first column present wins.
            columns[position] = Column(column.index, column.header, IGNORE, "preset")
            continue
        if key in seen and column.origin == "own" and fold(seen[key]) == fold(column.header):
            problems.append(f"the header has the column {shown(column.header)} twice")
        elif key in seen:
            problems.append(
                f"the columns {shown(seen[key])} and {shown(column.header)} both fill "
                f"{shown(column.target)}; map one of them to another field or to 'ignore'"
            )
        else:
            seen[key] = column.header
    for required in REQUIRED_FIELDS:
        if required not in seen and not any("email" in p for p in problems):
            problems.append(
                f"the header has no '{required}' column and no column is mapped to it; it is required"
            )
    if problems:
        raise MappingProblem(problems)
    return Mapping(preset=preset, columns=tuple(columns))
