"""RBAC for every role and endpoint, tenant isolation, optimistic locking and bad input, on both databases."""

from __future__ import annotations

import uuid
from typing import Any

from openapi_spec_validator import validate
from sqlmodel import col, func, select

from app.db import SessionMaker, transaction
from app.models import FollowUp, HandOff, Lead, Member
from app.nurturing.enums import ACTIVE_FOLLOW_UP_STATUSES, Lifecycle
from tests.api.conftest import Api
from tests.factories import T0, make_lead


async def _active_follow_up(sessions: SessionMaker, lead_id: uuid.UUID) -> uuid.UUID:
    async with sessions() as session:
        row = (
            await session.exec(
                select(FollowUp.id).where(
                    FollowUp.lead_id == lead_id, col(FollowUp.status).in_(ACTIVE_FOLLOW_UP_STATUSES)
                )
            )
        ).one()
    return row


async def _proposed_hand_off(sessions: SessionMaker, api: Api, lead_id: uuid.UUID) -> uuid.UUID:
    async with transaction(sessions) as session:
        lead = await session.get(Lead, lead_id)
        assert lead is not None
        lead.lifecycle = Lifecycle.MQL
        hand_off = HandOff(tenant_id=api.org.tenant_id, lead_id=lead_id, proposed_at=T0)
        session.add_all([lead, hand_off])
    return hand_off.id


async def _version(sessions: SessionMaker, lead_id: uuid.UUID) -> int:
    async with sessions() as session:
        lead = await session.get(Lead, lead_id)
        assert lead is not None
        return lead.version


async def _any_key(api: Api) -> str:
    status, body = await api.call("POST", "/api/v1/settings/api-keys", api.org.admin, {"name": "matrix"})
    assert status == 201
    return str(body["details"]["id"])


