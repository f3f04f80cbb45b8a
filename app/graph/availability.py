"""Who works when, and who is away: each member's Outlook mailbox settings onto their member row.

Working hours and their time zone become the member's ``time_zone``, ``work_start``, ``work_end`` and
``workdays``, which the cadence planner and the SLA clocks already read. Automatic replies become
``away_until``, which round-robin already honours. Outlook keeps both, so reps maintain them in one place
they already use instead of in our tab.

Graph names time zones the Windows way ("W. Europe Standard Time") unless the user picked an IANA name;
the mapping is Unicode CLDR's windowsZones table as shipped in ``tzlocal``. Working hours may instead be
in a custom time zone (a bias from UTC and the rules for daylight saving, as Outlook lets a user define
one): no zone name can hold that, so the hours are converted, at the offset the custom zone has now, into
the mailbox's own zone (UTC when that one is unknown too). Each sync converts again, so a daylight-saving
change in the custom zone reaches the member's hours with the next run.

``away_until`` can also be set by hand (an admin marks a rep away). So that a sync never undoes that, the
values this sync wrote are kept per member in the tenant's settings (``graph_availability``): only a value
still equal to the one we wrote is ours to clear, and a manual absence that lasts longer than the one
Outlook reports is left standing. A manual value that ends earlier is extended to Outlook's end, since the
member is away until then either way.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from kiota_abstractions.api_error import APIError
from msgraph.generated.models.automatic_replies_status import AutomaticRepliesStatus
from msgraph.generated.models.custom_time_zone import CustomTimeZone
from msgraph.generated.models.date_time_time_zone import DateTimeTimeZone
from msgraph.generated.models.mailbox_settings import MailboxSettings
from msgraph.generated.models.standard_time_zone_offset import StandardTimeZoneOffset
from msgraph.generated.models.working_hours import WorkingHours as GraphWorkingHours
from msgraph.graph_service_client import GraphServiceClient
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from tzlocal.windows_tz import win_tz

from app.db import SessionMaker, transaction
from app.models import Member, TenantSetting
from app.nurturing.calendar import WorkingHours, require_aware, zone_named
from app.services.tenant_config import save_setting

log = logging.getLogger(__name__)

LEDGER_KEY = "graph_availability"
# alwaysEnabled has no end: hold the member away for a day and let each sync renew it, so a rep whose
# replies are switched off (or whose sync stops) is back in the rotation within a day at the latest.
ALWAYS_ON_HOLD = timedelta(days=1)
# Mailbox reads started at once. The process's GraphLimiter keeps what is on the wire within Outlook's 4
# per app; this bound only keeps a large tenant's run from queueing hundreds of coroutines on it.
CONCURRENCY = 8
# Graph's prefix for zones it names itself, e.g. "tzone://Microsoft/Utc" in automatic-reply times.
_MICROSOFT_ZONE = "tzone://microsoft/"
_DAYS = {
    "monday": 0,
    "tuesday": 1,
    "wednesday": 2,
    "thursday": 3,
    "friday": 4,
    "saturday": 5,
    "sunday": 6,
}
# Outlook writes a working day that ends at midnight as endTime 00:00; our hours must end after they start.
_END_OF_DAY = time(23, 59)


@dataclass(frozen=True, slots=True)
class AvailabilityReport:
    """What one run did; skipped mailboxes are counted, never raised."""

    read: int  # mailboxes whose settings came back
    updated: int  # members whose hours, time zone or absence changed
    away: int  # members out of office now, by their automatic replies
    cleared: int  # absences this sync had set and took back
    forbidden: int  # 403: outside the app's Exchange RBAC scope, or no permission
    not_found: int  # 404: no such user, or no Exchange mailbox
    failed: int  # any other Graph error; the next run tries again
    unusable_hours: int  # hours in a zone we cannot map, or that end before they start: left as they were


@dataclass(frozen=True, slots=True)
class Availability:
    """One mailbox's settings in our terms."""

    hours: WorkingHours | None  # None: nothing usable, keep the member's hours
    away_until: datetime | None  # None: not out of office now
    hours_unusable: bool = False


