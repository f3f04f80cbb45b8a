"""A time zone is an IANA zone: a folder of the zone database ("Europe") is refused with 400, everywhere."""

from __future__ import annotations

import pytest

from app.db import SessionMaker
from app.models import Member, Team
from tests.api.conftest import Api

FOLDERS = ["Europe", "America", "Etc"]


@pytest.mark.parametrize("zone", FOLDERS)
async def test_a_folder_name_as_a_time_zone_is_a_clear_400_and_changes_nothing(
    api: Api, sessions: SessionMaker, zone: str
) -> None:
    admin, rep, team = api.org.admin, api.org.reps[0], api.org.dach
    status, body = await api.call("PATCH", f"/api/v1/members/{rep.id}", admin, {"time_zone": zone})
    assert status == 400 and "time zone" in body["message"]
    status, body = await api.call("PATCH", f"/api/v1/teams/{team.id}", admin, {"time_zone": zone})
    assert status == 400 and "time zone" in body["message"]
    status, body = await api.call("POST", "/api/v1/teams", admin, {"name": "Folder", "time_zone": zone})
    assert status == 400 and "time zone" in body["message"]
    async with sessions() as session:
        stored_rep = await session.get(Member, rep.id)
        stored_team = await session.get(Team, team.id)
    assert stored_rep is not None and stored_rep.time_zone == "Europe/Berlin"
    assert stored_team is not None and stored_team.time_zone == "Europe/Berlin"
    status, teams = await api.call("GET", "/api/v1/settings", admin)
    assert status == 200 and "Folder" not in {t["name"] for t in teams["teams"]}
