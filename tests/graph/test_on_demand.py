"""Opening a lead in the tab pulls the viewer's mail with that lead through Graph, on their behalf."""

from __future__ import annotations

from datetime import timedelta

from pytest_aiohttp import AiohttpClient
from sqlmodel import func, select

from app.db import SessionMaker
from app.models import ConversationMessage
from app.server import create_app
from tests.doubles.graph import GraphDouble
from tests.doubles.identity import IdentityDouble
from tests.factories import T0, make_lead, make_org
from tests.graph.support import CLIENT_ID, graph_settings

LEAD = "dana@fabrik.example"
NOW = T0 + timedelta(days=20)


async def test_opening_a_lead_syncs_once_then_stays_fresh_and_consent_is_explained(
    aiohttp_client: AiohttpClient,
    database_url: str,
    sessions: SessionMaker,
    identity: IdentityDouble,
    graph: GraphDouble,
) -> None:
    org = await make_org(sessions)
    rep, other = org.reps[0], org.reps[1]
    lead_id = await make_lead(sessions, org, email=LEAD, owner=rep)
    graph.add_user(rep.aad_object_id or "", mail=rep.email, tenant_id=org.tenant_id)
    for n in range(3):
        graph.add_message(rep.aad_object_id or "", subject=f"Re {n}", sender=LEAD, to=[rep.email])
    settings = graph_settings(
        identity,
        graph,
        database_url=database_url,
        scheduler_enabled=False,
        dispatcher_enabled=False,
        sso_jwks_url=identity.jwks_url,
        sso_issuers=f"{identity.base_url}/{{tid}}/v2.0",
    )
    client = await aiohttp_client(create_app(settings, clock=lambda: NOW))

    def bearer(member_object_id: str) -> dict[str, str]:
        token = identity.token(tenant_id=org.tenant_id, object_id=member_object_id, audience=CLIENT_ID)
        return {"Authorization": f"Bearer {token}"}

    path = f"/api/v1/leads/{lead_id}/history/sync"
    response = await client.post(path, headers=bearer(rep.aad_object_id or ""))
    assert response.status == 200 and await response.json() == {
        "status": "synced",
        "stored": 3,
        "admin_consent_url": None,
        "detail": None,
    }
    response = await client.post(path, headers=bearer(rep.aad_object_id or ""))
    assert (await response.json())["status"] == "fresh", "opened again a minute later: no Graph call"
    async with sessions() as session:
        assert (await session.exec(select(func.count()).select_from(ConversationMessage))).one() == 3
    timeline = await (
        await client.get(f"/api/v1/leads/{lead_id}/timeline", headers=bearer(rep.aad_object_id or ""))
    ).json()
    assert sum(1 for item in timeline["items"] if item["kind"] == "message") == 3
    assert timeline["history"] == {
        "status": "synced",
        "last_synced_at": NOW.isoformat().replace("+00:00", "Z"),
        "admin_consent_url": None,
        "messages": 3,
    }
    message = next(item for item in timeline["items"] if item["kind"] == "message")
    assert message["is_lead_reply"] and message["sender"]["address"] == LEAD
    assert message["thread"]["key"].startswith("AAQk"), "Graph's conversationId is the thread"
    assert message["web_link"].startswith("https://outlook.office365.com/owa/?ItemID=")

    # Another rep may not see this lead, so there is nothing to sync for them.
    assert (await client.post(path, headers=bearer(other.aad_object_id or ""))).status == 404

    identity.withhold_consent(tenant_id=org.tenant_id)
    try:
        lead_person = org.lead_dach
        response = await client.post(path, headers=bearer(lead_person.aad_object_id or ""))
        body = await response.json()
    finally:
        identity.restore_consent(tenant_id=org.tenant_id)
    assert response.status == 403 and body["status"] == "consent_required"
    assert body["admin_consent_url"].startswith(f"{identity.base_url}/{org.tenant_id}/adminconsent")
    assert "Traceback" not in str(body)

    # The lead page says so without asking Graph again, until a sync in the tenant succeeds.
    async def history(member_object_id: str) -> dict[str, object]:
        response = await client.get(
            f"/api/v1/leads/{lead_id}/timeline?filter=mail", headers=bearer(member_object_id)
        )
        assert response.status == 200
        state: dict[str, object] = (await response.json())["history"]
        return state

    refused = await history(org.lead_dach.aad_object_id or "")
    assert refused["status"] == "consent_required"
    assert refused["admin_consent_url"] == body["admin_consent_url"]
    # Someone else opens the lead once consent is granted (msal keeps a refused request's answer for a
    # while, so the refused user's own retry would not even reach the identity double).
    admin = org.admin
    assert admin is not None
    graph.add_user(admin.aad_object_id or "", mail=admin.email, tenant_id=org.tenant_id)
    again = await client.post(path, headers=bearer(admin.aad_object_id or ""))
    assert again.status == 200, await again.text()
    granted = await history(org.lead_dach.aad_object_id or "")
    assert granted["status"] == "synced" and granted["admin_consent_url"] is None