def iana_zone(name: str | None) -> str | None:
    """The IANA name for a time zone as Graph may give it (IANA, Windows or Graph's own), or None."""
    if not name or not name.strip():
        return None
    name = name.strip()
    if name.lower().startswith(_MICROSOFT_ZONE):
        name = name[len(_MICROSOFT_ZONE) :]
        if name.lower() == "utc":
            return "UTC"
    # IANA first: a user who chose "Europe/Berlin" keeps it, and "UTC" stays "UTC" rather than "Etc/UTC".
    for candidate in (name, win_tz.get(name)):
        if candidate and _loads(candidate):
            return candidate
    return None


def _loads(name: str) -> bool:
    try:
        zone_named(name)
    except ValueError:
        return False
    return True


def _moment(value: DateTimeTimeZone | None, fallback_zone: str) -> datetime | None:
    """A Graph dateTimeTimeZone (a wall time plus a zone name) as an aware UTC datetime."""
    if value is None or not value.date_time:
        return None
    try:
        # Python 3.11 reads Graph's 7 fractional digits, dropping the seventh.
        parsed = datetime.fromisoformat(value.date_time)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(iana_zone(value.time_zone) or fallback_zone))
    return parsed.astimezone(UTC)


def _transition(rule: StandardTimeZoneOffset, year: int) -> datetime | None:
    """When a custom zone's period begins in ``year``, as a local wall time; None without a rule.

    ``dayOccurrence`` counts the weekday within the month, 5 meaning the last one."""
    day_name = str(getattr(rule.day_of_week, "value", "")).lower()
    if not rule.month or not rule.day_occurrence or day_name not in _DAYS:
        return None
    first = date(year, rule.month, 1)
    day = first + timedelta(days=(_DAYS[day_name] - first.weekday()) % 7, weeks=rule.day_occurrence - 1)
    while day.month != rule.month:
        day -= timedelta(weeks=1)
    return datetime.combine(day, rule.time or time(0, 0))


def custom_offset(zone: CustomTimeZone, at: datetime) -> timedelta:
    """The UTC offset a custom time zone has at ``at``.

    ``bias`` is the minutes UTC is ahead of standard time (negative east of UTC); daylight time adds the
    daylight offset's ``daylightBias`` to it. Transitions are compared in standard time, which can be an
    hour off for the hour around a change, and the next sync corrects it."""
    bias = zone.bias or 0
    standard = timedelta(minutes=-bias)
    daylight_rule, standard_rule = zone.daylight_offset, zone.standard_offset
    local = (require_aware(at).astimezone(UTC) + standard).replace(tzinfo=None)
    begins_daylight = _transition(daylight_rule, local.year) if daylight_rule else None
    begins_standard = _transition(standard_rule, local.year) if standard_rule else None
    if daylight_rule is None or begins_daylight is None or begins_standard is None:
        return standard
    if begins_daylight < begins_standard:  # daylight saving inside the calendar year (northern)
        in_daylight = begins_daylight <= local < begins_standard
    else:  # daylight saving across the new year (southern)
        in_daylight = not begins_standard <= local < begins_daylight
    return timedelta(minutes=-(bias + (daylight_rule.daylight_bias or 0))) if in_daylight else standard


def _in_zone(
    working: GraphWorkingHours, zone: CustomTimeZone, reference: str, days: set[int], end: time, now: datetime
) -> WorkingHours | None:
    """Working hours kept in a custom zone, converted at its current offset into ``reference``."""
    offset = custom_offset(zone, now)
    today = (now.astimezone(UTC) + offset).date()
    fixed, target = timezone(offset), ZoneInfo(reference)
    assert working.start_time is not None
    start = datetime.combine(today, working.start_time, tzinfo=fixed).astimezone(target)
    finish = datetime.combine(today, end, tzinfo=fixed).astimezone(target)
    shift = (start.date() - today).days
    if (finish.date() - today).days != shift:
        return None  # the converted day crosses midnight: our calendar has one window a day
    moved = frozenset((day + shift) % 7 for day in days)
    try:
        return WorkingHours(time_zone=reference, start=start.time(), end=finish.time(), workdays=moved)
    except ValueError:
        return None


