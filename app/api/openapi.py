"""The OpenAPI 3.1 document, generated from the route table and the pydantic models it names."""

from __future__ import annotations

import re
from typing import Any, get_args

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from app.api.routes import ROUTES
from app.api.schemas import ErrorOut, StaleOut
from app.nurturing.enums import BuyerStage, Lifecycle
from app.services import lead_queries, practice_health, timeline
from app.services.admin import RULE_KINDS
from app.services.lead_queries import LeadSort

_ERRORS = {
    "401": "No valid Teams SSO token",
    "403": "Not a member, or the role may not do this",
    "404": "Not found in this tenant (or not visible to the caller)",
    "400": "Malformed or invalid input; the details name the field at fault",
    "422": "Well-formed, but a nurturing rule refuses it (an invalid lifecycle move, say)",
}


WEBHOOK_SIGNING = (
    "A tenant API key (nk_...). Also send X-Nurture-Timestamp (Unix seconds) and X-Nurture-Signature: "
    "sha256=<hex HMAC-SHA256 of '<timestamp>.<raw body>', keyed by the part of the key after its second "
    "underscore>. Requests more than 5 minutes old are refused."
)


# OpenAPI links from what an operation creates to what reads and changes it; Schemathesis's stateful phase
# follows them (create a lead, then read, change and assign that lead at the version it was given).
_LEAD_READS = ("get_lead", "get_timeline", "sync_history")
_LEAD_WRITES = (
    "update_lead",
    "post_touchpoint",
    "put_stage",
    "put_lifecycle",
    "post_hand_off",
    "assign_owner",
)
_AT_VERSION = {"version": "$response.body#/version"}
_LINKS: dict[str, dict[str, tuple[str, dict[str, str] | None]]] = {
    "create_lead": {
        **{name: ("$response.body#/id", None) for name in _LEAD_READS},
        **{name: ("$response.body#/id", _AT_VERSION) for name in _LEAD_WRITES},
    },
    "update_lead": {name: ("$response.body#/id", _AT_VERSION) for name in ("update_lead", "put_stage")},
    "post_hand_off": {
        "accept_hand_off": ("$response.body#/id", None),
        "reject_hand_off": ("$response.body#/id", None),
    },
    "post_team": {"patch_team": ("$response.body#/id", None)},
    "create_key": {"revoke_key": ("$response.body#/details/id", None)},
}


def _links(operation_id: str) -> dict[str, Any]:
    links: dict[str, Any] = {}
    for target, (identifier, body) in _LINKS.get(operation_id, {}).items():
        link: dict[str, Any] = {"operationId": target, "parameters": {"id": identifier}}
        if body is not None:
            link["requestBody"] = body  # merged into the generated body
        links[target] = link
    return links


_PATH_SCHEMAS: dict[str, dict[str, Any]] = {
    "id": {"type": "string", "format": "uuid"},
    "key": {"type": "string", "enum": sorted(RULE_KINDS)},  # the rule sets of PUT /settings/rules/{key}
}


_UUID: dict[str, Any] = {"type": "string", "format": "uuid"}
# Only what a handler refuses is constrained here: Schemathesis sends what the document calls invalid and
# expects a refusal, so a value the handler tolerates (an unknown flag reads as false, a limit is clamped)
# is declared as the plain type.
_FLAG: dict[str, Any] = {"type": "string", "description": "true turns it on; anything else leaves it off"}


def _page(largest: int) -> dict[str, dict[str, Any]]:
    return {
        "limit": {"type": "integer", "default": 50, "description": f"Page size, held to 1..{largest}"},
        "cursor": {"type": "string", "description": "next_cursor of the page before"},
    }


# The query parameters each operation reads, so a generated client types them as the handlers parse them.
_QUERY: dict[str, dict[str, dict[str, Any]]] = {
    "get_leads": {
        "lifecycle": {"type": "string", "enum": [value.value for value in Lifecycle]},
        "stage": {"type": "string", "enum": [value.value for value in BuyerStage]},
        "owner": _UUID,
        "team": _UUID,
        "unassigned": _FLAG,
        "q": {"type": "string", "description": "Part of the name, e-mail or company"},
        "sort": {"type": "string", "enum": list(get_args(LeadSort))},
        **_page(lead_queries.MAX_PAGE),
    },
    "get_follow_ups": {
        "scope": {"type": "string", "enum": ["mine", "team", "lead"]},
        "lead": {"type": "string", "description": "With scope=lead: the lead's id"},
    },
    "get_timeline": {
        "filter": {"type": "string", "enum": ["all", "mail", "chat", "activity"], "default": "all"},
        "thread": {"type": "string", "maxLength": 300, "description": "Only the messages of this thread"},
        **_page(timeline.MAX_PAGE),
    },
    "get_pipeline": {
        "since": {"type": "string", "description": "Start of the range: an ISO 8601 date or moment"},
        "until": {"type": "string", "description": "End of the range: an ISO 8601 date or moment"},
        "team": _UUID,
        "owner": _UUID,
    },
    "get_practice_health": {
        "days": {
            "type": "integer",
            "minimum": 1,
            "maximum": practice_health.MAX_DAYS,
            "default": practice_health.DEFAULT_DAYS,
        }
    },
    "import_leads": {"skip_invalid": _FLAG},
}


