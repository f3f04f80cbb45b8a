"""Lead actions from the tab: log a touch, override the stage, move the lifecycle, hand-offs."""

from __future__ import annotations

from app.db import SessionMaker
from tests.api.conftest import Api
from tests.factories import make_lead


async def _version(api: Api, lead_id: object, member: object) -> int:
    status, lead = await api.call("GET", f"/api/v1/leads/{lead_id}", member)  # type: ignore[arg-type]
    assert status == 200
    return int(lead["version"])


async def test_a_rep_works_a_lead_through_the_api(api: Api, sessions: SessionMaker) -> None:
    rep = api.org.reps[0]
    lead_id = await make_lead(sessions, api.org, owner=rep)
    status, touch = await api.call(
        "POST",
        f"/api/v1/leads/{lead_id}/touchpoints",
        rep,
        {"kind": "call", "summary": "Budget approved in March"},
    )
    assert status == 201 and touch["summary"] == "Budget approved in March"
    status, planned = await api.call("GET", f"/api/v1/follow-ups?scope=lead&lead={lead_id}", rep)
    assert status == 200 and len(planned["items"]) == 1 and planned["items"][0]["lead_id"] == str(lead_id)
    assert (await api.call("GET", f"/api/v1/follow-ups?scope=lead&lead={lead_id}", api.org.reps[1]))[0] == 404
    assert (await api.call("GET", "/api/v1/follow-ups?scope=lead", rep))[0] == 400
    version = await _version(api, lead_id, rep)
    status, body = await api.call(
        "PUT", f"/api/v1/leads/{lead_id}/stage", rep, {"stage": "decision", "reason": "", "version": version}
    )
    assert status == 400
    status, lead = await api.call(
        "PUT",
        f"/api/v1/leads/{lead_id}/stage",
        rep,
        {"stage": "decision", "reason": "budget approved", "version": version},
    )
    assert status == 200 and lead["stage"] == "decision"
    status, stale = await api.call(
        "PUT",
        f"/api/v1/leads/{lead_id}/stage",
        rep,
        {"stage": "awareness", "reason": "oops", "version": version},
    )
    assert status == 409 and stale["current"]["stage"] == "decision"
    status, hand_off = await api.call(
        "POST", f"/api/v1/leads/{lead_id}/hand-offs", rep, {"note": "wants a quote"}
    )
    assert status == 201 and hand_off["status"] == "proposed"
    status, waiting = await api.call("GET", "/api/v1/hand-offs", api.org.lead_dach)
    assert status == 200 and [item["id"] for item in waiting["items"]] == [hand_off["id"]]
    status, elsewhere = await api.call("GET", "/api/v1/hand-offs", api.org.lead_uk)
    assert status == 200 and elsewhere["items"] == []
    assert (await api.call("GET", "/api/v1/hand-offs", rep))[0] == 403
    status, _ = await api.call("POST", f"/api/v1/hand-offs/{hand_off['id']}/accept", api.org.lead_dach)
    assert status == 200
    version = await _version(api, lead_id, rep)
    status, lead = await api.call(
        "PUT", f"/api/v1/leads/{lead_id}/lifecycle", rep, {"lifecycle": "sql", "version": version}
    )
    assert status == 200 and lead["lifecycle"] == "sql"
    status, body = await api.call(
        "PUT", f"/api/v1/leads/{lead_id}/lifecycle", rep, {"lifecycle": "won", "version": lead["version"]}
    )
    assert (status, body) == (422, {"error": "invalid_transition"})
    status, body = await api.call(
        "PUT", f"/api/v1/leads/{lead_id}/lifecycle", rep, {"lifecycle": "lost", "version": lead["version"]}
    )
    assert (status, body["error"]) == (400, "invalid_input"), "losing a lead needs a reason"
    assert "reason" in body["message"]
    assert (
        await api.call(
            "POST", f"/api/v1/leads/{lead_id}/touchpoints", api.org.reps[1], {"kind": "call", "summary": "x"}
        )
    )[0] == 404
