"""Authorize before anything else: visibility and role come before versions, existence and state."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from sqlmodel import select

from app.api.routes import ROUTES
from app.db import SessionMaker
from app.models import FollowUp, Lead
from tests.factories import make_lead
from tests.security.conftest import Api


async def _lead(sessions: SessionMaker, lead_id: uuid.UUID) -> Lead:
    async with sessions() as session:
        return (await session.exec(select(Lead).where(Lead.id == lead_id))).one()


async def _follow_up(sessions: SessionMaker, lead_id: uuid.UUID) -> uuid.UUID:
    async with sessions() as session:
        return (await session.exec(select(FollowUp.id).where(FollowUp.lead_id == lead_id))).first()  # type: ignore[return-value]


async def test_a_rep_cannot_read_another_reps_lead_through_a_stale_owner_change(
    api: Api, sessions: SessionMaker
) -> None:
    anna, juergen = api.org.reps[0], api.org.reps[1]
    lead_id = await make_lead(sessions, api.org, owner=juergen, needs="a confidential rollout plan")
    status, body = await api.call(
        "POST", f"/api/v1/leads/{lead_id}/owner", anna, {"member_id": str(uuid.uuid4()), "version": 0}
    )
    assert status == 403 and body == {"error": "not_allowed"}
    # Whatever the version or the member named, and whether the lead exists, a rep gets the same answer.
    for target in (lead_id, uuid.uuid4()):
        for version in (0, 1, 2, None):
            answer = await api.call(
                "POST", f"/api/v1/leads/{target}/owner", anna, {"member_id": str(anna.id), "version": version}
            )
            assert answer == (403, {"error": "not_allowed"})
    assert (await _lead(sessions, lead_id)).owner_id == juergen.id


async def test_a_team_lead_gets_not_found_for_another_teams_lead_at_any_version(
    api: Api, sessions: SessionMaker
) -> None:
    assert api.org.uk_rep is not None
    lead_id = await make_lead(sessions, api.org, owner=api.org.reps[0])
    missing = await api.call(
        "POST",
        f"/api/v1/leads/{uuid.uuid4()}/owner",
        api.org.lead_uk,
        {"member_id": str(api.org.uk_rep.id), "version": 0},
    )
    assert missing[0] == 404
    for version in (0, 1, 7):
        answer = await api.call(
            "POST",
            f"/api/v1/leads/{lead_id}/owner",
            api.org.lead_uk,
            {"member_id": str(api.org.uk_rep.id), "version": version},
        )
        assert answer == missing, "the 409 must not carry a lead the caller may not see"


async def test_a_stale_owner_change_shows_the_current_lead_to_its_team_lead(
    api: Api, sessions: SessionMaker
) -> None:
    lead_id = await make_lead(sessions, api.org, owner=api.org.reps[0])
    status, body = await api.call(
        "POST",
        f"/api/v1/leads/{lead_id}/owner",
        api.org.lead_dach,
        {"member_id": str(api.org.reps[1].id), "version": 0},
    )
    assert status == 409 and body["current"]["id"] == str(lead_id)


async def test_another_reps_follow_up_is_not_found_rather_than_forbidden(
    api: Api, sessions: SessionMaker
) -> None:
    lead_id = await make_lead(sessions, api.org, owner=api.org.reps[1])
    follow_up_id = await _follow_up(sessions, lead_id)
    missing = await api.call(
        "POST", f"/api/v1/follow-ups/{uuid.uuid4()}/snooze", api.org.reps[0], {"preset": "1h", "version": 0}
    )
    assert missing[0] == 404
    for version in (0, 1, None):
        answer = await api.call(
            "POST",
            f"/api/v1/follow-ups/{follow_up_id}/snooze",
            api.org.reps[0],
            {"preset": "1h", "version": version},
        )
        assert answer == missing


async def test_hand_off_decisions_refuse_before_they_look_at_the_hand_off(
    api: Api, sessions: SessionMaker
) -> None:
    rep = api.org.reps[0]
    lead_id = await make_lead(sessions, api.org, owner=rep)
    status, hand_off = await api.call("POST", f"/api/v1/leads/{lead_id}/hand-offs", rep, {"note": "ready"})
    assert status == 201
    accept = f"/api/v1/hand-offs/{hand_off['id']}/accept"
    # A team lead of another team: the same answer as for a hand-off that does not exist.
    missing = await api.call("POST", f"/api/v1/hand-offs/{uuid.uuid4()}/accept", api.org.lead_uk)
    assert missing[0] == 404
    assert await api.call("POST", accept, api.org.lead_uk) == missing
    assert (await api.call("POST", accept, api.org.lead_dach))[0] == 200
    # Once decided, a rep still learns nothing about its state: only that reps may not decide.
    for target in (accept, f"/api/v1/hand-offs/{uuid.uuid4()}/accept"):
        assert await api.call("POST", target, rep) == (403, {"error": "not_allowed"})
    assert await api.call("POST", accept, api.org.lead_uk) == missing


async def test_bulk_assignment_answers_a_rep_alike_for_real_and_made_up_leads(
    api: Api, sessions: SessionMaker
) -> None:
    rep = api.org.reps[0]
    lead_id = await make_lead(sessions, api.org, owner=api.org.reps[1])
    for ids in ([lead_id], [uuid.uuid4()]):
        answer = await api.call(
            "POST",
            "/api/v1/assignments/bulk",
            rep,
            {"lead_ids": [str(i) for i in ids], "member_id": str(rep.id)},
        )
        assert answer == (403, {"error": "not_allowed"})


async def test_a_team_lead_cannot_tell_another_teams_leads_from_missing_ones_in_bulk(
    api: Api, sessions: SessionMaker
) -> None:
    assert api.org.uk_rep is not None
    lead_id = await make_lead(sessions, api.org, owner=api.org.reps[0])
    answers = [
        await api.call(
            "POST",
            "/api/v1/assignments/bulk",
            api.org.lead_uk,
            {"lead_ids": [str(target)], "member_id": str(api.org.uk_rep.id)},
        )
        for target in (lead_id, uuid.uuid4())
    ]
    assert answers[0][0] == 404 and answers[0] == answers[1]


async def test_role_comes_before_the_body_on_admin_routes(api: Api) -> None:
    rep = api.org.reps[0]
    body: Mapping[str, object]
    for body in ({"document": {"mql": "lots"}}, {"document": {}}, {"nonsense": 1}):
        assert await api.call("PUT", "/api/v1/settings/rules/thresholds", rep, body) == (
            403,
            {"error": "not_allowed"},
        )
    assert await api.call("PATCH", f"/api/v1/members/{uuid.uuid4()}", rep, {"capacity": -1}) == (
        403,
        {"error": "not_allowed"},
    )


def test_every_route_with_a_role_rule_gates_it_before_the_handler() -> None:
    # A route whose roles do not depend on the resource (no "owner", no "who may see") must say so in
    # ``allowed``, so its gate runs before the body, the ids or the database are read.
    per_resource = ("owner", "whoever", "anyone", "API key")
    ungated = [
        f"{route.method} {route.path}"
        for route in ROUTES
        if route.roles != "any member"
        and not any(word in route.roles for word in per_resource)
        and not route.allowed
    ]
    assert ungated == []