async def _request_for(
    action: str, api: Api, sessions: SessionMaker, owner: Member, peer: Member
) -> tuple[str, str, Any]:
    """Each action runs against a fresh lead of ``owner`` (with its follow-up and a waiting hand-off)."""
    email = f"matrix-{uuid.uuid4().hex[:8]}@kunde.example"
    lead_id = await make_lead(sessions, api.org, owner=owner, email=email)
    follow_up = await _active_follow_up(sessions, lead_id)
    hand_off = await _proposed_hand_off(sessions, api, lead_id)
    version = await _version(sessions, lead_id)
    one = [str(lead_id)]
    return {
        "read lead": ("GET", f"/api/v1/leads/{lead_id}", None),
        "update lead": ("PATCH", f"/api/v1/leads/{lead_id}", {"version": version, "title": "CTO"}),
        "assign": ("POST", f"/api/v1/leads/{lead_id}/owner", {"member_id": str(peer.id)}),
        "bulk assign": ("POST", "/api/v1/assignments/bulk", {"lead_ids": one, "member_id": str(peer.id)}),
        "round robin": (
            "POST",
            "/api/v1/assignments/round-robin",
            {"lead_ids": one, "team_id": str(peer.team_id)},
        ),
        "complete follow-up": ("POST", f"/api/v1/follow-ups/{follow_up}/complete", {"outcome": "no_answer"}),
        "snooze follow-up": ("POST", f"/api/v1/follow-ups/{follow_up}/snooze", {"preset": "tomorrow"}),
        "team follow-ups": ("GET", "/api/v1/follow-ups?scope=team", None),
        "accept hand-off": ("POST", f"/api/v1/hand-offs/{hand_off}/accept", None),
        "reject hand-off": ("POST", f"/api/v1/hand-offs/{hand_off}/reject", {"reason_code": "no_budget"}),
        "create lead": ("POST", "/api/v1/leads", {"email": f"{uuid.uuid4().hex[:8]}@new.example"}),
        "timeline": ("GET", f"/api/v1/leads/{lead_id}/timeline", None),
        "log touch": ("POST", f"/api/v1/leads/{lead_id}/touchpoints", {"kind": "call", "summary": "hi"}),
        "set stage": (
            "PUT",
            f"/api/v1/leads/{lead_id}/stage",
            {"stage": "decision", "reason": "r", "version": version},
        ),
        "propose hand-off": ("POST", f"/api/v1/leads/{lead_id}/hand-offs", {"note": "n"}),
        "reschedule follow-up": (
            "POST",
            f"/api/v1/follow-ups/{follow_up}/reschedule",
            {"when": "2026-04-01"},
        ),
        "list hand-offs": ("GET", "/api/v1/hand-offs", None),
        "list delivery problems": ("GET", "/api/v1/delivery-problems", None),
        "pipeline": ("GET", "/api/v1/pipeline", None),
        "practice health": ("GET", "/api/v1/health/practice", None),
        "read settings": ("GET", "/api/v1/settings", None),
        "change thresholds": ("PUT", "/api/v1/settings/rules/thresholds", {"document": {"mql_score": 45}}),
        "list members": ("GET", "/api/v1/members", None),
        "update member": ("PATCH", f"/api/v1/members/{peer.id}", {"capacity": 90}),
        "create team": ("POST", "/api/v1/teams", {"name": f"Team {uuid.uuid4().hex[:6]}"}),
        "erase lead": ("POST", "/api/v1/leads/erase", {"email": email}),
        "update team": (
            "PATCH",
            f"/api/v1/teams/{peer.team_id}",
            {"pipeline_channel_id": "19:x@thread.tacv2"},
        ),
        "create api key": ("POST", "/api/v1/settings/api-keys", {"name": "crm"}),
        "list api keys": ("GET", "/api/v1/settings/api-keys", None),
        "import csv": (
            "POST",
            "/api/v1/leads/import",
            f"email\n{uuid.uuid4().hex[:8]}@csv.example\n".encode(),
        ),
        "export csv": ("GET", "/api/v1/leads/export", None),
        "me": ("GET", "/api/v1/me", None),
        "list leads": ("GET", "/api/v1/leads", None),
        "my follow-ups": ("GET", "/api/v1/follow-ups", None),
        "move lifecycle": (
            "PUT",
            f"/api/v1/leads/{lead_id}/lifecycle",
            {"lifecycle": "sal", "version": version},
        ),
        "replace content": ("PUT", "/api/v1/settings/content", {"items": []}),
        "replace routing": ("PUT", "/api/v1/settings/routing", {"rules": []}),
        "revoke api key": ("DELETE", f"/api/v1/settings/api-keys/{await _any_key(api)}", None),
    }[action]


# action -> the roles allowed; every other role is refused with 403, or 404 where it may not even see the lead
ALLOWED: dict[str, set[str]] = {
    "read lead": {"owner", "team lead", "manager", "admin"},
    "update lead": {"owner", "team lead", "admin"},
    "assign": {"team lead", "admin"},
    "bulk assign": {"team lead", "admin"},
    "round robin": {"team lead", "admin"},
    "complete follow-up": {"owner", "team lead", "admin"},
    "snooze follow-up": {"owner", "team lead", "admin"},
    "team follow-ups": {"team lead", "other team lead", "manager", "admin"},
    "accept hand-off": {"team lead", "admin"},
    "reject hand-off": {"team lead", "admin"},
    "create lead": {"owner", "peer rep", "team lead", "other team lead", "admin"},
    "timeline": {"owner", "team lead", "manager", "admin"},
    "log touch": {"owner", "team lead", "admin"},
    "set stage": {"owner", "team lead", "admin"},
    "propose hand-off": {"owner", "team lead", "admin"},
    "reschedule follow-up": {"owner", "team lead", "admin"},
    "list hand-offs": {"team lead", "other team lead", "manager", "admin"},
    "list delivery problems": {"team lead", "other team lead", "manager", "admin"},
    "pipeline": {"team lead", "other team lead", "manager", "admin"},
    "practice health": {"manager", "admin"},
    "read settings": {"manager", "admin"},
    "change thresholds": {"admin"},
    "list members": {"owner", "peer rep", "team lead", "other team lead", "manager", "admin"},
    "update member": {"admin"},
    "create team": {"admin"},
    "update team": {"admin"},
    "erase lead": {"admin"},
    "create api key": {"admin"},
    "list api keys": {"admin"},
    "import csv": {"team lead", "other team lead", "admin"},
    "export csv": {"manager", "admin"},
    "me": {"owner", "peer rep", "team lead", "other team lead", "manager", "admin"},
    "list leads": {"owner", "peer rep", "team lead", "other team lead", "manager", "admin"},
    "my follow-ups": {"owner", "peer rep", "team lead", "other team lead", "manager", "admin"},
    "move lifecycle": {"owner", "team lead", "admin"},
    "replace content": {"admin"},
    "replace routing": {"admin"},
    "revoke api key": {"admin"},
}
# Webhooks are authorised by API keys, not roles; tests/api/test_webhooks.py covers them.