# Request headers an operation reads besides authentication, and the further answers they lead to.
_HEADERS: dict[str, dict[str, dict[str, Any]]] = {
    "receive_events": {
        "Prefer": {
            "type": "string",
            "description": "respond-async (RFC 7240): answer 202 once the events are stored; their leads "
            "are re-scored and re-planned shortly after, not before the answer",
        }
    },
}
_DEFERRED: dict[str, str] = {
    "receive_events": "Stored, not yet applied to their leads (Prefer: respond-async); the same counts",
}


def _json_body(model: type[BaseModel]) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}}


def build_openapi(version: str = "0.1.0") -> dict[str, Any]:
    """Describe every /api/v1 route; request and response bodies come from the models themselves."""
    models: set[type[BaseModel]] = {ErrorOut, StaleOut}
    for route in ROUTES:
        models.update(m for m in (route.body, route.response) if m is not None)
    _, schema = models_json_schema(
        [(model, "validation") for model in sorted(models, key=lambda m: m.__name__)],
        ref_template="#/components/schemas/{model}",
    )
    paths: dict[str, dict[str, Any]] = {}
    for route in ROUTES:
        parameters = [
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": _PATH_SCHEMAS.get(name, {"type": "string"}),
            }
            for name in re.findall(r"{(\w+)}", route.path)
        ]
        parameters += [
            {"name": name, "in": "query", "required": False, "schema": schema}
            for name, schema in _QUERY.get(route.handler.__name__, {}).items()
        ]
        parameters += [
            {"name": name, "in": "header", "required": False, "schema": schema}
            for name, schema in _HEADERS.get(route.handler.__name__, {}).items()
        ]
        responses: dict[str, Any] = {
            str(route.status): {
                "description": route.summary,
                "content": _json_body(route.response) if route.response else {},
            }
        }
        if deferred := _DEFERRED.get(route.handler.__name__):
            responses["202"] = {
                "description": deferred,
                "headers": {"Preference-Applied": {"schema": {"type": "string", "const": "respond-async"}}},
                "content": responses[str(route.status)]["content"],
            }
        if links := _links(route.handler.__name__):
            responses[str(route.status)]["links"] = links
        for status, text in _ERRORS.items():
            responses[status] = {
                "description": text,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
            }
        if route.errors_as_response:
            responses["400"] = {
                "description": "Rejected: the problems, line by line",
                "content": responses[str(route.status)]["content"],
            }
        if route.method == "PATCH" or "version" in (route.body.model_fields if route.body else {}):
            # Either the lead changed since the caller read it, or its state no longer allows the action.
            stale_or_conflict = {
                "anyOf": [
                    {"$ref": "#/components/schemas/StaleOut"},
                    {"$ref": "#/components/schemas/ErrorOut"},
                ]
            }
            responses["409"] = {
                "description": "The lead changed since the caller read it, or its state does not allow this",
                "content": {"application/json": {"schema": stale_or_conflict}},
            }
        operation: dict[str, Any] = {
            "summary": route.summary,
            "description": f"Allowed: {route.roles}.",
            "operationId": route.handler.__name__,
            "parameters": parameters,
            "responses": responses,
            "security": [{route.security: []}],
        }
        if route.body is not None:
            operation["requestBody"] = {"required": True, "content": _json_body(route.body)}
        paths.setdefault(route.path, {})[route.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "Nurture API", "version": version, "description": "Leads, owners and follow-ups."},
        "paths": paths,
        "components": {
            "schemas": schema.get("$defs", {}),
            "securitySchemes": {
                "teamsSso": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "The Teams SSO token from microsoftTeams.authentication.getAuthToken",
                },
                "webhookKey": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": WEBHOOK_SIGNING,
                },
            },
        },
    }
