"""A lead's life replayed through the real services, one dated step at a time, as the seeds tell it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import col, select

from app.db import SessionMaker, transaction
from app.models import FollowUp, HandOff, Lead, Touchpoint
from app.nurturing.enums import (
    ACTIVE_FOLLOW_UP_STATUSES,
    Direction,
    FollowUpKind,
    FollowUpOutcome,
    FollowUpStatus,
    HandOffStatus,
    RecycleReason,
)
from app.services.events import EventIn, ingest_events
from app.services.follow_ups import complete_follow_up
from app.services.hand_offs import accept_hand_off, reject_hand_off
from tests.factories import T0, Org, make_lead, make_org, set_company

# A company squarely in the ideal customer profile, so fit is never what a scenario is about.
ICP = {"country": "DE", "industry": "manufacturing", "employees": 800}


@dataclass
class Replay:
    sessions: SessionMaker
    org: Org
    lead_id: uuid.UUID
    now: datetime = T0
    _events: int = field(default=0)

    @classmethod
    async def start(cls, sessions: SessionMaker, *, title: str = "CTO") -> Replay:
        """A lead owned by the first DACH rep, at a fitting company, created at T0."""
        org = await make_org(sessions)
        lead_id = await make_lead(sessions, org, owner=org.reps[0], title=title)
        await set_company(sessions, org, lead_id, **ICP)
        replay = cls(sessions, org, lead_id)
        await replay.event("email_open")  # scores the company facts in
        return replay

    def at(self, days: float) -> datetime:
        """Move the clock to ``days`` after T0 (never backwards)."""
        moment = T0 + timedelta(days=days)
        assert moment >= self.now, "a replay only moves forward"
        self.now = moment
        return moment

    async def event(self, kind: str, **properties: str) -> None:
        """The lead does something, now."""
        self._events += 1
        async with transaction(self.sessions) as session:
            await ingest_events(
                session=session,
                tenant_id=self.org.tenant_id,
                events=[
                    EventIn(
                        external_id=f"{self.lead_id}-{self._events}",
                        kind=kind,
                        lead_id=self.lead_id,
                        occurred_at=self.now,
                        properties=dict(properties),
                    )
                ],
                now=self.now,
            )

    async def lead(self) -> Lead:
        async with self.sessions() as session:
            return (await session.exec(select(Lead).where(Lead.id == self.lead_id))).one()

    async def active(self) -> FollowUp | None:
        async with self.sessions() as session:
            return (
                await session.exec(
                    select(FollowUp).where(
                        FollowUp.lead_id == self.lead_id, col(FollowUp.status).in_(ACTIVE_FOLLOW_UP_STATUSES)
                    )
                )
            ).first()

    async def hand_offs(self) -> list[HandOff]:
        async with self.sessions() as session:
            rows = await session.exec(
                select(HandOff).where(HandOff.lead_id == self.lead_id).order_by(col(HandOff.proposed_at))
            )
            return list(rows.all())

    async def open_hand_off(self) -> HandOff | None:
        return next((h for h in await self.hand_offs() if h.status == HandOffStatus.PROPOSED), None)

    async def work(self, outcome: FollowUpOutcome, **extra: object) -> FollowUp:
        """The rep works the waiting follow-up now, with an outcome."""
        active = await self.active()
        assert active is not None, "nothing to work"
        async with transaction(self.sessions) as session:
            done = await complete_follow_up(
                session=session,
                follow_up_id=active.id,
                outcome=outcome,
                caller=self.org.caller(self.org.reps[0], self.now),
                **extra,  # type: ignore[arg-type]
            )
            return done.follow_up

    async def work_when_due(self, outcome: FollowUpOutcome, until_day: float) -> list[datetime]:
        """The rep works every follow-up the moment it is due, until the given day; when they worked."""
        worked: list[datetime] = []
        while True:
            active = await self.active()
            if active is None or active.due_at > T0 + timedelta(days=until_day):
                return worked
            self.now = max(self.now, active.due_at)
            await self.work(outcome)
            worked.append(self.now)

    async def reject(self, code: RecycleReason, until: datetime | None = None) -> HandOff:
        hand_off = await self.open_hand_off()
        assert hand_off is not None, "no hand-off to reject"
        async with transaction(self.sessions) as session:
            return await reject_hand_off(
                session=session,
                hand_off_id=hand_off.id,
                reason_code=code,
                until=until,
                caller=self.org.caller(self.org.lead_dach, self.now),
            )

    async def accept(self) -> HandOff:
        hand_off = await self.open_hand_off()
        assert hand_off is not None, "no hand-off to accept"
        async with transaction(self.sessions) as session:
            return await accept_hand_off(
                session=session,
                hand_off_id=hand_off.id,
                caller=self.org.caller(self.org.lead_dach, self.now),
            )

    async def outbound_touches(self) -> list[datetime]:
        async with self.sessions() as session:
            rows = await session.exec(
                select(Touchpoint.occurred_at).where(
                    Touchpoint.lead_id == self.lead_id, Touchpoint.direction == Direction.OUTBOUND
                )
            )
            return sorted(rows.all())

    async def worked(self, kinds: frozenset[FollowUpKind]) -> list[datetime]:
        """When the rep worked follow-ups of these kinds."""
        async with self.sessions() as session:
            rows = await session.exec(
                select(FollowUp.completed_at).where(
                    FollowUp.lead_id == self.lead_id,
                    FollowUp.status == FollowUpStatus.DONE,
                    col(FollowUp.kind).in_(kinds),
                )
            )
            return sorted(at for at in rows.all() if at is not None)