def _hours(settings: MailboxSettings, now: datetime) -> WorkingHours | None:
    working = settings.working_hours
    if working is None or working.start_time is None or working.end_time is None:
        return None
    days = {
        _DAYS[str(day.value).lower()] for day in working.days_of_week or [] if str(day.value).lower() in _DAYS
    }
    end = working.end_time
    if end == time(0, 0):
        end = _END_OF_DAY
    if not days:
        return None
    if isinstance(working.time_zone, CustomTimeZone):
        reference = iana_zone(settings.time_zone) or "UTC"
        return _in_zone(working, working.time_zone, reference, days, end, now)
    # Start and end are wall times in the working hours' own zone, which is therefore the member's zone;
    # the mailbox's display zone is the fallback when that one is missing.
    zone = iana_zone(working.time_zone.name if working.time_zone else None) or iana_zone(settings.time_zone)
    if zone is None:
        return None
    try:
        return WorkingHours(time_zone=zone, start=working.start_time, end=end, workdays=frozenset(days))
    except ValueError:  # an overnight shift: our calendar has one window a day, so keep what we had
        return None


def read_availability(settings: MailboxSettings, *, now: datetime) -> Availability:
    """Working hours and the current absence from one mailbox's settings."""
    require_aware(now)
    hours = _hours(settings, now)
    unusable = hours is None and settings.working_hours is not None
    replies = settings.automatic_replies_setting
    status = replies.status if replies is not None else None
    away: datetime | None = None
    if replies is not None and status is AutomaticRepliesStatus.AlwaysEnabled:
        away = now + ALWAYS_ON_HOLD
    elif replies is not None and status is AutomaticRepliesStatus.Scheduled:
        # A schedule without a zone of its own is read in the mailbox's zone, as Outlook shows it.
        fallback = iana_zone(settings.time_zone) or "UTC"
        start = _moment(replies.scheduled_start_date_time, fallback)
        end = _moment(replies.scheduled_end_date_time, fallback)
        # A schedule that starts later is not an absence yet: a later sync sets it once it has begun.
        if start is not None and end is not None and start <= now < end:
            away = end
    return Availability(hours=hours, away_until=away, hours_unusable=unusable)


@dataclass(frozen=True, slots=True)
class _Read:
    member_id: uuid.UUID
    settings: MailboxSettings | None = None
    status: int | None = None  # the HTTP status when Graph refused


async def _fetch(client: GraphServiceClient, member: Member, *, me: bool, gate: asyncio.Semaphore) -> _Read:
    builder = client.me if me else client.users.by_user_id(member.aad_object_id or "")
    async with gate:
        try:
            settings = await builder.mailbox_settings.get()
        except APIError as error:
            # Not fatal: one mailbox outside the app's scope must not stop everyone else's sync. Token
            # failures (GraphAuthError) are not APIErrors, and do stop the run: no mailbox can be read.
            status = error.response_status_code or 0
            log.warning(
                "mailbox settings unreadable",
                extra={"member_id": str(member.id), "status": status},
            )
            return _Read(member.id, status=status)
    return _Read(member.id, settings=settings)


def _apply_hours(member: Member, hours: WorkingHours) -> bool:
    workdays = sorted(hours.workdays)
    if (member.time_zone, member.work_start, member.work_end, list(member.workdays)) == (
        hours.time_zone,
        hours.start,
        hours.end,
        workdays,
    ):
        return False
    member.time_zone = hours.time_zone
    member.work_start = hours.start
    member.work_end = hours.end
    member.workdays = workdays
    return True


def _apply_absence(member: Member, away: datetime | None, ledger: dict[str, str]) -> tuple[bool, bool]:
    """(changed, cleared): set or take back ``away_until``, leaving absences entered by hand alone."""
    key = str(member.id)
    ours = datetime.fromisoformat(ledger[key]) if key in ledger else None
    current = member.away_until
    by_hand = current is not None and current != ours
    if away is None:
        ledger.pop(key, None)
        if current is not None and not by_hand:
            member.away_until = None
            return True, True
        return False, False
    if by_hand and current is not None and current >= away:
        ledger.pop(key, None)  # the longer, manual absence stands, and stays the admin's to end
        return False, False
    ledger[key] = away.isoformat()
    if current == away:
        return False, False
    member.away_until = away
    return True, False


