"""The demo tenant: a realistic sales org whose 90 days of history are produced by the real services."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import SessionMaker, transaction
from app.models import (
    ContentItemRow,
    ConversationMessage,
    EngagementEvent,
    FollowUp,
    HandOff,
    Lead,
    LeadCreate,
    Member,
    RoutingRuleRow,
    Team,
)
from app.nurturing.assignment import RoutingFallback
from app.nurturing.enums import (
    ACTIVE_FOLLOW_UP_STATUSES,
    FollowUpOutcome,
    HandOffStatus,
    Lifecycle,
    RecycleReason,
    Role,
)
from app.nurturing.playbook import default_content_library
from app.services import demo_data as data
from app.services.access import Caller
from app.services.admin import MemberUpdate, update_member
from app.services.demo_conversation import chats_with_owner
from app.services.demo_history import seed_conversations
from app.services.events import EventIn, ingest_events
from app.services.follow_ups import SystemCompletion, complete_follow_ups_as_system, due_follow_ups
from app.services.hand_offs import accept_hand_off, reject_hand_off
from app.services.leads import LifecycleMove, create_leads, set_lifecycles
from app.services.rescoring import rescore_stale_leads
from app.services.tenant_config import (
    ROUTING_FALLBACK_KEY,
    TenantConfig,
    load_config,
    save_setting,
    working_hours,
)
from app.services.tenants import ensure_tenant

DEMO_TENANT_ID = "3f2c1d9e-7b4a-4e2f-9c1d-0de70de70de7"
DEMO_TENANT_NAME = "Fertigwerk Industrial IoT GmbH"
HISTORY_DAYS = 90

# Buyer profiles: how often each lead engages, and with what.
PROFILES: dict[str, tuple[float, tuple[tuple[str, float], ...]]] = {
    "cold": (0.06, (("email_open", 0.8), ("page_view", 0.2))),
    "warming": (
        0.18,
        (
            ("email_open", 0.35),
            ("email_click", 0.2),
            ("page_view", 0.2),
            ("content_download", 0.15),
            ("webinar_attended", 0.05),
            ("pricing_view", 0.05),
        ),
    ),
    "hot": (
        0.3,
        (
            ("email_open", 0.2),
            ("email_click", 0.15),
            ("page_view", 0.15),
            ("pricing_view", 0.2),
            ("content_download", 0.1),
            ("email_reply", 0.1),
            ("demo_request", 0.05),
            ("webinar_attended", 0.05),
        ),
    ),
}


CONSENT_SHARE = {"unsubscribed": 0.05, "bounced": 0.03}
# Days before the end when the demo's leaver is deactivated, so the replay hands their work over.
LEAVER_DAY = 20


@dataclass(frozen=True, slots=True)
class PlannedLead:
    email: str
    first_name: str
    last_name: str
    title: str
    persona: str
    language: str
    source: str
    needs: str
    topics: tuple[str, ...]
    company: str
    domain: str
    industry: str
    country: str
    employees: int
    created_day: int  # days before now
    profile: str


@dataclass(frozen=True, slots=True)
class DemoPlan:
    leads: tuple[PlannedLead, ...]
    events: dict[int, list[tuple[str, str, int]]] = field(
        default_factory=dict
    )  # day -> (email, kind, minute)


@dataclass(frozen=True, slots=True)
class DemoSummary:
    teams: int
    members: int
    leads: int
    events: int
    follow_ups_open: int
    overdue: int
    mqls: int
    hand_offs_waiting: int
    customers: int
    messages: int = 0

    def __str__(self) -> str:
        return (
            f"{self.teams} teams, {self.members} members, {self.leads} leads, {self.events} events, "
            f"{self.follow_ups_open} open follow-ups ({self.overdue} overdue), {self.mqls} MQLs, "
            f"{self.hand_offs_waiting} hand-offs waiting, {self.customers} won, "
            f"{self.messages} mail and chat messages"
        )


def _email(first: str, last: str, domain: str, taken: set[str]) -> str:
    plain = (
        f"{first}.{last}".lower()
        .replace("ä", "ae")
        .replace("ö", "oe")
        .replace("ü", "ue")
        .replace("ß", "ss")
        .replace("'", "")
    )
    candidate, n = f"{plain}@{domain}", 2
    while candidate in taken:
        candidate, n = f"{plain}{n}@{domain}", n + 1
    taken.add(candidate)
    return candidate


def generate_demo_plan(rng: random.Random, leads: int) -> DemoPlan:
    """Everything random about the demo, decided up front; the same seed gives the same plan."""
    companies: list[tuple[str, str, str, str, int]] = []
    for index in range(max(leads // 3, 10)):
        country = rng.choices(
            ["DE", "AT", "CH", "GB", "IE", "US", "CA", *data.UNROUTED_COUNTRIES],
            weights=[30, 6, 6, 16, 4, 24, 6, 2, 2, 1],
        )[0]
        german = country in ("DE", "AT", "CH")
        stem = rng.choice(data.GERMAN_COMPANY_STEMS if german else data.ENGLISH_COMPANY_STEMS)
        kind = rng.choice(data.GERMAN_COMPANY_KINDS if german else data.ENGLISH_COMPANY_KINDS)
        name = f"{stem} {kind}"
        slug = "".join(ch for ch in stem.lower().replace("ä", "ae").replace("ü", "ue") if ch.isalnum())
        domain = f"{slug}-{index}.example"
        employees = int(rng.choice([20, 45, 80, 150, 320, 600, 1200, 2500, 8000]) * rng.uniform(0.8, 1.2))
        companies.append((name, domain, rng.choice(data.INDUSTRIES), country, employees))
    taken: set[str] = set()
    planned: list[PlannedLead] = []
    events: dict[int, list[tuple[str, str, int]]] = {}
    for _ in range(leads):
        name, domain, industry, country, employees = rng.choice(companies)
        german = country in ("DE", "AT", "CH")
        first = rng.choice(data.GERMAN_FIRST if german else data.ENGLISH_FIRST)
        last = rng.choice(data.GERMAN_LAST if german else data.ENGLISH_LAST)
        title, persona = rng.choice(data.TITLES)
        profile = rng.choices(["cold", "warming", "hot"], weights=[50, 35, 15])[0]
        lead = PlannedLead(
            email=_email(first, last, domain, taken),
            first_name=first,
            last_name=last,
            title=title,
            persona=persona,
            language="de" if german else "en",
            source=rng.choice(data.SOURCES),
            needs=rng.choice(data.NEEDS),
            topics=tuple(rng.sample(data.TOPICS, k=rng.randint(1, 3))),
            company=name,
            domain=domain,
            industry=industry,
            country=country,
            employees=employees,
            created_day=rng.randint(1, HISTORY_DAYS),
            profile=profile,
        )
        planned.append(lead)
        rate, kinds = PROFILES[profile]
        # Hot leads heat up recently; everybody else engages evenly.
        for day in range(lead.created_day, -1, -1):
            boost = 2.0 if profile == "hot" and day < 14 else 1.0
            if rng.random() < rate * boost:
                kind = rng.choices([k for k, _ in kinds], weights=[w for _, w in kinds])[0]
                if kind == "email_reply" and chats_with_owner(lead.email):
                    kind = "chat_reply"  # a lead who chats with their owner answers there
                events.setdefault(day, []).append((lead.email, kind, rng.randint(8 * 60, 18 * 60)))
        # Some people unsubscribe, some addresses bounce: consent and hygiene must show in the demo too.
        consent = rng.random()
        if consent < CONSENT_SHARE["unsubscribed"] or consent > 1 - CONSENT_SHARE["bounced"]:
            kind = "unsubscribed" if consent < CONSENT_SHARE["unsubscribed"] else "bounced"
            day = rng.randint(0, lead.created_day)
            events.setdefault(day, []).append((lead.email, kind, rng.randint(8 * 60, 18 * 60)))
    return DemoPlan(leads=tuple(planned), events=events)


async def _organisation(sessions: SessionMaker, now: datetime) -> dict[str, Member]:
    async with transaction(sessions) as session:
        await ensure_tenant(session=session, tenant_id=DEMO_TENANT_ID, name=DEMO_TENANT_NAME, now=now)
        teams: list[Team] = []
        for name, zone, _countries, schedule in data.TEAMS:
            team = Team(
                tenant_id=DEMO_TENANT_ID,
                name=name,
                time_zone=zone,
                pipeline_schedule=schedule,
                pipeline_channel_id=data.PIPELINE_CHANNELS.get(name),
            )
            teams.append(team)
        session.add_all(teams)
        await session.flush()
        for (_name, _zone, countries, _schedule), team in zip(data.TEAMS, teams, strict=True):
            session.add(
                RoutingRuleRow(
                    tenant_id=DEMO_TENANT_ID,
                    priority=10,
                    field="country",
                    values=list(countries),
                    team_id=team.id,
                )
            )
        # Leads from countries no team covers (France, the Netherlands, Spain) go to the DACH team.
        await save_setting(
            session=session,
            tenant_id=DEMO_TENANT_ID,
            key=ROUTING_FALLBACK_KEY,
            value=RoutingFallback(team_id=str(teams[0].id)),
            now=now,
        )
        people: dict[str, Member] = {}
        for name, role, team_index, capacity, locale in data.PEOPLE:
            home = teams[team_index] if team_index is not None else None
            first, last = name.split(" ", 1)
            email = _email(first, last, data.VENDOR_DOMAIN, set())
            member = Member(
                tenant_id=DEMO_TENANT_ID,
                display_name=name,
                email=email,
                aad_object_id=data.demo_object_id(email),
                role=Role(role),
                team_id=home.id if home else None,
                time_zone=home.time_zone if home else "Europe/Berlin",
                work_start=time(8, 30) if locale == "de" else time(9, 0),
                work_end=time(17, 30) if locale == "de" else time(17, 30),
                capacity=capacity,
                locale=locale,
            )
            people[name] = member
        session.add_all(people.values())
        for item in default_content_library():
            session.add(
                ContentItemRow(
                    tenant_id=DEMO_TENANT_ID,
                    key=item.id,
                    title=item.title,
                    url=item.url,
                    kind=item.kind,
                    stages=sorted(stage.value for stage in item.stages),
                    personas=sorted(item.personas),
                    topics=sorted(item.topics),
                    language=item.language,
                )
            )
    return people


def _day_start(now: datetime, days_ago: int) -> datetime:
    return (now - timedelta(days=days_ago)).replace(hour=7, minute=0, second=0, microsecond=0)


async def seed_demo_tenant(
    *,
    sessions: SessionMaker,
    now: datetime,
    rng: random.Random,
    leads: int = 500,
    progress: Callable[[int, int], None] | None = None,
    conversation_seed: int | None = None,
) -> DemoSummary:
    """Create the demo tenant, replay 90 days of nurturing through the real services, then write the
    mail and chat history those 90 days imply."""
    plan = generate_demo_plan(rng, leads)
    people = await _organisation(sessions, now - timedelta(days=HISTORY_DAYS + 1))
    leads_by_day: dict[int, list[PlannedLead]] = {}
    for lead in plan.leads:
        leads_by_day.setdefault(lead.created_day, []).append(lead)
    team_leads = {member.team_id: member for member in people.values() if member.role is Role.LEAD}
    async with sessions() as session:
        config = await load_config(session=session, tenant_id=DEMO_TENANT_ID)
    total_events = rejected = 0
    admin = next(member for member in people.values() if member.role is Role.ADMIN)
    created_day = {lead.email: lead.created_day for lead in plan.leads}
    for day in range(HISTORY_DAYS, -1, -1):
        start = _day_start(now, day)
        # Integrations deliver the day's engagement at its end; the reps' working day comes before that.
        end_of_day = min(start + timedelta(hours=16, minutes=30), now)
        arriving = leads_by_day.get(day, [])
        if arriving:
            # The day's new leads arrive as one sync from the marketing tool, at one moment of the day.
            async with transaction(sessions) as session:
                await create_leads(
                    session=session,
                    caller=Caller.system(DEMO_TENANT_ID, start + timedelta(minutes=rng.randint(60, 540))),
                    config=config,
                    items=[
                        LeadCreate(
                            email=planned.email,
                            first_name=planned.first_name,
                            last_name=planned.last_name,
                            title=planned.title,
                            persona=planned.persona,
                            language=planned.language,
                            source=planned.source,
                            needs=planned.needs,
                            topics=list(planned.topics),
                            company_name=planned.company,
                            company_domain=planned.domain,
                            industry=planned.industry,
                            country=planned.country,
                            employees=planned.employees,
                        )
                        for planned in arriving
                    ],
                )
        if day > 0:
            rejected = await _work_the_day(sessions, rng, team_leads, start, config, rejected)
        if day == LEAVER_DAY:
            async with transaction(sessions) as session:
                await update_member(
                    session=session,
                    caller=Caller.of(admin, start),
                    member_id=people[data.INACTIVE_REP].id,
                    changes=MemberUpdate(active=False),
                )
        day_events = [
            EventIn(
                external_id=f"demo-{day}-{index}",
                kind=kind,
                email=email,
                occurred_at=start + timedelta(minutes=minute - 7 * 60),
            )
            for index, (email, kind, minute) in enumerate(plan.events.get(day, []))
            if day <= created_day[email] and start + timedelta(minutes=minute - 7 * 60) <= end_of_day
        ]
        if day_events:
            async with transaction(sessions) as session:
                result = await ingest_events(
                    session=session,
                    tenant_id=DEMO_TENANT_ID,
                    events=day_events,
                    now=end_of_day,
                    config=config,
                )
            total_events += result.accepted
        if progress is not None:
            progress(HISTORY_DAYS - day + 1, HISTORY_DAYS + 1)
    await _finish_people(sessions, people, now)
    # Drawn after the replay, so the conversation never changes what the replay did.
    seed = rng.getrandbits(64) if conversation_seed is None else conversation_seed
    await seed_conversations(sessions=sessions, tenant_id=DEMO_TENANT_ID, now=now, seed=seed)
    # The scheduler keeps scores fresh in production; the demo starts out as true today as it would be.
    while True:
        async with transaction(sessions) as session:
            looked, _ = await rescore_stale_leads(
                session=session, tenant_id=DEMO_TENANT_ID, now=now, stale_after=timedelta(0)
            )
        if looked < 500:
            break
    return await summarise(sessions=sessions, now=now)


def _working_moment(rng: random.Random, owner: Member | None, day_start: datetime) -> datetime | None:
    """A moment inside the owner's working hours on that calendar day, or None on their day off."""
    hours = working_hours(owner)
    zone = ZoneInfo(hours.time_zone)
    local_day = day_start.astimezone(zone).date()
    if local_day.isoweekday() not in hours.workdays:
        return None
    opens = datetime.combine(local_day, hours.start, zone)
    closes = datetime.combine(local_day, hours.end, zone)
    return opens + (closes - opens) * rng.uniform(0.05, 0.95)


