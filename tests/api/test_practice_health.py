"""GET /api/v1/health/practice: managers and admins see the check; everyone else is refused first."""

from __future__ import annotations

from app.db import SessionMaker, transaction
from app.models import Lead
from app.nurturing.enums import Lifecycle
from tests.api.conftest import Api


async def _orphan(sessions: SessionMaker, api: Api) -> None:
    async with transaction(sessions) as session:
        session.add(
            Lead(
                tenant_id=api.org.tenant_id,
                email="otto.orphan@kunde.example",
                first_name="Otto",
                last_name="Orphan",
                lifecycle=Lifecycle.SAL,
            )
        )


async def test_managers_and_admins_see_every_line_with_the_leads_behind_it(
    api: Api, sessions: SessionMaker
) -> None:
    await _orphan(sessions, api)
    status, body = await api.call("GET", "/api/v1/health/practice?days=30", api.org.manager)
    assert status == 200, body
    assert body["days"] == 30 and body["light"] == "red"
    lines = {line["check"]: line for line in body["lines"]}
    assert len(lines) == 10
    orphans = lines["leads_without_owner"]
    assert (orphans["light"], orphans["count"], orphans["base"], orphans["share"]) == ("red", 1, 1, True)
    assert orphans["title"] == "Leads without an owner"
    assert orphans["leads"] == [
        {
            "id": orphans["leads"][0]["id"],
            "name": "Otto Orphan",
            "why": {"code": "no_owner", "params": {"lifecycle": "sal"}},
            "why_text": "SAL without an owner",
        }
    ]
    assert lines["mail_to_unsubscribed"]["light"] == "green"
    status, default = await api.call("GET", "/api/v1/health/practice", api.org.admin)
    assert status == 200 and default["days"] == 90


async def test_reps_and_team_leads_are_refused_and_bad_periods_get_400(
    api: Api, sessions: SessionMaker
) -> None:
    await _orphan(sessions, api)
    for member in (api.org.reps[0], api.org.lead_dach):
        status, body = await api.call("GET", "/api/v1/health/practice", member)
        assert status == 403 and body == {"error": "not_allowed"}, body
    # The refusal comes first: a rep with a bad period still learns only that they may not ask.
    assert (await api.call("GET", "/api/v1/health/practice?days=oops", api.org.reps[0]))[0] == 403
    assert (await api.call("GET", "/api/v1/health/practice", None))[0] == 401
    for days in ("oops", "0", "731", "2.5"):
        status, body = await api.call("GET", f"/api/v1/health/practice?days={days}", api.org.manager)
        assert status == 400 and body["error"] == "invalid_input" and "days" in body["message"], body
