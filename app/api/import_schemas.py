"""Response bodies of the lead import route."""

from __future__ import annotations

from pydantic import (
    BaseModel,
    Field,
)


class RowErrorOut(BaseModel):
    line: int = Field(description="Physical line in the file; the header is line 1")
    column: str | None
    message: str


class ImportColumnOut(BaseModel):
    column: str = Field(description="The header as written in the file")
    field: str = Field(description="The lead field it fills, custom.<name>, or ignore")


class ImportPresetOut(BaseModel):
    name: str
    label: str


class ImportOut(BaseModel):
    imported: int = Field(description="Leads written, created or updated; 0 in a dry run")
    skipped: int = Field(description="Lines not imported because they have problems")
    errors: list[RowErrorOut]
    created: int = Field(0, description="Leads this file creates (or would create, in a dry run)")
    updated: int = Field(0, description="Existing leads, matched by e-mail, this file updates")
    more_errors: int = Field(0, description="Problems past the first 1,000, counted only")
    dry_run: bool = False
    kind: str | None = Field(None, description="csv or xlsx")
    encoding: str | None = Field(None, description="The text encoding that was detected, for a CSV")
    separator: str | None = Field(None, description="comma, semicolon or tab, for a CSV")
    preset: str | None = Field(None, description="The export layout recognised or chosen")
    mapping: list[ImportColumnOut] = Field(default_factory=list)
    header: list[str] = Field(default_factory=list, description="The file's columns, to map them")
    presets: list[ImportPresetOut] = Field(default_factory=list, description="The layouts to choose from")
    fields: list[str] = Field(default_factory=list, description="The fields a column can be mapped to")