async def _work_the_day(
    sessions: SessionMaker,
    rng: random.Random,
    team_leads: dict[uuid.UUID | None, Member],
    day_start: datetime,
    config: TenantConfig,
    rejected: int,
) -> int:
    """Reps work most of what is due in their own working hours (a real team has a backlog); team leads
    decide hand-offs in theirs. ``rejected`` counts the hand-offs rejected so far; returns the new count."""
    outcomes, not_interested = list(FollowUpOutcome), FollowUpOutcome.NOT_INTERESTED
    # The day's work is one transaction that reads what is due once: the completions then find the
    # follow-ups in the session, and the leads and contexts are read once for all.
    async with transaction(sessions) as session:
        due = await due_follow_ups(
            session=session, tenant_id=DEMO_TENANT_ID, now=day_start + timedelta(days=1), limit=2000
        )
        owner_ids = {follow_up.owner_id for follow_up in due if follow_up.owner_id is not None}
        owners = {
            member.id: member
            for member in (
                await session.exec(
                    select(Member).where(Member.tenant_id == DEMO_TENANT_ID, col(Member.id).in_(owner_ids))
                )
            ).all()
        }
        work: list[tuple[datetime, uuid.UUID]] = []
        for follow_up in due:
            owner = owners.get(follow_up.owner_id) if follow_up.owner_id is not None else None
            if owner is None or not owner.active or rng.random() > 0.8:
                continue
            moment = _working_moment(rng, owner, day_start)
            if moment is None or moment < follow_up.due_at:
                continue
            work.append((moment, follow_up.id))
        completions = [
            SystemCompletion(
                follow_up_id=follow_up_id,
                outcome=outcome,
                now=moment,
                reason_code=RecycleReason.NOT_INTERESTED if outcome is not_interested else None,
            )
            for moment, follow_up_id in sorted(work)
            for outcome in [rng.choices(outcomes, weights=[20, 55, 10, 15])[0]]
        ]
        await complete_follow_ups_as_system(
            session=session, tenant_id=DEMO_TENANT_ID, work=completions, config=config
        )
    async with transaction(sessions) as session:
        waiting = (
            await session.exec(
                select(HandOff, Lead)
                .join(Lead, col(Lead.id) == col(HandOff.lead_id))
                .where(
                    HandOff.tenant_id == DEMO_TENANT_ID,
                    HandOff.status == HandOffStatus.PROPOSED,
                    HandOff.proposed_at <= day_start,
                )
            )
        ).all()
        await _advance_pipeline(session, rng, day_start + timedelta(hours=8), config)
        for hand_off, lead in waiting:
            decider = team_leads.get(lead.team_id)
            moment = _working_moment(rng, decider, day_start) if decider is not None else None
            if decider is None or moment is None:
                continue  # the team lead decides on a working day
            caller = Caller.of(decider, moment)
            if rng.random() < 0.65:
                await accept_hand_off(
                    session=session,
                    hand_off_id=hand_off.id,
                    caller=caller,
                    config=config,
                )
                continue
            # Every coded reason turns up, in turn, so the demo shows what each one does.
            code, note, until = data.REJECT_REASONS[rejected % len(data.REJECT_REASONS)]
            rejected += 1
            await reject_hand_off(
                session=session,
                hand_off_id=hand_off.id,
                reason_code=RecycleReason(code),
                note=note,
                until=datetime.fromisoformat(until).replace(tzinfo=UTC) if until else None,
                caller=caller,
                config=config,
            )
    return rejected


