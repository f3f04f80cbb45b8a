"""Admin settings: validated by the engine's own types, admins only, and tenant-scoped."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from app.db import SessionMaker
from app.models import Lead, Member
from tests.api.conftest import Api
from tests.factories import make_lead, make_org


async def test_admins_replace_rules_and_bad_rules_change_nothing(api: Api, sessions: SessionMaker) -> None:
    admin = api.org.admin
    status, current = await api.call("GET", "/api/v1/settings", admin)
    assert status == 200 and current["thresholds"]["mql_score"] == 40 and len(current["content"]) > 10
    thresholds = {**current["thresholds"], "mql_score": 25}
    status, body = await api.call("PUT", "/api/v1/settings/rules/thresholds", admin, {"document": thresholds})
    assert status == 200 and body["document"]["mql_score"] == 25
    scoring: dict[str, Any] = current["scoring"]
    broken = {**scoring, "behaviour_rules": [{**scoring["behaviour_rules"][0], "points": -5}]}
    status, body = await api.call("PUT", "/api/v1/settings/rules/scoring", admin, {"document": broken})
    assert status == 400
    wrong_operator = {**scoring, "fit_rules": [{**scoring["fit_rules"][0], "operator": "roughly"}]}
    assert (await api.call("PUT", "/api/v1/settings/rules/scoring", admin, {"document": wrong_operator}))[
        0
    ] == 400
    assert (await api.call("PUT", "/api/v1/settings/rules/bogus", admin, {"document": {}}))[0] == 400
    status, after = await api.call("GET", "/api/v1/settings", api.org.manager)
    assert after["thresholds"]["mql_score"] == 25 and after["scoring"] == scoring
    assert (
        await api.call("PUT", "/api/v1/settings/rules/thresholds", api.org.manager, {"document": thresholds})
    )[0] == 403
    assert (await api.call("GET", "/api/v1/settings", api.org.reps[0]))[0] == 403


async def test_content_library_and_routing_are_replaced_whole(api: Api, sessions: SessionMaker) -> None:
    admin = api.org.admin
    item = {
        "id": "guide-1",
        "title": "A guide",
        "url": "https://example.com/g",
        "kind": "guide",
        "stages": ["awareness"],
        "personas": [],
        "topics": ["oee"],
        "language": "en",
    }
    status, body = await api.call("PUT", "/api/v1/settings/content", admin, {"items": [item]})
    assert (status, body) == (200, {"count": 1})
    assert (await api.call("PUT", "/api/v1/settings/content", admin, {"items": [item, item]}))[0] == 400
    lead_id = await make_lead(sessions, api.org, owner=api.org.reps[0], topics=["oee"])
    status, follow_ups = await api.call("GET", "/api/v1/follow-ups", api.org.reps[0])
    mine = [f for f in follow_ups["items"] if f["lead_id"] == str(lead_id)]
    assert mine and mine[0]["suggested_content_key"] == "guide-1"
    other = await make_org(sessions)
    foreign = {"rules": [{"field": "country", "values": ["FR"], "team_id": str(other.dach.id)}]}
    assert (await api.call("PUT", "/api/v1/settings/routing", admin, foreign))[0] == 404
    french = {"rules": [{"field": "country", "values": ["FR"], "team_id": str(api.org.uk.id)}]}
    assert (await api.call("PUT", "/api/v1/settings/routing", admin, french))[1] == {"count": 1}
    await make_lead(sessions, api.org, email="paris@client.example", country="FR", company_name="Paris SA")
    async with sessions() as session:
        routed = (await session.exec(select(Lead).where(Lead.email == "paris@client.example"))).one()
    assert routed.team_id == api.org.uk.id


async def test_teams_and_members(api: Api, sessions: SessionMaker) -> None:
    admin, rep = api.org.admin, api.org.reps[0]
    status, team = await api.call(
        "POST", "/api/v1/teams", admin, {"name": "Nordics", "time_zone": "Europe/Stockholm"}
    )
    assert status == 201
    assert (await api.call("POST", "/api/v1/teams", admin, {"name": "Mars", "time_zone": "Mars/Base"}))[
        0
    ] == 400
    channel = {
        "pipeline_channel_id": "19:nordics@thread.tacv2",
        "pipeline_schedule": "FREQ=WEEKLY;BYDAY=FR;BYHOUR=15",
    }
    status, changed = await api.call("PATCH", f"/api/v1/teams/{team['id']}", admin, channel)
    assert status == 200 and changed["pipeline_channel_id"] == "19:nordics@thread.tacv2"
    bad = {"pipeline_schedule": "every other blue moon"}
    status, body = await api.call("PATCH", f"/api/v1/teams/{team['id']}", admin, bad)
    assert status == 400 and "pipeline_schedule" in body["message"]
    assert (await api.call("PATCH", f"/api/v1/teams/{team['id']}", admin, {"name": None}))[0] == 400
    change = {"team_id": team["id"], "capacity": 40, "away_until": "2026-03-20T00:00:00Z"}
    status, member = await api.call("PATCH", f"/api/v1/members/{rep.id}", admin, change)
    assert status == 200 and member["team_id"] == team["id"] and member["capacity"] == 40
    assert (await api.call("PATCH", f"/api/v1/members/{rep.id}", admin, {"time_zone": "Nowhere/City"}))[
        0
    ] == 400
    assert (await api.call("PATCH", f"/api/v1/members/{rep.id}", admin, {"role": "emperor"}))[0] == 400
    assert (await api.call("PATCH", f"/api/v1/members/{rep.id}", api.org.lead_dach, {"capacity": 1}))[
        0
    ] == 403
    async with sessions() as session:
        stored = await session.get(Member, rep.id)
    assert stored is not None and stored.time_zone == "Europe/Berlin" and stored.capacity == 40
    status, members = await api.call("GET", "/api/v1/members", rep)
    assert status == 200 and {m["email"] for m in members["items"]} >= {rep.email, api.org.lead_dach.email}