async def test_rbac_matrix(api: Api, sessions: SessionMaker) -> None:
    org = api.org
    owner, peer = org.reps[0], org.reps[1]
    roles: dict[str, Member] = {
        "owner": owner,
        "peer rep": peer,
        "team lead": org.lead_dach,
        "other team lead": org.lead_uk,
        "manager": org.manager,
        "admin": org.admin,
    }
    for action, allowed in ALLOWED.items():
        for role, member in roles.items():
            method, path, body = await _request_for(action, api, sessions, owner, peer)
            if isinstance(body, bytes):  # the CSV import takes the file itself as the body
                raw = await api.client.post(
                    path, data=body, headers={**api.headers(member), "Content-Type": "text/csv"}
                )
                status, response = raw.status, await raw.json()
            elif action == "export csv":
                raw = await api.client.get(path, headers=api.headers(member))
                status = raw.status
                response = await raw.json() if raw.content_type == "application/json" else await raw.text()
            else:
                status, response = await api.call(method, path, member, body)
            if role in allowed:
                assert status in (200, 201), f"{role} should be allowed to {action}: {status} {response}"
            else:
                assert (status, response) in (
                    (403, {"error": "not_allowed"}),
                    (404, {"error": "not_found"}),
                ), f"{role} must not {action}: {status} {response}"


async def test_tenant_b_never_sees_tenant_a(api: Api, sessions: SessionMaker) -> None:
    from tests.factories import make_org

    other = await make_org(sessions)
    lead_id = await make_lead(sessions, api.org, email="secret@kunde.example", owner=api.org.reps[0])
    follow_up = await _active_follow_up(sessions, lead_id)
    admin_b = other.admin
    assert admin_b is not None
    status, page = await api.call("GET", "/api/v1/leads", admin_b)
    assert status == 200 and page["items"] == []
    status, page = await api.call("GET", "/api/v1/leads?q=secret", admin_b)
    assert status == 200 and page["items"] == []
    assert (await api.call("GET", f"/api/v1/leads/{lead_id}", admin_b))[0] == 404
    assert (await api.call("PATCH", f"/api/v1/leads/{lead_id}", admin_b, {"version": 1}))[0] == 404
    assert (await api.call("POST", f"/api/v1/follow-ups/{follow_up}/snooze", admin_b, {"preset": "1h"}))[
        0
    ] == 404
    status, body = await api.call("GET", "/api/v1/follow-ups?scope=team", admin_b)
    assert status == 200 and body["items"] == []
    assert (await api.call("GET", f"/api/v1/leads/{lead_id}/timeline", admin_b))[0] == 404
    export = await api.client.get("/api/v1/leads/export", headers=api.headers(admin_b))
    assert export.status == 200 and "secret@kunde.example" not in await export.text()
    status, page = await api.call("GET", "/api/v1/leads?q=secret", api.org.admin)
    assert [item["email"] for item in page["items"]] == ["secret@kunde.example"]
    export = await api.client.get("/api/v1/leads/export", headers=api.headers(api.org.admin))
    assert "secret@kunde.example" in await export.text()


