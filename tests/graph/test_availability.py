"""Members' Outlook working hours and automatic replies reach their member rows through the real msal and
msgraph-sdk, against the Graph and identity doubles over TLS; cadence and round-robin then follow them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from app.db import SessionMaker, transaction
from app.graph.availability import AvailabilityReport, iana_zone, sync_availability, sync_my_availability
from app.graph.client import GraphConnection
from app.models import FollowUp, Member
from app.nurturing.enums import ACTIVE_FOLLOW_UP_STATUSES
from app.services.ownership import round_robin_assign
from tests.doubles.graph import GraphDouble
from tests.doubles.identity import IdentityDouble
from tests.factories import T0, Org, make_lead, make_org
from tests.graph.support import CLIENT_ID, application_connection, delegated_connection

BERLIN = ZoneInfo("Europe/Berlin")
# Tuesday 10 March 2026, 09:30 in Berlin.
NOW = T0


def _app_connection(org: Org, identity: IdentityDouble, graph: GraphDouble) -> GraphConnection:
    return application_connection(org.tenant_id, identity, graph)


def _everyone(org: Org) -> list[Member]:
    others = [m for m in (org.uk_rep, org.admin, org.manager) if m is not None]
    return [org.lead_dach, org.lead_uk, *org.reps, *others]


def _mailboxes(graph: GraphDouble, org: Org) -> None:
    for member in _everyone(org):
        graph.add_user(member.aad_object_id or "", mail=member.email, tenant_id=org.tenant_id)


async def _sync(
    sessions: SessionMaker, org: Org, identity: IdentityDouble, graph: GraphDouble, *, now: datetime = NOW
) -> AvailabilityReport:
    connection = _app_connection(org, identity, graph)
    try:
        return await sync_availability(
            sessions=sessions, client=connection.sdk, tenant_id=org.tenant_id, now=now
        )
    finally:
        await connection.close()


async def _member(sessions: SessionMaker, member: Member) -> Member:
    async with sessions() as session:
        found = await session.get(Member, member.id)
    assert found is not None
    return found


def _berlin_hours(graph: GraphDouble, member: Member) -> None:
    graph.set_mailbox_settings(
        member.aad_object_id or "",
        time_zone="W. Europe Standard Time",
        working_hours=GraphDouble.working_hours(
            start="08:00:00.0000000", end="16:30:00.0000000", time_zone="W. Europe Standard Time"
        ),
    )


@pytest.mark.parametrize(
    ("graph_name", "iana"),
    [
        ("W. Europe Standard Time", "Europe/Berlin"),
        ("GMT Standard Time", "Europe/London"),
        ("Eastern Standard Time", "America/New_York"),
        ("Pacific Standard Time", "America/Los_Angeles"),
        ("Europe/Vienna", "Europe/Vienna"),
        ("UTC", "UTC"),
        ("tzone://Microsoft/Utc", "UTC"),
        ("Customized Time Zone", None),
        ("Europe", None),  # a folder of the zone database
        ("", None),
    ],
)
def test_time_zone_names_graph_gives_map_to_iana(graph_name: str, iana: str | None) -> None:
    assert iana_zone(graph_name) == iana


async def test_outlook_hours_become_the_members_and_cadence_plans_inside_them(
    sessions: SessionMaker, identity: IdentityDouble, graph: GraphDouble
) -> None:
    org = await make_org(sessions)
    anna, juergen = org.reps[0], org.reps[1]
    _mailboxes(graph, org)
    _berlin_hours(graph, anna)
    graph.set_mailbox_settings(
        juergen.aad_object_id or "",
        time_zone="Pacific Standard Time",
        working_hours=GraphDouble.working_hours(
            days=("monday", "tuesday", "wednesday", "thursday"),
            start="07:00:00.0000000",
            end="15:00:00.0000000",
            time_zone="Pacific Standard Time",
        ),
    )
    report = await _sync(sessions, org, identity, graph)
    assert (report.read, report.forbidden, report.not_found, report.failed) == (8, 0, 0, 0)
    settings_reads = [r for r in graph.requests if r.path.endswith("/mailboxSettings")]
    assert len(settings_reads) == 8
    assert all(r.mode == "application" and "MailboxSettings.Read" in r.roles for r in settings_reads)
    assert all(r.path.startswith("/users/") for r in settings_reads)

    synced = await _member(sessions, anna)
    assert (synced.time_zone, synced.work_start, synced.work_end, synced.workdays) == (
        "Europe/Berlin",
        time(8, 0),
        time(16, 30),
        [0, 1, 2, 3, 4],
    )
    other = await _member(sessions, juergen)
    assert (other.time_zone, other.work_start, other.work_end, other.workdays) == (
        "America/Los_Angeles",
        time(7, 0),
        time(15, 0),
        [0, 1, 2, 3],
    )
    again = await _sync(sessions, org, identity, graph)
    assert (again.read, again.updated) == (8, 0), "a second run with nothing new changes nothing"

    # 16:40 in Berlin: working time under the old 09:00-17:00, after hours under Outlook's 08:00-16:30.
    evening = datetime(2026, 3, 11, 16, 40, tzinfo=BERLIN).astimezone(UTC)
    due_times = []
    for _ in range(3):
        lead_id = await make_lead(sessions, org, owner=anna, now=evening)
        async with sessions() as session:
            planned = (
                await session.exec(
                    select(FollowUp).where(
                        FollowUp.lead_id == lead_id, col(FollowUp.status).in_(ACTIVE_FOLLOW_UP_STATUSES)
                    )
                )
            ).one()
        due_times.append(planned.due_at.astimezone(BERLIN))
    # The cadence waits whole days from 16:40; under the old hours the follow-up would be due at 16:40.
    for due in due_times:
        assert due.weekday() < 5 and time(8, 0) <= due.time() < time(16, 30), due


async def test_always_on_automatic_replies_take_a_rep_out_of_round_robin(
    sessions: SessionMaker, identity: IdentityDouble, graph: GraphDouble
) -> None:
    org = await make_org(sessions)
    anna = org.reps[0]
    _mailboxes(graph, org)
    graph.set_mailbox_settings(
        anna.aad_object_id or "",
        automatic_replies=GraphDouble.automatic_replies("alwaysEnabled", message="Bin im Urlaub."),
    )
    report = await _sync(sessions, org, identity, graph)
    assert report.away == 1, "only Anna's replies are on"
    assert (await _member(sessions, anna)).away_until == NOW + timedelta(days=1)

    later = NOW + timedelta(hours=20)
    await _sync(sessions, org, identity, graph, now=later)
    assert (await _member(sessions, anna)).away_until == later + timedelta(days=1), "each run renews it"

    leads = [await make_lead(sessions, org) for _ in range(6)]
    async with transaction(sessions) as session:
        changes = await round_robin_assign(
            session=session,
            lead_ids=leads,
            team_id=org.dach.id,
            caller=org.caller(org.lead_dach, later),
        )
    owners = {change.to_member_id for change in changes}
    assert len(changes) == 6 and owners == {org.reps[1].id, org.reps[2].id}

    graph.set_mailbox_settings(
        anna.aad_object_id or "", automatic_replies=GraphDouble.automatic_replies("disabled")
    )
    back = await _sync(sessions, org, identity, graph, now=later + timedelta(hours=1))
    assert (back.cleared, back.away) == (1, 0)
    assert (await _member(sessions, anna)).away_until is None


async def test_a_scheduled_absence_sets_its_end_and_clears_once_it_is_past(
    sessions: SessionMaker, identity: IdentityDouble, graph: GraphDouble
) -> None:
    org = await make_org(sessions)
    anna = org.reps[0]
    _mailboxes(graph, org)
    # Graph sends the schedule as wall times in a Windows zone: 20 March, 18:00 in Berlin is 17:00 UTC.
    graph.set_mailbox_settings(
        anna.aad_object_id or "",
        automatic_replies=GraphDouble.automatic_replies(
            "scheduled",
            start=datetime(2026, 3, 9, 8, 0),
            end=datetime(2026, 3, 20, 18, 0),
            time_zone="W. Europe Standard Time",
        ),
    )
    report = await _sync(sessions, org, identity, graph)
    assert report.away == 1
    assert (await _member(sessions, anna)).away_until == datetime(2026, 3, 20, 17, 0, tzinfo=UTC)

    graph.set_mailbox_settings(
        anna.aad_object_id or "",
        automatic_replies=GraphDouble.automatic_replies(
            "scheduled", start=datetime(2026, 2, 1, tzinfo=UTC), end=datetime(2026, 2, 14, tzinfo=UTC)
        ),
    )
    past = await _sync(sessions, org, identity, graph)
    assert (past.away, past.cleared) == (0, 1)
    assert (await _member(sessions, anna)).away_until is None

    # A schedule that has not begun yet is not an absence today.
    graph.set_mailbox_settings(
        anna.aad_object_id or "",
        automatic_replies=GraphDouble.automatic_replies(
            "scheduled", start=NOW + timedelta(days=3), end=NOW + timedelta(days=10)
        ),
    )
    assert (await _sync(sessions, org, identity, graph)).away == 0
    assert (await _member(sessions, anna)).away_until is None


async def test_an_absence_entered_by_hand_is_never_shortened_or_cleared(
    sessions: SessionMaker, identity: IdentityDouble, graph: GraphDouble
) -> None:
    org = await make_org(sessions)
    anna, juergen = org.reps[0], org.reps[1]
    _mailboxes(graph, org)
    parental_leave = NOW + timedelta(days=60)
    async with transaction(sessions) as session:
        for member in (anna, juergen):
            row = await session.get(Member, member.id)
            assert row is not None
            row.away_until = parental_leave
            session.add(row)
    # Anna's replies are on but end sooner than her leave; Jürgen has none.
    graph.set_mailbox_settings(
        anna.aad_object_id or "", automatic_replies=GraphDouble.automatic_replies("alwaysEnabled")
    )
    await _sync(sessions, org, identity, graph)
    assert (await _member(sessions, anna)).away_until == parental_leave
    assert (await _member(sessions, juergen)).away_until == parental_leave
    graph.set_mailbox_settings(
        anna.aad_object_id or "", automatic_replies=GraphDouble.automatic_replies("disabled")
    )
    report = await _sync(sessions, org, identity, graph)
    assert report.cleared == 0 and (await _member(sessions, anna)).away_until == parental_leave


async def test_mailboxes_the_app_may_not_read_are_counted_and_skipped(
    sessions: SessionMaker, identity: IdentityDouble, graph: GraphDouble
) -> None:
    org = await make_org(sessions)
    anna, zoe = org.reps[0], org.reps[2]
    _mailboxes(graph, org)
    _berlin_hours(graph, anna)
    _berlin_hours(graph, zoe)
    graph.set_mailbox_settings(
        zoe.aad_object_id or "", automatic_replies=GraphDouble.automatic_replies("alwaysEnabled")
    )
    # Exchange RBAC for Applications scopes the app to everyone but Zoe.
    graph.restrict_app(CLIENT_ID, [m.aad_object_id or "" for m in _everyone(org) if m.id != zoe.id])
    # A member Entra ID knows but Exchange has no mailbox for: 404.
    async with transaction(sessions) as session:
        ghost = Member(
            tenant_id=org.tenant_id,
            display_name="Gina Ghost",
            email="gina.ghost@vendor.example",
            team_id=org.dach.id,
            aad_object_id=str(uuid.uuid4()),
        )
        session.add(ghost)
    report = await _sync(sessions, org, identity, graph)
    assert (report.read, report.forbidden, report.not_found, report.failed) == (7, 1, 1, 0)
    assert (await _member(sessions, anna)).work_start == time(8, 0)
    untouched = await _member(sessions, zoe)
    assert (untouched.work_start, untouched.away_until) == (time(9, 0), None)
    denied = [r for r in graph.requests if r.status == 403]
    assert [r.path for r in denied] == [f"/users/{zoe.aad_object_id}/mailboxSettings"]


async def test_a_rep_syncs_their_own_settings_through_me(
    sessions: SessionMaker, identity: IdentityDouble, graph: GraphDouble
) -> None:
    org = await make_org(sessions)
    anna = org.reps[0]
    _mailboxes(graph, org)
    _berlin_hours(graph, anna)
    graph.set_mailbox_settings(
        anna.aad_object_id or "", automatic_replies=GraphDouble.automatic_replies("alwaysEnabled")
    )
    connection, _tokens = delegated_connection(anna, identity, graph)
    try:
        report = await sync_my_availability(
            sessions=sessions, client=connection.sdk, tenant_id=org.tenant_id, member=anna, now=NOW
        )
    finally:
        await connection.close()
    assert (report.read, report.updated, report.away) == (1, 1, 1)
    [request] = [r for r in graph.requests if r.path.endswith("/mailboxSettings")]
    assert (request.path, request.mode, request.user_id) == (
        "/me/mailboxSettings",
        "delegated",
        anna.aad_object_id,
    )
    synced = await _member(sessions, anna)
    assert (synced.time_zone, synced.work_end, synced.away_until) == (
        "Europe/Berlin",
        time(16, 30),
        NOW + timedelta(days=1),
    )


# Microsoft's documented customTimeZone (user-update-mailboxsettings, example 2): standard time is UTC+3:20
# from the fourth Sunday of May, daylight time UTC+5:00 from the second Sunday of October.
DOCUMENTED_CUSTOM_ZONE = GraphDouble.custom_time_zone(
    bias=-200,
    standard=(5, 4, "sunday", "02:00:00.0000000"),
    daylight=(10, 2, "sunday", "02:00:00.0000000"),
    daylight_bias=-100,
)


@pytest.mark.parametrize(
    ("mailbox_zone", "now", "expected"),
    [
        # March is daylight time in that zone: 09:00-18:30 at UTC+5 is 04:00-13:30 UTC.
        ("UTC", NOW, ("UTC", time(4, 0), time(13, 30))),
        # July is standard time: 09:00-18:30 at UTC+3:20 is 05:40-15:10 UTC.
        ("UTC", datetime(2026, 7, 7, 8, 0, tzinfo=UTC), ("UTC", time(5, 40), time(15, 10))),
        # In the mailbox's Berlin zone (CET in March): 05:00-14:30.
        ("W. Europe Standard Time", NOW, ("Europe/Berlin", time(5, 0), time(14, 30))),
    ],
)
async def test_a_custom_time_zone_gives_the_right_working_hours(
    sessions: SessionMaker,
    identity: IdentityDouble,
    graph: GraphDouble,
    mailbox_zone: str,
    now: datetime,
    expected: tuple[str, time, time],
) -> None:
    org = await make_org(sessions)
    anna = org.reps[0]
    _mailboxes(graph, org)
    graph.set_mailbox_settings(
        anna.aad_object_id or "",
        time_zone=mailbox_zone,
        working_hours=GraphDouble.working_hours(
            days=("monday", "tuesday", "wednesday", "thursday", "friday", "saturday"),
            start="09:00:00.0000000",
            end="18:30:00.0000000",
            time_zone=DOCUMENTED_CUSTOM_ZONE,
        ),
    )

    report = await _sync(sessions, org, identity, graph, now=now)

    synced = await _member(sessions, anna)
    assert report.unusable_hours == 0
    assert (synced.time_zone, synced.work_start, synced.work_end) == expected
    assert synced.workdays == [0, 1, 2, 3, 4, 5]