# lifecycle -> (days in it before a decision, probability per working day, next steps with weights)
_PIPELINE: dict[Lifecycle, tuple[int, float, tuple[tuple[Lifecycle, int], ...]]] = {
    Lifecycle.SAL: (3, 0.3, ((Lifecycle.SQL, 7), (Lifecycle.RECYCLED, 2), (Lifecycle.DISQUALIFIED, 1))),
    Lifecycle.SQL: (7, 0.2, ((Lifecycle.OPPORTUNITY, 7), (Lifecycle.LOST, 2), (Lifecycle.RECYCLED, 1))),
    Lifecycle.OPPORTUNITY: (14, 0.15, ((Lifecycle.WON, 5), (Lifecycle.LOST, 3), (Lifecycle.RECYCLED, 2))),
}
_PIPELINE_REASONS = {
    Lifecycle.RECYCLED: "timing moved to next year",
    Lifecycle.DISQUALIFIED: "no fit after discovery call",
    Lifecycle.LOST: "chose a competitor",
}
_PIPELINE_CODES = {Lifecycle.RECYCLED: RecycleReason.NO_BUDGET}


async def _advance_pipeline(
    session: AsyncSession, rng: random.Random, moment: datetime, config: TenantConfig
) -> None:
    """Sales moves accepted leads on: some become opportunities and customers, some are lost or recycled."""
    # One read for all stages of the pipeline; each stage is then worked in turn, as sales would.
    shortest = min(min_days for min_days, _, _ in _PIPELINE.values())
    candidates = (
        await session.exec(
            select(Lead)
            .where(
                Lead.tenant_id == DEMO_TENANT_ID,
                col(Lead.lifecycle).in_(list(_PIPELINE)),
                col(Lead.lifecycle_changed_at) <= moment - timedelta(days=shortest),
            )
            .order_by(col(Lead.created_at), col(Lead.email))
        )
    ).all()
    # Each step needs days in the stage, so a lead moved today is ready for no further step today: every
    # move of the day is decided first, and all are made in one batch.
    moves: list[LifecycleMove] = []
    for lifecycle, (min_days, chance, steps) in _PIPELINE.items():
        ready = [
            lead
            for lead in candidates
            if lead.lifecycle is lifecycle
            and lead.lifecycle_changed_at is not None
            and lead.lifecycle_changed_at <= moment - timedelta(days=min_days)
        ]
        for lead in ready:
            if rng.random() > chance:
                continue
            target = rng.choices([step for step, _ in steps], weights=[weight for _, weight in steps])[0]
            moves.append(
                LifecycleMove(
                    lead_id=lead.id,
                    lifecycle=target,
                    reason=_PIPELINE_REASONS.get(target),
                    expected_version=lead.version,
                    reason_code=_PIPELINE_CODES.get(target),
                )
            )
    await set_lifecycles(
        session=session, caller=Caller.system(DEMO_TENANT_ID, moment), moves=moves, config=config
    )


