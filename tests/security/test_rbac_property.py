"""RBAC as a property: for random pairs of role and resource, a refusal is the same whatever the version,
the body, or whether the resource exists; a stale version shows the current lead only to who may see it."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.db import SessionMaker
from app.models import Member
from tests.factories import make_lead
from tests.security.conftest import Api

ROLES = ("rep", "own team lead", "other team lead", "manager", "admin")
RESOURCES = ("own lead", "teammate's lead", "other team's lead", "missing")


def _body(action: str, version: int | None, text: str, member: Member) -> dict[str, Any] | None:
    bodies: dict[str, dict[str, Any] | None] = {
        "patch": {"version": version, "title": text},
        "owner": {"member_id": str(member.id), "version": version},
        "stage": {"stage": "evaluation", "reason": text or "x", "version": version},
        "lifecycle": {"lifecycle": "disqualified", "reason": text or "x", "version": version},
        "touch": {"kind": "call", "summary": text or "x", "version": version},
        "hand-off": {"note": text, "version": version},
        "read": None,
        "timeline": None,
    }
    return bodies[action]


REQUESTS = {
    "patch": ("PATCH", ""),
    "owner": ("POST", "/owner"),
    "stage": ("PUT", "/stage"),
    "lifecycle": ("PUT", "/lifecycle"),
    "touch": ("POST", "/touchpoints"),
    "hand-off": ("POST", "/hand-offs"),
    "read": ("GET", ""),
    "timeline": ("GET", "/timeline"),
}


class World:
    """The org, one lead of each kind relative to the rep, and the caller for each role."""

    def __init__(self, api: Api, leads: dict[str, uuid.UUID]) -> None:
        org = api.org
        assert org.manager is not None and org.admin is not None
        self.api, self.leads = api, leads
        self.callers: dict[str, Member] = {
            "rep": org.reps[0],
            "own team lead": org.lead_dach,
            "other team lead": org.lead_uk,
            "manager": org.manager,
            "admin": org.admin,
        }
        assert org.uk_rep is not None
        self.members = [*org.reps, org.uk_rep, org.lead_dach]

    async def ask(
        self, role: str, action: str, target: uuid.UUID, version: int | None, text: str, member: Member
    ) -> tuple[int, Any]:
        method, tail = REQUESTS[action]
        body = _body(action, version, text, member)
        return await self.api.call(method, f"/api/v1/leads/{target}{tail}", self.callers[role], body)


@pytest.fixture
async def world(api: Api, sessions: SessionMaker) -> World:
    """Built once per test (and backend); hypothesis's examples share it, as they share ``api``."""
    org = api.org
    assert org.uk_rep is not None
    leads = {
        "own lead": await make_lead(sessions, org, owner=org.reps[0]),
        "teammate's lead": await make_lead(sessions, org, owner=org.reps[1]),
        "other team's lead": await make_lead(sessions, org, owner=org.uk_rep),
    }
    return World(api, leads)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)
@given(
    role=st.sampled_from(ROLES),
    resource=st.sampled_from(RESOURCES),
    action=st.sampled_from(sorted(REQUESTS)),
    version=st.one_of(st.none(), st.integers(min_value=0, max_value=2**31 - 1), st.integers(0, 6)),
    text=st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=40),
    member_index=st.integers(min_value=0, max_value=4),
)
async def test_a_refusal_does_not_depend_on_version_body_or_existence(
    world: World,
    role: str,
    resource: str,
    action: str,
    version: int | None,
    text: str,
    member_index: int,
) -> None:
    member = world.members[member_index]
    target = world.leads.get(resource) or uuid.uuid4()
    answer = await world.ask(role, action, target, version, text, member)
    if action in ("stage", "lifecycle") and version is None:
        assert answer[0] == 400  # these two always need the version; the body is checked before the lead
        return
    # The same request at a stale version: a refusal must not change with the version.
    stale = await world.ask(role, action, target, 0, text, member)
    # And with another body: a lead the caller may not see, or an action their role may never take,
    # is refused whatever the body says.
    plain = await world.ask(role, action, target, 0, "", world.members[0])
    if answer[0] in (403, 404):
        assert answer == stale, f"{role} on {resource}: the refusal changed with the version"
    if answer[0] == 404:
        missing = await world.ask(role, action, uuid.uuid4(), version, text, member)
        assert answer == plain == missing == (404, {"error": "not_found"})
    if action == "owner" and role in ("rep", "manager"):
        assert answer == plain == (403, {"error": "not_allowed"}), f"{role} may never assign"
    seen = await world.api.call("GET", f"/api/v1/leads/{target}", world.callers[role])
    for status, body in (answer, stale, plain):
        if status == 409 and isinstance(body, dict) and "current" in body:
            assert seen[0] == 200, f"{role} got a 409 carrying {resource}, which they may not see"
            assert body["current"]["id"] == str(target)
    if seen[0] == 404:
        assert answer[0] in (400, 403, 404), f"{role} on {resource} they cannot see got {answer}"
