"""Every piece of work has an owner, through the API: deactivation hands over, and the routing fallback."""

from __future__ import annotations

from sqlmodel import col, select

from app.db import SessionMaker
from app.models import FollowUp, Lead, OutboxMessage
from app.nurturing.enums import ACTIVE_FOLLOW_UP_STATUSES
from tests.api.conftest import Api
from tests.factories import make_lead


async def test_deactivating_a_member_hands_their_leads_to_the_team(api: Api, sessions: SessionMaker) -> None:
    admin, anna = api.org.admin, api.org.reps[0]
    leads = [await make_lead(sessions, api.org, owner=anna, company_name=f"Kunde {i}") for i in range(4)]
    assert (await api.call("PATCH", f"/api/v1/members/{anna.id}", api.org.lead_dach, {"active": False}))[
        0
    ] == 403
    async with sessions() as session:
        owners = {lead.owner_id for lead in (await session.exec(select(Lead).where(col(Lead.id).in_(leads))))}
    assert owners == {anna.id}, "a refused request moves nothing"
    status, member = await api.call("PATCH", f"/api/v1/members/{anna.id}", admin, {"active": False})
    assert status == 200 and member["active"] is False
    async with sessions() as session:
        owners = {lead.owner_id for lead in (await session.exec(select(Lead).where(col(Lead.id).in_(leads))))}
        follow_ups = (
            await session.exec(
                select(FollowUp).where(
                    col(FollowUp.lead_id).in_(leads), col(FollowUp.status).in_(ACTIVE_FOLLOW_UP_STATUSES)
                )
            )
        ).all()
        cards = (
            await session.exec(select(OutboxMessage).where(OutboxMessage.kind == "ownership.assigned"))
        ).all()
    mates = {api.org.reps[1].id, api.org.reps[2].id}
    assert owners <= mates and len(follow_ups) == 4 and {f.owner_id for f in follow_ups} <= mates
    assert sum(1 for card in cards if card.member_id in mates) == 4
    status, again = await api.call("PATCH", f"/api/v1/members/{anna.id}", admin, {"active": False})
    assert status == 200, "deactivating twice is harmless"


async def test_the_routing_fallback_is_a_validated_setting(api: Api) -> None:
    admin, uk = api.org.admin, api.org.uk
    path = "/api/v1/settings/rules/routing_fallback"
    status, current = await api.call("GET", "/api/v1/settings", admin)
    assert status == 200 and current["routing_fallback"] is None
    status, body = await api.call("PUT", path, admin, {"document": {"team_id": str(uk.id)}})
    assert status == 200 and body["document"] == {"team_id": str(uk.id), "member_id": None}
    both = {"team_id": str(uk.id), "member_id": str(api.org.reps[0].id)}
    assert (await api.call("PUT", path, admin, {"document": both}))[0] == 400
    assert (await api.call("PUT", path, admin, {"document": {"team_id": "uk"}}))[0] == 400
    unknown = {"team_id": "00000000-0000-4000-8000-000000000000"}
    assert (await api.call("PUT", path, admin, {"document": unknown}))[0] == 404
    member = {"member_id": str(api.org.lead_dach.id)}
    assert (await api.call("PUT", path, api.org.manager, {"document": member}))[0] == 403
    status, after = await api.call("GET", "/api/v1/settings", api.org.manager)
    assert after["routing_fallback"] == {"team_id": str(uk.id), "member_id": None}
    status, body = await api.call("PUT", path, admin, {"document": {}})
    assert (status, body["document"]) == (200, None), "an empty document removes the fallback"
    assert (await api.call("GET", "/api/v1/settings", admin))[1]["routing_fallback"] is None
