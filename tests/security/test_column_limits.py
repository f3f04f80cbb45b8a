"""Every request model states the limits of the columns it is stored in, so the database never has to
refuse a value the API accepted (which once stored a refused update and broke a tenant's lead list)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel
from sqlalchemy import String, Text
from sqlmodel import SQLModel

from app.api.routes import ROUTES
from app.api.schemas import AssignIn, BulkAssignIn, CompleteIn, LifecycleIn, RejectIn, TouchpointIn
from app.api.settings_schemas import ContentItemIn
from app.models import (
    Company,
    ContentItemRow,
    EngagementEvent,
    FollowUp,
    HandOff,
    Lead,
    LeadCreate,
    LeadUpdate,
    Member,
    OwnershipChange,
    RoutingRuleRow,
    Team,
    TeamBase,
    TeamUpdate,
    Touchpoint,
)
from app.services.admin import MemberUpdate, RoutingRuleIn
from app.services.events import EventIn

# Request models and the table each writes; a field named like a column is stored in that column.
WRITERS: tuple[tuple[type[BaseModel], type[SQLModel]], ...] = (
    (LeadCreate, Lead),
    (LeadUpdate, Lead),
    (TeamBase, Team),
    (TeamUpdate, Team),
    (MemberUpdate, Member),
    (EventIn, EngagementEvent),
    (ContentItemIn, ContentItemRow),
    (RoutingRuleIn, RoutingRuleRow),
)
# Fields stored under another name, or in another table.
STORED_AS: dict[tuple[type[BaseModel], str], Any] = {
    (LeadCreate, "company_name"): Company.__table__.c.name,  # type: ignore[attr-defined]
    (LeadCreate, "company_domain"): Company.__table__.c.domain,  # type: ignore[attr-defined]
    (LeadCreate, "industry"): Company.__table__.c.industry,  # type: ignore[attr-defined]
    (LeadCreate, "country"): Company.__table__.c.country,  # type: ignore[attr-defined]
    (LeadCreate, "owner_email"): Member.__table__.c.email,  # type: ignore[attr-defined]
    (ContentItemIn, "id"): ContentItemRow.__table__.c.key,  # type: ignore[attr-defined]
    (AssignIn, "reason"): OwnershipChange.__table__.c.reason,  # type: ignore[attr-defined]
    (BulkAssignIn, "reason"): OwnershipChange.__table__.c.reason,  # type: ignore[attr-defined]
    (RejectIn, "note"): HandOff.__table__.c.reason,  # type: ignore[attr-defined]
    (LifecycleIn, "reason"): Lead.__table__.c.recycle_reason,  # type: ignore[attr-defined]
    (CompleteIn, "note"): FollowUp.__table__.c.note,  # type: ignore[attr-defined]
    (TouchpointIn, "summary"): Touchpoint.__table__.c.summary,  # type: ignore[attr-defined]
    (MemberUpdate, "time_zone"): Member.__table__.c.time_zone,  # type: ignore[attr-defined]
}
# Free-form documents that the engine's own types validate (unknown keys refused); the body size and
# nesting limits bound them.
ENGINE_DOCUMENTS = {("RulesIn", "document")}


def _request_models() -> list[type[BaseModel]]:
    found: dict[str, type[BaseModel]] = {}
    for route in ROUTES:
        if route.body is not None:
            found[route.body.__name__] = route.body
    return sorted(found.values(), key=lambda model: model.__name__)


def _unbounded(node: Any, defs: dict[str, Any], path: str, seen: frozenset[str]) -> list[str]:
    """Paths in a JSON schema where a string, list or map has no upper size, or anything goes."""
    if not isinstance(node, dict):
        return []
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        return [] if name in seen else _unbounded(defs[name], defs, path, seen | {name})
    found: list[str] = []
    for key in ("anyOf", "oneOf", "allOf"):
        for option in node.get(key, []):
            found += _unbounded(option, defs, path, seen)
    kind = node.get("type")
    if not node or (
        kind is None and not any(k in node for k in ("anyOf", "oneOf", "allOf", "enum", "const"))
    ):
        found.append(f"{path}: any value")
    if kind == "string" and "maxLength" not in node and "enum" not in node and "const" not in node:
        if node.get("format") not in ("uuid", "date", "date-time") and "pattern" not in node:
            found.append(f"{path}: string without maxLength")
    if kind == "array":
        if "maxItems" not in node:
            found.append(f"{path}: list without maxItems")
        found += _unbounded(node.get("items", {}), defs, f"{path}[]", seen)
    if kind == "object":
        extra = node.get("additionalProperties")
        if extra not in (None, False):
            if "maxProperties" not in node:
                found.append(f"{path}: map without maxProperties")
            if "maxLength" not in node.get("propertyNames", {}):
                found.append(f"{path}{{key}}: key without maxLength")
            found += _unbounded(extra, defs, f"{path}{{}}", seen)
        for name, child in node.get("properties", {}).items():
            if (node.get("title"), name) in ENGINE_DOCUMENTS:
                continue
            found += _unbounded(child, defs, f"{path}.{name}", seen)
    return found


@pytest.mark.parametrize("model", _request_models(), ids=lambda model: model.__name__)
def test_every_request_model_bounds_every_string_list_and_map(model: type[BaseModel]) -> None:
    schema = model.model_json_schema(mode="validation")
    assert _unbounded(schema, schema.get("$defs", {}), model.__name__, frozenset()) == []


def _limit(model: type[BaseModel], name: str) -> int | None:
    """The longest string the field accepts: its maxLength, or its longest enum value."""
    document = model.model_json_schema(mode="validation")
    schema = document["properties"][name]
    limits = []
    for option in schema.get("anyOf", [schema]):
        if "$ref" in option:
            option = document["$defs"][option["$ref"].rsplit("/", 1)[-1]]
        if "enum" in option:
            limits.append(max(len(str(value)) for value in option["enum"]))
        elif option.get("type") == "string" and "maxLength" in option:
            limits.append(option["maxLength"])
    return max(limits) if limits else None


def _is_string(column: Any) -> bool:
    # SQLModel's AutoString wraps a VARCHAR; enums are stored as VARCHAR too.
    return isinstance(column.type, String) or isinstance(getattr(column.type, "impl", None), String)


def _stored_strings() -> list[tuple[type[BaseModel], str, Any]]:
    pairs: list[tuple[type[BaseModel], str, Any]] = []
    for model, table in WRITERS:
        columns = table.__table__.c  # type: ignore[attr-defined]
        for name in model.model_fields:
            if name in columns and _is_string(columns[name]):
                pairs.append((model, name, columns[name]))
    pairs += [(model, name, column) for (model, name), column in STORED_AS.items()]
    return pairs


@pytest.mark.parametrize(
    ("model", "name", "column"),
    _stored_strings(),
    ids=lambda value: value.__name__ if isinstance(value, type) else str(value),
)
def test_each_stored_string_is_limited_to_its_column(model: type[BaseModel], name: str, column: Any) -> None:
    limit = _limit(model, name)
    assert limit is not None, f"{model.__name__}.{name} has no maxLength"
    if not isinstance(column.type, Text):
        assert limit <= column.type.length, (
            f"{model.__name__}.{name} allows {limit}, {column} holds {column.type.length}"
        )


def test_the_walk_covers_every_string_column_a_request_writes() -> None:
    covered = {(model, name) for model, name, _ in _stored_strings()}
    assert (LeadUpdate, "first_name") in covered and (LeadUpdate, "language") in covered
    assert (LeadUpdate, "phone") in covered and (LeadCreate, "owner_email") in covered
    assert len(covered) >= 30
