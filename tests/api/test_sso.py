"""Teams SSO tokens: what the API accepts and what it refuses, with the real validation code over TLS."""

from __future__ import annotations

import base64
import json

from pytest_aiohttp import AiohttpClient

from app.config import Settings
from app.db import SessionMaker
from app.server import create_app
from tests.api.conftest import APP_ID_URI, CLIENT_ID, Api
from tests.doubles.identity import SigningKey
from tests.factories import T0, make_org


async def _me(api: Api, token: str | None, scheme: str = "Bearer") -> int:
    headers = {"Authorization": f"{scheme} {token}"} if token is not None else {}
    response = await api.client.get("/api/v1/me", headers=headers)
    return response.status


async def test_v2_and_v1_tokens_both_sign_in(api: Api) -> None:
    rep = api.org.reps[0]
    status, body = await api.call("GET", "/api/v1/me", rep)
    assert status == 200 and body["member"]["email"] == rep.email and body["tenant_id"] == api.org.tenant_id
    v1 = api.token(rep, version="1.0", audience=APP_ID_URI)
    assert await _me(api, v1) == 200


async def test_bad_tokens_get_401_and_never_500(api: Api) -> None:
    rep = api.org.reps[0]
    assert rep.aad_object_id is not None
    other_app = api.identity.token(tenant_id="someone-else", object_id=rep.aad_object_id, audience="x")
    forged = api.token(rep, key=SigningKey(kid=api.identity.keys[0].kid))  # right kid, wrong private key
    unknown_key = api.token(rep, key=SigningKey())
    header, payload, signature = api.token(rep).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["oid"] = api.org.admin.aad_object_id
    tampered_payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    cases = {
        "no header": None,
        "garbage": "not-a-jwt",
        "wrong audience": api.token(rep, audience="api://someone-else"),
        "expired": api.token(rep, lifetime=-3600),
        "missing scope": api.token(rep, scope="User.Read"),
        "other tenant's issuer": api.token(rep, iss=api.identity.issuer_v2("another-tenant")),
        "forged signature": forged,
        "unpublished key": unknown_key,
        "tampered payload": f"{header}.{tampered_payload}.{signature}",
        "another app in another tenant": other_app,
    }
    for name, token in cases.items():
        assert await _me(api, token) == 401, name
    response = await api.client.get("/api/v1/me")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert await response.json() == {"error": "unauthorized"}


async def test_a_rotated_signing_key_is_picked_up(api: Api) -> None:
    fresh = api.identity.rotate()
    try:
        assert await _me(api, api.token(api.org.reps[0], key=fresh)) == 200
    finally:
        api.identity.keys.remove(fresh)


async def test_unknown_people_and_the_dev_scheme_are_refused_when_entra_is_configured(api: Api) -> None:
    stranger = api.identity.token(
        tenant_id=api.org.tenant_id,
        object_id="not-a-member",
        audience=CLIENT_ID,
    )
    assert await _me(api, stranger) == 403
    assert await _me(api, f"{api.org.tenant_id} {api.org.admin.email}", scheme="Dev") == 401


async def test_dev_sign_in_works_in_local_mode_from_loopback(
    aiohttp_client: AiohttpClient, database_url: str, sessions: SessionMaker
) -> None:
    org = await make_org(sessions, now=T0)
    client = await aiohttp_client(
        create_app(Settings(database_url=database_url, scheduler_enabled=False, dispatcher_enabled=False))
    )
    ok = await client.get("/api/v1/me", headers={"Authorization": f"Dev {org.tenant_id} {org.reps[0].email}"})
    assert ok.status == 200
    assert (await ok.json())["member"]["email"] == org.reps[0].email
    nobody = await client.get("/api/v1/me", headers={"Authorization": f"Dev {org.tenant_id} ghost@x.example"})
    assert nobody.status == 403
    bearer = await client.get("/api/v1/me", headers={"Authorization": "Bearer anything"})
    assert bearer.status == 401
