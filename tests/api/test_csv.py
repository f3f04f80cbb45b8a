"""CSV import and export over the API: all or nothing, errors by line and column, streamed export."""

from __future__ import annotations

from sqlmodel import func, select

from app import keys
from app.db import SessionMaker
from app.models import FollowUp, Lead
from tests.api.conftest import Api


async def _post_csv(api: Api, member: object, text: bytes, query: str = "") -> tuple[int, dict[str, object]]:
    headers = {**api.headers(member), "Content-Type": "text/csv"}  # type: ignore[arg-type]
    response = await api.client.post(f"/api/v1/leads/import{query}", data=text, headers=headers)
    return response.status, await response.json()


async def test_import_is_all_or_nothing_then_routed_and_scored(api: Api, sessions: SessionMaker) -> None:
    good = (
        "email,first_name,company,company_domain,country\njana@werk.example,Jana,Werk GmbH,werk.example,DE\n"
    )
    bad = good + "not-an-address,Nina,,,\n"
    status, body = await _post_csv(api, api.org.admin, bad.encode())
    assert status == 400
    assert body["errors"] == [
        {"line": 3, "column": "email", "message": body["errors"][0]["message"]}  # type: ignore[index]
    ]
    async with sessions() as session:
        assert (await session.exec(select(func.count()).select_from(Lead))).one() == 0
    status, body = await _post_csv(api, api.org.admin, bad.encode(), "?skip_invalid=true")
    assert status == 200 and body["imported"] == 1 and body["skipped"] == 1
    async with sessions() as session:
        lead = (await session.exec(select(Lead))).one()
        follow_ups = (await session.exec(select(func.count()).select_from(FollowUp))).one()
    assert lead.team_id == api.org.dach.id and lead.owner_id is not None, "routed and round-robined"
    assert follow_ups == 1 and lead.scored_at is not None


async def test_bad_files_and_roles(api: Api) -> None:
    assert (await _post_csv(api, api.org.admin, b""))[0] == 400
    assert (await _post_csv(api, api.org.admin, b"PK\x03\x04 not really a workbook"))[0] == 400
    assert (await _post_csv(api, api.org.reps[0], b"email\na@b.example\n"))[0] == 403


async def test_export_streams_csv_for_managers_only(api: Api) -> None:
    await _post_csv(api, api.org.admin, b"email,first_name\n=cmd@evil.example,=HYPERLINK(1)\n")
    response = await api.client.get("/api/v1/leads/export", headers=api.headers(api.org.manager))
    assert response.status == 200 and response.content_type == "text/csv"
    text = await response.text()
    assert text.splitlines()[0].startswith("email,") and "'=HYPERLINK(1)" in text
    denied = await api.client.get("/api/v1/leads/export", headers=api.headers(api.org.reps[0]))
    assert denied.status == 403


async def test_the_mapping_and_the_dry_run_go_through_the_request(api: Api, sessions: SessionMaker) -> None:
    text = (
        "Mail;Vorname;Firma;Land;Stufe\n"
        "jana@werk.example;Jana;Werk GmbH;Österreich;mql\n"
        "tom@brew.example;Tom;Brew Ltd;Vereinigtes Königreich;new\n"
    ).encode("cp1252")
    query = (
        "?dry_run=true&map=Mail=email&map=Vorname=first_name&map=Firma=company&map=Land=country"
        "&map=Stufe%3Dlifecycle"
    )
    status, body = await _post_csv(api, api.org.admin, text, query)
    assert status == 200, body
    assert (body["dry_run"], body["created"], body["updated"], body["imported"]) == (True, 2, 0, 0), body
    assert (body["encoding"], body["separator"]) == ("Windows-1252", "semicolon")
    assert {"column": "Land", "field": "country"} in body["mapping"]  # type: ignore[operator]
    async with sessions() as session:
        assert (await session.exec(select(func.count()).select_from(Lead))).one() == 0, (
            "a dry run writes nothing"
        )
    status, body = await _post_csv(api, api.org.admin, text, query.replace("dry_run=true&", ""))
    assert status == 200 and body["created"] == 2
    async with sessions() as session:
        lead = (await session.exec(select(Lead).where(Lead.email == "jana@werk.example"))).one()
    assert lead.first_name == "Jana" and lead.lifecycle == "mql"
    status, body = await _post_csv(
        api, api.org.admin, text, query.replace("Vorname=first_name", "Vorname=nickname")
    )
    assert status == 400 and body["header"] == ["Mail", "Vorname", "Firma", "Land", "Stufe"]
    assert "'nickname' is not a field" in body["errors"][0]["message"]  # type: ignore[index]


async def test_an_upload_over_the_limit_is_refused_with_a_report(api: Api) -> None:
    app = api.client.app
    assert app is not None
    limit = app[keys.SETTINGS].import_max_bytes
    status, body = await _post_csv(api, api.org.admin, b"email\n" + b"a" * limit)
    assert status == 400
    assert body["errors"] == [{"line": 1, "column": None, "message": body["errors"][0]["message"]}]  # type: ignore[index]
    assert "larger than the limit" in str(body["errors"])


async def test_a_team_lead_updates_only_their_own_teams_leads(api: Api, sessions: SessionMaker) -> None:
    assert api.org.uk_rep is not None
    await _post_csv(
        api, api.org.admin, b"email,owner_email\nuk@kunde.example," + api.org.uk_rep.email.encode()
    )
    status, body = await _post_csv(
        api, api.org.lead_dach, b"email,title\nuk@kunde.example,CEO\nnew@kunde.example,CTO\n"
    )
    assert status == 400
    assert body["errors"] == [
        {
            "line": 2,
            "column": "email",
            "message": "the lead 'uk@kunde.example' belongs to another team; a team lead updates only their "
            "own team's leads and unassigned ones",
        }
    ]
    async with sessions() as session:
        lead = (await session.exec(select(Lead).where(Lead.email == "uk@kunde.example"))).one()
        assert lead.title is None
        assert (await session.exec(select(func.count()).select_from(Lead))).one() == 1