async def _finish_people(sessions: SessionMaker, people: dict[str, Member], now: datetime) -> None:
    async with transaction(sessions) as session:
        away = await session.get(Member, people[data.AWAY_REP].id)
        assert away is not None
        away.away_until = now + timedelta(days=5)
        session.add(away)


async def summarise(*, sessions: SessionMaker, now: datetime) -> DemoSummary:
    """Counts that show the demo is alive: open and overdue work, MQLs, waiting hand-offs."""
    tenant = DEMO_TENANT_ID

    async def count(statement: object) -> int:
        async with sessions() as session:
            return int((await session.exec(statement)).one())  # type: ignore[call-overload]

    active = col(FollowUp.status).in_(ACTIVE_FOLLOW_UP_STATUSES)
    return DemoSummary(
        teams=await count(select(func.count()).select_from(Team).where(Team.tenant_id == tenant)),
        members=await count(select(func.count()).select_from(Member).where(Member.tenant_id == tenant)),
        leads=await count(select(func.count()).select_from(Lead).where(Lead.tenant_id == tenant)),
        events=await count(
            select(func.count()).select_from(EngagementEvent).where(EngagementEvent.tenant_id == tenant)
        ),
        follow_ups_open=await count(
            select(func.count()).select_from(FollowUp).where(FollowUp.tenant_id == tenant, active)
        ),
        overdue=await count(
            select(func.count())
            .select_from(FollowUp)
            .where(FollowUp.tenant_id == tenant, active, FollowUp.due_at < now)
        ),
        mqls=await count(
            select(func.count())
            .select_from(Lead)
            .where(Lead.tenant_id == tenant, Lead.lifecycle == Lifecycle.MQL)
        ),
        customers=await count(
            select(func.count())
            .select_from(Lead)
            .where(Lead.tenant_id == tenant, Lead.lifecycle == Lifecycle.WON)
        ),
        messages=await count(
            select(func.count())
            .select_from(ConversationMessage)
            .where(ConversationMessage.tenant_id == tenant)
        ),
        hand_offs_waiting=await count(
            select(func.count())
            .select_from(HandOff)
            .where(HandOff.tenant_id == tenant, HandOff.status == HandOffStatus.PROPOSED)
        ),
    )
