"""A Done invoke's cost in SQL statements, counted with SQLAlchemy's engine events."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event
from sqlmodel import col, func, select

from app.db import SessionMaker, transaction
from app.models import FollowUp, Lead, OutboxMessage
from app.nurturing.enums import FollowUpStatus
from app.services import card_reads
from cards import contract
from tests.bot.conftest import Teams, card_text, personal_conversation
from tests.factories import make_lead

# The turn reads the caller, the follow-up with its lead and context, writes the outcome and the next
# follow-up, and answers with the refreshed card built from what the service returned.
MAX_STATEMENTS = 10
SETTINGS_STATEMENTS = 3  # settings, content library, routing rules: read once per tenant every few seconds


@contextmanager
def transactions() -> Iterator[list[object]]:
    """Every transaction any engine begins while the block runs."""
    begun: list[object] = []

    def record(conn: Any) -> None:
        begun.append(conn)

    event.listen(Engine, "begin", record)
    try:
        yield begun
    finally:
        event.remove(Engine, "begin", record)


@contextmanager
def counted() -> Iterator[list[str]]:
    """Every statement any engine sends to its database while the block runs."""
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(Engine, "before_cursor_execute", record)


async def _done_data(
    teams: Teams, sessions: SessionMaker, lead_id: uuid.UUID
) -> tuple[FollowUp, dict[str, Any]]:
    async with sessions() as session:
        lead = await session.get(Lead, lead_id)
        follow_up = (await session.exec(select(FollowUp).where(FollowUp.lead_id == lead_id))).one()
    assert lead is not None
    return follow_up, {
        contract.DATA_TENANT_ID: teams.org.tenant_id,
        contract.DATA_LEAD_ID: str(lead_id),
        contract.DATA_VERSION: lead.version,
        contract.DATA_FOLLOW_UP_ID: str(follow_up.id),
        contract.INPUT_OUTCOME: "replied",
    }


async def test_a_done_invoke_runs_at_most_ten_statements(teams: Teams, sessions: SessionMaker) -> None:
    rep = teams.org.reps[0]
    first = await make_lead(sessions, teams.org, owner=rep, first_name="Jana", last_name="Weiß")
    second = await make_lead(sessions, teams.org, owner=rep, first_name="Tom", last_name="Berger")
    activity = "1:card-of-tom"
    async with transaction(sessions) as session:
        # The card Tom's follow-up sits in, as `my follow-ups` or the scheduler would have recorded it.
        follow_up, _ = await _done_data(teams, sessions, second)
        await card_reads.remember_card(
            session, teams.org.tenant_id, follow_up.id, activity, personal_conversation(rep)
        )
    # A rep works a run of follow-ups: the first click of the run also reads the tenant's settings.
    _, data = await _done_data(teams, sessions, first)
    with counted() as cold:
        status, body = await teams.execute(rep, contract.FOLLOW_UP_DONE, data)
    assert status == 200 and "Marked done" in card_text(body["value"])

    follow_up, data = await _done_data(teams, sessions, second)
    with counted() as statements, transactions() as begun:
        status, body = await teams.execute(rep, contract.FOLLOW_UP_DONE, data, reply_to=activity)

    card = body["value"]
    assert status == 200 and "Marked done" in card_text(card) and "Tom Berger" in card_text(card)
    async with sessions() as session:
        done = await session.get(FollowUp, follow_up.id)
        planned = (
            await session.exec(
                select(FollowUp).where(FollowUp.lead_id == second, col(FollowUp.status) == "open")
            )
        ).all()
        queued = (
            await session.exec(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.kind == "follow_up.changed")
            )
        ).one()
    assert done is not None and done.status == FollowUpStatus.DONE
    assert len(planned) == 1, "the cadence planned the next follow-up within the same turn"
    assert queued == 0, "the invoke's answer updates the clicked card; no update of it is queued"
    assert len(statements) <= MAX_STATEMENTS, "\n---\n".join(statements)
    assert len(begun) == 1, "the sender is read in the transaction that completes the follow-up"
    assert len(cold) <= MAX_STATEMENTS + SETTINGS_STATEMENTS, "\n---\n".join(cold)