async def test_a_stale_update_gets_409_with_the_current_state(api: Api, sessions: SessionMaker) -> None:
    rep = api.org.reps[0]
    lead_id = await make_lead(sessions, api.org, owner=rep)
    version = await _version(sessions, lead_id)
    status, body = await api.call(
        "PATCH", f"/api/v1/leads/{lead_id}", rep, {"version": version, "title": "Head of Ops"}
    )
    assert status == 200 and body["version"] == version + 1
    status, body = await api.call(
        "PATCH", f"/api/v1/leads/{lead_id}", rep, {"version": version, "title": "CEO"}
    )
    assert status == 409
    assert body["error"] == "stale_version"
    assert body["current"]["title"] == "Head of Ops" and body["current"]["version"] == version + 1


async def test_paging_visits_every_visible_lead_once(api: Api, sessions: SessionMaker) -> None:
    for _ in range(7):
        await make_lead(sessions, api.org, owner=api.org.reps[0])
    await make_lead(sessions, api.org, owner=api.org.reps[1])
    seen: list[str] = []
    cursor = None
    while True:
        path = "/api/v1/leads?limit=3" + (f"&cursor={cursor}" if cursor else "")
        status, page = await api.call("GET", path, api.org.reps[0])
        assert status == 200
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 7, "a rep pages through exactly their own leads"
    assert (await api.call("GET", "/api/v1/leads?cursor=%%%", api.org.reps[0]))[0] == 400


async def test_bad_input_fails_cleanly(api: Api, sessions: SessionMaker) -> None:
    rep = api.org.reps[0]
    response = await api.client.post("/api/v1/leads", data="{not json", headers=api.headers(rep))
    assert response.status == 400 and (await response.json())["error"] == "malformed_json"
    status, body = await api.call("POST", "/api/v1/leads", rep, {"email": "not-an-address"})
    assert status == 400 and body["error"] == "invalid_input" and body["details"][0]["field"] == "email"
    status, body = await api.call(
        "POST", "/api/v1/assignments/bulk", api.org.admin, {"lead_ids": [], "member_id": "x"}
    )
    assert status == 400
    status, body = await api.call("GET", "/api/v1/leads?lifecycle=bogus", rep)
    assert status == 400 and body["error"] == "invalid_input" and "lifecycle" in body["message"]
    assert (await api.call("GET", "/api/v1/leads/not-a-uuid", rep))[0] == 404
    status, body = await api.call(
        "POST", f"/api/v1/follow-ups/{uuid.uuid4()}/complete", rep, {"outcome": "maybe"}
    )
    assert status == 400 and body["details"][0]["field"] == "outcome"
    huge = {"email": "big@kunde.example", "needs": "x" * (2 * 1024 * 1024)}
    response = await api.client.post("/api/v1/leads", json=huge, headers=api.headers(rep))
    assert response.status == 413
    async with sessions() as session:
        assert (await session.exec(select(func.count()).select_from(Lead))).one() == 0, (
            "failed requests wrote nothing"
        )


async def test_the_openapi_document_is_valid_and_complete(api: Api) -> None:
    response = await api.client.get("/api/v1/openapi.json")
    assert response.status == 200
    document = await response.json()
    validate(document)
    assert document["openapi"] == "3.1.0"
    assert (
        "/api/v1/leads/{id}" in document["paths"]
        and "409" in document["paths"]["/api/v1/leads/{id}"]["patch"]["responses"]
    )
    routes = {
        (route.method, resource.canonical)
        for resource in api.client.app.router.resources()
        for route in resource
    }
    documented = {(method.upper(), path) for path, item in document["paths"].items() for method in item}
    assert {
        r for r in routes if r[1].startswith("/api/v1/") and r[1] != "/api/v1/openapi.json" and r[0] != "HEAD"
    } == documented
