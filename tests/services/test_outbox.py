"""The outbox's settle steps leave a notice alone when it was erased or taken over while it was being sent."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import SessionMaker, transaction
from app.models import OutboxMessage
from app.services import outbox
from app.services.outbox import Delivery
from tests.factories import T0, make_org
from tests.statements import statements_run

WORKER = "host-a:1:w"


async def _claimed(sessions: SessionMaker, tenant_id: str, *, attempts: int = 1) -> OutboxMessage:
    row = OutboxMessage(
        tenant_id=tenant_id,
        dedupe_key=f"follow_up.due:{attempts}",
        kind="follow_up.due",
        payload={},
        status=Delivery.SENDING.value,
        attempts=attempts,
        claimed_by=WORKER,
        lease_until=T0 + timedelta(minutes=5),
    )
    async with transaction(sessions) as session:
        session.add(row)
    return row


async def test_a_notice_erased_while_in_flight_is_no_error_for_any_settle_step(
    sessions: SessionMaker,
) -> None:
    org = await make_org(sessions)
    rows = [await _claimed(sessions, org.tenant_id, attempts=n) for n in (1, 2, 3)]
    async with transaction(sessions) as session:
        # The dispatcher holds the rows in its session (as after reading them to decide; the identity
        # map keeps only what is referenced, hence the list) ...
        held = [await session.get(OutboxMessage, row.id) for row in rows]
        assert all(row is not None for row in held)
        # ... when a lead's erasure deletes them in another transaction.
        async with transaction(sessions) as other:
            await other.exec(delete(OutboxMessage))
        status = await outbox.retry_later(
            session=session,
            tenant_id=org.tenant_id,
            message_id=rows[0].id,
            worker=WORKER,
            not_before=T0,
            error="HTTP 503",
            max_attempts=5,
        )
        await outbox.give_up(
            session=session,
            tenant_id=org.tenant_id,
            message_id=rows[1].id,
            worker=WORKER,
            status=Delivery.BLOCKED,
            error="blocked",
        )
        sent = await outbox.mark_sent_many(
            session=session,
            tenant_id=org.tenant_id,
            worker=WORKER,
            sent=[(rows[2].id, "1:abc")],
            now=T0,
        )
    # Nothing was left to settle, and saying so is all that happened: the commit above did not raise.
    assert status is Delivery.SENDING
    assert sent == set()


async def test_settle_steps_only_touch_the_workers_own_rows(sessions: SessionMaker) -> None:
    org = await make_org(sessions)
    mine = await _claimed(sessions, org.tenant_id, attempts=5)
    theirs = await _claimed(sessions, org.tenant_id, attempts=1)
    async with transaction(sessions) as session:
        assert (
            await outbox.retry_later(
                session=session,
                tenant_id=org.tenant_id,
                message_id=mine.id,
                worker=WORKER,
                not_before=T0,
                error="HTTP 503",
                max_attempts=5,
            )
            is Delivery.FAILED
        )
        await outbox.give_up(
            session=session,
            tenant_id=org.tenant_id,
            message_id=theirs.id,
            worker="host-b:2:w",
            status=Delivery.BLOCKED,
            error="blocked",
        )
    async with sessions() as session:
        settled = await session.get(OutboxMessage, mine.id)
        untouched = await session.get(OutboxMessage, theirs.id)
    assert settled is not None and settled.status == Delivery.FAILED.value
    assert settled.last_error == "HTTP 503" and settled.lease_until is None
    assert untouched is not None and untouched.status == Delivery.SENDING.value


async def test_a_group_of_sends_is_recorded_at_once_and_only_on_the_workers_own_rows(
    sessions: SessionMaker,
) -> None:
    org = await make_org(sessions)
    first = await _claimed(sessions, org.tenant_id, attempts=1)
    second = await _claimed(sessions, org.tenant_id, attempts=2)
    taken_over = await _claimed(sessions, org.tenant_id, attempts=3)
    async with transaction(sessions) as session:
        # Another worker took this row over after our lease lapsed: our late result must not land on it.
        row = await session.get(OutboxMessage, taken_over.id)
        assert row is not None
        row.claimed_by = "host-b:2:w"
        session.add(row)
    async with transaction(sessions) as session:
        ours = await outbox.mark_sent_many(
            session=session,
            tenant_id=org.tenant_id,
            worker=WORKER,
            sent=[(first.id, "activity-1"), (second.id, None), (taken_over.id, "activity-3")],
            now=T0,
        )
    assert ours == {first.id, second.id}
    async with sessions() as session:
        rows = {
            row_id: await session.get(OutboxMessage, row_id)
            for row_id in (first.id, second.id, taken_over.id)
        }
    sent_first, sent_second, theirs = rows[first.id], rows[second.id], rows[taken_over.id]
    assert sent_first is not None and sent_first.status == Delivery.SENT.value
    assert sent_first.activity_id == "activity-1" and sent_first.lease_until is None
    assert sent_second is not None and sent_second.status == Delivery.SENT.value
    assert sent_second.activity_id is None
    assert theirs is not None and theirs.status == Delivery.SENDING.value and theirs.activity_id is None


async def test_notices_of_a_block_inside_another_go_out_with_the_outer_ones_in_one_statement(
    sessions: SessionMaker, engine: AsyncEngine
) -> None:
    org = await make_org(sessions)

    async def notice(session: AsyncSession, key: str) -> None:
        await outbox.enqueue(
            session=session,
            tenant_id=org.tenant_id,
            kind=outbox.Notice.FOLLOW_UP_CHANGED,
            dedupe_key=key,
            payload={},
            now=T0,
        )

    with statements_run(engine) as sent:
        async with transaction(sessions) as session:
            async with outbox.enqueued_together(session):
                await notice(session, "outer:1")
                async with outbox.enqueued_together(session):
                    await notice(session, "inner:1")
                    await notice(session, "inner:1")
                assert sent == [], "the inner block leaves its notices to the outer one"
                await notice(session, "outer:2")
    assert len(sent) == 1
    async with sessions() as session:
        keys = (
            await session.exec(
                select(OutboxMessage.dedupe_key).where(OutboxMessage.tenant_id == org.tenant_id)
            )
        ).all()
    assert sorted(keys) == ["inner:1", "outer:1", "outer:2"]