async def _store(
    *,
    session: AsyncSession,
    tenant_id: str,
    reads: Sequence[_Read],
    now: datetime,
) -> tuple[int, int, int, int]:
    """Write what was read; (updated, away, cleared, unusable hours)."""
    readable = {read.member_id: read.settings for read in reads if read.settings is not None}
    if not readable:
        return 0, 0, 0, 0
    members = (
        await session.exec(
            select(Member).where(Member.tenant_id == tenant_id, col(Member.id).in_(list(readable)))
        )
    ).all()
    row = await session.get(TenantSetting, (tenant_id, LEDGER_KEY))
    ledger: dict[str, str] = dict(row.value) if row is not None and isinstance(row.value, dict) else {}
    before = dict(ledger)
    updated = away = cleared = unusable = 0
    for member in members:
        settings = readable[member.id]
        assert settings is not None
        availability = read_availability(settings, now=now)
        changed = False
        if availability.hours is not None:
            changed = _apply_hours(member, availability.hours)
        unusable += availability.hours_unusable
        moved, took_back = _apply_absence(member, availability.away_until, ledger)
        away += availability.away_until is not None
        cleared += took_back
        if changed or moved:
            updated += 1
            session.add(member)
    if ledger != before:
        await save_setting(session=session, tenant_id=tenant_id, key=LEDGER_KEY, value=ledger, now=now)
    return updated, away, cleared, unusable


async def _sync(
    *,
    sessions: SessionMaker,
    client: GraphServiceClient,
    tenant_id: str,
    members: Sequence[Member],
    now: datetime,
    me: bool,
) -> AvailabilityReport:
    gate = asyncio.Semaphore(CONCURRENCY)
    reads = await asyncio.gather(*(_fetch(client, member, me=me, gate=gate) for member in members))
    # Graph is read before the transaction opens, so no database connection is held across network calls.
    async with transaction(sessions) as session:
        updated, away, cleared, unusable = await _store(
            session=session, tenant_id=tenant_id, reads=reads, now=now
        )
    statuses = [read.status for read in reads if read.settings is None]
    return AvailabilityReport(
        read=len(reads) - len(statuses),
        updated=updated,
        away=away,
        cleared=cleared,
        forbidden=statuses.count(403),
        not_found=statuses.count(404),
        failed=sum(1 for status in statuses if status not in (403, 404)),
        unusable_hours=unusable,
    )


async def sync_availability(
    *,
    sessions: SessionMaker,
    client: GraphServiceClient,
    tenant_id: str,
    members: Sequence[Member] | None = None,
    now: datetime,
) -> AvailabilityReport:
    """Read every active member's mailbox settings (or the given members') with an application token.

    Members without an Entra ID object id have no mailbox to read and are left out."""
    require_aware(now)
    if members is None:
        async with sessions() as session:
            members = (
                await session.exec(
                    select(Member).where(
                        Member.tenant_id == tenant_id,
                        col(Member.active).is_(True),
                        col(Member.aad_object_id).is_not(None),
                    )
                )
            ).all()
    # Given members are re-read inside the write, by id and tenant, so another tenant's row is never touched.
    chosen = [member for member in members if member.aad_object_id and member.tenant_id == tenant_id]
    return await _sync(
        sessions=sessions, client=client, tenant_id=tenant_id, members=chosen, now=now, me=False
    )


async def sync_my_availability(
    *,
    sessions: SessionMaker,
    client: GraphServiceClient,
    tenant_id: str,
    member: Member,
    now: datetime,
) -> AvailabilityReport:
    """The signed-in member's own settings, through ``/me`` with their delegated token."""
    require_aware(now)
    if member.tenant_id != tenant_id:
        raise ValueError("member belongs to another tenant")
    return await _sync(
        sessions=sessions, client=client, tenant_id=tenant_id, members=[member], now=now, me=True
    )
